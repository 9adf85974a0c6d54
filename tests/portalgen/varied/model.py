"""What a varied portal is made of: hosts that answer requests, the county it belongs to, ground truth.

A :class:`VariedPortal` is one government's web presence: its ``www`` host and, for counties that
publish on an intensive platform (集约化), a ``platform`` host shared with a neighbour county, plus
a spam ``mirror``.  Each :class:`Host` is served by its own loopback server
(:func:`portalgen.varied.serve`); every request is logged.  The ground truth says what a crawler
started on the home page must archive (:class:`Truth`), what it must judge not to be a report
(:class:`AboutPage`), and where it must never go (traps, the mirror, the neighbour's columns).
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

from portalgen.sites import LoggedRequest, Reply, Request


@dataclass(frozen=True)
class County:
    """A county government: its names, 行政区划代码 and towns (from the 2023 NBS tables)."""

    code: str
    name: str  # 城步苗族自治县
    province: str
    city: str
    towns: tuple[str, ...]

    @property
    def government(self) -> str:
        return f"{self.name}人民政府"

    @property
    def site_code(self) -> str:
        """The 网站标识码 of its portal (code + 4 digits)."""
        return f"{self.code}0001"

    @property
    def abbr(self) -> str:
        """A short path token for platform folders (not pinyin: the code's digits, as some platforms do)."""
        return f"c{self.code[-4:]}"


COUNTIES: tuple[County, ...] = (
    County("430529", "城步苗族自治县", "湖南省", "邵阳市", ("儒林镇", "茅坪镇", "西岩镇", "丹口镇", "五团镇", "长安营镇")),
    County("350128", "平潭县", "福建省", "福州市", ("海坛街道", "金井镇", "君山镇", "苏平镇", "屿头乡", "东庠乡")),
    County("331124", "松阳县", "浙江省", "丽水市", ("西屏街道", "水南街道", "古市镇", "玉岩镇", "象溪镇", "大东坝镇")),
    County("440233", "新丰县", "广东省", "韶关市", ("丰城街道", "马头镇", "梅坑镇", "沙田镇", "遥田镇", "回龙镇")),
    County("610626", "吴起县", "陕西省", "延安市", ("吴起街道", "铁边城镇", "周湾镇", "白豹镇", "长官庙镇", "长城镇")),
    County("341122", "来安县", "安徽省", "滁州市", ("新安镇", "半塔镇", "水口镇", "汊河镇", "大英镇", "雷官镇")),
    County("532328", "元谋县", "云南省", "楚雄彝族自治州", ("元马镇", "黄瓜园镇", "羊街镇", "老城乡", "物茂乡", "江边乡")),
    County("621125", "漳县", "甘肃省", "定西市", ("武阳镇", "三岔镇", "新寺镇", "金钟镇", "盐井镇", "大草滩镇")),
    County("511923", "平昌县", "四川省", "巴中市", ("同州街道", "金宝街道", "江口街道", "响滩镇", "西兴镇", "佛楼镇")),
    County("360732", "兴国县", "江西省", "赣州市", ("潋江镇", "江背镇", "古龙冈镇", "梅窖镇", "高兴镇", "良村镇")),
    County("371323", "沂水县", "山东省", "临沂市", ("沂城街道", "龙家圈街道", "马站镇", "高桥镇", "许家湖镇", "诸葛镇")),
    County("230126", "巴彦县", "黑龙江省", "哈尔滨市", ("巴彦镇", "兴隆镇", "西集镇", "洼兴镇", "龙泉镇", "龙庙镇")),
    County("440882", "雷州市", "广东省", "湛江市", ("雷城街道", "西湖街道", "新城街道", "白沙镇", "沈塘镇", "客路镇")),
    County("420222", "阳新县", "湖北省", "黄石市", ("兴国镇", "富池镇", "黄颡口镇", "韦源口镇", "太子镇", "大王镇")),
)  # fmt: skip

DEPARTMENTS = ("发展和改革局", "教育局", "民政局", "司法局", "财政局", "人力资源和社会保障局", "自然资源局",
               "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "卫生健康局", "市场监督管理局",
               "应急管理局", "医疗保障局", "退役军人事务局")  # fmt: skip


@dataclass
class Unit:
    """A publisher: the county government, a department or a town (乡镇/街道)."""

    key: str  # path token
    name: str  # 城步苗族自治县教育局 / 儒林镇人民政府 / 海坛街道办事处
    short: str  # as printed in titles: 教育局 (with the county) / 儒林镇
    level: str  # county | department | town


def unit_of(county: County, level: str, label: str, key: str) -> Unit:
    """A unit of ``county``: ``label`` is a department (教育局) or a town (儒林镇 / 海坛街道)."""
    if level == "county":
        return Unit(key, county.government, county.name, "county")
    if level == "department":
        return Unit(key, county.name + label, county.name + label, "department")
    organ = label + ("办事处" if label.endswith("街道") else "人民政府")
    return Unit(key, organ, label, "town")


@dataclass
class Truth:
    """A report a crawler must archive once: its URLs, and what it must read from it."""

    url: str  # the URL a crawler finds first (the page, or the file for a report published as a file only)
    alt_urls: list[str]  # the same report elsewhere (wap twin, pushed copy, second listing, the page of a file)
    title: str
    year: int
    organ: str
    year_from: str  # where the year is written: title | period | body | list_date | url_date
    carrier: str  # html | html+docx | html+pdf | docx
    kind: str = "report"

    @property
    def urls(self) -> list[str]:
        return [self.url, *self.alt_urls]


@dataclass
class AboutPage:
    """A page about reports (图解, 解读, notices, training news, lists): never a report."""

    url: str
    title: str
    kind: str  # infographic | interpretation | notice | arrangement | publishing | training | summary


@dataclass
class Resource:
    body: bytes
    content_type: str


def route_key(path: str, query: str = "") -> str:
    """Routes are keyed by path and the sorted query (a crawler may write parameters in another order)."""
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    return path + ("?" + urlencode(pairs) if pairs else "")


class Host:
    """One server of a portal: static routes, handlers for dynamic endpoints, the request log."""

    def __init__(self, role: str) -> None:
        self.role = role  # www | platform | mirror
        self.origin = ""
        self.host = ""
        self.routes: dict[str, Resource] = {}
        self.handlers: list[tuple[str, Callable[[Request], Reply]]] = []
        self.robots = "User-agent: *\nDisallow: /admin/\n"
        self._log: list[LoggedRequest] = []
        self._lock = threading.Lock()

    def bind(self, origin: str) -> None:
        self.origin = origin.rstrip("/")
        self.host = urlsplit(self.origin).netloc

    def url(self, path: str) -> str:
        return self.origin + path

    def add(
        self,
        target: str,
        content: str | bytes,
        content_type: str = "text/html",
        encoding: str = "utf-8",
        header_charset: bool = True,
    ) -> None:
        """Serve ``content`` at ``target`` (path with optional query); text is encoded in ``encoding``
        and, with ``header_charset``, the charset named in the Content-Type header."""
        parts = urlsplit(target)
        body = content.encode(encoding, errors="xmlcharrefreplace") if isinstance(content, str) else content
        if content_type == "text/html" and isinstance(content, str) and header_charset:
            label = "utf-8" if encoding == "utf-8" else "GBK"
            content_type = f"text/html; charset={label}"
        self.routes[route_key(parts.path, parts.query)] = Resource(body, content_type)

    def add_handler(self, prefix: str, handler: Callable[[Request], Reply]) -> None:
        self.handlers.append((prefix, handler))

    def handle(self, req: Request) -> Reply:
        reply = self._answer(req)
        entry = LoggedRequest(req.method, req.target, dict(req.headers), time.time(), reply.status, self.host, req.body)
        with self._lock:
            self._log.append(entry)
        return reply

    def _answer(self, req: Request) -> Reply:
        path = re.sub(r";jsessionid=[^/?]*", "", req.path, flags=re.I)
        if path != req.path:
            req = Request(req.method, path + (f"?{urlsplit(req.target).query}" if urlsplit(req.target).query else ""),
                          req.headers, req.body)  # fmt: skip
        if req.path == "/robots.txt":
            return Reply(200, [("Content-Type", "text/plain")], self.robots.encode())
        for prefix, handler in self.handlers:
            if req.path.startswith(prefix):
                return handler(req)
        found = self.routes.get(route_key(req.path, urlsplit(req.target).query))
        if found is None and req.path.endswith("/"):
            found = self.routes.get(route_key(req.path + "index.html", urlsplit(req.target).query))
        if found is None or req.method not in ("GET", "HEAD"):
            page = "<html><head><title>404</title></head><body><h1>404 Not Found</h1></body></html>"
            return Reply(404, [("Content-Type", "text/html; charset=utf-8")], page.encode())
        etag = '"' + hashlib.sha1(found.body).hexdigest()[:16] + '"'
        return Reply(200, [("Content-Type", found.content_type), ("ETag", etag)], found.body)

    @property
    def request_log(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)


@dataclass
class VariedPortal:
    """One generated government web presence and its ground truth (see the module documentation)."""

    family: str
    seed: int
    county: County
    hosts: dict[str, Host]
    truths: list[Truth] = field(default_factory=list)
    about: list[AboutPage] = field(default_factory=list)
    trap_markers: tuple[str, ...] = ()  # substrings of every trap URL (calendar, search, print, share, session)
    forbidden: list[str] = field(default_factory=list)  # URL prefixes never to be requested (neighbour columns)
    features: set[str] = field(default_factory=set)  # the variations this portal shows (for the figures)
    neighbour: County | None = None

    @property
    def www(self) -> Host:
        return self.hosts["www"]

    @property
    def start_url(self) -> str:
        return self.www.url("/")

    @property
    def own_hosts(self) -> list[str]:
        """Hosts that belong to the government (the portal's www host and its platform host)."""
        return [h.host for role, h in self.hosts.items() if role in ("www", "platform")]

    def registry_entry(self, portal_id: str | None = None) -> dict:
        """A registry entry naming only the www host: other hosts are for the crawler to find."""
        return {
            "id": portal_id or f"{self.county.code}-{self.family}-{self.seed}",
            "code": self.county.code,
            "name": self.county.government,
            "level": "county",
            "province": self.county.province,
            "city": self.county.city,
            "county": self.county.name,
            "hosts": [self.www.host],
            "start_urls": [self.start_url],
        }

    def is_trap(self, url: str) -> bool:
        return any(marker in url for marker in self.trap_markers)

    def requests(self) -> list[tuple[str, LoggedRequest]]:
        """Every request any host of the portal received, as (absolute URL, log entry)."""
        out = []
        for host in self.hosts.values():
            out += [(host.origin + r.path, r) for r in host.request_log]
        return out

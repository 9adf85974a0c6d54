"""Demo and test portal sites: site models, one builder per CMS family, hazards, mutations.

A :class:`Site` holds documents (reports and the other items of the annual-report columns),
places them in the URL layout of its CMS family (docs/portals.md §2) and answers requests through
:meth:`Site.handle`; :mod:`portalgen.portal` serves it over HTTP on 127.0.0.1.  Every site is
deterministic for a given family and seed.

Families (``FAMILIES``): ``trs`` (TRS WCM static lists, ``createPageHTML``), ``trs_dynamic``
(TRS 动静结合: static page 1 + ``POST /fjdzapp/search``), ``hanweb`` (Hanweb JCMS ``/col/`` pages
with ``<datastore>`` records, ``POST dataproxy.jsp``, ``xxgkAnnualReport.jsp`` module), ``gkmlpt``
(Guangdong SPA + JSON list API) and ``generic`` (VSB ``/info/{col}/{id}.htm`` count-down lists
plus a ``?page=N`` list).  ``mirror`` is the spam copy site that must never be crawled.

Ground truth for crawler tests: :attr:`Site.expected_reports` (every report: canonical URL,
alternative URLs, title, year, organ, attachments, encoding …), :attr:`Site.non_reports`,
:attr:`Site.hazard_urls`, :attr:`Site.robots_disallowed`.  Incremental-crawl hooks:
:meth:`Site.add_report`, :meth:`Site.edit_report`, :meth:`Site.remove_report`,
:meth:`Site.replace_attachment`, :meth:`Site.block`, :meth:`Site.go_dead`.  Every response
carries ``ETag`` and ``Last-Modified``; conditional requests get 304.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import math
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from crawler.platforms import FAMILIES as PARSER_FAMILIES
from portalgen import shells
from portalgen.sample import SampleCell, SampleReport, generate_report
from portalgen.shells import Chrome, DetailDoc, ListEntry, esc, rel
from portalgen.stories import DemoReport, Story, plant_demo_stories

CST = timezone(timedelta(hours=8))
BASE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=CST)  # Last-Modified of site chrome
CLOCK_START = datetime(2026, 4, 1, 9, 0, tzinfo=CST)  # first mutation time (after every publication)
WAF_COOKIE = "__jsl_clearance_s"

# ----------------------------------------------------------------------------- options


@dataclass
class SiteOptions:
    """Switches of a site.  Hazards are off by default, except ``robots``.

    ``flaky``/``throttle``/``waf``/``block_page`` are counts: the first N requests to each chosen
    URL fail (503 or a hung/dropped connection; 429 with ``Retry-After``; 521 cookie challenge
    unless the clearance cookie is sent; a 200 "访问受限" page), later ones succeed.  The URLs are
    chosen by the site (see :attr:`Site.hazard_urls`) unless ``*_paths`` name them.
    """

    seed: int = 0
    n_reports: int | None = None  # reports in the regular columns (family default when None)
    per_page: int | None = None  # list page size (family default when None)
    attachments: bool = True  # False: every report is an HTML page (no PDF/DOCX rendering)
    robots: bool = True  # robots.txt disallowing /preview/, which holds a report-looking page
    duplicates: bool = False  # ?isMobile=false links and the same report listed under two columns
    soft404: bool = False  # listed items answering 200 "该信息已删除" / a meta refresh to the column
    flaky: int = 0
    flaky_mode: str = "503"  # 503 | timeout (hang, then close) | drop (close without answer)
    flaky_paths: tuple[str, ...] | None = None
    throttle: int = 0
    retry_after: int = 1
    throttle_paths: tuple[str, ...] | None = None
    waf: int = 0
    waf_paths: tuple[str, ...] | None = None
    block_page: int = 0
    block_page_paths: tuple[str, ...] | None = None
    oversized: bool = False
    oversized_bytes: int = 64 * 1024 * 1024
    trap: bool = False  # endless calendar and search pages linked from the home page
    slow: float = 0.0  # seconds of delay before answering the chosen URLs
    slow_paths: tuple[str, ...] | None = None
    hang_seconds: float = 3.0  # how long a "timeout" response hangs before closing
    cache_dir: Path | None = None  # rendered PDF/DOCX cache (default: user cache dir)
    mirror_origin: str | None = None  # the spam mirror this site links to (set by the runner)
    demo_part: str | None = None  # internal: "trs" / "hanweb" half of the bundled demo county
    county: str | None = None  # one of COUNTY_PROFILES (family default when None)

    def __post_init__(self) -> None:
        if self.flaky_mode not in ("503", "timeout", "drop"):
            raise ValueError(f"flaky_mode must be 503, timeout or drop, not {self.flaky_mode!r}")
        for name in ("flaky_paths", "throttle_paths", "waf_paths", "block_page_paths", "slow_paths"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, tuple(value))


# ----------------------------------------------------------------------------- requests/replies


@dataclass
class Request:
    """One HTTP request as the server saw it (header names lower-cased)."""

    method: str
    target: str  # path plus query, as sent
    headers: dict[str, str]
    body: bytes = b""

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.target).query, keep_blank_values=True).items()}

    def form(self) -> dict[str, str]:
        """The urlencoded POST body."""
        text = self.body.decode("utf-8", errors="replace")
        return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}

    def cookies(self) -> dict[str, str]:
        out = {}
        for part in self.headers.get("cookie", "").split(";"):
            if "=" in part:
                k, v = part.split("=", 1)
                out[k.strip()] = v.strip()
        return out


@dataclass
class Reply:
    """What to answer: ``action`` ``send`` (status/headers/body), ``drop`` (close, no answer)."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    action: str = "send"
    delay: float = 0.0
    stream_size: int = 0  # > 0: send this many generated bytes instead of ``body``
    lazy: Callable[[], Reply] | None = None  # completes the reply outside the site lock (file rendering)
    logged: LoggedRequest | None = None  # its entry in the request log (the server notes when it answered)


@dataclass
class LoggedRequest:
    """An entry of the request log: every request a site received."""

    method: str
    path: str  # path and query as requested
    headers: dict[str, str]
    time: float  # time.time() when received
    status: int | None  # None when the connection was dropped without an answer
    host: str
    body: bytes = b""
    answered: float | None = None  # time.time() when the answer was written (or the connection dropped)


# ----------------------------------------------------------------------------- ground truth


@dataclass
class ExpectedAttachment:
    """A report file a crawler must fetch and keep with its page."""

    url: str
    filename: str  # the link text / original file name (the extension may lie; ``kind`` is the truth)
    kind: str  # pdf | docx (what the bytes are)
    sample: SampleReport | None = None  # what the file says (differs from the page after a replacement)


@dataclass
class ExpectedReport:
    """What a crawler must find for one report."""

    doc_id: str
    url: str  # canonical URL (the page a crawler should store; meta Url)
    alt_urls: list[str]  # wap twin, ?isMobile=false, second column … (same report)
    title: str
    year: int
    organ: str
    level: str  # county | town | department
    template: str  # 2019 | 2021 | pre2019 | none (as the sample was generated)
    published: date  # the date the page shows
    column: str  # column name
    carrier: str  # html | html+pdf | html+docx | pdf | docx
    encoding: str  # utf-8 | gbk
    charset_declared: str  # meta | header | both
    attachments: list[ExpectedAttachment]
    version: int
    sample: SampleReport

    @property
    def is_gbk(self) -> bool:
        return self.encoding != "utf-8"

    @property
    def attachment_urls(self) -> list[str]:
        return [a.url for a in self.attachments]

    @property
    def urls(self) -> list[str]:
        return [self.url, *self.alt_urls]


@dataclass
class NonReport:
    """A page a crawler can reach that is not a report (kind says what it is)."""

    url: str
    title: str
    kind: str  # notice | format | interpretation | statistics | letter | news | soft404 | refresh
    in_report_column: bool = True  # listed in an annual-report column (else: news column, home page)


# ----------------------------------------------------------------------------- content models


@dataclass
class Column:
    """A list column of a site (its URL shape is family specific)."""

    key: str
    name: str
    path: str  # list URL path (family specific)
    chnl_id: str = ""
    publisher: str = "mixed"  # county | department | town | mixed
    modified: datetime = BASE_TIME
    reports: bool = True  # an annual-report column (False: news)
    extra: dict = field(default_factory=dict)


@dataclass
class Attachment:
    """A file linked from a document page (``sample`` is what it says)."""

    path: str  # URL path (with query for downfile.jsp-style links)
    filename: str
    kind: str  # pdf | docx | zip
    sample: SampleReport | None = None
    style: str = "official"
    size: int = 0  # zip (oversized) only


@dataclass
class Doc:
    """A published item: a report or anything else listed in a column."""

    doc_id: int
    kind: str  # report | notice | format | interpretation | statistics | letter | news | soft404 | refresh | preview
    title: str
    published: datetime
    column: str  # column key
    sample: SampleReport | None = None
    carrier: str = "html"
    encoding: str = "utf-8"
    charset_declared: str = "both"
    style: object | None = None  # render_html.MarkupStyle
    body: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    path: str = ""  # canonical path
    list_href_suffix: str = ""  # e.g. "?isMobile=false" appended in the list link
    listings: list[tuple[str, str]] = field(default_factory=list)  # further (column key, path)
    wap_path: str = ""
    removed: bool = False
    removed_how: str = "404"
    modified: datetime = BASE_TIME
    list_date: datetime | None = None
    version: int = 1
    updated_note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def is_report(self) -> bool:
        return self.kind == "report"


@dataclass
class Route:
    """A served resource.  ``handler`` answers query-dependent endpoints itself."""

    content_type: str = "text/html; charset=utf-8"
    body: bytes | None = None
    producer: Callable[[], bytes] | None = None
    modified: datetime = BASE_TIME
    headers: list[tuple[str, str]] = field(default_factory=list)
    methods: tuple[str, ...] = ("GET", "HEAD")
    handler: Callable[[Request], Reply] | None = None
    stream_size: int = 0


# ----------------------------------------------------------------------------- counties

COUNTY_PROFILES = {
    "城步苗族自治县": dict(
        province="湖南省",
        city="邵阳市",
        code="430529",
        icp="湘ICP备05002476号",
        police="湘公网安备 43052902000112号",
        towns=[
            "西岩镇",
            "儒林镇",
            "丹口镇",
            "白毛坪镇",
            "五团镇",
            "茅坪镇",
            "威溪乡",
            "汀坪乡",
            "长安营镇",
            "蒋坊乡",
            "兰蓉乡",
            "南山镇",
        ],
    ),
    "平潭县": dict(
        province="福建省",
        city="福州市",
        code="350128",
        icp="闽ICP备12001689号",
        police="闽公网安备 35012802000101号",
        towns=["潭城镇", "苏澳镇", "流水镇", "澳前镇", "北厝镇", "平原镇", "敖东镇", "白青乡", "中楼乡", "芦洋乡"],
    ),
    "松阳县": dict(
        province="浙江省",
        city="丽水市",
        code="331124",
        icp="浙ICP备05012745号",
        police="浙公网安备 33112402000128号",
        towns=[
            "西屏街道",
            "水南街道",
            "望松街道",
            "古市镇",
            "象溪镇",
            "大东坝镇",
            "新兴镇",
            "玉岩镇",
            "赤寿乡",
            "樟溪乡",
        ],
    ),
    "新丰县": dict(
        province="广东省",
        city="韶关市",
        code="440233",
        icp="粤ICP备05082301号",
        police="粤公网安备 44023302000036号",
        towns=["丰城街道", "黄礤镇", "马头镇", "梅坑镇", "沙田镇", "遥田镇", "回龙镇"],
    ),
    "吴起县": dict(
        province="陕西省",
        city="延安市",
        code="610626",
        icp="陕ICP备05004236号",
        police="陕公网安备 61062602000111号",
        towns=["吴起街道", "周湾镇", "长官庙镇", "长城镇", "铁边城镇", "五谷城镇", "白豹镇", "庙沟镇"],
    ),
}
FAMILY_COUNTY = {
    "trs": "城步苗族自治县",
    "trs_dynamic": "平潭县",
    "hanweb": "松阳县",
    "gkmlpt": "新丰县",
    "generic": "吴起县",
}
DEPARTMENTS = [
    "发展和改革局",
    "教育局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "卫生健康局",
    "市场监督管理局",
    "应急管理局",
    "医疗保障局",
]
TITLE_STYLES = ("plain", "plain", "niandu", "short", "nianbao", "work", "plain", "guanyu", "zhongdian")


def unit_code(name: str, region: str) -> str:
    """A stable 统一社会信用代码-shaped code for an organ (18 characters)."""
    digest = int(hashlib.sha1(name.encode("utf-8")).hexdigest(), 16)
    body = f"11{region}{digest % 10**9:09d}"
    return body + "0123456789ABCDEFGHJKLMNPQRTUWXY"[digest % 31]


def report_title(short: str, year: int, style: str) -> str:
    """Title variants that are all reports (docs/portals.md §6)."""
    return {
        "plain": f"{short}{year}年政府信息公开工作年度报告",
        "niandu": f"{short}{year}年度政府信息公开工作年度报告",
        "short": f"{short}{year}年政府信息公开年度报告",
        "nianbao": f"{short}{year}年信息公开年报",
        "work": f"{short}{year}年政府信息公开年度工作报告",
        "guanyu": f"关于{year}年政府信息公开工作的年度报告",
        "zhongdian": f"{short}{year}年政府信息公开重点工作年度报告",
    }[style]


# ----------------------------------------------------------------------------- attachments cache


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nianbao" / "demo-attachments"


def _renderer_fingerprint() -> str:
    """Hash of the renderer sources, so a changed renderer never serves stale cached files."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    for name in ("render_docx.py", "render_pdf.py", "render_layout.py", "sample.py"):
        p = here / name
        if p.exists():
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


class AttachmentRenderer:
    """Renders report attachments (DOCX via python-docx, PDF via LibreOffice) with a disk cache.

    The cache key is the content of the sample report, the kind and style and the renderer
    sources, so the same seed gives byte-identical files across runs (and PDF rendering, ~1 s
    each, happens once per machine).
    """

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir else _default_cache_dir()
        self._memo: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._fingerprint = _renderer_fingerprint()

    def key(self, sample: SampleReport, kind: str, style: str) -> str:
        data = repr(sample)  # dataclass repr: every field, deterministic
        return hashlib.sha256(f"{kind}|{style}|{self._fingerprint}|{data}".encode()).hexdigest()

    def render(self, sample: SampleReport, kind: str, style: str = "official") -> bytes:
        key = self.key(sample, kind, style)
        with self._lock:
            if key in self._memo:
                return self._memo[key]
        path = self.cache_dir / key[:2] / f"{key}.{kind}"
        if path.exists():
            data = path.read_bytes()
        else:
            data = self._render_uncached(sample, kind, style)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        with self._lock:
            self._memo[key] = data
        return data

    def render_batch(self, jobs: list[tuple[SampleReport, str, str]]) -> None:
        """Render many ``(sample, kind, style)`` files at once (one LibreOffice run for the PDFs)."""
        missing = []
        for sample, kind, style in jobs:
            key = self.key(sample, kind, style)
            if key not in self._memo and not (self.cache_dir / key[:2] / f"{key}.{kind}").exists():
                missing.append((sample, kind, style))
        pdfs = [(sample, style, "pdf") for sample, kind, style in missing if kind == "pdf"]
        if pdfs:
            from portalgen.render_pdf import render_many

            render_many(pdfs)  # fills the renderer's own cache; render() below then reads it
        for sample, kind, style in jobs:
            self.render(sample, kind, style)

    @staticmethod
    def _render_uncached(sample: SampleReport, kind: str, style: str) -> bytes:
        if kind == "docx":
            from portalgen.render_docx import render_docx

            return render_docx(sample, style)
        if kind == "pdf":
            from portalgen.render_pdf import render_pdf

            return render_pdf(sample, style)
        raise ValueError(f"cannot render attachment kind {kind!r}")


_RENDERERS: dict[str, AttachmentRenderer] = {}


def attachment_renderer(cache_dir: Path | None) -> AttachmentRenderer:
    """One shared renderer per cache directory (so sites in one process share the memo)."""
    key = str(cache_dir or _default_cache_dir())
    if key not in _RENDERERS:
        _RENDERERS[key] = AttachmentRenderer(cache_dir)
    return _RENDERERS[key]


# ----------------------------------------------------------------------------- prose of non-report items


def _notice_body(county: str, year: int) -> str:
    return (
        f"<p>各乡镇人民政府（街道办事处），县直各单位：</p><p>根据《中华人民共和国政府信息公开条例》规定，"
        f"现就做好{year}年政府信息公开工作年度报告编制和发布工作通知如下：</p>"
        f"<p>一、各单位要按照国务院办公厅政府信息与政务公开办公室印发的年度报告格式编制本单位{year}年度报告，"
        f"确保数据真实准确。</p><p>二、请各乡镇、各部门于{year + 1}年1月31日前在县政府门户网站政府信息公开年报栏目发布年度报告，"
        f"县人民政府年度报告于{year + 1}年3月31日前发布。</p><p>{county}人民政府办公室</p><p>{year}年12月20日</p>"
    )


def _format_body() -> str:
    return (
        "<p>各省、自治区、直辖市人民政府办公厅，国务院各部委、各直属机构办公厅（室）：</p>"
        "<p>为进一步规范政府信息公开工作年度报告的编制和发布，现将修订后的《中华人民共和国政府信息公开工作年度报告格式》"
        "印发给你们，自2021年度报告起执行。年度报告应当包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
        "政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项六个部分。</p>"
        "<p>国务院办公厅政府信息与政务公开办公室</p><p>2021年9月26日</p>"
    )


def _interpretation_body(county: str, year: int, rng: random.Random) -> str:
    return (
        f"<p>近日，{county}人民政府发布了《{county}{year}年政府信息公开工作年度报告》。现将主要内容解读如下：</p>"
        f"<p>一、主动公开方面。全年通过政府门户网站主动公开政府信息{rng.randint(800, 9000)}条，"
        f"发布政策解读{rng.randint(10, 90)}篇。</p><p>二、依申请公开方面。全年共受理政府信息公开申请{rng.randint(3, 80)}件，"
        f"均在法定期限内答复。</p><p>三、下一步工作。进一步加大重点领域信息公开力度，提升政务公开质量。</p>"
    )


def _statistics_body(county: str) -> str:
    return (
        f"<p>第一条　为规范{county}政府信息公开统计工作，根据《中华人民共和国政府信息公开条例》，制定本制度。</p>"
        "<p>第二条　各乡镇人民政府、县直各单位按季度报送政府信息公开统计数据。</p>"
        "<p>第三条　统计数据由各单位政务公开工作机构负责审核，报县政务公开办公室汇总。</p>"
        "<p>第四条　本制度自印发之日起施行。</p>"
    )


def _letter_body(county: str, year: int) -> str:
    return (
        f"<p>市政务公开办公室：</p><p>现将我县{year}年政府信息公开工作要点落实情况函告如下：一是加强组织领导；"
        "二是推进重点领域信息公开；三是做好政策解读和回应关切。</p>"
        f"<p>{county}人民政府办公室</p>"
    )


def _event_body(county: str, year: int) -> str:
    return (
        f"<p>5月15日，{county}在县政务服务中心开展{year}年“政务公开日”主题活动，邀请群众代表走进政务服务大厅，"
        "现场讲解政府信息公开申请渠道和办理流程，发放宣传资料300余份。</p>"
    )


def _news_body(county: str, year: int) -> str:
    return (
        f"<p>近日，{county}召开{year}年政务公开工作推进会，总结上一年度政务公开工作，部署本年度重点任务。"
        "会议强调，各单位要按时编制和发布政府信息公开工作年度报告，认真落实政务公开工作要点。</p>"
    )


# ----------------------------------------------------------------------------- the site base


class Site:
    """A portal of one CMS family; :meth:`bind` it to an origin, then :meth:`handle` requests."""

    family = "base"
    default_n_reports = 10
    default_per_page = 5
    id_start = 80_000
    gbk_years = 2016  # HTML reports up to this year are GBK pages (families that have them)

    def __init__(self, options: SiteOptions | None = None) -> None:
        self.options = options or SiteOptions()
        self.rng = random.Random(f"{self.family}:{self.options.seed}")
        self.county = self.options.county or FAMILY_COUNTY.get(self.family, "城步苗族自治县")
        if self.county not in COUNTY_PROFILES:
            raise ValueError(f"unknown county {self.county!r}; choose one of {', '.join(COUNTY_PROFILES)}")
        self.profile = COUNTY_PROFILES[self.county]
        self.region = self.profile["code"]
        self.site_name = f"{self.county}人民政府"
        self.columns: dict[str, Column] = {}
        self.docs: list[Doc] = []
        self.stories: list[Story] = []  # the demo county's planted stories (portalgen.stories)
        self.origin = ""
        self.host = ""
        self.routes: dict[str, Route] = {}
        self.prefix_handlers: list[tuple[str, Callable[[Request], Reply]]] = []
        self.hazard_paths: dict[str, list[str]] = {}
        self.renderer = attachment_renderer(self.options.cache_dir)
        self.clock = CLOCK_START
        self._next_id = self.id_start + self.rng.randint(0, 900)
        self._lock = threading.RLock()
        self._counters: dict[tuple[str, str], int] = {}
        self._blocks: list[tuple[str, str]] = []
        self._dead: str | None = None
        self._dead_listeners: list[Callable[[str | None], None]] = []
        self._log: list[LoggedRequest] = []
        self.waf_token = hashlib.sha1(f"waf:{self.family}:{self.options.seed}".encode()).hexdigest()[:24]
        self._populate()
        if self.options.soft404:
            self._add_soft404_docs()
        self._add_preview_doc()
        self._pick_hazards()

    # ------------------------------------------------------------------ identifiers and helpers

    def new_id(self) -> int:
        """The next document id (ids grow with gaps, like CMS sequences)."""
        self._next_id += self.rng.randint(3, 40)
        return self._next_id

    def url(self, path: str) -> str:
        """Absolute URL of a site path (after :meth:`bind`)."""
        return self.origin + path

    @property
    def per_page(self) -> int:
        return self.options.per_page or self.default_per_page

    def organ_of(self, level: str, rng: random.Random) -> tuple[str, str]:
        """(organ, short name as printed in the title) for a publisher level."""
        if level == "county":
            return self.site_name, self.county
        if level == "department":
            dept = self.county + rng.choice(DEPARTMENTS)
            return dept, dept
        town = rng.choice(self.profile["towns"])
        if town.endswith("街道"):
            return town + "办事处", town
        return town + "人民政府", town

    def chrome(self) -> Chrome:
        """The shared page chrome: names, codes, navigation, footer and off-site links."""
        links = [
            ("中国政府网", "https://www.gov.cn/"),
            (f"{self.profile['province']}人民政府", "https://www.example-province.gov.cn/"),
        ]
        if self.options.mirror_origin:
            links.append(("政务公开资讯网", self.options.mirror_origin + "/"))
        return Chrome(
            site_name=self.site_name,
            domain=self.host,
            site_code=f"{self.region}0001",
            site_id=str(4 + self.options.seed % 7),
            icp=self.profile["icp"],
            police=self.profile["police"],
            host_org=f"{self.county}人民政府办公室",
            nav=self.nav(),
            friend_links=links,
        )

    def nav(self) -> list[tuple[str, str]]:
        return [("首页", "/")]

    # ------------------------------------------------------------------ content planning

    def report_plan(self, n: int) -> list[dict]:
        """Years 2013–2025, levels, templates, carriers and encodings of ``n`` regular reports."""
        rng = self.rng
        years = [2013 + round(i * 12 / (n - 1)) for i in range(n)] if n > 1 else [2022]
        levels = ["county", "town", "department", "town", "county", "department", "town"]
        attach_slots = (
            {2: "html+pdf", 5: "pdf", 7: "docx", 9: "html+pdf", 12: "pdf", 14: "docx"}
            if self.options.attachments
            else {}
        )
        plan = []
        seen_2019_in_2021 = False
        gbk_i = 0
        for i, year in enumerate(years):
            level = levels[i % len(levels)]
            if year <= 2018:
                template = "pre2019" if i % 2 == 0 else "none"
            elif year <= 2020:
                template = "2019"
            elif not seen_2019_in_2021:
                template, seen_2019_in_2021 = "2019", True  # a 2021+ report still on the 2019 tables
            else:
                template = "2021"
            carrier = attach_slots.get(i % max(n, 1), "html") if n >= 4 else "html"
            if n < 4 and i == 1 and self.options.attachments:
                carrier = "html+pdf"
            encoding, declared = "utf-8", "both"
            if year <= self.gbk_years and carrier == "html" and self.gbk_years:
                encoding, declared = "gbk", ("meta", "header", "both")[gbk_i % 3]
                gbk_i += 1
            plan.append(
                dict(
                    level=level,
                    year=year,
                    template=template,
                    carrier=carrier,
                    encoding=encoding,
                    declared=declared,
                    title_style=TITLE_STYLES[i % len(TITLE_STYLES)],
                )
            )
        rng.shuffle(plan)
        return plan

    def make_report(self, spec: dict, column: str, published: datetime | None = None) -> Doc:
        """A report document from a plan entry (body rendered, attachments declared)."""
        rng = self.rng
        level = spec["level"]
        organ, short = spec.get("organ") or self.organ_of(level, rng)
        template = spec["template"]
        extras: tuple[str, ...] = ()
        if template in ("2019", "2021") and rng.random() < 0.2:
            extras = ("inspection",)
        legacy = "short"
        if template == "pre2019" and self.county == "平潭县":
            legacy = rng.choice(["fujian2011", "fujian2017"])
        sample = generate_report(
            rng,
            template=template,
            year=spec["year"],
            level=level,
            style=rng.choice(["plain", "plain", "blank_zeros", "thousands"]),
            organ=organ,
            short_name=short,
            extras=extras,
            legacy=legacy,
        )
        sample.title = report_title(short if spec["title_style"] != "guanyu" else "", spec["year"], spec["title_style"])
        when = published or spec.get("published")
        if when is None:
            day = max(sample.published, date(spec["year"] + 1, 1, 4) + timedelta(days=rng.randint(0, 9)))
            when = datetime.combine(day, datetime.min.time(), CST).replace(
                hour=rng.randint(8, 17), minute=rng.randint(0, 59)
            )
        sample.published = when.date()
        doc = Doc(
            doc_id=self.new_id(),
            kind="report",
            title=sample.title,
            published=when,
            column=column,
            sample=sample,
            carrier=spec["carrier"],
            encoding=spec["encoding"],
            charset_declared=spec["declared"],
            modified=when,
        )
        doc.style = self.markup_style(doc)
        return doc

    def markup_style(self, doc: Doc):
        """A body markup style (render_html): mostly realistic presets, sometimes any combination."""
        from portalgen.render_html import random_style, realistic_style

        return realistic_style(self.rng) if self.rng.random() < 0.6 else random_style(self.rng)

    def make_item(self, kind: str, year: int, column: str) -> Doc:
        """A non-report item of a report column."""
        rng = self.rng
        county = self.county
        title, body = {
            "notice": (f"关于做好{year}年政府信息公开工作年度报告的通知", _notice_body(county, year)),
            "notice2": (
                f"关于做好{year}年政务公开工作要点落实情况自查及政府信息公开工作年度报告编制发布有关事项的通知",
                _notice_body(county, year),
            ),
            "format": (
                "国务院办公厅政府信息与政务公开办公室关于印发《中华人民共和国政府信息公开工作年度报告格式》的通知",
                _format_body(),
            ),
            "interpretation": (
                f"文字解读：{county}{year}年政府信息公开工作年度报告",
                _interpretation_body(county, year, rng),
            ),
            "statistics": (f"{county}政府信息公开统计制度", _statistics_body(county)),
            "letter": (f"关于{year}年政府信息公开工作要点落实情况的函", _letter_body(county, year)),
            "news": (f"{county}召开{year}年政务公开工作推进会", _news_body(county, year)),
            "event": (f"{county}开展{year}年“政务公开日”主题活动", _event_body(county, year)),
        }[kind]
        month = {
            "notice": 12,
            "notice2": 11,
            "format": 9,
            "interpretation": 3,
            "statistics": 6,
            "letter": 12,
            "news": 3,
            "event": 5,
        }[kind]
        y = year + 1 if kind in ("interpretation", "news") else year
        when = datetime(y, month, rng.randint(1, 27), rng.randint(8, 17), rng.randint(0, 59), tzinfo=CST)
        kind = {"notice2": "notice", "event": "news"}.get(kind, kind)
        return Doc(
            doc_id=self.new_id(), kind=kind, title=title, published=when, column=column, body=body, modified=when
        )

    def report_body(self, doc: Doc) -> str:
        """The article body: the rendered report, or a short intro when the report is a file."""
        if doc.kind not in ("report", "preview"):
            return doc.body
        if not doc.body:
            if doc.carrier in ("pdf", "docx"):
                doc.body = f"<p>根据《中华人民共和国政府信息公开条例》规定，现将《{esc(doc.title)}》予以公开，全文详见附件。</p>"
            else:
                from portalgen.render_html import render_body

                doc.body = render_body(doc.sample, doc.style)
        return doc.body + (f"<p>（{esc(doc.updated_note)}）</p>" if doc.updated_note else "")

    def declare_attachments(self, doc: Doc, folder: str) -> None:
        """Attach the PDF/DOCX files the carrier asks for (paths by the family)."""
        if doc.carrier == "html":
            return
        kind = "docx" if "docx" in doc.carrier else "pdf"
        style = (
            self.rng.choice(["official", "official", "split", "vertical"])
            if kind == "pdf"
            else self.rng.choice(["official", "split"])
        )
        filename = f"{doc.title}.{kind}"
        path = self.attachment_path(doc, folder, kind, filename)
        doc.attachments.append(Attachment(path=path, filename=filename, kind=kind, sample=doc.sample, style=style))

    def attachment_path(self, doc: Doc, folder: str, kind: str, filename: str) -> str:
        """URL path of a report file (TRS style ``P0{date}{digits}.pdf`` in the page's folder)."""
        stamp = doc.published.strftime("%Y%m%d")
        return f"{folder}P0{stamp}{self.rng.randrange(10**11, 10**12)}.{kind}"

    # ------------------------------------------------------------------ family hooks

    def _populate(self) -> None:  # pragma: no cover - every family overrides
        raise TypeError(f"{type(self).__name__} must implement _populate")

    def _render_routes(self) -> None:  # pragma: no cover - every family overrides
        raise TypeError(f"{type(self).__name__} must implement _render_routes")

    def place_new_report(self, doc: Doc) -> None:  # pragma: no cover - every family overrides
        raise TypeError(f"{type(self).__name__} must implement place_new_report")

    def start_paths(self) -> list[str]:
        return ["/"]

    def detail_html(self, doc: Doc, path: str, column: Column) -> str:  # pragma: no cover
        raise TypeError(f"{type(self).__name__} must implement detail_html")

    # ------------------------------------------------------------------ shared content

    def _add_soft404_docs(self) -> None:
        """Two listed report-looking items whose pages are a soft 404 and a meta refresh."""
        column = self.soft404_column()
        town = self.profile["towns"][-1]
        for kind, year in (("soft404", 2020), ("refresh", 2018)):
            when = datetime(year + 1, 1, 15, 10, 0, tzinfo=CST)
            doc = Doc(
                doc_id=self.new_id(),
                kind=kind,
                title=report_title(town, year, "plain"),
                published=when,
                column=column,
                modified=when,
            )
            self.place_doc(doc)
            self.docs.append(doc)

    def soft404_column(self) -> str:
        return next(iter(self.columns))

    def place_doc(self, doc: Doc) -> None:
        """Give a non-report document (soft 404s) a path in its column."""
        self.place_new_report(doc)

    def _add_preview_doc(self) -> None:
        """The report-looking draft under /preview/ that robots.txt disallows."""
        town = self.profile["towns"][0]
        spec = dict(
            level="town",
            year=2025,
            template="2021",
            carrier="html",
            encoding="utf-8",
            declared="both",
            title_style="plain",
            organ=(town + "人民政府" if not town.endswith("街道") else town + "办事处", town),
        )
        doc = self.make_report(
            spec, column=next(iter(self.columns)), published=datetime(2026, 1, 10, 9, 30, tzinfo=CST)
        )
        doc.kind = "preview"
        doc.path = f"/preview/{doc.published:%Y%m}/t{doc.published:%Y%m%d}_{doc.doc_id}.html"
        self.preview = doc

    def _pick_hazards(self) -> None:
        """Choose the URLs each enabled hazard applies to (deterministic)."""
        reports = [d for d in self.docs if d.is_report and not d.removed]
        htmls = [d for d in reports if d.carrier == "html"]
        pick = lambda i: htmls[i % len(htmls)].path if htmls else "/"
        o = self.options
        if o.flaky:
            self.hazard_paths["flaky"] = list(o.flaky_paths or [pick(0), self.second_list_path()])
        if o.throttle:
            self.hazard_paths["throttle"] = list(o.throttle_paths or [pick(1), self.start_paths()[-1]])
        if o.waf:
            self.hazard_paths["waf"] = list(o.waf_paths or [pick(2)])
        if o.block_page:
            self.hazard_paths["block_page"] = list(o.block_page_paths or [pick(3)])
        if o.slow:
            self.hazard_paths["slow"] = list(o.slow_paths or [pick(4)])
        if o.trap:
            self.hazard_paths["trap"] = [
                "/calendar/2026/03.html",
                "/search?q=%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A&page=1",
            ]
        if o.soft404:
            self.hazard_paths["soft404"] = [d.path for d in self.docs if d.kind in ("soft404", "refresh")]
        if o.oversized:
            news = next(d for d in self.docs if d.kind == "news")
            path = posixpath_dir(news.path) + f"P0{news.published:%Y%m%d}000000000001.zip"
            news.attachments.append(
                Attachment(path=path, filename="政务公开宣传片（高清）.zip", kind="zip", size=o.oversized_bytes)
            )
            self.hazard_paths["oversized"] = [path]

    def second_list_path(self) -> str:
        return self.start_paths()[-1]

    # ------------------------------------------------------------------ rendering

    def bind(self, origin: str) -> None:
        """Set the origin (``http://127.0.0.1:PORT``) and build every route."""
        with self._lock:
            self.origin = origin.rstrip("/")
            self.host = urlsplit(self.origin).netloc
            self._render()

    def _render(self) -> None:
        self._building: dict[str, Route] = {}
        self._building_prefix: list[tuple[str, Callable[[Request], Reply]]] = []
        self._render_routes()
        self._render_common()
        self.routes, self.prefix_handlers = self._building, self._building_prefix

    def put(self, path: str, route: Route) -> None:
        """Register a route in the table being built."""
        self._building[path] = route

    def add_prefix_handler(self, prefix: str, handler: Callable[[Request], Reply]) -> None:
        self._building_prefix.append((prefix, handler))

    def add_html(
        self, path: str, html: str, modified: datetime = BASE_TIME, encoding: str = "utf-8", declared: str = "both"
    ) -> None:
        """Register an HTML page; ``declared`` says whether the HTTP header names the charset."""
        data = html.encode(encoding, errors="xmlcharrefreplace")
        label = {"utf-8": "utf-8", "gbk": "GBK"}.get(encoding, encoding)
        ctype = "text/html" if declared == "meta" else f"text/html; charset={label}"
        self.put(path, Route(content_type=ctype, body=data, modified=modified))
        name = path.rsplit("/", 1)[-1]
        if name in ("index.html", "index.htm", "index.shtml"):
            self.put(path[: -len(name)], self._building[path])

    def doc_page_charset(self, doc: Doc) -> str | None:
        """What the page's own ``<meta>`` declares (None when only the header does)."""
        if doc.encoding == "utf-8":
            return "utf-8"
        if doc.charset_declared == "header":
            return None
        return "gb2312"

    def add_doc_pages(self, doc: Doc) -> None:
        """Detail page(s) of a document at its canonical and alternative paths."""
        column = self.columns[doc.column]
        if doc.removed:
            if doc.removed_how == "soft404":
                self.add_html(doc.path, shells.deleted_page(), self.clock)
            return
        if doc.kind == "soft404":
            self.add_html(doc.path, shells.deleted_page(), doc.modified)
            return
        if doc.kind == "refresh":
            self.put(
                doc.path,
                Route(content_type="text/html", body=shells.refresh_stub("../").encode(), modified=doc.modified),
            )
            return
        self.add_html(
            doc.path, self.detail_html(doc, doc.path, column), doc.modified, doc.encoding, doc.charset_declared
        )
        for key, path in doc.listings:
            self.add_html(
                path, self.detail_html(doc, path, self.columns[key]), doc.modified, doc.encoding, doc.charset_declared
            )
        for att in doc.attachments:
            self.add_attachment_route(att, doc)

    def add_attachment_route(self, att: Attachment, doc: Doc) -> None:
        """Serve a report file at its path (rendered lazily, cached)."""
        ctype = {
            "pdf": "application/pdf",
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "zip": "application/zip",
        }[att.kind]
        if att.kind == "zip":
            self.put(att.path.split("?")[0], Route(content_type=ctype, stream_size=att.size, modified=doc.modified))
            return
        sample, kind, style = att.sample, att.kind, att.style
        self.put(
            att.path.split("?")[0],
            Route(
                content_type=ctype, producer=lambda: self.renderer.render(sample, kind, style), modified=doc.modified
            ),
        )

    def detail_doc(self, doc: Doc, path: str, column: Column) -> DetailDoc:
        """The data of a detail page, shared by every family's shell."""
        organ = doc.sample.organ if doc.sample else f"{self.county}人民政府办公室"
        year = doc.published.year
        return DetailDoc(
            title=doc.title,
            pub_datetime=doc.published.strftime("%Y-%m-%d %H:%M"),
            column_name=column.extra.get("meta_name", "政府信息公开年报"),
            column_type=column.extra.get("meta_type", "政府信息公开年报"),
            url=self.url(doc.path),
            doc_id=str(doc.doc_id),
            body_html=self.report_body(doc),
            organ=organ,
            source=organ,
            index_no=f"{unit_code(organ, self.region)}/{year}-{doc.doc_id % 100000:05d}",
            doc_no="",
            chnl_id=column.chnl_id,
            attachments=[
                (a.filename, rel(path, a.path) if a.path.startswith(posixpath_dir(path)) else a.path)
                for a in doc.attachments
            ],
        )

    def listed(self, column_key: str) -> list[tuple[Doc, str]]:
        """(doc, path) pairs listed in a column, newest first."""
        out = []
        for doc in self.docs:
            if doc.removed or doc.kind == "preview":
                continue
            if doc.column == column_key:
                out.append((doc, doc.path + doc.list_href_suffix))
            for key, path in doc.listings:
                if key == column_key:
                    out.append((doc, path))
        out.sort(key=lambda dp: (dp[0].list_date or dp[0].published, dp[0].doc_id), reverse=True)
        return out

    def column_modified(self, column_key: str) -> datetime:
        """Last-Modified of a column's list pages: the latest change of the column or its entries."""
        stamps = [self.columns[column_key].modified] + [(d.list_date or d.modified) for d, _ in self.listed(column_key)]
        return max(stamps)

    def _render_common(self) -> None:
        """robots.txt, the /preview/ page, traps and the pdf.js viewer."""
        if self.options.robots:
            robots = (
                "User-agent: *\nDisallow: /preview/\nDisallow: /admin/\n\nSitemap: " + self.url("/sitemap.xml") + "\n"
            )
            self.put("/robots.txt", Route(content_type="text/plain", body=robots.encode()))
        column = self.columns[self.preview.column]
        self.add_html(
            self.preview.path, self.detail_html(self.preview, self.preview.path, column), self.preview.modified
        )
        for label, href in self.nav():
            path = href.split("#")[0]
            if path not in self._building and path + "index.html" not in self._building:
                self.add_html(path, shells.trs_channel(self.chrome(), label, [("首页", "/")], []))
        if self.options.trap:
            self.add_prefix_handler("/calendar/", self._calendar)
            self.add_prefix_handler("/search", self._search)

    def home_extra_blocks(self) -> list[tuple[str, list[ListEntry]]]:
        """Blocks every home page carries: the preview link, the trap entrances."""
        blocks = [
            (
                "专题专栏",
                [
                    ListEntry(
                        f"{self.preview.title}（征求意见稿预览）",
                        self.preview.path,
                        self.preview.published.strftime("%Y-%m-%d"),
                    )
                ],
            )
        ]
        if self.options.trap:
            blocks.append(
                (
                    "政务活动",
                    [
                        ListEntry("政务活动日历", "/calendar/2026/03.html", "2026-03-01"),
                        ListEntry(
                            "站内搜索：年度报告", "/search?q=%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A&page=1", "2026-03-01"
                        ),
                    ],
                )
            )
        return blocks

    def _calendar(self, req: Request) -> Reply:
        parts = req.path.strip("/").split("/")  # calendar/YYYY/MM.html or calendar/YYYY/MM/DD.html
        try:
            year, month = int(parts[1]), int(parts[2].split(".")[0])
            if not (1 <= month <= 12 and 1900 <= year <= 2100):
                raise ValueError
        except (IndexError, ValueError):
            return self.html_reply(shells.not_found_page(), status=404)
        prev_y, prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
        next_y, next_m = (year, month + 1) if month < 12 else (year + 1, 1)
        days = [(f"{d}日", f"/calendar/{year}/{month:02d}/{d:02d}.html") for d in range(1, 29, 7)]
        html = shells.calendar_page(
            year, month, f"/calendar/{prev_y}/{prev_m:02d}.html", f"/calendar/{next_y}/{next_m:02d}.html", days
        )
        return self.html_reply(html, req=req)

    def _search(self, req: Request) -> Reply:
        q = req.query.get("q", "")
        try:
            page_no = max(1, int(req.query.get("page", "1")))
        except ValueError:
            page_no = 1
        reports = [d for d in self.docs if d.is_report and not d.removed] or [self.preview]
        picks = [reports[(page_no * 3 + i) % len(reports)] for i in range(3)]
        results = [ListEntry(d.title, d.path, d.published.strftime("%Y-%m-%d")) for d in picks]
        html = shells.search_page(q, page_no, results, f"/search?q={quote(q)}&page={page_no + 1}")
        return self.html_reply(html, req=req)

    # ------------------------------------------------------------------ answering requests

    def html_reply(
        self,
        html: str,
        status: int = 200,
        req: Request | None = None,
        encoding: str = "utf-8",
        modified: datetime = BASE_TIME,
    ) -> Reply:
        """A dynamic HTML answer (with validators; 304 when ``req`` revalidates)."""
        data = html.encode(encoding, errors="xmlcharrefreplace")
        label = "utf-8" if encoding == "utf-8" else "GBK"
        return self.finish(Route(content_type=f"text/html; charset={label}", body=data, modified=modified), req, status)

    def json_reply(self, obj: object, req: Request | None, status: int = 200, modified: datetime = BASE_TIME) -> Reply:
        """A JSON API answer (UTF-8, with validators)."""
        data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        return self.finish(
            Route(content_type="application/json;charset=UTF-8", body=data, modified=modified), req, status
        )

    def finish(self, route: Route, req: Request | None, status: int = 200) -> Reply:
        """Status, body, validators (ETag/Last-Modified) and 304 for a matching conditional GET."""
        headers = [("Content-Type", route.content_type), *route.headers]
        last_modified = format_datetime(route.modified.astimezone(UTC), usegmt=True)
        if route.stream_size:
            etag = f'"{hashlib.sha1(f"{route.stream_size}".encode()).hexdigest()[:20]}"'
            headers += [("ETag", etag), ("Last-Modified", last_modified)]
            return Reply(status, headers, b"", stream_size=route.stream_size)
        if route.body is None and route.producer is not None:
            producer = route.producer
            full = dataclasses.replace(route, body=None, producer=None)
            return Reply(status, lazy=lambda: self.finish(dataclasses.replace(full, body=producer()), req, status))
        body = route.body if route.body is not None else b""
        etag = f'"{hashlib.sha1(body).hexdigest()[:20]}"'
        headers += [("ETag", etag), ("Last-Modified", last_modified)]
        if (
            status == 200
            and req is not None
            and req.method in ("GET", "HEAD")
            and not_modified(req, etag, route.modified)
        ):
            return Reply(304, [(k, v) for k, v in headers if k in ("ETag", "Last-Modified")])
        return Reply(status, headers, body)

    def handle(self, req: Request) -> Reply:
        """Answer one request (hazards first, then the route), and log it."""
        received = time.time()
        with self._lock:
            reply = self._handle(req)
        if reply.lazy is not None:
            delay = reply.delay
            reply = reply.lazy()
            reply.delay += delay
        self._log_request(req, reply, received)
        return reply

    def _log_request(self, req: Request, reply: Reply, received: float) -> None:
        entry = LoggedRequest(
            req.method,
            req.target,
            dict(req.headers),
            received,
            None if reply.action == "drop" else reply.status,
            self.host,
            req.body,
        )
        reply.logged = entry
        with self._lock:
            self._log.append(entry)

    def _count(self, kind: str, path: str) -> int:
        key = (kind, path)
        self._counters[key] = self._counters.get(key, 0) + 1
        return self._counters[key]

    def _hazard_applies(self, kind: str, req: Request) -> bool:
        paths = self.hazard_paths.get(kind, [])
        return req.target in paths or req.path in paths

    def _handle(self, req: Request) -> Reply:
        if self._dead == "5xx":
            return Reply(502, [("Content-Type", "text/html")], b"<html><body><h1>502 Bad Gateway</h1></body></html>")
        for prefix, kind in self._blocks:
            if req.path.startswith(prefix):
                return self._blocked(kind)
        o = self.options
        delay = o.slow if self._hazard_applies("slow", req) else 0.0
        if self._hazard_applies("flaky", req) and self._count("flaky", req.path) <= o.flaky:
            if o.flaky_mode == "503":
                return Reply(
                    503,
                    [("Content-Type", "text/html")],
                    b"<html><body>503 Service Temporarily Unavailable</body></html>",
                    delay=delay,
                )
            return Reply(0, action="drop", delay=delay + (o.hang_seconds if o.flaky_mode == "timeout" else 0.0))
        if self._hazard_applies("throttle", req) and self._count("throttle", req.path) <= o.throttle:
            return Reply(
                429,
                [("Content-Type", "text/html"), ("Retry-After", str(o.retry_after))],
                b"<html><body>429 Too Many Requests</body></html>",
                delay=delay,
            )
        if (
            self._hazard_applies("waf", req)
            and req.cookies().get(WAF_COOKIE) != self.waf_token
            and self._count("waf", req.path) <= o.waf
        ):
            return Reply(
                521,
                [("Content-Type", "text/html")],
                shells.waf_challenge(WAF_COOKIE, self.waf_token).encode(),
                delay=delay,
            )
        if self._hazard_applies("block_page", req) and self._count("block_page", req.path) <= o.block_page:
            reply = self._blocked("page")
            reply.delay = delay
            return reply
        reply = self._route(req)
        reply.delay += delay
        return reply

    def _blocked(self, kind: str) -> Reply:
        if kind == "521":
            return Reply(
                521,
                [("Content-Type", "text/html")],
                shells.waf_challenge(WAF_COOKIE, "blocked-" + self.waf_token).encode(),
            )
        if kind == "403":
            return Reply(403, [("Content-Type", "text/html")], b"<html><body><h1>403 Forbidden</h1></body></html>")
        return Reply(200, [("Content-Type", "text/html; charset=utf-8")], shells.block_page().encode("utf-8"))

    def _route(self, req: Request) -> Reply:
        route = self.routes.get(req.path)
        if route is None:
            for prefix, handler in self.prefix_handlers:
                if req.path.startswith(prefix):
                    route = Route(handler=handler, methods=("GET", "HEAD", "POST"))
                    break
        if route is None:
            return Reply(404, [("Content-Type", "text/html; charset=utf-8")], shells.not_found_page().encode("utf-8"))
        if req.method not in route.methods:
            return Reply(
                405, [("Content-Type", "text/plain"), ("Allow", ", ".join(route.methods))], b"405 Method Not Allowed"
            )
        if route.handler is not None:
            return route.handler(req)
        return self.finish(route, req)

    # ------------------------------------------------------------------ ground truth

    def expected_for(self, doc: Doc) -> ExpectedReport:
        """The ground truth of one report document."""
        column = self.columns[doc.column]
        alt = [self.url(p) for _, p in doc.listings]
        if doc.wap_path:
            alt.append(self.url(doc.wap_path))
        if doc.list_href_suffix:
            alt.append(self.url(doc.path + doc.list_href_suffix))
        return ExpectedReport(
            doc_id=str(doc.doc_id),
            url=self.url(doc.path),
            alt_urls=alt,
            title=doc.title,
            year=doc.sample.year,
            organ=doc.sample.organ,
            level=doc.sample.level,
            template=doc.sample.template,
            published=doc.published.date(),
            column=column.name,
            carrier=doc.carrier,
            encoding=doc.encoding,
            charset_declared=doc.charset_declared if doc.encoding != "utf-8" else "both",
            attachments=[
                ExpectedAttachment(self.url(a.path), a.filename, a.kind, a.sample)
                for a in doc.attachments
                if a.kind != "zip"
            ],
            version=doc.version,
            sample=doc.sample,
        )

    @property
    def expected_reports(self) -> list[ExpectedReport]:
        """Every report currently published (ground truth for crawler tests)."""
        with self._lock:
            return [self.expected_for(d) for d in self.docs if d.is_report and not d.removed]

    @property
    def removed_reports(self) -> list[ExpectedReport]:
        """Reports taken down by :meth:`remove_report`."""
        with self._lock:
            return [self.expected_for(d) for d in self.docs if d.is_report and d.removed]

    @property
    def non_report_items(self) -> list[NonReport]:
        """Pages reachable by links that are not reports (column items, news, soft 404s)."""
        with self._lock:
            return [
                NonReport(
                    self.url(d.path), d.title, d.kind, self.columns[d.column].reports and not d.extra.get("unlisted")
                )
                for d in self.docs
                if not d.is_report and not d.removed and d.kind != "preview"
            ]

    @property
    def non_reports(self) -> list[str]:
        """URLs of the pages that are not reports."""
        return [n.url for n in self.non_report_items]

    @property
    def hazard_urls(self) -> dict[str, list[str]]:
        """URLs each enabled hazard applies to, by hazard name (flaky, throttle, waf, …)."""
        return {k: [self.url(p) for p in v] for k, v in self.hazard_paths.items()}

    @property
    def robots_disallowed(self) -> list[str]:
        """URLs of pages robots.txt forbids (a report-looking draft)."""
        return [self.url(self.preview.path)] if self.options.robots else []

    @property
    def start_urls(self) -> list[str]:
        """Where a crawler starts: the home page and the annual-report entrances."""
        return [self.url(p) for p in self.start_paths()]

    @property
    def request_log(self) -> list[LoggedRequest]:
        """Every request received so far, in order."""
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        """Forget the requests logged so far."""
        with self._lock:
            self._log.clear()

    def attachment_bytes(self, url_or_path: str) -> bytes:
        """The bytes currently served for an attachment URL (renders it if needed)."""
        path = urlsplit(url_or_path).path
        route = self.routes[path]
        if route.producer is None and route.body is None:
            raise KeyError(f"{url_or_path} is not a file")
        return route.body if route.body is not None else route.producer()

    def prerender_attachments(self) -> int:
        """Render every report file now (instead of on first request); returns how many."""
        jobs = [
            (a.sample, a.kind, a.style)
            for d in self.docs
            if not d.removed
            for a in d.attachments
            if a.kind in ("pdf", "docx")
        ]
        self.renderer.render_batch(jobs)
        return len(jobs)

    def find(self, doc_id: str | int) -> Doc:
        """The document with this id (``KeyError`` if none)."""
        for doc in self.docs:
            if str(doc.doc_id) == str(doc_id):
                return doc
        raise KeyError(f"no document {doc_id} on this {self.family} site")

    # ------------------------------------------------------------------ mutations

    def _tick(self) -> datetime:
        self.clock += timedelta(hours=1)
        return self.clock

    def add_report(
        self,
        level: str = "town",
        year: int = 2025,
        template: str | None = None,
        carrier: str = "html",
        title_style: str = "plain",
    ) -> ExpectedReport:
        """Publish a new report now (placed at the top of its column); returns its ground truth."""
        with self._lock:
            when = self._tick()
            template = template or ("2021" if year >= 2021 else "2019" if year >= 2019 else "pre2019")
            spec = dict(
                level=level,
                year=year,
                template=template,
                carrier=carrier,
                encoding="utf-8",
                declared="both",
                title_style=title_style,
            )
            doc = self.make_report(spec, column="", published=when)
            self.place_new_report(doc)
            self.docs.append(doc)
            self.columns[doc.column].modified = when
            self._rerender()
            return self.expected_for(doc)

    def edit_report(self, doc_id: str | int, relist: bool = True) -> ExpectedReport:
        """Correct a report: a sentence of section 一 and one cell change (a new version).

        HTML reports change their page; PDF/DOCX-only reports change their file.  With ``relist``
        the list shows the correction date (TRS 重新发布), so an incremental crawl sees it in the list.
        """
        with self._lock:
            doc = self.find(doc_id)
            when = self._tick()
            sample = copy.deepcopy(doc.sample)
            heading, text = sample.sections[0]
            sample.sections[0] = (heading, text + f"（{when:%Y年%m月%d日}更正：补充了政务新媒体信息发布情况。）")
            bump_one_cell(sample)
            doc.sample = sample
            doc.body = ""
            if doc.carrier in ("pdf", "docx"):  # the file is the report; a 全真版 beside the page stays as it was
                for att in doc.attachments:
                    att.sample = sample
            doc.version += 1
            doc.modified = when
            doc.updated_note = f"本文于{when:%Y-%m-%d}更正"
            if relist:
                doc.list_date = when
            self._rerender()
            return self.expected_for(doc)

    def remove_report(self, doc_id: str | int, how: str = "404") -> ExpectedReport:
        """Take a report down: gone from every list; its page answers 404 (or a soft 404)."""
        if how not in ("404", "soft404"):
            raise ValueError("how must be '404' or 'soft404'")
        with self._lock:
            doc = self.find(doc_id)
            when = self._tick()
            doc.removed, doc.removed_how = True, how
            for key in {doc.column, *(k for k, _ in doc.listings)}:
                self.columns[key].modified = when
            self._rerender()
            return self.expected_for(doc)

    def replace_attachment(self, doc_id: str | int, relist: bool = True) -> ExpectedReport:
        """Upload a corrected file at the same attachment URL (one cell differs); the page notes it."""
        with self._lock:
            doc = self.find(doc_id)
            files = [a for a in doc.attachments if a.kind != "zip"]
            if not files:
                raise ValueError(f"report {doc_id} has no attachment to replace")
            when = self._tick()
            sample = copy.deepcopy(files[0].sample)
            bump_one_cell(sample)
            files[0].sample = sample
            doc.modified = when
            doc.updated_note = f"附件于{when:%Y-%m-%d}更新"
            doc.version += 1
            if relist:
                doc.list_date = when
            self._rerender()
            return self.expected_for(doc)

    def block(self, path_prefix: str, kind: str = "page") -> None:
        """Every path under the prefix answers a block: ``page`` (200 访问受限), ``521`` or ``403``."""
        if kind not in ("page", "521", "403"):
            raise ValueError("kind must be page, 521 or 403")
        with self._lock:
            self._blocks.append((path_prefix, kind))

    def unblock(self, path_prefix: str | None = None) -> None:
        """Lift the block of one prefix, or of every prefix when ``None``."""
        with self._lock:
            self._blocks = [(p, k) for p, k in self._blocks if path_prefix is not None and p != path_prefix]

    def go_dead(self, mode: str = "refused") -> None:
        """The portal dies: ``refused`` (the server stops listening) or ``5xx`` (every answer 502)."""
        if mode not in ("refused", "5xx"):
            raise ValueError("mode must be 'refused' or '5xx'")
        with self._lock:
            self._dead = mode
        for listener in list(self._dead_listeners):
            listener(mode)

    def revive(self) -> None:
        """Bring a dead portal back (the server listens again on the same port)."""
        with self._lock:
            self._dead = None
        for listener in list(self._dead_listeners):
            listener(None)

    def on_dead_change(self, listener: Callable[[str | None], None]) -> None:
        """Register a callback for :meth:`go_dead`/:meth:`revive` (the server uses it to stop/restart)."""
        self._dead_listeners.append(listener)

    def _rerender(self) -> None:
        if self.origin:
            self._render()


def bump_one_cell(sample: SampleReport) -> None:
    """Change exactly one published cell (an active-disclosure count; R1–R4 stay true)."""
    keys = sorted(
        k
        for k in sample.cells
        if k[0] == "active_disclosure" and isinstance(sample.cells[k].value, int) and k[2] != "change"
    )
    if keys:
        key = keys[0]
        old = sample.cells[key]
        sample.cells[key] = SampleCell(str(old.value + 1), old.value + 1, old.unit)
        return
    if sample.legacy_rows:
        row = sample.legacy_rows[-1]
        v = (row.value.value or 0) + 1
        row.value = SampleCell(str(v), v, row.value.unit)
        return
    heading, text = sample.sections[-1]
    sample.sections[-1] = (heading, text + "另收到政府信息公开申请1件。")


def not_modified(req: Request, etag: str, modified: datetime) -> bool:
    """Conditional GET: If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2)."""
    inm = req.headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or etag in tags or f"W/{etag}" in tags
    ims = req.headers.get("if-modified-since")
    if ims:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return modified.replace(microsecond=0) <= since
    return False


def posixpath_dir(path: str) -> str:
    """The folder of a path, with a trailing slash."""
    return path[: path.rfind("/") + 1]


def paginate(items: list, per_page: int) -> list[list]:
    """Split into pages (always at least one, possibly empty)."""
    if not items:
        return [[]]
    return [items[i : i + per_page] for i in range(0, len(items), per_page)]


# ----------------------------------------------------------------------------- family: TRS WCM static


class TrsSite(Site):
    """TRS WCM county portal: 政府信息公开年报 with sub-columns 县级 (``xj``) / 县政府部门 (``xzfbm``) /
    乡镇街道 (``xzjd``, then year folders ``2021n``); lists ``index.html``, ``index_1.html`` … paged only
    by ``createPageHTML``; details ``./YYYYMM/tYYYYMMDD_{id}.html`` with ``_wap`` twins and one
    ``tnull_{id}.htm``.  The page extension follows the seed (html, htm, shtml)."""

    family = "trs"
    default_n_reports = 12
    default_per_page = 3
    id_start = 5_901_000
    root = "/zfxxgk/zfxxgknb/"

    def nav(self) -> list[tuple[str, str]]:
        return [
            ("首页", "/"),
            ("政务公开", "/zfxxgk/"),
            ("新闻中心", "/xwzx/"),
            ("办事服务", "/bsfw/"),
            ("互动交流", "/hdjl/"),
        ]

    @property
    def ext(self) -> str:
        return ("html", "htm", "shtml")[self.options.seed % 3]

    def _populate(self) -> None:
        r = self.root
        self.columns["root"] = Column("root", "政府信息公开年报", r, "1813")
        self.columns["xj"] = Column("xj", "县级", r + "xj/", "1814", "county")
        self.columns["xzfbm"] = Column("xzfbm", "县政府部门", r + "xzfbm/", "1815", "department")
        self.columns["xzjd"] = Column("xzjd", "乡镇街道", r + "xzjd/", "1816", "town")
        self.columns["news"] = Column(
            "news",
            "部门动态",
            "/xwzx/bmdt/",
            "1700",
            reports=False,
            extra={"meta_name": "部门动态", "meta_type": "新闻动态"},
        )
        n = self.options.n_reports or self.default_n_reports
        plan = demo_trs_plan(self) if self.options.demo_part == "trs" else self.report_plan(n)
        earliest = min(plan, key=lambda sp: sp["year"])
        earliest["published"] = datetime(2017, 9, 21, 10, 12, tzinfo=CST)  # an old report re-posted years later
        for spec in plan:
            doc = self.make_report(spec, column="")
            self.place_new_report(doc)
            self.docs.append(doc)
        for kind, year, col in (
            ("notice", 2019, "root"),
            ("format", 2021, "root"),
            ("statistics", 2018, "root"),
            ("letter", 2014, "root"),
            ("interpretation", 2023, "xzfbm"),
            ("news", 2024, "news"),
            ("event", 2023, "root"),
        ):
            item = self.make_item(kind, year, col)
            self.place_doc(item)
            self.docs.append(item)
        # the structural quirks of this family: _wap twins and one tnull_ page
        htmls = [d for d in self.docs if d.is_report and d.carrier in ("html", "html+pdf")]
        for d in htmls[::3]:
            d.wap_path = d.path[: -len(self.ext) - 1] + f"_wap.{self.ext}"
        tnull = next((d for d in self.docs if d.is_report and d.column == "xzfbm" and not d.wap_path), None)
        if tnull is not None:
            tnull.path = self.columns["xzfbm"].path + f"tnull_{tnull.doc_id}.htm"
            for att in tnull.attachments:
                att.path = self.columns["xzfbm"].path + att.path.rsplit("/", 1)[1]
        if self.options.duplicates:
            county_reports = [d for d in self.docs if d.is_report and d.column == "xj"]
            if county_reports:
                d = county_reports[0]
                d.listings.append(("root", self.root + d.path[len(self.columns["xj"].path) :]))
            others = [d for d in self.docs if d.is_report and d.column == "xzfbm" and not d.listings]
            if others:
                others[-1].list_href_suffix = "?isMobile=false"

    def column_for(self, doc: Doc) -> str:
        level = doc.sample.level if doc.sample else "town"
        if level == "county":
            return "xj"
        if level == "department":
            return "xzfbm"
        year = doc.sample.year if doc.sample else doc.published.year - 1
        key = f"xzjd{year}"
        if key not in self.columns:
            self.columns[key] = Column(key, f"{year}年", self.root + f"xzjd/{year}n/", str(1820 + year - 2000), "town")
        return key

    def place_new_report(self, doc: Doc) -> None:
        if not doc.column:
            doc.column = self.column_for(doc)
        self.place_doc(doc)

    def place_doc(self, doc: Doc) -> None:
        folder = self.columns[doc.column].path + doc.published.strftime("%Y%m") + "/"
        doc.path = folder + f"t{doc.published:%Y%m%d}_{doc.doc_id}.{self.ext}"
        self.declare_attachments(doc, folder)

    def soft404_column(self) -> str:
        return "xj"

    def start_paths(self) -> list[str]:
        return ["/", self.root]

    def second_list_path(self) -> str:
        for key in ("xj", "xzfbm", "root"):
            if len(self.listed(key)) > self.per_page:
                return self.columns[key].path + f"index_1.{self.ext}"
        return self.root

    def crumbs(self, column: Column) -> list[tuple[str, str]]:
        if column.key == "news":
            return [("首页", "/"), ("新闻中心", "/xwzx/"), ("部门动态", column.path)]
        out = [("首页", "/"), ("政务公开", "/zfxxgk/"), ("政府信息公开年报", self.root)]
        if column.key in ("xj", "xzfbm", "xzjd"):
            out.append((column.name, column.path))
        elif column.key.startswith("xzjd"):
            out += [("乡镇街道", self.root + "xzjd/"), (column.name, column.path)]
        return out

    def detail_html(self, doc: Doc, path: str, column: Column) -> str:
        d = self.detail_doc(doc, path, column)
        if doc.wap_path and path == doc.path:
            d.wap_href = rel(path, doc.wap_path)
        crumbs = [(label, rel(path, href)) for label, href in self.crumbs(column)]
        return shells.trs_detail(self.chrome(), d, crumbs, self.doc_page_charset(doc), legacy=doc.encoding != "utf-8")

    def index(self, folder: str) -> str:
        return folder + f"index.{self.ext}"

    def _render_routes(self) -> None:
        chrome = self.chrome()
        latest = sorted(
            (d for d in self.docs if not d.removed and d.kind != "preview"), key=lambda d: d.published, reverse=True
        )
        blocks = [
            (
                "部门动态",
                [ListEntry(d.title, d.path, f"{d.published:%Y-%m-%d}") for d in latest if d.kind == "news"][:6],
            ),
            (
                "政府信息公开年报",
                [ListEntry(d.title, d.path, f"{d.published:%Y-%m-%d}") for d in latest if d.is_report][:5],
            ),
        ] + self.home_extra_blocks()
        quick = [
            ("政府信息公开指南", "/zfxxgk/zfxxgkzn/"),
            ("政府信息公开制度", "/zfxxgk/zfxxgkzd/"),
            ("法定主动公开内容", "/zfxxgk/fdzdgknr/"),
            ("政府信息公开年报", self.root),
        ]
        home_mod = max([BASE_TIME] + [d.modified for d in latest[:12]])
        self.add_html(self.index("/"), shells.trs_home(chrome, blocks, quick), home_mod)
        self.add_html(
            self.index("/zfxxgk/"),
            shells.trs_channel(chrome, "政府信息公开", [("首页", "../")], [(l, rel("/zfxxgk/x", h)) for l, h in quick]),
        )
        for label, sub in (
            ("政府信息公开指南", "zfxxgkzn"),
            ("政府信息公开制度", "zfxxgkzd"),
            ("法定主动公开内容", "fdzdgknr"),
        ):
            self.add_html(
                self.index(f"/zfxxgk/{sub}/"),
                shells.trs_channel(chrome, label, [("首页", "../../"), ("政务公开", "../")], []),
            )
        self.add_html(
            self.index("/xwzx/"), shells.trs_channel(chrome, "新闻中心", [("首页", "../")], [("部门动态", "./bmdt/")])
        )
        self.put("/js/page.js", Route(content_type="application/javascript", body=shells.TRS_PAGE_JS.encode()))
        subs = [("县级", "./xj/"), ("县政府部门", "./xzfbm/"), ("乡镇街道", "./xzjd/")]
        self._render_list("root", subs)
        for key in ("xj", "xzfbm", "news"):
            self._render_list(key)
        years = sorted(
            (c for c in self.columns.values() if c.key.startswith("xzjd") and c.key != "xzjd"),
            key=lambda c: c.key,
            reverse=True,
        )
        here = self.index(self.root + "xzjd/")
        self.add_html(
            here,
            shells.trs_channel(
                chrome,
                "乡镇街道",
                [(l, rel(here, h)) for l, h in self.crumbs(self.columns["xzjd"])[:-1]],
                [(c.name, rel(here, c.path)) for c in years],
            ),
            max([BASE_TIME] + [c.modified for c in years]),
        )
        for c in years:
            self._render_list(c.key)
        for doc in self.docs:
            self.add_doc_pages(doc)
            if doc.wap_path and not doc.removed:
                d = self.detail_doc(doc, doc.wap_path, self.columns[doc.column])
                d.canonical_href = rel(doc.wap_path, doc.path)
                self.add_html(
                    doc.wap_path,
                    shells.trs_wap_detail(self.chrome(), d, self.doc_page_charset(doc)),
                    doc.modified,
                    doc.encoding,
                    doc.charset_declared,
                )

    def _render_list(self, key: str, subs: list[tuple[str, str]] | None = None) -> None:
        column = self.columns[key]
        pages = paginate(self.listed(key), self.per_page)
        crumbs_abs = self.crumbs(column)
        for i, chunk in enumerate(pages):
            path = column.path + (f"index.{self.ext}" if i == 0 else f"index_{i}.{self.ext}")
            entries = [ListEntry(d.title, rel(path, p), f"{(d.list_date or d.published):%Y-%m-%d}") for d, p in chunk]
            crumbs = [(label, rel(path, href)) for label, href in crumbs_abs]
            html = shells.trs_list(self.chrome(), column.name, crumbs, entries, len(pages), i, subs, ext=self.ext)
            self.add_html(path, html, self.column_modified(key))


def demo_trs_plan(site: Site) -> list[dict]:
    """The bundled demo county's TRS portal: county 2013–2025, departments, towns by year."""
    att = site.options.attachments
    plan = []
    county_carriers = {2015: "html", 2017: "html+pdf", 2019: "html+pdf", 2022: "pdf", 2024: "html+pdf"}
    for i, year in enumerate(range(2013, 2026)):
        template = (
            "pre2019" if year <= 2018 and year % 2 else "none" if year <= 2018 else "2019" if year <= 2020 else "2021"
        )
        carrier = county_carriers.get(year, "html") if att else "html"
        enc, declared = (
            ("gbk", ("meta", "header", "both")[i % 3]) if year <= 2016 and carrier == "html" else ("utf-8", "both")
        )
        plan.append(
            dict(
                level="county",
                year=year,
                template=template,
                carrier=carrier,
                encoding=enc,
                declared=declared,
                title_style="plain",
            )
        )
    for year, carrier, template in (
        (2017, "html", "pre2019"),
        (2019, "html", "2019"),
        (2020, "docx", "2019"),
        (2021, "html", "2019"),
        (2022, "pdf", "2021"),
        (2023, "html", "2021"),
    ):
        plan.append(
            dict(
                level="department",
                year=year,
                template=template,
                carrier=carrier if att else "html",
                encoding="utf-8",
                declared="both",
                title_style="short" if year == 2021 else "plain",
            )
        )
    for year, carrier, style in (
        (2021, "html", "plain"),
        (2021, "html+pdf", "niandu"),
        (2022, "html", "plain"),
        (2023, "docx", "plain"),
        (2024, "html", "work"),
        (2024, "html", "plain"),
    ):
        plan.append(
            dict(
                level="town",
                year=year,
                template="2021",
                carrier=carrier if att else "html",
                encoding="utf-8",
                declared="both",
                title_style=style,
            )
        )
    return plan


# ----------------------------------------------------------------------------- family: TRS 动静结合


class TrsDynamicSite(Site):
    """Fujian TRS platform (平潭-like): the column renders page 1 only; the rest via the search API.

    The column page carries ``var SiteInfo = {searchId: "200210", …}`` and the ``list2.trsapi``
    loader (``quickMode: "动静结合"``, ``classsql: "chnlid=1813"``, ``prepage``, ``recordCount``);
    ``index_1.htm`` does not exist.  The API is the one the Fujian platform uses
    (``POST /fjdzapp/search``, form ``channelid``, ``classsql``, ``sortfield``, ``page`` (1-based),
    ``prepage`` (≤ 500)) and answers JSON ``{"code": 200, "total", "page", "prepage", "pageCount",
    "data": [{"docid", "doctitle", "chnldocurl", "docpuburl", "docreltime", "pubdate", "chnlid",
    "puborg", "docsourcename", "idxid", "fileno", "doctype"}]}``; without ``classsql`` it lists every
    channel of the site (news included), a wrong ``channelid`` gives ``{"code": 500, …}``, GET 405.
    全真版 PDFs are linked through the pdf.js viewer ``/generic2/web/viewer.html?file=…``.
    """

    family = "trs_dynamic"
    default_n_reports = 12
    default_per_page = 10
    id_start = 80_400
    column_path = "/zwgk/zfxxgk/zfxxgknb/"
    search_id = "200210"

    def nav(self) -> list[tuple[str, str]]:
        return [
            ("首页", "/"),
            ("政务公开", "/zwgk/"),
            ("解读回应", "/jdhy/"),
            ("办事服务", "/bsfw/"),
            ("互动交流", "/hdjl/"),
        ]

    def _populate(self) -> None:
        self.site_name = f"{self.county}人民政府"
        self.columns["nb"] = Column("nb", "政府信息公开年报", self.column_path, "1813")
        self.columns["yw"] = Column(
            "yw", "要闻", "/zwgk/yw/", "1700", reports=False, extra={"meta_name": "要闻", "meta_type": "新闻动态"}
        )
        n = self.options.n_reports or self.default_n_reports
        for spec in self.report_plan(n):
            doc = self.make_report(spec, column="nb")
            self.place_new_report(doc)
            self.docs.append(doc)
        for kind, year, col in (
            ("notice", 2019, "nb"),
            ("letter", 2014, "nb"),
            ("interpretation", 2024, "nb"),
            ("statistics", 2018, "nb"),
            ("news", 2024, "yw"),
            ("event", 2023, "nb"),
        ):
            item = self.make_item(kind, year, col)
            self.place_doc(item)
            self.docs.append(item)
        htmls = [d for d in self.docs if d.is_report and d.carrier == "html"]
        if self.options.duplicates and htmls:
            htmls[0].list_href_suffix = "?isMobile=false"
            htmls[-1].wap_path = htmls[-1].path.replace(".htm", "_wap.htm")

    def place_new_report(self, doc: Doc) -> None:
        doc.column = doc.column or "nb"
        self.place_doc(doc)

    def place_doc(self, doc: Doc) -> None:
        folder = self.columns[doc.column].path + doc.published.strftime("%Y%m") + "/"
        doc.path = folder + f"t{doc.published:%Y%m%d}_{doc.doc_id}.htm"
        self.declare_attachments(doc, folder)

    def start_paths(self) -> list[str]:
        return ["/", self.column_path]

    def second_list_path(self) -> str:
        return "/fjdzapp/search"

    def crumbs(self, column: Column) -> list[tuple[str, str]]:
        if column.key == "yw":
            return [("首页", "/"), ("政务公开", "/zwgk/"), ("要闻", column.path)]
        return [
            ("首页", "/"),
            ("政务公开", "/zwgk/"),
            ("政府信息公开", "/zwgk/zfxxgk/"),
            ("政府信息公开年报", column.path),
        ]

    def detail_html(self, doc: Doc, path: str, column: Column) -> str:
        d = self.detail_doc(doc, path, column)
        if doc.carrier == "html+pdf":
            pdf = doc.attachments[0]
            d.viewer_href = f"/generic2/web/viewer.html?file={pdf.path}"
            d.attachments = []
        crumbs = [(label, rel(path, href)) for label, href in self.crumbs(column)]
        return shells.pingtan_detail(self.chrome(), d, crumbs, self.doc_page_charset(doc))

    def _render_routes(self) -> None:
        chrome = self.chrome()
        latest = sorted(
            (d for d in self.docs if not d.removed and d.kind != "preview"), key=lambda d: d.published, reverse=True
        )
        blocks = [
            ("要闻", [ListEntry(d.title, d.path, f"{d.published:%Y-%m-%d}") for d in latest if d.kind == "news"])
        ] + self.home_extra_blocks()
        quick = [("政府信息公开", "/zwgk/zfxxgk/"), ("政府信息公开年报", self.column_path)]
        self.add_html(
            "/index.html", shells.trs_home(chrome, blocks, quick), max([BASE_TIME] + [d.modified for d in latest[:12]])
        )
        self.add_html(
            "/zwgk/index.html",
            shells.trs_channel(
                chrome, "政务公开", [("首页", "../")], [("政府信息公开", "./zfxxgk/"), ("要闻", "./yw/")]
            ),
        )
        self.add_html(
            "/zwgk/zfxxgk/index.html",
            shells.trs_channel(
                chrome,
                "政府信息公开",
                [("首页", "../../"), ("政务公开", "../")],
                [
                    ("政府信息公开指南", "./zfxxgkzn/"),
                    ("政府信息公开制度", "./zfxxgkzd/"),
                    ("政府信息公开年报", "./zfxxgknb/"),
                ],
            ),
        )
        for key in ("nb", "yw"):
            column = self.columns[key]
            listed = self.listed(key)
            path = column.path + "index.html"
            entries = [
                ListEntry(d.title, rel(path, p), f"{(d.list_date or d.published):%Y-%m-%d}")
                for d, p in listed[: self.per_page]
            ]
            crumbs = [(label, rel(path, href)) for label, href in self.crumbs(column)]
            html = shells.pingtan_list(
                chrome, column.name, crumbs, entries, len(listed), self.per_page, self.search_id, column.chnl_id
            )
            self.add_html(path, html, self.column_modified(key))
        self.put("/fjdzapp/search", Route(handler=self._search_api, methods=("POST",)))
        self.add_html("/generic2/web/viewer.html", shells.pdf_viewer_page())
        for doc in self.docs:
            self.add_doc_pages(doc)
            if doc.wap_path and not doc.removed:
                d = self.detail_doc(doc, doc.wap_path, self.columns[doc.column])
                d.canonical_href = rel(doc.wap_path, doc.path)
                self.add_html(doc.wap_path, shells.trs_wap_detail(chrome, d, self.doc_page_charset(doc)), doc.modified)

    def _search_api(self, req: Request) -> Reply:
        """``POST /fjdzapp/search``: the site's document index, filterable by ``classsql=chnlid=N``."""
        form = req.form()
        if form.get("channelid") != self.search_id:
            return self.json_reply({"code": 500, "msg": "channelid参数错误", "data": []}, None)
        try:
            page_no = max(1, int(form.get("page", "1")))
            prepage = min(500, max(1, int(form.get("prepage", "10"))))
        except ValueError:
            return self.json_reply({"code": 500, "msg": "page/prepage参数错误", "data": []}, None)
        wanted = None
        classsql = form.get("classsql", "")
        if classsql.startswith("chnlid="):
            wanted = classsql.split("=", 1)[1].strip()
        rows = []
        for key in self.columns:
            if wanted and self.columns[key].chnl_id != wanted:
                continue
            for doc, path in self.listed(key):
                rows.append((doc, path, self.columns[key]))
        rows.sort(key=lambda r: (r[0].list_date or r[0].published, r[0].doc_id), reverse=True)
        total = len(rows)
        chunk = rows[(page_no - 1) * prepage : page_no * prepage]
        data = []
        for doc, path, column in chunk:
            when = doc.list_date or doc.published
            organ = doc.sample.organ if doc.sample else f"{self.county}人民政府办公室"
            data.append(
                {
                    "docid": doc.doc_id,
                    "doctitle": doc.title,
                    "chnldocurl": self.url(path),
                    "docpuburl": self.url(doc.path),
                    "docreltime": when.strftime("%Y-%m-%d %H:%M:%S"),
                    "pubdate": when.strftime("%Y-%m-%d"),
                    "chnlid": int(column.chnl_id),
                    "fileno": "",
                    "puborg": organ,
                    "docsourcename": organ,
                    "idxid": f"{unit_code(organ, self.region)}/{doc.published.year}-{doc.doc_id % 100000:05d}",
                    "doctype": 20,
                }
            )
        return self.json_reply(
            {
                "code": 200,
                "total": total,
                "page": page_no,
                "prepage": prepage,
                "pageCount": max(1, math.ceil(total / prepage)),
                "data": data,
            },
            None,
        )


# ----------------------------------------------------------------------------- family: Hanweb JCMS


class HanwebSite(Site):
    """Hanweb 大汉 JCMS (松阳-like): jpage columns, ``dataproxy.jsp`` POST, the annual-report module.

    * Columns ``/col/col{columnid}/index.html`` (county + departments; towns) embed the first
      ``perPage × groupSize`` records as ``<script type="text/xml"><datastore><nextgroup>…
      <recordset><record><![CDATA[<li><a href="/art/…">…</a><span>date</span></li>]]></record>``; a jpage
      call gives ``totalRecord``, ``perPage``, ``proxyUrl`` and ``ajaxParam`` (the form fields).
    * Further records only by ``POST /module/web/jpage/dataproxy.jsp?startrecord=&endrecord=&perpage=``
      with form ``col=1&appid=1&webid=&path=/&columnid=&sourceContentType=1&unitid=&webname=&permissiontype=0``
      → ``<datastore><totalrecord>N</totalrecord><totalpage>M</totalpage><recordset>…``; a wrong unit
      gives an empty recordset, GET 405, the older proxy paths 404.
    * Details ``/art/{yyyy}/{m}/{d}/art_{columnid}_{id}.html``, body between
      ``<!--ZJEG_RSS.content.begin-->`` and ``<!--ZJEG_RSS.content.end-->`` (``div#zoom``); files via
      ``/module/download/downfile.jsp?classid=0&showname=…&filename={md5}.pdf`` (``application/octet-stream``).
    * The unit directory ``/col/col{id}/index.html`` links ``/module/xxgk/xxgkAnnualReport.jsp?area={code}``
      per unit; that page links ``&fbtime={year}`` for 2009–2018; a year without a report answers 200
      "暂无信息".  Module reports are pre-2019, some GBK, one with a DOCX copy.
    """

    family = "hanweb"
    default_n_reports = 10
    default_per_page = 3
    id_start = 4_858_000
    proxy_path = "/module/web/jpage/dataproxy.jsp"
    module_path = "/module/xxgk/xxgkAnnualReport.jsp"
    group_size = 2
    gbk_years = 0  # article pages are UTF-8; the old module pages are GBK

    def nav(self) -> list[tuple[str, str]]:
        return [
            ("首页", "/index.html"),
            ("信息公开", f"/col/col{self.xxgk_col}/index.html"),
            ("政务服务", "/col/col1229000003/index.html"),
        ]

    def _populate(self) -> None:
        base = 1229358700 + self.options.seed % 50
        self.webid = str(3016 + self.options.seed % 5)
        self.xxgk_col = str(base)
        self.columns["nb"] = Column(
            "nb",
            "政府信息公开年报",
            f"/col/col{base + 18}/index.html",
            str(base + 18),
            "mixed",
            extra={"unitid": str(7386466 + self.options.seed)},
        )
        self.columns["xz"] = Column(
            "xz",
            "乡镇（街道）政府信息公开年报",
            f"/col/col{base + 21}/index.html",
            str(base + 21),
            "town",
            extra={"unitid": str(7386471 + self.options.seed)},
        )
        self.columns["dir"] = Column("dir", "信息公开年报（按单位）", f"/col/col{base + 25}/index.html", str(base + 25))
        self.columns["module"] = Column("module", "信息公开年报", self.module_path, "")
        n = self.options.n_reports or self.default_n_reports
        plan = self.report_plan(n) + self._module_plan(n)
        if self.options.demo_part == "hanweb":
            plan = demo_hanweb_plan(self)
        self.units: list[tuple[str, str, str]] = []  # (name, area code, level)
        for spec in plan:
            column = "module" if spec.get("module") else ""
            doc = self.make_report(spec, column=column)
            if column == "module":
                self._place_module(doc)
            else:
                self.place_new_report(doc)
            self.docs.append(doc)
        for kind, year, col in (
            ("notice", 2019, "nb"),
            ("format", 2021, "nb"),
            ("interpretation", 2023, "nb"),
            ("notice2", 2017, "xz"),
            ("event", 2022, "nb"),
        ):
            item = self.make_item(kind, year, col)
            self.place_doc(item)
            self.docs.append(item)
        news = self.make_item("news", 2024, "nb")
        self.columns["news"] = Column(
            "news",
            "工作动态",
            f"/col/col{base + 30}/index.html",
            str(base + 30),
            reports=False,
            extra={"meta_name": "工作动态", "meta_type": "新闻动态", "unitid": str(7386480 + self.options.seed)},
        )
        news.column = "news"
        self.place_doc(news)
        self.docs.append(news)
        if self.options.duplicates:
            county = [d for d in self.docs if d.is_report and d.column == "nb"]
            if county:
                d = county[0]
                d.listings.append(
                    (
                        "xz",
                        f"/art/{d.published.year}/{d.published.month}/{d.published.day}/art_{self.columns['xz'].chnl_id}_{d.doc_id}.html",
                    )
                )
            if len(county) > 1:
                county[1].list_href_suffix = "?isMobile=false"

    def _module_plan(self, n: int) -> list[dict]:
        """Pre-2019 reports held only in the xxgkAnnualReport.jsp module (some GBK)."""
        count = max(2, n // 3)
        plan = []
        for i in range(count):
            year = 2013 + (i * 2) % 6
            plan.append(
                dict(
                    level=("department", "town")[i % 2],
                    year=year,
                    template=("pre2019", "none")[i % 2],
                    carrier="html+docx" if (i == 1 and self.options.attachments) else "html",
                    encoding="gbk" if i % 2 == 0 else "utf-8",
                    declared=("header", "both")[i % 2 == 0 and i % 4 == 0],
                    title_style="plain",
                    module=True,
                )
            )
        return plan

    def _place_module(self, doc: Doc) -> None:
        organ = doc.sample.organ
        code = unit_code(organ, self.region)
        if all(u[1] != code for u in self.units):
            self.units.append((organ, code, doc.sample.level))
        doc.extra["area"] = code
        doc.path = f"{self.module_path}?area={code}&fbtime={doc.sample.year}"
        self.declare_attachments(doc, "")

    def column_for(self, doc: Doc) -> str:
        return "xz" if doc.sample and doc.sample.level == "town" else "nb"

    def place_new_report(self, doc: Doc) -> None:
        doc.column = doc.column or self.column_for(doc)
        self.place_doc(doc)

    def place_doc(self, doc: Doc) -> None:
        p = doc.published
        doc.path = f"/art/{p.year}/{p.month}/{p.day}/art_{self.columns[doc.column].chnl_id}_{doc.doc_id}.html"
        self.declare_attachments(doc, "")

    def attachment_path(self, doc: Doc, folder: str, kind: str, filename: str) -> str:
        stored = hashlib.md5(f"{doc.doc_id}:{filename}".encode()).hexdigest()
        return f"/module/download/downfile.jsp?classid=0&showname={quote(filename)}&filename={stored}.{kind}"

    def soft404_column(self) -> str:
        return "xz"

    def start_paths(self) -> list[str]:
        return [
            "/index.html",
            f"/col/col{self.xxgk_col}/index.html",
            self.columns["nb"].path,
            self.columns["xz"].path,
            self.columns["dir"].path,
        ]

    def second_list_path(self) -> str:
        return self.proxy_path

    def crumbs(self, column: Column) -> list[tuple[str, str]]:
        return [
            ("首页", "/index.html"),
            ("信息公开", f"/col/col{self.xxgk_col}/index.html"),
            (column.name, column.path),
        ]

    def detail_html(self, doc: Doc, path: str, column: Column) -> str:
        d = self.detail_doc(doc, path, column)
        return shells.hanweb_detail(self.chrome(), d, self.crumbs(column), self.doc_page_charset(doc))

    def _render_routes(self) -> None:
        chrome = self.chrome()
        latest = sorted(
            (d for d in self.docs if not d.removed and d.kind != "preview" and d.column != "module"),
            key=lambda d: d.published,
            reverse=True,
        )
        blocks = [
            ("工作动态", [ListEntry(d.title, d.path, f"{d.published:%Y-%m-%d}") for d in latest if d.kind == "news"])
        ] + self.home_extra_blocks()
        quick = [(c.name, c.path) for k, c in self.columns.items() if k in ("nb", "xz", "dir")]
        self.add_html(
            "/index.html",
            shells.hanweb_home(chrome, blocks, quick),
            max([BASE_TIME] + [d.modified for d in latest[:12]]),
        )
        inner = (
            '<div class="xxgk_nav"><ul>'
            + "".join(f'<li><a href="{esc(h)}">{esc(l)}</a></li>' for l, h in quick)
            + "</ul></div>\n"
        )
        self.add_html(
            f"/col/col{self.xxgk_col}/index.html", shells.hanweb_page(chrome, f"信息公开 {self.site_name}", inner)
        )
        for key in ("nb", "xz", "news"):
            self._render_column(key)
        self.put(self.proxy_path, Route(handler=self._dataproxy, methods=("POST",)))
        empty = f"{self.county}档案馆"  # a unit of the directory that never published in the module
        units = [
            (name, f"{self.module_path}?area={code}")
            for name, code, _ in self.units + [(empty, unit_code(empty, self.region), "department")]
        ]
        self.add_html(self.columns["dir"].path, shells.hanweb_unit_directory(chrome, self.columns["dir"].name, units))
        self.put(self.module_path, Route(handler=self._annual_module))
        self.put("/module/download/downfile.jsp", Route(handler=self._downfile))
        for doc in self.docs:
            if doc.column == "module":
                continue
            self.add_doc_pages(doc)

    def add_attachment_route(self, att: Attachment, doc: Doc) -> None:
        """Hanweb report files are served by downfile.jsp (see :meth:`_downfile`)."""
        if att.kind == "zip":
            super().add_attachment_route(att, doc)

    def _render_column(self, key: str) -> None:
        column = self.columns[key]
        listed = self.listed(key)
        unitid = column.extra["unitid"]
        embedded = listed[: self.per_page * self.group_size]
        records = [shells.hanweb_record(d.title, p, f"{(d.list_date or d.published):%Y-%m-%d}") for d, p in embedded]
        nextgroup = (
            f"{self.proxy_path}?page=1&appid=1&webid={self.webid}&path=/&columnid={column.chnl_id}"
            f"&unitid={unitid}&webname={quote(self.site_name)}&permissiontype=0"
        )
        html = shells.hanweb_column(
            self.chrome(),
            column.name,
            self.crumbs(column)[:-1],
            webid=self.webid,
            columnid=column.chnl_id,
            unitid=unitid,
            records=records,
            total=len(listed),
            per_page=self.per_page,
            group_size=self.group_size,
            proxy_path=self.proxy_path,
            nextgroup_href=nextgroup,
        )
        self.add_html(column.path, html, self.column_modified(key))

    def _dataproxy(self, req: Request) -> Reply:
        """``POST dataproxy.jsp?startrecord=&endrecord=&perpage=`` with the column's form fields."""
        q, form = req.query, req.form()
        try:
            start, end, per = int(q["startrecord"]), int(q["endrecord"]), int(q.get("perpage", self.per_page))
        except (KeyError, ValueError):
            return Reply(400, [("Content-Type", "text/plain")], b"missing startrecord/endrecord")
        column = next(
            (c for c in self.columns.values() if c.chnl_id == form.get("columnid") and "unitid" in c.extra), None
        )
        if column is None or form.get("unitid") != column.extra["unitid"] or form.get("webid") != self.webid:
            xml = shells.hanweb_dataproxy([], 0, 0)
        else:
            listed = self.listed(column.key)
            chunk = listed[max(0, start - 1) : max(0, end)]
            records = [shells.hanweb_record(d.title, p, f"{(d.list_date or d.published):%Y-%m-%d}") for d, p in chunk]
            xml = shells.hanweb_dataproxy(records, len(listed), math.ceil(len(listed) / max(1, per)))
        return self.finish(
            Route(content_type="text/xml;charset=UTF-8", body=xml.encode("utf-8"), modified=BASE_TIME), None
        )

    def _annual_module(self, req: Request) -> Reply:
        q = req.query
        area, fbtime = q.get("area", ""), q.get("fbtime", "")
        empty = f"{self.county}档案馆"
        unit = next(
            (u for u in self.units + [(empty, unit_code(empty, self.region), "department")] if u[1] == area), None
        )
        if unit is None:
            return self.html_reply(shells.hanweb_page(self.chrome(), "信息公开年报", "<p>单位不存在</p>"), req=req)
        years = [(f"{y}年", f"{self.module_path}?area={area}&fbtime={y}") for y in range(2018, 2008, -1)]
        doc = None
        year = int(fbtime) if fbtime.isdigit() else None
        if year is not None:
            doc = next(
                (
                    d
                    for d in self.docs
                    if d.column == "module" and not d.removed and d.extra.get("area") == area and d.sample.year == year
                ),
                None,
            )
        if doc is None:
            html = shells.hanweb_annual_module(self.chrome(), unit[0], years, year, None, "utf-8")
            return self.html_reply(html, req=req)
        d = self.detail_doc(doc, doc.path, self.columns["module"])
        d.attachments = [(a.filename, a.path) for a in doc.attachments]
        html = shells.hanweb_annual_module(self.chrome(), unit[0], years, year, d, self.doc_page_charset(doc))
        data = html.encode(doc.encoding, errors="xmlcharrefreplace")
        ctype = (
            "text/html"
            if doc.charset_declared == "meta"
            else ("text/html; charset=GBK" if doc.encoding == "gbk" else "text/html; charset=utf-8")
        )
        return self.finish(Route(content_type=ctype, body=data, modified=doc.modified), req)

    def _downfile(self, req: Request) -> Reply:
        name = req.query.get("filename", "")
        for doc in self.docs if name else []:
            if doc.removed:
                continue
            for att in doc.attachments:
                if f"filename={name}" in att.path and att.kind != "zip":
                    sample, kind, style = att.sample, att.kind, att.style
                    disposition = f"attachment; filename*=UTF-8''{quote(att.filename)}"
                    route = Route(
                        content_type="application/octet-stream",
                        producer=lambda: self.renderer.render(sample, kind, style),  # noqa: B023 (called within the iteration)
                        modified=doc.modified,
                        headers=[("Content-Disposition", disposition)],
                    )
                    return self.finish(route, req)
        return Reply(404, [("Content-Type", "text/html; charset=utf-8")], "文件不存在".encode())

    def attachment_bytes(self, url_or_path: str) -> bytes:
        for doc in self.docs:
            for att in doc.attachments:
                if url_or_path.endswith(att.path) and att.kind != "zip":
                    return self.renderer.render(att.sample, att.kind, att.style)
        raise KeyError(url_or_path)


def demo_hanweb_plan(site: Site) -> list[dict]:
    """The bundled demo county's Hanweb platform: departments and towns 2019–2025, module 2013–2018."""
    att = site.options.attachments
    plan = []
    for year, level, carrier, template in (
        (2019, "department", "html", "2019"),
        (2020, "town", "html+pdf", "2019"),
        (2021, "department", "html", "2021"),
        (2022, "town", "html", "2021"),
        (2023, "department", "docx", "2021"),
        (2024, "town", "html", "2021"),
        (2025, "department", "html", "2021"),
        (2025, "town", "pdf", "2021"),
    ):
        plan.append(
            dict(
                level=level,
                year=year,
                template=template,
                carrier=carrier if att else "html",
                encoding="utf-8",
                declared="both",
                title_style="plain",
            )
        )
    for year, level, template, enc in (
        (2014, "department", "pre2019", "gbk"),
        (2016, "town", "none", "gbk"),
        (2017, "department", "pre2019", "utf-8"),
        (2018, "town", "pre2019", "gbk"),
    ):
        plan.append(
            dict(
                level=level,
                year=year,
                template=template,
                carrier="html",
                encoding=enc,
                declared="header" if year == 2016 else "both",
                title_style="plain",
                module=True,
            )
        )
    return plan


# ----------------------------------------------------------------------------- family: Guangdong gkmlpt


class GkmlptSite(Site):
    """Guangdong 政务公开目录平台 (gkmlpt): SPA shells, a JSON list API, server-rendered details.

    * Two units, each with its own SPA ``/{unit}/gkmlpt/index`` (linked as ``…/index#{catid}``) whose
      HTML holds no list, only ``window._CONFIG = {"SID", "APP_URL", "TREE": [… {"id": catid, "name":
      "政府信息公开年报", "post_count"} …]}``.
    * ``GET /{unit}/gkmlpt/api/all/{catid}?page={n}&sid={SID}`` → ``{"classify": {"id", "name",
      "post_count"}, "articles": [{"id", "title", "url", "post_url", "identifier", "publisher",
      "created_at", "date", "first_publish_time"}], "page", "page_size"}``; past the end ``articles`` is
      empty; a wrong ``sid`` is a 400.
    * Details ``/{unit}/gkmlpt/content/{id // 10**6}/{id // 10**3}/post_{id}.html`` (the short form
      ``content/post_{id}.html`` is a duplicate), metadata table (索引号/发布机构/成文日期), body in
      ``div.article-content``, and ``window._CONFIG.DETAIL`` with id, title, identifier, attachments.
    """

    family = "gkmlpt"
    default_n_reports = 10
    default_per_page = 10
    id_start = 8_766_000
    gbk_years = 0

    def nav(self) -> list[tuple[str, str]]:
        return [("首页", "/"), ("政务公开", "/xfxrmzf/gkmlpt/index"), ("乡镇（街道）", "/hczj/gkmlpt/index")]

    def _populate(self) -> None:
        self.units = {
            "xfxrmzf": dict(name=self.site_name, sid=str(763001 + self.options.seed), catid="2845"),
            "hczj": dict(name="黄礤镇人民政府", sid=str(763112 + self.options.seed), catid="3127"),
        }
        for unit, info in self.units.items():
            self.columns[unit] = Column(
                unit, "政府信息公开年报", f"/{unit}/gkmlpt/index", info["catid"], extra={"unit": unit}
            )
        n = self.options.n_reports or self.default_n_reports
        for spec in self.report_plan(n):
            doc = self.make_report(spec, column="")
            self.place_new_report(doc)
            self.docs.append(doc)
        for kind, year, col in (
            ("notice", 2019, "xfxrmzf"),
            ("interpretation", 2023, "xfxrmzf"),
            ("format", 2021, "hczj"),
            ("event", 2023, "xfxrmzf"),
        ):
            item = self.make_item(kind, year, col)
            self.place_doc(item)
            self.docs.append(item)
        news = self.make_item("news", 2024, "xfxrmzf")
        news.path = f"/xfxrmzf/gkmlpt/content/{news.doc_id // 10**6}/{news.doc_id // 10**3}/post_{news.doc_id}.html"
        news.extra["unlisted"] = True
        self.docs.append(news)
        if self.options.duplicates:
            reps = [d for d in self.docs if d.is_report]
            if reps:
                unit = self.columns[reps[0].column].extra["unit"]
                reps[0].extra["short_url"] = f"/{unit}/gkmlpt/content/post_{reps[0].doc_id}.html"

    def organ_of(self, level: str, rng: random.Random) -> tuple[str, str]:
        """Town reports on this platform all belong to the one town unit (黄礤镇) with its own gkmlpt."""
        if level == "town":
            return "黄礤镇人民政府", "黄礤镇"
        return super().organ_of(level, rng)

    def column_for(self, doc: Doc) -> str:
        return "hczj" if doc.sample and doc.sample.level == "town" else "xfxrmzf"

    def place_new_report(self, doc: Doc) -> None:
        doc.column = doc.column or self.column_for(doc)
        self.place_doc(doc)

    def place_doc(self, doc: Doc) -> None:
        i = doc.doc_id
        doc.path = f"/{doc.column}/gkmlpt/content/{i // 10**6}/{i // 10**3}/post_{i}.html"
        self.declare_attachments(doc, "")

    def attachment_path(self, doc: Doc, folder: str, kind: str, filename: str) -> str:
        aid = 512_000 + doc.doc_id % 100_000
        return f"/attachment/0/{aid // 1000}/{aid}/{doc.doc_id}.{kind}"

    def listed(self, column_key: str) -> list[tuple[Doc, str]]:
        return [(d, p) for d, p in super().listed(column_key) if not d.extra.get("unlisted")]

    def start_paths(self) -> list[str]:
        return ["/"] + [f"/{u}/gkmlpt/index" for u in self.units]

    def second_list_path(self) -> str:
        info = self.units["xfxrmzf"]
        return f"/xfxrmzf/gkmlpt/api/all/{info['catid']}"

    def detail_html(self, doc: Doc, path: str, column: Column) -> str:
        d = self.detail_doc(doc, path, column)
        detail = {
            "id": doc.doc_id,
            "title": doc.title,
            "identifier": d.index_no,
            "publisher": d.organ,
            "created_at": doc.published.strftime("%Y-%m-%d %H:%M:%S"),
            "classify_main_name": "政府信息公开年报",
            "url": self.url(doc.path),
            "attachment": [{"name": a.filename, "url": self.url(a.path)} for a in doc.attachments if a.kind != "zip"],
        }
        return shells.gkmlpt_detail(self.chrome(), d, detail, self.doc_page_charset(doc))

    def _render_routes(self) -> None:
        chrome = self.chrome()
        latest = sorted(
            (d for d in self.docs if not d.removed and d.kind != "preview"), key=lambda d: d.published, reverse=True
        )
        blocks = [
            ("政务动态", [ListEntry(d.title, d.path, f"{d.published:%Y-%m-%d}") for d in latest if d.kind == "news"])
        ]
        short = [d for d in latest if d.extra.get("short_url")]
        if short:
            blocks.append(
                ("最新公开", [ListEntry(d.title, d.extra["short_url"], f"{d.published:%Y-%m-%d}") for d in short])
            )
        blocks += self.home_extra_blocks()
        quick = [
            (f"{info['name']}政府信息公开年报", f"/{u}/gkmlpt/index#{info['catid']}") for u, info in self.units.items()
        ]
        self.add_html(
            "/index.html", shells.vsb_home(chrome, blocks, quick), max([BASE_TIME] + [d.modified for d in latest[:12]])
        )
        for unit, info in self.units.items():
            count = len(self.listed(unit))
            tree = [
                {
                    "id": int(info["catid"]) - 5,
                    "name": "政府信息公开",
                    "parent": 0,
                    "children": [
                        {
                            "id": int(info["catid"]) - 3,
                            "name": "政府信息公开指南",
                            "parent": int(info["catid"]) - 5,
                            "post_count": 1,
                        },
                        {
                            "id": int(info["catid"]),
                            "name": "政府信息公开年报",
                            "parent": int(info["catid"]) - 5,
                            "post_count": count,
                        },
                    ],
                }
            ]
            self.add_html(
                f"/{unit}/gkmlpt/index",
                shells.gkmlpt_index(chrome, f"/{unit}", info["sid"], tree, info["name"]),
                self.column_modified(unit),
            )
            self.add_prefix_handler(f"/{unit}/gkmlpt/api/all/", self._list_api)
        for doc in self.docs:
            self.add_doc_pages(doc)
            if doc.extra.get("short_url") and not doc.removed:
                self.add_html(
                    doc.extra["short_url"],
                    self.detail_html(doc, doc.extra["short_url"], self.columns[doc.column]),
                    doc.modified,
                )

    def expected_for(self, doc: Doc) -> ExpectedReport:
        exp = super().expected_for(doc)
        if doc.extra.get("short_url"):
            exp.alt_urls.append(self.url(doc.extra["short_url"]))
        return exp

    def _list_api(self, req: Request) -> Reply:
        """``GET /{unit}/gkmlpt/api/all/{catid}?page=n&sid=…`` → ``articles[]`` and ``classify``."""
        parts = req.path.strip("/").split("/")
        unit, catid = parts[0], parts[-1]
        info = self.units.get(unit)
        if info is None or catid != info["catid"]:
            return self.json_reply({"code": 404, "message": "栏目不存在"}, None, status=404)
        if req.query.get("sid") != info["sid"]:
            return self.json_reply({"code": 400, "message": "sid参数错误"}, None, status=400)
        try:
            page_no = max(1, int(req.query.get("page", "1")))
        except ValueError:
            page_no = 1
        listed = self.listed(unit)
        chunk = listed[(page_no - 1) * self.per_page : page_no * self.per_page]
        articles = []
        for doc, path in chunk:
            organ = doc.sample.organ if doc.sample else info["name"]
            when = doc.list_date or doc.published
            articles.append(
                {
                    "id": doc.doc_id,
                    "title": doc.title,
                    "url": self.url(path),
                    "post_url": self.url(path),
                    "identifier": f"{unit_code(organ, self.region)}/{doc.published.year}-{doc.doc_id % 100000:05d}",
                    "publisher": organ,
                    "created_at": when.strftime("%Y-%m-%d %H:%M:%S"),
                    "date": int(when.timestamp()),
                    "first_publish_time": int(doc.published.timestamp()),
                    "classify_main_name": "政府信息公开年报",
                }
            )
        body = {
            "classify": {
                "id": int(info["catid"]),
                "name": "政府信息公开年报",
                "parent": int(info["catid"]) - 5,
                "post_count": len(listed),
            },
            "articles": articles,
            "page": page_no,
            "page_size": self.per_page,
        }
        return self.json_reply(body, req, modified=self.column_modified(unit))


# ----------------------------------------------------------------------------- family: generic (VSB + ?page=N)


class GenericSite(Site):
    """A VSB 博达-like county site plus a generic dynamic list.

    * VSB column ``/xxgk/zfxxgknb.htm`` is page 1, then ``/xxgk/zfxxgknb/{N-1}.htm`` … ``/xxgk/zfxxgknb/1.htm``
      (numbers count down); 首页/上页/下页/尾页 links; details ``/info/1050/{id}.htm`` with the body in
      ``form[name=_newscontent_fromname] #vsb_content .v_news_content``; files via
      ``/system/_content/download.jsp?…&wbfileid=…`` (``application/octet-stream``; DOCX uploads named ``.doc``).
    * Town list ``/xzjdnb/index.jsp?page=N`` with 首页/上一页/下一页/尾页 and ``第N页/共M页``; details
      ``/xzjdnb/content_{id}.html`` with ``div#detailContent``; files in ``/xzjdnb/files/YYYYMM/``.
    """

    family = "generic"
    default_n_reports = 10
    default_per_page = 3
    id_start = 64_100
    vsb_col = "1050"
    vsb_list = "/xxgk/zfxxgknb.htm"
    town_list = "/xzjdnb/index.jsp"

    def nav(self) -> list[tuple[str, str]]:
        return [("首页", "/index.htm"), ("信息公开", "/xxgk.htm"), ("乡镇年报", self.town_list)]

    def _populate(self) -> None:
        self.columns["vsb"] = Column("vsb", "政府信息公开年报", self.vsb_list, self.vsb_col)
        self.columns["xz"] = Column("xz", "乡镇政府信息公开年报", self.town_list, "57", "town")
        self.columns["news"] = Column(
            "news",
            "工作动态",
            "/xwzx/gzdt.htm",
            "1049",
            reports=False,
            extra={"meta_name": "工作动态", "meta_type": "新闻动态"},
        )
        n = self.options.n_reports or self.default_n_reports
        for spec in self.report_plan(n):
            doc = self.make_report(spec, column="")
            self.place_new_report(doc)
            self.docs.append(doc)
        for kind, year, col in (
            ("notice", 2019, "vsb"),
            ("statistics", 2018, "vsb"),
            ("interpretation", 2022, "vsb"),
            ("letter", 2015, "xz"),
            ("news", 2024, "news"),
            ("event", 2023, "vsb"),
        ):
            item = self.make_item(kind, year, col)
            self.place_doc(item)
            self.docs.append(item)
        if self.options.duplicates:
            reps = [d for d in self.docs if d.is_report and d.column == "vsb"]
            if reps:
                reps[0].listings.append(("xz", f"/info/1102/{reps[0].doc_id}.htm"))

    def column_for(self, doc: Doc) -> str:
        return "xz" if doc.sample and doc.sample.level == "town" else "vsb"

    def place_new_report(self, doc: Doc) -> None:
        doc.column = doc.column or self.column_for(doc)
        self.place_doc(doc)

    def place_doc(self, doc: Doc) -> None:
        if doc.column == "xz":
            doc.path = f"/xzjdnb/content_{doc.doc_id}.html"
            self.declare_attachments(doc, f"/xzjdnb/files/{doc.published:%Y%m}/")
        else:
            col = self.columns[doc.column].chnl_id
            doc.path = f"/info/{col}/{doc.doc_id}.htm"
            self.declare_attachments(doc, "")

    def declare_attachments(self, doc: Doc, folder: str) -> None:
        """As everywhere, but VSB uploads of Word files keep an old ``.doc`` name (the bytes are DOCX)."""
        super().declare_attachments(doc, folder)
        for att in doc.attachments:
            if att.kind == "docx" and not folder:
                att.filename = att.filename[: -len(".docx")] + ".doc"

    def attachment_path(self, doc: Doc, folder: str, kind: str, filename: str) -> str:
        if folder:
            return folder + hashlib.md5(f"{doc.doc_id}{filename}".encode()).hexdigest()[:20] + f".{kind}"
        return f"/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1433357826&wbfileid={doc.doc_id * 7 % 10**7}"

    def soft404_column(self) -> str:
        return "vsb"

    def start_paths(self) -> list[str]:
        return ["/index.htm", "/xxgk.htm", self.vsb_list, self.town_list + "?page=1"]

    def second_list_path(self) -> str:
        return self.town_list

    def crumbs(self, column: Column) -> list[tuple[str, str]]:
        return [("首页", "/index.htm"), ("信息公开", "/xxgk.htm"), (column.name, column.path)]

    def detail_html(self, doc: Doc, path: str, column: Column) -> str:
        d = self.detail_doc(doc, path, column)
        crumbs = [(label, rel(path, href)) for label, href in self.crumbs(column)]
        if path.startswith("/info/"):
            return shells.vsb_detail(self.chrome(), d, crumbs, self.doc_page_charset(doc))
        return shells.generic_detail(self.chrome(), d, crumbs, self.doc_page_charset(doc))

    def _render_routes(self) -> None:
        chrome = self.chrome()
        latest = sorted(
            (d for d in self.docs if not d.removed and d.kind != "preview"), key=lambda d: d.published, reverse=True
        )
        blocks = [
            ("工作动态", [ListEntry(d.title, d.path, f"{d.published:%Y-%m-%d}") for d in latest if d.kind == "news"])
        ] + self.home_extra_blocks()
        quick = [("政府信息公开年报", self.vsb_list), ("乡镇政府信息公开年报", self.town_list + "?page=1")]
        page = shells.vsb_home(chrome, blocks, quick)
        self.add_html("/index.htm", page, max([BASE_TIME] + [d.modified for d in latest[:12]]))
        self.put("/", self._building["/index.htm"])
        self.add_html(
            "/xxgk.htm",
            shells.vsb_page(
                chrome,
                f"信息公开-{self.site_name}",
                "".join(f'<p><a href="{esc(h)}">{esc(l)}</a></p>' for l, h in quick),
            ),
        )
        self._render_vsb("vsb")
        self._render_vsb("news")
        self.put(self.town_list, Route(handler=self._town_list))
        self.put("/system/_content/download.jsp", Route(handler=self._download))
        for doc in self.docs:
            self.add_doc_pages(doc)

    def _render_vsb(self, key: str) -> None:
        """VSB count-down pagination: ``col.htm`` is page 1, ``col/{N-1}.htm`` page 2 … ``col/1.htm`` the last."""
        column = self.columns[key]
        pages = paginate(self.listed(key), self.per_page)
        total_pages, total = len(pages), len(self.listed(key))
        base = column.path[: -len(".htm")]

        def page_path(k: int) -> str:  # k is 1-based page number
            return column.path if k == 1 else f"{base}/{total_pages - k + 1}.htm"

        for k, chunk in enumerate(pages, start=1):
            path = page_path(k)
            links = {}
            if k > 1:
                links["首页"], links["上页"] = rel(path, page_path(1)), rel(path, page_path(k - 1))
            if k < total_pages:
                links["下页"], links["尾页"] = rel(path, page_path(k + 1)), rel(path, page_path(total_pages))
            entries = [ListEntry(d.title, rel(path, p), f"{(d.list_date or d.published):%Y-%m-%d}") for d, p in chunk]
            pager = shells.vsb_pager(k, total_pages, total, links)
            crumbs = [(label, rel(path, href)) for label, href in self.crumbs(column)]
            self.add_html(
                path, shells.vsb_list(self.chrome(), column.name, crumbs, entries, pager), self.column_modified(key)
            )

    def _town_list(self, req: Request) -> Reply:
        try:
            page_no = max(1, int(req.query.get("page", "1")))
        except ValueError:
            page_no = 1
        column = self.columns["xz"]
        pages = paginate(self.listed("xz"), self.per_page)
        if page_no > len(pages):
            return self.html_reply(shells.not_found_page(), status=404)
        chunk = pages[page_no - 1]
        links = {}
        if page_no > 1:
            links["首页"], links["上一页"] = "?page=1", f"?page={page_no - 1}"
        if page_no < len(pages):
            links["下一页"], links["尾页"] = f"?page={page_no + 1}", f"?page={len(pages)}"
        entries = [ListEntry(d.title, p, f"{(d.list_date or d.published):%Y-%m-%d}") for d, p in chunk]
        html = shells.generic_list(
            self.chrome(), column.name, self.crumbs(column)[:-1], entries, page_no, len(pages), links
        )
        return self.html_reply(html, req=req, modified=self.column_modified("xz"))

    def _download(self, req: Request) -> Reply:
        fid = req.query.get("wbfileid", "")
        for doc in self.docs:
            if doc.removed:
                continue
            for att in doc.attachments:
                if att.path.endswith(f"wbfileid={fid}") and att.kind != "zip":
                    sample, kind, style = att.sample, att.kind, att.style
                    route = Route(
                        content_type="application/octet-stream",
                        producer=lambda: self.renderer.render(sample, kind, style),  # noqa: B023 (called within the iteration)
                        modified=doc.modified,
                        headers=[("Content-Disposition", f"attachment; filename*=UTF-8''{quote(att.filename)}")],
                    )
                    return self.finish(route, req)
        return Reply(404, [("Content-Type", "text/html; charset=utf-8")], "附件不存在".encode())

    def add_attachment_route(self, att: Attachment, doc: Doc) -> None:
        if att.path.startswith("/system/"):
            return  # served by download.jsp
        super().add_attachment_route(att, doc)

    def attachment_bytes(self, url_or_path: str) -> bytes:
        for doc in self.docs:
            for att in doc.attachments:
                if url_or_path.endswith(att.path) and att.kind != "zip":
                    return self.renderer.render(att.sample, att.kind, att.style)
        raise KeyError(url_or_path)


# ----------------------------------------------------------------------------- the spam mirror


class MirrorSite(Site):
    """A spam site copying report pages (traditional characters, gambling words, rewritten hosts)."""

    family = "mirror"

    def __init__(self, options: SiteOptions | None = None) -> None:
        self.copies: list[tuple[str, str, str]] = []  # (path, title, html)
        super().__init__(options or SiteOptions(robots=False))

    def _populate(self) -> None:
        self.columns["copies"] = Column("copies", "资讯", "/news/")

    def _add_preview_doc(self) -> None:
        self.preview = None

    def _pick_hazards(self) -> None:
        return None

    def place_new_report(self, doc: Doc) -> None:
        raise TypeError("the mirror has no columns to publish in")

    def add_copy(self, source: Site, doc_id: str | int) -> str:
        """Copy a report page of ``source`` (already bound) and return the mirror URL of the copy."""
        from opencc import OpenCC

        doc = source.find(doc_id)
        html = source.detail_html(doc, doc.path, source.columns[doc.column])
        html = html.replace(source.origin, self.origin or "http://mirror.invalid").replace(
            source.host, self.host or "mirror.invalid"
        )
        html = OpenCC("s2t").convert(html).replace("政府信息公開", "365體育官網")
        path = f"/news/{len(self.copies) + 1:04d}.html"
        self.copies.append((path, OpenCC("s2t").convert(doc.title), html))
        self._rerender()
        return self.url(path)

    def _render_routes(self) -> None:
        self.add_html("/index.html", shells.mirror_home("政務公開資訊網", [(t, p) for p, t, _ in self.copies]))
        for path, _title, html in self.copies:
            self.add_html(path, html)

    def _render_common(self) -> None:
        return None

    @property
    def expected_reports(self) -> list[ExpectedReport]:
        return []


# ----------------------------------------------------------------------------- builders

FAMILY_CLASSES: dict[str, type[Site]] = {
    "trs": TrsSite,
    "trs_dynamic": TrsDynamicSite,
    "hanweb": HanwebSite,
    "gkmlpt": GkmlptSite,
    "generic": GenericSite,
    "mirror": MirrorSite,
}
# the families these sites model (each one the crawler reads: crawler.platforms.FAMILIES), and the spam
# mirror; the families of the varied portals (portalgen.varied) are generated there
FAMILIES: tuple[str, ...] = tuple(f for f in PARSER_FAMILIES if f in FAMILY_CLASSES)
assert set(FAMILY_CLASSES) == {*FAMILIES, "mirror"}, sorted(FAMILY_CLASSES)


def build_site(family: str, **options) -> Site:
    """A site of ``family`` (one of :data:`FAMILIES` or ``mirror``) with :class:`SiteOptions`."""
    if family not in FAMILY_CLASSES:
        raise ValueError(f"unknown portal family {family!r}; choose one of {', '.join(FAMILY_CLASSES)}")
    known = {f.name for f in dataclasses.fields(SiteOptions)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"unknown site option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return FAMILY_CLASSES[family](SiteOptions(**options))


def build_demo_county(seed: int = 0, **options) -> tuple[Site, Site]:
    """The bundled demo county (城步苗族自治县): its TRS portal and its Hanweb 信息公开 platform,
    the stories of :mod:`portalgen.stories` planted in their reports (``trs.stories``)."""
    county = "城步苗族自治县"
    trs = TrsSite(SiteOptions(seed=seed, demo_part="trs", county=county, duplicates=True, soft404=True, **options))
    hanweb = HanwebSite(SiteOptions(seed=seed, demo_part="hanweb", county=county, **options))
    reports = [
        DemoReport(d.doc_id, d.carrier, d.sample)
        for site in (trs, hanweb)
        for d in site.docs
        if d.is_report and d.sample is not None and not d.removed
    ]
    trs.stories = plant_demo_stories(reports)
    return trs, hanweb


def copy_to_demo_mirror(county: Site, mirror: MirrorSite) -> None:
    """The demo county's spam mirror copies its latest county-level report (both sites bound)."""
    county_reports = [r for r in county.expected_reports if r.level == "county"]
    if county_reports:
        mirror.add_copy(county, county_reports[-1].doc_id)

"""What every varied portal has: units, reports and pages about them, the home and 政府信息公开 area
pages, detail pages, traps and the ground truth; the family builders add their lists and URLs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote, urlsplit

from portalgen.sites import Reply, Request
from portalgen.varied import markup as m
from portalgen.varied.content import Content, Doc, about_page
from portalgen.varied.model import COUNTIES, DEPARTMENTS, Host, Truth, Unit, VariedPortal, unit_of

TRAP_KINDS = ("calendar", "widget", "search", "print", "share", "session")
ABOUT_KINDS = ("infographic", "interpretation", "publishing", "arrangement", "notice", "training", "summary")
TRAP_MARKERS = ("rili.jsp", "/ldhd/", "search.jsp", "/jrobot/", "print.jsp", "share.jsp", "jsessionid", "printpage=1")


@dataclass
class Options:
    """Size and switches of a generated portal."""

    units: int = 5  # publishers besides the county government
    years: tuple[int, int] = (2019, 2024)  # years covered (both included)
    per_unit: int = 2  # reports per unit (years drawn from the range)
    pdf: bool = False  # some reports carry a PDF (rendered by LibreOffice, cached on disk)
    about: int = 3  # pages about reports in the columns
    traps: bool = True


class Builder:
    """One portal of a family; subclasses place documents and write their lists."""

    family = "base"
    roles: tuple[str, ...] = ("www",)
    url_dates = True  # detail URLs of the family carry the publication date
    list_dates = True  # its lists show dates

    def __init__(self, seed: int, options: Options | None = None) -> None:
        self.seed = seed
        self.options = options or Options()
        self.rng = random.Random(f"varied:{self.family}:{seed}")
        rng = self.rng
        self.county = rng.choice(COUNTIES)
        self.look = m.Look.draw(rng)
        self.content = Content(rng, self.county, pdf=self.options.pdf)
        self.hosts = {role: Host(role) for role in self.roles}
        self.portal = VariedPortal(self.family, seed, self.county, self.hosts)
        self.traps = {k for k in TRAP_KINDS if self.options.traps and rng.random() < 0.7}
        self.portal.trap_markers = TRAP_MARKERS
        self.portal.features |= {f"trap:{t}" for t in self.traps}
        self.units = self.make_units()
        self.docs: list[Doc] = []
        self.portal.features.add(f"encoding:{self.look.encoding}")

    # ------------------------------------------------------------------ planning

    def make_units(self) -> list[Unit]:
        rng = self.rng
        n = self.options.units
        depts = rng.sample(DEPARTMENTS, max(1, n // 2))
        towns = rng.sample(self.county.towns, max(1, n - len(depts)))
        units = [unit_of(self.county, "county", "", "xzf")]
        units += [unit_of(self.county, "department", d, f"bm{i + 1:02d}") for i, d in enumerate(depts)]
        units += [unit_of(self.county, "town", t, f"xz{i + 1:02d}") for i, t in enumerate(towns)]
        return units

    def year_modes(self) -> tuple[str, ...]:
        modes = ["period", "body"]
        if self.list_dates and self.look.date_style != "none":
            modes.append("list_date")
        if self.url_dates:
            modes.append("url_date")
        return tuple(modes)

    def plan_docs(self) -> None:
        """Reports of every unit (years from the range) and some pages about reports."""
        rng = self.rng
        first, last = self.options.years
        modes = self.year_modes()
        for unit in self.units:
            years = rng.sample(range(first, last + 1), min(self.options.per_unit, last - first + 1))
            for year in sorted(years):
                doc = self.content.report(unit, year)
                if doc.year_from not in modes and doc.year_from != "title":
                    doc = self.content.report(unit, year, yearless=False)
                self.docs.append(doc)
        for _ in range(self.options.about):
            unit = rng.choice(self.units)
            self.docs.append(self.content.about(unit, rng.randint(first, last), rng.choice(ABOUT_KINDS)))
        self.portal.features |= {f"year:{d.year_from}" for d in self.docs if d.is_report}
        self.portal.features |= {f"about:{d.kind}" for d in self.docs if not d.is_report}

    def reports_of(self, unit: Unit) -> list[Doc]:
        return [d for d in self.docs if d.unit is unit]

    # ------------------------------------------------------------------ building

    def build(self) -> VariedPortal:
        """Plan documents and URLs (before the hosts have origins)."""
        self.plan_docs()
        self.place()
        self.fill_summaries()
        return self.portal

    def fill_summaries(self) -> None:
        """汇总 / 目录 pages list the reports of their year (on the www host) by title."""
        for doc in self.docs:
            if doc.kind != "summary":
                continue
            year = doc.extra["year"]
            listed = [d for d in self.docs if d.is_report and d.host == "www" and d.year == year and d.path]
            rows = "".join(f'<li><a href="{m.esc(d.path)}">{m.esc(d.title)}</a></li>' for d in listed)
            doc.body = f"<p>现将{self.county.name}{year}年度各单位政府信息公开工作年度报告汇总如下：</p><ul>{rows}</ul>"

    def push_copies(self, candidates: list[Doc], path_of) -> list[tuple[Doc, str]]:
        """Reports pushed to a second column (the same report under another URL): ``(doc, copy path)``."""
        rng = self.rng
        picks = [d for d in candidates if d.is_report and d.carrier != "docx"]
        out = []
        for doc in rng.sample(picks, min(len(picks), rng.choice((0, 1, 2)))):
            path = path_of(doc)
            doc.extra.setdefault("alt_paths", []).append(path)
            out.append((doc, path))
        if out:
            self.portal.features.add("pushed_copies")
        return out

    def render(self) -> None:
        """Write every page (the hosts are bound to their origins now)."""
        self.write()
        self.write_traps()
        self.truth()

    def place(self) -> None:  # pragma: no cover - every family overrides
        raise TypeError(f"{type(self).__name__} must place its documents")

    def write(self) -> None:  # pragma: no cover - every family overrides
        raise TypeError(f"{type(self).__name__} must write its pages")

    # ------------------------------------------------------------------ shared pages

    @property
    def www(self) -> Host:
        return self.hosts["www"]

    def href(self, path: str, from_path: str = "/", host: Host | None = None) -> str:
        """A link to ``path`` written the look's way (site path, relative, or absolute URL)."""
        host = host or self.www
        if self.look.links == "absolute":
            return host.url(path)
        if self.look.links == "relative" and path.startswith("/") and "?" not in path:
            import posixpath

            start = posixpath.dirname(from_path) or "/"
            rel = posixpath.relpath(path, start)
            return rel + ("/" if path.endswith("/") and not rel.endswith("/") else "")
        return path

    def friends(self) -> list[tuple[str, str]]:
        out = [
            ("中国政府网", "https://www.gov.cn/"),
            (f"{self.county.province}人民政府", "https://www.example-province.gov.cn/"),
        ]
        mirror = self.hosts.get("mirror")
        if mirror is not None:
            out.append(("政务资讯网", mirror.url("/")))
        return out

    def shell(self, title: str, inner: str, nav: list[tuple[str, str]], *, meta: dict | None = None,
              head_extra: str = "", host: Host | None = None, site_name: str | None = None) -> str:  # fmt: skip
        """A page with the site's header, navigation and footer."""
        look = self.look
        name = site_name or self.county.government
        body = (
            m.header(look, name, nav) + f'<div class="main">{inner}</div>' + m.footer(look, self.county, self.friends())
        )
        metas = {**m.site_meta(look, self.county, name), **(meta or {})}
        return m.page(look, f"{title}_{name}", body, head_extra, metas)

    def add_page(self, host: Host, path: str, html: str) -> None:
        host.add(path, html, "text/html", self.look.encoding, header_charset=self.look.charset_in != "meta")

    def trap_links(self, where: str) -> list[tuple[str, str]]:
        """The trap entrances a page of kind ``where`` (home | area | detail) carries."""
        out = []
        today = date(2026, 3, 12)
        if "calendar" in self.traps and where in ("home", "area"):
            out.append(("领导活动", f"/ldhd/rili.jsp?date={today.isoformat()}"))
        if "search" in self.traps and where in ("home", "area"):
            out.append(("年度报告", f"/search.jsp?keyword={quote('年度报告')}&page=1"))
            out.append(("站内搜索", f"/jrobot/search.do?webid=1&q={quote('政府信息公开')}"))
        return out

    def calendar_widget(self) -> str:
        """A home-page calendar of 领导活动: numbered day links and month arrows (endless, like a pager)."""
        if "widget" not in self.traps:
            return ""
        days = "".join(f'<a href="/ldhd/202603{d:02d}.html">{d}</a> ' for d in range(1, 29))
        return (f'<div class="calendar-widget"><a href="/ldhd/20260201.html">&lt;&lt;</a> 2026年3月 '
                f'<a href="/ldhd/20260401.html">&gt;&gt;</a><div class="days">{days}</div></div>')  # fmt: skip

    def detail_tools(self, doc: Doc) -> list[tuple[str, str]]:
        out = []
        if "print" in self.traps and self.look.print_links:
            out.append(("打印本页", f"/print.jsp?id={doc.doc_id}"))
        if "share" in self.traps and self.look.share_links:
            out.append(("分享", f"/share.jsp?url={quote(doc.path)}&title={quote(doc.title)}"))
        out.append(("关闭窗口", "javascript:window.close()"))
        return out

    def session(self, href: str) -> str:
        """A JSP session id in a link (sites that put one in every link do so differently on each page)."""
        if "session" not in self.traps or href.startswith(("http", "javascript")):
            return href
        token = f"{self.rng.getrandbits(128):032X}"
        path, _, query = href.partition("?")
        return f"{path};jsessionid={token}" + (f"?{query}" if query else "")

    def detail_html(self, doc: Doc, crumbs: list[tuple[str, str]], nav: list[tuple[str, str]], host: Host | None = None,
                    column_name: str = "") -> str:  # fmt: skip
        """A document page: meta set (if the look has it), box, title, body, files, tools."""
        look = self.look
        host = host or self.www
        shown = doc.show_date and look.show_date
        iso = doc.published.strftime("%Y-%m-%d") if shown else ""
        box = m.meta_box(look, doc.title, doc.unit.name, iso, f"{self.county.code}-{doc.doc_id}")
        files = [(text, self.href(path, doc.path, host)) for path, text, _ in doc.files]
        tools = self.detail_tools(doc)
        if doc.wap_path:
            tools.insert(0, ("手机版", self.href(doc.wap_path, doc.path, host)))
        inner = m.breadcrumb(crumbs) + m.detail_body(look, doc.title, doc.body, box, files, tools)
        meta = {}
        if look.meta_set:
            meta = {"ArticleTitle": doc.title, "ColumnName": column_name or look.column_text}
            if shown:
                meta["PubDate"] = doc.published.strftime("%Y-%m-%d %H:%M")
            meta["ContentSource"] = doc.unit.name
        return self.shell(doc.title, inner, nav, meta=meta, host=host)

    def add_files(self, doc: Doc, host: Host, folder: str) -> None:
        """Declare and serve the files of a report (``folder``: where the family keeps them)."""
        if doc.carrier == "html":
            return
        kind = "pdf" if doc.carrier.endswith("pdf") else "docx"
        path = f"{folder}P0{doc.published:%Y%m%d}{doc.doc_id:06d}.{kind}"
        doc.files.append((path, f"{doc.title}.{kind}", kind))
        ctype = (
            "application/pdf"
            if kind == "pdf"
            else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        host.add(path, self.content.file_bytes(doc, kind), ctype)

    # ------------------------------------------------------------------ traps

    def write_traps(self) -> None:
        host = self.www
        if "calendar" in self.traps:
            host.add_handler("/ldhd/rili.jsp", self._calendar)
        if "widget" in self.traps:
            host.add_handler("/ldhd/", self._widget_day)
        if "search" in self.traps:
            host.add_handler("/search.jsp", self._search)
            host.add_handler("/jrobot/", self._search)
        if "print" in self.traps:
            host.add_handler("/print.jsp", self._print)
        if "share" in self.traps:
            host.add_handler("/share.jsp", lambda req: self._html(req, "分享", "<p>分享到：微信 微博</p>"))

    def _html(self, req: Request, title: str, inner: str) -> Reply:
        html = self.shell(title, inner, self.nav())
        body = html.encode(self.look.encoding, errors="xmlcharrefreplace")
        label = "utf-8" if self.look.encoding == "utf-8" else "GBK"
        return Reply(200, [("Content-Type", f"text/html; charset={label}")], body)

    def _calendar(self, req: Request) -> Reply:
        try:
            day = date.fromisoformat(req.query.get("date", "2026-03-12"))
        except ValueError:
            day = date(2026, 3, 12)
        first = day.replace(day=1)
        days = [first + timedelta(days=i) for i in range(28)]
        grid = "".join(f'<a href="/ldhd/rili.jsp?date={d.isoformat()}">{d.day}</a> ' for d in days)
        inner = (
            f"<h2>领导活动 {day.isoformat()}</h2><div class='calendar'>"
            f'<a href="/ldhd/rili.jsp?date={(day - timedelta(days=1)).isoformat()}">前一天</a> '
            f'<a href="/ldhd/rili.jsp?date={(day + timedelta(days=1)).isoformat()}">后一天</a> '
            f'<a href="/ldhd/rili.jsp?date={(first - timedelta(days=1)).replace(day=1).isoformat()}">上一月</a> '
            f'<a href="/ldhd/rili.jsp?date={(first + timedelta(days=32)).replace(day=1).isoformat()}">下一月</a>'
            f"<div class='page'>{grid}</div></div><p>{day.month}月{day.day}日，县领导调研政务公开工作。</p>"
        )
        return self._html(req, "领导活动", inner)

    def _widget_day(self, req: Request) -> Reply:
        stem = req.path.rsplit("/", 1)[-1].split(".")[0]
        try:
            day = date(int(stem[:4]), int(stem[4:6]), int(stem[6:8]))
        except ValueError:
            day = date(2026, 3, 12)
        first = day.replace(day=1)
        days = "".join(f'<a href="/ldhd/{(first + timedelta(days=i)):%Y%m%d}.html">{i + 1}</a> ' for i in range(28))
        prev, nxt = (first - timedelta(days=1)).replace(day=1), (first + timedelta(days=32)).replace(day=1)
        inner = (f'<div class="page"><a href="/ldhd/{prev:%Y%m%d}.html">上一月</a> {days} '
                 f'<a href="/ldhd/{nxt:%Y%m%d}.html">下一月</a></div><p>{day.month}月{day.day}日 县领导活动</p>')  # fmt: skip
        return self._html(req, "领导活动", inner)

    def _search(self, req: Request) -> Reply:
        try:
            page_no = max(1, int(req.query.get("page", "1")))
        except ValueError:
            page_no = 1
        reports = [d for d in self.docs if d.is_report and d.host == "www" and d.path]
        picks = [reports[(page_no * 3 + i) % len(reports)] for i in range(min(3, len(reports)))]
        entries = [m.Entry(d.title, d.path, d.published.strftime("%Y-%m-%d")) for d in picks]
        nxt = f"/search.jsp?keyword={quote(req.query.get('keyword', '年度报告'))}&page={page_no + 1}"
        inner = (
            f"<h2>搜索结果</h2>{m.entries_html(self.look, entries)}<div class='page'><a href=\"{nxt}\">下一页</a></div>"
        )
        return self._html(req, "搜索结果", inner)

    def _print(self, req: Request) -> Reply:
        doc = next((d for d in self.docs if str(d.doc_id) == req.query.get("id")), None)
        if doc is None:
            return self._html(req, "打印", "<p>内容不存在</p>")
        return self._html(req, doc.title, f"<h1>{m.esc(doc.title)}</h1>{doc.body}")

    def nav(self) -> list[tuple[str, str]]:
        return [("首页", "/")]

    # ------------------------------------------------------------------ ground truth

    def truth(self) -> None:
        portal = self.portal
        for doc in self.docs:
            host = self.hosts[doc.host]
            if not doc.path:
                continue
            url = host.url(doc.path)
            if not doc.is_report:
                portal.about.append(about_page(doc, url))
                continue
            alts = [host.url(p) for p in doc.extra.get("alt_paths", [])]
            if doc.carrier == "docx" and doc.extra.get("page_path"):
                alts.append(host.url(doc.extra["page_path"]))
            assert doc.sample is not None and doc.year is not None
            portal.truths.append(Truth(url, alts, doc.title, doc.year, doc.unit.name, doc.year_from, doc.carrier))


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")

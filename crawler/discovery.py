"""Finding the annual reports on a portal: disclosure areas, 年报 columns, sub-columns, pagers.

Pure functions over a :class:`Page` (URL + decoded HTML); the spiders turn their results
(:class:`Fetch`) into requests.  Vocabulary (docs/portals.md §1): the **area** is the 政府信息公开 /
政务公开 section; a **column** is an annual-report list (政府信息公开年报, 信息公开年报, 年度报告 …,
path tokens ``zfxxgknb``, ``xxgknb``, ``ndbg`` …), possibly split into **sub-columns** by
publisher, year or unit; a **detail** page holds one document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import parse_qsl, urljoin, urlsplit

from parsel import Selector

from archive.store.urls import canonical_url
from crawler import detection
from crawler.detection import REPORT, UNKNOWN, squash, title_verdict
from crawler.registry import url_host
from crawler.scripted import page_template, scripted_links
from crawler.traps import clean_url
from extract.meta import clean_title, organ_from_title

# ----------------------------------------------------------------------------- vocabulary

COLUMN_TEXT_RE = re.compile(
    r"政府信息公开(?:工作)?年(?:度)?报|信息公开(?:工作)?年(?:度)?报|政务(?:信息)?公开(?:工作)?年(?:度)?报|公开年报|"
    r"信息公开年度报告|工作年度报告|年度报告|年报"
)
COLUMN_PATH_TOKENS = (
    "zfxxgknb",
    "xxgknb",
    "gknb",
    "ndbg",
    "zfxxgkndbg",
    "zfxxgkgzndbg",
    "bmnb",
    "xxgkannualreport",
    "nbgk",
)
AREA_TEXT_RE = re.compile(r"(?:政府信息公开|政务公开|信息公开|公开目录)(?:专栏|目录|平台|专区|栏目)?$")
AREA_EXCLUDE_RE = re.compile(r"指南|制度|申请|规定|意见|须知|流程|依申请|保密|监督|表格|下载|年报|年度报告")
AREA_PATH_TOKENS = ("zfxxgk", "xxgk", "zwgk", "gkml", "zfxxgkzl", "xxgkml", "gongkai", "openness")
UNIT_TEXT_RE = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,24}(?:镇|乡|街道|办事处|局|委员会|委|办公室|办|中心|管委会|人民政府)$"
)
PAGER_NEXT = {"下一页", "下页", "后页", "下一頁", ">", "›", "»", ">>", "next", "下一页>", "下一页>>", "下一页»"}
PAGER_LAST = {"尾页", "末页", "最后一页", "last", ">|", "尾頁"}
PAGER_OTHER = {"首页", "上一页", "上页", "前页", "<", "‹", "«", "<<", "prev", "上一頁"}
PAGER_CLASS_RE = re.compile(r"page|pag|pb_|fenye|pager|pgbar|turn", re.I)
_STATED_PAGES_RES = [
    re.compile(r"共\s*(\d{1,5})\s*页"),
    re.compile(r"createPageHTML\(\s*(?:['\"][^'\"]*['\"]\s*,\s*)?(\d{1,5})\s*,"),
    re.compile(r"\b(?:countPage|totalPages?|pageCount|pageTotal|totalpage|PageCount)\s*[=:]\s*['\"]?(\d{1,5})"),
    re.compile(r"第\s*\d{1,5}\s*页\s*/\s*共\s*(\d{1,5})\s*页"),
]
_SLASH_PAGES_RE = re.compile(r"(?<![\d-])(\d{1,4})\s*/\s*(\d{1,4})(?![\d-])")
_BODY_SELECTORS = (
    ".TRS_Editor", ".TRS_UEDITOR", ".Custom_UnionStyle", "#zoom", "#zoomcon", ".article-content", ".v_news_content",
    "#vsb_content", ".xxgk_content", ".zw-content", "#detailContent", "#ivs_content", "#webeditorview", ".article_content",
    ".nb_content", ".content",
)  # fmt: skip


_ASIDE_XPATH = (
    "ancestor::*[contains(@class,'related') or contains(@class,'relate') or contains(@class,'xgwz') or contains(@class,'xgxx')"
    " or contains(@class,'recommend') or contains(@class,'sidebar') or contains(@class,'side_') or contains(@class,'footer')"
    " or contains(@class,'foot') or contains(@id,'related') or contains(@id,'footer') or self::nav]"
)


# ----------------------------------------------------------------------------- data


@dataclass
class Link:
    """An anchor on a page: absolute URL, its text and ``title`` attribute."""

    url: str
    text: str = ""
    title: str = ""
    in_pager: bool = False
    in_aside: bool = False  # inside a related-links box, side bar, footer or nav
    scripted: bool = False  # written by a script (a JavaScript tree, a unit selector), not an <a>

    @property
    def label(self) -> str:
        """The best title of the link: the ``title`` attribute when the text is cut short."""
        text, title = self.text.strip(), self.title.strip()
        if not text:
            return title
        if title and title != text:
            head = detection._TRUNCATED_RE.sub("", text)
            if head != text and title.startswith(head[: max(2, len(head) - 1)]):
                return title
            if len(title) > len(text) and title.startswith(text):
                return title
        return text


@dataclass
class Fetch:
    """A request a parser wants made.

    ``role``: ``area`` (disclosure section), ``column`` (an annual-report list, first page),
    ``page`` (a further page of the same list), ``api`` (a list answered as JSON/XML by the
    platform parser named in ``platform``), ``detail`` (a document page).
    """

    url: str
    role: str
    method: str = "GET"
    body: str | None = None  # urlencoded form for POST
    title: str = ""
    platform: str | None = None
    data: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        return (self.method, canonical_url(self.url), self.body or "")


@dataclass
class ListResult:
    """What a list page (or list API answer) holds."""

    platform: str
    items: list[Fetch] = field(default_factory=list)  # detail candidates
    pages: list[Fetch] = field(default_factory=list)  # further pages of the same list
    columns: list[Fetch] = field(default_factory=list)  # sub-columns and related lists
    stated_pages: int | None = None  # page count the list itself states
    unreadable: str | None = None  # a family recognised the page but could not read its data (why)
    unreadable_family: str | None = None


class Page:
    """A fetched HTML (or JSON/XML) page: URL, status, decoded text, parsed lazily."""

    def __init__(
        self,
        url: str,
        text: str,
        status: int = 200,
        headers: dict[str, str] | None = None,
        fragment: str = "",
        hosts: Iterable[str] = (),
    ) -> None:
        self.url = url
        self.text = text
        self.status = status
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.fragment = fragment
        self.hosts = {url_host(url), *hosts}  # the portal's own hosts

    @cached_property
    def selector(self) -> Selector:
        return Selector(text=self.text or "<html></html>", type="html")

    @cached_property
    def base_url(self) -> str:
        """The ``<base href>`` when it is on the portal's hosts, else the page's own URL: an
        archived page's base must not move its links off the portal."""
        base = self.selector.xpath("//base/@href").get()
        url = urljoin(self.url, base.strip()) if base else self.url
        return url if url_host(url) in self.hosts else self.url

    @cached_property
    def meta(self) -> dict[str, str]:
        """``<meta name=… content=…>`` tags (names as written and lower-cased)."""
        out: dict[str, str] = {}
        for node in self.selector.xpath("//meta[@name and @content]"):
            name = (node.attrib.get("name") or "").strip()
            value = (node.attrib.get("content") or "").strip()
            if name and name not in out:
                out[name] = value
                out.setdefault(name.lower(), value)
        return out

    @cached_property
    def links(self) -> list[Link]:
        """Every ``<a href>`` (and pdf.js ``iframe``) as absolute URLs without session ids, ``javascript:`` dropped,
        then the links scripts and selectors make (:mod:`crawler.scripted`)."""
        out: list[Link] = []
        for node in self.selector.xpath("//a[@href]|//iframe[@src]"):
            href = (node.attrib.get("href") or node.attrib.get("src") or "").strip()
            if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")) or "{{" in href:
                continue
            url = clean_url(urljoin(self.base_url, href))
            if urlsplit(url).scheme not in ("http", "https"):
                continue
            text = " ".join("".join(node.xpath(".//text()").getall()).split())
            in_pager = bool(
                node.xpath(
                    "ancestor::*[contains(@class,'page') or contains(@class,'pag') or contains(@class,'pb_')"
                    " or contains(@id,'page') or contains(@class,'fenye')]"
                )
            )
            in_aside = bool(node.xpath(_ASIDE_XPATH))
            out.append(Link(url, text, (node.attrib.get("title") or "").strip(), in_pager, in_aside))
        for found in scripted_links(self.text):
            url = clean_url(urljoin(self.base_url, found.href))
            if urlsplit(url).scheme in ("http", "https"):
                out.append(Link(url, " ".join(found.text.split()), scripted=True))
        return out

    @cached_property
    def visible_text(self) -> str:
        return detection.visible_text(self.text)

    def titles(self) -> list[str]:
        """Title candidates, strongest first: ArticleTitle meta, headline elements, 名称 field, ``<title>``."""
        sel = self.selector
        out = []
        for key in ("ArticleTitle", "articletitle", "title", "dc.title"):
            if self.meta.get(key):
                out.append(self.meta[key])
                break
        for xp in (
            "//h1",
            "//*[contains(@class,'article_title')]",
            "//*[contains(@class,'nb_title')]",
            "//*[contains(@class,'content_title')]",
            "//*[@class='title' or contains(@class,' title') or @id='title']",
            "//h2",
            "//td[contains(normalize-space(.),'名称') or contains(normalize-space(.),'标题')]/following-sibling::td[1]",
        ):
            for node in sel.xpath(xp)[:2]:
                text = " ".join("".join(node.xpath(".//text()").getall()).split())
                if 4 <= len(text) <= 120:
                    out.append(text)
        head = sel.xpath("//title/text()").get()
        if head and head.strip():
            out.append(head.strip())
        return out

    def body_images(self) -> int:
        """Images in the document body (the first body container; the whole page when none)."""
        for css in _BODY_SELECTORS:
            nodes = self.selector.css(css)
            if nodes:
                return len(nodes[0].xpath(".//img"))
        return len(self.selector.xpath("//body//img"))

    def body_text_length(self) -> int:
        for css in _BODY_SELECTORS:
            nodes = self.selector.css(css)
            if nodes:
                return len(squash(" ".join(nodes[0].xpath(".//text()").getall())))
        return 0


# ----------------------------------------------------------------------------- classification


def path_has_column_token(url: str) -> bool:
    parts = urlsplit(url)
    path = parts.path.lower()
    if any(tok in path for tok in COLUMN_PATH_TOKENS):
        return True
    return False


def is_column_link(link: Link) -> bool:
    """A link into an annual-report column (by its text or its URL tokens), not a document."""
    url = link.url
    if detection.looks_like_search_url(url) or detection.attachment_kind(url, link.text):
        return False
    if detection.looks_like_detail_url(url):
        return False
    label = squash(link.label)
    if label and (detection._YEAR_RE.search(label) and title_verdict(label, True) == REPORT):
        return False  # a report title (handled as a detail candidate, re-routed if it is a list)
    if detection.is_yearless_report_title(label):
        return False  # a report title without a year (likewise)
    if label and detection._NOTICE_RE.search(label):
        return False
    if label and COLUMN_TEXT_RE.search(label) and len(label) <= 30:
        return True
    return path_has_column_token(url) and not (
        label and title_verdict(label) == detection.NOT_REPORT and detection._YEAR_RE.search(label)
    )


def is_area_link(link: Link) -> bool:
    """A link into the 政府信息公开 / 政务公开 area (a path towards the 年报 columns)."""
    url = link.url
    if (
        detection.looks_like_search_url(url)
        or detection.attachment_kind(url, link.text)
        or detection.looks_like_detail_url(url)
    ):
        return False
    label = squash(link.label)
    if label:
        if len(label) > 14 or AREA_EXCLUDE_RE.search(label):
            return False
        if AREA_TEXT_RE.search(label):
            return True
        return False
    path = urlsplit(url).path.lower().strip("/")
    return path.split("/")[-1].split(".")[0] in AREA_PATH_TOKENS if path else False


def scope_of(url: str) -> str:
    """The path prefix a list's own pages and sub-columns live under.

    ``/a/zfxxgknb/index.html`` → ``/a/zfxxgknb/``; VSB ``/xxgk/zfxxgknb.htm`` → ``/xxgk/zfxxgknb/``.
    """
    path = urlsplit(url).path or "/"
    if path.endswith("/"):
        return path
    last = path.rsplit("/", 1)[-1]
    if re.match(r"^(index|default|list|main)(_\d+)?\.\w+$", last, re.I) or "." not in last:
        return path.rsplit("/", 1)[0] + "/" if "." in last else path + "/"
    return path.rsplit(".", 1)[0] + "/"


def is_descendant(url: str, scope: str, base_url: str) -> bool:
    parts, base = urlsplit(url), urlsplit(base_url)
    return parts.netloc.lower() == base.netloc.lower() and parts.path.startswith(scope) and parts.path != scope


def is_near(url: str, page_url: str) -> bool:
    """Whether ``url`` lies in the folder above the page's own (a unit page next to a unit directory:
    ``/site/430529/bm01/`` from ``/site/430529/bmxxgk/``; ``/public/column/6597`` from ``/public/column/6596``)."""
    parts, base = urlsplit(url), urlsplit(page_url)
    if parts.netloc.lower() != base.netloc.lower():
        return False
    folder = base.path.rsplit("/", 1)[0]  # the page's folder
    parent = folder.rsplit("/", 1)[0] + "/" if folder else "/"
    return parent != "/" and parts.path.startswith(parent) and parts.path != base.path


_HOME_PAGES = ("index.html", "index.htm", "index.shtml", "index.jsp", "default.html")


def start_role(url: str) -> str:
    """The role of a start URL: a column when its path or name says so, else a home page."""
    path = urlsplit(url).path
    if (path in ("", "/") or path.rsplit("/", 1)[-1].lower() in _HOME_PAGES) and path.count("/") <= 1:
        return "home"
    if is_column_link(Link(url)) or path_has_column_token(url):
        return "column"
    return "home"


def report_candidates(page: Page, in_column: bool) -> list[Fetch]:
    """Detail links worth fetching: report titles anywhere; in a column also truncated titles and
    document-shaped URLs named after a unit (a bare unit name as the link text)."""
    out: list[Fetch] = []
    for link in page.links:
        if detection.looks_like_search_url(link.url):
            continue
        label = link.label
        verdict = title_verdict(label, in_column)
        if detection.attachment_kind(link.url, link.text):
            if verdict == REPORT:  # a report published as a file only, linked straight from the list
                out.append(Fetch(link.url, "file", title=label, data={"in_column": in_column}))
            continue
        if verdict == REPORT or detection.is_yearless_report_title(label):
            out.append(Fetch(link.url, "detail", title=label, data={"in_column": in_column}))
        elif in_column and verdict == UNKNOWN and detection.looks_like_detail_url(link.url):
            out.append(Fetch(link.url, "detail", title=label, data={"in_column": True}))
        elif (
            in_column
            and detection.looks_like_detail_url(link.url)
            and urlsplit(link.url).netloc.lower() == urlsplit(page.url).netloc.lower()
            and not link.in_aside
            and not detection._NOTICE_RE.search(squash(label))
            and not (
                squash(label) and detection._REPORT_WORD_RE.search(squash(label)) and verdict == detection.NOT_REPORT
            )
            and UNIT_TEXT_RE.match(squash(label) or "x")
        ):
            out.append(Fetch(link.url, "detail", title=label, data={"in_column": True}))
    return out


def column_links(page: Page) -> list[Fetch]:
    return [Fetch(link.url, "column", title=link.label) for link in page.links if is_column_link(link)]


def area_links(page: Page, unit_pages: bool = False) -> list[Fetch]:
    """Area links; with ``unit_pages`` also unit pages (乡镇/部门 names) below the current area."""
    out = [Fetch(link.url, "area", title=link.label) for link in page.links if is_area_link(link)]
    if unit_pages:
        scope = scope_of(page.url)
        for link in page.links:
            label = squash(link.label)
            if (
                UNIT_TEXT_RE.match(label)
                and not link.in_aside
                and (link.scripted or is_descendant(link.url, scope, page.url) or is_near(link.url, page.url))
                and not detection.looks_like_detail_url(link.url)
                and not detection.attachment_kind(link.url, link.text)
            ):
                out.append(Fetch(link.url, "area", title=link.label))
    return out


YEAR_OR_PUBLISHER_RE = re.compile(
    r"^(?:(?:19|20)\d{2}(?:年|年度|年报|年度报告)?|县政府|市政府|区政府|县直(?:单位|部门)?|市直(?:单位|部门)?|区直(?:单位|部门)?|"
    r"(?:县|市|区)?(?:政府)?部门|乡镇(?:街道)?|镇街|街道|乡镇政府|各乡镇|本级|单位)$"
)


def sub_columns(page: Page, pager_urls: set[str]) -> list[Fetch]:
    """Lists below a column: links below its own path (publisher type, year, unit folders), and
    year or publisher-type links elsewhere on the same host (Hanweb ``/col/`` sub-columns)."""
    scope = scope_of(page.url)
    host = urlsplit(page.url).netloc.lower()
    out = []
    for link in page.links:
        if link.in_pager or link.url in pager_urls:
            continue
        # a list at the root of its site (``/list.php?cid=12``) has no folder of its own: nothing is below it
        if scope == "/" or not is_descendant(link.url, scope, page.url):
            label = squash(link.label)
            if not (YEAR_OR_PUBLISHER_RE.match(label) and urlsplit(link.url).netloc.lower() == host):
                continue
        if detection.looks_like_detail_url(link.url) or detection.attachment_kind(link.url, link.text):
            continue
        if detection.looks_like_search_url(link.url):
            continue
        if (
            is_descendant(link.url, scope, page.url)
            and urlsplit(link.url).query
            and not urlsplit(link.url).path.endswith("/")
        ):
            continue
        label = squash(link.label)
        if label and (title_verdict(label, True) == REPORT or detection._NOTICE_RE.search(label)):
            continue
        if re.fullmatch(r"\d{1,4}", label or ""):
            continue
        out.append(Fetch(link.url, "column", title=link.label))
    return out


def _pager_label(text: str) -> str:
    return squash(text).lower().strip("[]【】()（）")


def generic_pager(page: Page) -> tuple[list[Fetch], int | None]:
    """Further pages of a list from its pager: 下一页/尾页 links, numbered links, stated total."""
    pages: list[Fetch] = []
    current = canonical_url(page.url)
    for link in page.links:
        label = _pager_label(link.text or link.title)
        if not label:
            continue
        near = link.in_pager or _same_list(link.url, page.url)
        numbered = re.fullmatch(r"\d{1,4}", label) is not None and near
        if label in PAGER_NEXT or label in PAGER_LAST or (label in PAGER_OTHER and near) or numbered:
            if urlsplit(link.url).path in ("", "/") and not urlsplit(link.url).query:
                continue  # 首页 of the site, not of the list
            if canonical_url(link.url) == current or detection.looks_like_detail_url(link.url):
                continue
            if urlsplit(link.url).netloc.lower() != urlsplit(page.url).netloc.lower():
                continue
            pages.append(Fetch(link.url, "page", title=label))
    stated = stated_page_count(page)
    if stated and stated > 1 and not pages:
        template = page_template(page.text)  # javascript:goPage(n) pagers
        if template:
            for n in range(2, stated + 1):
                pages.append(Fetch(urljoin(page.base_url, template.format(n)), "page", title=str(n)))
    return pages, stated


def _same_list(url: str, current: str) -> bool:
    a, b = urlsplit(url), urlsplit(current)
    if a.path == b.path and a.query != b.query:
        return True
    return a.path.startswith(scope_of(current)) or scope_of(a.path) == scope_of(b.path)


def stated_page_count(page: Page) -> int | None:
    """The number of pages a list says it has (``共N页``, ``createPageHTML(N``, ``countPage = N``, ``1/N``)."""
    text = page.text
    for rx in _STATED_PAGES_RES:
        m = rx.search(text)
        if m:
            return int(m.group(1))
    sel = page.selector
    for node in sel.xpath(
        "//*[contains(@class,'page') or contains(@class,'pag') or contains(@class,'pb_') or contains(@id,'page')]"
    )[:6]:
        pager_text = " ".join(node.xpath(".//text()").getall())
        m = _SLASH_PAGES_RE.search(pager_text)
        if m and 1 <= int(m.group(1)) <= int(m.group(2)):
            return int(m.group(2))
    return None


def page_role(page: Page, hint: str) -> str:
    """``detail`` or ``list`` for a fetched HTML page (the request's ``hint`` decides ties).

    A detail page with a "related reports" box stays a detail page: a page asked for as a
    document turns into a list only when it also has a pager, or when its URL is not shaped
    like a document (a year folder linked as "2021年度报告").
    """
    if page.meta.get("ArticleTitle") or page.meta.get("articletitle"):
        return "detail"
    text = page.text
    if re.search(r"createPageHTML\(|list2\.trsapi|<datastore>|jpage\(|_CONFIG\s*=\s*\{[^<]*\"TREE\"", text):
        return "list"
    reports = sum(
        1
        for link in page.links
        if title_verdict(link.label, True) == REPORT or detection.is_yearless_report_title(link.label)
    )
    pager, _ = generic_pager(page)
    if hint == "detail":
        if reports >= 3 and (pager or not detection.looks_like_detail_url(page.url)):
            return "list"
        return "detail"
    if reports >= 3 or pager:
        return "list"
    if page.body_text_length() >= 500 and any(
        title_verdict(t, True) == REPORT or detection.is_yearless_report_title(clean_title(t) or t)
        for t in page.titles()[:3]
    ):
        return "detail"  # a column link that leads straight to its only report
    return "list"


def decide_report(page: Page, link_title: str, in_column: bool) -> tuple[str, str]:
    """``report`` / ``not_report`` / ``unknown`` for a detail page, and its title.

    The page's own title wins (ArticleTitle, headline, ``<title>``); the link text decides only
    when the page names no title at all.  ``unknown``: no title says either (e.g. "详细信息"
    under a link named after the unit, or a report title without a year) — the content decides
    (:mod:`crawler.content`).
    """
    titles = [t for t in page.titles() if t]
    strong = titles[:3]
    for t in titles:
        cleaned = clean_title(t) or t
        if title_verdict(cleaned, in_column) == REPORT:
            return REPORT, cleaned
    for t in strong + [link_title]:
        cleaned = clean_title(t) or t
        if detection.is_yearless_report_title(cleaned):
            return UNKNOWN, cleaned  # a report title without a year: the content decides
    for t in strong:
        cleaned = squash(clean_title(t) or t)
        if title_verdict(cleaned, in_column) == detection.NOT_REPORT and (
            detection._YEAR_RE.search(cleaned)
            or detection._NOTICE_RE.search(cleaned)
            or detection._REPORT_WORD_RE.search(cleaned)
        ):
            return detection.NOT_REPORT, clean_title(t) or t
    if title_verdict(link_title, in_column) == REPORT and not any(
        detection._REPORT_WORD_RE.search(squash(t)) for t in strong
    ):
        return REPORT, link_title
    title = (clean_title(titles[0]) if titles else link_title) or ""
    return UNKNOWN, title


def _same_report(label: str, title: str) -> bool:
    """Whether a file's link text names the same report as the page (or no report at all)."""
    name = squash(re.sub(r"\.(pdf|docx?|wps|xlsx?|et)$", "", label.strip(), flags=re.I))
    name = re.sub(r"^(附件|相关附件|附件下载|文件下载)\d*[:：]?", "", name)
    if title_verdict(name, True) != REPORT:
        return True
    page_title = squash(title)
    if not page_title or name in page_title or page_title in name:
        return True
    return detection.year_of(name) == detection.year_of(page_title) and organ_from_title(name) == organ_from_title(
        page_title
    )


def attachment_links(page: Page, title: str = "") -> list[Link]:
    """Report files linked from a detail page (PDF/DOC/DOCX/WPS/XLS/XLSX, pdf.js viewer targets).

    Files in "related" boxes, side bars and footers, and files named as another report, belong
    to other documents and are left out.
    """
    out: list[Link] = []
    seen: set[str] = set()
    for link in page.links:
        url = detection.viewer_target(link.url) or link.url
        kind = detection.attachment_kind(url, link.text or link.title)
        if kind is None or link.in_aside or not _same_report(link.text or link.title, title):
            continue
        key = canonical_url(url)
        if key in seen:
            continue
        seen.add(key)
        out.append(Link(url, link.text or link.title, link.title))
    return out


def query_param(url: str, name: str) -> str | None:
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key.lower() == name.lower():
            return value
    return None

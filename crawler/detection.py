"""What a link or a page is: report or not, list or detail, attachment, block page (URL identity,
``canonical_url``, is :mod:`archive.store.urls`).

Pure functions over strings (no Scrapy), shared by the spiders, the middlewares and the tests.
Report titles follow docs/portals.md §6: a title names a year and 年度报告/年报/工作报告 and is not a
通知/函/方案/制度/解读/意见 about the reports; a 政府工作报告 or 法治政府建设年度报告 is another kind of
document, unless it sits in an annual-report column and says nothing else.
"""

from __future__ import annotations

import html as htmllib
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from archive.store.urls import canonical_url
from extract.interpret import looks_like_report_title
from extract.meta import year_from_title
from extract.sniff import NOT_REPORT_EXTENSIONS, REPORT_FILE_EXTENSIONS, extension_of

# ----------------------------------------------------------------------------- titles

REPORT = "report"
NOT_REPORT = "not_report"
UNKNOWN = "unknown"

_YEAR = r"(?:(?:19|20)\d{2}|[〇零一二三四五六七八九○]{4})"
_YEAR_RE = re.compile(_YEAR)
_REPORT_WORD_RE = re.compile(r"年度报告|年报|工作报告|年度工作报告")
_DISCLOSURE_RE = re.compile(r"公开")
# documents with 报告/年报 in the title that are not information-disclosure annual reports
_OTHER_REPORT_RE = re.compile(
    r"政府工作报告|法治政府|依法行政|人大|政协|常委会|统计公报|预算|决算|审计|财务|上市|社会责任|环境状况|"
    r"国民经济|工作总结|述职|履职|营商环境|统计年报|年鉴|民生实事|双随机"
)
_NOTICE_RE = re.compile(
    r"关于(印发|做好|开展|报送|转发|组织|进一步|加强|规范)|通知|的函|函$|方案|制度|解读|意见|格式|模板|模版|指南|说明会|培训|部署|推进会|座谈会"
)
_TRUNCATED_RE = re.compile(r"(\.{2,}|…+|。。+)$")


def squash(text: str | None) -> str:
    """Whitespace-free NFKC text (full-width punctuation folded)."""
    if not text:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def title_verdict(title: str | None, in_column: bool = False) -> str:
    """``report`` / ``not_report`` / ``unknown`` for a link text or page title.

    ``in_column`` says the title stands in an annual-report column (a bare "2021年度报告" there is
    a report; elsewhere it could be any kind of yearly report).
    """
    t = squash(title)
    if not t:
        return UNKNOWN
    if _TRUNCATED_RE.search(t):
        head = _TRUNCATED_RE.sub("", t)
        if _NOTICE_RE.search(head) and not _REPORT_WORD_RE.search(head):
            return NOT_REPORT
        if _YEAR_RE.search(head) or "公开" in head or "年度" in head:
            return UNKNOWN
        return NOT_REPORT
    if not looks_like_report_title(t, require_disclosure=False):
        return NOT_REPORT
    if _OTHER_REPORT_RE.search(t) and not re.search(r"(信息|政务)公开", t):
        return NOT_REPORT
    if not _DISCLOSURE_RE.search(t) and not in_column:
        return NOT_REPORT
    return REPORT


_YEARLESS_TAIL_RE = re.compile(
    r"(?:的)?(?:政府)?(?:信息公开|政务公开)(?:工作)?(?:年度报告|年报|年度工作报告|工作年度报告)$"
)
_ORGAN_END_RE = re.compile(
    r"(?:人民政府|政府|办事处|街道|镇|乡|局|委员会|委|办公室|办公厅|办|中心|管委会|县|区|市|旗|所|站|队|院|馆|处|厅)$"
)
_GROUP_PREFIX_RE = re.compile(
    r"^(?:县|市|区|旗|乡镇|镇街|街道|部门|县直部门|市直部门|区直部门|县政府|市政府|区政府|本级|各乡镇|乡镇街道|县直|市直|区直)$"
)


def is_yearless_report_title(title: str | None) -> bool:
    """A report title without a year: an organ's name and 政府信息公开工作年度报告 (or a variant),
    not a column name ("乡镇政府信息公开年报") and not a notice.  The year has to come from the
    document (统计期限 …), its list entry or its URL."""
    t = squash(title)
    if not t or _YEAR_RE.search(t) or _TRUNCATED_RE.search(t) or _NOTICE_RE.search(t):
        return False
    m = _YEARLESS_TAIL_RE.search(t)
    if not m:
        return False
    prefix = t[: m.start()]
    return len(prefix) >= 2 and bool(_ORGAN_END_RE.search(prefix)) and not _GROUP_PREFIX_RE.match(prefix)


def is_report_title(title: str | None, in_column: bool = False) -> bool:
    return title_verdict(title, in_column) == REPORT


def year_of(title: str | None) -> int | None:
    """The year a report title names (the year covered, not the publication year)."""
    return year_from_title(title)


# ----------------------------------------------------------------------------- URLs

ATTACHMENT_EXTS = REPORT_FILE_EXTENSIONS
_SKIP_EXTS = NOT_REPORT_EXTENSIONS
_DOWNLOAD_PATH_RE = re.compile(
    r"downfile\.jsp|download\.jsp|downloadfile|filedownload|/download/|getfile|attachment|/uploadfile|/upload/|/files?/",
    re.I,
)
_DETAIL_URL_RES = [
    re.compile(p, re.I)
    for p in (
        r"/t\d{8}_\d+(?:_wap)?\.s?html?$",  # TRS WCM
        r"/tnull_\d+\.s?html?$",
        r"/art/\d{4}/(?:\d{1,2}/\d{1,2}/)?art_[0-9a-z]+_?\d*\.html$",  # Hanweb
        r"/post_\d+\.html$",  # gkmlpt
        r"/info/\d+/\d+\.htm$",  # VSB
        r"/\d{6}/[0-9a-f]{32}\.s?html?$",  # 集约化 /c{colid}/{yyyymm}/{32hex}.shtml
        r"/c01_\d+\.shtml$",
        r"/content_\d+\.s?html?$",
        r"/\d{19}\.html$",  # 延安 snowflake
        r"/[0-9a-f]{24}\.html$",  # 西安 ObjectId
        r"/doc_[0-9a-f]{24}\.html$",
        r"/Content-\d+\.html$",
        r"/xxgk-show-\d+\.html$",
        r"/cms/html/[^/]+/\d{4}-\d{2}-\d{2}/\d+\.html$",
        r"/gongkai/show/\d{14,20}\.html$",
        r"/public/\d+/\d+\.html$",  # LonSun
        r"/(?:XxgkAnnualReport|OpennessContent)/show/\d+\.html$",
        r"/ct/\d+\.s?html?$",
        r"/\d{5,}\.s?html?$",
        r"year_details\.aspx$",
    )
]
_SEARCH_URL_RE = re.compile(r"search|jrobot|solr|/so/|/so\.|query|sousuo|jsearch", re.I)
_SEARCH_PARAMS = {"q", "query", "keyword", "keywords", "searchword", "kw", "wd", "key", "searchkey"}


def url_ext(url: str) -> str | None:
    """The file extension of a URL's path, or of a ``filename=``-style parameter."""
    return extension_of(url)


def looks_like_detail_url(url: str) -> bool:
    """URL shapes of detail pages of the CMS families in docs/portals.md §2."""
    parts = urlsplit(url)
    path = parts.path
    if re.search(r"xxgkannualreport\.jsp$", path, re.I):
        return "fbtime=" in parts.query.lower()
    return any(rx.search(path) for rx in _DETAIL_URL_RES)


_URL_DATE_RES = (
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"),  # TRS t20240115_123
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),  # Hanweb /art/2024/1/15/
    re.compile(r"/((?:19|20)\d{2})-(\d{2})-(\d{2})/"),  # /cms/html/site/2024-01-15/
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})/"),  # /20240115/
    re.compile(r"/((?:19|20)\d{2})(\d{2})/"),  # /202401/ (the day unknown)
)


def url_date(url: str) -> str | None:
    """The publication date a detail URL carries (``YYYY-MM-DD``; day 01 when only the month is known)."""
    path = urlsplit(url).path
    for rx in _URL_DATE_RES:
        m = rx.search(path)
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            d = int(m.group(3)) if m.lastindex and m.lastindex >= 3 else 1
            if 1 <= mo <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def looks_like_search_url(url: str) -> bool:
    """Site search and similar endless generators (never a column)."""
    parts = urlsplit(url)
    if _SEARCH_URL_RE.search(parts.path):
        return True
    return any(k.lower() in _SEARCH_PARAMS for k, _ in parse_qsl(parts.query, keep_blank_values=True))


def attachment_kind(url: str, text: str = "") -> str | None:
    """The report-file kind a link points to (pdf, doc, docx, wps, xls, xlsx, et) or None.

    Looks at the URL's extension, a ``filename=`` parameter and, for download endpoints, the link
    text ("…年度报告.pdf").
    """
    ext = url_ext(url)
    if ext in ATTACHMENT_EXTS:
        return ext
    if ext in _SKIP_EXTS:
        return None
    query = unquote(urlsplit(url).query)
    m = re.search(r"\.(pdf|docx?|wps|xlsx?|et)(?:$|[&#\s])", query, re.I)
    if m:
        return m.group(1).lower()
    if _DOWNLOAD_PATH_RE.search(urlsplit(url).path) or "download" in query.lower():
        m = re.search(r"\.(pdf|docx?|wps|xlsx?|et)\s*[)）】\]]?\s*$", squash(text), re.I)
        if m:
            return m.group(1).lower()
    return None


def viewer_target(url: str) -> str | None:
    """The file a pdf.js viewer link shows (``/generic2/web/viewer.html?file=…``)."""
    parts = urlsplit(url)
    if not re.search(r"viewer\.html?$", parts.path, re.I):
        return None
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() == "file" and value:
            return urljoin(url, value)
    return None


# ----------------------------------------------------------------------------- pages

BLOCK = "block"
SOFT404 = "soft404"
REDIRECT = "redirect"
OK = "ok"


@dataclass
class Verdict:
    """What a response is: ``ok``, ``block`` (WAF/challenge/refusal), ``soft404``, or
    ``redirect`` (a meta-refresh stub pointing elsewhere; ``target`` says where)."""

    kind: str
    reason: str = ""
    target: str | None = None

    @property
    def ok(self) -> bool:
        return self.kind == OK


_BLOCK_STATUSES = {521: "HTTP 521 (JavaScript cookie challenge)", 403: "HTTP 403 Forbidden", 412: "HTTP 412 (WAF challenge)",
                   418: "HTTP 418 (bot refusal)", 405: None}  # fmt: skip
_CHALLENGE_RE = re.compile(
    r"document\.cookie\s*=|__jsl_clearance|_waf_|waf_|acw_sc__|jsl_|var\s+_0x[0-9a-f]+|location\.(?:href|replace)\s*\(?",
    re.I,
)
_BLOCK_TEXT_RE = re.compile(
    r"访问受限|访问被拒绝|拦截|安全防护|防火墙|禁止访问|访问频率过高|非法请求|请求被阻断|验证码|人机验证|Access Denied|Request blocked",
    re.I,
)
_SOFT404_TEXT_RE = re.compile(
    r"该信息已删除|信息已删除|已被删除|页面不存在|信息不存在|文章不存在|内容不存在|找不到|已过期|已下线|已撤销|404 Not Found|"
    r"页面未找到|无法找到|您访问的页面",
    re.I,
)
_REFRESH_RE = re.compile(
    r"""<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']?\s*\d+\s*;\s*url\s*=\s*([^"'>]+)""", re.I
)
_TAG_RE = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.I | re.S)


def visible_text(html: str) -> str:
    """The page text without tags, scripts and styles (whitespace squashed)."""
    return re.sub(r"\s+", " ", htmllib.unescape(_TAG_RE.sub(" ", html))).strip()


def refresh_target(html: str, base_url: str) -> str | None:
    """The target of a ``<meta http-equiv="refresh">`` redirect, absolute."""
    m = _REFRESH_RE.search(html[:4096])
    return urljoin(base_url, m.group(1).strip()) if m else None


def is_ancestor(target: str, url: str) -> bool:
    """Whether ``target`` is a folder above ``url`` on the same host (or its home page)."""
    t, u = urlsplit(target), urlsplit(url)
    if t.netloc.lower() != u.netloc.lower() or t.query:
        return False
    folder = t.path if t.path.endswith("/") else t.path.rsplit("/", 1)[0] + "/"
    if re.search(r"/(index|default)\.\w+$", t.path, re.I):
        folder = t.path.rsplit("/", 1)[0] + "/"
    if not u.path.startswith(folder) or u.path == t.path or u.path.rstrip("/") == folder.rstrip("/"):
        return False
    return not re.fullmatch(re.escape(folder) + r"(index|default)\.\w+", u.path, re.I)


def classify_page(status: int, html: str, url: str = "", content_type: str = "") -> Verdict:
    """Block pages (WAF challenge, 403, 200 "访问受限") and soft 404s among HTML answers.

    Only HTML bodies are inspected; a report's own text never triggers this (short pages only).
    """
    reason = _BLOCK_STATUSES.get(status)
    if reason:
        return Verdict(BLOCK, reason)
    if status != 200:
        return Verdict(OK)
    ctype = content_type.lower()
    if ctype and "html" not in ctype and "text/plain" not in ctype:
        return Verdict(OK)
    head = html[:20000]
    text = visible_text(head)
    if len(text) < 300 and re.search(r"<script", head, re.I) and _CHALLENGE_RE.search(head) and len(text) < 60:
        return Verdict(BLOCK, "JavaScript challenge page (HTTP 200)")
    if len(text) < 1500 and (block := _BLOCK_TEXT_RE.search(text)):
        return Verdict(BLOCK, f"block page: {block.group(0)}")
    target = refresh_target(head, url)
    if target and len(text) < 200 and canonical_url(target) != canonical_url(url):
        if is_ancestor(target, url):
            return Verdict(SOFT404, f"meta refresh to the parent column {target}")
        return Verdict(REDIRECT, f"meta refresh to {target}", target)
    if len(text) < 2500 and (gone := _SOFT404_TEXT_RE.search(text)) and not _REPORT_WORD_RE.search(text[:400]):
        return Verdict(SOFT404, f"soft 404: {gone.group(0)}")
    return Verdict(OK)

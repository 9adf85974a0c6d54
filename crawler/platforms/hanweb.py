"""Hanweb 大汉 JCMS: ``/col/col{id}/index.html`` columns whose first records are embedded as
``<datastore>`` XML (CDATA) and whose further records come from **POST** ``dataproxy.jsp``
with the page's jpage form; ``/art/…`` detail pages; the ``xxgkAnnualReport.jsp?area=&fbtime=``
module (one page per unit and year), docs/portals.md §2.3–2.4.
"""

from __future__ import annotations

import datetime as _dt
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from crawler.detection import REPORT, title_verdict
from crawler.discovery import Fetch, Link, ListResult, Page, query_param
from crawler.jsdata import InlineDataError, call_argument
from crawler.platforms.base import PlatformParser

_RECORD_RE = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_NEXTGROUP_RE = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>", re.S | re.I)
_HREF_RE = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)
_ANCHOR_RE = re.compile(r"""<a\b([^>]*)>(.*?)</a>""", re.S | re.I)
_TITLE_ATTR_RE = re.compile(r"""title\s*=\s*["']([^"']*)["']""", re.I)
_TAG_RE = re.compile(r"<[^>]+>")
_NUM_RE = {k: re.compile(rf"\b{k}\s*[:=]\s*['\"]?(\d+)", re.I) for k in ("totalRecord", "perPage", "groupSize")}
_PROXY_RE = re.compile(r"proxyUrl\s*[:=]\s*['\"]([^'\"]+)['\"]")
_AJAX_RE = re.compile(r"ajaxParam\s*:\s*\{([^}]*)\}", re.S)
_PAIR_RE = re.compile(r"""(\w+)\s*:\s*(?:'([^']*)'|"([^"]*)"|([^,}\s]+))""")
_TOTAL_RE = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_MODULE_RE = re.compile(r"xxgkannualreport\.jsp$", re.I)
_COL_RE = re.compile(r"/col/col(\d+)/")
_UNIT_RE = re.compile(r"""<div[^>]+id=["'](\d{4,})["'][^>]*>\s*<script[^>]+type=["']text/xml""", re.I)
DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
FORM_ORDER = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")
FIRST_MODULE_YEAR = 2008


def record_links(xml: str, base_url: str) -> list[Link]:
    """The links inside the ``<record><![CDATA[…]]></record>`` entries of a datastore."""
    out = []
    for record in _RECORD_RE.findall(xml):
        for attrs, inner in _ANCHOR_RE.findall(record):
            href = _HREF_RE.search(attrs)
            if not href:
                continue
            title = _TITLE_ATTR_RE.search(attrs)
            text = " ".join(_TAG_RE.sub(" ", inner).split())
            out.append(
                Link(urljoin(base_url, href.group(1).replace("&amp;", "&")), text, title.group(1) if title else "")
            )
    return out


def _jpage_literal(text: str) -> dict:
    """The object literal passed to ``jpage({…})`` (JavaScript syntax); {} when absent or unreadable
    (the regular expressions below then read what they can)."""
    try:
        value = call_argument(text, "jpage")
    except InlineDataError:
        return {}
    return value if isinstance(value, dict) else {}


def _int(value: object) -> int | None:
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() else None


def jpage_config(page: Page) -> dict | None:
    """totalRecord, perPage, groupSize, the proxy URL and the POST form of a jpage column."""
    text = page.text
    if "<datastore" not in text.lower() and "jpage" not in text:
        return None
    literal = _jpage_literal(text)
    cfg: dict = {
        k: _int(literal.get(k)) or (int(m.group(1)) if (m := rx.search(text)) else None) for k, rx in _NUM_RE.items()
    }
    form: dict[str, str] = {}
    ajax = literal.get("ajaxParam")
    if isinstance(ajax, dict):
        form.update({str(k): str(v) for k, v in ajax.items() if isinstance(v, (str, int, float))})
    elif m := _AJAX_RE.search(text):
        for key, q1, q2, bare in _PAIR_RE.findall(m.group(1)):
            form[key] = q1 or q2 or bare
    nxt = _NEXTGROUP_RE.search(text)
    proxy = None
    if nxt:
        href = _HREF_RE.search(nxt.group(1))
        if href:
            target = href.group(1).replace("&amp;", "&")
            proxy = urlsplit(target).path
            for key, value in parse_qsl(urlsplit(target).query, keep_blank_values=True):
                if key in FORM_ORDER and key not in form:
                    form[key] = value
    m = _PROXY_RE.search(text)
    if isinstance(literal.get("proxyUrl"), str) and literal["proxyUrl"].startswith("/"):
        proxy = literal["proxyUrl"]
    elif m:
        proxy = m.group(1)
    if "columnid" not in form and (m := _COL_RE.search(urlsplit(page.url).path)):
        form["columnid"] = m.group(1)
    if "unitid" not in form and (m := _UNIT_RE.search(text)):
        form["unitid"] = m.group(1)
    if not proxy and "jpage" in text:
        proxy = DEFAULT_PROXY  # the usual path; a wrong one answers 404 and is recorded
    if not proxy or "columnid" not in form:
        return None
    defaults = {"col": "1", "appid": "1", "path": "/", "sourceContentType": "1", "permissiontype": "0"}
    for key, value in defaults.items():
        form.setdefault(key, value)
    cfg["form"] = {k: form[k] for k in FORM_ORDER if k in form} | {k: v for k, v in form.items() if k not in FORM_ORDER}
    cfg["proxy"] = urljoin(page.url, proxy)
    return cfg


def proxy_fetches(cfg: dict, start: int, total: int) -> list[Fetch]:
    """POSTs for records ``start``..``total`` in the page's own group size."""
    per = cfg.get("perPage") or 15
    step = per * (cfg.get("groupSize") or 3)
    out = []
    while start <= total:
        end = min(total, start + step - 1)
        url = f"{cfg['proxy']}?startrecord={start}&endrecord={end}&perpage={per}"
        out.append(
            Fetch(
                url,
                "api",
                method="POST",
                body=urlencode(cfg["form"]),
                platform="hanweb",
                data={"cfg": cfg, "start": start},
            )
        )
        start = end + 1
    return out


class HanwebParser(PlatformParser):
    name = "hanweb"

    def detect(self, page: Page) -> bool:
        return "<datastore" in page.text.lower() or bool(_MODULE_RE.search(urlsplit(page.url).path))

    def list_page(self, page: Page, data: dict) -> ListResult | None:
        if _MODULE_RE.search(urlsplit(page.url).path):
            return self.module_page(page)
        cfg = jpage_config(page)
        links = record_links(page.text, page.url)
        items = [Fetch(link.url, "detail", title=link.label, data={"in_column": True}) for link in links]
        if cfg is None:
            return ListResult(self.name, items=items)
        total = cfg.get("totalRecord")
        per = cfg.get("perPage") or 15
        embedded = len(_RECORD_RE.findall(page.text))
        pages = (
            proxy_fetches(cfg, embedded + 1, total)
            if total is not None  # 0: an empty column, nothing to ask
            else proxy_fetches(cfg, embedded + 1, embedded + per * (cfg.get("groupSize") or 3))
        )
        # stated in requests, as walked: this page plus one POST per group of records
        stated = 1 + len(pages) if total else None
        return ListResult(self.name, items=items, pages=pages, stated_pages=stated)

    def answer(self, page: Page, data: dict) -> ListResult:
        links = record_links(page.text, page.url)
        items = [Fetch(link.url, "detail", title=link.label, data={"in_column": True}) for link in links]
        result = ListResult(self.name, items=items)
        m = _TOTAL_RE.search(page.text)
        cfg = data.get("cfg") or {}
        if m and cfg and not cfg.get("totalRecord"):
            # the column page stated no total: the first answer does (requests: column + this + the rest)
            total = int(m.group(1))
            cfg = {**cfg, "totalRecord": total}
            start = int(data.get("start", 1)) + len(links)
            if links:
                result.pages = proxy_fetches(cfg, start, total)
            result.stated_pages = 2 + len(result.pages)
        return result

    def module_page(self, page: Page) -> ListResult:
        """A unit's page of the annual-report module: its year links (or every plausible year)."""
        items = self.module_links(page)
        if (
            not any(f.role == "detail" for f in items)
            and query_param(page.url, "area")
            and not query_param(page.url, "fbtime")
        ):
            base = page.url
            for year in range(_dt.date.today().year, FIRST_MODULE_YEAR - 1, -1):
                items.append(Fetch(f"{base}&fbtime={year}", "detail", title=f"{year}年", data={"in_column": True}))
        return ListResult(
            self.name, items=[f for f in items if f.role == "detail"], columns=[f for f in items if f.role == "column"]
        )

    def module_links(self, page: Page) -> list[Fetch]:
        out = []
        for link in page.links:
            if not _MODULE_RE.search(urlsplit(link.url).path):
                continue
            if query_param(link.url, "fbtime"):
                out.append(Fetch(link.url, "detail", title=link.label, data={"in_column": True}))
            elif query_param(link.url, "area"):
                out.append(Fetch(link.url, "column", title=link.label))
        return out

    def extra_links(self, page: Page) -> list[Fetch]:
        out = self.module_links(page)
        if "<datastore" in page.text.lower() and "<record" in page.text.lower():
            for link in record_links(page.text, page.url):
                if title_verdict(link.label, True) == REPORT:
                    out.append(Fetch(link.url, "detail", title=link.label, data={"in_column": True}))
        return out

"""Guangdong 政务公开目录平台 (gkmlpt): an SPA whose lists come from
``GET …/gkmlpt/api/all/{catid}?page={n}&sid={sid}`` (JSON ``articles[]``,
``classify.post_count``); the 年报 categories are found in ``window._CONFIG.TREE`` (or the
``#catid`` fragment of the link), docs/portals.md §2.5.  ``_CONFIG`` is a JavaScript literal
(unquoted keys, single quotes, trailing commas, expressions), read with :mod:`crawler.jsdata`; a
gkmlpt page whose configuration cannot be read is :class:`~crawler.platforms.base.UnreadablePage`.
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import urljoin, urlsplit

from crawler.detection import squash
from crawler.discovery import COLUMN_TEXT_RE, Fetch, ListResult, Page
from crawler.jsdata import InlineDataError, assigned_literal
from crawler.platforms.base import PlatformParser, UnreadablePage

_CONFIG_RE = re.compile(r"_CONFIG\s*=\s*\{")
_SID_RE = re.compile(r"\bSID\s*[:=]\s*['\"]?(\d+)")
_NAME_KEYS = ("name", "text", "title", "label")
_CHILD_KEYS = ("children", "child", "nodes", "sub")


def gkmlpt_config(page: Page) -> dict | None:
    """``window._CONFIG`` of a gkmlpt page (SID, APP_URL, TREE …); None when the page has none.

    Raises :class:`~crawler.jsdata.InlineDataError` when the page has one that cannot be read.
    """
    if not _CONFIG_RE.search(page.text):
        return None
    value = assigned_literal(page.text, "_CONFIG")
    if not isinstance(value, dict):
        raise InlineDataError("window._CONFIG is not an object")
    return value


def report_categories(tree: list, out: list[int] | None = None) -> list[int]:
    """Category ids of the TREE whose names are 年报 columns."""
    out = [] if out is None else out
    for node in tree or []:
        if not isinstance(node, dict):
            continue
        name = squash(str(next((node[k] for k in _NAME_KEYS if node.get(k)), "")))
        ident = node.get("id", node.get("catid"))
        if COLUMN_TEXT_RE.search(name) and ident is not None and str(ident).isdigit():
            out.append(int(ident))
        for key in _CHILD_KEYS:
            if isinstance(node.get(key), list):
                report_categories(node[key], out)
    return out


def api_base(page: Page, cfg: dict) -> str:
    app = str(cfg.get("APP_URL") or "")
    if not re.match(r"(?:https?://|/)[^\s'\"+]*$", app):  # absent, or an expression only a browser can evaluate
        app = ""
    if not app:
        path = urlsplit(page.url).path
        app = path.split("/gkmlpt/")[0] if "/gkmlpt/" in path else ""
    app = urljoin(page.url, app.rstrip("/") or "/")
    if "/gkmlpt" not in urlsplit(app).path:
        app = app.rstrip("/") + "/gkmlpt"
    return app.rstrip("/")


def api_fetch(base: str, catid: int, sid: str, page_no: int) -> Fetch:
    url = f"{base}/api/all/{catid}?page={page_no}&sid={sid}"
    return Fetch(
        url,
        "api",
        platform="gkmlpt",
        data={"base": base, "catid": catid, "sid": sid, "page": page_no},
        headers={"Accept": "application/json, text/plain, */*"},
    )


class GkmlptParser(PlatformParser):
    name = "gkmlpt"

    def detect(self, page: Page) -> bool:
        return (
            bool(_CONFIG_RE.search(page.text))
            and ("TREE" in page.text or "SID" in page.text)
            and "DETAIL" not in page.text
        )

    def list_page(self, page: Page, data: dict) -> ListResult | None:
        try:
            cfg = gkmlpt_config(page)
        except InlineDataError as exc:
            raise UnreadablePage(self.name, f"window._CONFIG: {exc}") from None
        if cfg is None:
            return None
        sid = cfg.get("SID") or cfg.get("sid")
        if not sid and (m := _SID_RE.search(page.text)):
            sid = m.group(1)
        if not sid:
            raise UnreadablePage(self.name, "window._CONFIG names no SID (site id of the list API)")
        tree = cfg.get("TREE") or cfg.get("tree") or []
        cats = report_categories(tree if isinstance(tree, list) else [tree])
        if page.fragment.isdigit():
            cats.append(int(page.fragment))
        base = api_base(page, cfg)
        return ListResult(self.name, pages=[api_fetch(base, c, str(sid), 1) for c in dict.fromkeys(cats)])

    def extra_links(self, page: Page) -> list[Fetch]:
        """Links into a gkmlpt SPA (``…/gkmlpt/index``, ``#catid``): the list is behind them, whatever their text."""
        out = []
        for link in page.links:
            path = urlsplit(link.url).path
            if re.search(r"/gkmlpt/(?:index(?:\.html?)?)?$", path) and path != urlsplit(page.url).path:
                out.append(Fetch(link.url, "column", title=link.label))
        return out

    def answer(self, page: Page, data: dict) -> ListResult:
        body = json.loads(page.text)
        articles = body.get("articles")
        if not isinstance(articles, list):
            raise ValueError("no articles[] in the gkmlpt answer")
        items = []
        for art in articles:
            if isinstance(art, dict) and (art.get("url") or art.get("post_url")):
                items.append(
                    Fetch(
                        urljoin(page.url, art.get("url") or art.get("post_url")),
                        "detail",
                        title=str(art.get("title") or ""),
                        data={"in_column": True},
                    )
                )
        classify = body.get("classify") or {}
        total = classify.get("post_count") or body.get("total")
        size = body.get("page_size") or body.get("pageSize") or (len(articles) if data.get("page") == 1 else None)
        result = ListResult(self.name, items=items)
        if total and size:
            pages = math.ceil(int(total) / int(size))
            result.stated_pages = pages
            if data.get("page") == 1:
                result.pages = [api_fetch(data["base"], data["catid"], data["sid"], n) for n in range(2, pages + 1)]
        return result

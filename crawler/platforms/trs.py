"""TRS WCM static lists: ``index.html``, ``index_1.html`` … from ``createPageHTML(N, cur, "index", "html")``.

The pager is written by script, so there are no plain next links to follow; the page count and
the file names come from the inline call (docs/portals.md §2.1).  Newer templates pass the target
element first and the record count last: ``createPageHTML('page_div', N, cur, 'index', 'html', R)``.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from crawler.discovery import Fetch, ListResult, Page
from crawler.jsdata import assigned_scalar
from crawler.platforms.base import PlatformParser, UnreadablePage

_CREATE_PAGE_RE = re.compile(
    r"createPageHTML\(\s*(?:['\"][\w-]*['\"]\s*,\s*)?(\w+)\s*,\s*(\w+)\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]"
)


def _number(text: str, token: str) -> int | None:
    """A literal, or the value a ``var countPage = 5`` (``= '5'``, ``= 5//共多少页``) assignment gives the variable."""
    if token.isdigit():
        return int(token)
    value = assigned_scalar(text, token)
    return int(value) if value is not None and value.isdigit() else None


def trs_pages(page: Page) -> tuple[list[str], int] | None:
    """The URLs of every page of a TRS static list and the stated page count."""
    m = _CREATE_PAGE_RE.search(page.text)
    if not m:
        return None
    count, current = _number(page.text, m.group(1)), _number(page.text, m.group(2))
    if count is None:
        raise UnreadablePage(
            "trs", f"createPageHTML names its page count {m.group(1)!r}, which the page does not assign"
        )
    current = current or 0
    name, ext = m.group(3), m.group(4)
    base = page.base_url
    last = urlsplit(base).path.rsplit("/", 1)[-1]
    if last and "." not in last:
        base += "/"
    # page 0 is the column itself (usually requested as its folder URL): only asked for from a later page
    urls = ([urljoin(base, f"{name}.{ext}")] if current else []) + [
        urljoin(base, f"{name}_{i}.{ext}") for i in range(1, count)
    ]
    return urls, count


class TrsParser(PlatformParser):
    name = "trs"

    def detect(self, page: Page) -> bool:
        return "createPageHTML(" in page.text and "list2.trsapi" not in page.text

    def list_page(self, page: Page, data: dict) -> ListResult | None:
        found = trs_pages(page)
        if found is None:
            return None
        urls, count = found
        return ListResult(self.name, pages=[Fetch(u, "page") for u in urls], stated_pages=count)

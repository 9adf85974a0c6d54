"""Generic lists (VSB 博达 and any other CMS): 下一页/尾页 links, numbered pages, ``?page=N``,
count-down numbering (``col/{N}.htm`` … ``col/1.htm``) — the fallback of every list page."""

from __future__ import annotations

from crawler.discovery import ListResult, Page, generic_pager
from crawler.platforms.base import PlatformParser


class GenericParser(PlatformParser):
    """Follow a list's pager links; state the page count the pager shows."""

    name = "generic"

    def detect(self, page: Page) -> bool:
        return True

    def list_page(self, page: Page, data: dict) -> ListResult:
        pages, stated = generic_pager(page)
        return ListResult(self.name, pages=pages, stated_pages=stated)

"""Generic lists (VSB 博达 and any other CMS): 下一页/尾页 links, numbered pages, ``?page=N``,
count-down numbering (``col/{N}.htm`` … ``col/1.htm``) — the fallback of every spider."""

from __future__ import annotations

from crawler.discovery import ListResult, Page, generic_pager
from crawler.spiders.base import PlatformParser, ReportSpider


class GenericParser(PlatformParser):
    """Follow a list's pager links; state the page count the pager shows."""

    name = "generic"

    def detect(self, page: Page) -> bool:
        return True

    def list_page(self, page: Page, data: dict) -> ListResult:
        pages, stated = generic_pager(page)
        return ListResult(self.name, pages=pages, stated_pages=stated)


class GenericSpider(ReportSpider):
    """Portals without a known CMS family: generic discovery and pagers only."""

    name = "generic"
    parsers = (GenericParser,)

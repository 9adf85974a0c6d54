"""The CMS families the crawler reads, one :class:`~crawler.platforms.base.PlatformParser` each.

:data:`PARSERS` is the one list of them: every list page is offered to each parser in this
order (the first whose :meth:`~PlatformParser.detect` accepts the page and understands it wins),
and the generic parser (pagers of any CMS) always comes last and adds its pages too.  A portal
that mixes families (a TRS portal with a Hanweb 信息公开 module, a gkmlpt directory under a VSB
home page) is covered page by page.
"""

from __future__ import annotations

from crawler.discovery import Fetch, ListResult, Page
from crawler.platforms.base import PlatformParser, UnreadablePage
from crawler.platforms.generic import GenericParser
from crawler.platforms.gkmlpt import GkmlptParser
from crawler.platforms.hanweb import HanwebParser
from crawler.platforms.jyh import JyhParser
from crawler.platforms.trs import TrsParser
from crawler.platforms.trs_dynamic import TrsDynamicParser

GENERIC = GenericParser()
PARSERS: tuple[PlatformParser, ...] = (
    TrsDynamicParser(),
    HanwebParser(),
    GkmlptParser(),
    TrsParser(),
    JyhParser(),
    GENERIC,
)
FAMILIES: tuple[str, ...] = tuple(p.name for p in PARSERS)  # the CMS families, in the order they are tried
_BY_NAME = {p.name: p for p in PARSERS}

__all__ = [
    "FAMILIES",
    "GENERIC",
    "PARSERS",
    "PlatformParser",
    "UnreadablePage",
    "extra_links",
    "parser_named",
    "read_list",
]


def parser_named(name: str | None) -> PlatformParser | None:
    """The parser of a family (the one an API request was made for)."""
    return _BY_NAME.get(name or "")


def read_list(page: Page, data: dict) -> ListResult:
    """What a list page holds, read by the first family parser that recognises it, with the
    generic pager's pages (and stated page count) added; the generic result alone otherwise (with
    ``unreadable`` set when a family recognised the page but could not read its data)."""
    result = None
    unreadable = None
    for parser in PARSERS[:-1]:
        if parser.detect(page):
            try:
                result = parser.list_page(page, dict(data))
            except UnreadablePage as exc:
                unreadable = unreadable or exc
                continue
            if result is not None:
                break
    generic = GENERIC.list_page(page, {})
    if result is None:
        if unreadable is not None:
            generic.unreadable = str(unreadable)
            generic.unreadable_family = unreadable.family
        return generic
    result.pages += generic.pages
    result.stated_pages = result.stated_pages or generic.stated_pages
    return result


def extra_links(page: Page) -> list[Fetch]:
    """Family-specific links on any page (the annual-report modules, SPA entry points)."""
    return [f for p in PARSERS for f in p.extra_links(page)]

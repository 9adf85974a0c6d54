"""What a platform parser is: the list markup of one CMS family (docs/portals.md §2)."""

from __future__ import annotations

from crawler.discovery import Fetch, ListResult, Page


class UnreadablePage(ValueError):
    """A page recognised as a family's list page whose inline data cannot be read."""

    def __init__(self, family: str, reason: str) -> None:
        super().__init__(f"{family} page recognised but its data cannot be read: {reason}")
        self.family = family
        self.reason = reason


class PlatformParser:
    """The list markup of one CMS family.  Subclasses override what their family has."""

    name = "generic"

    def detect(self, page: Page) -> bool:
        """Whether ``page`` is a list page of this family."""
        return False

    def list_page(self, page: Page, data: dict) -> ListResult | None:
        """Items, further pages and sub-columns of a list page of this family (None: not one after
        all); :class:`UnreadablePage` when the page is one but its data cannot be read."""
        return None

    def answer(self, page: Page, data: dict) -> ListResult:
        """Parse an API answer this parser asked for (``Fetch.platform == self.name``)."""
        raise ValueError(f"{self.name}: no API answers expected")

    def extra_links(self, page: Page) -> list[Fetch]:
        """Family-specific links on any page (modules, SPA entry points)."""
        return []

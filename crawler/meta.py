"""What travels with a request: one :class:`CrawlMeta` under ``request.meta["nianbao"]``.

The spider says what it asked for (role, list, depth, title …); the downloader middlewares add
what happened (the archived capture, the page verdict, retry counts).  Requests the spider did
not make (``robots.txt``) get a default one the first time a component looks.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field, replace
from typing import Any

from scrapy import Request
from scrapy.http import Response

from archive.store.session import Captured
from crawler.detection import Verdict
from crawler.items import ReportState

META_KEY = "nianbao"
# the archive ``kind`` of a request's role (attachments: ``attachment``; others: robots | other)
ROLE_KIND = {"home": "list", "area": "list", "column": "list", "page": "list", "api": "api", "detail": "detail",
             "file": "detail", "attachment": "attachment"}  # fmt: skip


@dataclass
class CrawlMeta:
    """A request's nianbao meta data."""

    # what the spider asked for
    node: int = 0  # the request's place in the frontier's tree (0: not a frontier request)
    role: str = ""  # home | area | column | page | api | detail | file | attachment ("" not the spider's)
    url: str = ""  # the canonical URL asked for
    depth: int = 0  # navigation hops from a start page (a list's further pages stay at its depth)
    area_depth: int = 0  # 政府信息公开 area pages passed through
    list_key: str | None = None  # the list a page / API request walks
    title: str = ""  # the link text that led here
    platform: str | None = None  # the parser an API answer goes to
    data: dict = field(default_factory=dict)  # the parser's own data of the request
    in_column: bool = False  # listed in an annual-report column
    fragment: str = ""  # the link's #fragment (gkmlpt category ids)
    recheck: bool = False  # an archived report no list showed: removed when it answers 404/410/soft 404
    unconditional: bool = False  # ask without ETag/Last-Modified (a 304 had no archived copy)
    alias_of: str | None = None  # the page that named this one its canonical URL
    report: ReportState | None = None  # an attachment's report in progress
    link_text: str = ""  # an attachment's link text
    # what the downloader found
    captured: Captured | None = None  # the archived response
    captured_response: weakref.ref[Response] | None = None  # the response captured (each captured once)
    verdict: Verdict | None = None  # block page, soft 404, meta-refresh redirect or ok
    unchanged: bool = False  # a 304 answered from the archive
    attempts: int = 0  # retries of any cause (not counted by the page cap)
    retries: int = 0  # 5xx, timeouts, dropped connections
    throttle_retries: int = 0  # 429
    block_retries: int = 0  # block pages

    @property
    def kind(self) -> str | None:
        """The archive ``kind`` of the request's role (None: not a spider request)."""
        return ROLE_KIND.get(self.role)

    def captures(self, response: Response) -> bool:
        """Whether ``response`` itself is the answer captured (and judged) for this request.

        By identity, never by ``id()``: the answer to a retry can be allocated where the
        previous, freed answer was, and must still be archived and judged."""
        return self.captured_response is not None and self.captured_response() is response

    def capturing(self, response: Response) -> None:
        """``response`` is archived and judged now (the findings of an earlier answer are gone)."""
        self.captured_response = weakref.ref(response)
        self.captured = None
        self.verdict = None

    def again(self, **changes: Any) -> CrawlMeta:
        """The meta of the same request asked again (a retry, a 304 without an archived copy):
        what the spider asked for and the retry counts, none of the previous answer's findings."""
        return replace(self, captured=None, captured_response=None, verdict=None, unchanged=False, **changes)


def meta_of(message: Request | Response) -> CrawlMeta:
    """The request's :class:`CrawlMeta` (a default one attached if it had none)."""
    meta = message.meta
    found = meta.get(META_KEY)
    if not isinstance(found, CrawlMeta):
        found = meta[META_KEY] = CrawlMeta()
    return found


def request_kind(request: Request) -> str:
    """The archive ``kind`` of a request: list | detail | attachment | robots | api | other."""
    kind = meta_of(request).kind
    if kind:
        return kind
    if request.url.split("?")[0].endswith("/robots.txt"):
        return "robots"
    return "other"

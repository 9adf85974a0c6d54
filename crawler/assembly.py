"""Putting a report together: its page, then its attachments one after the other.

A report page becomes a :class:`~crawler.items.ReportState`; its attachments (on the portal's
hosts) are requested one at a time, and when the last one is in, the :class:`ReportItem` goes to
the pipeline.  An attachment already fetched in this run (twin pages, repeated listings) is read
back from the archive instead.  A page that names another page of the portal its canonical URL
(``<meta name="Url">``) waits until that page has been handled (**alias waiters**), so the
canonical report is ingested first and the alias is recognised as its duplicate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.http import Response

from archive.store.urls import canonical_url
from crawler.detection import looks_like_detail_url
from crawler.discovery import Link, Page
from crawler.items import Fetched, ReportItem, ReportState
from crawler.meta import META_KEY, CrawlMeta, meta_of
from crawler.run import PortalRun
from extract.sniff import sniff_kind

SNIFF_BYTES = 65536


def content_type_of(response: Response) -> str | None:
    return (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None


class ReportAssembly:
    """The reports of one portal's crawl while they are put together."""

    def __init__(
        self,
        run: PortalRun,
        callback: Callable[[Response], Any],
        errback: Callable[[Any], Any],
        lost: Callable[[], None] = lambda: None,
    ) -> None:
        self.run = run
        self.stats = run.stats
        self.scope = run.scope
        self.callback, self.errback = callback, errback
        self.lost = lost  # an attachment request came to nothing (counted as wasted)
        self.waiters: dict[str, list[ReportState]] = {}  # canonical URL asked for → reports naming it canonical
        self.done: dict[str, Fetched | None] = {}  # attachment URL → archived attachment (None: failed)

    # ------------------------------------------------------------------ reports and their aliases

    def expect(self, url: str) -> None:
        """A detail page was asked for: reports naming it their canonical URL wait for it."""
        self.waiters.setdefault(url, [])

    def take_waiters(self, url: str) -> list[ReportState]:
        """The reports waiting for the page at ``url`` (it has been answered)."""
        return self.waiters.pop(canonical_url(url), [])

    def put_back(self, url: str, waiting: list[ReportState]) -> None:
        """The page at ``url`` is asked for again: its waiters keep waiting."""
        if waiting:
            self.waiters[canonical_url(url)] = waiting

    def start(self, item: ReportItem, links: list[Link], depth: int, waiting: list[ReportState]) -> ReportState:
        """A report page: its attachment links on the portal's hosts are fetched next."""
        pending = []
        for link in links:
            if not self.scope.allows(link.url, "attachment"):
                self.stats.inc("offsite_attachments")
                continue
            pending.append(link)
        return ReportState(item, pending, depth, waiting)

    def wait_for(self, canonical: str, state: ReportState) -> bool:
        """Let ``state`` wait for its canonical page when that page is on its way."""
        waiters = self.waiters.get(canonical)
        if waiters is None:
            return False
        waiters.append(state)
        return True

    def canonical_of(self, page: Page, url: str) -> str | None:
        """The page's own canonical URL (``Url`` meta) when it names another detail page of the portal."""
        declared = page.meta.get("Url") or page.meta.get("url")
        if not declared:
            return None
        canonical = canonical_url(urljoin(page.url, declared.strip()))
        if canonical == canonical_url(url) or not self.scope.allows(canonical, "detail"):
            return None
        if urlsplit(canonical).path in ("", "/") or not looks_like_detail_url(canonical):
            return None
        return canonical

    def release(self, states: list[ReportState]) -> Iterator[Request | ReportItem]:
        """Continue the reports that waited for their canonical page (ingested after it)."""
        for state in states:
            yield from self.proceed(state)

    # ------------------------------------------------------------------ attachments

    def proceed(self, state: ReportState) -> Iterator[Request | ReportItem]:
        """Request the report's next attachment, or hand the finished report to the pipeline
        (and continue the reports that waited for it)."""
        while state.pending:
            link = state.pending.pop(0)
            url = canonical_url(link.url)
            if url in self.done:  # already fetched in this run (twin pages, repeated listings)
                done = self.done[url]
                if done is not None and done.captured.snapshot_id is not None:
                    body = self.run.archived(done.captured.snapshot_id)[0]
                    state.item.attachments.append(
                        Fetched(url, done.captured, body, done.content_type, link.text or done.link_text)
                    )
                continue
            self.stats.inc("requests")
            meta = CrawlMeta(role="attachment", depth=state.depth, report=state, link_text=link.text)
            yield Request(url, callback=self.callback, errback=self.errback, dont_filter=True, meta={META_KEY: meta})
            return
        yield state.item
        yield from self.release(state.aliases)
        state.aliases = []

    def attachment_answered(self, response: Response, body: bytes | None) -> Iterator[Request | ReportItem]:
        """An attachment's answer (``body``: its bytes, None when a 304 had no archived copy)."""
        meta = meta_of(response)
        state = meta.report
        assert state is not None  # attachment requests carry their report
        captured = meta.captured
        url = canonical_url(response.url)
        if body is None:
            state.item.failed_attachments.append((response.url, "304 without an archived copy"))
        elif sniff_kind(body[:SNIFF_BYTES], None, response.url) in ("html", "text") or not body:
            reason = "attachment link answered with a web page, not a file" if body else "empty attachment"
            self.run.fetch_error(response.url, "error", reason, response.status)
            state.item.failed_attachments.append((response.url, reason))
            self.done[url] = None
            self.lost()
        elif captured is None or captured.snapshot_id is None:
            state.item.failed_attachments.append((response.url, "not archived"))
        else:
            ctype = content_type_of(response)
            fetched = Fetched(response.url, captured, body, ctype, meta.link_text or None)
            state.item.attachments.append(fetched)
            self.done[url] = Fetched(response.url, captured, b"", ctype, fetched.link_text)
            self.stats.inc("attachments")
        yield from self.proceed(state)

    def attachment_failed(self, request: Request, reason: str | None) -> Iterator[Request | ReportItem]:
        state = meta_of(request).report
        assert state is not None  # attachment requests carry their report
        state.item.failed_attachments.append((request.url, reason or "failed"))
        self.done[canonical_url(request.url)] = None
        self.lost()
        yield from self.proceed(state)

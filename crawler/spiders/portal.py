"""The ``portal`` spider: one portal, its CMS family recognised page by page.

``scrapy crawl portal -a portal=ID`` crawls a registered portal (``-a start_url=URL`` from another
start page on its hosts); ``-a start_url=URL`` alone an unregistered one from its home page
(``-a portal_id=…``, ``-a portal_name=…`` name it); ``-a registry=PATH`` picks another registry.

The spider is Scrapy callbacks only; the work is done by:

* :mod:`crawler.discovery` – disclosure areas, 年报 columns, sub-columns, report links, pagers;
* :mod:`crawler.platforms` – the list markup of each CMS family (every parser is tried on each
  list page, so a portal that mixes families is covered);
* :mod:`crawler.frontier` – which requests are made (each canonical URL once, depth, list caps);
* :mod:`crawler.listings` – the memory of lists that lets incremental runs ask for little;
* :mod:`crawler.content` – whether a document page is a report;
* :mod:`crawler.assembly` – a report page and its attachments, one after the other;
* :mod:`crawler.failures` – failed requests in ``fetch_errors``;
* :class:`crawler.run.PortalRun` – the archive (captures, listings, ingestion), provided by the
  archive extension; :mod:`crawler.stats` – the figures, in ``crawler.stats``.

Every page goes through the same steps: start pages and 政府信息公开 **area** pages are searched
for **columns** and report links; a **list** page (column, sub-column, further page, API answer)
yields detail candidates, its further pages and its sub-columns; a **detail** page that is a
report (docs/portals.md §6) is downloaded with its attachments and ingested.  After discovery,
archived reports no list showed are re-checked (404/410/soft 404 → ``removed_at``); after an
incremental early stop only those that left the walked pages (the rest wait for ``--full``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Headers, Response, TextResponse
from scrapy.responsetypes import responsetypes
from twisted.python.failure import Failure

from archive.store.urls import canonical_url
from crawler import detection, discovery
from crawler.assembly import ReportAssembly, content_type_of
from crawler.content import ReportVerdict, file_verdict, report_verdict
from crawler.discovery import Fetch, ListResult, Page
from crawler.failures import describe_failure
from crawler.frontier import Frontier
from crawler.items import Fetched, ReportItem, ReportState
from crawler.listings import RunMemory, dates_in, page_number
from crawler.meta import META_KEY, CrawlMeta, meta_of
from crawler.platforms import extra_links, parser_named, read_list
from crawler.registry import Portal, crawl_target, load_registry
from crawler.run import PortalRun
from crawler.stats import SITE_NAME, UNREADABLE, CrawlStats
from extract.encoding import decode_bytes
from extract.sniff import sniff_kind

logger = logging.getLogger(__name__)

Output = Iterator[Request | ReportItem]


class PortalSpider(scrapy.Spider):
    """Crawl one portal for its annual reports (see the module documentation)."""

    name = "portal"
    portal: Portal  # resolved from the arguments (read by the archive extension)
    area_depth: int
    early_stop: bool
    deny_hosts: list[str]
    memory: RunMemory
    # set when the crawl starts with the archive open
    stats: CrawlStats
    frontier: Frontier
    assembly: ReportAssembly

    def __init__(
        self,
        portal: str | None = None,
        start_url: str | None = None,
        registry: str | None = None,
        portal_id: str | None = None,
        portal_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.target = {"portal_id": portal, "start_url": start_url, "adhoc_id": portal_id, "name": portal_name}
        self.registry_path = registry
        self.run: PortalRun | None = None
        self.rechecked = False
        self.deferred: dict[str, Fetch] = {}  # year-less reports waiting for a list to show their date
        self.list_dates: dict[str, str] = {}  # canonical URL → the date its list entry shows

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        settings = crawler.settings
        registry = load_registry(spider.registry_path or settings.get("NIANBAO_REGISTRY"))
        spider.portal = crawl_target(registry, **spider.target)
        spider.deny_hosts = list(registry.deny_hosts)
        spider.area_depth = settings.getint("NIANBAO_AREA_DEPTH", 3)
        spider.early_stop = settings.getbool("NIANBAO_EARLY_STOP", False)
        spider.memory = RunMemory(
            settings.get("NIANBAO_MODE", "full") == "incremental",
            settings.get("NIANBAO_TODAY"),
            settings.getint("NIANBAO_DORMANT_DAYS", 0),
        )
        return spider

    async def start(self) -> AsyncIterator[Request]:
        run = PortalRun.of(self.crawler)
        if run is None:  # the archive could not be opened (busy): fetch nothing that could not be kept
            return
        incremental = self.memory.incremental
        self.memory.load(
            run.listing_rows(),
            run.report_urls(),
            run.known_urls() if incremental else set(),
            run.removed_urls() if incremental else set(),
        )
        settings = self.crawler.settings
        self.stats = run.stats
        run.scope.deny = sorted(set(run.scope.deny) | set(self.deny_hosts))
        self.frontier = Frontier(
            run.scope,
            self.stats,
            self.memory,
            depth_limit=settings.getint("DEPTH_LIMIT", 8),
            max_list_pages=settings.getint("NIANBAO_MAX_LIST_PAGES", 300),
        )
        self.assembly = ReportAssembly(run, self.parse_attachment, self.attachment_error, self.frontier.came_to_nothing)
        self.run = run
        for url in self.portal.start_urls:
            request = self.request(Fetch(url, discovery.start_role(url)), depth=0)
            if request is not None:
                yield request

    def closed(self, reason: str) -> None:
        if self.run is None:
            return
        wasted = self.frontier.wasted_urls()
        if wasted:
            logger.info("%s: %d requests led to nothing, e.g. %s", self.portal.id, len(wasted), ", ".join(wasted[:8]))
        for key, walk in self.frontier.short_walks():
            logger.warning(
                "%s: list %s walked %d of the %d pages its pager states", self.portal.id, key, walk.walked, walk.stated
            )

    def on_idle(self) -> None:
        """When discovery is done: re-check the archived reports no list showed this time.

        A report that answers 404/410 or a soft 404 is marked removed (``removed_at``); one that
        still answers is kept (moved out of the lists, or only reachable by its old URL).  After an
        incremental early stop only the reports that left the walked part of their list are
        re-checked; the others wait for the next full walk.
        """
        if self.run is None or not self.stats.get("ok_pages"):
            return
        if self.deferred:  # no list showed them: ingested without a list date after all
            waiting, self.deferred = list(self.deferred.values()), {}
            again = [r for f in waiting if (r := self.request(f, 0)) is not None]
            for pending in again:
                self.crawler.engine.crawl(pending)
            if again:
                raise DontCloseSpider
        if self.rechecked:
            return
        self.rechecked = True
        missing = self.memory.unlisted(self.run.current_report_urls(), self.frontier.requested_urls())
        if self.stats.get("early_stops"):
            kept = [u for u in missing if self.memory.left_list(canonical_url(u), self.frontier.walked_completely)]
            if len(kept) < len(missing):
                logger.info(
                    "%s: %d archived reports not listed on the walked pages are left to the next --full run",
                    self.portal.id,
                    len(missing) - len(kept),
                )
            missing = kept
        requests = []
        for url in missing:
            request = self.request(Fetch(url, "detail", data={"recheck": True}), 0)
            if request is not None:
                meta_of(request).recheck = True
                requests.append(request)
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            self.stats.inc("rechecked", len(requests))
            raise DontCloseSpider

    # ------------------------------------------------------------------ requests

    def request(self, fetch: Fetch, depth: int, parent: CrawlMeta | None = None) -> Request | None:
        """A request for ``fetch`` unless the frontier refuses it."""
        meta = self.frontier.admit(fetch, depth, parent)
        if meta is None:
            return None
        if fetch.role == "detail":
            self.assembly.expect(meta.url)
        headers = dict(fetch.headers)
        body = None
        if fetch.body is not None:
            body = fetch.body.encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
            headers.setdefault("X-Requested-With", "XMLHttpRequest")
        callback = {"api": self.parse_api, "file": self.parse_file}.get(fetch.role, self.parse_page)
        return Request(
            meta.url,
            method=fetch.method,
            body=body,
            headers=headers or None,
            meta={META_KEY: meta},
            callback=callback,
            errback=self.on_error,
            dont_filter=True,
        )

    def follow(self, fetches: list[Fetch], depth: int, parent: CrawlMeta) -> Iterator[Request]:
        for fetch in fetches:
            request = self.request(fetch, depth, parent)
            if request is not None:
                yield request

    # ------------------------------------------------------------------ responses

    def parse_page(self, response: Response) -> Output:
        """Any HTML page: decide list or detail, then handle it."""
        meta = meta_of(response)
        waiting = self.assembly.take_waiters(response.url) if meta.role == "detail" else []
        if response.status == 304:
            archived = self.archived_response(response)
            meta.unchanged = archived is not None
            if archived is None:  # nothing archived to read back: ask again without validators
                assert response.request is not None
                retry = response.request.replace(
                    meta={**response.meta, META_KEY: meta.again(unconditional=True)}, dont_filter=True
                )
                retry.headers.pop(b"If-None-Match", None)
                retry.headers.pop(b"If-Modified-Since", None)
                self.assembly.put_back(response.url, waiting)
                yield retry
                return
            response = archived
        verdict = meta.verdict
        page = None
        if verdict is not None and verdict.kind == detection.REDIRECT and verdict.target:
            fetch = Fetch(verdict.target, meta.role or "column", title=meta.title, data=dict(meta.data))
            yield from self.follow([fetch], meta.depth, meta)
        elif verdict is not None and verdict.kind == detection.SOFT404 and meta.recheck:
            self.run_of().mark_removed(response.url, verdict.reason)
            self.frontier.checked(meta)
        elif verdict is None or verdict.ok:
            page = self.page_of(response)
            if page is None:
                ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
                self.run_of().fetch_error(response.url, "error", f"not an HTML page ({ctype})", response.status)
        if page is not None and not self.on_the_portal(page):
            page = None
        if page is not None:
            self.stats.inc("ok_pages")
            if not self.stats.get(SITE_NAME, None) and page.meta.get("SiteName"):
                self.stats.set(SITE_NAME, page.meta["SiteName"])
            hint = "detail" if meta.role == "detail" else "list"
            if discovery.page_role(page, hint) == "detail":
                yield from self.handle_detail(response, page, waiting)
                return
            yield from self.handle_list(response, page)
        yield from self.assembly.release(waiting)

    def on_the_portal(self, page: Page) -> bool:
        """Own-host pages teach the scope the government's identity; a probed host's first page must
        prove it is the government's; a page on a platform that declares another government is
        not read."""
        scope = self.run_of().scope
        if scope.own_host(page.url):
            scope.learn(page.meta, page.text)
            return True
        belongs = scope.belongs(page.url, page.meta, page.text)
        if belongs is False or (belongs is None and scope.foreign(page.url, page.meta)):
            self.stats.inc("foreign_pages")
            return False
        if belongs:
            self.stats.inc("platform_hosts")
            self.stats.set("hosts_found", sorted(scope.admitted))
        return True

    def parse_file(self, response: Response) -> Output:
        """A report published as a file only (a PDF/DOC… linked straight from a list)."""
        meta = meta_of(response)
        body = self.archived_body(response) if response.status == 304 else response.body
        if body is None or not (meta.verdict is None or meta.verdict.ok):
            return
        if sniff_kind(body[:65536], None, response.url) in ("html", "text"):
            yield from self.parse_page(response)  # the "file" link led to a web page after all
            return
        captured = meta.captured
        if captured is None or captured.snapshot_id is None:
            self.run_of().fetch_error(
                response.url, "error", "report file was not archived; not ingested", response.status
            )
            return
        self.stats.inc("ok_pages")
        decision = file_verdict(body, content_type_of(response), response.url, meta.title)
        self.stats.inc("content_checks")
        self.note_verdict(meta, decision)
        if not decision.is_report:
            self.stats.inc("non_reports")
            return
        self.stats.inc("reports_seen")
        self.note_report(response.url)
        yield ReportItem(
            portal=self.portal.id,
            page=Fetched(response.url, captured, body, content_type_of(response), meta.title or None),
            title=meta.title,
            year=detection.year_of(meta.title),
            link_title=meta.title,
            year_hint=self.year_hint(meta, response.url, meta.title),
            reason=decision.reason,
        )

    def parse_api(self, response: Response) -> Output:
        """A list answered by a platform API (JSON, jpage XML)."""
        meta = meta_of(response)
        page = self.page_of(response)
        parser = parser_named(meta.platform)
        if page is None or parser is None:
            self.run_of().fetch_error(response.url, "error", "unreadable list API answer", response.status)
            return
        self.stats.inc("ok_pages")
        try:
            result = parser.answer(page, dict(meta.data))
        except (ValueError, KeyError, TypeError) as exc:
            self.unreadable(
                response.url, parser.name, f"{parser.name} list API answer not understood: {exc}", response.status
            )
            return
        yield from self.emit_list(response, page, result, in_column=True)

    def parse_attachment(self, response: Response) -> Output:
        body = self.archived_body(response) if response.status == 304 else response.body
        yield from self.assembly.attachment_answered(response, body)

    def unreadable(self, url: str, family: str, reason: str, status: int | None = None) -> None:
        """A page of a recognised platform whose data cannot be read: an error of the run, never silent."""
        self.stats.inc("unreadable_pages")
        self.stats.inc(UNREADABLE + family)
        logger.warning("%s: %s (%s)", self.portal.id, reason, url)
        self.run_of().fetch_error(url, "unreadable", reason, status)

    def attachment_error(self, failure: Failure) -> Output:
        reason = describe_failure(failure, self.run_of())
        yield from self.assembly.attachment_failed(failure.request, reason)  # type: ignore[attr-defined]

    def on_error(self, failure: Failure) -> Output:
        describe_failure(failure, self.run_of())
        request: Request = failure.request  # type: ignore[attr-defined]
        if meta_of(request).role == "detail":
            yield from self.assembly.release(self.assembly.take_waiters(request.url))

    # ------------------------------------------------------------------ lists

    def handle_list(self, response: Response, page: Page) -> Output:
        meta = meta_of(response)
        in_column = (
            meta.in_column
            or discovery.path_has_column_token(page.url)
            or bool(discovery.COLUMN_TEXT_RE.search(detection.squash(page.meta.get("ColumnName", ""))))
        )
        result = read_list(page, meta.data)
        if result.unreadable:
            self.unreadable(response.url, result.unreadable_family or "platform", result.unreadable, response.status)
        if meta.role == "area":
            self.stats.inc("area_pages")
        if meta.role in ("home", "area") and not in_column:
            # a home or area page is no list to walk: its numbered links (a calendar widget, a news
            # pager) lead away from the reports; a platform's list requests (API pages) still go
            walked = [f for f in result.pages if f.role != "page"]
            self.stats.inc("pagers_not_walked", len(result.pages) - len(walked))
            result.pages = walked
        if in_column:
            result.columns += discovery.sub_columns(page, {f.url for f in result.pages})
        result.items += discovery.report_candidates(page, in_column)
        result.columns += discovery.column_links(page)
        if meta.role in ("home", "area") and meta.area_depth < self.area_depth:
            result.columns += discovery.area_links(page, unit_pages=meta.role == "area")
        yield from self.emit_list(response, page, result, in_column)

    def emit_list(self, response: Response, page: Page, result: ListResult, in_column: bool) -> Output:
        """Follow what a list page holds: new items, further pages (unless an incremental run stops
        early here), sub-columns; record the items it shows."""
        meta = meta_of(response)
        list_key = meta.list_key or canonical_url(response.url)
        self.stats.vote(result.platform)
        if meta.role in ("page", "api") or meta.role == "column" and (result.items or result.stated_pages):
            self.frontier.list_page_read(list_key, result.stated_pages)
        extra = extra_links(page) if meta.role != "api" else []
        items = result.items + [f for f in extra if f.role == "detail"]
        for fetch in items:
            fetch.data.setdefault("in_column", in_column)
            self.deferred.pop(canonical_url(fetch.url), None)  # its list shows it now: asked for again from here
        self.memory.note_listed([canonical_url(f.url) for f in items])
        self.stats.set("reports_listed", self.memory.reports_listed)
        entries = self.note_listing(response, page, list_key, items)
        for fetch in items:
            dates = dates_in(entries.get(canonical_url(fetch.url), ""))
            if dates and "list_date" not in fetch.data:
                fetch.data["list_date"] = dates[0]
                self.list_dates.setdefault(canonical_url(fetch.url), dates[0])
        if in_column:
            self.stats.inc("column_pages")
            self.stats.inc("items_listed", len(items))
        if items or meta.role in ("page", "api"):  # a list of documents, or a further page of one
            self.frontier.useful(meta)
        fresh = items
        if self.memory.incremental:
            # archived items whose list entry reads as before are not asked for (the list vouches for them)
            fresh = [f for f in items if self.memory.wanted(list_key, canonical_url(f.url), entries, meta.unchanged)]
            self.stats.inc("skipped_known", len(items) - len(fresh))
        yield from self.follow(fresh, meta.depth + 1, meta)
        pages = result.pages + [f for f in extra if f.role in ("page", "api")]
        if self.early_stop and self.memory.incremental and not fresh and (items or meta.unchanged):
            # nothing new here: the rest of this list is not walked (first pages of API lists still are)
            first = [f for f in pages if page_number(f.url, f.body, f.data) == 1]
            if [f for f in pages if f not in first and not self.frontier.requested(f)]:
                self.frontier.stop(list_key)
            pages = first
        yield from self.follow(pages, meta.depth, replace(meta, list_key=list_key))
        columns = result.columns + [f for f in extra if f.role in ("column", "area")]
        yield from self.follow(columns, meta.depth + 1, meta)

    def note_listing(self, response: Response, page: Page, list_key: str, items: list[Fetch]) -> dict[str, str]:
        """Record the items a list page shows, in order, with their entries (``listings``)."""
        entries = self.memory.entries(page.text, list_key, items)
        if not entries:
            return entries
        meta = meta_of(response)
        request = response.request
        body = request.body.decode("utf-8", "replace") if request is not None and request.body else None
        page_url = response.url if not body else f"{response.url} {body}"
        page_no = 1 if meta.role in ("home", "area", "column") else page_number(response.url, body, meta.data)
        self.run_of().record_listing(list_key, page_url, page_no, entries)
        return entries

    # ------------------------------------------------------------------ details

    def handle_detail(self, response: Response, page: Page, waiting: list[ReportState]) -> Output:
        meta = meta_of(response)
        extra = extra_links(page)
        # report links on a document page (previous/next, related reports), but never its own files
        strict = [f for f in discovery.report_candidates(page, False) if f.role != "file"]
        linked = [f for f in strict + [f for f in extra if f.role == "detail"] if not self.memory.known_page(f.url)]
        yield from self.follow(linked, meta.depth + 1, meta)
        columns = discovery.column_links(page) + [f for f in extra if f.role in ("column", "area")]
        yield from self.follow(columns, meta.depth + 1, meta)
        ctype = content_type_of(response)
        decision = report_verdict(page, response.body, ctype, meta.title, meta.in_column)
        if decision.content_read:
            self.stats.inc("content_checks")
        self.note_verdict(meta, decision)
        if not decision.is_report:
            self.stats.inc("non_reports")
            yield from self.assembly.release(waiting)
            return
        title = decision.title
        if self.defer_for_a_list(meta, decision, response.url):
            yield from self.assembly.release(waiting)
            return
        self.stats.inc("reports_seen")
        captured = meta.captured
        if captured is None or captured.snapshot_id is None:
            self.run_of().fetch_error(
                response.url, "error", "report page was not archived; not ingested", response.status
            )
            yield from self.assembly.release(waiting)
            return
        self.note_report(response.url)
        item = ReportItem(
            portal=self.portal.id,
            page=Fetched(response.url, captured, response.body, ctype),
            title=title,
            year=detection.year_of(title),
            link_title=meta.title,
            year_hint=self.year_hint(meta, response.url, title),
            reason=decision.reason,
        )
        state = self.assembly.start(item, decision.files, meta.depth, waiting)
        canonical = self.assembly.canonical_of(page, response.url)
        if canonical is not None and not meta.alias_of:
            if self.assembly.wait_for(canonical, state):  # the canonical page is on its way: continue after it
                return
            fetch = Fetch(canonical, "detail", title=title, data={"in_column": meta.in_column})
            request = self.request(fetch, meta.depth, meta)
            if request is not None:
                meta_of(request).alias_of = response.url
                self.assembly.wait_for(canonical, state)
                self.stats.inc("canonical_first")
                yield request
                return
        yield from self.assembly.proceed(state)

    def note_verdict(self, meta: CrawlMeta, decision: ReportVerdict) -> None:
        """Count the request; keep a decision that a page is not a report with its reason
        (``page_verdicts``; a report's reason goes with its ingestion)."""
        if decision.is_report:
            self.frontier.useful(meta)
            return
        self.frontier.checked(meta)
        if meta.captured is not None and decision.reason:
            self.run_of().record_verdict(meta.captured, decision.verdict, decision.reason, decision.title)

    def defer_for_a_list(self, meta: CrawlMeta, decision: ReportVerdict, url: str) -> bool:
        """A report that states no year, reached from a page that is not its list (a related-reports
        box, a 汇总 page) and with no date in its URL: left until a list shows it with its date (the
        year covered then comes from the list entry); asked for again when discovery ends otherwise."""
        if (
            decision.year is not None
            or meta.recheck
            or meta.data.get("deferred")
            or self.year_hint(meta, url, decision.title) is not None
        ):
            return False
        fetch = Fetch(meta.url, "detail", title=meta.title, data={**meta.data, "deferred": True})
        self.deferred[canonical_url(url)] = fetch
        self.frontier.forget(meta)
        self.stats.inc("deferred_reports")
        return True

    def year_hint(self, meta: CrawlMeta, url: str, title: str) -> dict | None:
        """For a report whose title names no year: the year its list entry's date or its URL's date
        suggests (publication year − 1), used only when the document itself states none."""
        if detection.year_of(title) is not None:
            return None
        listed = meta.data.get("list_date") or self.list_dates.get(canonical_url(url))
        if listed:
            return {"year": int(str(listed)[:4]) - 1, "source": "list_date"}
        published = detection.url_date(url)
        if published:
            return {"year": int(published[:4]) - 1, "source": "url_date"}
        return None

    def note_report(self, url: str) -> None:
        self.memory.note_report(url)
        self.stats.set("reports_listed", self.memory.reports_listed)

    # ------------------------------------------------------------------ reading answers

    def run_of(self) -> PortalRun:
        """The archive handle (callbacks only run once the crawl started with the archive open)."""
        assert self.run is not None
        return self.run

    def page_of(self, response: Response) -> Page | None:
        """The decoded page: HTTP header, BOM, ``<meta charset>``, then UTF-8/GB18030 sniffing (docs/portals.md §5)."""
        if not isinstance(response, TextResponse):
            return None
        ctype = content_type_of(response)
        try:
            text = decode_bytes(response.body, ctype, html="json" not in (ctype or ""))[0]
        except (UnicodeDecodeError, LookupError):
            return None
        headers = {k.decode("latin-1"): v[-1].decode("latin-1") for k, v in response.headers.items() if v}
        return Page(response.url, text, response.status, headers, meta_of(response).fragment, self.portal.hosts)

    def archived_response(self, response: Response) -> Response | None:
        """The archived answer behind a 304 (a 200 response built from the archive), or None."""
        captured = meta_of(response).captured
        if captured is None or captured.snapshot_id is None:
            return None
        body, ctype = self.run_of().archived(captured.snapshot_id)
        headers = {"Content-Type": ctype} if ctype else {}
        cls = responsetypes.from_args(headers=Headers(headers), url=response.url, body=body)
        return cls(url=response.url, status=200, headers=headers, body=body, request=response.request)

    def archived_body(self, response: Response) -> bytes | None:
        """The archived bytes behind a 304 answer (None when the archive has none)."""
        archived = self.archived_response(response)
        return archived.body if archived is not None else None

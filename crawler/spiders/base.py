"""The shared report spider: discovery, lists, details, attachments, errors, statistics.

A platform spider is a small subclass naming its :class:`PlatformParser` classes (the list
markup of one CMS family); the generic parser (pagers, sub-columns) always comes last.  Every
page goes through the same steps:

1. the start pages (home page, registered start URLs) and the 政府信息公开 **area** pages are
   searched for **columns** (年报 link texts and path tokens) and report links;
2. a **list** page (column, sub-column, further page, API answer) yields detail candidates, its
   further pages (pager, ``createPageHTML``, dataproxy POSTs, JSON APIs) and its sub-columns;
3. a **detail** page is a report when its title says so (portals.md §6); its attachments are
   downloaded one after the other and the page with its files becomes a :class:`ReportItem`,
   which the pipeline ingests (``ArchiveSession.ingest_report``).

Pages are requested once per canonical URL (``_wap`` twins and ``?isMobile`` variants folded).

Scheduled runs (``nianbao crawl --incremental [--early-stop]``, see :mod:`crawler.listings`): every
list page is recorded with its items and their entries (title and dates of the list line); list
pages, details and attachments are asked for conditionally (ETag/Last-Modified; a 304 is read back
from the archive); an archived item whose entry reads as before is not asked for at all, so an
unchanged portal costs one conditional request per list; with the early stop a list page that
shows nothing new ends its list's walk.  After discovery, archived reports no list showed are
re-checked (404/410/soft 404 → ``removed_at``) — after an early stop only those that left the
walked pages; the others wait for the periodic full run (``--full``, or ``--full-every N``).
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import Request
from scrapy.exceptions import DontCloseSpider, DownloadCancelledError, IgnoreRequest
from scrapy.http import Headers, Response, TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.spidermiddlewares.httperror import HttpError

from crawler import detection, discovery
from crawler.discovery import Fetch, ListResult, Page
from crawler.items import Fetched, ReportItem
from crawler.listings import ListMemory, entry_text, page_number
from crawler.registry import Portal, RegistryError, adhoc_portal, is_denied, load_registry, url_host

logger = logging.getLogger(__name__)

ROLE_KIND = {
    "home": "list",
    "area": "list",
    "column": "list",
    "page": "list",
    "api": "api",
    "detail": "detail",
    "file": "detail",
}
STAT_KEYS = ("requests", "responses", "not_modified", "list_pages", "reports_seen", "new_reports", "changed_reports",
             "removed_reports", "attachments", "errors", "blocks", "early_stops", "rechecked")  # fmt: skip


def _folder_key(url: str) -> str | None:
    """``scheme://host/dir/`` for a folder URL or its ``index.*``/``default.*`` page (no query)."""
    parts = urlsplit(url)
    if parts.query:
        return None
    path = parts.path or "/"
    if not path.endswith("/"):
        head, _, last = path.rpartition("/")
        if not re.fullmatch(r"(?i)(index|default)\.(s?html?|jsp|php|aspx?)", last):
            return None
        path = head + "/"
    return f"{parts.scheme}://{parts.netloc.lower()}{path}"


class PlatformParser:
    """The list markup of one CMS family.  Subclasses override what their family has."""

    name = "generic"

    def detect(self, page: Page) -> bool:
        """Whether ``page`` is a list page of this family."""
        return False

    def list_page(self, page: Page, data: dict) -> ListResult | None:
        """Items, further pages and sub-columns of a list page of this family."""
        return None

    def answer(self, page: Page, data: dict) -> ListResult:
        """Parse an API answer this parser asked for (``Fetch.platform == self.name``)."""
        raise ValueError(f"{self.name}: no API answers expected")

    def extra_links(self, page: Page) -> list[Fetch]:
        """Family-specific links on any page (modules, SPA entry points)."""
        return []


@dataclass
class _ReportState:
    item: ReportItem
    pending: list[discovery.Link] = field(default_factory=list)
    depth: int = 0
    aliases: list = field(default_factory=list)  # reports under other URLs ingested after this one


class ReportSpider(scrapy.Spider):
    """Base spider: crawl one registered portal (``-a portal=ID``) or an unregistered one
    (``-a start_url=URL``); ``-a registry=PATH`` picks another registry file."""

    parsers: tuple[type[PlatformParser], ...] = ()
    custom_settings: dict = {}

    def __init__(
        self,
        portal: str | None = None,
        start_url: str | None = None,
        registry: str | None = None,
        portal_id: str | None = None,
        portal_name: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.portal_arg, self.start_url_arg, self.registry_arg = portal, start_url, registry
        self.portal_id_arg, self.portal_name_arg = portal_id, portal_name
        self.portal: Portal | None = None
        self.run = None
        self.stats: Counter = Counter()
        self.seen: set[tuple] = set()
        self.lists: dict[str, dict] = {}
        self.platform_votes: Counter = Counter()
        self.portal_name_found: str | None = None
        self.known: set[str] = set()
        self.removed_urls: set[str] = set()  # archived reports marked removed (asked for again when listed)
        self.archived_reports: set[str] = set()  # URLs of this portal's archived reports
        self.memory = ListMemory([])
        self.seen_in_list: dict[str, set[str]] = {}  # list key → canonical URLs its walked pages showed
        self.report_pages: set[str] = set()  # canonical URLs of the reports handed to the pipeline
        self.alias_waiters: dict[str, list[_ReportState]] = {}
        self.attachments_done: dict[str, Fetched | None] = {}  # url → archived attachment (None: failed)
        self.rechecked = False
        self.listed: set[str] = set()  # canonical URLs of every item the lists showed
        self.list_folders: set[str] = set()
        self.started = time.monotonic()
        from crawler.spiders.generic import GenericParser

        self.parser_objects: list[PlatformParser] = [cls() for cls in self.parsers if cls is not GenericParser] + [
            GenericParser()
        ]
        self.parser_by_name = {p.name: p for p in self.parser_objects}

    # ------------------------------------------------------------------ set-up

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signal=scrapy.signals.spider_idle)
        settings = crawler.settings
        spider.depth_limit = settings.getint("DEPTH_LIMIT", 8)
        spider.max_list_pages = settings.getint("NIANBAO_MAX_LIST_PAGES", 300)
        spider.area_depth = settings.getint("NIANBAO_AREA_DEPTH", 3)
        spider.mode = settings.get("NIANBAO_MODE", "full")
        spider.early_stop = settings.getbool("NIANBAO_EARLY_STOP", False)
        spider.dormant_days = settings.getint("NIANBAO_DORMANT_DAYS", 0)
        spider.today = settings.get("NIANBAO_TODAY") or date.today().isoformat()
        spider.resolve_portal(spider.registry_arg or settings.get("NIANBAO_REGISTRY"))
        return spider

    def resolve_portal(self, registry_path: str | None) -> None:
        """The portal to crawl: a registry entry, possibly with another start URL, or an ad-hoc one."""
        registry = load_registry(registry_path)
        if self.portal_arg:
            portal = registry.get(self.portal_arg)
            if self.start_url_arg:
                if url_host(self.start_url_arg) not in portal.hosts:
                    raise RegistryError(
                        f"start URL {self.start_url_arg} is not on portal {portal.id}'s hosts {portal.hosts}"
                    )
                portal.start_urls = [self.start_url_arg]
        elif self.start_url_arg:
            portal = adhoc_portal(self.start_url_arg, self.portal_id_arg, self.portal_name_arg)
        else:
            raise RegistryError("give a portal (-a portal=ID) or a start URL (-a start_url=URL)")
        denied = [h for h in portal.hosts if is_denied(h, registry.deny_hosts)]
        if denied:
            raise RegistryError(f"portal {portal.id}: {denied} are known spam mirrors; refusing to crawl them")
        self.portal = portal
        self.allowed_hosts = set(portal.hosts)

    def on_idle(self) -> None:
        """When discovery is done: re-check the archived reports no list showed this time.

        A report that answers 404/410 or a soft 404 is marked removed (``removed_at``); one that
        still answers is kept (moved out of the lists, or only reachable by its old URL).  After an
        incremental early stop only the reports that left the walked part of their list are
        re-checked (:meth:`should_recheck`); the others wait for the next full walk.
        """
        if self.rechecked or self.run is None or self.stats.get("ok_pages", 0) == 0:
            return
        self.rechecked = True
        seen = {u for _, u, _ in self.seen} | self.listed
        missing = [u for u in self.run.current_report_urls(self.portal.id) if detection.canonical_url(u) not in seen]
        if self.stats.get("early_stops"):
            kept = [u for u in missing if self.should_recheck(detection.canonical_url(u))]
            if len(kept) < len(missing):
                logger.info(
                    "%s: %d archived reports not listed on the walked pages are left to the next --full run",
                    self.portal.id,
                    len(missing) - len(kept),
                )
            missing = kept
        requests = [
            r for u in missing if (r := self.make_request(Fetch(u, "detail", data={"recheck": True}), 0)) is not None
        ]
        for request in requests:
            request.meta["nb_recheck"] = True
            self.crawler.engine.crawl(request)
        if requests:
            self.count("rechecked", len(requests))
            raise DontCloseSpider

    def should_recheck(self, url: str) -> bool:
        """After an early stop: whether an archived report no list showed has left a list walked this
        run (complete walk, or an item listed after it was seen again), rather than moved down
        past the pages the walk stopped before."""
        for list_key in self.memory.lists_of(url):
            info = self.lists.get(list_key)
            if info is None or list_key not in self.seen_in_list:
                continue  # not a report column, or not walked this run
            if self.memory.vanished(list_key, url, self.seen_in_list[list_key], complete=not info.get("stopped")):
                return True
        return False

    def mark_removed(self, url: str, reason: str) -> None:
        """The portal no longer serves this archived report."""
        try:
            marked = self.run.session.mark_removed(url)
        except Exception:
            logger.exception("could not mark %s removed", url)
            return
        if marked:
            self.count("removed_reports")
            logger.info("report removed (%s): %s", reason, url)

    def attach_run(self, run) -> None:
        """Called by the archive extension when the shared run is open."""
        self.run = run
        self.memory = ListMemory(run.listing_rows(self.portal.id))
        self.archived_reports = run.report_urls(self.portal.id)
        if self.mode == "incremental":
            self.known = run.known_urls(self.portal.id)
            self.removed_urls = run.removed_urls(self.portal.id)

    # ------------------------------------------------------------------ bookkeeping

    def count(self, key: str, n: int = 1) -> None:
        self.stats[key] += n

    def record_error(self, url: str, kind: str, reason: str, status: int | None = None, count: bool = True) -> None:
        """A ``fetch_errors`` row (errors, blocks, robots refusals, soft 404s, size cap)."""
        if count:
            self.count("errors")
        self.count(f"error_{kind}")
        if self.run is None:
            logger.warning("%s: %s %s", url, kind, reason)
            return
        try:
            self.run.session.fetch_error(self.run.run_id, self.portal.id, url, kind, reason[:500] or kind, status)
        except Exception:
            logger.exception("could not record a fetch error for %s", url)

    @property
    def detected_platform(self) -> str | None:
        votes = Counter({k: v for k, v in self.platform_votes.items() if k != "generic"})
        if votes:
            return votes.most_common(1)[0][0]
        return "generic" if self.platform_votes else None

    def final_stats(self, reason: str) -> tuple[dict, str]:
        """The ``crawl_portal_stats`` row of this spider and its outcome."""
        stated = [v["stated"] or v["walked"] for v in self.lists.values() if v["walked"] or v["stated"]]
        for key, v in self.lists.items():
            if v["stated"] and v["walked"] < v["stated"] and not v.get("stopped"):
                logger.warning(
                    "%s: list %s walked %d of the %d pages its pager states",
                    self.portal.id,
                    key,
                    v["walked"],
                    v["stated"],
                )
        stats = {k: int(self.stats.get(k, 0)) for k in STAT_KEYS}
        stats["list_pages_expected"] = sum(stated) if stated else None
        stats["list_pages_skipped"] = sum(
            max(0, (v["stated"] or 0) - v["walked"]) for v in self.lists.values() if v.get("stopped")
        )
        stats["reports_listed"] = len((self.listed & self.archived_reports) | self.report_pages)
        stats["duration"] = round(time.monotonic() - self.started, 3)
        if reason in ("shutdown", "cancelled"):
            outcome = "interrupted"
        elif self.stats.get("ok_pages", 0) == 0:
            outcome = "failed"
        else:
            outcome = "ok"
        stats["outcome"] = outcome
        return stats, outcome

    # ------------------------------------------------------------------ requests

    def start_role(self, url: str) -> str:
        path = urlsplit(url).path
        if path in ("", "/") or path.rsplit("/", 1)[-1].lower() in (
            "index.html",
            "index.htm",
            "index.shtml",
            "index.jsp",
            "default.html",
        ):
            if path.count("/") <= 1:
                return "home"
        link = discovery.Link(url)
        if discovery.is_column_link(link) or discovery.path_has_column_token(url):
            return "column"
        return "home"

    async def start(self):
        if self.run is None:  # the archive could not be opened (busy): fetch nothing that could not be kept
            return
        for url in self.portal.start_urls:
            request = self.make_request(Fetch(url, self.start_role(url)), depth=0)
            if request is not None:
                yield request

    def make_request(self, fetch: Fetch, depth: int, parent: dict | None = None) -> Request | None:
        """A request for ``fetch`` unless it is off the portal, already requested, or too deep."""
        parent = parent or {}
        url = fetch.url if fetch.method != "GET" else detection.canonical_url(fetch.url)
        if url_host(url) not in self.allowed_hosts:
            self.count("offsite")
            return None
        key = (fetch.method, url, fetch.body or "")
        if key in self.seen:
            return None
        folder = (
            _folder_key(url) if fetch.method == "GET" and fetch.role in ("home", "area", "column", "page") else None
        )
        if folder is not None:
            if folder in self.list_folders:
                return None  # dir/ and dir/index.html are the same list page
            self.list_folders.add(folder)
        if fetch.role != "page" and fetch.role != "api" and depth > self.depth_limit:
            self.count("too_deep")
            return None
        if (
            self.mode == "incremental"
            and fetch.role in ("column", "page")
            and fetch.method == "GET"
            and self.memory.dormant(url, self.today, self.dormant_days)
        ):
            # a closed list (a past year's folder): the periodic full walk checks it
            self.count("dormant_lists")
            logger.debug("%s: dormant list %s left to the next full walk", self.portal.id, url)
            return None
        list_key = parent.get("nb_list") if fetch.role in ("page", "api") and parent.get("nb_list") else None
        if fetch.role in ("page", "api"):
            list_key = fetch.data.get("list") or list_key or detection.canonical_url(parent.get("nb_url", url))
            info = self.lists.setdefault(list_key, {"walked": 0, "stated": None, "requested": 0})
            if info["requested"] >= self.max_list_pages:
                self.count("list_cap")
                return None
            info["requested"] += 1
        elif fetch.role == "column":
            list_key = url
            self.lists.setdefault(list_key, {"walked": 0, "stated": None, "requested": 1})
        self.seen.add(key)
        if fetch.role == "detail":
            self.alias_waiters.setdefault(url, [])  # reports naming this page canonical wait for it
        area_depth = parent.get("nb_area_depth", 0) + (1 if fetch.role == "area" else 0)
        meta = {
            "nb_kind": ROLE_KIND[fetch.role],
            "nb_role": fetch.role,
            "nb_depth": depth,
            "nb_area_depth": area_depth,
            "nb_list": list_key,
            "nb_url": url,
            "nb_title": fetch.title,
            "nb_platform": fetch.platform,
            "nb_data": fetch.data,
            "nb_in_column": bool(fetch.data.get("in_column")) or fetch.role in ("column", "page", "api"),
            "nb_fragment": urlsplit(fetch.url).fragment,
        }
        headers = dict(fetch.headers)
        body = None
        if fetch.body is not None:
            body = fetch.body.encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
            headers.setdefault("X-Requested-With", "XMLHttpRequest")
        callback = {"api": self.parse_api, "file": self.parse_file}.get(fetch.role, self.parse_page)
        self.count("requests")
        return Request(
            url,
            method=fetch.method,
            body=body,
            headers=headers or None,
            meta=meta,
            callback=callback,
            errback=self.on_error,
            dont_filter=True,
        )

    def follow(self, fetches: list[Fetch], depth: int, parent: dict):
        for fetch in fetches:
            request = self.make_request(fetch, depth, parent)
            if request is not None:
                yield request

    # ------------------------------------------------------------------ responses

    def page_of(self, response: Response) -> Page | None:
        """The decoded page: HTTP header, BOM, ``<meta charset>``, then UTF-8/GB18030 sniffing (portals.md §5)."""
        if not isinstance(response, TextResponse):
            return None
        from extract.encoding import decode_bytes

        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
        try:
            text = decode_bytes(response.body, ctype, html="json" not in (ctype or ""))[0]
        except (UnicodeDecodeError, LookupError):
            return None
        headers = {
            k.decode("latin-1"): v.decode("latin-1") for k, v in response.headers.items() if isinstance(v, bytes)
        }
        return Page(response.url, text, response.status, headers, response.meta.get("nb_fragment", ""))

    def archived_response(self, response: Response) -> Response | None:
        """The archived answer behind a 304 (a 200 response built from the archive), or None."""
        captured = response.meta.get("nb_captured")
        if captured is None or captured.snapshot_id is None:
            return None
        body, ctype = self.run.archived(captured.snapshot_id)
        headers = {"Content-Type": ctype} if ctype else {}
        cls = responsetypes.from_args(headers=Headers(headers), url=response.url, body=body)
        return cls(url=response.url, status=200, headers=headers, body=body, request=response.request)

    def archived_body(self, response: Response) -> bytes | None:
        """The archived bytes behind a 304 answer (None when the archive has none)."""
        archived = self.archived_response(response)
        return archived.body if archived is not None else None

    def _verdict_ok(self, response: Response) -> bool:
        verdict = response.meta.get("nb_verdict")
        return verdict is None or verdict.ok

    def parse_page(self, response: Response):
        """Any HTML page: decide list or detail, then handle it."""
        meta = response.meta
        waiting = (
            self.alias_waiters.pop(detection.canonical_url(response.url), []) if meta.get("nb_role") == "detail" else []
        )
        body = None
        if response.status == 304:
            archived = self.archived_response(response)
            meta["nb_unchanged"] = archived is not None
            if archived is not None:
                response, body = archived, archived.body
            else:
                retry = response.request.replace(meta={**meta, "nb_unconditional": True}, dont_filter=True)
                retry.headers.pop(b"If-None-Match", None)
                retry.headers.pop(b"If-Modified-Since", None)
                if waiting:
                    self.alias_waiters[detection.canonical_url(response.url)] = waiting
                yield retry
                return
        verdict = meta.get("nb_verdict")
        page = None
        if verdict is not None and verdict.kind == detection.REDIRECT and verdict.target:
            fetch = Fetch(
                verdict.target,
                meta.get("nb_role") or "column",
                title=meta.get("nb_title", ""),
                data=dict(meta.get("nb_data") or {}),
            )
            yield from self.follow([fetch], meta.get("nb_depth", 0), meta)
        elif verdict is not None and verdict.kind == detection.SOFT404 and meta.get("nb_recheck"):
            self.mark_removed(response.url, verdict.reason)
        elif self._verdict_ok(response):
            page = self.page_of(response)
            if page is None:
                ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
                self.record_error(response.url, "error", f"not an HTML page ({ctype})", response.status)
        if page is not None:
            self.count("ok_pages")
            if not self.portal_name_found and page.meta.get("SiteName"):
                self.portal_name_found = page.meta["SiteName"]
            hint = "detail" if meta.get("nb_role") == "detail" else "list"
            if discovery.page_role(page, hint) == "detail":
                yield from self.handle_detail(response, page, body, waiting)
                return
            yield from self.handle_list(response, page)
        yield from self.release(waiting)

    def parse_file(self, response: Response):
        """A report published as a file only (a PDF/DOC… linked straight from a list)."""
        from extract.sniff import sniff_kind

        meta = response.meta
        body = self.archived_body(response) if response.status == 304 else response.body
        if body is None or not self._verdict_ok(response):
            return
        if sniff_kind(body[:65536], None, response.url) in ("html", "text"):
            yield from self.parse_page(response)  # the "file" link led to a web page after all
            return
        captured = meta.get("nb_captured")
        if captured is None or captured.snapshot_id is None:
            self.record_error(response.url, "error", "report file was not archived; not ingested", response.status)
            return
        self.count("ok_pages")
        self.count("reports_seen")
        self.report_pages.add(detection.canonical_url(response.url))
        title = meta.get("nb_title", "")
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
        yield ReportItem(
            portal=self.portal.id,
            page=Fetched(response.url, captured, body, ctype, title or None),
            title=title,
            year=detection.year_of(title),
            link_title=title,
        )

    def release(self, states: list[_ReportState]):
        """Continue the reports that waited for their canonical page (ingested after it)."""
        for state in states:
            yield from self.next_attachment(state)

    def parse_api(self, response: Response):
        """A list answered by a platform API (JSON, jpage XML)."""
        meta = response.meta
        page = self.page_of(response)
        parser = self.parser_by_name.get(meta.get("nb_platform") or "")
        if page is None or parser is None:
            self.record_error(response.url, "error", "unreadable list API answer", response.status)
            return
        self.count("ok_pages")
        try:
            result = parser.answer(page, dict(meta.get("nb_data") or {}))
        except (ValueError, KeyError, TypeError) as exc:
            self.record_error(
                response.url, "error", f"{parser.name} list API answer not understood: {exc}", response.status
            )
            return
        yield from self.emit_list(response, page, result, in_column=True)

    def handle_list(self, response: Response, page: Page):
        meta = response.meta
        role = meta.get("nb_role")
        in_column = (
            bool(meta.get("nb_in_column"))
            or discovery.path_has_column_token(page.url)
            or bool(discovery.COLUMN_TEXT_RE.search(detection.squash(page.meta.get("ColumnName", ""))))
        )
        result = None
        for parser in self.parser_objects[:-1]:
            if parser.detect(page):
                result = parser.list_page(page, dict(meta.get("nb_data") or {}))
                if result is not None:
                    break
        generic = self.parser_objects[-1].list_page(page, {})
        if result is None:
            result = generic
        else:
            result.pages += generic.pages
            result.stated_pages = result.stated_pages or generic.stated_pages
        if in_column:
            pager_urls = {f.url for f in result.pages}
            result.columns += discovery.sub_columns(page, pager_urls)
        result.items += discovery.report_candidates(page, in_column)
        result.columns += discovery.column_links(page)
        if role in ("home", "area") and meta.get("nb_area_depth", 0) < self.area_depth:
            result.columns += discovery.area_links(page, unit_pages=role == "area")
        yield from self.emit_list(response, page, result, in_column)

    def emit_list(self, response: Response, page: Page, result: ListResult, in_column: bool):
        meta = response.meta
        role = meta.get("nb_role")
        depth = meta.get("nb_depth", 0)
        self.platform_votes[result.platform] += 1
        if role in ("page", "api") or role == "column" and (result.items or result.stated_pages):
            self.count("list_pages")
            key = meta.get("nb_list") or detection.canonical_url(response.url)
            info = self.lists.setdefault(key, {"walked": 0, "stated": None, "requested": 1})
            info["walked"] += 1
            if result.stated_pages:
                info["stated"] = max(info["stated"] or 0, result.stated_pages)
        extra = [f for p in self.parser_objects for f in p.extra_links(page)] if role != "api" else []
        items = result.items + [f for f in extra if f.role == "detail"]
        for fetch in items:
            fetch.data.setdefault("in_column", in_column)
            self.listed.add(detection.canonical_url(fetch.url))
        list_key = meta.get("nb_list") or detection.canonical_url(response.url)
        entries = self.note_listing(response, page, list_key, items)
        fresh = items
        if self.mode == "incremental":
            # archived items whose list entry reads as before are not asked for (the list vouches for them)
            unchanged_page = bool(meta.get("nb_unchanged"))
            fresh = [f for f in items if self.wanted(list_key, detection.canonical_url(f.url), entries, unchanged_page)]
            self.count("skipped_known", len(items) - len(fresh))
        yield from self.follow(fresh, depth + 1, meta)
        pages = result.pages + [f for f in extra if f.role in ("page", "api")]
        if self.early_stop and self.mode == "incremental" and not fresh and (items or meta.get("nb_unchanged")):
            # nothing new here: the rest of this list is not walked (first pages of API lists still are)
            first = [f for f in pages if page_number(f.url, f.body, f.data) == 1]
            if [f for f in pages if f not in first and self.request_key(f) not in self.seen]:
                self.count("early_stops")
                self.lists.setdefault(list_key, {"walked": 0, "stated": None, "requested": 1})["stopped"] = True
            pages = first
        parent = {**meta, "nb_list": meta.get("nb_list") or detection.canonical_url(response.url)}
        yield from self.follow(pages, depth, parent)
        columns = result.columns + [f for f in extra if f.role in ("column", "area")]
        yield from self.follow(columns, depth + 1, meta)

    def request_key(self, fetch: Fetch) -> tuple:
        """The key :meth:`make_request` dedupes requests by."""
        url = fetch.url if fetch.method != "GET" else detection.canonical_url(fetch.url)
        return (fetch.method, url, fetch.body or "")

    def note_listing(self, response: Response, page: Page, list_key: str, items: list[Fetch]) -> dict[str, str]:
        """Record the items a list page shows, in order, with their entries (``listings``)."""
        entries: dict[str, str] = {}
        for fetch in items:
            url = detection.canonical_url(fetch.url)
            if url not in entries:
                entries[url] = entry_text(page.text, fetch.url, fetch.title)
        self.seen_in_list.setdefault(list_key, set()).update(entries)  # walked, even when it lists nothing now
        if not entries:
            return entries
        meta = response.meta
        request = response.request
        body = request.body.decode("utf-8", "replace") if request is not None and request.body else None
        page_url = response.url if not body else f"{response.url} {body}"
        page_no = (
            1
            if meta.get("nb_role") in ("home", "area", "column")
            else page_number(response.url, body, meta.get("nb_data"))
        )
        try:
            self.run.session.record_listing(
                self.run.run_id, self.portal.id, list_key, page_url, page_no, list(entries.items())
            )
        except Exception:  # the memory of lists must never lose the crawl
            logger.exception("could not record the listing of %s", response.url)
        return entries

    def wanted(self, list_key: str, url: str, entries: dict[str, str], unchanged_page: bool) -> bool:
        """Incremental runs: whether a listed item must be asked for (new, changed entry, or back after removal)."""
        if url not in self.known or url in self.removed_urls:
            return True
        if not self.memory.knows(url):
            return not unchanged_page  # archived before lists were recorded: an unchanged (304) page vouches
        return not self.memory.unchanged(list_key, url, entries.get(url, ""))

    def known_page(self, url: str) -> bool:
        """Incremental runs: an archived page that lists, not links on other documents, decide on."""
        url = detection.canonical_url(url)
        return self.mode == "incremental" and url in self.known and url not in self.removed_urls

    # ------------------------------------------------------------------ details

    def handle_detail(self, response: Response, page: Page, archived: bytes | None = None, waiting: list | None = None):
        meta = response.meta
        waiting = list(waiting or [])
        depth = meta.get("nb_depth", 0)
        in_column = bool(meta.get("nb_in_column"))
        extra = [f for p in self.parser_objects for f in p.extra_links(page)]
        # report links on a document page (previous/next, related reports), but never its own files
        strict = [f for f in discovery.report_candidates(page, False) if f.role != "file"]
        linked = [f for f in strict + [f for f in extra if f.role == "detail"] if not self.known_page(f.url)]
        yield from self.follow(linked, depth + 1, meta)
        yield from self.follow(
            discovery.column_links(page) + [f for f in extra if f.role in ("column", "area")], depth + 1, meta
        )
        verdict, title = discovery.decide_report(page, meta.get("nb_title", ""), in_column)
        captured = meta.get("nb_captured")
        if verdict == detection.UNKNOWN:
            verdict, title = self.content_verdict(response, page, title)
        is_report = verdict == detection.REPORT
        if not is_report:
            self.count("non_reports")
            yield from self.release(waiting)
            return
        self.count("reports_seen")
        if captured is None or captured.snapshot_id is None:
            self.record_error(response.url, "error", "report page was not archived; not ingested", response.status)
            yield from self.release(waiting)
            return
        body = archived if archived is not None else response.body
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
        self.report_pages.add(detection.canonical_url(response.url))
        item = ReportItem(
            portal=self.portal.id,
            page=Fetched(response.url, captured, body, ctype),
            title=title,
            year=detection.year_of(title),
            link_title=meta.get("nb_title", ""),
        )
        pending = []
        for link in discovery.attachment_links(page, title):
            if url_host(link.url) not in self.allowed_hosts:
                self.count("offsite_attachments")
                continue
            pending.append(link)
        state = _ReportState(item, pending, depth, waiting)
        canonical = self.canonical_of(page, response.url)
        if canonical is not None and not meta.get("nb_alias_of"):
            waiters = self.alias_waiters.get(canonical)
            if waiters is not None:  # the canonical page is on its way: continue after it
                waiters.append(state)
                return
            request = self.make_request(
                Fetch(canonical, "detail", title=title, data={"in_column": in_column}), depth, meta
            )
            if request is not None:
                request.meta["nb_alias_of"] = response.url
                self.alias_waiters[canonical].append(state)
                self.count("canonical_first")
                yield request
                return
        yield from self.next_attachment(state)

    def content_verdict(self, response: Response, page: Page, title: str) -> tuple[str, str]:
        """A page in a report column whose titles say nothing: its content decides (statistics
        tables of the report templates, or the numbered sections of a report, and a year)."""
        from extract import ExtractionError, extract_document

        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
        try:
            report = extract_document(response.body, content_type=ctype, url=response.url)
        except (ExtractionError, ValueError) as exc:
            logger.info("%s: content not readable (%s)", response.url, exc)
            return detection.NOT_REPORT, title
        numbered = sum(1 for s in report.sections if s.number)
        self.count("content_checks")
        if (
            report.year
            and (len(report.cells) >= 10 or numbered >= 4)
            and not detection._NOTICE_RE.search(detection.squash(report.title or ""))
        ):
            return detection.REPORT, report.title or title
        return detection.NOT_REPORT, title

    def canonical_of(self, page: Page, url: str) -> str | None:
        """The page's own canonical URL (``Url`` meta) when it names another page of this portal."""
        declared = page.meta.get("Url") or page.meta.get("url")
        if not declared:
            return None
        canonical = detection.canonical_url(urljoin(page.url, declared.strip()))
        if canonical == detection.canonical_url(url) or url_host(canonical) not in self.allowed_hosts:
            return None
        if urlsplit(canonical).path in ("", "/") or not discovery.detection.looks_like_detail_url(canonical):
            return None
        return canonical

    def next_attachment(self, state: _ReportState):
        """Download the report's next attachment, or hand the finished report to the pipeline."""
        while state.pending:
            link = state.pending.pop(0)
            url = detection.canonical_url(link.url)
            if url in self.attachments_done:  # already fetched in this run (twin pages, repeated listings)
                done = self.attachments_done[url]
                if done is not None:
                    body = self.run.archived_payload(done.captured.snapshot_id)
                    state.item.attachments.append(
                        Fetched(url, done.captured, body, done.content_type, link.text or done.link_text)
                    )
                continue
            self.count("requests")
            yield Request(
                url,
                callback=self.parse_attachment,
                errback=self.attachment_error,
                dont_filter=True,
                meta={
                    "nb_kind": "attachment",
                    "nb_role": "attachment",
                    "nb_state": state,
                    "nb_link_text": link.text,
                    "nb_depth": state.depth,
                },
            )
            return
        yield state.item
        yield from self.release(state.aliases)
        state.aliases = []

    def parse_attachment(self, response: Response):
        state: _ReportState = response.meta["nb_state"]
        captured = response.meta.get("nb_captured")
        body = response.body
        if response.status == 304:
            body = self.archived_body(response)
            if body is None:
                state.item.failed_attachments.append((response.url, "304 without an archived copy"))
                yield from self.next_attachment(state)
                return
        from extract.sniff import sniff_kind

        kind = sniff_kind(body[:65536], None, response.url)
        if kind in ("html", "text") or not body:
            reason = "attachment link answered with a web page, not a file" if body else "empty attachment"
            self.record_error(response.url, "error", reason, response.status)
            state.item.failed_attachments.append((response.url, reason))
            self.attachments_done[detection.canonical_url(response.url)] = None
        elif captured is None or captured.snapshot_id is None:
            state.item.failed_attachments.append((response.url, "not archived"))
        else:
            ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
            fetched = Fetched(response.url, captured, body, ctype, response.meta.get("nb_link_text") or None)
            state.item.attachments.append(fetched)
            self.attachments_done[detection.canonical_url(response.url)] = Fetched(
                response.url, captured, b"", ctype, fetched.link_text
            )
            self.count("attachments")
        yield from self.next_attachment(state)

    def attachment_error(self, failure):
        request = failure.request
        state: _ReportState = request.meta["nb_state"]
        reason = self.describe_failure(failure, request)
        state.item.failed_attachments.append((request.url, reason or "failed"))
        self.attachments_done[detection.canonical_url(request.url)] = None
        yield from self.next_attachment(state)

    # ------------------------------------------------------------------ errors

    def describe_failure(self, failure, request: Request) -> str | None:
        """Record a failed request in ``fetch_errors``; returns the reason (None when not an error)."""
        exc = failure.value
        if isinstance(exc, HttpError):
            status = exc.response.status
            reason = f"HTTP {status}"
            verdict = request.meta.get("nb_verdict")
            if verdict is not None and verdict.kind == detection.BLOCK:
                return f"blocked: {verdict.reason}"
            self.record_error(request.url, "http", reason, status)
            if request.meta.get("nb_recheck") and status in (404, 410):
                self.mark_removed(request.url, reason)
            return reason
        if isinstance(exc, IgnoreRequest):
            text = str(exc)
            if text.startswith("Forbidden by robots.txt"):
                self.count("robots_forbidden")
                self.record_error(request.url, "robots", "forbidden by robots.txt", count=False)
                return "forbidden by robots.txt"
            if text.startswith("blocked:"):
                return text
            return None
        if isinstance(exc, DownloadCancelledError):
            reason = str(exc) or "larger than the download size limit"
            self.record_error(request.url, "too_large", reason)
            return reason
        reason = f"{exc.__class__.__name__}: {exc}".strip().rstrip(":")
        self.record_error(request.url, "error", reason)
        return reason

    def on_error(self, failure):
        request = failure.request
        self.describe_failure(failure, request)
        if request.meta.get("nb_role") == "detail":
            yield from self.release(self.alias_waiters.pop(detection.canonical_url(request.url), []))

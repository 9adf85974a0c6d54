"""The archive side of a crawl: one crawl run shared by the process's spiders, one handle per portal.

A :class:`CrawlRun` is one :class:`~archive.store.session.ArchiveSession` and its ``crawl_runs``
row, opened when the first spider opens (or by :func:`crawler.runner.run_crawl` for all its
portals) and closed with the run's totals when the last one closes.  Each crawler gets a
:class:`PortalRun` from the archive extension (:mod:`crawler.extension`): the only way the
spider, the middlewares and the pipeline reach the archive — captures, fetch errors, listings,
ingestion, and what the archive remembers of the portal.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler

from archive.store.ingest import IngestResult
from archive.store.session import ArchiveSession, Captured
from archive.store.warc import read_record
from crawler.hosts import HostScope
from crawler.items import ReportItem
from crawler.registry import KNOWN_MIRRORS, Portal
from crawler.stats import RUN_TOTALS, CrawlStats, run_outcome

logger = logging.getLogger(__name__)


class CrawlRun:
    """An open archive session and its crawl run (``crawl_runs`` row)."""

    _current: CrawlRun | None = None

    def __init__(self, archive_dir: Path, db_path: Path | None, portals: list[str], mode: str) -> None:
        self.archive_dir = Path(archive_dir)
        self.db_path = Path(db_path) if db_path else None
        self.session = ArchiveSession(self.archive_dir, self.db_path)
        self.portals = list(portals)
        self.mode = mode
        self.run_id = self.session.start_run(self.portals, mode)
        self.users = 0
        self.outcomes: dict[str, str] = {}
        self.portal_rows: dict[str, dict] = {}  # each portal's crawl_portal_stats row
        self.totals: dict[str, float] = dict.fromkeys(RUN_TOTALS, 0)
        self.started = time.monotonic()
        self.closed = False

    # ------------------------------------------------------------------ sharing

    @classmethod
    def open(cls, archive_dir: Path, db_path: Path | None, portals: list[str], mode: str) -> CrawlRun:
        """Open the process's run (the runner calls this before starting spiders)."""
        if cls._current is not None and not cls._current.closed:
            raise RuntimeError("a crawl run is already open in this process")
        cls._current = cls(archive_dir, db_path, portals, mode)
        return cls._current

    @classmethod
    def acquire(cls, archive_dir: Path, db_path: Path | None, portal: str, mode: str) -> CrawlRun:
        run = cls._current
        if run is None or run.closed:
            run = cls.open(archive_dir, db_path, [portal], mode)
        run.users += 1
        return run

    @classmethod
    def current(cls) -> CrawlRun | None:
        return cls._current if cls._current is not None and not cls._current.closed else None

    @property
    def outcome(self) -> str:
        return run_outcome(self.outcomes.values())

    def release(self, portal: str, row: dict) -> None:
        """A spider finished: record its portal statistics; the last one closes the run."""
        self.outcomes[portal] = row["outcome"]
        self.portal_rows[portal] = row
        for key in RUN_TOTALS:
            value = row.get(key)
            if isinstance(value, (int, float)):
                self.totals[key] += value
        try:
            self.session.portal_stats(self.run_id, portal, row)
        except Exception:  # statistics must never lose the crawl
            logger.exception("could not record the statistics of portal %s", portal)
        self.users -= 1
        if self.users <= 0:
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        outcome = self.outcome
        stats: dict[str, Any] = {k: (int(v) if float(v).is_integer() else v) for k, v in self.totals.items()}
        stats.update(duration=round(time.monotonic() - self.started, 3), portals=self.outcomes)
        try:
            self.session.finish_run(self.run_id, stats, outcome)
        finally:
            self.session.close()
            self.closed = True
        logger.info("crawl run %s finished: %s %s", self.run_id, outcome, stats)


@runtime_checkable
class CrawlsPortal(Protocol):
    """A spider of one portal (its public ``portal``, resolved from its arguments)."""

    portal: Portal


_PORTAL_RUNS: WeakKeyDictionary[Crawler, PortalRun] = WeakKeyDictionary()


class PortalRun:
    """One portal's handle on the shared run: every archive access of its crawler's components."""

    def __init__(self, run: CrawlRun, portal: Portal, stats: CrawlStats) -> None:
        self.run = run
        self.portal = portal
        self.stats = stats
        self.scope = HostScope(portal, list(KNOWN_MIRRORS))  # the spider adds the registry's deny list
        self.started = time.monotonic()
        self._session = run.session

    @staticmethod
    def of(crawler: Crawler) -> PortalRun | None:
        """The crawler's handle (None when the archive could not be opened)."""
        return _PORTAL_RUNS.get(crawler)

    def attach(self, crawler: Crawler) -> None:
        _PORTAL_RUNS[crawler] = self

    @property
    def run_id(self) -> int:
        return self.run.run_id

    # ------------------------------------------------------------------ writing

    def register_portal(self) -> None:
        """Register or update the portal row (``portals``)."""
        self._session.upsert_portal(self.portal.row())

    def capture(self, url: str, **exchange) -> Captured:
        """Archive one HTTP exchange of this portal (:meth:`ArchiveSession.capture`)."""
        return self._session.capture(url, portal=self.portal.id, run_id=self.run_id, **exchange)

    def fetch_error(self, url: str, kind: str, reason: str, status: int | None = None, *, count: bool = True) -> None:
        """A ``fetch_errors`` row (errors, blocks, robots refusals, soft 404s, size cap), counted as
        ``error_<kind>`` and, unless ``count`` is false, as an error."""
        if count:
            self.stats.inc("errors")
        self.stats.inc(f"error_{kind}")
        try:
            self._session.fetch_error(self.run_id, self.portal.id, url, kind, reason[:500] or kind, status)
        except Exception:
            logger.exception("could not record a fetch error for %s", url)

    def record_listing(self, list_key: str, page_url: str, page_no: int | None, entries: dict[str, str]) -> None:
        """The items a list page showed, in order, with their entries (``listings``)."""
        try:
            self._session.record_listing(
                self.run_id, self.portal.id, list_key, page_url, page_no, list(entries.items())
            )
        except Exception:  # the memory of lists must never lose the crawl
            logger.exception("could not record the listing of %s", page_url)

    def record_verdict(self, captured: Captured, verdict: str, reason: str, title: str | None) -> None:
        """Whether an archived document is a report, and why (``page_verdicts``)."""
        if captured.snapshot_id is None:
            return
        try:
            self._session.record_verdict(self.run_id, self.portal.id, captured, verdict, reason[:500], title)
        except Exception:  # a verdict must never lose the crawl
            logger.exception("could not record the verdict on %s", captured.url)

    def mark_removed(self, url: str, reason: str) -> None:
        """The portal no longer serves this archived report."""
        try:
            marked = self._session.mark_removed(url)
        except Exception:
            logger.exception("could not mark %s removed", url)
            return
        if marked:
            self.stats.inc("removed_reports")
            logger.info("report removed (%s): %s", reason, url)

    def ingest(self, item: ReportItem) -> IngestResult:
        """Ingest a report page with its attachments (:meth:`ArchiveSession.ingest_report`)."""
        page = item.page
        return self._session.ingest_report(
            page.captured.ingest_input(page.body, item.link_title or None, page.content_type, item.year_hint),
            [a.captured.ingest_input(a.body, a.link_text, a.content_type) for a in item.attachments],
            portal=item.portal,
            run_id=self.run_id,
            reason=item.reason[:500] or None,
            title=item.title or None,
        )

    def finish(self, reason: str) -> dict:
        """The spider closed: update the portal row (platform and name its pages showed), record
        the portal's statistics with the run and release it; returns the statistics row."""
        row = self.stats.portal_row(reason, time.monotonic() - self.started)
        portal = self.portal
        try:
            platform = self.stats.detected_platform()
            if platform and not portal.platform:
                portal.platform = platform
            site_name = self.stats.get("site_name", None)
            if site_name and portal.name == portal.hosts[0]:
                portal.name = site_name
            self.register_portal()
        except Exception:
            logger.exception("could not update portal %s", portal.id)
        self.run.release(portal.id, row)
        return row

    # ------------------------------------------------------------------ reading the archive

    def validators(self, url: str) -> tuple[str | None, str | None] | None:
        """``(etag, last_modified)`` of the archive's latest fetch of ``url`` (conditional requests)."""
        return self._session.validators(url)

    def archived(self, snapshot_id: int) -> tuple[bytes, str | None]:
        """The bytes and Content-Type of an archived snapshot (for a 304 answer)."""
        row = self._session.conn.execute(
            "SELECT warc_file, warc_offset, content_type FROM snapshots WHERE id = ?", (snapshot_id,)
        ).fetchone()
        if row is None:
            raise KeyError(f"no snapshot {snapshot_id}")
        payload = read_record(self.run.archive_dir, row["warc_file"], int(row["warc_offset"])).payload
        return payload, row["content_type"]

    def current_report_urls(self) -> list[str]:
        """The URLs of this portal's current, not removed reports (their ``reports.url``)."""
        rows = self._session.conn.execute(
            "SELECT url FROM reports WHERE portal = ? AND is_current = 1 AND removed_at IS NULL ORDER BY id",
            (self.portal.id,),
        )
        return [r[0] for r in rows]

    def listing_rows(self) -> list[tuple]:
        """This portal's ``listings`` as ``(list_key, url, page_url, page_no, position, entry)``."""
        return [
            tuple(r)
            for r in self._session.conn.execute(
                "SELECT list_key, url, page_url, page_no, position, entry FROM listings WHERE portal = ?",
                (self.portal.id,),
            )
        ]

    def report_urls(self) -> set[str]:
        """Every URL under which a report of this portal was archived."""
        return {
            r[0]
            for r in self._session.conn.execute(
                "SELECT ru.url FROM report_urls ru JOIN reports r ON r.id = ru.report_id WHERE r.portal = ?",
                (self.portal.id,),
            )
        }

    def removed_urls(self) -> set[str]:
        """URLs of this portal's reports marked removed (``removed_at``)."""
        return {
            r[0]
            for r in self._session.conn.execute(
                "SELECT ru.url FROM report_urls ru JOIN reports r ON r.id = ru.report_id "
                "WHERE r.portal = ? AND r.removed_at IS NOT NULL",
                (self.portal.id,),
            )
        }

    def known_urls(self) -> set[str]:
        """URLs of reports and detail pages this portal already has in the archive."""
        urls = self.report_urls()
        urls |= {
            r[0]
            for r in self._session.conn.execute(
                "SELECT DISTINCT url FROM fetches WHERE portal = ? AND kind = 'detail' AND status = 200",
                (self.portal.id,),
            )
        }
        return urls

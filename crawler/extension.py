"""The archive side of a crawl: one :class:`~archive.store.session.ArchiveSession` and one crawl run
shared by every spider of the process, opened when the first spider opens and closed (with its
statistics) when the last one closes.

``nianbao crawl`` (:mod:`crawler.runner`) opens the run for all requested portals before the
spiders start; ``scrapy crawl portal -a portal=ID`` opens it for that one portal.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler

from archive.store.rebuild import ArchiveBusy
from archive.store.session import ArchiveSession
from archive.store.warc import read_record

logger = logging.getLogger(__name__)

RUN_STATS = ("requests", "responses", "not_modified", "list_pages", "list_pages_expected", "reports_seen", "new_reports",
             "changed_reports", "removed_reports", "attachments", "errors", "blocks", "early_stops", "rechecked")  # fmt: skip


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
        self.totals: dict[str, float] = dict.fromkeys(RUN_STATS, 0)
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

    def release(self, portal: str, stats: dict, outcome: str) -> None:
        """A spider finished: record its portal statistics; the last one closes the run."""
        self.outcomes[portal] = outcome
        for key in RUN_STATS:
            value = stats.get(key)
            if isinstance(value, (int, float)):
                self.totals[key] += value
        try:
            self.session.portal_stats(self.run_id, portal, stats)
        except Exception:  # statistics must never lose the crawl
            logger.exception("could not record the statistics of portal %s", portal)
        self.users -= 1
        if self.users <= 0:
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        outcomes = set(self.outcomes.values()) or {"failed"}
        if "interrupted" in outcomes:
            outcome = "interrupted"
        elif outcomes <= {"failed"}:
            outcome = "failed"
        else:
            outcome = "ok"
        stats = {k: (int(v) if float(v).is_integer() else v) for k, v in self.totals.items()}
        stats.update(duration=round(time.monotonic() - self.started, 3), portals=self.outcomes)
        try:
            self.session.finish_run(self.run_id, stats, outcome)
        finally:
            self.session.close()
            self.closed = True
        logger.info("crawl run %s finished: %s %s", self.run_id, outcome, stats)

    # ------------------------------------------------------------------ reading the archive

    def archived_payload(self, snapshot_id: int) -> bytes:
        """The bytes of an archived snapshot (for a 304 answer of a conditional request)."""
        return self.archived(snapshot_id)[0]

    def archived(self, snapshot_id: int) -> tuple[bytes, str | None]:
        """The bytes and Content-Type of an archived snapshot."""
        row = self.session.conn.execute(
            "SELECT warc_file, warc_offset, content_type FROM snapshots WHERE id = ?", (snapshot_id,)
        ).fetchone()
        if row is None:
            raise KeyError(f"no snapshot {snapshot_id}")
        return read_record(self.archive_dir, row["warc_file"], int(row["warc_offset"])).payload, row["content_type"]

    def current_report_urls(self, portal: str) -> list[str]:
        """The URLs of this portal's current, not removed reports (their ``reports.url``)."""
        rows = self.session.conn.execute(
            "SELECT url FROM reports WHERE portal = ? AND is_current = 1 AND removed_at IS NULL ORDER BY id", (portal,)
        )
        return [r[0] for r in rows]

    def listing_rows(self, portal: str) -> list[tuple]:
        """This portal's ``listings`` as ``(list_key, url, page_url, page_no, position, entry)``."""
        return [
            tuple(r)
            for r in self.session.conn.execute(
                "SELECT list_key, url, page_url, page_no, position, entry FROM listings WHERE portal = ?", (portal,)
            )
        ]

    def report_urls(self, portal: str) -> set[str]:
        """Every URL under which a report of this portal was archived."""
        return {
            r[0]
            for r in self.session.conn.execute(
                "SELECT ru.url FROM report_urls ru JOIN reports r ON r.id = ru.report_id WHERE r.portal = ?", (portal,)
            )
        }

    def removed_urls(self, portal: str) -> set[str]:
        """URLs of this portal's reports marked removed (``removed_at``)."""
        return {
            r[0]
            for r in self.session.conn.execute(
                "SELECT ru.url FROM report_urls ru JOIN reports r ON r.id = ru.report_id "
                "WHERE r.portal = ? AND r.removed_at IS NOT NULL",
                (portal,),
            )
        }

    def known_urls(self, portal: str) -> set[str]:
        """URLs of reports and detail pages this portal already has in the archive."""
        conn = self.session.conn
        urls = {
            r[0]
            for r in conn.execute(
                "SELECT ru.url FROM report_urls ru JOIN reports r ON r.id = ru.report_id WHERE r.portal = ?", (portal,)
            )
        }
        urls |= {
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT url FROM fetches WHERE portal = ? AND kind = 'detail' AND status = 200", (portal,)
            )
        }
        return urls


class ArchiveExtension:
    """Opens the shared run for a spider, registers its portal, writes its statistics at the end."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveExtension:
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        settings = self.crawler.settings
        archive_dir = Path(settings.get("NIANBAO_ARCHIVE_DIR") or "data")
        db_value = settings.get("NIANBAO_DB")
        db_path = Path(db_value) if db_value else None
        try:
            run = CrawlRun.acquire(archive_dir, db_path, spider.portal.id, settings.get("NIANBAO_MODE", "full"))
        except ArchiveBusy as exc:  # another crawl (e.g. an overlapping Scrapyd job) holds the archive
            logger.error("%s: nothing is crawled", exc)
            return
        spider.attach_run(run)
        run.session.upsert_portal(spider.portal.row())

    def spider_closed(self, spider, reason: str) -> None:
        run = getattr(spider, "run", None)
        if run is None:
            return
        stats, outcome = spider.final_stats(reason)
        try:
            if spider.detected_platform and not spider.portal.platform:
                spider.portal.platform = spider.detected_platform
            if spider.portal_name_found and spider.portal.name == spider.portal.hosts[0]:
                spider.portal.name = spider.portal_name_found
            run.session.upsert_portal(spider.portal.row())
        except Exception:
            logger.exception("could not update portal %s", spider.portal.id)
        run.release(spider.portal.id, stats, outcome)

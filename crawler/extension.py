"""The archive extension: opens the shared crawl run for a spider and hands its crawler a
:class:`~crawler.run.PortalRun`; when the spider closes, writes the portal's statistics.

``nianbao crawl`` (:func:`crawler.runner.run_crawl`) opens the run for all requested portals
before the spiders start; ``scrapy crawl portal -a portal=ID`` opens it for that one portal.
The portal is the spider's public ``portal`` attribute (:class:`~crawler.run.CrawlsPortal`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from archive.store.rebuild import ArchiveBusy
from crawler.run import CrawlRun, CrawlsPortal, PortalRun
from crawler.stats import CrawlStats

logger = logging.getLogger(__name__)


class ArchiveExtension:
    """Opens the shared run for a spider, registers its portal, writes its statistics at the end."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveExtension:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        settings = self.crawler.settings
        archive_dir = Path(settings.get("NIANBAO_ARCHIVE_DIR") or "data")
        db_value = settings.get("NIANBAO_DB")
        db_path = Path(db_value) if db_value else None
        if not isinstance(spider, CrawlsPortal):
            return
        portal = spider.portal
        try:
            run = CrawlRun.acquire(archive_dir, db_path, portal.id, settings.get("NIANBAO_MODE", "full"))
        except ArchiveBusy as exc:  # another crawl (e.g. an overlapping Scrapyd job) holds the archive
            logger.error("%s: nothing is crawled", exc)
            return
        portal_run = PortalRun(run, portal, CrawlStats(self.crawler.stats))
        portal_run.attach(self.crawler)
        portal_run.register_portal()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        portal_run = PortalRun.of(self.crawler)
        if portal_run is not None:
            portal_run.finish(reason)

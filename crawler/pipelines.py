"""Item pipeline: a report page and its downloaded attachments go into the archive.

:meth:`archive.store.session.ArchiveSession.ingest_report` (through the crawler's
:class:`~crawler.run.PortalRun`) extracts them with :func:`extract.extract_document`, decides
new / changed / unchanged / duplicate and writes the report rows; the decision is also written to
the WARC files, so ``nianbao rebuild`` repeats it.
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from crawler.items import ReportItem
from crawler.run import PortalRun

logger = logging.getLogger(__name__)


class ReportPipeline:
    """Ingest every :class:`ReportItem`; count new/changed reports per portal."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReportPipeline:
        return cls(crawler)

    def process_item(self, item: object, spider: object = None) -> object:
        run = PortalRun.of(self.crawler)
        if not isinstance(item, ReportItem) or run is None:
            return item
        page = item.page
        try:
            result = run.ingest(item)
        except Exception as exc:  # a report that cannot be ingested must not stop the crawl
            logger.exception("could not ingest %s", page.url)
            run.fetch_error(page.url, "extract", f"ingest failed: {exc.__class__.__name__}: {exc}")
            return item
        run.stats.inc(f"ingest_{result.status}")
        if result.status == "new":
            run.stats.inc("new_reports")
        elif result.status == "changed":
            run.stats.inc("changed_reports")
        for url, reason in item.failed_attachments:
            logger.info("report %s: attachment %s not used (%s)", page.url, url, reason)
        logger.info("report %s %s (%s, %d cells) %s", result.status, item.title, item.year, result.cell_count, page.url)
        return item

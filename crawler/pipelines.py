"""Item pipeline: a report page and its downloaded attachments go into the archive.

:meth:`archive.store.session.ArchiveSession.ingest_report` extracts them with
:func:`extract.extract_document`, decides new / changed / unchanged / duplicate and writes the
report rows; the decision is also written to the WARC files, so ``nianbao rebuild`` repeats it.
"""

from __future__ import annotations

import logging

from crawler.items import ReportItem

logger = logging.getLogger(__name__)


class ReportPipeline:
    """Ingest every :class:`ReportItem`; count new/changed reports per portal."""

    def process_item(self, item, spider=None):
        if not isinstance(item, ReportItem):
            return item
        spider = self.crawler.spider
        run = spider.run
        page = item.page
        inputs = [a.captured.ingest_input(a.body, a.link_text, a.content_type) for a in item.attachments]
        try:
            result = run.session.ingest_report(
                page.captured.ingest_input(page.body, item.link_title or None, page.content_type),
                inputs,
                portal=item.portal,
                run_id=run.run_id,
            )
        except Exception as exc:  # a report that cannot be ingested must not stop the crawl
            logger.exception("could not ingest %s", page.url)
            spider.record_error(page.url, "extract", f"ingest failed: {exc.__class__.__name__}: {exc}")
            return item
        spider.count(f"ingest_{result.status}")
        if result.status == "new":
            spider.count("new_reports")
        elif result.status == "changed":
            spider.count("changed_reports")
        for url, reason in item.failed_attachments:
            logger.info("report %s: attachment %s not used (%s)", page.url, url, reason)
        logger.info("report %s %s (%s, %d cells) %s", result.status, item.title, item.year, result.cell_count, page.url)
        return item

    @classmethod
    def from_crawler(cls, crawler):
        obj = cls()
        obj.crawler = crawler
        return obj

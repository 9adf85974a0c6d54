"""Whether a document page is a report: its titles first, then — for a page in an annual-report
column whose titles say nothing — its content (docs/portals.md §6)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from crawler import detection, discovery
from crawler.discovery import Page
from extract import ExtractionError, extract_document

logger = logging.getLogger(__name__)


@dataclass
class ReportVerdict:
    """``report`` or ``not_report``, the document's title, and whether its content was read."""

    verdict: str
    title: str
    content_read: bool = False

    @property
    def is_report(self) -> bool:
        return self.verdict == detection.REPORT


def report_verdict(
    page: Page, body: bytes, content_type: str | None, link_title: str, in_column: bool
) -> ReportVerdict:
    """The titles decide (:func:`crawler.discovery.decide_report`); when they cannot, the content does."""
    verdict, title = discovery.decide_report(page, link_title, in_column)
    if verdict != detection.UNKNOWN:
        return ReportVerdict(verdict, title)
    return content_verdict(body, content_type, page.url, title)


def content_verdict(body: bytes, content_type: str | None, url: str, title: str) -> ReportVerdict:
    """A report by its content: the statistics tables of the report templates, or the numbered
    sections of a report, and a year; not a notice about the reports."""
    try:
        report = extract_document(body, content_type=content_type, url=url)
    except (ExtractionError, ValueError) as exc:
        logger.info("%s: content not readable (%s)", url, exc)
        return ReportVerdict(detection.NOT_REPORT, title)
    numbered = sum(1 for s in report.sections if s.number)
    if (
        report.year
        and (len(report.cells) >= 10 or numbered >= 4)
        and not detection._NOTICE_RE.search(detection.squash(report.title or ""))
    ):
        return ReportVerdict(detection.REPORT, report.title or title, content_read=True)
    return ReportVerdict(detection.NOT_REPORT, title, content_read=True)

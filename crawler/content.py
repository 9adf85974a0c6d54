"""Whether a document page (or a file linked from a list) is a report — decided by its content, with
the reason (docs/portals.md §6).

Pages *about* reports name one in their titles — 图解 / 一图读懂 infographics, 解读, notes about
publishing them, arrangements for compiling them, training news, 目录 / 汇总 lists — so titles
alone mislead.  A report shows what the report templates have: their numbered sections (总体情况,
主动公开政府信息情况 … or the old 概述 … 存在的主要问题), their statistics tables, the 统计期限
sentence, a report-length body — or it is published as a file (a report attachment) or as
images (图片版).  The titles break ties only where the content cannot: an image-only page is a
图片版 report unless its title says 图解; a page that only links a file is the report when its
title names one.  Every decision carries its reason, which the run records (``page_verdicts``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from archive.store.ingest import extracted
from crawler import detection, discovery
from crawler.discovery import Link, Page
from extract import ExtractionError
from extract.model import Report

logger = logging.getLogger(__name__)

# section headings of the report templates (2019/2021 and the pre-2019 ones)
TEMPLATE_HEADING_RE = re.compile(
    r"总体情况|概述|主动公开政府信息(?:的)?情况|收到和处理政府信息公开申请|依申请公开|行政复议|行政诉讼|"
    r"收费(?:及|和)减免|存在的主要问题|改进情况|改进措施|其他需要报告"
)
PERIOD_RE = re.compile(r"统计(?:期限|时限|时间|周期)|自\s*(?:19|20)\d{2}\s*年\s*1\s*月\s*1\s*日")
# words of the titles of pages about reports (only a tie-breaker: the content decides first)
ABOUT_TITLE_RE = re.compile(
    r"图解|一图|图说|图读|看图|图文|解读|说明|安排|培训|汇总|目录|清单|编制工作|发布情况|会议|通报|动态"
)
INFOGRAPHIC_RE = re.compile(r"图解|一图|图说|图读|看图|图文")
REPORT_BODY = 600  # characters of section text a report without tables has at least
STRONG_CELLS = 10  # statistics cells with values a report has at least


@dataclass
class ReportVerdict:
    """``report`` or ``not_report``, the document's title, why, and whether its content was read."""

    verdict: str
    title: str
    reason: str = ""
    content_read: bool = False
    year: int | None = None  # the year the content states (None: none)
    files: list[Link] = field(default_factory=list)  # the report files the page links

    @property
    def is_report(self) -> bool:
        return self.verdict == detection.REPORT


@dataclass
class Signals:
    """What the content of a document shows."""

    sections: int = 0  # template sections among its headings
    value_cells: int = 0  # statistics cells with values
    period: bool = False  # the 统计期限 sentence
    text: int = 0  # characters of section text
    images: int = 0  # images in the page body
    year: int | None = None

    @property
    def template(self) -> bool:
        """The structure of a report template: its sections, or its statistics tables."""
        return self.sections >= 3 or self.value_cells >= STRONG_CELLS

    def describe(self) -> str:
        parts = [f"{self.sections} template sections", f"{self.value_cells} table values", f"{self.text} chars of text"]
        if self.period:
            parts.append("统计期限")
        if self.images:
            parts.append(f"{self.images} images")
        return ", ".join(parts)


def signals_of(report: Report | None, page: Page | None = None) -> Signals:
    sig = Signals()
    if report is not None:
        headings = [s.heading or "" for s in report.sections if s.number]
        sig.sections = len({TEMPLATE_HEADING_RE.search(h).group(0) for h in headings if TEMPLATE_HEADING_RE.search(h)})  # type: ignore[union-attr]
        sig.value_cells = sum(1 for c in report.cells if c.value is not None)
        text = "\n".join(s.text or "" for s in report.sections)
        sig.text = len(re.sub(r"\s+", "", text))
        sig.period = bool(PERIOD_RE.search(text[:6000]))
        sig.year = report.year
    if page is not None:
        sig.images = page.body_images()
    return sig


def _read(body: bytes, content_type: str | None, url: str) -> Report | None:
    try:
        return extracted(body, content_type, url)
    except (ExtractionError, ValueError) as exc:
        logger.info("%s: content not readable (%s)", url, exc)
        return None


def report_verdict(
    page: Page, body: bytes, content_type: str | None, link_title: str, in_column: bool
) -> ReportVerdict:
    """A document page: report or not, by its content (and the report files it links)."""
    kind, title = discovery.decide_report(page, link_title, in_column)
    files = discovery.attachment_links(page, title)
    report = _read(body, content_type, page.url)
    sig = signals_of(report, page)
    title = title or (report.title if report is not None and report.title else "") or link_title
    named = kind == detection.REPORT or detection.is_yearless_report_title(title)
    about = ABOUT_TITLE_RE.search(detection.squash(title))
    facts = sig.describe()

    def verdict(is_report: bool, why: str) -> ReportVerdict:
        return ReportVerdict(detection.REPORT if is_report else detection.NOT_REPORT, title, why, True, sig.year, files)

    if kind == detection.NOT_REPORT and not (sig.template and sig.value_cells >= 30 and sig.sections >= 4):
        return verdict(False, f"the title names another kind of document; content: {facts}")
    if sig.template and (sig.text >= 200 or sig.value_cells >= STRONG_CELLS):
        return verdict(True, f"report content: {facts}")
    if sig.period and sig.text >= REPORT_BODY and not about:
        return verdict(True, f"report text with its 统计期限: {facts}")
    if files and named and not about:
        return verdict(True, f"published as a file ({files[0].url.rsplit('/', 1)[-1][:60]}); page: {facts}")
    if sig.images and sig.text < REPORT_BODY and named:
        if INFOGRAPHIC_RE.search(detection.squash(title)):
            return verdict(False, f"an infographic about a report (图解): {facts}")
        return verdict(True, f"report published as images (图片版): {facts}")
    numbered = sum(1 for s in report.sections if s.number) if report is not None else 0
    if named and not about and numbered >= 4 and sig.text >= 2 * REPORT_BODY:
        return verdict(True, f"a report in numbered sections ({numbered}): {facts}")
    word = f"the title says {about.group(0)}; " if about else ""
    return verdict(False, f"not a report: {word}content: {facts}")


def file_verdict(body: bytes, content_type: str | None, url: str, link_title: str) -> ReportVerdict:
    """A file linked straight from a list under a report title: a report unless its content shows
    another document (a scan that yields no text keeps the benefit of its report title)."""
    report = _read(body, content_type, url)
    sig = signals_of(report)
    title = (report.title if report is not None and report.title else "") or link_title
    facts = sig.describe()
    if sig.template or (sig.period and sig.text >= REPORT_BODY):
        return ReportVerdict(detection.REPORT, title, f"report content: {facts}", report is not None, sig.year)
    about = ABOUT_TITLE_RE.search(detection.squash(title))
    if about or (sig.text >= REPORT_BODY and not sig.period):
        why = f"the title says {about.group(0)}; " if about else ""
        return ReportVerdict(detection.NOT_REPORT, title, f"not a report: {why}content: {facts}", True, sig.year)
    return ReportVerdict(
        detection.REPORT, title, f"a file under a report title, content unreadable as text: {facts}", True, sig.year
    )

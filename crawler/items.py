"""Items the spider hands to the pipeline, and a report while its attachments are fetched."""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.store.session import Captured
from crawler.discovery import Link


@dataclass
class Fetched:
    """An archived response with its payload bytes (a report page or one of its attachments)."""

    url: str
    captured: Captured
    body: bytes
    content_type: str | None = None
    link_text: str | None = None


@dataclass
class ReportItem:
    """A report page with the attachments downloaded from it, ready for ingestion."""

    portal: str
    page: Fetched
    title: str
    year: int | None = None
    link_title: str = ""
    # the year the list entry or URL suggests, for a document that states none: {"year", "source"}
    year_hint: dict | None = None
    reason: str = ""  # why the page is a report (kept with the report's decision, page_verdicts)
    attachments: list[Fetched] = field(default_factory=list)
    failed_attachments: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)


@dataclass
class ReportState:
    """A report being put together: its item, the attachment links still to fetch (one after the
    other), and the reports under other URLs that wait to be ingested after it."""

    item: ReportItem
    pending: list[Link] = field(default_factory=list)
    depth: int = 0
    aliases: list[ReportState] = field(default_factory=list)

"""Items the spiders hand to the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.store.session import Captured


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
    attachments: list[Fetched] = field(default_factory=list)
    failed_attachments: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)

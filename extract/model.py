"""Data model of extraction.

Two layers:

* the *carrier layer* — what a document parser (HTML, text, PDF, DOCX, XLS …) produces:
  a :class:`Document`, i.e. the page's metadata plus its body as a sequence of
  :class:`Paragraph` and :class:`SourceTable` blocks in reading order.  A source table keeps
  its cells with their row/column spans and a locator (``where``), nothing is interpreted yet.
* the *report layer* — what the interpreter makes of a document, as in docs/contract.md §3:
  :class:`Report` with :class:`Section`, :class:`Cell`, :class:`Check` and warnings.

Every carrier only has to produce a :class:`Document`; the shared interpreter
(:mod:`extract.interpret`) turns any document into a report the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

Number = int | float


# --------------------------------------------------------------------------- carrier layer


@dataclass
class SourceCell:
    """One cell as the carrier found it.

    ``text`` joins the cell's text nodes; a boundary between lines/paragraphs/``<br>`` inside
    the cell is kept as ``"\\n"`` (label normalisation joins them with nothing).
    ``where`` is the carrier's locator for this cell (``"t2/r5/c3"`` in HTML,
    ``"p3 [x0,top,x1,bottom]"`` in PDF, ``"docx t1/r4/c2"`` …).
    """

    text: str
    rowspan: int = 1
    colspan: int = 1
    where: str = ""
    is_header: bool = False  # <th>, or a carrier that knows the cell is a heading


@dataclass
class SourceTable:
    """A table as published: physical rows of cells with spans.

    ``spans_known`` is False for carriers that lost merge information (plain text with tab
    separated cells): blank placeholder cells then stand for merged ones and grid positions
    are not meaningful.
    """

    rows: list[list[SourceCell]]
    where: str = ""
    spans_known: bool = True
    ocr: bool = False  # cells were read by OCR (only kept when checks pass)


@dataclass
class Paragraph:
    """A run of body text (a ``<p>``, a line, a PDF text line …)."""

    text: str
    where: str = ""


@dataclass
class FlattenedTable:
    """A place where a statistical table was published without cell boundaries.

    Produced by carriers that can only see text (plain-text dumps, PDFs without ruling lines
    and unusable word positions).  ``text`` is the flattened run.  The interpreter recognises
    which table it is (for the template) but never reads numbers from it.
    """

    text: str
    where: str = ""


@dataclass
class ImageBlock:
    """An image in the body (a table pasted as a picture, a scanned page)."""

    src: str = ""
    alt: str = ""
    where: str = ""


Block = Paragraph | SourceTable | FlattenedTable | ImageBlock


@dataclass
class Attachment:
    """A link from a report page to a file that may carry the report (PDF, DOC, XLS …)."""

    url: str
    text: str = ""
    kind: str = ""  # extract.sniff.kind_of_url: pdf | doc | docx | … | image | zip | html | other


@dataclass
class Document:
    """What a carrier parser produced from one input document."""

    blocks: list[Block] = field(default_factory=list)
    title: str | None = None  # best title the carrier itself knows (ArticleTitle meta, PDF title …)
    title_candidates: list[str] = field(default_factory=list)  # <title>, heading elements …
    meta: dict[str, str] = field(default_factory=dict)  # PubDate, Author, ContentSource, 发布机构 …
    published: str | None = None  # ISO date (YYYY-MM-DD) the page shows, if any
    attachments: list[Attachment] = field(default_factory=list)
    canonical_url: str | None = None
    carrier: str = "html"  # html | text | pdf | docx | doc | wps | xls | xlsx | image
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    pages: int | None = None

    def text(self) -> str:
        """All paragraph text, one block per line."""
        return "\n".join(b.text for b in self.blocks if isinstance(b, Paragraph))


# --------------------------------------------------------------------------- report layer


@dataclass
class Cell:
    """One canonical value cell (docs/contract.md §3)."""

    table: str
    row: str
    col: str
    value: Number | None
    raw: str
    unit: str | None
    label: str
    where: str

    def key(self) -> tuple[str, str, str]:
        return (self.table, self.row, self.col)


@dataclass
class Check:
    """One consistency check result (docs/report-format.md §7).

    ``ok`` is True (holds), False (fails) or None: *not checkable* — a cell the rule needs is
    missing; ``detail`` then says which in Chinese (``"不可校验：缺少行 total"``).
    """

    rule: str
    column: str
    ok: bool | None
    expected: Number | str | None
    actual: Number | str | None
    table: str | None = None
    detail: str | None = None


@dataclass
class Section:
    number: int | None
    heading: str | None
    text: str


@dataclass
class Report:
    """The extraction of one document (docs/contract.md §3)."""

    source: str
    sha256: str
    template: str = "none"  # "2019" | "2021" | "pre2019" | "none"
    title: str | None = None
    organ: str | None = None
    year: int | None = None
    year_source: str | None = None  # "title" | "period" (the 统计期限 sentence) | "body" | None
    published: str | None = None
    sections: list[Section] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    carrier: str = "html"
    content_type: str | None = None
    encoding: str | None = None
    table_templates: dict[str, str] = field(default_factory=dict)  # per table verdict
    attachments: list[Attachment] = field(default_factory=list)
    canonical_url: str | None = None
    is_report: bool = True  # False when the document does not look like an annual report
    pages: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of docs/contract.md §3 (plus extra keys)."""
        return {
            "source": self.source,
            "sha256": self.sha256,
            "template": self.template,
            "title": self.title,
            "organ": self.organ,
            "year": self.year,
            "year_source": self.year_source,
            "published": self.published,
            "sections": [asdict(s) for s in self.sections],
            "cells": [asdict(c) for c in self.cells],
            "checks": [
                {k: v for k, v in asdict(c).items() if v is not None or k in ("ok", "expected", "actual")}
                for c in self.checks
            ],
            "warnings": list(self.warnings),
            "carrier": self.carrier,
            "content_type": self.content_type,
            "encoding": self.encoding,
            "table_templates": dict(self.table_templates),
            "attachments": [asdict(a) for a in self.attachments],
            "canonical_url": self.canonical_url,
            "is_report": self.is_report,
            "pages": self.pages,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """The report :meth:`to_dict` describes (``Report.from_dict(r.to_dict()) == r``)."""
        nested = {"sections": Section, "cells": Cell, "checks": Check, "attachments": Attachment}
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if f.name in nested:
                value = [nested[f.name](**item) for item in value or []]
            kwargs[f.name] = value
        return cls(**kwargs)

    def cell_map(self) -> dict[tuple[str, str, str], Cell]:
        return {c.key(): c for c in self.cells}


class ExtractionError(Exception):
    """A document could not be read at all (corrupt, encrypted, unsupported …)."""

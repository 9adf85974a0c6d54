"""Report ingestion: extract a report page and its attachments, write one report version.

:func:`ingest_report` runs :func:`extract.extract_document` on the page and on every attachment,
picks the value carrier (the most structured document that has cells), merges the metadata and
writes ``reports``, ``report_urls``, ``attachments``, ``cells``, ``checks``, ``sections`` and
``warnings`` in one transaction.

Identity and versions.  A report is identified by :func:`doc_key` (its canonical URL, with
``_wap`` twins and ``isMobile`` variants folded together).  An ingest ends in one status:

* ``unchanged`` – the report already holds these bytes (page and attachments), or bytes that
  extract to the same content (page chrome such as a visit counter does not make a version);
  only ``last_seen`` moves (and a ``removed_at`` is cleared: the report is back);
* ``duplicate`` – the same report (same content, or the same value-carrier bytes) is already
  archived under another URL: the URL is added to ``report_urls``, no report row is written;
* ``changed`` – the document at this ``doc_key`` now says something else: a new version row
  (``version`` + 1, ``supersedes`` the old one, which gets ``is_current`` 0; ``edited`` 1 on both),
  and what changed (:func:`record_changes`: ``report_changes`` with the text diff, ``cell_changes``);
* ``new`` – a report not seen before.

An attachment (or page) that cannot be extracted keeps its row with ``attachments.error`` and a
``fetch_errors`` row of kind ``extract``; the report is written from what could be read.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import sqlite3
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from archive.store import extraction_cache
from archive.store.crossyear import refresh_reports
from archive.store.db import insert_row, record_fetch_error, timestamp, transaction
from archive.store.transaction import database
from archive.store.urls import doc_key
from extract import extract_document
from extract.meta import organ_from_label, year_from_title
from extract.model import Report
from extract.sniff import kind_of_url

# Rank of carriers for values: lower is more structured.
CARRIER_RANK = {"html": 0, "text": 0, "docx": 0, "doc": 0, "wps": 0, "xlsx": 1, "xls": 1, "pdf": 2, "image": 3}
# A candidate with at least this share of the largest cell count counts as complete.
COMPLETE_SHARE = 0.95


# --------------------------------------------------------------------------- identity
# (a report's doc_key is archive.store.urls.doc_key)


def organ_level(organ: str | None) -> str | None:
    """The administrative level an issuing body's name shows (town, county, city, province, department)."""
    if not organ:
        return None
    name = re.sub(r"\s+", "", organ)
    if re.search(r"(镇|乡|街道)(人民政府|办事处)?$", name) or name.endswith("街道办事处"):
        return "town"
    if re.search(r"(办公厅|办公室|局|委员会|委|厅|中心|院|所|队|站|处|馆|会|署|部)$", name):
        return "department"
    if re.search(r"(省|自治区)人民政府$", name):
        return "province"
    if re.search(r"(县|区|旗)人民政府$", name):
        return "county"
    if re.search(r"(市|州|盟)人民政府$", name):
        return "city"
    return None


def url_kind(url: str, content_type: str | None = None) -> str:
    """Carrier kind guessed from a URL's extension (then the content type)."""
    return kind_of_url(url, content_type)


# --------------------------------------------------------------------------- values


@dataclass
class IngestInput:
    """One fetched document: the report page or an attachment."""

    url: str
    data: bytes
    content_type: str | None = None
    snapshot_id: int | None = None
    fetched: datetime | str | None = None
    link_text: str | None = None
    # the year covered as the crawler read it outside the document, for a document that states none:
    # {"year": 2023, "source": "list_date" | "url_date"} (the list entry's or the URL's date − 1)
    year_hint: dict | None = None

    @property
    def sha256(self) -> str:
        cached = self.__dict__.get("_sha256")
        if cached is None:
            cached = hashlib.sha256(self.data).hexdigest()
            self.__dict__["_sha256"] = cached
        return cached


@dataclass
class IngestResult:
    """What :func:`ingest_report` did."""

    status: str  # new | changed | unchanged | duplicate
    report_id: int  # the row written, or the row that already holds this report
    doc_key: str
    version: int
    supersedes: int | None = None
    carrier_url: str | None = None
    carrier: str | None = None
    sha256: str | None = None  # of the value carrier
    cell_count: int = 0
    checks_failed: int = 0
    warnings: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (url, reason) of unreadable documents


@dataclass
class _Extracted:
    index: int  # 0 = page, 1.. = attachments
    input: IngestInput
    report: Report | None
    error: str | None


@dataclass
class PreparedReport:
    """The extraction half of an ingest (slow, no database writes)."""

    page: IngestInput
    attachments: list[IngestInput]
    key: str
    extracted: list[_Extracted] | None = None  # None when the bytes are already archived


# --------------------------------------------------------------------------- extraction


_MEMO: OrderedDict[tuple[str, str | None, str], Report] = OrderedDict()
MEMO_SIZE = 16


def extracted(data: bytes, content_type: str | None, url: str) -> Report:
    """:func:`extract.extract_document` of a document, remembered for the last few documents (the
    crawler reads a page's content to decide whether it is a report, then ingests it)."""
    key = (hashlib.sha256(data).hexdigest(), content_type, url)
    found = _MEMO.get(key)
    if found is not None:
        _MEMO.move_to_end(key)
        return found
    report = extract_document(data, content_type=content_type, url=url)
    _MEMO[key] = report
    while len(_MEMO) > MEMO_SIZE:
        _MEMO.popitem(last=False)
    return report


def extract_input(inp: IngestInput) -> tuple[Report | None, str | None]:
    """Extract one document as ingestion does: ``(report, None)``, or ``(None, error)`` for a
    document that cannot be read (a corrupt file or a carrier bug: recorded, never fatal)."""
    try:
        report = extracted(inp.data, inp.content_type, inp.url)
    except Exception as exc:
        message = str(exc).strip() or exc.__class__.__name__
        return None, f"{exc.__class__.__name__}: {message}"
    return report, None


def _extract(index: int, inp: IngestInput) -> _Extracted:
    cached = extraction_cache.lookup(inp.sha256, inp.url, inp.content_type)
    if cached is not None:  # extracted ahead (rebuild --jobs, the queue's extraction jobs)
        return _Extracted(index, inp, cached.report, cached.error)
    report, error = extract_input(inp)
    return _Extracted(index, inp, report, error)


def _section_text(report: Report | None) -> int:
    if report is None:
        return 0
    return sum(len((s.text or "").strip()) for s in report.sections)


def _checks_failed(report: Report) -> int:
    return sum(1 for c in report.checks if c.ok is False)


def choose_carrier(extracted: list[_Extracted]) -> _Extracted:
    """The document the values come from.

    Among documents with cells, those with (nearly) the largest cell count compete and the most
    structured carrier wins (HTML/text/DOCX/DOC/WPS table > XLS/XLSX > PDF > image), then fewer
    failed checks, more cells, the page before attachments.  Without cells anywhere: the page
    when it carries at least half of the longest section text, else the document with most text.
    """
    with_cells = [e for e in extracted if e.report is not None and e.report.cells]
    if with_cells:
        most = max(len(e.report.cells) for e in with_cells)  # type: ignore[union-attr]
        complete = [e for e in with_cells if len(e.report.cells) >= COMPLETE_SHARE * most]  # type: ignore[union-attr]
        return min(
            complete,
            key=lambda e: (
                CARRIER_RANK.get(e.report.carrier, 2),  # type: ignore[union-attr]
                _checks_failed(e.report),  # type: ignore[arg-type]
                -len(e.report.cells),  # type: ignore[union-attr]
                e.index,
            ),
        )
    longest = max((_section_text(e.report) for e in extracted), default=0)
    page = extracted[0]
    if page.report is not None and _section_text(page.report) * 2 >= longest:
        return page
    readable = [e for e in extracted if e.report is not None]
    if not readable:
        return page
    return max(readable, key=lambda e: (_section_text(e.report), -e.index))


def content_fingerprint(merged: dict) -> str | None:
    """SHA-256 over what a report says (metadata, sections, cells); None when it says nothing."""
    if not merged["cells"] and not any((s.text or "").strip() for s in merged["sections"]):
        return None
    body = {
        "template": merged["template"],
        "title": merged["title"],
        "organ": merged["organ"],
        "year": merged["year"],
        "sections": [[s.number, s.heading, s.text] for s in merged["sections"]],
        "cells": sorted(
            [c.table, c.row, c.col, c.raw, None if c.value is None else repr(c.value), c.unit] for c in merged["cells"]
        ),
    }
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


_PERIOD_RE = re.compile(
    r"统计(?:期限|时限|时间|周期)[^。]{0,40}?((?:19|20)\d{2})\s*年|自\s*((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日"
)
YEAR_SOURCES = ("title", "period", "body", "list_date", "url_date", "published")


def year_source_of(report: Report) -> str | None:
    """Where the extracted year came from: ``title``, ``period`` (the 统计期限 sentence), ``body``
    (other document text) or ``published`` (the publication year − 1, the last resort)."""
    declared = getattr(report, "year_source", None)
    if declared:
        return str(declared)
    year = report.year
    if year is None:
        return None
    if year_from_title(report.title) == year:
        return "title"
    text = unicodedata.normalize("NFKC", "\n".join(s.text or "" for s in report.sections))
    for m in _PERIOD_RE.finditer(text[:8000]):
        if int(m.group(1) or m.group(2)) == year:
            return "period"
    if str(year) in text:
        return "body"
    if report.published and int(report.published[:4]) - 1 == year:
        return "published"
    return "body"


def _year(reports: list[_Extracted], hint: dict | None) -> tuple[int | None, str | None]:
    """The year covered and where it came from: the documents first (title, 统计期限, text), then the
    crawler's reading of the list entry or URL date, then the publication year − 1."""
    found = [(e.report.year, year_source_of(e.report)) for e in reports if e.report is not None and e.report.year]
    for year, source in found:
        if source != "published":
            return year, source
    if hint and hint.get("year") and hint.get("source") in YEAR_SOURCES:
        return int(hint["year"]), str(hint["source"])
    return found[0] if found else (None, None)


def _merge(extracted: list[_Extracted], carrier: _Extracted) -> dict:
    """The report as stored: values from the carrier, metadata completed from the others."""
    page = extracted[0]
    order = [carrier] + [page] + [e for e in extracted if e is not carrier and e is not page]
    reports = [e.report for e in order if e.report is not None]

    def first(attr: str):
        for rep in reports:
            value = getattr(rep, attr)
            if value not in (None, ""):
                return value
        return None

    creport = carrier.report
    sections = list(creport.sections) if creport is not None and _section_text(creport) else []
    if not sections:
        best = max(
            (
                e
                for e in [page] + [e for e in extracted if e is not page]
                if e.report is not None and _section_text(e.report)
            ),
            key=lambda e: _section_text(e.report),
            default=None,
        )
        if best is not None:
            sections = list(best.report.sections)  # type: ignore[union-attr]
    published = None
    for rep in [page.report, creport] + [e.report for e in extracted]:
        if rep is not None and rep.published:
            published = rep.published
            break
    organ = first("organ")
    if organ is None:
        text = "\n".join(sec.text for sec in sections)
        organ = organ_from_label(page.input.link_text, text)
    year, year_source = _year(order, page.input.year_hint)
    return {
        "title": first("title"),
        "organ": organ,
        "year": year,
        "year_source": year_source,
        "template": creport.template if creport is not None else "none",
        "published": published,
        "sections": sections,
        "cells": list(creport.cells) if creport is not None else [],
        "checks": list(creport.checks) if creport is not None else [],
        "warnings": list(creport.warnings) if creport is not None else [],
        "carrier": creport.carrier if creport is not None else url_kind(carrier.input.url, carrier.input.content_type),
        "content_type": carrier.input.content_type or (creport.content_type if creport is not None else None),
        "canonical_url": page.report.canonical_url if page.report is not None else None,
        "is_report": any(e.report is not None and e.report.is_report for e in extracted),
    }


# --------------------------------------------------------------------------- database reads


def _current(conn: sqlite3.Connection, key: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM reports WHERE doc_key = ? AND is_current = 1 ORDER BY version DESC, id DESC LIMIT 1", (key,)
    ).fetchone()


def _attachment_shas(conn: sqlite3.Connection, report_id: int) -> list[str]:
    return sorted(
        r[0]
        for r in conn.execute("SELECT sha256 FROM attachments WHERE report_id = ? AND sha256 IS NOT NULL", (report_id,))
    )


def _byte_match(
    conn: sqlite3.Connection, key: str, page: IngestInput, attachments: list[IngestInput]
) -> sqlite3.Row | None:
    """A current report holding exactly these page and attachment bytes (own doc_key first)."""
    wanted = sorted(a.sha256 for a in attachments)
    rows = conn.execute(
        "SELECT * FROM reports WHERE page_sha256 = ? AND is_current = 1 ORDER BY (doc_key = ?) DESC, id",
        (page.sha256, key),
    ).fetchall()
    for row in rows:
        if _attachment_shas(conn, row["id"]) == wanted:
            return row
    return None


def _content_match(conn: sqlite3.Connection, key: str, fingerprint: str | None, carrier_sha: str) -> sqlite3.Row | None:
    """A current report with the same content: own doc_key by fingerprint, others also by carrier bytes."""
    if fingerprint is not None:
        row = conn.execute(
            "SELECT * FROM reports WHERE content_sha256 = ? AND is_current = 1 ORDER BY (doc_key = ?) DESC, id LIMIT 1",
            (fingerprint, key),
        ).fetchone()
        if row is not None:
            return row
    return conn.execute(
        "SELECT * FROM reports WHERE sha256 = ? AND is_current = 1 AND doc_key != ? ORDER BY id LIMIT 1",
        (carrier_sha, key),
    ).fetchone()


def _url_known(conn: sqlite3.Connection, report_id: int, url: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM report_urls WHERE report_id = ? AND url = ?", (report_id, url)).fetchone()
        is not None
    )


# --------------------------------------------------------------------------- ingest


def prepare_report(conn: sqlite3.Connection, *, page: IngestInput, attachments: list[IngestInput]) -> PreparedReport:
    """Extract the documents unless the archive already holds exactly these bytes."""
    key = doc_key(page.url)
    prepared = PreparedReport(page, list(attachments), key)
    if _byte_match(conn, key, page, attachments) is None:
        prepared.extracted = [_extract(i, inp) for i, inp in enumerate([page, *attachments])]
    return prepared


def prepared_extraction(page: IngestInput, report: Report) -> PreparedReport:
    """An ingest of ``page`` whose extraction was made elsewhere (``report``): :func:`write_report`
    then writes exactly the rows an ingest of the page's bytes extracting to ``report`` writes (a
    bulk load of extracted reports, the national-scale benchmark)."""
    return PreparedReport(page, [], doc_key(page.url), [_Extracted(0, page, report, None)])


def _add_url(conn: sqlite3.Connection, report_id: int, url: str, when: str) -> None:
    """Note a URL of the report (raw SQL: every unchanged report of a recrawl or rebuild passes here)."""
    conn.execute(
        "INSERT OR IGNORE INTO report_urls(report_id, url, first_seen, url_key) VALUES (?, ?, ?, ?)",
        (report_id, url, when, doc_key(url)),
    )


def _seen(conn: sqlite3.Connection, row: sqlite3.Row, page: IngestInput, status: str) -> IngestResult:
    when = timestamp(page.fetched)
    conn.execute(
        "UPDATE reports SET last_seen = max(coalesce(last_seen, ''), ?) WHERE id = ?",
        (when, row["id"]),
    )
    conn.execute("UPDATE reports SET removed_at = NULL WHERE doc_key = ? AND removed_at IS NOT NULL", (row["doc_key"],))
    _add_url(conn, row["id"], page.url, when)
    return IngestResult(
        status=status,
        report_id=row["id"],
        doc_key=row["doc_key"],
        version=row["version"],
        supersedes=row["supersedes"],
        carrier=row["carrier"],
        sha256=row["sha256"],
        cell_count=row["cell_count"] or 0,
        checks_failed=row["checks_failed"] or 0,
    )


def write_report(
    conn: sqlite3.Connection, prepared: PreparedReport, *, portal: str | None = None, run_id: int | None = None
) -> IngestResult:
    """The database half of an ingest: classify and write, in one transaction."""
    page, attachments, key = prepared.page, prepared.attachments, prepared.key
    with transaction(conn):
        match = _byte_match(conn, key, page, attachments)
        if match is not None:
            known = _url_known(conn, match["id"], page.url)
            return _seen(conn, match, page, "unchanged" if known else "duplicate")
        if prepared.extracted is None:  # the archive changed since prepare_report
            prepared.extracted = [_extract(i, inp) for i, inp in enumerate([page, *attachments])]
        extracted = prepared.extracted
        carrier = choose_carrier(extracted)
        merged = _merge(extracted, carrier)
        fingerprint = content_fingerprint(merged)
        match = _content_match(conn, key, fingerprint, carrier.input.sha256)
        if match is not None:
            known = _url_known(conn, match["id"], page.url)
            return _seen(conn, match, page, "unchanged" if known else "duplicate")
        current = _current(conn, key)
        result = _insert(conn, prepared, carrier, merged, fingerprint, current, portal, run_id)
        # R5–R7: this version against the previous year's report of its office, and the next year's against it
        refresh_reports(conn, [result.report_id, result.supersedes])
        return result


def ingest_report(
    conn: sqlite3.Connection,
    *,
    archive_dir: Path | str | None = None,
    page: IngestInput,
    attachments: list[IngestInput],
    portal: str | None = None,
    run_id: int | None = None,
) -> IngestResult:
    """Extract ``page`` and ``attachments`` and write the report (see the module docstring).

    ``archive_dir`` is accepted for symmetry with the WARC-backed callers; the bytes come in the
    inputs.  Use :class:`archive.store.session.ArchiveSession` during a crawl so the decision is also
    recorded in the WARC files (and can be rebuilt).
    """
    prepared = prepare_report(conn, page=page, attachments=attachments)
    return write_report(conn, prepared, portal=portal, run_id=run_id)


def _portal_level(conn: sqlite3.Connection, portal: str | None) -> str | None:
    if not portal:
        return None
    row = conn.execute("SELECT level FROM portals WHERE id = ?", (portal,)).fetchone()
    return row[0] if row else None


def storable(value: object) -> bool:
    """SQLite keeps the value exactly: not an integer beyond 64 bits (a report's values are
    bounded by :data:`extract.values.MAX_DIGITS`; this guards the insert, a report is never lost to it)."""
    return not isinstance(value, int) or -(2**63) <= value < 2**63


def _stored(value: object) -> object:
    return value if storable(value) else str(value)


def _insert(
    conn: sqlite3.Connection,
    prepared: PreparedReport,
    carrier: _Extracted,
    merged: dict,
    fingerprint: str | None,
    current: sqlite3.Row | None,
    portal: str | None,
    run_id: int | None,
) -> IngestResult:
    page = prepared.page
    extracted = prepared.extracted or []
    when = timestamp(page.fetched)
    warnings = list(merged["warnings"])
    if not merged["is_report"] and any(e.report is not None for e in extracted):
        warnings.append("提取: 文档不像政府信息公开工作年度报告 (document does not look like an annual report)")
    version = (current["version"] + 1) if current is not None else 1
    status = "changed" if current is not None else "new"
    if current is not None:
        conn.execute("UPDATE reports SET is_current = 0, edited = 1 WHERE id = ?", (current["id"],))
    cells = merged["cells"]
    checks = merged["checks"]
    failed = sum(1 for c in checks if c.ok is False)  # not checkable (None) is no failure
    report_id = insert_row(conn, "reports", {
        "url": page.url,
        "title": merged["title"],
        "organ": merged["organ"],
        "year": merged["year"],
        "template": merged["template"],
        "published": merged["published"],
        "fetched": when,
        "sha256": carrier.input.sha256,
        "portal": portal,
        "doc_key": prepared.key,
        "version": version,
        "is_current": 1,
        "supersedes": current["id"] if current is not None else None,
        "edited": 1 if current is not None else 0,
        "removed_at": None,
        "page_sha256": page.sha256,
        "snapshot_id": page.snapshot_id,
        "source_snapshot_id": carrier.input.snapshot_id,
        "carrier": merged["carrier"],
        "content_type": merged["content_type"],
        "canonical_url": merged["canonical_url"],
        "level": organ_level(merged["organ"]) or _portal_level(conn, portal),
        "cell_count": len(cells),
        "checks_failed": failed,
        "warning_count": len(warnings),
        "last_seen": when,
        "run_id": run_id,
        "content_sha256": fingerprint,
        "year_source": merged["year_source"],
    })  # fmt: skip
    _add_url(conn, report_id, page.url, when)
    attachment_rows = database(conn).table("attachments")
    errors: list[tuple[str, str]] = []
    for item in extracted:
        if item.error is not None:
            errors.append((item.input.url, item.error))
            record_fetch_error(
                conn, run_id, portal, item.input.url, "extract", item.error, at=timestamp(item.input.fetched)
            )
            if item.index == 0:
                warnings.append(f"提取失败 (page not readable): {item.error}")
    for item in extracted[1:]:
        inp = item.input
        kind = item.report.carrier if item.report is not None else url_kind(inp.url, inp.content_type)
        attachment_rows.insert({"report_id": report_id, "url": inp.url, "link_text": inp.link_text, "sha256": inp.sha256,
                                "content_type": inp.content_type, "kind": kind, "snapshot_id": inp.snapshot_id,
                                "used_for_values": 1 if item is carrier else 0, "error": item.error}, ignore=True)  # fmt: skip
    page_report = extracted[0].report if extracted else None
    if page_report is not None:
        for link in page_report.attachments:
            attachment_rows.insert({"report_id": report_id, "url": link.url, "link_text": link.text or None,
                                    "kind": link.kind or url_kind(link.url)}, ignore=True)  # fmt: skip
    for c in cells:
        if not storable(c.value):
            warnings.append(f"cell {c.table}/{c.row}/{c.col} value out of range ({c.raw!r}): kept without a value")
    conn.executemany(
        'INSERT INTO cells(report_id, table_name, "row", col, value, raw, unit, label, "where") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [(report_id, c.table, c.row, c.col, c.value if storable(c.value) else None, c.raw, c.unit, c.label, c.where)
         for c in cells],
    )  # fmt: skip
    conn.executemany(
        'INSERT INTO checks(report_id, rule, "column", ok, expected, actual, table_name, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [(report_id, c.rule, c.column, None if c.ok is None else int(bool(c.ok)), _stored(c.expected), _stored(c.actual), c.table, c.detail)
         for c in checks],
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO sections(report_id, number, heading, text) VALUES (?, ?, ?, ?)",
        [(report_id, s.number, s.heading, s.text) for s in merged["sections"]],
    )
    conn.executemany("INSERT INTO warnings(report_id, message) VALUES (?, ?)", [(report_id, w) for w in warnings])
    conn.execute("UPDATE reports SET warning_count = ? WHERE id = ?", (len(warnings), report_id))
    if current is not None:
        record_changes(conn, current["id"], report_id, when)
    return IngestResult(
        status=status,
        report_id=report_id,
        doc_key=prepared.key,
        version=version,
        supersedes=current["id"] if current is not None else None,
        carrier_url=carrier.input.url,
        carrier=merged["carrier"],
        sha256=carrier.input.sha256,
        cell_count=len(cells),
        checks_failed=failed,
        warnings=warnings,
        errors=errors,
    )


# --------------------------------------------------------------------------- changes between versions

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
_FIELDS = ("title", "organ", "year", "template", "published", "carrier")


def _cells_by_key(conn: sqlite3.Connection, report_id: int) -> dict[tuple, sqlite3.Row]:
    """Cells of a report by (table, row, col, occurrence) — a key that repeats keeps each occurrence."""
    out: dict[tuple, sqlite3.Row] = {}
    seen: dict[tuple, int] = {}
    for cell in conn.execute("SELECT * FROM cells WHERE report_id = ? ORDER BY id", (report_id,)):
        key = (cell["table_name"], cell["row"], cell["col"])
        n = seen.get(key, 0)
        seen[key] = n + 1
        out[key + (n,)] = cell
    return out


def _same_cell(a: sqlite3.Row, b: sqlite3.Row) -> bool:
    return (a["raw"], a["value"], a["unit"]) == (b["raw"], b["value"], b["unit"])


def text_lines(sections: list[tuple]) -> list[str]:
    """The section text as diff lines: a heading line per section, then one line per sentence."""
    lines: list[str] = []
    for number, heading, text in sections:
        lines.append(f"## {heading or f'（{number}）'}")
        for paragraph in (text or "").splitlines():
            lines += [s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip()]
    return lines


def text_diff(old: list[tuple], new: list[tuple], old_label: str = "previous", new_label: str = "new") -> str:
    """Unified diff of two reports' sections (``(number, heading, text)`` tuples), one sentence a line."""
    diff = difflib.unified_diff(text_lines(old), text_lines(new), old_label, new_label, n=1, lineterm="")
    return "\n".join(diff)


def _attachment_map(conn: sqlite3.Connection, report_id: int) -> dict[str, str | None]:
    return {
        r["url"]: r["sha256"]
        for r in conn.execute(
            "SELECT url, sha256 FROM attachments WHERE report_id = ? AND sha256 IS NOT NULL", (report_id,)
        )
    }


def _report_row(conn: sqlite3.Connection, report_id: int) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
    if row is None:
        raise KeyError(f"no report {report_id}")
    return row


def record_changes(conn: sqlite3.Connection, previous_id: int, report_id: int, when: str | None) -> int:
    """Record what differs between report version ``report_id`` and ``previous_id`` it supersedes.

    Writes one ``report_changes`` row (kind page | attachment | both | content, counts, the unified
    diff of the section text, changed metadata fields) and one ``cell_changes`` row per cell that
    changed, appeared or disappeared; returns the ``report_changes`` id.  Runs inside the ingest
    transaction, so ``rebuild`` reproduces it.
    """
    old, new = _report_row(conn, previous_id), _report_row(conn, report_id)
    page_changed = int(old["page_sha256"] != new["page_sha256"])
    old_att, new_att = _attachment_map(conn, previous_id), _attachment_map(conn, report_id)
    attachments_changed = sum(1 for u in set(old_att) | set(new_att) if old_att.get(u) != new_att.get(u))
    kind = {(1, True): "both", (1, False): "page", (0, True): "attachment"}.get(
        (page_changed, attachments_changed > 0), "content"
    )
    old_cells, new_cells = _cells_by_key(conn, previous_id), _cells_by_key(conn, report_id)
    rows: list[tuple] = []
    for key in list(old_cells) + [k for k in new_cells if k not in old_cells]:
        a, b = old_cells.get(key), new_cells.get(key)
        if a is not None and b is not None and _same_cell(a, b):
            continue
        change = "changed" if a is not None and b is not None else "removed" if b is None else "added"
        either = b if b is not None else a
        assert either is not None  # the key comes from one of the two
        rows.append((report_id, previous_id, key[0], key[1], key[2], change,
                     a["value"] if a is not None else None, b["value"] if b is not None else None,
                     a["raw"] if a is not None else None, b["raw"] if b is not None else None,
                     a["unit"] if a is not None else None, b["unit"] if b is not None else None,
                     either["label"]))  # fmt: skip
    counts = {c: sum(1 for r in rows if r[5] == c) for c in ("changed", "added", "removed")}
    sql = "SELECT number, heading, text FROM sections WHERE report_id = ? ORDER BY id"
    old_sections = [tuple(r) for r in conn.execute(sql, (previous_id,))]
    new_sections = [tuple(r) for r in conn.execute(sql, (report_id,))]
    sections_changed = sum(
        1
        for i in range(max(len(old_sections), len(new_sections)))
        if (old_sections[i] if i < len(old_sections) else None) != (new_sections[i] if i < len(new_sections) else None)
    )
    fields = {f: [old[f], new[f]] for f in _FIELDS if old[f] != new[f]}
    change_id = insert_row(conn, "report_changes", {
        "report_id": report_id,
        "previous_id": previous_id,
        "doc_key": new["doc_key"],
        "detected": when,
        "kind": kind,
        "page_changed": page_changed,
        "attachments_changed": attachments_changed,
        "cells_changed": counts["changed"],
        "cells_added": counts["added"],
        "cells_removed": counts["removed"],
        "sections_changed": sections_changed,
        "text_diff": text_diff(old_sections, new_sections, f"v{old['version']}", f"v{new['version']}") or None,
        "fields": json.dumps(fields, ensure_ascii=False, sort_keys=True) if fields else None,
    })  # fmt: skip
    conn.executemany(
        """
        INSERT INTO cell_changes(change_id, report_id, previous_id, table_name, "row", col, change, old_value,
            new_value, old_raw, new_raw, old_unit, new_unit, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [(change_id, *r) for r in rows],
    )
    return change_id


def mark_removed(conn: sqlite3.Connection, doc_key_or_url: str, when: datetime | str | None = None) -> int:
    """Mark every version of a report the portal no longer serves (``removed_at``); returns rows marked.

    Accepts a ``doc_key`` or any URL of the report (folded with :func:`doc_key`).
    """
    key = doc_key(doc_key_or_url)
    with transaction(conn):
        cur = conn.execute(
            "UPDATE reports SET removed_at = ? WHERE doc_key = ? AND removed_at IS NULL", (timestamp(when), key)
        )
    return cur.rowcount

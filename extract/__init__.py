"""nianbao extraction: one report document (bytes) in, canonical tables and text out.

>>> from extract import extract_document
>>> report = extract_document(open("report.html", "rb").read(), content_type="text/html")
>>> report.template, len(report.cells)

Carriers (HTML, plain text, PDF, DOCX, DOC/WPS, XLS/XLSX, images) each produce a
:class:`~extract.model.Document`; :func:`~extract.interpret.interpret` turns any document
into a :class:`~extract.model.Report` the same way.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
from collections.abc import Callable
from typing import TypeVar

from extract.html import parse_html
from extract.interpret import interpret
from extract.limits import bound_document, budget_for, check_size, run_limited
from extract.model import Document, ExtractionError, Report
from extract.sniff import sniff_kind
from extract.text import parse_text

__all__ = ["extract_document", "parse_document", "Report", "ExtractionError", "MAX_DOCUMENT_BYTES"]

MAX_DOCUMENT_BYTES = 200 * 1024 * 1024
# carrier kind → (module, parser function), imported on first use.  The module imports its
# libraries (PDFium, pdfplumber, python-docx, openpyxl …) at its top, so they load once in this
# process and every limited child forked afterwards inherits them: importing them in each child
# instead cost ~80 ms per PDF (57 vs 140 ms median per report, bench_pdf documents).
_CARRIERS: dict[str, tuple[str, str]] = {
    "pdf": ("extract.pdf", "parse_pdf"),
    "docx": ("extract.docx", "parse_docx"),
    "doc": ("extract.office", "parse_doc"),
    "wps": ("extract.office", "parse_wps"),
    "xlsx": ("extract.spreadsheet", "parse_xlsx"),
    "xls": ("extract.spreadsheet", "parse_xls"),
    "rtf": ("extract.office", "parse_rtf"),
    "image": ("extract.images", "parse_image"),
}
# OCR of an image runs here (tesseract has its own timeout); every other carrier runs in a limited
# child, HTML and text only when they are larger than their budget's in-process size
_IN_PROCESS = {"image"}
_CHEAP = {"html": parse_html, "text": parse_text}
T = TypeVar("T")


def _parser(kind: str) -> Callable[..., Document]:
    if kind in _CHEAP:
        return _CHEAP[kind]
    module, func = _CARRIERS[kind]
    try:
        return getattr(importlib.import_module(module), func)
    except (ImportError, AttributeError) as exc:
        raise ExtractionError(f"no reader for {kind} documents ({exc})") from exc


def _parse_bounded(kind: str, parser: Callable[..., Document], *args) -> Document:
    doc = bound_document(parser(*args))
    doc.carrier = doc.carrier or kind
    return doc


def _extract_bounded(
    kind: str, parser: Callable[..., Document], *args, source: str, sha: str, content_type: str | None
) -> Report:
    return interpret(_parse_bounded(kind, parser, *args), source=source, sha256=sha, content_type=content_type)


def _within_budget(
    data: bytes,
    content_type: str | None,
    url: str | None,
    work: Callable[..., T],
    *,
    limited: bool,
    timeout_s: float | None,
    max_memory_mb: int | None,
) -> T:
    """``work(kind, parser, *parser_args)`` for the carrier of ``data``: in a limited child
    unless the document is small enough to be read here (:func:`extract.limits.budget_for`)."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ExtractionError(f"document too large ({len(data)} bytes > {MAX_DOCUMENT_BYTES})")
    if not data:
        raise ExtractionError("empty document")
    kind = sniff_kind(data, content_type, url)
    if kind not in _CARRIERS and kind not in _CHEAP:
        raise ExtractionError(f"unsupported document type ({kind})")
    check_size(kind, len(data))
    budget = budget_for(kind, len(data))
    parser = _parser(kind)
    args = (data, content_type, url) if kind in _CHEAP else (data, url) if kind in _IN_PROCESS else (data,)
    if not limited or kind in _IN_PROCESS or len(data) <= budget.in_process_bytes:
        return work(kind, parser, *args)
    return run_limited(
        work,
        kind,
        parser,
        *args,
        name=getattr(parser, "__name__", kind),
        timeout_s=timeout_s if timeout_s is not None else budget.wall_s,
        cpu_s=None if timeout_s is not None else budget.cpu_s,  # a timeout given replaces the budget
        max_memory_mb=max_memory_mb if max_memory_mb is not None else budget.memory_mb,
    )


def parse_document(
    data: bytes,
    content_type: str | None = None,
    url: str | None = None,
    *,
    limited: bool = True,
    timeout_s: float | None = None,
    max_memory_mb: int | None = None,
) -> Document:
    """Sniff the carrier and parse the bytes into a :class:`Document`.

    Each carrier runs within its budget (:func:`extract.limits.budget_for`: size, processor
    time and memory scaled to what a report of that kind can be); ``timeout_s`` (wall-clock) and
    ``max_memory_mb`` replace the budget's.  Raises :class:`ExtractionError` for documents that cannot be read
    (corrupt, encrypted, unsupported, too large, too slow).
    """
    return _within_budget(
        data, content_type, url, _parse_bounded, limited=limited, timeout_s=timeout_s, max_memory_mb=max_memory_mb
    )


def extract_document(
    data: bytes,
    content_type: str | None = None,
    url: str | None = None,
    source: str | None = None,
    *,
    limited: bool = True,
    timeout_s: float | None = None,
    max_memory_mb: int | None = None,
) -> Report:
    """Extract one report document: tables as canonical cells, text as sections, checks.

    ``source`` is what the JSON's ``source`` field shows (a path or URL; defaults to ``url``).
    Reading and interpreting run together within the document's budget (see
    :func:`parse_document`).  Raises :class:`ExtractionError` when the document cannot be read.
    """
    work = functools.partial(
        _extract_bounded,
        source=source or url or "<bytes>",
        sha=hashlib.sha256(data).hexdigest(),
        content_type=content_type,
    )
    return _within_budget(
        data, content_type, url, work, limited=limited, timeout_s=timeout_s, max_memory_mb=max_memory_mb
    )

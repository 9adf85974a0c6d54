"""nianbao extraction: one report document (bytes) in, canonical tables and text out.

>>> from extract import extract_document
>>> report = extract_document(open("report.html", "rb").read(), content_type="text/html")
>>> report.template, len(report.cells)

Carriers (HTML, plain text, PDF, DOCX, DOC/WPS, XLS/XLSX, images) each produce a
:class:`~extract.model.Document`; :func:`~extract.interpret.interpret` turns any document
into a :class:`~extract.model.Report` the same way.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable

from extract.html import parse_html
from extract.interpret import interpret
from extract.limits import run_limited
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
# binary carriers run in a limited child process; OCR of an image runs here (tesseract has its own timeout)
_IN_PROCESS = {"image"}
DEFAULT_TIMEOUT_S = 120
DEFAULT_MEMORY_MB = 2048


def _parser(kind: str) -> Callable[..., Document]:
    module, func = _CARRIERS[kind]
    try:
        return getattr(importlib.import_module(module), func)
    except (ImportError, AttributeError) as exc:
        raise ExtractionError(f"no reader for {kind} documents ({exc})") from exc


def parse_document(
    data: bytes,
    content_type: str | None = None,
    url: str | None = None,
    *,
    limited: bool = True,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_memory_mb: int = DEFAULT_MEMORY_MB,
) -> Document:
    """Sniff the carrier and parse the bytes into a :class:`Document`.

    Raises :class:`ExtractionError` for documents that cannot be read (corrupt, encrypted,
    unsupported, too large, too slow).
    """
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ExtractionError(f"document too large ({len(data)} bytes > {MAX_DOCUMENT_BYTES})")
    if not data:
        raise ExtractionError("empty document")
    kind = sniff_kind(data, content_type, url)
    if kind == "html":
        return parse_html(data, content_type, url)
    if kind == "text":
        return parse_text(data, content_type, url)
    if kind in _IN_PROCESS:
        return _parser(kind)(data, url)
    if kind in _CARRIERS:
        parser = _parser(kind)
        if limited:
            doc = run_limited(parser, data, timeout_s=timeout_s, max_memory_mb=max_memory_mb)
        else:
            doc = parser(data)
        doc.carrier = doc.carrier or kind
        return doc
    raise ExtractionError(f"unsupported document type ({kind})")


def extract_document(
    data: bytes,
    content_type: str | None = None,
    url: str | None = None,
    source: str | None = None,
    **limits,
) -> Report:
    """Extract one report document: tables as canonical cells, text as sections, checks.

    ``source`` is what the JSON's ``source`` field shows (a path or URL; defaults to ``url``).
    Raises :class:`ExtractionError` when the document cannot be read at all.
    """
    sha = hashlib.sha256(data).hexdigest()
    doc = parse_document(data, content_type, url, **limits)
    return interpret(doc, source=source or url or "<bytes>", sha256=sha, content_type=content_type)

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

from extract.model import Document, ExtractionError, ImageBlock, Report

__all__ = ["extract_document", "parse_document", "Report", "ExtractionError", "MAX_DOCUMENT_BYTES"]

MAX_DOCUMENT_BYTES = 200 * 1024 * 1024
# carrier kind → (module, parser function); binary carriers run in a limited child process
_BINARY_CARRIERS: dict[str, tuple[str, str]] = {
    "pdf": ("extract.pdf", "parse_pdf"),
    "docx": ("extract.docx", "parse_docx"),
    "doc": ("extract.office", "parse_doc"),
    "wps": ("extract.office", "parse_wps"),
    "xlsx": ("extract.spreadsheet", "parse_xlsx"),
    "xls": ("extract.spreadsheet", "parse_xls"),
    "rtf": ("extract.office", "parse_rtf"),
}
DEFAULT_TIMEOUT_S = 120
DEFAULT_MEMORY_MB = 2048


def _parser(kind: str) -> Callable[[bytes], Document]:
    module, func = _BINARY_CARRIERS[kind]
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
    from extract.sniff import sniff_kind

    if len(data) > MAX_DOCUMENT_BYTES:
        raise ExtractionError(f"document too large ({len(data)} bytes > {MAX_DOCUMENT_BYTES})")
    if not data:
        raise ExtractionError("empty document")
    kind = sniff_kind(data, content_type, url)
    if kind == "html":
        from extract.html import parse_html

        return parse_html(data, content_type, url)
    if kind == "text":
        from extract.text import parse_text

        return parse_text(data, content_type, url)
    if kind in _BINARY_CARRIERS:
        parser = _parser(kind)
        if limited:
            from extract.limits import run_limited

            doc = run_limited(parser, data, timeout_s=timeout_s, max_memory_mb=max_memory_mb)
        else:
            doc = parser(data)
        doc.carrier = doc.carrier or kind
        return doc
    if kind == "image":
        doc = Document(blocks=[ImageBlock(url or "", "")], carrier="image")
        try:
            from extract.images import ocr_table
        except ImportError:
            return doc
        table = ocr_table(data)
        if table is not None:
            table.ocr = True
            doc.blocks.append(table)
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
    from extract.interpret import interpret

    sha = hashlib.sha256(data).hexdigest()
    doc = parse_document(data, content_type, url, **limits)
    return interpret(doc, source=source or url or "<bytes>", sha256=sha, content_type=content_type)

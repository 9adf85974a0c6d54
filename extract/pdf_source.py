"""What a PDF page holds, read with PDFium (pypdfium2): characters, ruling-line edges, images.

PDFium parses content streams in C — about ten times faster than pdfminer on the table-heavy
pages offices print — so this module feeds the PDF carrier.  It returns the same shapes
pdfplumber uses (char dicts with ``text``, ``x0``, ``x1``, ``top``, ``bottom``, ``size``,
``upright``, ``matrix``; edge dicts with ``orientation`` ``h``/``v``), top-left origin in PDF
points, so pdfplumber's lattice functions find the tables (:func:`find_tables`).
"""

from __future__ import annotations

import ctypes
import math
import re
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as raw
from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

from extract.model import ExtractionError

SNAP = 3.0  # points: edges this close are one ruling line (pdfplumber's default tolerances)
MIN_EDGE = 3.0


@dataclass
class PageSource:
    number: int
    width: float
    height: float
    chars: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    images: list[tuple[float, float, float, float]] = field(default_factory=list)
    unmapped: int = 0  # characters without a Unicode mapping (garbled text layer)


class PdfSource:
    """An open PDF document (PDFium)."""

    def __init__(self, data: bytes):
        if b"%PDF" not in data[:1024]:
            raise ExtractionError("not a PDF: the file does not start with %PDF")
        try:
            self.doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as e:
            code = getattr(e, "err_code", None)
            if code == 4:
                raise ExtractionError("encrypted PDF: a password is required to open it") from e
            if code == 5:
                raise ExtractionError("encrypted PDF: unsupported security handler") from e
            if code == 3:
                raise ExtractionError("corrupt or truncated PDF: PDFium cannot parse it") from e
            raise ExtractionError(f"unreadable PDF: {e}") from e
        self.pages = len(self.doc)
        if self.pages == 0:
            self.close()
            raise ExtractionError("corrupt or truncated PDF: no pages found")

    def metadata(self) -> dict[str, str]:
        try:
            return {k: v for k, v in self.doc.get_metadata_dict().items() if v}
        except Exception:
            return {}

    def page(self, index: int) -> PageSource:
        """Characters, edges and images of page ``index`` (0-based)."""
        page = self.doc[index]
        try:
            width, height = page.get_size()
            out = PageSource(index + 1, float(width), float(height))
            _chars(page, out)
            _objects(page, out)
            return out
        finally:
            page.close()

    def close(self) -> None:
        self.doc.close()

    def __enter__(self) -> PdfSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _chars(page, out: PageSource) -> None:
    textpage = page.get_textpage()
    try:
        tp = textpage.raw
        rect = raw.FS_RECTF()
        h = out.height
        for i in range(raw.FPDFText_CountChars(tp)):
            if raw.FPDFText_IsGenerated(tp, i):
                continue
            code = raw.FPDFText_GetUnicode(tp, i)
            if code < 32 or code in (0xFFFE, 0xFFFF, 0xFEFF):
                continue
            if raw.FPDFText_HasUnicodeMapError(tp, i):
                out.unmapped += 1
            if not raw.FPDFText_GetLooseCharBox(tp, i, rect):
                continue
            angle = raw.FPDFText_GetCharAngle(tp, i)
            upright = angle < 0 or min(angle, 2 * math.pi - angle) < 0.1
            # PDFium measures the angle clockwise; the matrix is counter-clockwise as in PDF
            cos, sin = (1.0, 0.0) if upright else (math.cos(angle), -math.sin(angle))
            size = raw.FPDFText_GetFontSize(tp, i) or (rect.top - rect.bottom)
            out.chars.append(
                {
                    "text": chr(code),
                    "x0": rect.left,
                    "x1": rect.right,
                    "top": h - rect.top,
                    "bottom": h - rect.bottom,
                    "size": size,
                    "upright": upright,
                    "matrix": (cos, sin, -sin, cos, rect.left, rect.bottom),
                }
            )
    finally:
        textpage.close()
    out.chars = dedupe(out.chars)


def dedupe(chars: list[dict], tol: float = 1.5) -> list[dict]:
    """Drop characters printed twice at (almost) the same place — fake bold, overprinting —
    which would otherwise double digits (``0`` → ``00``)."""
    kept: list[dict] = []
    seen: dict[tuple[str, int, int], list[dict]] = {}
    for c in chars:
        bx, by = int(c["x0"] // tol), int(c["top"] // tol)
        near = [t for dx in (-1, 0, 1) for dy in (-1, 0, 1) for t in seen.get((c["text"], bx + dx, by + dy), ())]
        if any(abs(t["x0"] - c["x0"]) < tol and abs(t["top"] - c["top"]) < tol for t in near):
            continue
        seen.setdefault((c["text"], bx, by), []).append(c)
        kept.append(c)
    return kept


def _compose(m1: tuple, m2: tuple) -> tuple:
    """The matrix applying ``m1`` then ``m2`` (PDF row-vector convention)."""
    a1, b1, c1, d1, e1, f1 = m1
    a2, b2, c2, d2, e2, f2 = m2
    return (
        a1 * a2 + b1 * c2,
        a1 * b2 + b1 * d2,
        c1 * a2 + d1 * c2,
        c1 * b2 + d1 * d2,
        e1 * a2 + f1 * c2 + e2,
        e1 * b2 + f1 * d2 + f2,
    )


def _objects(page, out: PageSource) -> None:
    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    m = raw.FS_MATRIX()
    x, y = ctypes.c_float(), ctypes.c_float()
    h = out.height

    def add_edge(p: tuple[float, float], q: tuple[float, float]) -> None:
        (x0, y0), (x1, y1) = p, q
        if abs(y1 - y0) < 1.0 and abs(x1 - x0) >= MIN_EDGE:
            top = h - (y0 + y1) / 2
            lo, hi = sorted((x0, x1))
            out.edges.append(
                {
                    "x0": lo,
                    "x1": hi,
                    "top": top,
                    "bottom": top,
                    "width": hi - lo,
                    "height": 0.0,
                    "orientation": "h",
                    "object_type": "line",
                }
            )
        elif abs(x1 - x0) < 1.0 and abs(y1 - y0) >= MIN_EDGE:
            xm = (x0 + x1) / 2
            lo, hi = sorted((h - y0, h - y1))
            out.edges.append(
                {
                    "x0": xm,
                    "x1": xm,
                    "top": lo,
                    "bottom": hi,
                    "width": 0.0,
                    "height": hi - lo,
                    "orientation": "v",
                    "object_type": "line",
                }
            )

    def walk(handle, parent: tuple, depth: int) -> None:
        kind = raw.FPDFPageObj_GetType(handle)
        own = identity
        if raw.FPDFPageObj_GetMatrix(handle, m):
            own = (m.a, m.b, m.c, m.d, m.e, m.f)
        matrix = _compose(own, parent)
        if kind == raw.FPDF_PAGEOBJ_FORM and depth < 8:
            for j in range(raw.FPDFFormObj_CountObjects(handle)):
                walk(raw.FPDFFormObj_GetObject(handle, j), matrix, depth + 1)
        elif kind == raw.FPDF_PAGEOBJ_PATH:
            a, b, c, d, e, f = matrix

            def tr(px: float, py: float) -> tuple[float, float]:
                return (a * px + c * py + e, b * px + d * py + f)

            start = current = None
            for s in range(raw.FPDFPath_CountSegments(handle)):
                seg = raw.FPDFPath_GetPathSegment(handle, s)
                if not raw.FPDFPathSegment_GetPoint(seg, x, y):
                    continue
                point = tr(x.value, y.value)
                kind_s = raw.FPDFPathSegment_GetType(seg)
                if kind_s == raw.FPDF_SEGMENT_MOVETO:
                    start = current = point
                    continue
                if kind_s == raw.FPDF_SEGMENT_LINETO and current is not None:
                    add_edge(current, point)
                current = point
                if raw.FPDFPathSegment_GetClose(seg) and start is not None:
                    add_edge(current, start)
                    current = start
        elif kind == raw.FPDF_PAGEOBJ_IMAGE:
            a, b, c, d, e, f = matrix
            xs = [e, a + e, c + e, a + c + e]
            ys = [f, b + f, d + f, b + d + f]
            out.images.append(
                (max(min(xs), 0.0), max(h - max(ys), 0.0), min(max(xs), out.width), min(h - min(ys), out.height))
            )

    for i in range(raw.FPDFPage_CountObjects(page.raw)):
        walk(raw.FPDFPage_GetObject(page.raw, i), identity, 0)


def find_tables(edges: list[dict]) -> list[list[tuple[float, float, float, float]]]:
    """Cell boxes of every ruled table, from edges (pdfplumber's lattice functions)."""
    if not edges:
        return []
    merged = merge_edges(edges, SNAP, SNAP, SNAP, SNAP)
    merged = [
        e for e in merged if (e["x1"] - e["x0"] if e["orientation"] == "h" else e["bottom"] - e["top"]) >= MIN_EDGE
    ]
    cells = intersections_to_cells(edges_to_intersections(merged, SNAP, SNAP))
    return [list(t) for t in cells_to_tables(cells)]


def clean_title(title: str) -> str:
    """A document title without Word's ``Microsoft Word - `` prefix and file extension."""
    title = re.sub(r"^Microsoft Word\s*-\s*", "", title, flags=re.I)
    return re.sub(r"\.(docx?|wps|pdf)$", "", title, flags=re.I).strip()

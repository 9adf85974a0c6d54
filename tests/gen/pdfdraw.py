"""Report PDFs drawn directly (no LibreOffice): the shapes of WPS- and Word-made PDFs.

A minimal PDF writer: text in the standard CJK font ``STSong-Light`` (not embedded; PDFium maps
``UniGB-UCS2-H``/``-V`` to Unicode), table borders as stroked lines or thin filled rectangles,
pages of A4.  The body comes from :func:`portalgen.render_layout.layout_report`, so every value
cell keeps the key of the :class:`~portalgen.sample.SampleCell` it prints.

``look`` (see :data:`LOOKS`) decides how the merged labels of section 三 (``三、本年度办理结果``
and the groups ``（三）不予公开`` …) are drawn:

``word``      rotated glyphs (``btLr``) inside their own merged cell, every border drawn;
``stacked``   upright characters stacked top to bottom inside their merged cell (WPS 竖排);
``wps``       stacked characters, but as WPS draws them: the row lines run through the label
              columns and no border separates them, so the label's characters stand inside
              the boxes of the rows beside them;
``wps_vfont`` as ``wps`` with a vertical-writing font (``UniGB-UCS2-V``).

``frame`` draws a frame round every page's text with a rule under a running header: a lattice
reader then sees each page of prose as a table (issue 11 class 3).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from portalgen.render_html import MarkupStyle
from portalgen.render_layout import LCell, LPara, LTable, grid, layout_report
from portalgen.sample import SampleReport

LOOKS = ("word", "stacked", "wps", "wps_vfont")
PAGE_W, PAGE_H = 595.0, 842.0
MARGIN = 60.0
TEXT_SIZE, TABLE_SIZE, TITLE_SIZE = 11.0, 9.0, 16.0
PAD = 3.0
VERTICAL_COL = 22.0  # width of a label column printed vertically


def _width(text: str, size: float) -> float:
    return sum(size * (0.5 if ord(ch) < 128 else 1.0) for ch in text)


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for ch in text:
        if _width(line + ch, size) > width and line:
            lines.append(line)
            line = ""
        line += ch
    if line or not lines:
        lines.append(line)
    return lines


def _hex(text: str) -> str:
    return "<" + text.encode("utf-16-be").hex() + ">"


@dataclass
class _Page:
    ops: list[str] = field(default_factory=list)

    def text(self, x: float, top: float, s: str, size: float, font: str = "F1") -> None:
        """Upright text with its top at ``top`` (page coordinates from the top)."""
        y = PAGE_H - top - size * 0.88
        self.ops.append(f"BT /{font} {size:.1f} Tf 1 0 0 1 {x:.2f} {y:.2f} Tm {_hex(s)} Tj ET")

    def vtext(self, x_centre: float, top: float, s: str, size: float) -> None:
        """Vertical writing (UniGB-UCS2-V): glyphs advance downwards from ``top``."""
        y = PAGE_H - top
        self.ops.append(f"BT /F2 {size:.1f} Tf 1 0 0 1 {x_centre:.2f} {y:.2f} Tm {_hex(s)} Tj ET")

    def rotated(self, x: float, bottom: float, s: str, size: float) -> None:
        """Glyphs rotated 90° counter-clockwise, reading bottom to top from ``bottom``."""
        y = PAGE_H - bottom
        self.ops.append(f"BT /F1 {size:.1f} Tf 0 1 -1 0 {x + size * 0.88:.2f} {y:.2f} Tm {_hex(s)} Tj ET")

    def line(self, x0: float, top0: float, x1: float, top1: float, filled: bool) -> None:
        if filled:  # WPS draws borders as thin filled rectangles
            if abs(top0 - top1) < 0.01:
                self.ops.append(f"{x0:.2f} {PAGE_H - top0 - 0.25:.2f} {x1 - x0:.2f} 0.5 re f")
            else:
                self.ops.append(f"{x0 - 0.25:.2f} {PAGE_H - top1:.2f} 0.5 {top1 - top0:.2f} re f")
        else:
            self.ops.append(f"0.5 w {x0:.2f} {PAGE_H - top0:.2f} m {x1:.2f} {PAGE_H - top1:.2f} l S")


class _Writer:
    def __init__(self, frame: bool, header: str) -> None:
        self.pages: list[_Page] = []
        self.top = 0.0
        self.frame = frame
        self.header = header
        self.new_page()

    def new_page(self) -> None:
        page = _Page()
        self.pages.append(page)
        self.top = MARGIN
        if self.frame:
            x0, x1, y0, y1 = MARGIN - 10, PAGE_W - MARGIN + 10, MARGIN - 30, PAGE_H - MARGIN + 10
            page.text(MARGIN, y0 + 6, self.header, TEXT_SIZE)
            for a, b, c, d in ((x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1), (x1, y0, x1, y1)):
                page.line(a, b, c, d, False)
            page.line(x0, y0 + 22, x1, y0 + 22, False)

    @property
    def page(self) -> _Page:
        return self.pages[-1]

    def room(self, height: float) -> None:
        if self.top + height > PAGE_H - MARGIN:
            self.new_page()

    def paragraph(self, text: str, size: float = TEXT_SIZE, indent: bool = True, centre: bool = False) -> None:
        width = PAGE_W - 2 * MARGIN
        lines = _wrap(("\u3000\u3000" if indent else "") + text, width, size)
        for line in lines:
            self.room(size * 1.6)
            x = MARGIN + (width - _width(line, size)) / 2 if centre else MARGIN
            self.page.text(x, self.top, line, size)
            self.top += size * 1.6
        self.top += size * 0.4

    def bytes(self) -> bytes:
        objs: list[bytes] = []
        n_pages = len(self.pages)
        kids = " ".join(f"{5 + 2 * i} 0 R" for i in range(n_pages))
        objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
        objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
        objs.append(
            b"<< /F1 << /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
            b"/DescendantFonts [4 0 R] >> /F2 << /Type /Font /Subtype /Type0 /BaseFont /STSong-Light "
            b"/Encoding /UniGB-UCS2-V /DescendantFonts [4 0 R] >> >>"
        )
        objs.append(
            b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) "
            b"/Ordering (GB1) /Supplement 2 >> /DW 1000 /W [1 95 500] /FontDescriptor << /Type /FontDescriptor "
            b"/FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 "
            b"/Descent -120 /CapHeight 880 /StemV 93 >> >>"
        )
        for page in self.pages:
            content = "\n".join(page.ops).encode()
            objs.append(
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W:.0f} {PAGE_H:.0f}] "
                f"/Resources << /Font 3 0 R >> /Contents {len(objs) + 2} 0 R >>".encode()
            )
            objs.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        out = b"%PDF-1.4\n"
        offsets = []
        for i, obj in enumerate(objs, 1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
        out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
        out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
        return out


def _column_widths(table: LTable, cells: list[list[LCell | None]], look: str) -> list[float]:
    n = len(cells[0])
    total = PAGE_W - 2 * MARGIN
    if table.section == 3:
        label = [VERTICAL_COL, VERTICAL_COL, 150.0]
        rest = (total - sum(label)) / (n - 3)
        return label + [rest] * (n - 3)
    if table.section == 2:
        first = 130.0
        return [first] + [(total - first) / (n - 1)] * (n - 1)
    if table.section == 0:
        return [200.0] + [(total - 200.0) / (n - 1)] * (n - 1)
    return [total / n] * n


def _vertical(cell: LCell, table: LTable, col: int) -> bool:
    """Section 三's merged labels in the two vertical label columns."""
    return table.section == 3 and col < 2 and cell.rowspan > 1 and cell.role == "label"


def _draw_table(w: _Writer, table: LTable, look: str, filled: bool) -> None:
    cells = grid(table)
    widths = _column_widths(table, cells, look)
    xs = [MARGIN]
    for width in widths:
        xs.append(xs[-1] + width)
    # row heights from the wrapped text of single-row cells
    heights = []
    for row in cells:
        lines = 1
        for c, cell in enumerate(row):
            if cell is None or cell.rowspan > 1 or (c > 0 and row[c - 1] is cell):
                continue
            span = sum(widths[c : c + cell.colspan])
            lines = max(lines, len(_wrap(cell.text, span - 2 * PAD, TABLE_SIZE)))
        heights.append(lines * TABLE_SIZE * 1.3 + 2 * PAD)
    w.room(sum(heights[: min(len(heights), 4)]))
    # a table breaks over pages between rows; rows spanned by a merged cell stay together
    r = 0
    while r < len(cells):
        end = r + 1
        while end < len(cells) and any(
            cells[end][c] is cells[end - 1][c] for c in range(len(cells[end])) if cells[end][c] is not None
        ):
            end += 1
        block = sum(heights[r:end])
        if w.top + block > PAGE_H - MARGIN and w.top > MARGIN + 1:
            w.new_page()
        _draw_rows(w, cells, heights, xs, r, end, table, look, filled)
        w.top += block
        r = end
    w.top += TEXT_SIZE


def _draw_rows(
    w: _Writer,
    cells: list[list[LCell | None]],
    heights: list[float],
    xs: list[float],
    r0: int,
    r1: int,
    table: LTable,
    look: str,
    filled: bool,
) -> None:
    tops = [w.top]
    for r in range(r0, r1):
        tops.append(tops[-1] + heights[r])
    page = w.page
    through = look in ("wps", "wps_vfont") and table.section == 3
    label_x = xs[3] if table.section == 3 else xs[0]
    for r in range(r0, r1):
        row = cells[r]
        k = r - r0
        merged_row = through and row[0] is not None and _vertical(row[0], table, 0)
        for c, cell in enumerate(row):
            if cell is None or (c > 0 and row[c - 1] is cell) or (r > r0 and cells[r - 1][c] is cell):
                continue
            x0, x1 = xs[c], xs[c + cell.colspan]
            top, bottom = tops[k], tops[min(k + cell.rowspan, len(tops) - 1)]
            in_labels = merged_row and x1 <= label_x + 0.1
            # borders: top and left of every cell; the table's right and bottom edges
            if not (in_labels and c > 0 and x0 < label_x):
                page.line(x0, top, x0, bottom, filled)
            if not in_labels or r == r0 or cells[r - 1][0] is not cells[r][0]:
                page.line(x0, top, x1, top, filled)
            if x1 >= xs[-1] - 0.1:
                page.line(x1, top, x1, bottom, filled)
            if _vertical(cell, table, c):
                _draw_vertical(page, cell.text, x0, x1, top, bottom, look)
                continue
            lines = _wrap(cell.text, x1 - x0 - 2 * PAD, TABLE_SIZE)
            height = len(lines) * TABLE_SIZE * 1.3
            y = top + ((bottom - top) - height) / 2
            for line in lines:
                page.text(x0 + PAD, y, line, TABLE_SIZE)
                y += TABLE_SIZE * 1.3
        if merged_row:  # the row lines run through the label columns
            page.line(xs[0], tops[k], label_x, tops[k], filled)
    page.line(xs[0], tops[-1], xs[-1], tops[-1], filled)


def _draw_vertical(page: _Page, text: str, x0: float, x1: float, top: float, bottom: float, look: str) -> None:
    size = TABLE_SIZE
    centre = (x0 + x1) / 2
    if look == "word":
        page.rotated(centre - size / 2, bottom - PAD - max(0.0, (bottom - top - _width(text, size)) / 2), text, size)
    elif look == "wps_vfont":
        page.vtext(centre, top + PAD, text, size)
    else:
        y = top + PAD if look in ("wps",) else top + max(PAD, ((bottom - top) - len(text) * size) / 2)
        for ch in text:
            page.text(centre - _width(ch, size) / 2, y, ch, size)
            y += size


def draw_report(
    report: SampleReport, look: str = "wps", seed: int = 0, frame: bool = False, relabel: dict[str, str] | None = None
) -> bytes:
    """``report`` as a PDF drawn in ``look`` (:data:`LOOKS`); ``frame`` frames every page (prose then
    reads as a ruled box); ``relabel`` prints labels otherwise (misspelt: official text → printed)."""
    if look not in LOOKS:
        raise ValueError(f"unknown look {look!r}; choose one of {LOOKS}")
    rng = random.Random(seed)
    style = MarkupStyle(seed=rng.randrange(2**31), signature=True)
    filled = look.startswith("wps") or rng.random() < 0.3
    w = _Writer(frame, f"{report.organ}文件")
    w.paragraph(report.title, TITLE_SIZE, indent=False, centre=True)
    for block in layout_report(report, style).blocks:
        if isinstance(block, LPara):
            kind = block.kind
            w.paragraph(block.text, indent=kind not in ("heading", "signature"), centre=False)
        else:
            for row in block.rows:
                for cell in row:
                    if cell.key is None and relabel:
                        text = cell.text
                        for old, printed in relabel.items():
                            text = text.replace(old, printed)
                        if text != cell.text:
                            cell.lines = [text]
            _draw_table(w, block, look, filled)
    return w.bytes()

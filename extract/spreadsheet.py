"""XLSX (openpyxl) and XLS (xlrd) carriers → :class:`Document`.

A sheet is split into blocks: runs of *table rows* (two or more filled cells, a merged range,
or cell borders) become a :class:`SourceTable` whose merged ranges are row/column spans;
other filled rows (a title, a section heading, a note) become paragraphs.  Cell text is what
Excel displays: cached formula values (never the formula), numbers through their number
format (``3.0`` → ``"3"``, ``#,##0`` → ``"1,234"``, ``0.00`` → ``"5.10"``), dates as ISO dates.

Locators: cells ``xlsx {sheet}!{A1}`` / ``xls {sheet}!{A1}``.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

import openpyxl
import xlrd

from extract.docx import check_zip
from extract.model import Block, Document, ExtractionError, Paragraph, SourceCell, SourceTable

MAX_ROWS = 5000
MAX_COLS = 200
# cell XML of all worksheets: ~160 bytes a row, so 8 MB is ~50,000 rows (10× MAX_ROWS); openpyxl
# loads a workbook whole (merged ranges need it), a million rows took a minute: refused at once
MAX_SHEET_XML = 8 * 1024 * 1024


@dataclass
class SheetGrid:
    """What the layout step needs of a sheet (0-based rows/columns)."""

    name: str
    n_rows: int
    n_cols: int
    text: Callable[[int, int], str]
    bordered: Callable[[int, int], bool]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, r1, c0, c1 (exclusive ends)


def column_letter(c: int) -> str:
    """0-based column index → ``A``, ``B``, … ``AA``."""
    out = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out


def format_number(value: float | int, number_format: str | None = None) -> str:
    """A number as the cell displays it under ``number_format`` (General, 0, 0.00, #,##0, %)."""
    fmt = (number_format or "General").split(";")[0]
    fmt_clean = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", fmt)
    if "%" in fmt_clean:
        decimals = len(m.group(1)) if (m := re.search(r"0\.(0+)", fmt_clean)) else 0
        return f"{value * 100:.{decimals}f}%"
    thousands = "," in fmt_clean and "#" in fmt_clean or "#,##" in fmt_clean
    m = re.search(r"0\.(0+)", fmt_clean)
    if m:
        decimals = len(m.group(1))
        return f"{value:,.{decimals}f}" if thousands else f"{value:.{decimals}f}"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int) or fmt_clean.strip() in ("0", "#,##0", "#,###"):
        if isinstance(value, float):
            value = round(value)
        return f"{value:,}" if thousands else str(value)
    text = repr(float(value))
    if "e" in text:
        text = format(value, ".15g")
    return text


def _display(value, number_format: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return format_number(value, number_format)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[ \t]*\n[ \t]*", "\n", text).strip()


# ----------------------------------------------------------------------------- layout


def sheet_blocks(grid: SheetGrid, kind: str) -> list[Block]:
    """Paragraphs and tables of one sheet, top to bottom."""
    covered: dict[tuple[int, int], tuple[int, int, int, int]] = {}
    for merge in grid.merges:
        r0, r1, c0, c1 = merge
        for r in range(r0, min(r1, grid.n_rows)):
            for c in range(c0, min(c1, grid.n_cols)):
                covered[(r, c)] = merge
    texts = [[grid.text(r, c) for c in range(grid.n_cols)] for r in range(grid.n_rows)]

    def base_table_row(r: int) -> bool:
        if sum(1 for c in range(grid.n_cols) if texts[r][c]) >= 2:
            return True
        if any(grid.bordered(r, c) for c in range(grid.n_cols)):
            return True
        return any(m[1] - m[0] > 1 for c in range(grid.n_cols) if (m := covered.get((r, c))) is not None)

    is_table = [base_table_row(r) for r in range(grid.n_rows)]
    for r in range(1, grid.n_rows - 1):
        # a caption merged across the table (no borders) between two table rows
        if not is_table[r] and is_table[r - 1] and is_table[r + 1]:
            if any(m[3] - m[2] > 1 for c in range(grid.n_cols) if (m := covered.get((r, c))) is not None):
                is_table[r] = True

    blocks: list[Block] = []
    r = 0
    while r < grid.n_rows:
        if not is_table[r]:
            line = " ".join(t for t in texts[r] if t)
            if line:
                first = next(c for c in range(grid.n_cols) if texts[r][c])
                blocks.append(Paragraph(line, where=f"{kind} {grid.name}!{column_letter(first)}{r + 1}"))
            r += 1
            continue
        start = end = r
        while True:
            while r < grid.n_rows and (is_table[r] or r < end):
                r += 1
            # a merged range starting inside the block extends it
            reach = max([r] + [m[1] for m in grid.merges if start <= m[0] < r])
            if min(reach, grid.n_rows) <= r:
                break
            end = reach
        blocks.append(_table(grid, texts, covered, start, r, kind))
    return blocks


def _table(grid: SheetGrid, texts, covered, r0: int, r1: int, kind: str) -> SourceTable:
    cols = [
        c
        for c in range(grid.n_cols)
        if any(texts[r][c] or grid.bordered(r, c) or (r, c) in covered for r in range(r0, r1))
    ]
    c_lo, c_hi = (min(cols), max(cols) + 1) if cols else (0, grid.n_cols)
    rows: list[list[SourceCell]] = []
    for r in range(r0, r1):
        out: list[SourceCell] = []
        for c in range(c_lo, c_hi):
            m = covered.get((r, c))
            ref = f"{kind} {grid.name}!{column_letter(c)}{r + 1}"
            if m is None:
                out.append(SourceCell(texts[r][c], where=ref))
            elif (max(m[0], r0), max(m[2], c_lo)) == (r, c):  # top-left of the range (clipped to the block)
                rowspan = min(m[1], r1) - r
                colspan = min(m[3], c_hi) - c
                out.append(SourceCell(texts[m[0]][m[2]], rowspan=max(rowspan, 1), colspan=max(colspan, 1), where=ref))
        rows.append(out)
    top_left = f"{column_letter(c_lo)}{r0 + 1}:{column_letter(c_hi - 1)}{r1}"
    return SourceTable(rows, where=f"{kind} {grid.name}!{top_left}")


# ----------------------------------------------------------------------------- XLSX


def _limited(n: int, limit: int, what: str, sheet: str, doc: Document) -> int:
    if n > limit:
        doc.warnings.append(f"sheet {sheet}: only the first {limit} of {n} {what} were read")
        return limit
    return n


def _check_sheet_size(data: bytes) -> None:
    """Refuse a workbook whose worksheets hold far more cells than a report's tables."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        size = sum(i.file_size for i in z.infolist() if i.filename.startswith("xl/worksheets/"))
    if size > MAX_SHEET_XML:
        raise ExtractionError(
            f"XLSX worksheets hold {size // (1024 * 1024)} MB of cells (over {MAX_SHEET_XML // (1024 * 1024)} MB: "
            f"far more rows than a report's tables); not read"
        )


def parse_xlsx(data: bytes) -> Document:
    """Parse an XLSX workbook (cached formula values, merged ranges) into a :class:`Document`."""
    if not data.startswith(b"PK"):
        raise ExtractionError("not an XLSX file: no zip signature (PK)")
    check_zip(data, "XLSX")
    _check_sheet_size(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
            wb_formulas = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    except Exception as e:  # openpyxl raises many kinds on damaged files
        raise ExtractionError(f"corrupt XLSX: {type(e).__name__}: {e}") from e
    doc = Document(carrier="xlsx")
    props = wb.properties
    if props.title:
        doc.title = props.title.strip()
        doc.meta["Title"] = doc.title
    if props.creator:
        doc.meta["Author"] = props.creator.strip()
    missing: list[str] = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        wsf = wb_formulas[ws.title]
        n_rows = _limited(ws.max_row or 0, MAX_ROWS, "rows", ws.title, doc)
        n_cols = _limited(ws.max_column or 0, MAX_COLS, "columns", ws.title, doc)
        cells = {}
        for row in ws.iter_rows(min_row=1, max_row=n_rows, max_col=n_cols):
            for cell in row:
                if hasattr(cell, "column"):
                    cells[(cell.row - 1, cell.column - 1)] = cell

        def text(r: int, c: int, ws=ws, wsf=wsf, cells=cells) -> str:
            cell = cells.get((r, c))
            if cell is None:
                return ""
            if cell.value is None:
                formula = wsf.cell(row=r + 1, column=c + 1).value
                if isinstance(formula, str) and formula.startswith("="):
                    missing.append(f"{ws.title}!{column_letter(c)}{r + 1}")
                return ""
            return _display(cell.value, cell.number_format)

        def bordered(r: int, c: int, cells=cells) -> bool:
            cell = cells.get((r, c))
            if cell is None or not cell.has_style:
                return False
            b = cell.border
            return any(side is not None and side.style for side in (b.left, b.right, b.top, b.bottom))

        merges = [(m.min_row - 1, m.max_row, m.min_col - 1, m.max_col) for m in ws.merged_cells.ranges]
        doc.blocks += sheet_blocks(SheetGrid(ws.title, n_rows, n_cols, text, bordered, merges), "xlsx")
    if missing:
        doc.warnings.append(
            f"formula cells without a cached value (the file was never recalculated): {', '.join(missing[:10])}"
            + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        )
    return doc


# ----------------------------------------------------------------------------- XLS


def parse_xls(data: bytes) -> Document:
    """Parse an Excel 97–2003 XLS workbook (xlrd) into a :class:`Document`."""
    if not data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ExtractionError("not an XLS file: no OLE signature")
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True, logfile=io.StringIO())
    except xlrd.biffh.XLRDError as e:
        msg = str(e)
        if "encrypt" in msg.lower() or "password" in msg.lower():
            raise ExtractionError("encrypted XLS: a password is required to open it") from e
        raise ExtractionError(f"corrupt XLS: {msg}") from e
    except Exception as e:
        raise ExtractionError(f"corrupt or truncated XLS: {type(e).__name__}: {e}") from e
    doc = Document(carrier="xls")
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            if sheet.visibility != 0:
                continue
            n_rows = _limited(sheet.nrows, MAX_ROWS, "rows", sheet.name, doc)
            n_cols = _limited(sheet.ncols, MAX_COLS, "columns", sheet.name, doc)

            def text(r: int, c: int, sheet=sheet) -> str:
                if c >= sheet.row_len(r):
                    return ""
                cell = sheet.cell(r, c)
                if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    return ""
                if cell.ctype == xlrd.XL_CELL_NUMBER:
                    xf = book.xf_list[cell.xf_index] if cell.xf_index is not None else None
                    fmt = (
                        book.format_map[xf.format_key].format_str
                        if xf is not None and xf.format_key in book.format_map
                        else None
                    )
                    return format_number(cell.value, fmt)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        return _display(xlrd.xldate_as_datetime(cell.value, book.datemode))
                    except (ValueError, OverflowError):
                        return format_number(cell.value)
                if cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    return "TRUE" if cell.value else "FALSE"
                if cell.ctype == xlrd.XL_CELL_ERROR:
                    return xlrd.error_text_from_code.get(cell.value, "#ERR")
                return _display(cell.value)

            def bordered(r: int, c: int, sheet=sheet) -> bool:
                if c >= sheet.row_len(r):
                    return False
                xf_index = sheet.cell_xf_index(r, c)
                b = book.xf_list[xf_index].border
                return bool(b.top_line_style or b.bottom_line_style or b.left_line_style or b.right_line_style)

            merges = [(rlo, rhi, clo, chi) for rlo, rhi, clo, chi in sheet.merged_cells]
            doc.blocks += sheet_blocks(SheetGrid(sheet.name, n_rows, n_cols, text, bordered, merges), "xls")
            book.unload_sheet(index)
    except ExtractionError:
        raise
    except Exception as e:
        raise ExtractionError(f"corrupt or truncated XLS: {type(e).__name__}: {e}") from e
    finally:
        book.release_resources()
    return doc

"""Render a :class:`SampleReport` as an Excel workbook (openpyxl), the way offices lay it out.

One sheet: the title (merged across the table width), the preamble and the section texts as
single-cell rows, and after the headings 二/三/四 the tables of :mod:`portalgen.render_docx`
with merged ranges for the spans and thin borders on every table cell.  Numbers are stored as
numbers (``#,##0`` format where the raw text has thousands separators), everything else as
text, so a reader that shows what Excel shows gets the published raw text back.

Styles: ``official``; ``formulas`` — the 总计 cells of section 三/四 are ``=SUM(…)`` formulas
(their cached values exist only after a spreadsheet program recalculated the file, see
:func:`portalgen.render_pdf.render_xlsx`).
"""

from __future__ import annotations

import io
import re
from datetime import datetime, time

from portalgen.render_docx import TableSpec, grid_positions, report_tables
from portalgen.sample import SampleReport

XLSX_STYLES = ("official", "formulas")

_INT = re.compile(r"-?[0-9]+")
_DEC = re.compile(r"-?[0-9]+\.[0-9]+")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")


def _cell_value(raw: str):
    """(value, number_format) to store for a published raw text."""
    if _INT.fullmatch(raw):
        return int(raw), "General"
    if _DEC.fullmatch(raw) and repr(float(raw)) == raw:
        return float(raw), "General"
    if _THOUSANDS.fullmatch(raw):
        return int(raw.replace(",", "")), "#,##0"
    return raw, "@"


def build_xlsx(report: SampleReport, style: str = "official") -> bytes:
    """The report as an XLSX workbook (formula cells carry no cached value)."""
    import openpyxl
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    if style not in XLSX_STYLES:
        raise ValueError(f"unknown XLSX style {style!r}; expected one of {', '.join(XLSX_STYLES)}")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "年度报告"
    stamp = datetime.combine(report.published, time(9, 0))
    wb.properties.title = report.title
    wb.properties.creator = report.organ
    wb.properties.created = wb.properties.modified = stamp
    tables = report_tables(report, "official")
    width = max((spec.columns for specs in tables.values() for spec in specs), default=4)
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for k in range(1, width + 1):
        ws.column_dimensions[get_column_letter(k)].width = 12
    row = 1
    ws.cell(row, 1, report.title).font = Font(bold=True, size=16)
    ws.cell(row, 1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    row += 1

    def text_row(text: str) -> None:
        nonlocal row
        ws.cell(row, 1, text)
        row += 1

    def table(spec: TableSpec) -> None:
        nonlocal row
        for placed in grid_positions(spec.rows):
            for r, c, cell in placed:
                value, fmt = _cell_value(cell.text) if not cell.header else (cell.text, "@")
                target = ws.cell(row + r, c + 1, value if value != "" else None)
                target.number_format = fmt
                target.alignment = centre
                if cell.rowspan > 1 or cell.colspan > 1:
                    ws.merge_cells(
                        start_row=row + r,
                        start_column=c + 1,
                        end_row=row + r + cell.rowspan - 1,
                        end_column=c + cell.colspan,
                    )
        n_rows = len(spec.rows)
        for r in range(n_rows):
            for c in range(spec.columns):
                ws.cell(row + r, c + 1).border = border
        if style == "formulas":
            _sum_formulas(ws, spec, row)
        row += n_rows + 1

    text_row(report.preamble)
    for heading, text in report.sections:
        text_row(heading)
        if text:
            text_row(text)
        for spec in tables.get(heading.split("、", 1)[0], []):
            table(spec)
    for spec in tables.get("附表", []):
        text_row("附表：政府信息公开情况统计表")
        table(spec)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sum_formulas(ws, spec: TableSpec, first_row: int) -> None:
    """Replace plain-integer 总计 cells by SUM formulas over the cells they total."""
    from openpyxl.utils import get_column_letter

    if spec.section == "三":
        # the 总计 column (last) = sum of the six applicant columns before it
        last = spec.columns
        for r in range(3, len(spec.rows)):
            cell = ws.cell(first_row + r, last)
            if isinstance(cell.value, int):
                cell.value = (
                    f"=SUM({get_column_letter(last - 6)}{first_row + r}:{get_column_letter(last - 1)}{first_row + r})"
                )
    elif spec.section == "四" and spec.columns == 15:
        r = first_row + len(spec.rows) - 1
        for block in range(3):
            total = ws.cell(r, block * 5 + 5)
            if isinstance(total.value, int):
                total.value = f"=SUM({get_column_letter(block * 5 + 1)}{r}:{get_column_letter(block * 5 + 4)}{r})"

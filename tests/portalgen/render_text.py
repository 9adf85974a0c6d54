"""Render a :class:`~portalgen.sample.SampleReport` as plain text copied from a report page.

The shape is that of the 西岩镇 2019 seed file (``corpus/reports/xiyan-town-2019.txt``): body
paragraphs one per line; every table cell on its own line starting with a tab, a label broken
over lines continuing on untabbed lines, a blank line after every table row, and a lone tab as
placeholder where a cell merged from the row above (rowspan) sits.  Column spans leave no trace.
"""

from __future__ import annotations

from portalgen.render_html import MarkupStyle
from portalgen.render_layout import LCell, LPara, LTable, grid, layout_report
from portalgen.sample import SampleReport

# What a browser copy of an ordinary page gives: merged label cells, labels broken over lines,
# values padded with U+3000 / NBSP, blank cells as NBSP.
TEXT_STYLE = MarkupStyle(label_breaks="br", value_padding="ideographic", blank_markup="nbsp", signature=True)


SHAPES = ("lines", "rows")


def _physical_rows(table: LTable) -> list[list[LCell | None]]:
    """Per row, each cell starting there or None for a rowspan placeholder, in grid order."""
    full = grid(table)
    starts = {id(cell): r for r, row in enumerate(table.rows) for cell in row}
    out: list[list[LCell | None]] = []
    for r, line in enumerate(full):
        seen: set[int] = set()
        row: list[LCell | None] = []
        for cell in line:
            assert cell is not None  # grid() guarantees a full rectangle
            if id(cell) not in seen:
                seen.add(id(cell))
                row.append(cell if starts[id(cell)] == r else None)
        out.append(row)
    return out


def table_lines(table: LTable, shape: str = "lines") -> list[str]:
    """The lines of one table.

    ``lines``: per row, each cell (or rowspan placeholder) on a tab-led line, then a blank line.
    ``rows``: one line per row, cells joined by tabs (a copy from a spreadsheet or Word).
    """
    out: list[str] = []
    for row in _physical_rows(table):
        if shape == "rows":
            out.append("\t".join("" if c is None else c.text for c in row))
            continue
        for cell in row:
            out.extend(["\t"] if cell is None else _cell_lines(cell))
        out.append("")
    return out


def _cell_lines(cell: LCell) -> list[str]:
    first, *rest = cell.lines
    return ["\t" + first, *rest]


def render_text(report: SampleReport, style: MarkupStyle | None = None, shape: str = "lines") -> str:
    """``report`` as page text in the 西岩镇 shape (``style`` defaults to :data:`TEXT_STYLE`).

    ``shape="rows"`` prints each table row on one tab-separated line instead.
    """
    if shape not in SHAPES:
        raise ValueError(f"unknown text shape {shape!r}; choose one of {SHAPES}")
    style = style or TEXT_STYLE
    lines = ["", "", report.title]
    previous = None
    for block in layout_report(report, style).blocks:
        if isinstance(block, LPara):
            if isinstance(previous, LTable):
                lines.extend(["", ""])
            lines.append(block.text)
        else:
            if isinstance(previous, LPara) and previous.kind == "heading" and "复议" in previous.text:
                lines.append("")
            lines.extend(table_lines(block, shape))
            lines.append("")
        previous = block
    return "\n".join(lines) + "\n"

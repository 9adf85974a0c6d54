"""Expand a :class:`SourceTable` with row/column spans into a full grid (docs/report-format.md §8.3)."""

from __future__ import annotations

from dataclasses import dataclass

from extract.model import SourceCell, SourceTable

MAX_SPAN = 60
MAX_ROWSPAN = 400


@dataclass
class Placed:
    """A source cell placed in the grid: its top-left corner and extent."""

    cell: SourceCell
    index: int  # unique per table
    row: int  # physical row where the cell starts
    x: int  # grid column where the cell starts
    width: int
    height: int


@dataclass
class RowView:
    """One physical row seen through the grid.

    ``cells`` lists every distinct cell covering this row in left-to-right order, including
    cells spanning down from rows above (``own`` False for those).
    """

    index: int
    cells: list[tuple[Placed, bool]]

    def own(self) -> list[Placed]:
        return [p for p, own in self.cells if own]


def expand(table: SourceTable) -> list[RowView]:
    """Place every cell of ``table`` in a grid and return one view per physical row."""
    n_rows = len(table.rows)
    occupied: dict[tuple[int, int], Placed] = {}
    counter = 0
    for r, row in enumerate(table.rows):
        x = 0
        for cell in row:
            if table.spans_known:
                while (r, x) in occupied:
                    x += 1
                width = max(1, min(cell.colspan or 1, MAX_SPAN))
                height = cell.rowspan if cell.rowspan and cell.rowspan > 0 else n_rows - r
                height = max(1, min(height, MAX_ROWSPAN, n_rows - r))
            else:
                width, height = 1, 1
            p = Placed(cell, counter, r, x, width, height)
            counter += 1
            for dy in range(height):
                for dx in range(width):
                    occupied.setdefault((r + dy, x + dx), p)
            x += width
    views: list[RowView] = []
    width_max = max((x for (_r, x) in occupied), default=-1) + 1
    for r in range(n_rows):
        seen: set[int] = set()
        cells: list[tuple[Placed, bool]] = []
        for x in range(width_max):
            at = occupied.get((r, x))
            if at is None or at.index in seen:
                continue
            seen.add(at.index)
            cells.append((at, at.row == r))
        views.append(RowView(r, cells))
    return views


def covering(views: list[RowView], rows: range, x: int) -> list[Placed]:
    """Cells covering grid column ``x`` in ``rows`` (top to bottom, distinct)."""
    out: list[Placed] = []
    seen: set[int] = set()
    for r in rows:
        for p, _own in views[r].cells:
            if p.x <= x < p.x + p.width and p.index not in seen:
                seen.add(p.index)
                out.append(p)
    return out

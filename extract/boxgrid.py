"""Cell boxes → table rows with spans (shared by the PDF parser and the OCR table reader).

A carrier that sees a table as rectangles (PDF ruling lines, lines found in an image) gives
:class:`BoxCell` s; :func:`build_rows` snaps their edges to a grid and returns the physical rows
an HTML page of the same table would have: each cell once, at its top-left grid position, with
``rowspan``/``colspan``.  Holes in the tiling (a missing ruling line segment) become cells of
their own so no value cell is lost and value order is kept.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

from extract.model import SourceCell


@dataclass
class BoxCell:
    """A rectangular cell: bounding box (top-left origin), its text and a locator."""

    x0: float
    top: float
    x1: float
    bottom: float
    text: str = ""
    where: str = ""

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.bottom - self.top


def cluster_edges(values: list[float], tol: float) -> list[float]:
    """Sorted representatives of ``values`` where values closer than ``tol`` are one edge."""
    out: list[float] = []
    group: list[float] = []
    for v in sorted(values):
        if group and v - group[0] > tol:
            out.append(sum(group) / len(group))
            group = []
        group.append(v)
    if group:
        out.append(sum(group) / len(group))
    return out


def edge_index(edges: list[float], value: float) -> int:
    """Index of the edge nearest to ``value``."""
    i = bisect_left(edges, value)
    if i == 0:
        return 0
    if i == len(edges):
        return len(edges) - 1
    return i if edges[i] - value < value - edges[i - 1] else i - 1


def holes(cells: list[BoxCell], tol: float = 2.0) -> list[tuple[float, float, float, float]]:
    """Boxes ``(x0, top, x1, bottom)`` of the grid not covered by any cell (one per run of free
    grid positions in a row)."""
    return [(b.x0, b.top, b.x1, b.bottom) for b in _tile(cells, tol)[1]]


def build_rows(
    cells: list[BoxCell],
    tol: float = 2.0,
    fill: Callable[[float, float, float, float], BoxCell] | None = None,
) -> list[list[SourceCell]]:
    """Physical rows of ``cells`` on their snapped grid (HTML span semantics).

    ``fill(x0, top, x1, bottom)`` makes the cell for a hole in the tiling (default: an empty
    cell).  Degenerate boxes (narrower/lower than ``tol``) are ignored.
    """
    placed, free = _tile(cells, tol)
    for box in free:
        filled = fill(box.x0, box.top, box.x1, box.bottom) if fill else box
        placed.append((box.row, box.col, SourceCell(filled.text, colspan=box.colspan, where=filled.where)))
    rows: dict[int, list[tuple[int, SourceCell]]] = {}
    for r, k, cell in placed:
        rows.setdefault(r, []).append((k, cell))
    return [[cell for _, cell in sorted(rows[r], key=lambda t: t[0])] for r in sorted(rows)]


@dataclass
class _Free(BoxCell):
    row: int = 0
    col: int = 0
    colspan: int = 1


def _tile(cells: list[BoxCell], tol: float) -> tuple[list[tuple[int, int, SourceCell]], list[_Free]]:
    """Cells placed on the snapped grid, and the free runs of grid positions."""
    cells = [c for c in cells if c.width > tol and c.height > tol]
    if not cells:
        return [], []
    xs = cluster_edges([c.x0 for c in cells] + [c.x1 for c in cells], tol)
    ys = cluster_edges([c.top for c in cells] + [c.bottom for c in cells], tol)
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    taken = [[False] * n_cols for _ in range(n_rows)]
    placed: list[tuple[int, int, SourceCell]] = []
    for c in sorted(cells, key=lambda c: (c.top, c.x0)):
        r0, r1 = edge_index(ys, c.top), edge_index(ys, c.bottom)
        c0, c1 = edge_index(xs, c.x0), edge_index(xs, c.x1)
        if r1 <= r0 or c1 <= c0:
            continue
        if any(taken[r][k] for r in range(r0, r1) for k in range(c0, c1)):
            continue  # overlapping duplicate box
        for r in range(r0, r1):
            for k in range(c0, c1):
                taken[r][k] = True
        placed.append((r0, c0, SourceCell(c.text, rowspan=r1 - r0, colspan=c1 - c0, where=c.where)))
    free: list[_Free] = []
    for r in range(n_rows):
        k = 0
        while k < n_cols:
            if taken[r][k]:
                k += 1
                continue
            end = k
            while end < n_cols and not taken[r][end]:
                taken[r][end] = True
                end += 1
            free.append(_Free(xs[k], ys[r], xs[end], ys[r + 1], row=r, col=k, colspan=end - k))
            k = end
    return placed, free

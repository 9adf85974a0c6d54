"""Tables without ruling lines in a PDF: cells from word positions, or nothing.

Used on pages where the lattice finder found no table.  A run of lines of one font size, in
which cells are separated by wide gaps (≥ :data:`GAP` em), is a table.  Value columns are
found from the x-positions of the number-like words of all lines, so a blank cell stays a
blank cell in its column instead of shifting the next number into it.  Only *simple* tables
are turned into cells: one label per line, wrapped label lines that can be attached to the
nearest row.  Anything else (stacked vertical labels, group labels sharing lines with leaf
labels) becomes a :class:`FlattenedTable` — the interpreter recognises it but reads no
numbers from it, since a wrong number is worse than none.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from extract.boxgrid import cluster_edges
from extract.model import FlattenedTable, SourceCell, SourceTable
from extract.pdf_text import TextLine, split_segments

if TYPE_CHECKING:
    from extract.pdf import PageContent

GAP = 1.0  # em: a gap at least this wide separates two cells of a line
_VALUE = re.compile(r"^[+\-−–增减]?[0-9０-９][0-9０-９,，.．]*\s*[元万件条个项次%％]*$|^[-—–/／无]$")
_ENUMERATOR = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十0-9]{1,3}[)）]|[0-9]{1,2}[.、．](?![0-9]))")


def _loc(page: int, x0: float, top: float, x1: float, bottom: float) -> str:
    return f"p{page} [{x0:.1f},{top:.1f},{x1:.1f},{bottom:.1f}]"


def _regions(lines: list[TextLine], segs: list[list[TextLine]]) -> list[tuple[int, int]]:
    """Index ranges [a, b) of lines forming tables."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        if len(segs[i]) < 2:
            i += 1
            continue
        size = lines[i].size
        j = i + 1
        while j < len(lines):
            line, prev = lines[j], lines[j - 1]
            if abs(line.size - size) > 1.0 or line.top - prev.bottom > 2.5 * size:
                break
            j += 1
        while j > i and len(segs[j - 1]) < 2:
            j -= 1  # trailing single-segment lines are text after the table
        tabular = sum(1 for k in range(i, j) if len(segs[k]) >= 2)
        values = sum(1 for k in range(i, j) for s in segs[k] if _VALUE.match(s.text))
        if tabular >= 2 and values >= 2:
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


def _table(lines: list[TextLine], segs: list[list[TextLine]], page: int) -> SourceTable | FlattenedTable:
    size = sorted(l.size for l in lines)[len(lines) // 2] or 10.0
    value_segs = [s for row in segs for s in row if _VALUE.match(s.text)]
    centres = cluster_edges([(s.x0 + s.x1) / 2 for s in value_segs], size * 1.2)
    counts = [sum(1 for s in value_segs if abs((s.x0 + s.x1) / 2 - c) <= size * 1.2) for c in centres]
    columns = [c for c, n in zip(centres, counts) if n >= 2] or centres
    flat = FlattenedTable("\n".join(l.text for l in lines), where=_loc(page, min(l.x0 for l in lines), lines[0].top, max(l.x1 for l in lines), lines[-1].bottom))
    if not columns:
        return flat
    half = [((columns[k] - columns[k - 1]) / 2 if k else size * 3) for k in range(len(columns))]
    label_right = columns[0] - half[0]

    def column_of(seg: TextLine) -> int | None:
        cx = (seg.x0 + seg.x1) / 2
        best = min(range(len(columns)), key=lambda k: abs(columns[k] - cx))
        return best if abs(columns[best] - cx) <= size * 1.5 else None

    rows: list[tuple[TextLine, list[SourceCell]]] = []
    pending: list[TextLine] = []  # label-only lines waiting for their row
    for line, row_segs in zip(lines, segs):
        labels = [s for s in row_segs if s.x1 <= label_right + size * 0.5]
        cells_by_col: dict[int, TextLine] = {}
        spanning: list[TextLine] = []
        for s in row_segs:
            if s in labels:
                continue
            k = column_of(s)
            if k is None or k in cells_by_col:
                spanning.append(s)
            else:
                cells_by_col[k] = s
        has_values = any(_VALUE.match(s.text) for s in cells_by_col.values())
        if not has_values and not spanning and len(cells_by_col) == 0:
            if len(labels) != 1 or len(labels[0].text) <= 2:
                return flat  # stacked vertical labels or several label fragments
            pending.append(line)
            continue
        if len(labels) > 1 or spanning:
            if has_values:
                return flat  # group label sharing the line with a leaf label
            cells = [SourceCell(s.text, where=_loc(page, s.x0, s.top, s.x1, s.bottom), is_header=True) for s in row_segs]
            rows.append((line, cells))
            continue
        label = labels[0] if labels else None
        cells = [SourceCell(label.text if label else "", where=_loc(page, label.x0, label.top, label.x1, label.bottom) if label else "")]
        for k in range(len(columns)):
            s = cells_by_col.get(k)
            cells.append(SourceCell(s.text if s else "", where=_loc(page, s.x0, s.top, s.x1, s.bottom) if s else ""))
        rows.append((line, cells))
        if pending:
            _attach(pending, rows)
            pending = []
    if pending:
        if not rows:
            return flat
        _attach(pending, rows)
    if not rows:
        return flat
    return SourceTable([cells for _, cells in rows], where=flat.where, spans_known=False)


def _attach(pending: list[TextLine], rows: list[tuple[TextLine, list[SourceCell]]]) -> None:
    """Attach wrapped label lines to the nearest row (above or below) by vertical distance."""
    for line in pending:
        centre = (line.top + line.bottom) / 2
        best = min(range(len(rows)), key=lambda k: abs((rows[k][0].top + rows[k][0].bottom) / 2 - centre))
        anchor, cells = rows[best]
        if _ENUMERATOR.match(line.text) or centre < anchor.top:
            cells[0].text = line.text + ("\n" + cells[0].text if cells[0].text else "")
        else:
            cells[0].text = (cells[0].text + "\n" if cells[0].text else "") + line.text


def find_tables(content: "PageContent") -> None:
    """Move the lines of tables without ruling lines out of ``content.lines`` into
    ``content.word_tables`` (as :class:`SourceTable` or :class:`FlattenedTable`)."""
    lines = content.lines
    segs = [split_segments(l, GAP) for l in lines]
    regions = _regions(lines, segs)
    if not regions:
        return
    used: set[int] = set()
    for a, b in regions:
        table = _table(lines[a:b], segs[a:b], content.number)
        content.word_tables.append((lines[a].top, table))
        used.update(range(a, b))
    content.lines = [l for k, l in enumerate(lines) if k not in used]

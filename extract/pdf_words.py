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

from extract.boxgrid import cluster_edges
from extract.model import FlattenedTable, SourceCell, SourceTable
from extract.pdf_text import TextLine, split_segments

GAP = 1.0  # em: a gap at least this wide separates two cells of a line
_VALUE = re.compile(r"^[+\-−–增减]?[0-9０-９][0-9０-９,，.．]*\s*[元万件条个项次%％]*$|^[-—–/／无]$")
_ENUMERATOR = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十0-9]{1,3}[)）]|[0-9]{1,2}[.、．](?![0-9]))"
)


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
        first = i
        while (
            i > 0
            and len(segs[i - 1]) == 1
            and abs(lines[i - 1].size - size) <= 1.0
            and lines[i].top - lines[i - 1].bottom < 1.5 * size
            and (not out or out[-1][1] <= i - 1)
        ):
            i -= 1  # a caption line right above the first row
        tabular = sum(1 for k in range(i, j) if len(segs[k]) >= 2)
        values = sum(1 for k in range(i, j) for s in segs[k] if _VALUE.match(s.text))
        if tabular >= 2 and values >= 2:
            out.append((i, j))
            i = j
        else:
            i = first + 1  # never back to a line already tried (a caption step moved i up)
    return out


def _is_value(seg: TextLine) -> bool:
    return bool(_VALUE.match(seg.text))


def _table(
    lines: list[TextLine], segs: list[list[TextLine]], page: int
) -> list[tuple[float, SourceTable | FlattenedTable]]:
    """The table of one region (spans unknown), or the region as flattened text when any of
    its sub-tables cannot be read with certainty."""
    size = sorted(l.size for l in lines)[len(lines) // 2] or 10.0
    flat = FlattenedTable(
        "\n".join(l.text for l in lines),
        where=_loc(page, min(l.x0 for l in lines), lines[0].top, max(l.x1 for l in lines), lines[-1].bottom),
    )
    value_segs = [s for row in segs for s in row if _is_value(s)]
    if not value_segs:
        return [(lines[0].top, flat)]
    label_right = min(s.x0 for s in value_segs) - size * 0.5
    centres = cluster_edges([(s.x0 + s.x1) / 2 for s in value_segs], size * 1.2)
    gaps = sorted(b - a for a, b in zip(centres, centres[1:]))
    pitch = gaps[len(gaps) // 2] if gaps else size * 4
    # zones: a header (or caption) line after data lines starts a new sub-table
    zones: list[list[tuple[TextLine, list[TextLine]]]] = [[]]
    prev_values = False
    for line, row in zip(lines, segs):
        values = any(_is_value(s) for s in row if (s.x0 + s.x1) / 2 >= label_right)
        header_like = len(row) >= 2 or (row and row[0].x1 > label_right + size)
        if zones[-1] and not values and prev_values and header_like:
            zones.append([])
        zones[-1].append((line, row))
        prev_values = values
    rows: list[list[SourceCell]] = []
    for zone in zones:
        zone_rows = _zone_rows(zone, label_right, size, pitch, page)
        if zone_rows is None:
            # one unreadable sub-table makes the whole table suspect: values of a glued or
            # wrapped row may have landed in a neighbouring sub-table
            return [(lines[0].top, flat)]
        rows += zone_rows
    return [(lines[0].top, SourceTable(rows, where=flat.where, spans_known=False))]


def _zone_rows(
    zone: list[tuple[TextLine, list[TextLine]]], label_right: float, size: float, pitch: float, page: int
) -> list[list[SourceCell]] | None:
    """Rows of one sub-table (header lines, then data lines); None when the layout is not
    simple enough to place every value in its column with certainty."""
    first_data = next(
        (k for k, (_, row) in enumerate(zone) if any(_is_value(s) for s in row if (s.x0 + s.x1) / 2 >= label_right)),
        len(zone),
    )
    headers, data = zone[:first_data], zone[first_data:]

    def mid(s: TextLine) -> float:
        return (s.x0 + s.x1) / 2

    data_columns = cluster_edges([mid(s) for _, row in data for s in row if mid(s) >= label_right], size * 1.2)
    # header words over a single column also mark columns (a column may be blank in every
    # data row) — never words spanning several columns (行政诉讼 over ten), and never a
    # position squeezed between two data columns where no column fits
    extra: list[float] = []
    for _, row in headers:
        if len(row) < 2:
            continue
        for s in row:
            x = mid(s)
            if x < label_right or s.x1 - s.x0 > 1.2 * pitch or any(abs(x - c) <= size * 1.2 for c in data_columns):
                continue
            left = max((c for c in data_columns if c < x), default=None)
            right = min((c for c in data_columns if c > x), default=None)
            if (left is None or x - left >= 0.8 * pitch) and (right is None or right - x >= 0.8 * pitch):
                extra.append(x)
    columns = cluster_edges(data_columns + extra, size * 1.2)

    def column_of(seg: TextLine) -> int | None:
        if not columns:
            return None
        cx = (seg.x0 + seg.x1) / 2
        best = min(range(len(columns)), key=lambda k: abs(columns[k] - cx))
        return best if abs(columns[best] - cx) <= size * 1.5 else None

    def loc(s: TextLine) -> str:
        return _loc(page, s.x0, s.top, s.x1, s.bottom)

    out: list[tuple[TextLine, list[SourceCell]]] = []
    for line, row in headers:
        out.append((line, [SourceCell(s.text, where=loc(s), is_header=True) for s in row]))
    data_rows: list[tuple[TextLine, list[SourceCell]]] = []
    pending: list[TextLine] = []  # label-only lines waiting for their row
    has_labels = any(mid(s) < label_right for _, row in data for s in row)
    for line, row in data:
        labels = [s for s in row if mid(s) < label_right]
        by_col: dict[int, TextLine] = {}
        for s in row:
            if s in labels:
                continue
            k = column_of(s)
            if k is None or k in by_col:
                return None  # a value between columns, or two in one column
            by_col[k] = s
        if not by_col:
            if len(labels) != 1 or len(labels[0].text) <= 2:
                return None  # stacked vertical labels or several label fragments
            pending.append(line)
            continue
        if len(labels) > 1:
            return None  # a group label sharing the line with a leaf label
        if has_labels and not labels:
            return None  # values without a label: a wrapped part of some other row
        if not has_labels and data_rows:
            return None  # several label-less value lines: cannot tell rows from wrapped values
        label = labels[0] if labels else None
        cells = [SourceCell(label.text if label else "", where=loc(label) if label else "")] if has_labels else []
        for k in range(len(columns)):
            part = by_col.get(k)
            cells.append(SourceCell(part.text if part else "", where=loc(part) if part else ""))
        data_rows.append((line, cells))
        if pending:
            if not _attach(pending, data_rows):
                return None
            pending = []
    if pending and (not data_rows or not _attach(pending, data_rows)):
        return None
    return [cells for _, cells in out + data_rows]


def _attach(pending: list[TextLine], rows: list[tuple[TextLine, list[SourceCell]]]) -> bool:
    """Attach wrapped label lines to the nearest row (above or below) by vertical distance.

    Only the continuation of an enumerated label (``1.申请人…`` / ``补正、…``) is attached; a
    label-only line that could be a row whose cells are all blank makes the zone unreadable
    (False).
    """
    for line in pending:
        if _ENUMERATOR.match(line.text):
            return False
        centre = (line.top + line.bottom) / 2
        best = min(range(len(rows)), key=lambda k: abs((rows[k][0].top + rows[k][0].bottom) / 2 - centre))
        anchor, cells = rows[best]
        if centre < anchor.top:
            cells[0].text = line.text + ("\n" + cells[0].text if cells[0].text else "")
        else:
            cells[0].text = (cells[0].text + "\n" if cells[0].text else "") + line.text
        if not _ENUMERATOR.match(cells[0].text):
            return False
    return True


def find_tables(
    lines: list[TextLine], page: int
) -> tuple[list[tuple[float, SourceTable | FlattenedTable]], list[TextLine]]:
    """The tables without ruling lines among the ``lines`` of page ``page`` (each with the top of
    its first line, as :class:`SourceTable` or :class:`FlattenedTable`) and the lines left over."""
    segs = [split_segments(l, GAP) for l in lines]
    regions = _regions(lines, segs)
    if not regions:
        return [], lines
    tables: list[tuple[float, SourceTable | FlattenedTable]] = []
    used: set[int] = set()
    for a, b in regions:
        tables += _table(lines[a:b], segs[a:b], page)
        used.update(range(a, b))
    return tables, [l for k, l in enumerate(lines) if k not in used]

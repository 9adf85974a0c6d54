"""Tables printed one cell per line (docs/report-format.md §8.5, issue 11 class 9).

Some viewers and mobile pages copy a table out as text with every cell on its own line and no
boundary but the line break (the seed's tab/newline text is a relative)::

    规章
    0
    0
    0

Blank cells leave no line, so the lines alone cannot say which column a number belongs to.
They can when the form's known row shapes leave one reading: each row of section 二 has as many
values as its sub-table's columns, each row of 三 the 7 applicant columns, 四 the 15 复议/诉讼
columns.  :func:`read_line_tables` turns such runs of paragraphs into tables (labels and values
in order, ``spans_known`` False) when every row has exactly that shape; otherwise the run
becomes a :class:`FlattenedTable` — recognised, warned about, no number kept from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extract.labels import is_caption, normalise_label, squash
from extract.model import Block, FlattenedTable, Paragraph, SourceCell, SourceTable
from extract.schema import ACTIVE_SUBTABLES, APPLICANT_COLUMNS, REVIEW_COLUMNS
from extract.spelling import closest
from extract.values import parse_value
from extract.vocab import (
    ACTIVE_ROW_LABELS,
    ACTIVE_ROW_SPELLING,
    APP_GROUPS,
    APP_LEAF_LABELS,
    APP_LEVEL1_GROUP,
    APP_LEVEL1_ROWS,
    APP_SPELLING_ALL,
)

ACTIVE, APPS, REVIEW = "active_disclosure", "applications", "review_litigation"
MIN_LINES = 6
MAX_CELL = 90  # a longer line is prose, not a cell
_MARKERS_2021 = re.compile(r"本年制发件数|本年废止件数|现行有效件数|本年处理决定数量|本年收费金额")
# headings that end a run (the sections' own headings; 一、本年新收… and 三、本年度办理结果 are rows)
_SECTION_HEADING = re.compile(
    r"^[一二三四五六七八九十]{1,2}[、.]\s*(?:总体情况|主动公开政府信息|收到和处理政府信息公开申请|政府信息公开行政复议|"
    r"因政府信息公开|存在的主要问题|政府信息公开工作存在|其他需要报告|其它需要报告)"
)


_MARKER_HINT = re.compile(r"二十条|信息内容|信息內容|勾稽|申请人|申請人|复议|復議")


@dataclass
class _Run:
    zone: str
    lines: list[str] = field(default_factory=list)
    wheres: list[str] = field(default_factory=list)


def _start_zone(s: str, nxt: str) -> str | None:
    if is_caption(s) or s == "信息内容":
        return ACTIVE
    if "勾稽关系" in s or s == "申请人情况":
        return APPS
    if s == "行政复议" and nxt in ("行政诉讼", "结果维持"):
        return REVIEW
    return None


def _is_value(line: str) -> bool:
    return parse_value(line).kind in ("number", "blank") and bool(line.strip())


def read_line_tables(blocks: list[Block]) -> tuple[list[Block], list[str], set[str]]:
    """Blocks with one-cell-per-line runs of paragraphs replaced by tables (or flattened
    tables when ambiguous), the warnings for the ambiguous ones and the tables they name."""
    out: list[Block] = []
    warnings: list[str] = []
    warned: set[str] = set()
    i = 0
    n = len(blocks)
    while i < n:
        block = blocks[i]
        if not isinstance(block, Paragraph):
            out.append(block)
            i += 1
            continue
        if len(block.text) > MAX_CELL or not _MARKER_HINT.search(block.text):
            out.append(block)  # cheap test first: most paragraphs are prose
            i += 1
            continue
        s = squash(block.text)
        after = blocks[i + 1] if i + 1 < n else None
        nxt = squash(after.text) if isinstance(after, Paragraph) and s == "行政复议" else ""
        zone = _start_zone(s, nxt)
        if zone is None:
            out.append(block)
            i += 1
            continue
        run = _Run(zone)
        j = i
        while j < n:
            b = blocks[j]
            if not isinstance(b, Paragraph):
                break
            text = b.text.strip()
            if j > i and (len(text) > MAX_CELL or "。" in text or _SECTION_HEADING.match(squash(text))):
                break
            if j > i and _start_zone(squash(text), "") not in (None, run.zone) and run.zone != ACTIVE:
                break
            if j > i and run.zone != ACTIVE and (is_caption(text) or squash(text) == "信息内容"):
                break
            if j > i and run.zone == ACTIVE and _start_zone(squash(text), "") == APPS:
                break
            run.lines.append(text)
            run.wheres.append(b.where)
            j += 1
        if len(run.lines) < MIN_LINES or not any(_is_value(x) for x in run.lines) and not _has_labels(run):
            out.append(block)
            i += 1
            continue
        tables, problem = _parse(run, len(out))
        if problem:
            warnings.append(
                f"table {run.zone} is printed one cell per line and {problem}: the cells cannot be placed, "
                "no cells emitted for it"
            )
            warned.add(run.zone)
            out.append(FlattenedTable("\n".join(run.lines), where=run.wheres[0]))
        else:
            out.extend(tables)
        i = j
    return out, warnings, warned


def _has_labels(run: _Run) -> bool:
    return sum(1 for x in run.lines if not _is_value(x)) >= MIN_LINES


def _row_key(label: str) -> str | None:
    t = normalise_label(label).text
    return ACTIVE_ROW_LABELS.get(t) or (closest(t, ACTIVE_ROW_SPELLING) or (None,))[0]


def _groups(lines: list[str]) -> list[tuple[list[str], list[str]]]:
    """Consecutive label lines and the value lines after them."""
    groups: list[tuple[list[str], list[str]]] = []
    labels: list[str] = []
    values: list[str] = []
    for line in lines:
        if _is_value(line):
            values.append(line)
            continue
        if values:
            groups.append((labels, values))
            labels, values = [], []
        labels.append(line)
    groups.append((labels, values))
    return groups


def _table(rows: list[list[str]], index: int) -> SourceTable:
    cells = [
        [SourceCell(text, where=f"l{index}/r{r}/c{c}") for c, text in enumerate(row)] for r, row in enumerate(rows)
    ]
    return SourceTable(cells, where=f"l{index}", spans_known=False)


def _parse(run: _Run, index: int) -> tuple[list[Block], str | None]:
    if run.zone == ACTIVE:
        return _parse_active(run, index)
    if run.zone == APPS:
        return _parse_apps(run, index)
    return _parse_review(run, index)


def _parse_active(run: _Run, index: int) -> tuple[list[Block], str | None]:
    """Sub-tables of section 二: caption, 信息内容, header lines, then label + values rows."""
    subs: list[list[str]] = []
    for line in run.lines:
        if is_caption(line) or (squash(line) == "信息内容" and (not subs or any(_is_value(x) for x in subs[-1]))):
            if subs and is_caption(subs[-1][-1]) and squash(line) == "信息内容":
                subs[-1].append(line)
                continue
            subs.append([line])
        elif subs:
            subs[-1].append(line)
    tables: list[Block] = []
    for k, sub in enumerate(subs):
        item = next((is_caption(x) for x in sub if is_caption(x)), None)
        body = [x for x in sub if not is_caption(x) and squash(x) != "信息内容"]
        groups = _groups(body)
        header_text = ""
        rows: list[list[str]] = []
        for g, (labels, values) in enumerate(groups):
            if g == 0:
                # header lines, then the first row's label: its longest suffix that names a row
                cut = next(
                    (c for c in range(len(labels)) if _row_key(labels[c]) or _row_key("".join(labels[c:]))), None
                )
                if cut is None:
                    cut = len(labels) - 1 if values else len(labels)
                header_text += "".join(labels[:cut])
                labels = labels[cut:]
            # rows whose only cell was blank left no value line: each label naming a row is a row
            while len(labels) > 1 and _row_key(labels[0]) and _row_key("".join(labels[1:])):
                rows.append([labels.pop(0)])
            if labels:
                rows.append(["".join(labels), *values])
            elif values:
                return [], "a row of numbers has no label"
        template = "2021" if _MARKERS_2021.search(squash(header_text)) else "2019"
        if item is None:
            item = next((_item_of(_row_key(r[0])) for r in rows if _row_key(r[0])), None)
        columns = _active_columns(template, item)
        if columns is None:
            return [], "a sub-table of section 二 is not one of the form's"
        for row in rows:
            if len(row) > 1 and len(row) - 1 != len(columns):
                return [], f"row {row[0]!r} has {len(row) - 1} values for {len(columns)} columns"
        if any(_is_value(x) for x in run.lines):
            # a row without a value line beside rows with values: all its cells are blank
            rows = [row if len(row) > 1 or not _row_key(row[0]) else [*row, *[""] * len(columns)] for row in rows]
        caption = f"第二十条第（{item}）项"
        head = ["信息内容", *columns] if header_text or rows else ["信息内容"]
        tables.append(_table([[caption], head, *rows], index + k))
    return tables, None


def _item_of(key: str | None) -> str | None:
    for st in ACTIVE_SUBTABLES["2019"] + ACTIVE_SUBTABLES["2021"]:
        if any(k == key for k, _ in st.rows):
            return st.item
    return None


def _active_columns(template: str, item: str | None) -> list[str] | None:
    for tpl in (template, "2019" if template == "2021" else "2021"):
        for st in ACTIVE_SUBTABLES[tpl]:
            if st.item == item:
                return [label for _, label in st.columns]
    return None


def _parse_apps(run: _Run, index: int) -> tuple[list[Block], str | None]:
    """Section 三: header lines up to 一、本年新收…, then rows of a label and 7 values."""
    start = next((k for k, x in enumerate(run.lines) if "本年新收" in squash(x)), None)
    if start is None:
        return [], "its rows cannot be found"
    header = ["申请人情况", *[label for _, label in APPLICANT_COLUMNS]]
    rows: list[list[str]] = [header]
    pending = ""
    any_values = any(_is_value(x) for x in run.lines[start:])
    for labels, values in _groups(run.lines[start:]):
        while any_values and len(labels) > 1 and _is_app_row(pending + labels[0]):
            rows.append([pending + labels.pop(0), *[""] * len(APPLICANT_COLUMNS)])  # all cells blank
            pending = ""
        label = pending + "".join(labels)
        if not values and any_values and labels and _is_app_row(labels[-1]):
            rows.append([label, *[""] * len(APPLICANT_COLUMNS)])  # a row whose cells are all blank
            pending = ""
            continue
        if not values:
            pending = label
            continue
        if not label:
            return [], "a row of numbers has no label"
        if len(values) != len(APPLICANT_COLUMNS):
            return [], f"row {label!r} has {len(values)} values for the 7 applicant columns"
        rows.append([label, *values])
        pending = ""
    if pending and len(rows) > 1:
        rows.append([pending])
    return [_table(rows, index)], None


def _is_app_row(label: str) -> bool:
    """A label naming a row of 三 (not a group such as 三、本年度办理结果 or （三）不予公开)."""
    t = normalise_label(label).text
    if t in APP_GROUPS or t == APP_LEVEL1_GROUP or not t:
        return False
    return t in APP_LEAF_LABELS or t in APP_LEVEL1_ROWS or closest(t, APP_SPELLING_ALL) is not None


def _parse_review(run: _Run, index: int) -> tuple[list[Block], str | None]:
    """Section 四: the header lines, then the 15 values of its one data row."""
    values = [x for x in run.lines if _is_value(x)]
    labels_after = [x for x in run.lines[run.lines.index(values[0]) :] if not _is_value(x)] if values else []
    if values and (len(values) != 3 * len(REVIEW_COLUMNS) or labels_after):
        return [], f"its data row has {len(values)} values for the 15 columns"
    header = [label for _, label in REVIEW_COLUMNS] + ["未经复议直接起诉", "复议后起诉"]
    rows = [header] + ([values] if values else [])
    return [_table(rows, index)], None

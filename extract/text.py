"""Plain-text reports → :class:`Document`.

Two table shapes are read (docs/report-format.md §8.5; the seed report ``tests/fixtures/seed/xiyan-town-2019.txt``):

* *cell per line*: every cell starts with a tab at the beginning of a line, a line without the
  leading tab continues the previous cell (a label broken over lines), a blank line ends a row;
* *row per line*: cells of a row separated by tabs (or `` | ``) on one line.

Text without any cell boundaries is left as paragraphs: the interpreter recognises flattened
tables in it and never reads their numbers.
"""

from __future__ import annotations

import re

from extract.encoding import decode_bytes
from extract.meta import parse_date, published_from_text
from extract.model import Document, Paragraph, SourceCell, SourceTable

_DUMP_SEP_RE = re.compile(r"^=+\s*正文\s*=+\s*$", re.M)
_HEADER_FIELD_RE = re.compile(r"^(标题|发布时间|发布日期|文号|发布机构|来源|栏目|原文链接|索引号)\s*[:：]\s*(.*)$")


def _parse_dump_header(text: str) -> tuple[dict[str, str], str]:
    m = _DUMP_SEP_RE.search(text)
    if not m:
        return {}, text
    meta: dict[str, str] = {}
    for line in text[: m.start()].splitlines():
        fm = _HEADER_FIELD_RE.match(line.strip())
        if fm and fm.group(2).strip():
            meta[fm.group(1)] = fm.group(2).strip()
    return meta, text[m.end() :]


def _is_table_line(line: str) -> bool:
    return line.startswith("\t") or ("\t" in line.strip("\t ") and not line.startswith(" "))


def _pipe_row(line: str) -> list[str] | None:
    if line.count("|") >= 1 and re.search(r"\S\s*\|", line):
        cells = [c.strip() for c in line.split("|")]
        if cells and cells[-1] == "":
            cells = cells[:-1]
        return cells
    return None


def _cell_per_line(lines: list[str], start: int, table_index: int) -> tuple[SourceTable, int]:
    rows: list[list[SourceCell]] = []
    row: list[str] = []
    i = start
    blank_run = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("\t"):
            if blank_run and row:
                rows.append([SourceCell(t) for t in row])
                row = []
            blank_run = 0
            row.append(line[1:])
        elif line.strip() == "":
            blank_run += 1
            if row:
                rows.append([SourceCell(t) for t in row])
                row = []
        else:
            if blank_run == 0 and row:
                row[-1] = row[-1] + "\n" + line  # a label broken over lines
            else:
                break
        i += 1
    if row:
        rows.append([SourceCell(t) for t in row])
    for r, cells in enumerate(rows):
        for c, cell in enumerate(cells):
            cell.where = f"t{table_index}/r{r}/c{c}"
    return SourceTable(rows, where=f"t{table_index}", spans_known=False), i


def _row_per_line(lines: list[str], start: int, table_index: int, sep: str) -> tuple[SourceTable, int]:
    rows: list[list[SourceCell]] = []
    i = start
    while i < len(lines):
        line = lines[i]
        if sep == "\t" and "\t" in line:
            texts = line.split("\t")
        elif sep == "|" and _pipe_row(line) is not None:
            texts = _pipe_row(line) or []
        else:
            break
        r = len(rows)
        rows.append([SourceCell(t, where=f"t{table_index}/r{r}/c{c}") for c, t in enumerate(texts)])
        i += 1
    return SourceTable(rows, where=f"t{table_index}", spans_known=False), i


def parse_text(data: bytes | str, content_type: str | None = None, url: str | None = None) -> Document:
    """Parse a plain-text report (or a saved page-text dump) into a :class:`Document`."""
    if isinstance(data, bytes):
        text, encoding, warnings = decode_bytes(data, content_type, html=False)
    else:
        text, encoding, warnings = data, "utf-8", []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta, body = _parse_dump_header(text)
    lines = body.split("\n")
    blocks: list = []
    tables = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        if "\t" in line:
            # which shape: any line nearby with a tab between contents → one row per line
            ahead = [ln for ln in lines[i : i + 16] if "\t" in ln]
            inner = any("\t" in ln.strip("\t \u3000") for ln in ahead)
            if inner and len(ahead) >= 2:
                table, i = _row_per_line(lines, i, tables, "\t")
                blocks.append(table)
                tables += 1
                continue
            if line.startswith("\t") and len([ln for ln in ahead if ln.startswith("\t")]) >= 2:
                table, i = _cell_per_line(lines, i, tables)
                if table.rows:
                    blocks.append(table)
                    tables += 1
                continue
        if _pipe_row(line) is not None and sum(1 for ln in lines[i : i + 4] if _pipe_row(ln) is not None) >= 2:
            table, i = _row_per_line(lines, i, tables, "|")
            blocks.append(table)
            tables += 1
            continue
        s = " ".join(line.replace("\u3000", " ").split())
        if s:
            blocks.append(Paragraph(s))
        i += 1
    return Document(
        blocks=blocks,
        title=meta.get("标题"),
        title_candidates=[],
        meta=meta,
        published=parse_date(meta.get("发布时间") or meta.get("发布日期"))
        or published_from_text("\n".join(b.text for b in blocks[:12] if isinstance(b, Paragraph))),
        canonical_url=meta.get("原文链接"),
        carrier="text",
        encoding=encoding,
        warnings=warnings,
    )

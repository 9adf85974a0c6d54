"""Read tables back from rendered HTML with lxml (renderer self-checks, independent of extract/)."""

from __future__ import annotations

from dataclasses import dataclass

import lxml.html


@dataclass
class ParsedCell:
    text: str  # all text nodes joined
    rowspan: int
    colspan: int
    tag: str


def parse_tables(fragment: str) -> list[list[list[ParsedCell]]]:
    """Every <table> of ``fragment`` (outermost first) as rows of cells; rows without any cell are kept."""
    root = lxml.html.fromstring(f"<div>{fragment}</div>")
    tables = []
    for table in root.iter("table"):
        rows = []
        for tr in table.iter("tr"):
            if tr.getparent() is not table and tr.getparent().getparent() is not table:
                continue  # a row of a nested table
            cells = [
                ParsedCell(
                    "".join(td.itertext()),
                    int(td.get("rowspan", "1")),
                    int(td.get("colspan", "1")),
                    td.tag,
                )
                for td in tr
                if td.tag in ("td", "th")
            ]
            rows.append(cells)
        tables.append(rows)
    return tables


def squeeze(text: str) -> str:
    """Text with every whitespace character removed (labels join their lines with nothing)."""
    return "".join(text.split())

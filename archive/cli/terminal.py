"""Readable terminal output of a report (``nianbao extract --format table``)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from extract.model import Report
from extract.schema import (
    ACTIVE_2019,
    ACTIVE_2021,
    APPLICANT_COLUMNS,
    APPLICATION_ROWS_2021,
    REVIEW_COLUMNS,
    REVIEW_ROWS,
)

_ACTIVE_COLS: dict[str, str] = {}
for _st in ACTIVE_2019 + ACTIVE_2021:
    for _k, _lab in _st.columns:
        _ACTIVE_COLS.setdefault(_k, _lab)


def _fmt(cell) -> str:
    if cell is None:
        return ""
    if cell.value is None:
        return f"[dim]{cell.raw or '∅'}[/dim]"
    return f"{cell.value}{cell.unit or ''}"


def _row_order(rows: list[str], canonical: list[str]) -> list[str]:
    known = [r for r in dict.fromkeys(canonical) if r in rows]
    return known + [r for r in rows if r not in known]


def print_report(report: Report, console: Console | None = None) -> None:
    """Print metadata, the three tables, checks, warnings and section headings."""
    console = console or Console()
    console.print(f"[bold]{report.title or '(no title)'}[/bold]")
    console.print(
        f"organ: {report.organ or '?'}   year: {report.year or '?'}   template: {report.template}   "
        f"published: {report.published or '?'}   carrier: {report.carrier}   cells: {len(report.cells)}"
    )
    cells = report.cell_map()
    by_table: dict[str, list[str]] = {}
    for c in report.cells:
        rows = by_table.setdefault(c.table, [])
        if c.row not in rows:
            rows.append(c.row)

    def grid(table: str, title: str, cols: list[tuple[str, str]], rows: list[str], row_label=lambda r: r) -> None:
        t = Table(title=title)
        t.add_column("row")
        for _k, lab in cols:
            t.add_column(lab, justify="right")
        for row in rows:
            t.add_row(row_label(row), *[_fmt(cells.get((table, row, k))) for k, _ in cols])
        console.print(t)

    if "active_disclosure" in by_table:
        used = {c.col for c in report.cells if c.table == "active_disclosure"}
        cols = [(k, lab) for k, lab in _ACTIVE_COLS.items() if k in used]
        cols += [(k, k) for k in sorted(used) if k not in dict(cols)]
        canon = [k for st in ACTIVE_2019 + ACTIVE_2021 for k, _ in st.rows]
        grid(
            "active_disclosure",
            "二、主动公开政府信息情况 (active_disclosure)",
            cols,
            _row_order(by_table["active_disclosure"], canon),
        )
    if "applications" in by_table:
        canon = [r.key for r in APPLICATION_ROWS_2021] + ["other"]
        grid(
            "applications",
            "三、收到和处理政府信息公开申请情况 (applications)",
            list(APPLICANT_COLUMNS),
            _row_order(by_table["applications"], canon),
        )
    if "review_litigation" in by_table:
        names = dict(REVIEW_ROWS)
        grid(
            "review_litigation",
            "四、行政复议、行政诉讼情况 (review_litigation)",
            list(REVIEW_COLUMNS),
            list(names),
            lambda r: f"{r} {names[r]}",
        )
    if "legacy_indicators" in by_table:
        grid(
            "legacy_indicators",
            "政府信息公开情况统计表 (legacy_indicators)",
            [("value", "value"), ("cumulative", "cumulative")],
            by_table["legacy_indicators"],
        )
    failed = [c for c in report.checks if c.ok is False]
    open_ = [c for c in report.checks if c.ok is None]
    passed = len(report.checks) - len(failed) - len(open_)
    console.print(f"checks: {passed} passed, {len(failed)} failed, {len(open_)} not checkable")
    for check in failed:
        console.print(f"  [red]{check.rule}[/red] {check.column}: expected {check.expected}, actual {check.actual}")
    for check in open_:
        console.print(f"  [yellow]{check.rule}[/yellow] {check.column}: {check.detail}")
    for w in report.warnings:
        console.print(f"  [yellow]warning[/yellow] {w}")
    for s in report.sections:
        preview = s.text[:60].replace("\n", " ")
        console.print(f"  §{s.number} {s.heading or '(preamble)'}: {preview}{'…' if len(s.text) > 60 else ''}")

"""What extraction must return for a sample report, and readable comparisons."""

from __future__ import annotations

from portalgen.sample import Key, SampleCell, SampleReport

from extract.schema import APPLICANT_KEYS, R3_LEAVES, REVIEW_ROWS


def collapse(text: str) -> str:
    """Whitespace collapsed as docs/contract.md §2 says for ``raw`` (NBSP and U+3000 count as whitespace)."""
    return " ".join(text.split())


def cell_mismatches(expected: dict[Key, SampleCell], cells: list) -> list[str]:
    """Differences between the expected cells and extracted ``extract.model.Cell`` objects ([] if exact)."""
    problems: list[str] = []
    got: dict[Key, object] = {}
    for cell in cells:
        key = (cell.table, cell.row, cell.col)
        if key in got:
            problems.append(f"{key}: extracted twice")
        got[key] = cell
    for key in sorted(set(expected) - set(got)):
        problems.append(f"{key}: missing (expected raw {expected[key].raw!r})")
    for key in sorted(set(got) - set(expected)):
        problems.append(f"{key}: unexpected cell raw={got[key].raw!r} value={got[key].value!r}")
    for key in sorted(set(got) & set(expected)):
        want, have = expected[key], got[key]
        if have.value != want.value or type(have.value) is not type(want.value):
            problems.append(f"{key}: value {have.value!r} != {want.value!r} (raw {want.raw!r})")
        if have.unit != want.unit:
            problems.append(f"{key}: unit {have.unit!r} != {want.unit!r} (raw {want.raw!r})")
        if have.raw != collapse(want.raw):
            problems.append(f"{key}: raw {have.raw!r} != {collapse(want.raw)!r}")
    return problems


def _v(cells: dict[Key, SampleCell], key: Key) -> float:
    value = cells[key].value
    return value or 0


def failing_checks(report: SampleReport) -> set[tuple[str, str]]:
    """(rule, column) of every R1–R4 check that fails on ``report``'s cells (null counts as 0)."""
    cells = report.expected_cells()
    app = lambda row, col: _v(cells, ("applications", row, col))
    failing: set[tuple[str, str]] = set()
    for col in APPLICANT_KEYS:
        if app("new_received", col) + app("carried_over", col) != app("total", col) + app("carried_forward", col):
            failing.add(("R1", col))
        if app("total", col) != sum(app(leaf, col) for leaf in R3_LEAVES[report.template]):
            failing.add(("R3", col))
    rows = sorted({k[1] for k in cells if k[0] == "applications"})
    for row in rows:
        if app(row, "total") != sum(app(row, col) for col in APPLICANT_KEYS[:-1]):
            failing.add(("R2", row))
    for row, _ in REVIEW_ROWS:
        rv = lambda col: _v(cells, ("review_litigation", row, col))  # noqa: B023 (called within the iteration)
        if rv("total") != rv("upheld") + rv("corrected") + rv("other") + rv("pending"):
            failing.add(("R4", row))
    return failing


def checked_rules(report: SampleReport) -> set[str]:
    """The rules that must be checked: a table with no values at all gets a warning, not checks."""
    cells = report.expected_cells()
    has = lambda table: any(c.value is not None for k, c in cells.items() if k[0] == table)
    rules = set()
    if has("applications"):
        rules |= {"R1", "R2", "R3"}
    if has("review_litigation"):
        rules.add("R4")
    return rules


def perturb(report: SampleReport, key: Key, delta: int) -> None:
    """Change one published value by ``delta`` (in place), keeping the cell's printed form simple."""
    old = report.cells[key]
    value = (old.value or 0) + delta
    report.cells[key] = SampleCell(str(value), value, None)

"""Consistency checks R1–R4 and R8 (docs/report-format.md §7). Checks never change values.

A check whose cells are missing (a leaf row for R3, a total for R2 …) is not skipped: it is
kept as *not checkable* — ``ok`` None, ``expected``/``actual`` None and ``detail`` naming what is
missing — so a report with a lost row never looks clean.
"""

from __future__ import annotations

import re

from extract.model import Cell, Check
from extract.schema import APPLICANT_KEYS, DECIMAL_COLUMNS, R3_LEAVES, REVIEW_COLUMNS, REVIEW_ROWS, SIGNED_COLUMNS

_TOL = 1e-6
# organs below 设区的市 (towns, townships, streets, counties, districts): they make no 规章
_BELOW_CITY_RE = re.compile(r"(镇|乡|街道|办事处|县|旗|区)(人民政府|政府|管理委员会|管委会)?$")


def _num(v):
    return 0 if v is None else v


def _clean(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, float):
        return round(v, 6)
    return v


def _not_checkable(rule: str, column: str, table: str, what: str, missing: list[str]) -> Check:
    """A check that cannot run because cells it needs are missing: ``ok`` None, the reason in ``detail``."""
    shown = ", ".join(missing[:6]) + (f" … ({len(missing)} in all)" if len(missing) > 6 else "")
    return Check(rule, column, None, None, None, table, f"not checkable: {what} {shown} missing")


def run_checks(cells: list[Cell], template: str, organ: str | None = None) -> tuple[list[Check], list[str]]:
    """Checks for the cells of one report; returns (checks, warnings)."""
    checks: list[Check] = []
    warnings: list[str] = []
    by_key = {(c.table, c.row, c.col): c for c in cells}

    def val(table: str, row: str, col: str):
        c = by_key.get((table, row, col))
        return None if c is None else c.value

    def has(table: str, row: str, col: str) -> bool:
        return (table, row, col) in by_key

    app_cells = [c for c in cells if c.table == "applications"]
    if app_cells and all(c.value is None for c in app_cells):
        warnings.append("table applications has labels but no values: no checks run")
    elif app_cells:
        # R1: new_received + carried_over = total + carried_forward
        for col in APPLICANT_KEYS:
            rows = ("new_received", "carried_over", "total", "carried_forward")
            missing = [r for r in rows if not has("applications", r, col)]
            if missing:
                checks.append(_not_checkable("R1", col, "applications", "row", missing))
                continue
            left = _num(val("applications", "new_received", col)) + _num(val("applications", "carried_over", col))
            right = _num(val("applications", "total", col)) + _num(val("applications", "carried_forward", col))
            checks.append(Check("R1", col, abs(left - right) < _TOL, _clean(left), _clean(right), "applications"))
        # R2: total column = Σ six applicant columns, per row
        rows_present: list[str] = []
        for c in app_cells:
            if c.row not in rows_present:
                rows_present.append(c.row)
        for row in rows_present:
            missing = [col for col in APPLICANT_KEYS if not has("applications", row, col)]
            if missing:
                checks.append(_not_checkable("R2", row, "applications", "column", missing))
                continue
            parts = sum(_num(val("applications", row, col)) for col in APPLICANT_KEYS[:-1])
            total = _num(val("applications", row, "total"))
            checks.append(Check("R2", row, abs(parts - total) < _TOL, _clean(parts), _clean(total), "applications"))
        # R3: （七）总计 = Σ leaf rows, per column
        tpl = (
            "2021"
            if any(c.row in ("other_no_correction", "other_no_fee", "other_misc") for c in app_cells)
            else ("2019" if any(c.row == "other" for c in app_cells) else template)
        )
        leaves = R3_LEAVES.get(tpl, R3_LEAVES["2021"])
        for col in APPLICANT_KEYS:
            missing = [r for r in ("total", *leaves) if not has("applications", r, col)]
            if missing:
                checks.append(_not_checkable("R3", col, "applications", "row", missing))
                continue
            s = sum(_num(val("applications", leaf, col)) for leaf in leaves)
            total = _num(val("applications", "total", col))
            checks.append(Check("R3", col, abs(s - total) < _TOL, _clean(s), _clean(total), "applications"))
    # R4: review_litigation total = upheld + corrected + other + pending
    rev_cells = [c for c in cells if c.table == "review_litigation"]
    if rev_cells and all(c.value is None for c in rev_cells):
        warnings.append("table review_litigation has labels but no values: no checks run")
    elif rev_cells:
        parts_cols = [c for c, _ in REVIEW_COLUMNS if c != "total"]
        for row, _ in REVIEW_ROWS:
            missing = [c for c, _ in REVIEW_COLUMNS if not has("review_litigation", row, c)]
            if missing:
                checks.append(_not_checkable("R4", row, "review_litigation", "column", missing))
                continue
            s = sum(_num(val("review_litigation", row, c)) for c in parts_cols)
            total = _num(val("review_litigation", row, "total"))
            checks.append(Check("R4", row, abs(s - total) < _TOL, _clean(s), _clean(total), "review_litigation"))
    # R8: counts are integers ≥ 0; only `change` may be negative; decimals only where money
    below_city = bool(organ and _BELOW_CITY_RE.search(organ))
    for table in ("active_disclosure", "applications", "review_litigation"):
        tcells = [c for c in cells if c.table == table and not c.row.startswith("extra:")]
        if not tcells or all(c.value is None for c in tcells):
            continue
        bad = 0
        for c in tcells:
            if c.value is None:
                continue
            problem = None
            if (c.table, c.col) in DECIMAL_COLUMNS:
                if c.value < 0:
                    problem = "negative amount"
            elif isinstance(c.value, float) and not c.value.is_integer():
                problem = "count is not an integer"
            elif c.value < 0 and (c.table, c.col) not in SIGNED_COLUMNS:
                problem = "negative count"
            elif (
                below_city
                and c.table == "active_disclosure"
                and c.row == "regulations"
                and c.value
                and c.col != "change"
            ):
                problem = "规章 reported by an organ below 设区的市"
            if problem:
                bad += 1
                checks.append(
                    Check("R8", f"{c.table}.{c.row}.{c.col}", False, problem, _clean(c.value), table, problem)
                )
        if not bad:
            checks.append(Check("R8", table, True, None, None, table))
    return checks, warnings

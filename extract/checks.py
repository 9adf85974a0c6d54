"""Consistency checks R1–R4, R8 and R9 of one report (docs/report-format.md §7). Checks never
change values.  R5–R7 compare a report with the previous year's and run at archive level
(:mod:`archive.store.crossyear`).

A check whose cells are missing (a leaf row for R3, a total for R2 …) is not skipped: it is
kept as *not checkable* — ``ok`` None, ``expected``/``actual`` None and ``detail`` naming what is
missing — so a report with a lost row never looks clean.  ``detail`` is Chinese (the site shows
it as is): why a check fails or cannot run, and for R9 the sentence quoted.
"""

from __future__ import annotations

import re

from extract.model import Cell, Check, Section
from extract.quoted import KINDS, Quote, quoted_figures
from extract.schema import (
    APPLICANT_COLUMNS,
    APPLICANT_KEYS,
    APPLICATION_ROWS_2021,
    DECIMAL_COLUMNS,
    R3_LEAVES,
    REVIEW_COLUMNS,
    REVIEW_ROWS,
    SIGNED_COLUMNS,
)

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


# Chinese names of the keys a detail message names
KEY_NAMES: dict[str, str] = {r.key: r.label for r in APPLICATION_ROWS_2021}
KEY_NAMES.update(other="其他处理", total="总计")
KEY_NAMES.update(dict(REVIEW_ROWS))
KEY_NAMES.update(dict(APPLICANT_COLUMNS))
_WHAT = {"row": "行", "column": "列"}
NOT_CHECKABLE = "不可校验"
R8_PROBLEMS = {
    "negative_amount": "金额为负数",
    "not_integer": "件数不是整数",
    "negative_count": "件数为负数（只有“本年增/减”可为负）",
    "regulations_below_city": "设区的市以下的机关填报了规章",
}


def key_name(key: str) -> str:
    """A key as the site names it: ``新收政府信息公开申请数量（new_received）``."""
    name = KEY_NAMES.get(key)
    return f"{name}（{key}）" if name else key


def _not_checkable(rule: str, column: str, table: str, what: str, missing: list[str]) -> Check:
    """A check that cannot run because cells it needs are missing: ``ok`` None, the reason in ``detail``."""
    shown = "、".join(key_name(m) for m in missing[:6]) + (f" 等{len(missing)}项" if len(missing) > 6 else "")
    return Check(rule, column, None, None, None, table, f"{NOT_CHECKABLE}：缺少{_WHAT[what]} {shown}")


def _fmt(v) -> str:
    v = _clean(v)
    return str(v)


def _failed(ok: bool, text: str) -> str | None:
    return None if ok else text


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
            ok = abs(left - right) < _TOL
            text = (f"{key_name(col)}：本年新收＋上年结转＝{_fmt(left)}，"
                    f"办理结果总计＋结转下年度继续办理＝{_fmt(right)}")  # fmt: skip
            checks.append(Check("R1", col, ok, _clean(left), _clean(right), "applications", _failed(ok, text)))
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
            ok = abs(parts - total) < _TOL
            text = f"{key_name(row)}：六类申请人之和为{_fmt(parts)}，总计列为{_fmt(total)}"
            checks.append(Check("R2", row, ok, _clean(parts), _clean(total), "applications", _failed(ok, text)))
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
            ok = abs(s - total) < _TOL
            text = f"{key_name(col)}：各项办理结果之和为{_fmt(s)}，（七）总计为{_fmt(total)}"
            checks.append(Check("R3", col, ok, _clean(s), _clean(total), "applications", _failed(ok, text)))
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
            ok = abs(s - total) < _TOL
            text = f"{key_name(row)}：结果维持＋结果纠正＋其他结果＋尚未审结＝{_fmt(s)}，总计为{_fmt(total)}"
            checks.append(Check("R4", row, ok, _clean(s), _clean(total), "review_litigation", _failed(ok, text)))
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
                    problem = R8_PROBLEMS["negative_amount"]
            elif isinstance(c.value, float) and not c.value.is_integer():
                problem = R8_PROBLEMS["not_integer"]
            elif c.value < 0 and (c.table, c.col) not in SIGNED_COLUMNS:
                problem = R8_PROBLEMS["negative_count"]
            elif (
                below_city
                and c.table == "active_disclosure"
                and c.row == "regulations"
                and c.value
                and c.col != "change"
            ):
                problem = R8_PROBLEMS["regulations_below_city"]
            if problem:
                bad += 1
                text = f"{problem}：{c.label or c.row}，原文“{c.raw}”"
                checks.append(Check("R8", f"{c.table}.{c.row}.{c.col}", False, None, _clean(c.value), table, text))
        if not bad:
            checks.append(Check("R8", table, True, None, None, table))
    return checks, warnings


# --------------------------------------------------------------------------- R9: text against tables

# pre-2019 statistics tables: the indicator a quoted figure restates (row keys as normalised labels)
_LEGACY_ROWS = {
    "received": re.compile(r"^受理.*申请.*(总数|数)$"),
    "administrative_review": re.compile(r"^行政复议数$"),
    "litigation": re.compile(r"^行政诉讼数$"),
    "active_published": re.compile(r"^主动公开(政府)?(信息|文件)数$"),
}
_TABLE_NAMES = {"applications": "表三", "review_litigation": "表四", "legacy_indicators": "统计表"}


def _table_figures(cells: list[Cell], template: str) -> dict[str, tuple[str, list[tuple[str, float]], str]]:
    """Kind → (table, accepted (description, value) pairs, missing cells) the prose may restate."""
    by_key = {(c.table, c.row, c.col): c for c in cells}

    def value(table: str, row: str, col: str):
        c = by_key.get((table, row, col))
        return None if c is None else _num(c.value)

    out: dict[str, tuple[str, list[tuple[str, float]], str]] = {}
    if any(c.table == "applications" and c.value is not None for c in cells):
        new = value("applications", "new_received", "total")
        carried = value("applications", "carried_over", "total")
        total = value("applications", "total", "total")
        if new is None:
            out["received"] = ("applications", [], "本年新收政府信息公开申请数量（总计）")
        else:
            accepted = [("本年新收申请（总计）", new)]
            if carried:
                accepted.append(("本年新收与上年结转之和", new + carried))
            out["received"] = ("applications", accepted, "")
        handled = [("办理结果总计", total)] if total is not None else []
        out["handled"] = ("applications", handled + out["received"][1], "" if handled else "办理结果总计")
    if any(c.table == "review_litigation" and c.value is not None for c in cells):
        review = value("review_litigation", "administrative_review", "total")
        direct = value("review_litigation", "litigation_direct", "total")
        after = value("review_litigation", "litigation_after_review", "total")
        out["administrative_review"] = (
            "review_litigation",
            [("行政复议（总计）", review)] if review is not None else [],
            "" if review is not None else "行政复议总计",
        )
        lit = None if direct is None or after is None else direct + after
        out["litigation"] = (
            "review_litigation",
            [("行政诉讼（未经复议直接起诉与复议后起诉之和）", lit)] if lit is not None else [],
            "" if lit is not None else "行政诉讼总计",
        )
        both = None if lit is None or review is None else lit + review
        out["review_litigation"] = (
            "review_litigation",
            [("行政复议与行政诉讼之和", both)] if both is not None else [],
            "" if both is not None else "行政复议、行政诉讼总计",
        )
    legacy = [c for c in cells if c.table == "legacy_indicators" and c.col == "value" and "/" not in c.row]
    if legacy and template == "pre2019":
        for kind, pattern in _LEGACY_ROWS.items():
            rows = [c for c in legacy if pattern.match(c.row)]
            if len(rows) == 1:
                out[kind] = ("legacy_indicators", [(rows[0].row, _num(rows[0].value))], "")
    return out


def _quoted_check(quote: Quote, table: str, accepted: list[tuple[str, float]], missing: str) -> Check:
    said = f"正文“{quote.sentence}”称{KINDS[quote.kind]}为{quote.value}"
    if not accepted:
        text = f"{NOT_CHECKABLE}：{said}，{_TABLE_NAMES[table]}缺少{missing}"
        return Check("R9", quote.kind, None, None, quote.value, table, text)
    match = next(((name, v) for name, v in accepted if abs(v - quote.value) < _TOL), None)
    name, expected = match or accepted[0]
    if match is not None:
        return Check(
            "R9", quote.kind, True, _clean(expected), quote.value, table, f"{said}，与{_TABLE_NAMES[table]}{name}一致"
        )
    text = f"{said}，而{_TABLE_NAMES[table]}{name}为{_fmt(expected)}"
    return Check("R9", quote.kind, False, _clean(expected), quote.value, table, text)


def text_checks(sections: list[Section], cells: list[Cell], template: str) -> list[Check]:
    """R9: figures quoted in the prose against the tables.

    The 2019 and 2021 templates: the preamble and section 一 (总体情况), against tables 三 and 四;
    the pre-2019 statistics tables: every section, against the indicator of the same meaning.
    A quoted figure whose table is missing is not checked; one whose table lacks the cell is
    stored as not checkable.  ``actual`` is the figure quoted, ``expected`` the table's.
    """
    figures = _table_figures(cells, template)
    if not figures:
        return []
    modern = template in ("2019", "2021")
    checks: list[Check] = []
    seen: set[tuple[str, int]] = set()
    for section in sections:
        if modern and section.number not in (0, 1):
            continue
        for quote in quoted_figures(section.text):
            if quote.kind not in figures or (quote.kind, quote.value) in seen:
                continue
            seen.add((quote.kind, quote.value))
            checks.append(_quoted_check(quote, *figures[quote.kind]))
    return checks

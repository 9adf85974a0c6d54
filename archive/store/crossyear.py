"""R5–R7: a report against the previous year's report of the same office (docs/report-format.md §7).

- R5: ``carried_over[c]`` (N) = ``carried_forward[c]`` (N−1), for every applicant column;
- R6 (2021 template): ``in_force`` (N) = ``in_force`` (N−1) + ``issued`` (N) − ``repealed`` (N), per row
  of 第二十条第（一）项;
- R7 (2019 template): ``previous_count`` (N) = ``previous_count`` (N−1) + ``change`` (N−1), per row.

The checks belong to the later report (``checks.report_id``; ``compared_report_id`` is the earlier
one) and are derived from the database alone — current reports, their cells and
``office_divisions`` — never from WARC records, so a rebuilt archive gets the same ones.

**Same office.**  Every current report has a row in ``report_offices`` with its office key:

- ``gov:{code}:{level}`` for a government the register placed by name (``office_divisions``
  methods ``town_name``, ``town_short_name``, ``county_name``, ``city_name``,
  ``portal_division``): a town renamed (五团乡 → 五团镇) or a report reposted on another portal
  keeps its key; a code the register retired with a single successor is followed to it;
- ``name:{portal}:{organ}`` otherwise, the organ's name normalised (:func:`normalise_organ`).

A report without organ or year has no key and no cross-year checks.  When the previous year has
several reports under the key, the one on the same portal, else the one with the same
normalised name, is taken; if that still leaves several, the checks are stored as not checkable
(a reorganisation, or duplicates).  No report of the previous year: no check.

**Kept current.**  :func:`refresh_reports` runs in the ingest transaction of every new report
version (the new and the superseded one); :func:`update_cross_year` runs when publishing, after
the offices were matched to the register, and redoes the reports whose key changed.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from extract.schema import ACTIVE_2019, ACTIVE_2021, APPLICANT_COLUMNS, APPLICANT_KEYS

RULES = ("R5", "R6", "R7")
BASIS_KEY = "cross_year_basis"
GOVERNMENT_METHODS = frozenset({"town_name", "town_short_name", "county_name", "city_name", "portal_division"})
_APPLICANT_NAMES = dict(APPLICANT_COLUMNS)
_IN_FORCE_ROWS = tuple(k for st in ACTIVE_2021 for k, _ in st.rows if any(c == "in_force" for c, _ in st.columns))
_COUNT_ROWS = tuple(k for st in ACTIVE_2019 for k, _ in st.rows if any(c == "previous_count" for c, _ in st.columns))
_ROW_NAMES = {k: label for st in ACTIVE_2019 + ACTIVE_2021 for k, label in st.rows}
_ROW_NAMES["normative_documents"] = "（行政）规范性文件"
_TOL = 1e-6
_PUNCT = re.compile(r"[\s\u3000（）()【】\[\]〔〕「」“”\"'·・,，、.。:：;；\-—_/]")
_SUFFIXES = (
    (re.compile(r"人民政府办公(室|厅)$|政府办公(室|厅)$"), "政府"),
    (re.compile(r"街道办事处$|街道办$"), "街道"),
)


def normalise_organ(organ: str | None) -> str:
    """An organ's name for comparing years: NFKC, no spaces or punctuation, 人民政府 → 政府,
    人民政府办公室 → 政府, 街道办事处 → 街道 (``''`` for none)."""
    name = _PUNCT.sub("", unicodedata.normalize("NFKC", organ or ""))
    name = name.replace("人民政府", "政府")
    for pattern, replacement in _SUFFIXES:
        name = pattern.sub(replacement, name)
    return name


@dataclass(frozen=True)
class Division:
    """A report's match in ``office_divisions``."""

    code: str | None
    level: str | None
    method: str

    def text(self) -> str:
        return f"{self.code or ''}:{self.level or ''}:{self.method}"


class Successors:
    """A retired code → the one code that took it over (memoised reads of ``regions``)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._cache: dict[str, str] = {}
        self._has_regions = bool(conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'regions'").fetchone())

    def _next(self, code: str) -> str | None:
        rows = self.conn.execute("SELECT status, successors FROM regions WHERE code = ?", (code,)).fetchall()
        if not rows or any(status == "current" for status, _ in rows):
            return None
        following: set[str] = set()
        for _status, successors in rows:
            following.update(json.loads(successors or "[]"))
        return following.pop() if len(following) == 1 else None

    def canonical(self, code: str) -> str:
        if not self._has_regions:
            return code
        if code not in self._cache:
            seen, current = {code}, code
            while (following := self._next(current)) is not None and following not in seen:
                seen.add(following)
                current = following
            self._cache[code] = current
        return self._cache[code]


def office_key(portal: str | None, organ: str | None, division: Division | None, successors: Successors) -> str | None:
    """The office key of a report (see the module docstring); None without an organ."""
    name = normalise_organ(organ)
    if not name:
        return None
    if division is not None and division.code and division.method in GOVERNMENT_METHODS and division.level:
        if division.level != "department":
            return f"gov:{successors.canonical(division.code)}:{division.level}"
    return f"name:{portal or ''}:{name}"


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class OfficeRow:
    report_id: int
    key: str | None
    year: int | None
    portal: str | None
    organ: str
    division: str


_REPORTS_WITH_DIVISIONS = (
    "SELECT r.id, r.portal, r.organ, r.year, r.is_current, o.code, o.office_level, o.method FROM reports r "
    "LEFT JOIN office_divisions o ON o.portal = coalesce(r.portal, '') AND o.organ = coalesce(r.organ, '')"
)


def _office_rows(conn: sqlite3.Connection, rows: Iterable[tuple], successors: Successors) -> list[OfficeRow]:
    out = []
    for rid, portal, organ, year, _current, code, level, method in rows:
        division = Division(code, level, method) if method else None
        key = office_key(portal, organ, division, successors) if year is not None else None
        out.append(OfficeRow(rid, key, year, portal, normalise_organ(organ), division.text() if division else ""))
    return out


def _store(conn: sqlite3.Connection, rows: list[OfficeRow]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO report_offices (report_id, office_key, year, portal, organ, division) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(r.report_id, r.key, r.year, r.portal, r.organ, r.division) for r in rows],
    )


def _key_of(conn: sqlite3.Connection, report_id: int) -> tuple[str | None, int | None]:
    row = conn.execute("SELECT office_key, year FROM report_offices WHERE report_id = ?", (report_id,)).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _reports_of(conn: sqlite3.Connection, key: str | None, year: int | None) -> list[int]:
    if key is None or year is None:
        return []
    return [r[0] for r in conn.execute(
        "SELECT ro.report_id FROM report_offices ro JOIN reports r ON r.id = ro.report_id "
        "WHERE ro.office_key = ? AND ro.year = ? AND r.is_current = 1 ORDER BY ro.report_id", (key, year))]  # fmt: skip


# --------------------------------------------------------------------------- the checks


@dataclass(frozen=True)
class CrossCheck:
    rule: str
    column: str | None
    ok: bool | None
    expected: float | None
    actual: float | None
    table: str
    detail: str | None
    compared: int | None


def _num(v):
    return 0 if v is None else v


def _clean(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


class _Cells:
    """The cells R5–R7 read of one report."""

    def __init__(self, conn: sqlite3.Connection, report_id: int):
        self.values: dict[tuple[str, str, str], float | None] = {}
        self.with_values: set[str] = set()
        for table, row, col, value in conn.execute(
            'SELECT table_name, "row", col, value FROM cells WHERE report_id = ? '
            "AND ((table_name = 'applications' AND \"row\" IN ('carried_over', 'carried_forward')) "
            "OR (table_name = 'active_disclosure' AND col IN ('in_force', 'issued', 'repealed', 'previous_count', 'change')))",
            (report_id,),
        ):
            self.values[(table, row, col)] = value
        for (table,) in conn.execute(
            # +table_name: the report's own cells (its index), never every cell of those tables
            "SELECT DISTINCT table_name FROM cells WHERE report_id = ? AND value IS NOT NULL "
            "AND +table_name IN ('applications', 'active_disclosure')",
            (report_id,),
        ):
            self.with_values.add(table)

    def has(self, table: str, row: str, col: str) -> bool:
        return (table, row, col) in self.values

    def get(self, table: str, row: str, col: str):
        return _num(self.values.get((table, row, col)))

    def any_col(self, col: str) -> bool:
        return any(k[2] == col for k in self.values if k[0] == "active_disclosure")


def _missing(parts: list[tuple[str, bool]]) -> str:
    return "、".join(name for name, present in parts if not present)


def _r5(cur: _Cells, prev: _Cells, year: int, prev_id: int) -> list[CrossCheck]:
    if "applications" not in cur.with_values or "applications" not in prev.with_values:
        return []
    out = []
    for col in APPLICANT_KEYS:
        name = _APPLICANT_NAMES[col]
        have_cur = cur.has("applications", "carried_over", col)
        have_prev = prev.has("applications", "carried_forward", col)
        if not (have_cur and have_prev):
            what = _missing([("本报告的上年结转", have_cur), (f"{year - 1}年报告的结转下年度继续办理", have_prev)])
            out.append(
                CrossCheck("R5", col, None, None, None, "applications", f"不可校验：{name}列缺少{what}", prev_id)
            )
            continue
        expected = prev.get("applications", "carried_forward", col)
        actual = cur.get("applications", "carried_over", col)
        ok = abs(expected - actual) < _TOL
        detail = None if ok else (
            f"{name}：本报告上年结转{_clean(actual)}件，而{year - 1}年报告（#{prev_id}）结转下年度继续办理{_clean(expected)}件"
        )  # fmt: skip
        out.append(CrossCheck("R5", col, ok, _clean(expected), _clean(actual), "applications", detail, prev_id))
    return out


def _r6(cur: _Cells, prev: _Cells, year: int, prev_id: int) -> list[CrossCheck]:
    if not (cur.any_col("in_force") and prev.any_col("in_force")):
        return []
    if "active_disclosure" not in cur.with_values or "active_disclosure" not in prev.with_values:
        return []
    out = []
    table = "active_disclosure"
    for row in _IN_FORCE_ROWS:
        name = _ROW_NAMES[row]
        parts = [
            ("本报告的现行有效件数", cur.has(table, row, "in_force")),
            ("本报告的本年制发件数", cur.has(table, row, "issued")),
            ("本报告的本年废止件数", cur.has(table, row, "repealed")),
            (f"{year - 1}年报告的现行有效件数", prev.has(table, row, "in_force")),
        ]
        if not all(p for _n, p in parts):
            out.append(
                CrossCheck("R6", row, None, None, None, table, f"不可校验：{name}缺少{_missing(parts)}", prev_id)
            )
            continue
        before = prev.get(table, row, "in_force")
        issued, repealed = cur.get(table, row, "issued"), cur.get(table, row, "repealed")
        expected = before + issued - repealed
        actual = cur.get(table, row, "in_force")
        ok = abs(expected - actual) < _TOL
        detail = None if ok else (
            f"{name}：{year - 1}年报告（#{prev_id}）现行有效{_clean(before)}件＋本年制发{_clean(issued)}件"
            f"－本年废止{_clean(repealed)}件＝{_clean(expected)}件，而本报告现行有效{_clean(actual)}件"
        )  # fmt: skip
        out.append(CrossCheck("R6", row, ok, _clean(expected), _clean(actual), table, detail, prev_id))
    return out


def _r7(cur: _Cells, prev: _Cells, year: int, prev_id: int) -> list[CrossCheck]:
    if not (cur.any_col("previous_count") and prev.any_col("previous_count")):
        return []
    if "active_disclosure" not in cur.with_values or "active_disclosure" not in prev.with_values:
        return []
    out = []
    table = "active_disclosure"
    for row in _COUNT_ROWS:
        name = _ROW_NAMES[row]
        parts = [
            ("本报告的上一年项目数量", cur.has(table, row, "previous_count")),
            (f"{year - 1}年报告的上一年项目数量", prev.has(table, row, "previous_count")),
            (f"{year - 1}年报告的本年增/减", prev.has(table, row, "change")),
        ]
        if not any(p for _n, p in parts):
            continue  # a row neither report has
        if not all(p for _n, p in parts):
            out.append(
                CrossCheck("R7", row, None, None, None, table, f"不可校验：{name}缺少{_missing(parts)}", prev_id)
            )
            continue
        before, change = prev.get(table, row, "previous_count"), prev.get(table, row, "change")
        expected = before + change
        actual = cur.get(table, row, "previous_count")
        ok = abs(expected - actual) < _TOL
        detail = None if ok else (
            f"{name}：{year - 1}年报告（#{prev_id}）上一年项目数量{_clean(before)}＋本年增/减{_clean(change)}"
            f"＝{_clean(expected)}，而本报告上一年项目数量为{_clean(actual)}"
        )  # fmt: skip
        out.append(CrossCheck("R7", row, ok, _clean(expected), _clean(actual), table, detail, prev_id))
    return out


def _previous(conn: sqlite3.Connection, report_id: int) -> tuple[int | None, list[int]]:
    """(the previous year's report of the same office, the candidates when several remain)."""
    row = conn.execute(
        "SELECT office_key, year, portal, organ FROM report_offices WHERE report_id = ?", (report_id,)
    ).fetchone()
    if row is None or row[0] is None or row[1] is None:
        return None, []
    key, year, portal, organ = row
    candidates = conn.execute(
        "SELECT ro.report_id, ro.portal, ro.organ FROM report_offices ro JOIN reports r ON r.id = ro.report_id "
        "WHERE ro.office_key = ? AND ro.year = ? AND r.is_current = 1 AND ro.report_id != ? ORDER BY ro.report_id",
        (key, year - 1, report_id),
    ).fetchall()
    for narrow in (lambda c: True, lambda c: c[1] == portal, lambda c: c[2] == organ):
        kept = [c for c in candidates if narrow(c)]
        if len(kept) == 1:
            return kept[0][0], []
        if kept:
            candidates = kept
    return None, [c[0] for c in candidates]


def checks_for(conn: sqlite3.Connection, report_id: int) -> list[CrossCheck]:
    """The R5–R7 checks of one current report (its key in ``report_offices`` already stored)."""
    previous, ambiguous = _previous(conn, report_id)
    if previous is None and not ambiguous:
        return []
    year = conn.execute("SELECT year FROM report_offices WHERE report_id = ?", (report_id,)).fetchone()[0]
    cur = _Cells(conn, report_id)
    if previous is None:
        ids = "、".join(f"#{i}" for i in ambiguous[:6])
        detail = f"不可校验：{year - 1}年有{len(ambiguous)}份报告可能属于同一机关（{ids}），无法确定对照哪一份"
        out = []
        if "applications" in cur.with_values:
            out.append(CrossCheck("R5", None, None, None, None, "applications", detail, None))
        if cur.any_col("in_force"):
            out.append(CrossCheck("R6", None, None, None, None, "active_disclosure", detail, None))
        if cur.any_col("previous_count"):
            out.append(CrossCheck("R7", None, None, None, None, "active_disclosure", detail, None))
        return out
    prev = _Cells(conn, previous)
    return _r5(cur, prev, year, previous) + _r6(cur, prev, year, previous) + _r7(cur, prev, year, previous)


def _write_checks(conn: sqlite3.Connection, report_ids: list[int]) -> None:
    if not report_ids:
        return
    for start in range(0, len(report_ids), 500):
        batch = report_ids[start : start + 500]
        marks = ", ".join("?" * len(batch))
        conn.execute(f"DELETE FROM checks WHERE report_id IN ({marks}) AND rule IN ('R5', 'R6', 'R7')", batch)
        current = [
            r[0] for r in conn.execute(f"SELECT id FROM reports WHERE id IN ({marks}) AND is_current = 1", batch)
        ]
        rows = []
        for rid in current:
            for c in checks_for(conn, rid):
                ok = None if c.ok is None else int(c.ok)
                rows.append((rid, c.rule, c.column, ok, c.expected, c.actual, c.table, c.detail, c.compared))
        conn.executemany(
            'INSERT INTO checks (report_id, rule, "column", ok, expected, actual, table_name, detail, '
            "compared_report_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute(
            "UPDATE reports SET checks_failed = (SELECT count(*) FROM checks c WHERE c.report_id = reports.id "
            f"AND c.ok = 0) WHERE id IN ({marks})",
            batch,
        )


# --------------------------------------------------------------------------- keeping them current


def refresh_reports(conn: sqlite3.Connection, report_ids: Iterable[int | None]) -> int:
    """Store the office key of each report given (a new version, or one superseded) and redo the
    R5–R7 checks it touches: its own, and those of the next year's reports of its office (under
    its old key too).  Call inside the transaction that changed the reports; returns how many
    reports' checks were redone."""
    ids = sorted({i for i in report_ids if i is not None})
    if not ids:
        return 0
    successors = Successors(conn)
    targets: set[int] = set()
    for rid in ids:
        old_key, old_year = _key_of(conn, rid)
        if old_year is not None:
            targets.update(_reports_of(conn, old_key, old_year + 1))
        targets.update(r[0] for r in conn.execute("SELECT report_id FROM checks WHERE compared_report_id = ?", (rid,)))
        row = conn.execute(f"{_REPORTS_WITH_DIVISIONS} WHERE r.id = ?", (rid,)).fetchone()
        if row is None or not row[4]:
            conn.execute("DELETE FROM report_offices WHERE report_id = ?", (rid,))
            targets.add(rid)
            continue
        (office,) = _office_rows(conn, [row], successors)
        _store(conn, [office])
        targets.add(rid)
        if office.year is not None:
            targets.update(_reports_of(conn, office.key, office.year + 1))
    _write_checks(conn, sorted(targets))
    return len(targets)


def _basis(conn: sqlite3.Connection) -> str:
    parts = [
        conn.execute("SELECT value FROM meta WHERE key = 'office_divisions_basis'").fetchone(),
        conn.execute("SELECT count(*), max(rowid) FROM office_divisions").fetchone(),
        conn.execute("SELECT count(*), max(id) FROM reports WHERE is_current = 1").fetchone(),
        conn.execute("SELECT count(*) FROM report_offices").fetchone(),
    ]
    return json.dumps([list(p) if p else None for p in parts])


def update_cross_year(conn: sqlite3.Connection) -> int:
    """Bring ``report_offices`` and the R5–R7 checks up to date with ``office_divisions`` (publishing):
    the reports whose office key is missing, stale or made with another match are refreshed.
    Returns how many reports' checks were redone (0 when nothing changed)."""
    basis = _basis(conn)
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (BASIS_KEY,)).fetchone()
    if row is not None and row[0] == basis:
        return 0
    stale = [
        r[0]
        for r in conn.execute(
            "SELECT ro.report_id FROM report_offices ro LEFT JOIN reports r ON r.id = ro.report_id "
            "WHERE r.id IS NULL OR r.is_current = 0"
        )
    ]
    changed = [
        r[0]
        for r in conn.execute(
            "SELECT r.id FROM reports r LEFT JOIN report_offices ro ON ro.report_id = r.id "
            "LEFT JOIN office_divisions o ON o.portal = coalesce(r.portal, '') AND o.organ = coalesce(r.organ, '') "
            "WHERE r.is_current = 1 AND (ro.report_id IS NULL OR ro.division != "
            "CASE WHEN o.method IS NULL THEN '' ELSE coalesce(o.code, '') || ':' || coalesce(o.office_level, '') "
            "|| ':' || o.method END)"
        )
    ]
    done = refresh_reports(conn, stale + changed) if stale or changed else 0
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (BASIS_KEY, _basis(conn)))
    return done


def rebuild_cross_year(conn: sqlite3.Connection) -> int:
    """Every office key and R5–R7 check from scratch (what :func:`update_cross_year` keeps current)."""
    conn.execute("DELETE FROM report_offices")
    conn.execute("DELETE FROM checks WHERE rule IN ('R5', 'R6', 'R7')")
    successors = Successors(conn)
    rows = _office_rows(conn, conn.execute(f"{_REPORTS_WITH_DIVISIONS} WHERE r.is_current = 1"), successors)
    _store(conn, rows)
    ids = [r.report_id for r in rows]
    _write_checks(conn, ids)
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (BASIS_KEY, _basis(conn)))
    return len(ids)

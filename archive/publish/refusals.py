"""Refusal stories: rates per report, ranks, yearly summaries (built at publish time).

From table 三 of every current report (the 总计 column):

- ``refusal_rates``: one row per report — 办理结果总计 (the denominator), 不予公开 and its eight
  grounds, 无法提供, 不予处理, the three rates, and the report's rank by refusal rate among the
  reports of its county and of its province that year (with how many were ranked);
- ``refusal_summary``: per year for the country, each province and each county — the pooled rates
  (Σ 不予公开 ÷ Σ 办理结果总计 over the reports that have a rate) and the median of the reports'
  refusal rates, so a chart shows rates, never sums over whatever happens to be archived;
- ``refusal_grounds``: the eight grounds ranked per county and year (「不予公开理由排行」).

A blank cell counts as 0 in the sums (contract §2); a report whose 办理结果总计 is 0 or missing has
no rate (NULL) and is not ranked.  Incremental: :func:`update_refusals` adds the reports archived
since the last publish, drops superseded versions and recomputes the ranks and summaries of the
counties, provinces and years they touch (``meta.refusal_state``); a change of the portals'
places rebuilds everything.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import statistics
from collections import defaultdict
from dataclasses import dataclass

from archive.store.transaction import transaction

STATE_KEY = "refusal_state"
DENIED = ("denied_state_secret", "denied_prohibited_by_law", "denied_security_stability", "denied_third_party",
          "denied_internal_affairs", "denied_process_information", "denied_enforcement_files",
          "denied_query_matters")  # fmt: skip
UNAVAILABLE = ("unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear")
NOT_PROCESSED = ("not_processed_petition", "not_processed_repeated", "not_processed_publication",
                 "not_processed_excessive", "not_processed_confirmation")  # fmt: skip
ROWS = ("new_received", "total", "granted", "partially_granted", *DENIED, *UNAVAILABLE, *NOT_PROCESSED)
BATCH = 500

_RATE_COLUMNS = ("report_id", "portal", "organ", "province", "city", "county", "level", "year", "template",
                 "new_received", "handled", "granted", "partially_granted", "denied", *DENIED, "unavailable",
                 "not_processed", "refusal_rate", "unavailable_rate", "not_processed_rate")  # fmt: skip


@dataclass
class RefusalStats:
    added: int = 0
    removed: int = 0
    groups: int = 0  # county-years whose ranks and summaries were recomputed
    rebuilt: bool = False


def _portals_digest(conn: sqlite3.Connection) -> str:
    rows = conn.execute(
        "SELECT id, coalesce(province, ''), coalesce(city, ''), coalesce(county, ''), coalesce(level, '') "
        "FROM portals ORDER BY id"
    ).fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def _state(conn: sqlite3.Connection) -> dict:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (STATE_KEY,)).fetchone()
    try:
        return json.loads(row[0]) if row else {}
    except (TypeError, ValueError):
        return {}


def _rate(part, whole) -> float | None:
    return round(part / whole, 6) if whole else None


def _rows_for(conn: sqlite3.Connection, report_ids: list[int]) -> list[tuple]:
    """The ``refusal_rates`` rows of these reports (those with cells of table 三)."""
    out = []
    for start in range(0, len(report_ids), BATCH):
        batch = report_ids[start : start + BATCH]
        marks = ", ".join("?" * len(batch))
        values: dict[int, dict[str, float | None]] = defaultdict(dict)
        for rid, row, value in conn.execute(
            f'SELECT report_id, "row", value FROM cells WHERE report_id IN ({marks}) '
            "AND table_name = 'applications' AND col = 'total'",
            batch,
        ):
            values[rid][row] = value
        for rid, portal, organ, province, city, county, level, year, template in conn.execute(
            "SELECT r.id, r.portal, r.organ, p.province, p.city, p.county, coalesce(r.level, p.level), r.year, "
            f"r.template FROM reports r LEFT JOIN portals p ON p.id = r.portal WHERE r.id IN ({marks}) "
            "AND r.is_current = 1 AND r.year IS NOT NULL",
            batch,
        ):
            if rid not in values:
                continue
            v = values[rid]

            def n(key: str, v=v) -> float:
                return v.get(key) or 0

            handled = v.get("total")
            denied = sum(n(k) for k in DENIED)
            unavailable = sum(n(k) for k in UNAVAILABLE)
            not_processed = sum(n(k) for k in NOT_PROCESSED)
            out.append((
                rid, portal, organ, province, city, county, level, year, template,
                v.get("new_received"), handled, v.get("granted"), v.get("partially_granted"), denied,
                *(v.get(k) for k in DENIED), unavailable, not_processed,
                _rate(denied, handled), _rate(unavailable, handled), _rate(not_processed, handled),
            ))  # fmt: skip
    return out


def _place(province, county) -> tuple[str, str]:
    return (province or "", county or "")


def _groups_of(conn: sqlite3.Connection, report_ids: list[int]) -> set[tuple[str, str, int]]:
    groups = set()
    for start in range(0, len(report_ids), BATCH):
        batch = report_ids[start : start + BATCH]
        marks = ", ".join("?" * len(batch))
        for province, county, year in conn.execute(
            f"SELECT province, county, year FROM refusal_rates WHERE report_id IN ({marks})", batch
        ):
            groups.add((*_place(province, county), year))
    return groups


def _rank(rows: list[tuple[int, float]]) -> dict[int, int]:
    """Report → its rank by rate, highest first (equal rates share a rank)."""
    ranks: dict[int, int] = {}
    previous, rank = None, 0
    for i, (rid, rate) in enumerate(sorted(rows, key=lambda r: (-r[1], r[0])), start=1):
        if rate != previous:
            rank, previous = i, rate
        ranks[rid] = rank
    return ranks


_GROUP_SQL = {
    "county": "coalesce(province, '') = ? AND coalesce(county, '') = ? AND year = ?",
    "province": "coalesce(province, '') = ? AND year = ?",
    "country": "year = ?",
}


def _recompute(conn: sqlite3.Connection, groups: set[tuple[str, str, int]]) -> None:
    """Ranks, summaries and grounds of the county-years ``groups``, their provinces and years."""
    provinces = {(p, y) for p, _c, y in groups}
    years = {y for _p, _c, y in groups}
    scopes: list[tuple[str, tuple, tuple[str, str, int]]] = [
        ("county", (p, c, y), (p, c, y)) for p, c, y in sorted(groups)
    ]
    scopes += [("province", (p, y), (p, "", y)) for p, y in sorted(provinces)]
    scopes += [("country", (y,), ("", "", y)) for y in sorted(years)]
    for scope, args, key in scopes:
        column = "province" if scope == "province" else "county"
        rows = conn.execute(
            f"SELECT report_id, refusal_rate, handled, denied, unavailable, not_processed, {', '.join(DENIED)}, "
            f"{column}_rank, {column}_offices FROM refusal_rates WHERE {_GROUP_SQL[scope]}",
            args,
        ).fetchall()
        rated = [r for r in rows if r[1] is not None]
        if scope != "country":
            ranks = _rank([(r[0], r[1]) for r in rated])
            changed = []
            for r in rows:
                rank, offices = ranks.get(r[0]), (len(rated) if r[0] in ranks else None)
                if (rank, offices) != (r[-2], r[-1]):  # only what moved: a province holds many reports
                    changed.append((rank, offices, r[0]))
            conn.executemany(
                f"UPDATE refusal_rates SET {column}_rank = ?, {column}_offices = ? WHERE report_id = ?", changed
            )
        conn.execute(
            "DELETE FROM refusal_summary WHERE scope = ? AND province = ? AND county = ? AND year = ?", (scope, *key)
        )
        if rated:
            sums = [sum((r[i] or 0) for r in rated) for i in range(2, 6 + len(DENIED))]
            handled, denied, unavailable, not_processed = sums[:4]
            conn.execute(
                f"INSERT INTO refusal_summary (scope, province, county, year, reports, handled, denied, unavailable, "
                f"not_processed, refusal_rate, unavailable_rate, not_processed_rate, median_refusal_rate, "
                f"{', '.join(DENIED)}) VALUES ({', '.join('?' * (13 + len(DENIED)))})",
                (scope, *key, len(rated), handled, denied, unavailable, not_processed, _rate(denied, handled),
                 _rate(unavailable, handled), _rate(not_processed, handled),
                 round(statistics.median(r[1] for r in rated), 6), *sums[4:]),
            )  # fmt: skip
        if scope == "county":
            conn.execute("DELETE FROM refusal_grounds WHERE province = ? AND county = ? AND year = ?", key)
            counts = {g: sum((r[6 + i] or 0) for r in rows) for i, g in enumerate(DENIED)}
            refused = sum(counts.values())
            ranked = _rank([(i, v) for i, v in enumerate(counts.values()) if v > 0])
            conn.executemany(
                "INSERT INTO refusal_grounds (province, county, year, ground, n, share, rank, reports) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(*key, g, v, round(100.0 * v / refused, 1), ranked[i], len(rows))
                 for i, (g, v) in enumerate(counts.items()) if v > 0],
            )  # fmt: skip


def update_refusals(conn: sqlite3.Connection) -> RefusalStats:
    """Bring the three tables up to date with the current reports (see the module docstring)."""
    stats = RefusalStats()
    state = _state(conn)
    digest = _portals_digest(conn)
    max_report = conn.execute("SELECT coalesce(max(id), 0) FROM reports").fetchone()[0]
    if state.get("portals") == digest and state.get("report") == max_report:
        return stats
    with transaction(conn):
        if state.get("portals") != digest or "report" not in state:
            for table in ("refusal_rates", "refusal_summary", "refusal_grounds"):
                conn.execute(f"DELETE FROM {table}")
            state = {"report": 0}
            stats.rebuilt = True
        since = state["report"]
        gone = [
            r[0]
            for r in conn.execute(
                "SELECT rr.report_id FROM refusal_rates rr JOIN reports r ON r.id = rr.report_id "
                "WHERE r.is_current = 0 AND r.id IN (SELECT supersedes FROM reports WHERE id > ?)",
                (since,),
            )
        ]
        groups = _groups_of(conn, gone)
        for start in range(0, len(gone), BATCH):
            batch = gone[start : start + BATCH]
            conn.execute(f"DELETE FROM refusal_rates WHERE report_id IN ({', '.join('?' * len(batch))})", batch)
        new = [
            r[0] for r in conn.execute("SELECT id FROM reports WHERE id > ? AND is_current = 1 ORDER BY id", (since,))
        ]
        rows = _rows_for(conn, new)
        conn.executemany(
            f"INSERT OR REPLACE INTO refusal_rates ({', '.join(_RATE_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(_RATE_COLUMNS))})",
            rows,
        )
        groups |= {(*_place(r[3], r[5]), r[7]) for r in rows}
        _recompute(conn, groups)
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            (STATE_KEY, json.dumps({"report": max_report, "portals": digest})),
        )
    stats.added, stats.removed, stats.groups = len(rows), len(gone), len(groups)
    return stats

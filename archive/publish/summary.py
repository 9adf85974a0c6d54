"""What the archive holds, in figures, for the about page: counted once at publish time.

``archive_summary`` (``key``, ``value`` JSON) holds ``figures`` (reports, offices, counties,
years, crawls, snapshots …), ``checks`` (per rule: reports checked, failing, not checkable) and
``counties`` (every county with its reports: the page of feeds).
On a national archive the counts take tens of seconds, far too long for a page; publishing
(:func:`archive.publish.prepare.prepare_for_serving`) rebuilds the table only when what it counts
changed (``meta.archive_summary_basis``), like the deadline table.  The about page reads it, or
counts live on an archive never published (small ones).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3

from archive.publish.rules import RULES
from archive.publish.views import LEVEL_LABELS

SUMMARY_TABLE = "archive_summary"
BASIS_KEY = "archive_summary_basis"


def _date(timestamp: str | None) -> str:
    return (timestamp or "")[:10]


def _exists(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() is not None


def archive_figures(conn: sqlite3.Connection) -> dict:
    """What this archive holds (read-only queries; one pass over the current reports)."""
    (reports, with_cells, cells, offices, first_year, last_year, no_year, removed) = conn.execute(
        """SELECT count(*), coalesce(sum(cell_count > 0), 0), coalesce(sum(cell_count), 0), count(DISTINCT organ),
            min(year), max(year), coalesce(sum(year IS NULL), 0), coalesce(sum(removed_at IS NOT NULL), 0)
        FROM reports WHERE is_current = 1"""
    ).fetchone()
    versions, corrected = conn.execute(
        "SELECT count(*), count(DISTINCT CASE WHEN version > 1 THEN doc_key END) FROM reports"
    ).fetchone()
    portals, counties, provinces = conn.execute(
        "SELECT count(*), count(DISTINCT coalesce(code, id)), count(DISTINCT province) FROM portals"
    ).fetchone()
    runs, first_crawl, last_crawl = conn.execute(
        "SELECT count(*), min(started), max(coalesce(ended, started)) FROM crawl_runs"
    ).fetchone()
    levels: dict[str, int] = {}
    carriers: dict[str, int] = {}
    for level, carrier, n in conn.execute(
        "SELECT coalesce(level, ''), coalesce(carrier, ''), count(*) FROM reports WHERE is_current = 1 GROUP BY 1, 2"
    ):
        levels[level] = levels.get(level, 0) + n
        carriers[carrier] = carriers.get(carrier, 0) + n
    empty = 0
    if _exists(conn, "crawl_portal_stats"):
        empty = conn.execute(
            "SELECT count(DISTINCT portal) FROM crawl_portal_stats WHERE empty_reason IS NOT NULL "
            "AND portal NOT IN (SELECT DISTINCT portal FROM reports WHERE portal IS NOT NULL)"
        ).fetchone()[0]
    return {
        "reports": reports,
        "versions": versions,
        "corrected": corrected,
        "with_cells": with_cells,
        "cells": cells,
        "offices": offices,
        "portals": portals,
        "counties": counties,
        "provinces": provinces,
        "first_year": first_year,
        "last_year": last_year,
        "no_year": no_year,
        "removed": removed,
        "snapshots": conn.execute("SELECT count(*) FROM snapshots").fetchone()[0],
        "fetch_errors": conn.execute("SELECT count(*) FROM fetch_errors").fetchone()[0],
        "runs": runs,
        "first_crawl": _date(first_crawl),
        "last_crawl": _date(last_crawl),
        "levels": [
            {"label": LEVEL_LABELS.get(k, k or "未识别"), "reports": n}
            for k, n in sorted(levels.items(), key=lambda kv: -kv[1])
        ],  # fmt: skip
        "carriers": [{"carrier": k or "—", "reports": n} for k, n in sorted(carriers.items(), key=lambda kv: -kv[1])],
        "portals_empty": empty,
    }


def check_figures(conn: sqlite3.Connection) -> list[dict]:
    """Each rule: its meaning and, for the rules this archive computes, how many current reports
    it checked, how many fail and how many cannot be checked."""
    counts = {
        rule: (reports, failed, open_)
        for rule, reports, failed, open_ in conn.execute(
            """SELECT c.rule, count(DISTINCT c.report_id),
                count(DISTINCT CASE WHEN c.ok = 0 THEN c.report_id END),
                count(DISTINCT CASE WHEN c.ok IS NULL THEN c.report_id END)
            FROM checks c JOIN reports r ON r.id = c.report_id WHERE r.is_current = 1 GROUP BY c.rule"""
        ).fetchall()
    }
    out = []
    for rule in RULES:
        reports, failed, open_ = counts.get(rule.rule, (0, 0, 0))
        out.append({"rule": rule.rule, "zh": rule.zh, "en": rule.en, "status": rule.status,
                    "computed": rule.rule in counts, "reports": reports, "failed": failed, "open": open_})  # fmt: skip
    return out


def county_figures(conn: sqlite3.Connection) -> list[dict]:
    """Every county (portal division) with its current reports, for the page of feeds."""
    rows = conn.execute(
        """SELECT p.province, p.city, p.county, p.code, count(r.id)
        FROM portals p LEFT JOIN reports r ON r.portal = p.id AND r.is_current = 1
        GROUP BY p.province, p.city, p.county, p.code ORDER BY p.code, p.county"""
    ).fetchall()
    return [{"province": a, "city": b, "county": c, "code": d, "reports": n} for a, b, c, d, n in rows]


def _basis(conn: sqlite3.Connection) -> str:
    parts = [
        # reports change by new rows (new versions flip is_current) and removals; one C-level pass
        conn.execute(
            "SELECT count(*), max(id), total(is_current), total(cell_count), total(version), max(fetched), "
            "count(removed_at), total(year) FROM reports"
        ).fetchone(),
        conn.execute(
            "SELECT count(*), max(id), coalesce(sum(ok), -1), coalesce(sum(ok IS NULL), 0) FROM checks"
        ).fetchone(),
        conn.execute("SELECT count(*), max(id), max(ended) FROM crawl_runs").fetchone(),
        conn.execute("SELECT count(*), max(id) FROM snapshots").fetchone(),
        conn.execute("SELECT count(*), max(id) FROM fetch_errors").fetchone(),
        conn.execute(
            "SELECT group_concat(id || ':' || coalesce(code, '') || coalesce(province, ''), ',') FROM portals"
        ).fetchone(),
        [rule.rule + rule.zh for rule in RULES],
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def build_summary(conn: sqlite3.Connection) -> bool:
    """(Re)write ``archive_summary`` when what it counts changed; returns whether it was rebuilt."""
    basis = _basis(conn)
    row = (
        conn.execute("SELECT value FROM meta WHERE key = ?", (BASIS_KEY,)).fetchone() if _exists(conn, "meta") else None
    )
    if row is not None and row[0] == basis and _exists(conn, SUMMARY_TABLE):
        return False
    figures, checks, counties = archive_figures(conn), check_figures(conn), county_figures(conn)
    with conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {SUMMARY_TABLE} (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute(f"DELETE FROM {SUMMARY_TABLE}")
        conn.executemany(
            f"INSERT INTO {SUMMARY_TABLE}(key, value) VALUES (?, ?)",
            [
                (key, json.dumps(value, ensure_ascii=False))
                for key, value in (("figures", figures), ("checks", checks), ("counties", counties))
            ],  # fmt: skip
        )
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (BASIS_KEY, basis))
    return True


SUMMARIES = {"figures": archive_figures, "checks": check_figures, "counties": county_figures}


def read_summary(conn: sqlite3.Connection, keys: tuple[str, ...] = ("figures", "checks")) -> dict:
    """The summaries ``keys`` (of :data:`SUMMARIES`) as publishing stored them, else counted now."""
    stored: dict = {}
    if _exists(conn, SUMMARY_TABLE):
        marks = ", ".join("?" for _ in keys)
        query = f"SELECT key, value FROM {SUMMARY_TABLE} WHERE key IN ({marks})"
        stored = {k: json.loads(v) for k, v in conn.execute(query, keys)}
    return {key: stored[key] if key in stored else SUMMARIES[key](conn) for key in keys}

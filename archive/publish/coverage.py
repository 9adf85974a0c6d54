"""Coverage against the register: what each division published, year by year, as summary tables.

Built at publish time (:func:`build_coverage`, from ``prepare_for_serving``) so the views and
pages that read them answer at national scale without scanning reports on every request:

- ``coverage_divisions``: one row per province, prefecture and county-level unit existing in a
  year (register validity) and year, from the first archived report year (at least the latest
  year whose deadline has passed) to the latest: the portal registered for it (and when it was
  last crawled), reports of its own government, of its departments, of the towns below it, all
  reports below it, county-level units and towns existing below it that year and how many of
  them published, and the status of its own government's report that year;
- ``coverage_info``: when the table was built and from which register sources (``meta`` is not
  readable through Datasette);
- ``registry_portals``: the crawl registry as last published (``nianbao serve`` passes it; the
  archive's ``portals`` table holds only portals a crawl started on).

A status says what a journalist may write: ``published`` (a report of the government was
found), ``not_published`` (its portal was crawled after the deadline and none was found),
``not_crawled`` (a portal is registered but was not crawled since the deadline), ``no_portal``
(no portal is registered for the division), ``not_due`` (the deadline has not passed).  The
tables are rebuilt only when their basis changed (reports, crawls, matches, register,
registry, today's date), recorded in ``meta.coverage_basis``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from archive.store.divisions import Division
from archive.store.regions import Register, loaded_sources
from archive.store.transaction import transaction

BASIS_KEY = "coverage_basis"
FIRST_YEAR = 2008  # 《政府信息公开条例》 in force from 1 May 2008: the first annual reports are for 2008
STATUSES = ("published", "not_published", "not_crawled", "no_portal", "not_due")
STATUS_LABELS = {
    "published": "已发布",
    "not_published": "存档中未找到",
    "not_crawled": "门户未抓取",
    "no_portal": "无登记门户",
    "not_due": "未到期",
}
PORTAL_STATUS_LABELS = {"crawled": "已抓取", "registered": "已登记未抓取", "none": "无"}
COUNTS = ("government_reports", "department_reports", "town_reports", "all_reports", "counties",
          "counties_published", "towns", "towns_reporting")  # fmt: skip

DDL = (
    """CREATE TABLE IF NOT EXISTS coverage_divisions (
    code TEXT NOT NULL, year INTEGER NOT NULL, name TEXT, level TEXT, kind TEXT,
    province_code TEXT, province TEXT, city_code TEXT, city TEXT, parent_code TEXT,
    portal TEXT, portal_status TEXT, last_crawled TEXT, deadline TEXT, status TEXT,
    government_reports INTEGER, department_reports INTEGER, town_reports INTEGER, all_reports INTEGER,
    counties INTEGER, counties_published INTEGER, towns INTEGER, towns_reporting INTEGER,
    PRIMARY KEY (code, year))""",
    "CREATE INDEX IF NOT EXISTS coverage_divisions_province ON coverage_divisions(province_code, level, year)",
    "CREATE TABLE IF NOT EXISTS registry_portals (id TEXT PRIMARY KEY, code TEXT, name TEXT)",
    "CREATE TABLE IF NOT EXISTS coverage_info (built TEXT, register TEXT)",
)


def create_coverage_tables(conn: sqlite3.Connection) -> None:
    """The summary tables, empty until :func:`build_coverage` fills them (views read them)."""
    for sql in DDL:
        conn.execute(sql)


def deadline(year: int) -> date:
    """The statutory deadline of a government's report for ``year`` (31 March of the next year)."""
    return date(year + 1, 3, 31)


def last_due_year(today: date) -> int:
    """The latest year whose government reports were due by ``today``."""
    return today.year - 1 if today > deadline(today.year - 1) else today.year - 2


@dataclass
class Row:
    division: Division
    year: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))


def _report_counts(conn: sqlite3.Connection) -> list[tuple[str, str, int, int]]:
    return conn.execute(
        "SELECT coalesce(portal, ''), coalesce(organ, ''), year, count(*) FROM reports "
        f"WHERE is_current = 1 AND year BETWEEN {FIRST_YEAR} AND 2100 GROUP BY 1, 2, 3"
    ).fetchall()


def _last_crawled(conn: sqlite3.Connection) -> dict[str, str]:
    """Portal → the latest time a crawl reached it (crawl runs, reports seen)."""
    out: dict[str, str] = {}
    queries = (
        "SELECT s.portal, max(r.started) FROM crawl_portal_stats s JOIN crawl_runs r ON r.id = s.run_id GROUP BY s.portal",
        "SELECT portal, max(max(coalesce(last_seen, ''), coalesce(fetched, ''))) FROM reports GROUP BY portal",
    )
    for sql in queries:
        for portal, when in conn.execute(sql):
            if portal and when and when > out.get(portal, ""):
                out[portal] = when
    return out


def _portals_by_code(conn: sqlite3.Connection) -> dict[str, str]:
    """Division code → its portal: the archive's portals and the registry's, a division's own portal
    (id = code) before a department's (id with a suffix)."""
    ranked: dict[str, tuple[int, str]] = {}
    rows = conn.execute("SELECT id, code FROM portals UNION SELECT id, code FROM registry_portals").fetchall()
    for pid, code in rows:
        key = code or str(pid).split("-")[0]
        rank = (0 if str(pid) == key else 1, str(pid))
        if key not in ranked or rank < ranked[key]:
            ranked[key] = rank
    return {code: rank[1] for code, rank in ranked.items()}


def reports_digest(conn: sqlite3.Connection) -> str:
    """A digest of what coverage and deadlines read of every report (any change of those changes it)."""
    digest = hashlib.blake2b(digest_size=16)
    cursor = conn.execute(
        "SELECT id, portal, organ, year, level, published, fetched, last_seen, is_current FROM reports ORDER BY id"
    )
    while batch := cursor.fetchmany(10_000):
        digest.update(repr([tuple(row) for row in batch]).encode())
    return digest.hexdigest()


def _basis(conn: sqlite3.Connection, today: date) -> str:
    parts = [
        [reports_digest(conn)],
        conn.execute("SELECT count(*), max(id), max(started), max(ended) FROM crawl_runs").fetchone(),
        conn.execute("SELECT count(*), group_concat(id || ':' || coalesce(code, ''), ',') FROM portals").fetchone(),
        conn.execute("SELECT group_concat(id || ':' || coalesce(code, ''), ',') FROM registry_portals").fetchone(),
        conn.execute("SELECT value FROM meta WHERE key = 'office_divisions_basis'").fetchone(),
        conn.execute("SELECT count(*) FROM office_divisions").fetchone(),
    ]
    text = json.dumps([[list(p) if p else None for p in parts], loaded_sources(conn), today.isoformat()], default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def store_registry(conn: sqlite3.Connection, portals: Iterable[tuple[str, str | None, str | None]]) -> None:
    """Replace ``registry_portals`` with the registry's (id, code, name)."""
    create_coverage_tables(conn)
    with transaction(conn):
        conn.execute("DELETE FROM registry_portals")
        conn.executemany("INSERT OR REPLACE INTO registry_portals (id, code, name) VALUES (?, ?, ?)", list(portals))


class _Builder:
    def __init__(self, conn: sqlite3.Connection, register: Register, today: date):
        self.register = register
        self.today = today
        self.offices = {
            (p, o): (code, level)
            for p, o, code, level in conn.execute("SELECT portal, organ, code, office_level FROM office_divisions")
        }
        self.reports = _report_counts(conn)
        years = {y for *_, y, _n in self.reports}
        due = last_due_year(today)
        self.years = list(range(min(years | {due}), max(years | {due}) + 1))
        self.crawled = _last_crawled(conn)
        self.portals = _portals_by_code(conn)
        self._resolved: dict[tuple[str, int], tuple[str, Division | None]] = {}
        self.towns: dict[str, list[Division]] = defaultdict(list)
        self.divisions = [d for d in register.divisions if d.level != "town"]
        for d in register.divisions:
            if d.level == "town" and d.parent_code:
                self.towns[d.parent_code].append(d)

    def _resolve(self, code: str, year: int) -> tuple[str, Division | None]:
        """The code valid in ``year`` for a report filed under ``code`` (its predecessor then), and
        that division (memoised: many reports share a code and year)."""
        key = (code, year)
        if key not in self._resolved:
            found = code
            if self.register.get(code, year) is None:
                earlier = [d for d in self.register.predecessors.get(code, []) if d.valid_in(year)]
                found = earlier[0].code if len({d.code for d in earlier}) == 1 else code
            self._resolved[key] = (found, self.register.get(found, year) or self.register.get(found))
        return self._resolved[key]

    def own_counts(self) -> tuple[dict, dict]:
        """(code, year) → counts of the division's own offices; (county, year) → towns that reported."""
        own: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
        towns_reporting: dict[tuple[str, int], set[str]] = defaultdict(set)
        for portal, organ, year, n in self.reports:
            code, level = self.offices.get((portal, organ), (None, None))
            if not code:
                continue
            if len(code) == 9:  # a town found by name: counted under its county-level unit
                town = self._resolve(code, year)[1]
                parent = town.parent_code if town and town.parent_code else code[:6]
                key = (self._resolve(parent, year)[0], year)
                own[key]["town_reports"] += n
                towns_reporting[key].add(code)
                continue
            resolved, division = self._resolve(code, year)
            key = (resolved, year)
            if level == "department":
                own[key]["department_reports"] += n
            elif level == "town":
                own[key]["town_reports"] += n
            elif division is not None and level == division.level:
                own[key]["government_reports"] += n
            else:
                own[key]["department_reports"] += n
        return own, towns_reporting

    def rows(self) -> list[Row]:
        own, towns_reporting = self.own_counts()
        out: list[Row] = []
        depth = {"county": 0, "city": 1, "province": 2}
        for year in self.years:
            rows = {d.code: Row(d, year) for d in self.divisions if d.valid_in(year)}
            for code, row in rows.items():
                counts = row.counts
                for key, value in own.get((code, year), {}).items():
                    counts[key] += value
                counts["all_reports"] = (
                    counts["government_reports"] + counts["department_reports"] + counts["town_reports"]
                )
                if row.division.level == "county":
                    counts["towns"] = sum(1 for t in self.towns.get(code, []) if t.valid_in(year))
                    counts["towns_reporting"] = len(towns_reporting.get((code, year), ()))
                    counts["counties"] = 1
                    counts["counties_published"] = int(counts["government_reports"] > 0)
            for row in sorted(rows.values(), key=lambda r: depth[r.division.level]):
                d = row.division
                parent = rows.get(d.parent_code or "")
                if parent is None or parent is row:
                    if d.level == "province":
                        continue
                    parent = rows.get(d.code[:2] + "0000")
                    if parent is None or parent is row:
                        continue
                for key in (
                    "town_reports",
                    "all_reports",
                    "counties",
                    "counties_published",
                    "towns",
                    "towns_reporting",
                ):
                    parent.counts[key] += row.counts[key]
            out.extend(rows.values())
        return out

    def status(self, row: Row) -> tuple[str | None, str, str | None, str, str]:
        """(portal, portal status, last crawled, deadline, status) of a division in a year."""
        portal = self.portals.get(row.division.code)
        last = self.crawled.get(portal) if portal else None
        due = deadline(row.year)
        portal_status = "crawled" if last else ("registered" if portal else "none")
        if row.counts["government_reports"]:
            status = "published"
        elif due >= self.today:
            status = "not_due"
        elif portal is None:
            status = "no_portal"
        elif last and last[:10] > due.isoformat():
            status = "not_published"
        else:
            status = "not_crawled"
        return portal, portal_status, last, due.isoformat(), status


def build_coverage(
    conn: sqlite3.Connection, register_of: Callable[[], Register], *, today: date | None = None
) -> int | None:
    """Rebuild ``coverage_divisions`` when its basis changed; returns the rows written (None: unchanged).

    ``register_of`` is called only for a rebuild."""
    today = today or date.today()
    create_coverage_tables(conn)
    basis = _basis(conn, today)
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (BASIS_KEY,)).fetchone()
    if row is not None and row[0] == basis:
        return None
    register = register_of()
    builder = _Builder(conn, register, today)
    names = {d.code: d.name for d in builder.divisions if d.status == "current"}
    records = []
    for r in builder.rows():
        d = r.division
        city_code = d.code if d.level == "city" else (d.parent_code if d.level == "county" and d.parent_code and
                                                      d.parent_code[2:] != "0000" else None)  # fmt: skip
        province_code = d.code[:2] + "0000"
        portal, portal_status, last, due, status = builder.status(r)
        records.append(
            (
                d.code,
                r.year,
                d.name,
                d.level,
                d.kind,
                province_code,
                names.get(province_code) or register.name_of(province_code),
                city_code,
                (names.get(city_code) or register.name_of(city_code)) if city_code else None,
                d.parent_code,
                portal,
                portal_status,
                last,
                due,
                status,
                *(r.counts[c] for c in COUNTS),
            )  # fmt: skip
        )
    with transaction(conn):
        conn.execute("DELETE FROM coverage_divisions")
        conn.executemany(f"INSERT OR REPLACE INTO coverage_divisions VALUES ({', '.join('?' * 23)})", records)
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (BASIS_KEY, basis))
        built = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        sources = loaded_sources(conn) or {}
        conn.execute("DELETE FROM coverage_info")
        conn.execute(
            "INSERT INTO coverage_info (built, register) VALUES (?, ?)",
            (built, "; ".join(f"{k} {v}" for k, v in sorted(sources.items()) if v)),
        )
    return len(records)

"""Summary tables the journalists' views read: built when publishing, kept current incrementally.

Some views cost too much to compute on every request of a national archive: a row of
「依申请办理情况」 gathers thirty cells of a report, 「发布覆盖」 aggregates every report, and
Datasette runs a view's query again for its count and for each facet (「不予公开理由排行」 and the
other refusal views read the tables :mod:`archive.publish.refusals` keeps).  Such a view is
*materialized*: its definition (the SELECT :func:`archive.publish.views.view_sql` gives) fills
the table ``summary_…`` and the view becomes ``SELECT * FROM summary_… [ORDER BY …]`` — the same
columns and rows, read from a table indexed on the columns the view is faceted and sorted by.

Kept current by units.  The rows of a materialized view belong to units: one report (rows keyed
by 报告ID), one portal (门户), or the whole view (「抓取健康状况」, a few thousand rows).  Triggers on ``reports``, ``checks``, ``portals``, ``office_divisions`` and
the crawl history note what is written between two publishes (``summary_dirty``: report ids;
``summary_dirty_portals``: portals whose place changed, whose offices were matched to the
register or that were crawled); :func:`refresh_summaries` recomputes only the units those touch —
a new version of a report replaces the rows of the version it supersedes and updates the row of
its office — and empties the lists.  Cells and sections
are written only with their report, whose row marks it.  A materialized view whose definition
changed (new code, a new year in 「发布覆盖」), or an archive never summarised (or whose triggers
are missing), is built in full; ``meta.summary_state`` records the definitions the tables hold.

Counts and facets.  Datasette counts a view's rows and each facet's values on every page, over
every row.  For the views of :data:`COUNTED` the answers for the unfiltered view are kept in
``summary_facets`` (view, column, value, rows; column ``''`` holds the row count), summed from
``summary_facet_blocks`` — the same per block of :data:`BLOCK` report ids — so a block touched by
a new report is recounted (from the view itself) and the totals move by the difference; the
views of aggregates (a bounded number of rows) are counted again whenever anything changed.
:mod:`archive.datasette.database` answers Datasette's count and facet statements of such a view
from them while nothing was written since (``summary_dirty`` empty).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from archive.store.transaction import transaction

STATE_KEY = "summary_state"
SUMMARY_VERSION = 1
BATCH = 500
BLOCK = 256  # report ids per block of facet counts


@dataclass(frozen=True)
class Materialized:
    """A view read from a summary table, refreshed by ``unit``: ``report``, ``portal`` or ``all``
    (rebuilt whenever anything was written)."""

    view: str
    table: str
    unit: str
    order: str = ""  # the view's ORDER BY over the table (its definition's own order)
    indexes: tuple[tuple[str, ...], ...] = ()


_PLACE = (("省份", "县区", "年度"), ("县区",), ("年度",))
MATERIALIZED: tuple[Materialized, ...] = (
    Materialized("报告一览", "summary_reports", "report",
                 indexes=(("报告ID",), *_PLACE, ("层级",), ("模板",), ("校验结果",))),
    Materialized("依申请办理情况", "summary_applications", "report",
                 indexes=(("报告ID",), *_PLACE, ("层级",), ("模板",))),
    Materialized("复议诉讼情况", "summary_review_litigation", "report", indexes=(("报告ID",), *_PLACE, ("层级",))),
    Materialized("逾期发布", "summary_late_reports", "report",
                 indexes=(("报告ID",), ("逾期天数",), *_PLACE, ("层级",))),
    Materialized("校验未通过", "summary_failed_checks", "report",
                 indexes=(("报告ID",), ("规则",), *_PLACE, ("模板",))),
    Materialized("发布覆盖", "summary_offices", "portal", order="ORDER BY 省份, 县区, 发布机关",
                 indexes=(("门户",), ("省份", "县区", "发布机关"), ("县区",), ("层级",), ("年份数",))),
    Materialized("抓取健康状况", "summary_crawl_health", "all", order="ORDER BY 门户",
                 indexes=(("门户",), ("状态",), ("结果",), ("抓取方式",))),
)  # fmt: skip
BY_VIEW = {m.view: m for m in MATERIALIZED}
SUMMARY_TABLES = tuple(m.table for m in MATERIALIZED)

# columns of ``reports`` the views show (a write of ``last_seen`` alone, on every recrawl, is no change)
REPORT_COLUMNS = ("url", "title", "organ", "year", "template", "published", "fetched", "portal", "doc_key", "version",
                  "is_current", "supersedes", "edited", "removed_at", "snapshot_id", "source_snapshot_id", "carrier",
                  "level", "cell_count", "checks_failed", "warning_count")  # fmt: skip
PORTAL_COLUMNS = ("province", "city", "county", "level")
# view → the columns Datasette facets it by (archive.datasette.metadata.VIEWS): counted per block of reports
COUNTED: dict[str, tuple[str, ...]] = {
    "报告一览": ("省份", "县区", "层级", "年度", "模板", "校验结果"),
    "依申请办理情况": ("省份", "县区", "层级", "年度", "模板"),
    "复议诉讼情况": ("省份", "县区", "层级", "年度"),
    "主动公开情况": ("县区", "年度", "信息内容", "指标"),
    "校验未通过": ("规则", "省份", "县区", "年度", "模板"),
    "逾期发布": ("省份", "县区", "层级", "年度"),
    "章节检索": ("省份", "县区", "年度", "章节序号"),
    "不予公开率": ("省份", "县区", "年度", "层级"),
    # views of aggregates (a bounded number of rows): counted again whenever anything changed
    "发布覆盖": ("省份", "县区", "层级", "年份数"),
    "抓取健康状况": ("状态", "结果", "抓取方式"),
    "不予公开理由排行": ("省份", "县区", "年度", "不予公开理由"),
}
WHOLE = frozenset({"发布覆盖", "抓取健康状况", "不予公开理由排行"})  # the views of aggregates
ROWS = ""  # the column name under which summary_facets holds a view's row count
DDL = (
    "CREATE TABLE IF NOT EXISTS summary_dirty (report_id INTEGER PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS summary_dirty_portals (portal TEXT NOT NULL, places INTEGER NOT NULL, "
    "PRIMARY KEY (portal, places))",
    "CREATE TABLE IF NOT EXISTS summary_facets (view TEXT NOT NULL, col TEXT NOT NULL, value, n INTEGER NOT NULL, "
    "PRIMARY KEY (view, col, value))",
    "CREATE TABLE IF NOT EXISTS summary_facet_blocks (view TEXT NOT NULL, block INTEGER NOT NULL, col TEXT NOT NULL, "
    "value, n INTEGER NOT NULL, PRIMARY KEY (view, block, col, value))",
)


def _report_trigger(name: str, event: str, ids: Iterable[str]) -> str:
    inserts = " ".join(f"INSERT OR IGNORE INTO summary_dirty(report_id) VALUES ({i});" for i in ids)
    return f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} BEGIN {inserts} END"


def _portal_trigger(name: str, event: str, portal: str, places: int, when: str = "") -> str:
    condition = f" WHEN {when}" if when else ""
    return (
        f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event}{condition} BEGIN "
        f"INSERT OR IGNORE INTO summary_dirty_portals(portal, places) VALUES (coalesce({portal}, ''), {places}); END"
    )


_PLACE_CHANGED = " OR ".join(f"old.{c} IS NOT new.{c}" for c in PORTAL_COLUMNS)
TRIGGERS: dict[str, str] = {
    "summary_reports_insert": _report_trigger("summary_reports_insert", "INSERT ON reports", ["new.id"]),
    "summary_reports_update": _report_trigger(
        "summary_reports_update", f"UPDATE OF {', '.join(REPORT_COLUMNS)} ON reports", ["old.id", "new.id"]
    ),
    "summary_reports_delete": _report_trigger("summary_reports_delete", "DELETE ON reports", ["old.id"]),
    "summary_checks_insert": _report_trigger("summary_checks_insert", "INSERT ON checks", ["new.report_id"]),
    "summary_checks_update": _report_trigger(
        "summary_checks_update", "UPDATE ON checks", ["old.report_id", "new.report_id"]
    ),
    "summary_checks_delete": _report_trigger("summary_checks_delete", "DELETE ON checks", ["old.report_id"]),
    "summary_portals_insert": _portal_trigger("summary_portals_insert", "INSERT ON portals", "new.id", 1),
    "summary_portals_update": _portal_trigger(
        "summary_portals_update", "UPDATE ON portals", "new.id", 1, _PLACE_CHANGED
    ),
    "summary_portals_delete": _portal_trigger("summary_portals_delete", "DELETE ON portals", "old.id", 1),
    "summary_offices_insert": _portal_trigger("summary_offices_insert", "INSERT ON office_divisions", "new.portal", 0),
    "summary_offices_update": _portal_trigger("summary_offices_update", "UPDATE ON office_divisions", "new.portal", 0),
    "summary_offices_delete": _portal_trigger("summary_offices_delete", "DELETE ON office_divisions", "old.portal", 0),
    "summary_stats_insert": _portal_trigger("summary_stats_insert", "INSERT ON crawl_portal_stats", "new.portal", 0),
    "summary_stats_update": _portal_trigger("summary_stats_update", "UPDATE ON crawl_portal_stats", "new.portal", 0),
    "summary_stats_delete": _portal_trigger("summary_stats_delete", "DELETE ON crawl_portal_stats", "old.portal", 0),
    # a run that starts or ends changes the crawl history of its portals ('*': some portals)
    "summary_runs_insert": _portal_trigger("summary_runs_insert", "INSERT ON crawl_runs", "'*'", 0),
    "summary_runs_update": _portal_trigger("summary_runs_update", "UPDATE ON crawl_runs", "'*'", 0),
    "summary_runs_delete": _portal_trigger("summary_runs_delete", "DELETE ON crawl_runs", "'*'", 0),
}


@dataclass
class SummaryStats:
    """What :func:`refresh_summaries` did."""

    rebuilt: list[str] = field(default_factory=list)  # views built in full
    reports: int = 0  # reports whose rows were recomputed
    portals: int = 0
    blocks: int = 0  # blocks of reports whose facet counts were recounted (all views)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _exists(conn: sqlite3.Connection, name: str, kind: str = "table") -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?", (kind, name)).fetchone()
    return row is not None


def _fingerprint(spec: Materialized, definition: str) -> str:
    text = f"{SUMMARY_VERSION}|{spec}|{definition}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _counted_print(view: str, definition: str) -> str:
    text = f"{SUMMARY_VERSION}|{BLOCK}|{COUNTED[view]}|{definition}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _read_state(conn: sqlite3.Connection) -> dict:
    if not _exists(conn, "meta"):
        return {}
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (STATE_KEY,)).fetchone()
    try:
        return json.loads(row[0]) if row and row[0] else {}
    except ValueError:
        return {}


def view_select(spec: Materialized) -> str:
    """The SELECT of a materialized view over its table."""
    return f"SELECT * FROM {spec.table}" + (f"\n{spec.order}" if spec.order else "")


# ----------------------------------------------------------------------------- building


def _build(conn: sqlite3.Connection, spec: Materialized, definition: str) -> None:
    conn.execute(f"DROP TABLE IF EXISTS {spec.table}")
    conn.execute(f"CREATE TABLE {spec.table} AS SELECT * FROM ({definition}) WHERE 0")
    conn.execute(f"INSERT INTO {spec.table} SELECT * FROM ({definition})")
    for i, columns in enumerate(spec.indexes):
        cols = ", ".join(_q(c) for c in columns)
        conn.execute(f"CREATE INDEX {spec.table}_{i} ON {spec.table}({cols})")


def _batches(items: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _refresh_reports(conn: sqlite3.Connection, spec: Materialized, definition: str, ids: list[int]) -> None:
    for batch in _batches(ids):
        marks = ", ".join("?" * len(batch))
        conn.execute(f"DELETE FROM {spec.table} WHERE 报告ID IN ({marks})", batch)
        conn.execute(f"INSERT INTO {spec.table} SELECT * FROM ({definition}) WHERE 报告ID IN ({marks})", batch)


def _refresh_portals(conn: sqlite3.Connection, spec: Materialized, definition: str, portals: list[str | None]) -> None:
    for portal in portals:
        conn.execute(f"DELETE FROM {spec.table} WHERE 门户 IS ?", (portal,))
        conn.execute(f"INSERT INTO {spec.table} SELECT * FROM ({definition}) WHERE 门户 IS ?", (portal,))


# ----------------------------------------------------------------------------- counts and facets


def _source(view: str, definitions: dict[str, str]) -> str:
    """What a view's rows are read from when counting: its summary table, or its definition."""
    spec = BY_VIEW.get(view)
    return spec.table if spec is not None else f"({definitions[view]})"


def _count_block(conn: sqlite3.Connection, view: str, source: str, block: int) -> dict[tuple[str, object], int]:
    """(column, value) → rows of ``view`` (read from ``source``) in ``block`` (column :data:`ROWS`: all its rows)."""
    facets = COUNTED[view]
    cols = ", ".join(_q(c) for c in facets)
    counts: dict[tuple[str, object], int] = {}
    for row in conn.execute(
        # the ids as a subquery: the planner then starts from these reports, not from the view's first table
        f"SELECT {cols}, count(*) FROM {source} WHERE 报告ID IN (SELECT id FROM reports WHERE id BETWEEN ? AND ?) "
        f"GROUP BY {cols}",
        (block * BLOCK, block * BLOCK + BLOCK - 1),
    ):
        n = row[-1]
        counts[(ROWS, "")] = counts.get((ROWS, ""), 0) + n
        for col, value in zip(facets, row[:-1], strict=True):
            if value is not None:  # Datasette's facets leave out null values
                counts[(col, value)] = counts.get((col, value), 0) + n
    return counts


def _recount(conn: sqlite3.Connection, view: str, source: str, blocks: Iterable[int]) -> int:
    """Recount these blocks of ``view`` and move its totals by the difference."""
    done = 0
    for block in blocks:
        old = {(c, v): n for c, v, n in conn.execute(
            "SELECT col, value, n FROM summary_facet_blocks WHERE view = ? AND block = ?", (view, block))}  # fmt: skip
        new = _count_block(conn, view, source, block)
        conn.execute("DELETE FROM summary_facet_blocks WHERE view = ? AND block = ?", (view, block))
        conn.executemany(
            "INSERT INTO summary_facet_blocks (view, block, col, value, n) VALUES (?, ?, ?, ?, ?)",
            [(view, block, c, v, n) for (c, v), n in new.items()],
        )
        moves = [(view, c, v, new.get((c, v), 0) - old.get((c, v), 0)) for c, v in old.keys() | new.keys()]
        conn.executemany(
            "INSERT INTO summary_facets (view, col, value, n) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (view, col, value) DO UPDATE SET n = n + excluded.n",
            [m for m in moves if m[3]],
        )
        done += 1
    conn.execute("DELETE FROM summary_facets WHERE view = ? AND n = 0 AND col != ?", (view, ROWS))
    return done


def _all_blocks(conn: sqlite3.Connection) -> range:
    top = conn.execute("SELECT max(id) FROM reports").fetchone()[0]
    return range((top or 0) // BLOCK + 1)


def counted_by_blocks(view: str) -> bool:
    """Whether a counted view is counted per block of reports (else whole, :data:`WHOLE`)."""
    return view not in WHOLE


def _count_whole(conn: sqlite3.Connection, view: str, source: str) -> None:
    """Count the rows and facets of a view of aggregates again (from ``source``)."""
    conn.execute("DELETE FROM summary_facets WHERE view = ?", (view,))
    conn.execute(
        f"INSERT INTO summary_facets (view, col, value, n) SELECT ?, ?, '', count(*) FROM {source}", (view, ROWS)
    )
    for col in COUNTED[view]:
        conn.execute(
            f"INSERT INTO summary_facets (view, col, value, n) SELECT ?, ?, {_q(col)}, count(*) FROM {source} "
            f"WHERE {_q(col)} IS NOT NULL GROUP BY {_q(col)}",
            (view, col),
        )


def _count_in_full(conn: sqlite3.Connection, view: str, source: str) -> int:
    conn.execute("DELETE FROM summary_facets WHERE view = ?", (view,))
    conn.execute("DELETE FROM summary_facet_blocks WHERE view = ?", (view,))
    conn.execute("INSERT INTO summary_facets (view, col, value, n) VALUES (?, ?, '', 0)", (view, ROWS))
    return _recount(conn, view, source, _all_blocks(conn))


# ----------------------------------------------------------------------------- tracking


def _ensure_tracking(conn: sqlite3.Connection) -> bool:
    """Create the lists and triggers; True when they were all there already."""
    complete = all(_exists(conn, name, "trigger") for name in TRIGGERS) and _exists(conn, "summary_dirty_portals")
    for sql in DDL:
        conn.execute(sql)
    for sql in TRIGGERS.values():
        conn.execute(sql)
    return complete


def _dirty(conn: sqlite3.Connection) -> tuple[list[int], list[str | None]]:
    """(reports, portals) written since the last publish: the reports noted, those of the portals
    whose place changed, and the portals of them all (with the portals whose offices were matched)."""
    reports = {r[0] for r in conn.execute("SELECT report_id FROM summary_dirty")}
    portals: set[str | None] = set()
    for portal, places in conn.execute("SELECT portal, places FROM summary_dirty_portals").fetchall():
        portals.add(portal)
        if places:
            reports |= {r[0] for r in conn.execute("SELECT id FROM reports WHERE portal = ?", (portal,))}
    ids = sorted(reports)
    for batch in _batches(ids):
        marks = ", ".join("?" * len(batch))
        portals |= {r[0] for r in conn.execute(f"SELECT DISTINCT portal FROM reports WHERE id IN ({marks})", batch)}
    return ids, sorted(portals, key=lambda p: (p is None, p or ""))


# ----------------------------------------------------------------------------- refresh


def refresh_summaries(conn: sqlite3.Connection, definitions: dict[str, str]) -> tuple[dict[str, str], SummaryStats]:
    """Bring every summary table up to date with the archive; returns the SELECT of each
    materialized view over its table (by view name) and what was done.

    ``definitions``: the views' definitions by name (those of :data:`MATERIALIZED` and :data:`COUNTED`).
    """
    stats = SummaryStats()
    with transaction(conn):
        tracked = _ensure_tracking(conn)
        state = _read_state(conn) if tracked else {}
        held = state.get("views", {}) if state.get("version") == SUMMARY_VERSION else {}
        prints = {m.view: _fingerprint(m, definitions[m.view]) for m in MATERIALIZED}
        prints.update({f"counts:{v}": _counted_print(v, definitions[v]) for v in COUNTED})
        full = {m.view for m in MATERIALIZED if held.get(m.view) != prints[m.view] or not _exists(conn, m.table)}
        ids, portals = _dirty(conn)
        for spec in MATERIALIZED:
            definition = definitions[spec.view]
            if spec.view in full:
                _build(conn, spec, definition)
                stats.rebuilt.append(spec.view)
            elif spec.unit == "report":
                _refresh_reports(conn, spec, definition, ids)
            elif spec.unit == "portal":
                _refresh_portals(conn, spec, definition, portals)
            elif ids or portals:  # "all"
                _build(conn, spec, definition)
        blocks = sorted({i // BLOCK for i in ids})
        for view in COUNTED:
            source = _source(view, definitions)
            recount = view in full or held.get(f"counts:{view}") != prints[f"counts:{view}"]
            if not counted_by_blocks(view):
                if recount or ids or portals:
                    _count_whole(conn, view, source)
            elif recount:
                stats.blocks += _count_in_full(conn, view, source)
            else:
                stats.blocks += _recount(conn, view, source, blocks)
            if recount:
                stats.rebuilt.append(f"counts:{view}")
        stats.reports, stats.portals = len(ids), len(portals)
        conn.execute("DELETE FROM summary_dirty")
        conn.execute("DELETE FROM summary_dirty_portals")
        conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        state = {"version": SUMMARY_VERSION, "views": prints}
        conn.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (STATE_KEY, json.dumps(state, sort_keys=True))
        )
    return {m.view: view_select(m) for m in MATERIALIZED}, stats

"""An archive database whose search counts come from the full-text index alone, and stop early.

Datasette counts a table search as ``select count(*) from T where rowid in (select rowid from
T_fts where T_fts match escape_fts(:search))`` (0.65) or the same capped at 10,001 rows (1.0:
``select count(*) from (select * from T where rowid in (…) limit 10001)``): one b-tree lookup in
``T`` per match (35 ms for 60,000 hits on the 200,000-section benchmark; 1.0 builds the whole list
of matches before its limit too).  The nianbao indexes hold exactly one row per row of ``T``
(written by :mod:`archive.publish.search`), so counting the index match alone gives the same
number, read from the index only (2–3 ms).

Counting stops at :data:`COUNT_LIMIT` (10,000) + 1 matches: a word in most sections of a national
archive (政府, 公开) matches a million of them, and counting them all takes as long as the count
grows.  A count up to 10,000 is exact; above, the answer is 10,001, which the page shows as
``10,000+`` (:class:`CappedCount`) and the JSON gives as ``10001`` (Datasette 1.0's convention).
Every search count is capped so — a table's from the index alone, a view's or a filtered one's
(``select count(*) from (select 1 from … limit 10001)``).

The rows of a table's search page (``… where rowid in (select rowid from T_fts where … match …)
order by id limit 51``) make SQLite list every match before it takes the first 51 (250 ms for 政府
in 1.5 million sections); the same page is read as the first 51 matches of the index in rowid
order (:func:`first_page_sql`, under 1 ms), which are rows of ``T`` since the index holds exactly
its rows.  :class:`SearchCountDatabase` is a Datasette :class:`~datasette.database.Database` that
answers those statements so; every other statement runs unchanged.  ``nianbao serve`` attaches
the archive with it.

The same database answers the count and the facets of an unfiltered view of
:data:`archive.publish.summaries.COUNTED` from ``summary_facets`` (built when publishing) instead
of counting every row of the view on every page, as long as nothing was written to the archive
since (``summary_dirty`` empty); otherwise, and for any other statement, Datasette's SQL runs.
"""

from __future__ import annotations

import re
import sqlite3

from datasette.database import Database, Results

from archive.publish.search import INDEXES
from archive.publish.summaries import COUNTED, ROWS

COUNT_LIMIT = 10_000
SEARCH_TABLES = {index.content: index.name for index in INDEXES}
_MATCH = r"(?:rowid|id) in \(select rowid from (?P<f>\w+) where (?P=f) match escape_fts\(:search\)\)"
_SEARCH_COUNT_RE = re.compile(rf"^select count\(\*\) from (?P<t>\w+) where {_MATCH} ?$")
_CAPPED_SEARCH_COUNT_RE = re.compile(
    rf"^select count\(\*\) from \(select \* from (?P<t>\w+) where {_MATCH} *limit (?P<limit>\d+)\)$"
)
_ANY_SEARCH_COUNT_RE = re.compile(r"^select count\(\*\) (?P<from>from .+ match escape_fts\(:search\).*?) ?$", re.S)


_FIRST_PAGE_RE = re.compile(
    rf"^select (?P<cols>.+) from (?P<t>\w+) where {_MATCH}(?: and \(\(id > :(?P<after>p\d+)\)\))? "
    r"order by id limit (?P<limit>\d+)$"
)


def first_page_sql(sql: str) -> str | None:
    """Datasette's rows statement of a table search page (sorted by id, the default) with the
    limit taken into the index match, or None for any other SQL."""
    if not sql.startswith("select ") or "match escape_fts(:search)" not in sql:
        return None
    m = _FIRST_PAGE_RE.match(sql)
    if m is None or SEARCH_TABLES.get(m["t"]) != m["f"]:
        return None
    index, limit = m["f"], m["limit"]
    after = f" and rowid > :{m['after']}" if m["after"] else ""
    return (
        f"select {m['cols']} from {m['t']} where rowid in (select rowid from {index} where {index} "
        f"match escape_fts(:search){after} order by rowid limit {limit}) order by id limit {limit}"
    )


class CappedCount(int):
    """A count that stopped at :data:`COUNT_LIMIT` + 1: shown as ``10,000+``, 10001 in JSON."""

    def __format__(self, spec: str) -> str:
        return f"{format(COUNT_LIMIT, spec)}+"

    def __str__(self) -> str:
        return f"{COUNT_LIMIT:,}+"


def index_count_sql(sql: str) -> str | None:
    """The index-only statement for Datasette's search count ``sql`` of a table and its index,
    stopping at :data:`COUNT_LIMIT` + 1, or None for any other SQL."""
    if not sql.startswith("select count(*)"):
        return None
    m = _SEARCH_COUNT_RE.match(sql) or _CAPPED_SEARCH_COUNT_RE.match(sql)
    if m is None or SEARCH_TABLES.get(m.group("t")) != m.group("f"):
        return None
    index = m.group("f")
    limit = min(int(m["limit"]), COUNT_LIMIT + 1) if "limit" in m.groupdict() else COUNT_LIMIT + 1
    return f"select count(*) from (select rowid from {index} where {index} match escape_fts(:search) limit {limit})"


def capped_count_sql(sql: str) -> str | None:
    """Any other search count (a view's, or with filters besides the search) stopping at
    :data:`COUNT_LIMIT` + 1 rows, or None when ``sql`` is not a count of search results."""
    if not sql.startswith("select count(*) from ") or sql.startswith("select count(*) from (select"):
        return None
    m = _ANY_SEARCH_COUNT_RE.match(sql)
    if m is None:
        return None
    return f"select count(*) from (select 1 {m['from']} limit {COUNT_LIMIT + 1})"


_NAME = r"(?P<{0}>\[[^\]]+\]|\w+)"  # a name as Datasette's escape_sqlite writes it
_VIEW_COUNT_RE = re.compile(rf"^select count\(\*\) from {_NAME.format('v')} ?$")
_FACET_RE = re.compile(
    rf"^select {_NAME.format('c')} as value, count\(\*\) as count from \( select .+? from {_NAME.format('v')} \) "
    r"where (?P=c) is not null group by (?P=c) order by count desc, value limit (?P<limit>\d+)$"
)
SUMMARY_COUNT_SQL = "select n from summary_facets where view = :view and col = :col"
SUMMARY_FACET_SQL = "select value, n as count from summary_facets where view = :view and col = :col order by count desc, value limit {limit}"
FRESH_SQL = "select not exists (select 1 from summary_dirty) and exists (select 1 from summary_facets where view = ?)"


def _unquoted(name: str) -> str:
    return name[1:-1] if name.startswith("[") else name


def summary_sql(sql: str, params) -> tuple[str, dict] | None:
    """The ``summary_facets`` statement answering Datasette's count or facet statement ``sql`` of an
    unfiltered view of :data:`COUNTED` (Datasette 0.65's wording), or None."""
    if params or not sql.lstrip().startswith("select"):
        return None
    text = " ".join(sql.split())
    m = _VIEW_COUNT_RE.match(text)
    if m is not None:
        view = _unquoted(m["v"])
        return (SUMMARY_COUNT_SQL, {"view": view, "col": ROWS}) if view in COUNTED else None
    m = _FACET_RE.match(text)
    if m is None:
        return None
    view, column = _unquoted(m["v"]), _unquoted(m["c"])
    if column not in COUNTED.get(view, ()):
        return None
    return SUMMARY_FACET_SQL.format(limit=int(m["limit"])), {"view": view, "col": column}


def _fresh(view: str):
    def check(conn: sqlite3.Connection) -> bool:
        try:
            return bool(conn.execute(FRESH_SQL, (view,)).fetchone()[0])
        except sqlite3.Error:  # an archive never published with summaries
            return False

    return check


def _capped(results: Results) -> Results:
    """A count result whose value above :data:`COUNT_LIMIT` is a :class:`CappedCount`."""
    value = results.rows[0][0] if results.rows else None
    if isinstance(value, int) and value > COUNT_LIMIT:
        return Results([(CappedCount(value),)], results.truncated, results.description)
    return results


def _without_frames(exc: BaseException) -> None:
    """Drop the tracebacks of ``exc`` and the exceptions it was raised from."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current = current.__cause__ or current.__context__


class SearchCountDatabase(Database):
    """A Datasette database that counts table searches on the nianbao indexes from the index,
    and whose failed statements are closed in their own SQL thread."""

    async def execute(self, sql, *args, **kwargs):
        if isinstance(sql, str):
            summary = summary_sql(sql, args[0] if args else kwargs.get("params"))
            if summary is not None and await self.execute_fn(_fresh(summary[1]["view"])):
                rest = {k: v for k, v in kwargs.items() if k != "params"}
                return await super().execute(summary[0], summary[1], **rest)
            capped = index_count_sql(sql) or capped_count_sql(sql)
            if capped is not None:
                results = await super().execute(capped, *args, **kwargs)
                return _capped(results)
            sql = first_page_sql(sql) or sql
        return await super().execute(sql, *args, **kwargs)

    async def execute_fn(self, fn):
        """A statement that fails (time limit, answer too large, bad SQL) leaves its cursor in the
        traceback's frames; released later in the server's event loop, closing it waits for its
        connection, which its SQL thread may be using for the next slow query meanwhile: the whole
        site stalled for the length of that query.  The frames are dropped in the SQL thread."""

        def in_thread(conn):
            try:
                return fn(conn)
            except Exception as exc:
                _without_frames(exc)  # the cursor in fn's frame is closed here, now
                raise

        return await super().execute_fn(in_thread)

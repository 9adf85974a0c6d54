"""An archive database whose search counts come from the full-text index alone.

Datasette counts a table search as ``select count(*) from T where rowid in (select rowid from
T_fts where T_fts match escape_fts(:search))`` (0.65) or the same capped at 10,001 rows (1.0:
``select count(*) from (select * from T where rowid in (…) limit 10001)``): one b-tree lookup in
``T`` per match (35 ms for 60,000 hits on the 200,000-section benchmark; 1.0 builds the whole list
of matches before its limit too).  The nianbao indexes hold exactly one row per row of ``T``
(written by :mod:`archive.publish.search`), so counting the index match alone gives the same
number, read from the index only (2–3 ms).  :class:`SearchCountDatabase` is a Datasette
:class:`~datasette.database.Database` that answers exactly those statements so; every other
statement runs unchanged.  ``nianbao serve`` attaches the archive with it.
"""

from __future__ import annotations

import re

from datasette.database import Database

from archive.publish.search import INDEXES

SEARCH_TABLES = {index.content: index.name for index in INDEXES}
_MATCH = r"(?:rowid|id) in \(select rowid from (?P<f>\w+) where (?P=f) match escape_fts\(:search\)\)"
_SEARCH_COUNT_RE = re.compile(rf"^select count\(\*\) from (?P<t>\w+) where {_MATCH} ?$")
_CAPPED_SEARCH_COUNT_RE = re.compile(
    rf"^select count\(\*\) from \(select \* from (?P<t>\w+) where {_MATCH} *limit (?P<limit>\d+)\)$"
)


def index_count_sql(sql: str) -> str | None:
    """The index-only statement for Datasette's search count ``sql``, or None for any other SQL."""
    if not sql.startswith("select count(*)"):
        return None
    m = _SEARCH_COUNT_RE.match(sql) or _CAPPED_SEARCH_COUNT_RE.match(sql)
    if m is None or SEARCH_TABLES.get(m.group("t")) != m.group("f"):
        return None
    index = m.group("f")
    if "limit" in m.groupdict():  # Datasette 1.0
        return f"select count(*) from (select rowid from {index} where {index} match escape_fts(:search) limit {m['limit']})"
    return f"select count(*) from {index} where {index} match escape_fts(:search)"


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
            sql = index_count_sql(sql) or sql
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

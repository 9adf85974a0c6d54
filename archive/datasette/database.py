"""An archive database whose search counts come from the full-text index alone.

Datasette 0.65 counts a table search as ``select count(*) from T where rowid in (select rowid
from T_fts where T_fts match escape_fts(:search))``: one b-tree lookup in ``T`` per match (35 ms
for 60,000 hits on the 200,000-section benchmark).  The nianbao indexes hold exactly one row per
row of ``T`` (written by :mod:`archive.publish.search`), so the count of the index match alone is
the same number, read from the index only (2–3 ms).  :class:`SearchCountDatabase` is a Datasette
:class:`~datasette.database.Database` that answers exactly that statement so; every other
statement (Datasette 1.0's capped count included) runs unchanged.  ``nianbao serve`` attaches
the archive with it.
"""

from __future__ import annotations

import re

from datasette.database import Database

from archive.publish.search import INDEXES

SEARCH_TABLES = {index.content: index.name for index in INDEXES}
_SEARCH_COUNT_RE = re.compile(
    r"^select count\(\*\) from (?P<t>\w+) where (?:rowid|id) in \(select rowid from (?P<f>\w+) where "
    r"(?P=f) match escape_fts\(:search\)\) ?$"
)


def index_count_sql(sql: str) -> str | None:
    """The index-only statement for Datasette's search count ``sql``, or None for any other SQL."""
    if not sql.startswith("select count(*)"):
        return None
    m = _SEARCH_COUNT_RE.match(sql)
    if m is None or SEARCH_TABLES.get(m.group("t")) != m.group("f"):
        return None
    return f"select count(*) from {m.group('f')} where {m.group('f')} match escape_fts(:search)"


class SearchCountDatabase(Database):
    """A Datasette database that counts table searches on the nianbao indexes from the index."""

    async def execute(self, sql, *args, **kwargs):
        if isinstance(sql, str):
            sql = index_count_sql(sql) or sql
        return await super().execute(sql, *args, **kwargs)

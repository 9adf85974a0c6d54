"""Every answer of the public site is bounded: time, rows, bytes, and how many run at once.

Datasette bounds a query's time (``sql_time_limit_ms``, a SQLite progress handler) and its rows
(``max_returned_rows``), but not its size: one SQLite operation such as ``randomblob(1e9)``
runs past the progress handler, and a few thousand rows of large values make an answer of
gigabytes.  On every connection the site opens (:func:`bound_connection`):

* ``SQLITE_LIMIT_LENGTH`` — no string or BLOB over :data:`MAX_VALUE_BYTES` (the archive's longest
  texts, a report section or a text diff, are far below it);
* ``SQLITE_LIMIT_SQL_LENGTH`` — no statement over :data:`MAX_SQL_CHARS`;
* a row factory that counts what one statement returns and stops it beyond
  :data:`MAX_ANSWER_BYTES` (:class:`AnswerTooLarge`, shown as the query's error).

Queries a visitor writes (``?sql=``, ``_where=``) run at most :data:`MAX_CONCURRENT_QUERIES` at a
time (:class:`QueryGate`), and every page that queries the data at large (tables, views, canned
queries, search, charts: :func:`request_kind` ``"data"``) at most :data:`MAX_CONCURRENT_DATA_PAGES`:
Datasette has ``num_sql_threads`` = :data:`SQL_THREADS` threads, so a report, cell or snapshot page
(``"light"``) always finds one free, however many slow queries or pages arrive.  A request that
waits longer than :data:`QUEUE_WAIT_S` is answered 503 with ``Retry-After``.

Every page the site renders carries :data:`SITE_CSP` (archived snapshots keep their stricter
sandbox policy, :mod:`archive.datasette.snapshots`).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import weakref
from urllib.parse import parse_qsl

MAX_VALUE_BYTES = 8 * 1024 * 1024
MAX_SQL_CHARS = 100_000
MAX_ANSWER_BYTES = 16 * 1024 * 1024
SQL_THREADS = 4  # SETTINGS["num_sql_threads"]
MAX_CONCURRENT_QUERIES = 2  # visitor SQL: at most two threads
MAX_CONCURRENT_DATA_PAGES = SQL_THREADS - 1  # every data page (visitor SQL included): one thread stays for report pages
QUEUE_WAIT_S = 10.0
SITE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
USER_SQL_PARAMS = frozenset({"sql", "_where"})
# pages of one row or one archived file: a few indexed lookups each, never gated
_LIGHT_PAGE_RE = re.compile(r"^/[^/]+/-/(?:report|cell|snapshot)/\d+(?:/[a-z]+(?:\.png)?)?$")


class AnswerTooLarge(sqlite3.OperationalError):
    """A statement returned more than :data:`MAX_ANSWER_BYTES`."""


def _size(value: object) -> int:
    if isinstance(value, (str, bytes)):
        return len(value)
    return 8


def _gone() -> None:
    return None


def bound_connection(conn: sqlite3.Connection) -> None:
    """Length limits and the answer-size row factory on one of the site's connections."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_CHARS)
    inner = conn.row_factory or (lambda _cursor, row: row)
    state: dict = {"cursor": _gone, "bytes": 0}  # the statement being counted (a weak reference: never kept open)

    def bounded_row(cursor: sqlite3.Cursor, row: tuple):
        if state["cursor"]() is not cursor:
            state["cursor"], state["bytes"] = weakref.ref(cursor), 0
        state["bytes"] += sum(_size(v) for v in row)
        if state["bytes"] > MAX_ANSWER_BYTES:
            raise AnswerTooLarge(
                f"answer too large: more than {MAX_ANSWER_BYTES // (1024 * 1024)} MB "
                "(select fewer rows or columns, or use the downloads)"
            )
        return inner(cursor, row)

    conn.row_factory = bounded_row


def writes_sql(query_string: bytes) -> bool:
    """The request carries SQL of the visitor's own (``sql=`` or ``_where=``)."""
    if b"sql=" not in query_string and b"_where" not in query_string:
        return False
    names = {k for k, _ in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)}
    return any(k in USER_SQL_PARAMS or k.startswith("_where") for k in names)


def request_kind(path: str, query_string: bytes) -> str:
    """``"sql"`` (a visitor's own SQL), ``"light"`` (the instance's pages and static files, the home
    page, a report, cell or snapshot page) or ``"data"`` (every other page: tables, views, queries,
    search, charts, status)."""
    if writes_sql(query_string):
        return "sql"
    if path == "/" or path.startswith("/-/") or _LIGHT_PAGE_RE.match(path):
        return "light"
    return "data"


class QueryGate:
    """At most ``limit`` visitor queries at a time; the others wait up to ``wait_s``."""

    def __init__(self, limit: int = MAX_CONCURRENT_QUERIES, wait_s: float = QUEUE_WAIT_S) -> None:
        self.limit = limit
        self.wait_s = wait_s
        self._semaphore: asyncio.Semaphore | None = None

    @property
    def semaphore(self) -> asyncio.Semaphore:
        if self._semaphore is None:  # created on the server's event loop
            self._semaphore = asyncio.Semaphore(self.limit)
        return self._semaphore

    async def acquire(self) -> bool:
        """True once a slot is held (release it with :meth:`release`), False after ``wait_s``."""
        try:
            await asyncio.wait_for(self.semaphore.acquire(), self.wait_s)
        except TimeoutError:
            return False
        return True

    def release(self) -> None:
        self.semaphore.release()


def with_csp(send):
    """An ASGI ``send`` that adds :data:`SITE_CSP` to a response that has no policy of its own."""

    async def send_with_csp(message: dict) -> None:
        if message.get("type") == "http.response.start":
            headers = list(message.get("headers") or [])
            if not any(name.lower() == b"content-security-policy" for name, _ in headers):
                headers.append((b"content-security-policy", SITE_CSP.encode()))
                message = dict(message, headers=headers)
        await send(message)

    return send_with_csp

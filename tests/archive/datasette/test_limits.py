"""Every answer of the public site is bounded (issue 12): value size, answer size, concurrent
visitor queries; the site's own pages send a Content-Security-Policy."""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from publish_fixtures import Server, build_archive

from archive.datasette.limits import (
    MAX_ANSWER_BYTES,
    MAX_CONCURRENT_DATA_PAGES,
    SITE_CSP,
    SQL_THREADS,
    QueryGate,
    request_kind,
    writes_sql,
)
from archive.datasette.snapshots import SNAPSHOT_CSP

SLOW_SQL = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    fixture = build_archive(tmp_path_factory.mktemp("limits"), n_reports=6, seed=3)
    server = Server(["--db", str(fixture.db_path)])
    yield fixture, server
    server.stop()


def _sql(base: str, sql: str) -> httpx.Response:
    return httpx.get(f"{base}/archive.json", params={"sql": sql, "_shape": "array"}, timeout=120)


def test_a_huge_value_is_refused_at_once(site):
    _fixture, server = site
    response = _sql(server.url, "select randomblob(1000000000)")
    assert response.status_code == 400 and len(response.content) < 10_000
    assert "too big" in response.text


def test_an_answer_of_many_large_rows_is_cut_off(site):
    _fixture, server = site
    sql = "with recursive c(x) as (select 1 union all select x + 1 from c where x < 2000) select randomblob(1000000) from c"
    response = _sql(server.url, sql)
    assert response.status_code == 400 and len(response.content) < 10_000
    assert f"answer too large: more than {MAX_ANSWER_BYTES // (1024 * 1024)} MB" in response.text
    ordinary = _sql(server.url, "select count(*) as n from reports")
    assert ordinary.status_code == 200 and ordinary.json() == [{"n": 6}]


def test_pages_stay_served_while_slow_queries_queue(site):
    _fixture, server = site
    pending: list[int] = []
    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(_sql, server.url, SLOW_SQL) for _ in range(6)]
        home = httpx.get(server.url + "/", timeout=120)
        table = httpx.get(server.url + "/archive/reports", timeout=120)
        report = httpx.get(f"{server.url}/archive/-/report/{_fixture.reports[0].id}", timeout=120)
        pending = [i for i, f in enumerate(futures) if not f.done()]
        results = [f.result() for f in futures]
    assert home.status_code == table.status_code == report.status_code == 200
    assert pending, "the pages were served only after every slow query"
    assert {r.status_code for r in results} <= {400, 503}  # each stopped by the SQL time limit (or told to retry)


def test_site_pages_send_a_content_security_policy(site):
    fixture, server = site
    for path in ("/", "/archive", "/archive/reports", "/archive/search?q=公开", "/archive/-/chart"):
        response = httpx.get(server.url + path, timeout=60)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"] == SITE_CSP, path
    conn = sqlite3.connect(fixture.db_path)
    [(snapshot_id,)] = conn.execute("SELECT id FROM snapshots WHERE content_type LIKE 'text/html%' LIMIT 1").fetchall()
    conn.close()
    raw = httpx.get(f"{server.url}/archive/-/snapshot/{snapshot_id}/raw", timeout=60)
    assert raw.status_code == 200 and raw.headers["content-security-policy"] == SNAPSHOT_CSP  # kept, not replaced


def test_visitor_sql_is_recognised():
    assert writes_sql(b"sql=select+1") and writes_sql(b"_where=id%3E1&_size=10") and writes_sql(b"a=1&sql=")
    assert not writes_sql(b"_search=%E5%85%AC%E5%BC%80") and not writes_sql(b"_sort=id") and not writes_sql(b"q=sql=")


def test_requests_are_told_apart_so_one_thread_stays_for_report_pages():
    assert MAX_CONCURRENT_DATA_PAGES < SQL_THREADS
    assert request_kind("/archive", b"sql=select+1") == "sql"
    assert request_kind("/archive/reports", b"_where=1") == "sql"
    for path in ("/", "/-/static/app.css", "/-/versions.json", "/archive/-/report/12", "/archive/-/cell/3",
                 "/archive/-/snapshot/5/raw", "/archive/-/cell/3/source.png"):  # fmt: skip
        assert request_kind(path, b"") == "light", path
    for path in ("/archive", "/archive/reports", "/archive/依申请办理情况", "/archive/search", "/archive/-/chart",
                 "/archive/-/report/x", "/archive/-/report/1/../../reports"):  # fmt: skip
        assert request_kind(path, b"") == "data", path


def test_the_gate_lets_a_limited_number_through():
    async def scenario() -> tuple[bool, bool, bool]:
        gate = QueryGate(limit=1, wait_s=0.2)
        first = await gate.acquire()
        second = await gate.acquire()  # times out: the slot is held
        gate.release()
        third = await gate.acquire()
        gate.release()
        return first, second, third

    assert asyncio.run(scenario()) == (True, False, True)


def test_the_answer_counter_is_per_statement_and_keeps_none_open():
    import gc
    import weakref

    from archive.datasette.limits import AnswerTooLarge, bound_connection

    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    bound_connection(conn)
    rows = "with recursive c(x) as (select 1 union all select x + 1 from c where x < {n}) select randomblob(1000000) from c"
    for _ in range(3):  # 10 MB per statement: each one is within the bound
        assert len(conn.execute(rows.format(n=10)).fetchall()) == 10
    cursor = conn.cursor()
    ref = weakref.ref(cursor)
    with pytest.raises(AnswerTooLarge):
        cursor.execute(rows.format(n=40)).fetchall()
    del cursor
    gc.collect()
    assert ref() is None  # the refused statement is not held open on the connection
    assert conn.execute("select 1").fetchone()[0] == 1


def test_a_failed_statement_is_closed_in_its_own_thread(tmp_path):
    """Its cursor must not outlive the SQL thread in a traceback: closed later in the event loop, it
    waits for a connection the thread may be using for another slow query (the site stalls)."""
    import weakref

    from datasette.app import Datasette

    from archive.datasette.database import SearchCountDatabase

    path = tmp_path / "x.db"
    sqlite3.connect(path).close()
    cursors: list = []

    def failing(conn):
        cursor = conn.cursor()
        cursors.append(weakref.ref(cursor))
        cursor.execute("select randomblob(10)")
        raise sqlite3.OperationalError("interrupted")

    async def scenario():
        ds = Datasette()
        db = ds.add_database(SearchCountDatabase(ds, path=str(path)), name="x")
        with pytest.raises(sqlite3.OperationalError) as caught:
            await db.execute_fn(failing)
        return caught.value

    error = asyncio.run(scenario())
    assert str(error) == "interrupted"
    assert cursors and cursors[0]() is None  # closed although the exception is still held here

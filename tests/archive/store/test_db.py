"""The SQLite archive layer and the write session: schema, small writes, locking, crash safety."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixtures.archive.compare import differences

from archive.store import db
from archive.store.rebuild import ArchiveBusy, rebuild
from archive.store.schema import SCHEMA_VERSION
from archive.store.session import ArchiveSession
from archive.store.warc import RevisitTarget, WarcWriter, iter_records, recover, scan_members, warc_files

WARCIO = str(Path(sys.executable).parent / "warcio")
T0 = datetime(2025, 3, 1, 8, 0, 0, tzinfo=UTC)
HTML = [("Content-Type", "text/html; charset=utf-8")]


def rows(conn: sqlite3.Connection, sql: str, *params) -> list[tuple]:
    return [tuple(r) for r in conn.execute(sql, params)]


@pytest.fixture()
def conn(tmp_path: Path) -> sqlite3.Connection:
    c = db.connect(tmp_path / "deep" / "dir" / "nianbao.db")
    yield c
    c.close()


# --------------------------------------------------------------------------- connection and schema


def test_connect_creates_the_archive_database(tmp_path: Path, conn: sqlite3.Connection) -> None:
    assert (tmp_path / "deep" / "dir" / "nianbao.db").is_file()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.get_meta(conn, "schema_version") == str(SCHEMA_VERSION)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"reports", "cells", "checks", "snapshots", "portals", "sections", "crawl_runs", "fetch_errors",
            "fetches", "report_urls", "attachments", "warnings", "warc_records", "crawl_portal_stats"} <= tables  # fmt: skip
    contract = {
        "reports": {"id", "url", "title", "organ", "year", "template", "published", "fetched", "sha256", "portal"},
        "cells": {"report_id", "table_name", "row", "col", "value", "raw", "unit", "label", "where"},
        "checks": {"report_id", "rule", "column", "ok", "expected", "actual"},
        "snapshots": {"sha256", "url", "fetched", "status", "content_type", "length", "warc_file", "warc_offset"},
    }
    for table, columns in contract.items():
        assert columns <= {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
    # foreign keys are enforced
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO cells(report_id, table_name, \"row\", col) VALUES (99, 'applications', 'total', 'total')"
        )
    # opening again is harmless
    db.connect(tmp_path / "deep" / "dir" / "nianbao.db").close()


def test_transaction_rolls_back_and_nests(conn: sqlite3.Connection) -> None:
    with pytest.raises(RuntimeError):
        with db.transaction(conn):
            db.upsert_portal(conn, {"id": "1", "name": "甲"})
            raise RuntimeError("boom")
    assert rows(conn, "SELECT id FROM portals") == []
    with db.transaction(conn):
        db.upsert_portal(conn, {"id": "1", "name": "甲"})
        with pytest.raises(ValueError):
            with db.transaction(conn):  # a savepoint: only the inner part is undone
                db.upsert_portal(conn, {"id": "2", "name": "乙"})
                raise ValueError("inner")
    assert rows(conn, "SELECT id FROM portals") == [("1",)]
    assert not conn.in_transaction


# --------------------------------------------------------------------------- runs, portals, errors


def test_runs(conn: sqlite3.Connection) -> None:
    run = db.start_run(conn, ["430529", "350128"], "full", started="2025-03-01T08:00:00Z")
    assert rows(conn, "SELECT id, started, ended, portals, mode, stats, outcome FROM crawl_runs") == [
        (run, "2025-03-01T08:00:00Z", None, '["430529", "350128"]', "full", None, "running")
    ]
    db.finish_run(conn, run, {"requests": 12, "reports": 3}, "ok", ended="2025-03-01T08:10:00Z")
    assert rows(conn, "SELECT ended, stats, outcome FROM crawl_runs") == [
        ("2025-03-01T08:10:00Z", '{"reports": 3, "requests": 12}', "ok")
    ]
    with pytest.raises(ValueError):
        db.start_run(conn, [], "sometimes")
    with pytest.raises(ValueError):
        db.finish_run(conn, run, {}, "great")
    with pytest.raises(KeyError):
        db.finish_run(conn, 99, {}, "ok")
    db.record_portal_stats(conn, run, "430529", {"requests": 10, "new_reports": 2, "duration": 1.5, "outcome": "ok"})
    db.record_portal_stats(conn, run, "430529", {"requests": 11})
    assert rows(conn, "SELECT run_id, portal, requests, new_reports FROM crawl_portal_stats") == [
        (run, "430529", 11, 0)
    ]
    with pytest.raises(ValueError):
        db.record_portal_stats(conn, run, "430529", {"pages": 1})


def test_upsert_portal(conn: sqlite3.Connection) -> None:
    portal = {"id": "430529", "code": "430529", "name": "城步苗族自治县人民政府", "level": "county",
              "hosts": ["www.chengbu.gov.cn", "122.137.242.24:8080"], "start_urls": ["http://www.chengbu.gov.cn/zfxxgk/"],
              "platform": "trs", "allowed_paths": ["/zfxxgk/"]}  # fmt: skip
    assert db.upsert_portal(conn, portal) == "430529"
    row = conn.execute("SELECT * FROM portals").fetchone()
    assert row["hosts"] == '["www.chengbu.gov.cn", "122.137.242.24:8080"]'
    assert row["extra"] == '{"allowed_paths": ["/zfxxgk/"]}'
    db.upsert_portal(conn, {**portal, "platform": "trs_dynamic"})
    assert rows(conn, "SELECT id, platform FROM portals") == [("430529", "trs_dynamic")]
    with pytest.raises(ValueError, match="id"):
        db.upsert_portal(conn, {"name": "无编号"})
    with pytest.raises(ValueError, match="name"):
        db.upsert_portal(conn, {"id": "1"})


def test_fetch_errors(conn: sqlite3.Connection) -> None:
    db.record_fetch_error(
        conn, None, "430529", "http://a.gov.cn/x", "block", "HTTP 521 JavaScript challenge", 521, at=T0
    )
    assert rows(conn, "SELECT run_id, portal, url, at, kind, status, reason FROM fetch_errors") == [
        (None, "430529", "http://a.gov.cn/x", "2025-03-01T08:00:00Z", "block", 521, "HTTP 521 JavaScript challenge")
    ]
    with pytest.raises(ValueError):
        db.record_fetch_error(conn, None, None, "http://a.gov.cn/x", "oops", "reason")
    with pytest.raises(ValueError):
        db.record_fetch_error(conn, None, None, "http://a.gov.cn/x", "error", "")


# --------------------------------------------------------------------------- snapshots


def _snap(conn: sqlite3.Connection, url: str, sha: str, fetched: str, **kw) -> int:
    args = dict(status=200, content_type="text/html", length=10, warc_file="warc/a.warc.gz", warc_offset=100,
                warc_record_id=f"<urn:uuid:{sha}-{fetched}>")  # fmt: skip
    args.update(kw)
    return db.record_snapshot(conn, url=url, sha256=sha, fetched=fetched, **args)


def test_record_snapshot_is_idempotent_on_url_and_payload(conn: sqlite3.Connection) -> None:
    a = _snap(conn, "http://a.gov.cn/1", "aa", "2025-03-01T08:00:00Z", etag='"1"')
    b = _snap(
        conn, "http://a.gov.cn/1", "aa", "2025-04-01T08:00:00Z", etag='"2"', warc_offset=999, record_type="revisit"
    )
    c = _snap(conn, "http://a.gov.cn/1", "aa", "2025-02-01T08:00:00Z", etag='"0"')  # an older fetch replayed late
    assert a == b == c
    assert rows(conn, "SELECT fetched, last_seen, etag, warc_offset, record_type FROM snapshots") == [
        ("2025-03-01T08:00:00Z", "2025-04-01T08:00:00Z", '"2"', 100, "response")
    ]
    d = _snap(
        conn,
        "http://a.gov.cn/2",
        "aa",
        "2025-03-02T08:00:00Z",
        record_type="revisit",
        payload_file="warc/a.warc.gz",
        payload_offset=100,
    )
    assert d != a
    assert db.payload_location(conn, "aa") == RevisitTarget(
        "http://a.gov.cn/1", "2025-03-01T08:00:00Z", "<urn:uuid:aa-2025-03-01T08:00:00Z>", "warc/a.warc.gz", 100
    )
    assert db.payload_location(conn, "bb") is None


def test_validators_come_from_the_latest_successful_fetch(conn: sqlite3.Connection) -> None:
    url = "http://a.gov.cn/list.html"
    assert db.validators(conn, url) is None
    s1 = _snap(conn, url, "v1", "2025-03-01T08:00:00Z", etag='"e1"', last_modified="Sat, 01 Mar 2025 07:00:00 GMT")
    db.record_fetch(
        conn, url=url, at="2025-03-01T08:00:00Z", status=200, sha256="v1", snapshot_id=s1, warc_record_id="r1"
    )
    assert db.validators(conn, url) == ('"e1"', "Sat, 01 Mar 2025 07:00:00 GMT")
    s2 = _snap(conn, url, "v2", "2025-04-01T08:00:00Z", etag=None, last_modified=None)
    db.record_fetch(
        conn, url=url, at="2025-04-01T08:00:00Z", status=200, sha256="v2", snapshot_id=s2, warc_record_id="r2"
    )
    assert db.validators(conn, url) is None  # the current payload came without validators
    db.record_fetch(
        conn, url=url, at="2025-05-01T08:00:00Z", status=200, sha256="v1", snapshot_id=s1, warc_record_id="r3"
    )
    assert db.validators(conn, url)[0] == '"e1"'  # back to the first payload
    # idempotent on the WARC record id
    assert db.record_fetch(conn, url=url, at="2025-05-01T08:00:00Z", status=200, warc_record_id="r3") == 3
    assert conn.execute("SELECT count(*) FROM fetches").fetchone()[0] == 3


# --------------------------------------------------------------------------- the session


def _capture(session: ArchiveSession, url: str, payload: bytes, when: datetime, **kw):
    args = dict(
        status=200,
        reason="OK",
        response_headers=HTML + [("ETag", '"x"')],
        payload=payload,
        fetched=when,
        portal="430529",
        kind="detail",
    )
    args.update(kw)
    return session.capture(url, **args)


def test_session_capture_revisits_and_not_modified(tmp_path: Path) -> None:
    with ArchiveSession(tmp_path / "data") as s:
        run = s.start_run(["430529"], "incremental")
        a = _capture(s, "http://a.gov.cn/1.html", b"<p>one</p>", T0, run_id=run)
        b = _capture(s, "http://a.gov.cn/1_wap.html", b"<p>one</p>", T0 + timedelta(seconds=1), run_id=run)
        c = _capture(s, "http://a.gov.cn/1.html", b"", T0 + timedelta(days=1), status=304, reason="Not Modified",
                     response_headers=[("ETag", '"y"')], run_id=run)  # fmt: skip
        d = _capture(s, "http://a.gov.cn/new.html", b"", T0 + timedelta(days=1), status=304, run_id=run)
        e = _capture(
            s, "http://a.gov.cn/gone.html", "<p>页面不存在</p>".encode(), T0, status=404, reason="Not Found", run_id=run
        )
        assert (a.revisit, b.revisit, c.revisit) == (False, True, False)
        assert (c.not_modified, c.snapshot_id, c.sha256) == (True, a.snapshot_id, a.sha256)
        assert d.snapshot_id is None and d.not_modified
        assert s.validators("http://a.gov.cn/1.html") == ('"y"', None)  # the 304 sent a new ETag
        snaps = rows(
            s.conn, "SELECT id, url, fetched, last_seen, status, record_type, run_id, kind FROM snapshots ORDER BY id"
        )
        assert snaps == [
            (
                a.snapshot_id,
                "http://a.gov.cn/1.html",
                "2025-03-01T08:00:00Z",
                "2025-03-02T08:00:00Z",
                200,
                "response",
                run,
                "detail",
            ),
            (
                b.snapshot_id,
                "http://a.gov.cn/1_wap.html",
                "2025-03-01T08:00:01Z",
                "2025-03-01T08:00:01Z",
                200,
                "revisit",
                run,
                "detail",
            ),
            (
                e.snapshot_id,
                "http://a.gov.cn/gone.html",
                "2025-03-01T08:00:00Z",
                "2025-03-01T08:00:00Z",
                404,
                "response",
                run,
                "detail",
            ),
        ]
        fetches = rows(s.conn, "SELECT url, status, snapshot_id, revisit, not_modified FROM fetches ORDER BY id")
        assert fetches == [
            ("http://a.gov.cn/1.html", 200, a.snapshot_id, 0, 0),
            ("http://a.gov.cn/1_wap.html", 200, b.snapshot_id, 1, 0),
            ("http://a.gov.cn/1.html", 304, a.snapshot_id, 0, 1),
            ("http://a.gov.cn/new.html", 304, None, 0, 1),
            ("http://a.gov.cn/gone.html", 404, e.snapshot_id, 0, 0),
        ]
        wap = s.conn.execute(
            "SELECT payload_file, payload_offset FROM snapshots WHERE id = ?", (b.snapshot_id,)
        ).fetchone()
        assert tuple(wap) == (a.exchange.warc_file, a.exchange.offset)
        s.finish_run(run, {"requests": 5}, "ok")
    assert list((tmp_path / "data" / "warc").glob("*.open")) == []  # closed cleanly


def test_only_one_session_per_archive(tmp_path: Path) -> None:
    with ArchiveSession(tmp_path / "data"):
        with pytest.raises(ArchiveBusy, match="in use"):
            ArchiveSession(tmp_path / "data")
        with pytest.raises(ArchiveBusy):
            rebuild(tmp_path / "data", tmp_path / "other.db")
    with ArchiveSession(tmp_path / "data"):  # released on close
        pass


def test_a_new_session_marks_a_dead_run_interrupted(tmp_path: Path) -> None:
    s = ArchiveSession(tmp_path / "data")
    run = s.start_run(["430529"], "full")
    s.close()  # the crawl never finished its run
    with ArchiveSession(tmp_path / "data") as s2:
        assert rows(s2.conn, "SELECT id, outcome, stats FROM crawl_runs") == [
            (run, "interrupted", '{"interrupted": true}')
        ]


def test_records_written_but_never_committed_are_applied_on_open(tmp_path: Path) -> None:
    """A crawl killed after the WARC fsync and before the commit: the next session completes it."""
    root = tmp_path / "data"
    with ArchiveSession(root) as s:
        run = s.start_run(["430529"], "full")
        first = _capture(s, "http://a.gov.cn/1.html", b"<p>one</p>", T0, run_id=run)
    # the same WARC writes a session makes, without the database commit
    writer = WarcWriter(root / "warc")
    conn = db.connect(root / "nianbao.db")
    orphan = writer.write_exchange(
        "http://a.gov.cn/2.html", method="GET", request_headers=[], request_body=None, status=200, reason="OK",
        response_headers=HTML, payload=b"<p>two</p>", fetched=T0 + timedelta(seconds=5),
        known_payload=lambda sha: db.payload_location(conn, sha),
        metadata={"type": "fetch", "portal": "430529", "kind": "detail", "run_id": run},
    )  # fmt: skip
    writer.write_metadata("http://a.gov.cn/x", {"type": "fetch_error", "run_id": run, "portal": "430529", "url": "http://a.gov.cn/x",
                                                "kind": "http", "reason": "HTTP 500", "status": 500, "at": "2025-03-01T08:00:06Z"})  # fmt: skip
    conn.close()  # the process "dies": no close() of the writer either, its .open marker stays
    assert list((root / "warc").glob("*.open"))
    with ArchiveSession(root) as s:
        assert (
            s.replayed.exchanges == 1 and dict(s.replayed.decisions) == {"fetch_error": 1} and s.replayed.errors == []
        )
        snaps = rows(s.conn, "SELECT url, sha256, warc_file, warc_offset, kind, run_id FROM snapshots ORDER BY id")
        assert snaps == [
            ("http://a.gov.cn/1.html", first.sha256, first.exchange.warc_file, first.exchange.offset, "detail", run),
            ("http://a.gov.cn/2.html", orphan.sha256, orphan.warc_file, orphan.offset, "detail", run),
        ]
        assert rows(s.conn, "SELECT url, reason FROM fetch_errors") == [("http://a.gov.cn/x", "HTTP 500")]
        # the orphan's payload is known now: fetching it again is a revisit, not a second copy
        again = _capture(s, "http://a.gov.cn/2.html", b"<p>two</p>", T0 + timedelta(days=1), run_id=run)
        assert (
            again.revisit
            and again.snapshot_id
            == s.conn.execute("SELECT id FROM snapshots WHERE url = 'http://a.gov.cn/2.html'").fetchone()[0]
        )
    with ArchiveSession(root) as s:  # nothing left to apply
        assert s.replayed.exchanges == 0 and s.replayed.records >= 1 and s.replayed.skipped >= 1
    assert differences(root / "nianbao.db", rebuild(root, tmp_path / "rebuilt.db").db_path) == []


# --------------------------------------------------------------------------- SIGKILL


WRITER = r"""
import random, sys
from datetime import datetime, timedelta, timezone
from archive.store.session import ArchiveSession
root, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
T0 = datetime(2025, 3, 1, 8, tzinfo=timezone.utc)
blobs = {}
def payload(k):
    if k not in blobs:
        blobs[k] = random.Random(k).randbytes(size)
    return blobs[k]
with ArchiveSession(root) as a:
    run = a.start_run(["430529"], "full")
    i = 0
    while n < 0 or i < n:
        a.capture(f"http://www.cbx.gov.cn/big/{i % 7}.pdf", status=200, reason="OK",
                  response_headers=[("Content-Type", "application/pdf")], payload=payload(i % 5),
                  fetched=T0 + timedelta(seconds=i), portal="430529", kind="attachment", run_id=run)
        i += 1
    a.finish_run(run, {"captures": n}, "ok")
"""
BIG = 8 << 20


def _kill_mid_write(root: Path) -> int:
    """Run the writer and SIGKILL it while the WARC file grows by less than a record; returns the size seen."""
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(root), "-1", str(BIG)])
    warc = root / "warc"
    deadline = time.monotonic() + 120
    last = 0
    try:
        while time.monotonic() < deadline:
            files = sorted(warc.glob("*.warc.gz")) if warc.is_dir() else []
            size = files[-1].stat().st_size if files else 0
            if size != last:
                grew, last = size - last, size
                # past the first big record (committed), and a write of the next one is under way
                if size > BIG + (1 << 20) and grew < BIG:
                    break
            if proc.poll() is not None:
                raise AssertionError("the writer ended on its own")
        else:
            raise AssertionError("the writer never got to its second record")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    return last


def test_sigkill_mid_write_leaves_a_consistent_archive(tmp_path: Path) -> None:
    for attempt in range(3):  # the kill lands inside a write almost always; retry the rare miss
        root = tmp_path / f"data{attempt}"
        _kill_mid_write(root)
        [path] = warc_files(root)
        if scan_members(path)[1] < path.stat().st_size:
            break
    # the database is intact (WAL recovery) and holds only committed work
    conn = sqlite3.connect(root / "nianbao.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    committed = conn.execute("SELECT count(*) FROM snapshots").fetchone()[0]
    assert committed >= 1
    conn.close()
    members, good = scan_members(path)
    assert good < path.stat().st_size  # killed inside a write: a truncated gzip member
    size = path.stat().st_size
    [repaired] = recover(root / "warc")
    assert (repaired.good_length, repaired.removed) == (good, size - good)
    assert repaired.quarantined.stat().st_size == size - good and path.stat().st_size == good
    check = subprocess.run([WARCIO, "check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    # a new session continues: every (url, payload) once, every payload stored once
    proc = subprocess.run(
        [sys.executable, "-c", WRITER, str(root), "35", str(BIG)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    conn = sqlite3.connect(root / "nianbao.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*), count(DISTINCT url || sha256) FROM snapshots").fetchone() == (35, 35)
    assert conn.execute("SELECT count(DISTINCT sha256) FROM snapshots").fetchone()[0] == 5
    assert rows(conn, "SELECT id, outcome FROM crawl_runs ORDER BY id") == [(1, "interrupted"), (2, "ok")]
    conn.close()
    responses: dict[str, int] = {}
    for rec in iter_records(root):
        if rec.record_type == "response":
            responses[rec.sha256] = responses.get(rec.sha256, 0) + 1
    assert sorted(responses.values()) == [1, 1, 1, 1, 1]
    files = warc_files(root)
    assert len(files) == 2
    check = subprocess.run([WARCIO, "check", *map(str, files)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    stats = rebuild(root, tmp_path / "rebuilt.db")
    assert stats.errors == [] and stats.snapshots == 35 and stats.recovered == []
    assert differences(root / "nianbao.db", tmp_path / "rebuilt.db") == []

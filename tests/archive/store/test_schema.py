"""The archive schema: declarations, schema version, and upgrading archives of older versions in place.

An old archive is built from the DDL the old code ran (``tests/fixtures/archive/schemas/v*.sql``,
copied from the commits that defined each version), stamped with its version as the old
``create_schema`` did, and filled with rows that set every column.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixtures.archive.pages import report_page, sample

from archive.store import db, schema
from archive.store.schema import SCHEMA_VERSION, TABLES, Migration, SchemaError, create_schema, schema_current
from archive.store.session import ArchiveSession

SCHEMAS = Path(__file__).resolve().parents[2] / "fixtures" / "archive" / "schemas"
OLD_VERSIONS = (1, 2, 3, 6, 7)
ROWS_PER_TABLE = 2


def old_archive(path: Path, version: int) -> None:
    """An archive database as nianbao of schema ``version`` left it, every column of every table set."""
    conn = sqlite3.connect(path)
    conn.executescript((SCHEMAS / f"v{version}.sql").read_text(encoding="utf-8"))
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(version),))
    for table in user_tables(conn):
        columns = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
        names = ", ".join(f'"{c[1]}"' for c in columns)
        marks = ", ".join("?" * len(columns))
        for i in range(1, ROWS_PER_TABLE + 1):
            # integers are 1 or 2: every reference points at an existing row of its table
            values = [value_for(table, name, declared, i) for _cid, name, declared, *_ in columns]
            conn.execute(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', values)
    conn.commit()
    conn.close()


def value_for(table: str, column: str, declared: str, i: int) -> object:
    if declared == "INTEGER":
        return i
    if declared == "REAL":
        return i / 4
    if declared == "NUMERIC":
        return (12, 3.5)[i - 1]
    return f"{table}.{column}.{i}"


def user_tables(conn: sqlite3.Connection) -> list[str]:
    sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
    return [r[0] for r in conn.execute(sql)]


def contents(conn: sqlite3.Connection, tables: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """The rows of ``tables`` (name → columns), in rowid order."""
    out = {}
    for table, columns in tables.items():
        names = ", ".join(f'"{c}"' for c in columns)
        out[table] = [tuple(r) for r in conn.execute(f'SELECT {names} FROM "{table}" ORDER BY rowid')]
    return out


def columns_of(conn: sqlite3.Connection) -> dict[str, list[str]]:
    return {t: [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')] for t in user_tables(conn)}


def affinity(declared: str) -> str:
    """SQLite's column affinity of a declared type (datatype3.html §3.1)."""
    upper = declared.upper()
    if "INT" in upper:
        return "INTEGER"
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in upper or not upper:
        return "BLOB"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def shape(conn: sqlite3.Connection) -> dict[str, tuple]:
    """What the schema means, whatever its text: columns (affinity, NOT NULL, default, key), indexes, references."""
    out = {}
    for table in sorted(user_tables(conn)):
        columns = [
            (name, affinity(declared), notnull, default, pk)
            for _cid, name, declared, notnull, default, pk in conn.execute(f'PRAGMA table_info("{table}")')
        ]
        indexes = sorted(
            (tuple(c[2] for c in conn.execute(f'PRAGMA index_info("{index[1]}")')), index[2])
            for index in conn.execute(f'PRAGMA index_list("{table}")')
            if index[3] != "pk"
        )
        references = sorted((r[3], r[2], r[4]) for r in conn.execute(f'PRAGMA foreign_key_list("{table}")'))
        out[table] = (columns, indexes, references)
    return out


@pytest.fixture()
def fresh_shape(tmp_path: Path) -> dict[str, tuple]:
    conn = db.connect(tmp_path / "fresh.db")
    try:
        return shape(conn)
    finally:
        conn.close()


# --------------------------------------------------------------------------- declarations


def test_the_declarations_add_columns_last_in_version_order() -> None:
    """``ALTER TABLE`` appends: a new archive and an upgraded one have their columns in the same order."""
    for table in TABLES:
        since = [table.added.get(c, table.since) for c in table.columns]
        assert since == sorted(since), table.name
        assert all(v > table.since for v in table.added.values()), table.name
        assert set(table.added) <= set(table.columns) and set(table.not_null) <= set(table.columns), table.name
        # an added column can be neither NOT NULL without a default nor a reference (ALTER TABLE limits)
        assert not set(table.added) & (set(table.not_null) | set(table.references)), table.name
    assert [m.version for m in schema.MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1))


def test_a_new_database_is_at_the_current_version(tmp_path: Path, fresh_shape: dict) -> None:
    conn = db.connect(tmp_path / "fresh.db")
    assert db.get_meta(conn, "schema_version") == str(SCHEMA_VERSION) and schema_current(conn)
    assert set(fresh_shape) == {t.name for t in TABLES}
    for table in TABLES:
        assert [c[0] for c in fresh_shape[table.name][0]] == list(table.columns)
    # values keep NUMERIC affinity: 12.0 and '7' are stored as integers, as in archives of version 3
    conn.execute("INSERT INTO reports(id, url) VALUES (1, 'http://a.gov.cn/1.html')")
    conn.executemany(
        "INSERT INTO cells(report_id, table_name, \"row\", col, value) VALUES (1, 't', 'r', 'c', ?)",
        [(12.0,), ("7",), (2.5,)],
    )
    assert rows_of(conn, "SELECT value, typeof(value) FROM cells ORDER BY id") == [
        (12, "integer"), (7, "integer"), (2.5, "real")
    ]  # fmt: skip
    conn.close()


def rows_of(conn: sqlite3.Connection, sql: str, *params) -> list[tuple]:
    return [tuple(r) for r in conn.execute(sql, params)]


# --------------------------------------------------------------------------- upgrading in place


def test_the_english_check_details_of_an_older_archive_are_rewritten_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "nianbao.db"
    old_archive(path, 7)
    old = sqlite3.connect(path)
    details = [
        ("R3", "not checkable: row not_processed_repeated missing"),
        ("R2", "not checkable: column natural_person, total missing"),
        ("R8", "规章 reported by an organ below 设区的市"),
        ("R8", "negative count"),
        ("R1", "自然人：本年新收＋上年结转＝3，办理结果总计＋结转下年度继续办理＝4"),
    ]
    old.execute("DELETE FROM checks")
    old.executemany(
        "INSERT INTO checks (report_id, rule, \"column\", ok, expected, actual, detail) VALUES (1, ?, 'c', 0, ?, 2, ?)",
        [(rule, detail if rule == "R8" else 1, detail) for rule, detail in details],
    )
    old.commit()
    old.close()
    conn = db.connect(path)
    assert rows_of(conn, "SELECT rule, expected, detail FROM checks ORDER BY id") == [
        ("R3", 1, "不可校验：缺少行 not_processed_repeated"),
        ("R2", 1, "不可校验：缺少列 natural_person、total"),
        ("R8", None, "设区的市以下的机关填报了规章"),
        ("R8", None, "件数为负数（只有“本年增/减”可为负）"),
        ("R1", 1, details[-1][1]),
    ]
    conn.close()


@pytest.mark.parametrize("version", OLD_VERSIONS)
def test_an_archive_of_an_older_version_is_upgraded_in_place(tmp_path: Path, version: int, fresh_shape: dict) -> None:
    path = tmp_path / "nianbao.db"
    old_archive(path, version)
    old = sqlite3.connect(path)
    old_columns = columns_of(old)
    before = contents(old, old_columns)
    old.close()
    assert all(len(rows) == ROWS_PER_TABLE + (table == "meta") for table, rows in before.items())

    conn = db.connect(path)
    # every row and every column survives; only the version moves
    after = contents(conn, old_columns)
    assert after["meta"][0] == ("schema_version", str(SCHEMA_VERSION))
    after["meta"][0] = ("schema_version", str(version))
    assert after == before
    # the tables and columns of the later versions exist; the new columns of old rows are empty
    assert shape(conn) == fresh_shape
    for table, columns in old_columns.items():
        added = [c for c in schema.TABLE_BY_NAME[table].columns if c not in columns]
        if added:
            got = rows_of(conn, f'SELECT {", ".join(added)} FROM "{table}"')
            assert got == [(None,) * len(added)] * ROWS_PER_TABLE, table
    assert rows_of(conn, "PRAGMA foreign_key_check") == []
    conn.close()

    # opening it again writes nothing: a read-only connection can check it
    ro = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert schema_current(ro)
    assert create_schema(ro) == SCHEMA_VERSION
    ro.close()


def test_an_archive_made_by_version_3_takes_a_crawl(tmp_path: Path) -> None:
    """The archive of the code before sqlite-utils: the session captures, ingests and lists into it."""
    root = tmp_path / "data"
    root.mkdir()
    old_archive(root / "nianbao.db", 3)
    page = report_page(sample(7))
    when = datetime(2026, 3, 1, 8, tzinfo=UTC)
    with ArchiveSession(root) as archive:
        run = archive.start_run(["430529"], "incremental")
        archive.upsert_portal({"id": "430529", "name": "城步苗族自治县人民政府", "level": "county"})
        url = "http://www.chengbu.gov.cn/zfxxgk/zfxxgknb/202201/t20220110_101.html"
        first = archive.capture(url, status=200, reason="OK", response_headers=[("Content-Type", "text/html")],
                                payload=page, fetched=when, portal="430529", kind="detail", run_id=run)  # fmt: skip
        again = archive.capture(url, status=200, reason="OK", response_headers=[("Content-Type", "text/html")],
                                payload=page, fetched=when.replace(hour=9), portal="430529", kind="detail", run_id=run)  # fmt: skip
        # the old UNIQUE (url, sha256) constraint makes the second fetch the same snapshot
        assert again.revisit and again.snapshot_id == first.snapshot_id
        result = archive.ingest_report(first.ingest_input(page), [], portal="430529", run_id=run)
        assert result.status == "new" and result.cell_count > 0
        assert archive.record_listing(run, "430529", "http://www.chengbu.gov.cn/zfxxgk/", "http://www.chengbu.gov.cn/zfxxgk/",
                                      1, [(url, "2021年度报告 2022-01-10")]) == 1  # fmt: skip
        archive.portal_stats(run, "430529", {"requests": 2, "reports_listed": 1, "early_stops": 1})
        archive.finish_run(run, {"requests": 2}, "ok")
        conn = archive.conn
        assert rows_of(conn, "SELECT last_seen FROM snapshots WHERE id = ?", first.snapshot_id) == [
            ("2026-03-01T09:00:00Z",)
        ]
        assert rows_of(conn, "SELECT requests, reports_listed, early_stops, rechecked FROM crawl_portal_stats "
                             "WHERE run_id = ?", run) == [(2, 1, 1, None)]  # fmt: skip
        assert rows_of(conn, "SELECT count(*) FROM reports") == [(ROWS_PER_TABLE + 1,)]
        assert rows_of(conn, "SELECT outcome FROM crawl_runs WHERE id = ?", run) == [("ok",)]


def test_a_database_with_tables_but_no_version_goes_through_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript(
        """
        CREATE TABLE snapshots (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, url TEXT NOT NULL,
            fetched TEXT NOT NULL, last_seen TEXT, status INTEGER, content_type TEXT, length INTEGER,
            warc_file TEXT NOT NULL, warc_offset INTEGER NOT NULL, warc_length INTEGER, warc_record_id TEXT,
            portal TEXT, run_id INTEGER, kind TEXT, etag TEXT, last_modified TEXT, UNIQUE (url, sha256));
        CREATE TABLE fetches (id INTEGER PRIMARY KEY, run_id INTEGER, portal TEXT, url TEXT NOT NULL,
            at TEXT NOT NULL, status INTEGER, sha256 TEXT, snapshot_id INTEGER, revisit INTEGER DEFAULT 0,
            not_modified INTEGER DEFAULT 0);
        INSERT INTO snapshots(sha256, url, fetched, warc_file, warc_offset) VALUES ('ab', 'http://a.gov.cn/', '2020-01-01T00:00:00Z', 'warc/x.warc.gz', 0);
        """
    )
    old.close()
    conn = db.connect(path)
    assert {"record_type", "payload_file", "payload_offset"} <= {
        r[1] for r in conn.execute("PRAGMA table_info(snapshots)")
    }
    assert {"warc_record_id", "kind"} <= {r[1] for r in conn.execute("PRAGMA table_info(fetches)")}
    assert rows_of(conn, "SELECT url, sha256, record_type FROM snapshots") == [("http://a.gov.cn/", "ab", None)]
    assert schema_current(conn) and set(user_tables(conn)) == {t.name for t in TABLES}
    conn.close()


# --------------------------------------------------------------------------- versions this code cannot use


def newer_archive(path: Path) -> None:
    """An archive as a later nianbao (schema version one above this code's) left it."""
    db.connect(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()


def test_an_archive_of_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "nianbao.db"
    newer_archive(path)
    with pytest.raises(SchemaError, match=f"schema version {SCHEMA_VERSION + 1}, newer"):
        db.connect(path)
    ro = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(SchemaError):  # told so, not "attempt to write a readonly database"
        create_schema(ro)
    ro.close()
    conn = sqlite3.connect(path)
    assert rows_of(conn, "SELECT value FROM meta WHERE key = 'schema_version'") == [(str(SCHEMA_VERSION + 1),)]
    conn.close()


def test_commands_refuse_a_newer_archive_in_one_line(tmp_path: Path) -> None:
    root = tmp_path / "data"
    newer_archive(root / "nianbao.db")
    for args in (["status", "--archive", str(root)], ["crawl", "--archive", str(root), "430529"],
                 ["serve", "--db", str(root / "nianbao.db"), "--port", "0"]):  # fmt: skip
        done = subprocess.run([sys.executable, "-m", "archive", *args], capture_output=True, text=True, timeout=120)
        assert done.returncode != 0, args
        assert "Traceback" not in done.stderr and f"schema version {SCHEMA_VERSION + 1}, newer" in done.stderr, args


def test_a_failing_migration_leaves_the_archive_at_its_version(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "nianbao.db"
    db.connect(path).close()

    def add_then_fail(database) -> None:
        database.table("reports").add_column("reviewed", int)
        raise RuntimeError("migration failed")

    def add(database) -> None:
        database.table("reports").add_column("reviewed", int)

    monkeypatch.setattr(schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, Migration(SCHEMA_VERSION + 1, "t", add_then_fail)))
    with pytest.raises(RuntimeError, match="migration failed"):
        db.connect(path)
    conn = sqlite3.connect(path)
    assert rows_of(conn, "SELECT value FROM meta WHERE key = 'schema_version'") == [(str(SCHEMA_VERSION),)]
    assert "reviewed" not in {r[1] for r in conn.execute("PRAGMA table_info(reports)")}
    conn.close()

    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS[:-1], Migration(SCHEMA_VERSION + 1, "t", add)))
    conn = db.connect(path)
    assert db.get_meta(conn, "schema_version") == str(SCHEMA_VERSION + 1)
    assert "reviewed" in {r[1] for r in conn.execute("PRAGMA table_info(reports)")}
    conn.close()
    db.connect(path).close()  # applied once: opening again runs nothing

"""The SQLite archive: connection, transactions and the small writes the pipeline makes.

Timestamps are UTC text in WARC-Date form (``2025-03-10T08:00:00Z``, see
:func:`archive.store.warc.format_warc_date`); the values that come from a fetch are the WARC-Date of
its records, so a database rebuilt from the WARC files holds the same text.

Connections are opened in autocommit mode; :func:`transaction` groups writes (``BEGIN
IMMEDIATE`` … ``COMMIT``, nested calls become savepoints).  Every function here that writes
runs in a transaction of its own when the caller has not opened one.  Rows are written with
sqlite-utils (``insert``, ``upsert``) except where one statement says more: the snapshot upsert
that keeps the first fetch and returns the id, the conditional updates of a 304.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from archive.store.paths import DEFAULT_DB
from archive.store.schema import TABLE_BY_NAME, create_schema
from archive.store.transaction import database, transaction
from archive.store.warc import RevisitTarget, WrittenRecord, format_warc_date, utc_now

PORTAL_COLUMNS = (
    "id", "code", "name", "level", "parent_code", "province", "city", "county",
    "hosts", "start_urls", "platform", "updated",
)  # fmt: skip
PORTAL_LIST_COLUMNS = ("hosts", "start_urls")
RUN_OUTCOMES = ("running", "ok", "failed", "interrupted")
RUN_MODES = ("full", "incremental")
# every column of ``crawl_portal_stats`` but its key
PORTAL_STAT_COLUMNS = tuple(c for c in TABLE_BY_NAME["crawl_portal_stats"].columns if c not in ("run_id", "portal"))
FETCH_ERROR_KINDS = ("error", "block", "http", "too_large", "robots", "extract", "unreadable")


def timestamp(value: datetime | str | None = None) -> str:
    """Archive timestamp text of ``value`` (now when None; text is passed through)."""
    if value is None:
        return format_warc_date(utc_now())
    if isinstance(value, str):
        return value
    return format_warc_date(value)


def connect(
    path: Path | str = DEFAULT_DB, *, journal_mode: str = "wal", synchronous: str = "full"
) -> sqlite3.Connection:
    """Open (and create) an archive database.

    Creates parent directories, sets WAL mode (``journal_mode``), foreign keys on, a busy
    timeout, ``sqlite3.Row`` rows, autocommit mode, and creates/upgrades the schema
    (:func:`archive.store.schema.create_schema`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA journal_mode={journal_mode}")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    try:
        create_schema(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def insert_row(conn: sqlite3.Connection, table: str, row: dict[str, Any]) -> int:
    """Insert ``row`` into ``table`` and return its rowid."""
    rowid = database(conn).table(table).insert(row).last_rowid
    assert rowid is not None
    return rowid


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    with transaction(conn):
        database(conn).table("meta").upsert({"key": key, "value": value}, pk="key")


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


# --------------------------------------------------------------------------- runs and portals


def start_run(
    conn: sqlite3.Connection,
    portals: list[str],
    mode: str,
    *,
    started: datetime | str | None = None,
    run_id: int | None = None,
) -> int:
    """Insert a ``crawl_runs`` row (outcome ``running``) and return its id."""
    if mode not in RUN_MODES:
        raise ValueError(f"run mode must be one of {RUN_MODES}: {mode!r}")
    row = {"id": run_id, "started": timestamp(started), "portals": _json(list(portals)), "mode": mode,
           "outcome": "running"}  # fmt: skip
    with transaction(conn):
        return insert_row(conn, "crawl_runs", row)


def finish_run(
    conn: sqlite3.Connection,
    run_id: int,
    stats: dict,
    outcome: str,
    *,
    ended: datetime | str | None = None,
) -> None:
    """Close a run: end time, JSON stats and outcome (``ok`` | ``failed`` | ``interrupted``)."""
    if outcome not in RUN_OUTCOMES:
        raise ValueError(f"run outcome must be one of {RUN_OUTCOMES}: {outcome!r}")
    with transaction(conn):
        cur = conn.execute(
            "UPDATE crawl_runs SET ended = ?, stats = ?, outcome = ? WHERE id = ?",
            (timestamp(ended), _json(stats), outcome, run_id),
        )
        if cur.rowcount != 1:
            raise KeyError(f"no crawl run {run_id}")


def check_portal_stats(stats: dict) -> None:
    """Raise ValueError unless every key of ``stats`` is a ``crawl_portal_stats`` column."""
    unknown = set(stats) - set(PORTAL_STAT_COLUMNS)
    if unknown:
        raise ValueError(f"unknown portal statistics: {sorted(unknown)}")


def record_portal_stats(conn: sqlite3.Connection, run_id: int, portal: str, stats: dict) -> None:
    """Insert or replace the ``crawl_portal_stats`` row of (run, portal); columns not in ``stats`` take their defaults."""
    check_portal_stats(stats)
    with transaction(conn):
        database(conn).table("crawl_portal_stats").insert({"run_id": run_id, "portal": portal, **stats}, replace=True)


def normalise_portal(portal: dict) -> dict:
    """The ``portals`` row of a registry entry: lists as JSON, unknown keys into ``extra``."""
    if not portal.get("id"):
        raise ValueError("portal needs an 'id'")
    if not portal.get("name"):
        raise ValueError(f"portal {portal['id']!r} needs a 'name'")
    row: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in portal.items():
        if key in PORTAL_COLUMNS:
            row[key] = (
                _json(list(value))
                if key in PORTAL_LIST_COLUMNS and value is not None and not isinstance(value, str)
                else value
            )
        elif key != "extra":
            extra[key] = value
    if isinstance(portal.get("extra"), dict):
        extra.update(portal["extra"])
    row["extra"] = _json(extra) if extra else None
    return row


def upsert_portal(conn: sqlite3.Connection, portal: dict) -> str:
    """Insert or update a portal from its registry entry (``id`` and ``name`` required)."""
    row = normalise_portal(portal)
    with transaction(conn):
        database(conn).table("portals").upsert(row, pk="id")
    return str(row["id"])


# --------------------------------------------------------------------------- snapshots and fetches


def record_snapshot(
    conn: sqlite3.Connection,
    *,
    url: str,
    sha256: str,
    fetched: datetime | str,
    status: int | None,
    content_type: str | None,
    length: int | None,
    warc_file: str,
    warc_offset: int,
    warc_length: int | None = None,
    warc_record_id: str | None = None,
    portal: str | None = None,
    run_id: int | None = None,
    kind: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    record_type: str = "response",
    payload_file: str | None = None,
    payload_offset: int | None = None,
) -> int:
    """Record a payload fetched from ``url``; idempotent on (url, sha256).

    A known (url, sha256) keeps its first fetch and WARC location; ``last_seen`` moves to the
    latest fetch and the HTTP validators (ETag, Last-Modified) to those of that fetch.
    """
    when = timestamp(fetched)
    with transaction(conn):
        row = conn.execute(
            """
            INSERT INTO snapshots(sha256, url, fetched, last_seen, status, content_type, length,
                warc_file, warc_offset, warc_length, warc_record_id, portal, run_id, kind, etag,
                last_modified, record_type, payload_file, payload_offset)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(url, sha256) DO UPDATE SET
                etag = CASE WHEN excluded.last_seen >= snapshots.last_seen
                            THEN excluded.etag ELSE snapshots.etag END,
                last_modified = CASE WHEN excluded.last_seen >= snapshots.last_seen
                            THEN excluded.last_modified ELSE snapshots.last_modified END,
                last_seen = max(snapshots.last_seen, excluded.last_seen)
            RETURNING id
            """,
            (
                sha256,
                url,
                when,
                when,
                status,
                content_type,
                length,
                warc_file,
                warc_offset,
                warc_length,
                warc_record_id,
                portal,
                run_id,
                kind,
                etag,
                last_modified,
                record_type,
                payload_file if payload_file is not None else warc_file,
                payload_offset if payload_offset is not None else warc_offset,
            ),  # fmt: skip
        ).fetchone()
    return int(row[0])


def record_fetch(
    conn: sqlite3.Connection,
    *,
    url: str,
    at: datetime | str,
    status: int | None,
    sha256: str | None = None,
    snapshot_id: int | None = None,
    revisit: bool = False,
    not_modified: bool = False,
    run_id: int | None = None,
    portal: str | None = None,
    kind: str | None = None,
    warc_file: str | None = None,
    warc_offset: int | None = None,
    warc_record_id: str | None = None,
) -> int:
    """Record one fetch (also of a known payload or a 304); idempotent on ``warc_record_id``.

    Raw SQL: this runs for every exchange a crawl captures or a rebuild reads.
    """
    with transaction(conn):
        if warc_record_id is not None:
            row = conn.execute("SELECT id FROM fetches WHERE warc_record_id = ?", (warc_record_id,)).fetchone()
            if row:
                return int(row[0])
        cur = conn.execute(
            """
            INSERT INTO fetches(run_id, portal, url, at, status, sha256, snapshot_id, revisit,
                not_modified, kind, warc_file, warc_offset, warc_record_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (run_id, portal, url, timestamp(at), status, sha256, snapshot_id, int(revisit), int(not_modified), kind,
             warc_file, warc_offset, warc_record_id),
        )  # fmt: skip
    assert cur.lastrowid is not None
    return cur.lastrowid


def record_fetch_error(
    conn: sqlite3.Connection,
    run_id: int | None,
    portal: str | None,
    url: str,
    kind: str,
    reason: str,
    status: int | None = None,
    *,
    at: datetime | str | None = None,
) -> int:
    """Record what could not be fetched/used (``kind`` error | block | http | too_large | robots | extract)."""
    if kind not in FETCH_ERROR_KINDS:
        raise ValueError(f"fetch error kind must be one of {FETCH_ERROR_KINDS}: {kind!r}")
    if not reason:
        raise ValueError("a fetch error needs a reason")
    row = {"run_id": run_id, "portal": portal, "url": url, "at": timestamp(at), "kind": kind, "status": status,
           "reason": reason}  # fmt: skip
    with transaction(conn):
        return insert_row(conn, "fetch_errors", row)


def snapshot_record_id(conn: sqlite3.Connection, snapshot_id: int | None) -> str | None:
    """The ``WARC-Record-ID`` of a snapshot's response or revisit record (None when unknown)."""
    if snapshot_id is None:
        return None
    row = conn.execute("SELECT warc_record_id FROM snapshots WHERE id = ?", (snapshot_id,)).fetchone()
    return row[0] if row is not None else None


def payload_location(conn: sqlite3.Connection, sha256: str) -> RevisitTarget | None:
    """The response record that first stored this payload (``known_payload`` for the writer)."""
    row = conn.execute(
        """
        SELECT url, fetched, warc_record_id, warc_file, warc_offset FROM snapshots
        WHERE sha256 = ? AND record_type = 'response' AND warc_record_id IS NOT NULL
        ORDER BY id LIMIT 1
        """,
        (sha256,),
    ).fetchone()
    if row is None:
        return None
    return RevisitTarget(row["url"], row["fetched"], row["warc_record_id"], row["warc_file"], row["warc_offset"])


def latest_snapshot(conn: sqlite3.Connection, url: str) -> sqlite3.Row | None:
    """The snapshot the latest payload-carrying fetch of ``url`` returned (or None)."""
    return conn.execute(
        """
        SELECT s.* FROM fetches f JOIN snapshots s ON s.id = f.snapshot_id
        WHERE f.url = ? AND f.not_modified = 0 ORDER BY f.id DESC LIMIT 1
        """,
        (url,),
    ).fetchone()


def validators(conn: sqlite3.Connection, url: str) -> tuple[str | None, str | None] | None:
    """``(etag, last_modified)`` for a conditional request to ``url``; None when nothing to send.

    Taken from the snapshot of the latest successful (2xx) fetch; None when that fetch carried
    neither validator.
    """
    row = conn.execute(
        """
        SELECT s.etag, s.last_modified FROM fetches f JOIN snapshots s ON s.id = f.snapshot_id
        WHERE f.url = ? AND f.status BETWEEN 200 AND 299 ORDER BY f.id DESC LIMIT 1
        """,
        (url,),
    ).fetchone()
    if row is None or (row["etag"] is None and row["last_modified"] is None):
        return None
    return row["etag"], row["last_modified"]


def touch_snapshot(
    conn: sqlite3.Connection,
    snapshot_id: int,
    seen: datetime | str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> None:
    """A 304 confirmed ``snapshot_id``: move its ``last_seen`` (and validators when sent)."""
    when = timestamp(seen)
    with transaction(conn):
        conn.execute(
            """
            UPDATE snapshots SET
                etag = CASE WHEN ? IS NOT NULL AND ? >= last_seen THEN ? ELSE etag END,
                last_modified = CASE WHEN ? IS NOT NULL AND ? >= last_seen THEN ? ELSE last_modified END,
                last_seen = max(last_seen, ?)
            WHERE id = ?
            """,
            (etag, when, etag, last_modified, when, last_modified, when, snapshot_id),
        )


# --------------------------------------------------------------------------- WARC record index


def index_records(conn: sqlite3.Connection, records: Iterable[WrittenRecord]) -> None:
    """Note WARC records whose effects are being committed (see ``warc_records``).

    Raw SQL: this runs for every WARC record a crawl writes or a rebuild reads.
    """
    with transaction(conn):
        conn.executemany(
            """
            INSERT OR IGNORE INTO warc_records(record_id, warc_file, warc_offset, warc_length,
                record_type, target_uri, date, concurrent_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                (r.record_id, r.warc_file, r.offset, r.length, r.record_type, r.target_uri, r.date, r.concurrent_to)
                for r in records
            ],
        )


def known_records(conn: sqlite3.Connection, warc_file: str) -> set[str]:
    """Record ids of ``warc_file`` already applied to this database."""
    return {row[0] for row in conn.execute("SELECT record_id FROM warc_records WHERE warc_file = ?", (warc_file,))}


def record_location(conn: sqlite3.Connection, record_id: str) -> tuple[str, int] | None:
    row = conn.execute("SELECT warc_file, warc_offset FROM warc_records WHERE record_id = ?", (record_id,)).fetchone()
    return (row[0], row[1]) if row else None

"""Replaying WARC records into the archive database, and ``rebuild`` from the WARC files alone.

The WARC files hold everything the database holds.  Next to the HTTP records, a crawl writes
``metadata`` records with JSON bodies (``"type"`` says which):

============== ============================================ =====================================
type           written by                                   applied as
============== ============================================ =====================================
``fetch``      every exchange (concurrent to its response)  portal, kind, run of the snapshot/fetch
``run_start``  :meth:`ArchiveSession.start_run`             ``crawl_runs`` row
``run_end``    :meth:`ArchiveSession.finish_run`            end, stats, outcome of the run
``portal``     :meth:`ArchiveSession.upsert_portal`         ``portals`` row
``portal_stats`` :meth:`ArchiveSession.portal_stats`        ``crawl_portal_stats`` row
``fetch_error`` :meth:`ArchiveSession.fetch_error`          ``fetch_errors`` row
``listing``    :meth:`ArchiveSession.record_listing`        ``listings`` rows (one list page's items)
``report``     :meth:`ArchiveSession.ingest_report`         :func:`archive.store.ingest.ingest_report` (and its
                                                            ``verdict``'s ``page_verdicts`` row)
``removed``    :meth:`ArchiveSession.mark_removed`          ``reports.removed_at``
``merge``      :func:`archive.store.merge.merge_shard`      the shard's records (their own stream)
``verdict``    :meth:`ArchiveSession.record_verdict`        ``page_verdicts`` row (report or not, why)
============== ============================================ =====================================

A ``report`` decision marked ``deferred`` (a shard that defers extraction) is only indexed in
that shard; replayed as part of a ``merge`` it is ingested.  Other metadata types are kept in
the WARC files and only indexed.  The live session applies
each operation through the same functions as :func:`replay`, in the same order as the records
stand in the files, so a rebuilt database has the same rows (ids included).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from archive.store import db, extraction_cache
from archive.store.ingest import IngestInput, doc_key, mark_removed, prepare_report, write_report
from archive.store.warc import (
    WARC_SUBDIR,
    Damage,
    StoredRecord,
    WarcError,
    WrittenExchange,
    WrittenRecord,
    header_value,
    in_stream,
    iter_file,
    read_record,
    recover,
    relative_name,
    resolve_revisit,
    stream_root,
    warc_files,
)

LOCK_NAME = ".nianbao.lock"


# --------------------------------------------------------------------------- locking


class ArchiveBusy(RuntimeError):
    """Another process holds the archive (a crawl or a rebuild is running)."""


@contextmanager
def archive_lock(archive_dir: Path) -> Iterator[None]:
    """Hold the archive's exclusive lock (``{archive_dir}/.nianbao.lock``) or raise :class:`ArchiveBusy`."""
    archive_dir = Path(archive_dir)
    archive_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(archive_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise ArchiveBusy(f"archive {archive_dir} is in use by another process (pid {holder})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# --------------------------------------------------------------------------- exchanges


@dataclass
class ExchangeFacts:
    """What the database needs from one response/revisit record."""

    url: str
    status: int | None
    date: str
    sha256: str
    content_type: str | None
    payload_length: int | None
    http_headers: list[tuple[str, str]]
    warc_file: str
    offset: int
    length: int | None
    record_id: str
    revisit: bool
    payload_file: str | None
    payload_offset: int | None

    @classmethod
    def from_written(cls, ex: WrittenExchange) -> ExchangeFacts:
        target = ex.refers_to
        return cls(
            url=ex.url,
            status=ex.status,
            date=ex.date,
            sha256=ex.sha256,
            content_type=ex.content_type,
            payload_length=ex.payload_length,
            http_headers=list(ex.http_headers),
            warc_file=ex.warc_file,
            offset=ex.offset,
            length=ex.length,
            record_id=ex.record_id,
            revisit=ex.revisit,
            payload_file=target.warc_file if target is not None else ex.warc_file,
            payload_offset=target.offset if target is not None else ex.offset,
        )

    @classmethod
    def from_stored(cls, archive_dir: Path, rec: StoredRecord) -> ExchangeFacts:
        revisit = rec.record_type == "revisit"
        length_text = rec.header("Content-Length")
        payload_length = (
            len(rec.payload) if not revisit else (int(length_text) if length_text and length_text.isdigit() else None)
        )
        if revisit and (rec.sha256 is None or payload_length is None):
            resolve_revisit(archive_dir, rec)
            payload_length = len(rec.payload)
        target = rec.refers_to
        assert rec.sha256 is not None
        if target is not None and not rec.resolved:  # as written: relative to the archive that wrote it
            target = replace(target, warc_file=in_stream(rec.warc_file, target.warc_file))
        return cls(
            url=rec.url,
            status=rec.status,
            date=rec.date,
            sha256=rec.sha256,
            content_type=rec.content_type,
            payload_length=payload_length,
            http_headers=list(rec.http_headers),
            warc_file=rec.warc_file,
            offset=rec.offset,
            length=rec.length,
            record_id=rec.record_id,
            revisit=revisit,
            payload_file=target.warc_file if target is not None else rec.warc_file,
            payload_offset=target.offset if target is not None else rec.offset,
        )

    def header(self, name: str) -> str | None:
        return header_value(self.http_headers, name)


def apply_exchange(conn: sqlite3.Connection, facts: ExchangeFacts, meta: dict | None) -> tuple[int | None, int]:
    """Record the snapshot (unless a 304) and the fetch of one exchange: ``(snapshot_id, fetch_id)``."""
    meta = meta or {}
    portal, kind, run_id = meta.get("portal"), meta.get("kind"), meta.get("run_id")
    etag, last_modified = facts.header("ETag"), facts.header("Last-Modified")
    location: dict[str, Any] = {
        "warc_file": facts.warc_file,
        "warc_offset": facts.offset,
        "warc_record_id": facts.record_id,
    }
    with db.transaction(conn):
        if facts.status == 304:
            previous = db.latest_snapshot(conn, facts.url)
            snapshot_id = previous["id"] if previous is not None else None
            if snapshot_id is not None:
                db.touch_snapshot(conn, snapshot_id, facts.date, etag=etag, last_modified=last_modified)
            fetch_id = db.record_fetch(
                conn,
                url=facts.url,
                at=facts.date,
                status=304,
                sha256=previous["sha256"] if previous is not None else None,
                snapshot_id=snapshot_id,
                not_modified=True,
                run_id=run_id,
                portal=portal,
                kind=kind,
                **location,
            )
            return snapshot_id, fetch_id
        snapshot_id = db.record_snapshot(
            conn,
            url=facts.url,
            sha256=facts.sha256,
            fetched=facts.date,
            status=facts.status,
            content_type=facts.content_type,
            length=facts.payload_length,
            warc_file=facts.warc_file,
            warc_offset=facts.offset,
            warc_length=facts.length,
            warc_record_id=facts.record_id,
            portal=portal,
            run_id=run_id,
            kind=kind,
            etag=etag,
            last_modified=last_modified,
            record_type="revisit" if facts.revisit else "response",
            payload_file=facts.payload_file,
            payload_offset=facts.payload_offset,
        )
        fetch_id = db.record_fetch(
            conn,
            url=facts.url,
            at=facts.date,
            status=facts.status,
            sha256=facts.sha256,
            snapshot_id=snapshot_id,
            revisit=facts.revisit,
            run_id=run_id,
            portal=portal,
            kind=kind,
            **location,
        )
    return snapshot_id, fetch_id


# --------------------------------------------------------------------------- decisions


def apply_listing(conn: sqlite3.Connection, data: dict) -> int:
    """The items one list page showed, in order: upsert their ``listings`` rows; returns how many.

    Raw SQL: the upsert keeps the ``first_seen`` of an item already listed.
    """
    items = data.get("items") or []
    at, portal, list_key = data["at"], data["portal"], data["list"]
    with db.transaction(conn):
        conn.executemany(
            """
            INSERT INTO listings(portal, list_key, url, doc_key, page_url, page_no, position, entry, first_seen,
                last_seen, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(portal, list_key, url) DO UPDATE SET page_url = excluded.page_url,
                page_no = excluded.page_no, position = excluded.position, entry = excluded.entry,
                last_seen = excluded.last_seen, run_id = excluded.run_id
            """,
            [
                (
                    portal,
                    list_key,
                    url,
                    doc_key(url),
                    data.get("page"),
                    data.get("page_no"),
                    i,
                    entry,
                    at,
                    at,
                    data.get("run_id"),
                )
                for i, (url, entry) in enumerate(items, start=1)
            ],
        )
    return len(items)


def apply_verdict(conn: sqlite3.Connection, data: dict) -> int:
    """Whether a page is a report and why: upsert its ``page_verdicts`` row (per URL and payload)."""
    row = conn.execute(
        "SELECT id FROM snapshots WHERE url = ? AND sha256 = ?", (data["url"], data["sha256"])
    ).fetchone()
    with db.transaction(conn):
        conn.execute(
            """
            INSERT INTO page_verdicts(url, sha256, snapshot_id, verdict, reason, title, portal, run_id, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(url, sha256) DO UPDATE SET snapshot_id = excluded.snapshot_id, verdict = excluded.verdict,
                reason = excluded.reason, title = excluded.title, portal = excluded.portal,
                run_id = excluded.run_id, at = excluded.at
            """,
            (data["url"], data["sha256"], row[0] if row else None, data["verdict"], data["reason"], data.get("title"),
             data.get("portal"), data.get("run_id"), data["at"]),
        )  # fmt: skip
        found = conn.execute(
            "SELECT id FROM page_verdicts WHERE url = ? AND sha256 = ?", (data["url"], data["sha256"])
        ).fetchone()
    return int(found[0])


def report_verdict_of(data: dict, page_sha256: str) -> dict:
    """The ``page_verdicts`` row a ``report`` decision carries (its ``verdict``: why it is a report)."""
    verdict = data.get("verdict") or {}
    page = data["page"]
    return {"url": page["url"], "sha256": page_sha256, "verdict": "report", "reason": verdict.get("reason"),
            "title": verdict.get("title"), "portal": data.get("portal"), "run_id": data.get("run_id"), "at": page["fetched"]}  # fmt: skip


def input_ref(conn: sqlite3.Connection, inp: IngestInput) -> dict:
    """The JSON reference of an ingest input in a ``report`` decision (bytes stay in the WARC)."""
    if inp.snapshot_id is None:
        raise ValueError(f"{inp.url}: a report input needs the snapshot_id of its archived fetch")
    row = conn.execute(
        "SELECT url, sha256, warc_file, warc_offset, last_seen FROM snapshots WHERE id = ?", (inp.snapshot_id,)
    ).fetchone()
    if row is None:
        raise ValueError(f"{inp.url}: no snapshot {inp.snapshot_id}")
    if row["sha256"] != inp.sha256:
        raise ValueError(f"{inp.url}: the bytes differ from snapshot {inp.snapshot_id} ({row['url']})")
    return {
        "url": inp.url,
        "content_type": inp.content_type,
        "fetched": db.timestamp(inp.fetched) if inp.fetched is not None else row["last_seen"],
        "link_text": inp.link_text,
        **({"year_hint": inp.year_hint} if inp.year_hint else {}),
        "snapshot": {
            "url": row["url"],
            "sha256": row["sha256"],
            "warc_file": row["warc_file"],
            "warc_offset": row["warc_offset"],
        },
    }


def input_from_ref(conn: sqlite3.Connection, archive_dir: Path, ref: dict) -> IngestInput:
    """Rebuild an :class:`IngestInput` of a ``report`` decision from the WARC files."""
    snap = ref["snapshot"]
    row = conn.execute(
        "SELECT id, warc_file, warc_offset FROM snapshots WHERE url = ? AND sha256 = ?", (snap["url"], snap["sha256"])
    ).fetchone()
    try:
        stored = read_record(archive_dir, snap["warc_file"], int(snap["warc_offset"]))
        if stored.sha256 != snap["sha256"]:
            raise WarcError(f"{snap['warc_file']}@{snap['warc_offset']}: payload digest differs from the decision")
    except WarcError:
        if row is None or (row["warc_file"], row["warc_offset"]) == (snap["warc_file"], snap["warc_offset"]):
            raise
        # the bytes moved (a damaged stretch before them was cut out): found again by URL and digest
        stored = read_record(archive_dir, row["warc_file"], int(row["warc_offset"]))
        if stored.sha256 != snap["sha256"]:
            raise
    return IngestInput(
        url=ref["url"],
        data=stored.payload,
        content_type=ref.get("content_type"),
        snapshot_id=row[0] if row is not None else None,
        fetched=ref.get("fetched"),
        link_text=ref.get("link_text"),
        year_hint=ref.get("year_hint"),
    )


def apply_metadata(conn: sqlite3.Connection, archive_dir: Path, data: dict, *, deferred: bool = False) -> Any:
    """Apply one decision record (see the table in the module docstring); unknown types: no-op.

    ``deferred``: also ingest report decisions a shard deferred (when replaying a merge).
    """
    kind = data.get("type")
    if kind == "run_start":
        run_id = db.start_run(
            conn, data.get("portals") or [], data["mode"], started=data["started"], run_id=data["run_id"]
        )
        if data.get("shard"):  # a merged shard's run (ShardRuns)
            conn.execute("UPDATE crawl_runs SET shard = ?, shard_run = ? WHERE id = ?",
                         (data["shard"], data["shard_run"], run_id))  # fmt: skip
        return run_id
    if kind == "run_end":
        return db.finish_run(conn, data["run_id"], data.get("stats") or {}, data["outcome"], ended=data["ended"])
    if kind == "portal":
        return db.upsert_portal(conn, data["portal"])
    if kind == "portal_stats":
        return db.record_portal_stats(conn, data["run_id"], data["portal"], data.get("stats") or {})
    if kind == "listing":
        return apply_listing(conn, data)
    if kind == "fetch_error":
        return db.record_fetch_error(
            conn, data.get("run_id"), data.get("portal"), data["url"], data["kind"], data["reason"],
            data.get("status"), at=data["at"],
        )  # fmt: skip
    if kind == "report":
        if data.get("deferred") and not deferred:
            return None
        page = input_from_ref(conn, archive_dir, data["page"])
        attachments = [input_from_ref(conn, archive_dir, ref) for ref in data.get("attachments") or []]
        prepared = prepare_report(conn, page=page, attachments=attachments)
        result = write_report(conn, prepared, portal=data.get("portal"), run_id=data.get("run_id"))
        if (data.get("verdict") or {}).get("reason"):
            apply_verdict(conn, report_verdict_of(data, page.sha256))
        return result
    if kind == "removed":
        return mark_removed(conn, data["doc_key"], data["when"])
    if kind == "merge":
        return apply_merge(conn, archive_dir, data)
    if kind == "verdict":
        return apply_verdict(conn, data)
    return None


def apply_merge(conn: sqlite3.Connection, archive_dir: Path, data: dict) -> ReplayStats:
    """Replay the byte ranges of a shard that a ``merge`` record lists, as the shard's own stream
    (its decisions refer to its own files, under ``data["root"]``), and log the merge (``merges``)."""
    if not data["root"] or any(stream_root(name) != data["root"] for name, _, _ in data["files"]):
        raise ValueError(f"merge record of shard {data.get('shard')!r}: its files are not under {data.get('root')!r}")
    ranges = [(Path(archive_dir) / name, int(start), int(end)) for name, start, end in data["files"]]
    stats = replay(
        conn, archive_dir, ranges=ranges, decisions_dir=Path(archive_dir) / data["root"], shard=data["shard"]
    )
    db.insert_row(conn, "merges", {
        "shard": data["shard"], "root": data["root"], "source": data.get("source"),
        "files": json.dumps(data["files"]), "at": data["at"], "records": stats.records,
        "exchanges": stats.exchanges, "reports": sum(stats.reports.values()), "errors": len(stats.errors),
    })  # fmt: skip
    return stats


# --------------------------------------------------------------------------- replay


class ShardRuns:
    """A merged shard numbers its runs on its own: its run ids become this archive's while its
    stream is replayed (a ``run_start`` gets the next id here; ``crawl_runs.shard``/``shard_run``
    keep the pair, so a later merge of the same shard finds them)."""

    def __init__(self, conn: sqlite3.Connection, shard: str) -> None:
        self.conn = conn
        self.shard = shard

    def _mapped(self, run_id: Any) -> int | None:
        if run_id is None:
            return None
        row = self.conn.execute(
            "SELECT id FROM crawl_runs WHERE shard = ? AND shard_run = ?", (self.shard, int(run_id))
        ).fetchone()
        return int(row[0]) if row is not None else None

    def translate(self, data: dict) -> dict:
        """``data`` (a decision or a fetch's metadata) with this archive's run id."""
        if "run_id" not in data:
            return data
        out = dict(data)
        if data.get("type") == "run_start":
            out["run_id"] = int(self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM crawl_runs").fetchone()[0])
            out.update(shard=self.shard, shard_run=data["run_id"])
        else:
            out["run_id"] = self._mapped(data["run_id"])
        return out


@dataclass
class ReplayStats:
    """What a replay applied."""

    files: int = 0
    records: int = 0
    skipped: int = 0  # already in the database
    exchanges: int = 0
    decisions: Counter = field(default_factory=Counter)  # metadata type -> count
    reports: Counter = field(default_factory=Counter)  # ingest status -> count
    errors: list[str] = field(default_factory=list)
    damaged: int = 0  # damaged records skipped (named in errors); every intact record is read


def _written(rec: StoredRecord) -> WrittenRecord:
    return WrittenRecord(
        rec.warc_file, rec.offset, rec.length or 0, rec.record_id, rec.record_type, rec.url, rec.date, rec.concurrent_to
    )


def _resume_point(conn: sqlite3.Connection, files: list[Path], archive_dir: Path) -> tuple[int, int]:
    """(index in ``files``, byte offset) from which records may be missing from the database."""
    names = [relative_name(p, archive_dir) for p in files]
    applied = {
        row[0]: row[1]
        for row in conn.execute("SELECT warc_file, max(warc_offset) FROM warc_records GROUP BY warc_file")
    }
    for index in range(len(names) - 1, -1, -1):
        if names[index] in applied:
            return index, int(applied[names[index]])
    return 0, 0


def replay(
    conn: sqlite3.Connection,
    archive_dir: Path,
    *,
    resume: bool = False,
    ranges: list[tuple[Path, int, int]] | None = None,
    decisions_dir: Path | None = None,
    shard: str | None = None,
) -> ReplayStats:
    """Apply the records of every WARC file of ``archive_dir`` to ``conn`` in file/offset order.

    With ``resume`` only records after the last one the database knows are read, and records
    already applied (``warc_records``) are skipped: this completes a session that was killed
    between a WARC write and its commit.  ``ranges`` (a merged shard's stream: ``(path, start,
    end)`` byte ranges, applied records skipped) replaces the archive's own files; its decisions
    refer to files of ``decisions_dir``, its runs are renumbered (:class:`ShardRuns`) and its
    deferred reports are ingested.
    """
    archive_dir = Path(archive_dir)
    stats = ReplayStats()
    runs = ShardRuns(conn, shard) if shard else None
    if ranges is not None:
        files = [path for path, _, _ in ranges]
        first, start = 0, 0
    else:
        files = warc_files(archive_dir)
        first, start = _resume_point(conn, files, archive_dir) if resume else (0, 0)
    for index in range(first, len(files)):
        path = files[index]
        rel = relative_name(path, archive_dir)
        end: int | None = None
        if ranges is not None:
            _, start, end = ranges[index]
        known = db.known_records(conn, rel) if resume or ranges is not None else set()
        stats.files += 1
        pending: list[StoredRecord] = []

        def flush(meta_rec: StoredRecord | None = None) -> None:
            if not pending:  # noqa: B023 (called within the iteration)
                return
            response = pending[0]  # noqa: B023 (called within the iteration)
            meta = meta_rec.json() if meta_rec is not None else None
            if runs is not None and meta is not None:
                meta = runs.translate(meta)
            try:
                facts = ExchangeFacts.from_stored(archive_dir, response)
                with db.transaction(conn):
                    apply_exchange(conn, facts, meta)
                    db.index_records(conn, [_written(r) for r in pending + ([meta_rec] if meta_rec else [])])  # noqa: B023 (called within the iteration)
                stats.exchanges += 1
            except (WarcError, sqlite3.Error, ValueError, KeyError) as exc:
                stats.errors.append(f"{response.warc_file}@{response.offset} {response.url}: {exc}")
            pending.clear()  # noqa: B023 (called within the iteration)

        def damaged(damage: Damage) -> None:
            stats.damaged += 1
            stats.errors.append(str(damage))

        try:
            for rec in iter_file(
                archive_dir, path, start=start if index == first or ranges is not None else 0, on_damage=damaged
            ):
                if end is not None and rec.offset >= end:
                    break
                stats.records += 1
                if rec.record_id in known:
                    stats.skipped += 1
                    continue
                rtype = rec.record_type
                if rtype in ("response", "revisit"):
                    flush()
                    pending.append(rec)
                    continue
                if pending and rec.concurrent_to == pending[0].record_id:
                    if rtype == "request":
                        pending.append(rec)
                        continue
                    if rtype == "metadata" and _json_type(rec) == "fetch":
                        flush(rec)
                        continue
                flush()
                if rtype == "metadata":
                    _apply_decision(conn, decisions_dir or archive_dir, rec, stats, runs)
                else:
                    db.index_records(conn, [_written(rec)])
            flush()
        except Exception as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            flush()
            stats.errors.append(f"{rel}: {exc.__class__.__name__}: {exc}")
    return stats


def _json_type(rec: StoredRecord) -> str | None:
    try:
        return rec.json().get("type")
    except WarcError:
        return None


def _apply_decision(
    conn: sqlite3.Connection, archive_dir: Path, rec: StoredRecord, stats: ReplayStats, runs: ShardRuns | None = None
) -> None:
    try:
        data = rec.json()
        if runs is not None:
            data = runs.translate(data)
    except WarcError as exc:
        stats.errors.append(str(exc))
        db.index_records(conn, [_written(rec)])
        return
    kind = str(data.get("type"))
    try:
        with db.transaction(conn):
            result = apply_metadata(conn, archive_dir, data, deferred=runs is not None)
            db.index_records(conn, [_written(rec)])
    except (WarcError, sqlite3.Error, ValueError, KeyError, TypeError) as exc:
        stats.errors.append(f"{rec.warc_file}@{rec.offset} {kind} {rec.url}: {exc.__class__.__name__}: {exc}")
        db.index_records(conn, [_written(rec)])
        return
    stats.decisions[kind] += 1
    if isinstance(result, ReplayStats):  # a merged shard's stream
        stats.exchanges += result.exchanges
        stats.decisions.update(result.decisions)
        stats.reports.update(result.reports)
        stats.errors.extend(result.errors)
    status = getattr(result, "status", None)
    if kind == "report" and status:
        stats.reports[status] += 1


# --------------------------------------------------------------------------- rebuild


@dataclass
class RebuildStats:
    """What :func:`rebuild` produced."""

    db_path: Path
    files: int
    records: int
    exchanges: int
    snapshots: int
    fetches: int
    reports: int
    cells: int
    runs: int
    portals: int
    decisions: dict[str, int]
    report_statuses: dict[str, int]
    recovered: list[str]
    errors: list[str]
    seconds: float
    damaged: int = 0
    stale_removed: list[str] = field(default_factory=list)  # temporary files of killed rebuilds


def _count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def rebuild(archive_dir: Path, db_path: Path, *, force: bool = False) -> RebuildStats:
    """Build a fresh archive database at ``db_path`` from the WARC files of ``archive_dir`` alone.

    Builds into a temporary file next to ``db_path`` and renames it into place; refuses to
    replace an existing database unless ``force``, and an archive without WARC files.  Holds
    the archive lock (no crawl may run) and first repairs files a killed writer left behind
    (:func:`archive.store.warc.recover`).  Damaged records are skipped and named in ``errors``;
    every intact record is applied.  The temporary file never outlives the rebuild: removed on
    any error, by a watcher process when this one is killed (:func:`remove_when_gone`), and
    temporary files of earlier killed rebuilds are removed first.
    """
    started = time.monotonic()
    archive_dir = Path(archive_dir)
    db_path = Path(db_path)
    if not archive_dir.is_dir():
        raise FileNotFoundError(f"archive directory not found: {archive_dir}")
    if db_path.exists() and not force:
        raise FileExistsError(f"{db_path} exists (use --force to replace it)")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f".{db_path.name}.rebuild-{os.getpid()}.tmp")
    journal = Path(f"{tmp}-journal")
    with archive_lock(archive_dir):
        recovered = [str(r.warc_file) for r in recover(archive_dir / WARC_SUBDIR)]
        if not warc_files(archive_dir):
            raise FileNotFoundError(f"no WARC files in {archive_dir / WARC_SUBDIR}: nothing to rebuild from")
        stale = remove_stale_temporaries(db_path)
        watcher = remove_when_gone(os.getpid(), [tmp, journal])
        try:
            conn = db.connect(tmp, journal_mode="delete", synchronous="off")
            try:
                db.set_meta(conn, "archive_dir", str(archive_dir.resolve()))
                with extraction_cache.reading(archive_dir):  # extractions made ahead (rebuild --jobs)
                    stats = replay(conn, archive_dir)
                counts = {
                    t: _count(conn, t) for t in ("snapshots", "fetches", "reports", "cells", "crawl_runs", "portals")
                }
            finally:
                conn.close()
            for leftover in (Path(f"{db_path}-wal"), Path(f"{db_path}-shm"), Path(f"{db_path}-journal")):
                leftover.unlink(missing_ok=True)
            os.replace(tmp, db_path)
        finally:
            for path in (tmp, journal):
                path.unlink(missing_ok=True)
            _stop(watcher)
    return RebuildStats(
        db_path=db_path,
        files=stats.files,
        records=stats.records,
        exchanges=stats.exchanges,
        snapshots=counts["snapshots"],
        fetches=counts["fetches"],
        reports=counts["reports"],
        cells=counts["cells"],
        runs=counts["crawl_runs"],
        portals=counts["portals"],
        decisions=dict(stats.decisions),
        report_statuses=dict(stats.reports),
        recovered=recovered,
        errors=list(stats.errors),
        seconds=time.monotonic() - started,
        damaged=stats.damaged,
        stale_removed=stale,
    )


# --------------------------------------------------------------------------- temporary files

_TMP_RE = re.compile(r"^\.(?P<name>.+)\.rebuild-(?P<pid>\d+)\.tmp(?:-journal)?$")
# The watcher: waits for the rebuild process to end, then removes what it names if still there
# (after a normal end the temporary file was renamed into place: nothing is left to remove).
_WATCHER = """
import os, select, sys, time
pid = int(sys.argv[1])
try:
    fd = os.pidfd_open(pid)
    select.select([fd], [], [])
except (AttributeError, OSError):
    while os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().split(")")[-1].split()[0] != "Z":
        time.sleep(0.2)
for path in sys.argv[2:]:
    try:
        os.unlink(path)
    except OSError:
        pass
"""


def remove_stale_temporaries(db_path: Path) -> list[str]:
    """Remove ``.{db}.rebuild-{pid}.tmp`` files whose rebuild process is gone; their names."""
    removed: list[str] = []
    for path in sorted(db_path.parent.glob(f".{db_path.name}.rebuild-*.tmp*")):
        m = _TMP_RE.match(path.name)
        if not m or m.group("name") != db_path.name or _alive(int(m.group("pid"))):
            continue
        path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a file of this very process can only be left over from before
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_when_gone(pid: int, paths: list[Path]) -> subprocess.Popen | None:
    """A watcher process (its own session, so a signal to this process group spares it) that
    removes ``paths`` once process ``pid`` has ended, however it ended (``kill -9`` included)."""
    try:
        return subprocess.Popen(
            [sys.executable, "-c", _WATCHER, str(pid), *map(str, paths)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return None  # no watcher: the next rebuild removes the file (remove_stale_temporaries)


def _stop(watcher: subprocess.Popen | None) -> None:
    if watcher is None:
        return
    watcher.kill()
    watcher.wait()

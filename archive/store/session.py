"""A crawl's write session on an archive directory: WARC files + SQLite, kept consistent.

Every operation first writes its WARC record(s) (one write + fsync), then applies the effect to
the database in one transaction that also notes the records in ``warc_records``.  A process
killed at any moment leaves readable WARC files (after :func:`archive.store.warc.recover`) and a
consistent database; opening the next session repairs the files and applies the records that
were written but not committed, so nothing is lost and nothing is duplicated.  The effects go
through the same functions :func:`archive.store.rebuild.replay` uses, so ``nianbao rebuild`` yields
the same rows.

Typical use by the crawler::

    with ArchiveSession("data") as archive:
        run = archive.start_run(["430529"], "full")
        archive.upsert_portal({"id": "430529", "name": "城步苗族自治县人民政府", ...})
        page = archive.capture(url, method="GET", request_headers=..., status=200, reason="OK",
                               response_headers=..., payload=body, portal="430529",
                               kind="detail", run_id=run)
        pdf = archive.capture(pdf_url, ..., kind="attachment")
        archive.ingest_report(page.ingest_input(body), [pdf.ingest_input(pdf_bytes, "附件")],
                              portal="430529", run_id=run)
        archive.finish_run(run, stats, "ok")
"""

from __future__ import annotations

import sqlite3
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from archive.store import db, extraction_cache, shard
from archive.store.ingest import IngestInput, IngestResult, doc_key, mark_removed, prepare_report, write_report
from archive.store.paths import DB_NAME
from archive.store.rebuild import (
    ExchangeFacts,
    ReplayStats,
    apply_exchange,
    apply_listing,
    apply_verdict,
    archive_lock,
    input_ref,
    replay,
    report_verdict_of,
)
from archive.store.warc import WARC_SUBDIR, RecoveredFile, WarcWriter, WrittenExchange, WrittenRecord, recover, utc_now


@dataclass
class Captured:
    """An archived exchange: where its payload lives in the archive."""

    url: str
    status: int
    sha256: str
    date: str  # WARC-Date of the fetch
    content_type: str | None
    snapshot_id: int | None  # None for a 304 of a URL never archived with a payload
    fetch_id: int
    revisit: bool  # the payload was already archived (stored as a revisit record)
    not_modified: bool  # a 304 answer
    exchange: WrittenExchange

    def ingest_input(
        self,
        data: bytes,
        link_text: str | None = None,
        content_type: str | None = None,
        year_hint: dict | None = None,
    ) -> IngestInput:
        """The :class:`IngestInput` of this fetch (``data`` = the payload bytes; ``year_hint`` the
        year the crawler read from the list entry or URL, for a document that states none)."""
        return IngestInput(
            url=self.url,
            data=data,
            content_type=content_type or self.content_type,
            snapshot_id=self.snapshot_id,
            fetched=self.date,
            link_text=link_text,
            year_hint=year_hint,
        )


class ArchiveSession:
    """Exclusive write access to an archive directory (``{dir}/nianbao.db``, ``{dir}/warc/``).

    Opening takes the archive lock (:class:`archive.store.rebuild.ArchiveBusy` when another process
    holds it), repairs WARC files of a killed session, applies records written but never
    committed (``self.recovered``, ``self.replayed``) and marks runs left ``running`` as
    ``interrupted``.  A queue worker's shard (:mod:`archive.store.shard`) names the WARC files'
    ``prefix`` and may defer extraction; extractions made ahead (:mod:`archive.store.extraction_cache`)
    are read while the session is open.
    """

    def __init__(
        self,
        archive_dir: Path | str = "data",
        db_path: Path | str | None = None,
        *,
        prefix: str | None = None,
        max_bytes: int = 500_000_000,
    ) -> None:
        self.archive_dir = Path(archive_dir)
        self.archive_dir.mkdir(parents=True, exist_ok=True)
        self.warc_dir = self.archive_dir / WARC_SUBDIR
        self.db_path = Path(db_path) if db_path is not None else self.archive_dir / DB_NAME
        self._stack = ExitStack()
        config = shard.load(self.archive_dir)
        # a shard that defers extraction records report decisions for its merge (archive.store.shard)
        self.defer_reports = bool(config and config.defer_extraction)
        prefix = prefix or (config.warc_prefix if config is not None else shard.DEFAULT_WARC_PREFIX)
        try:
            self._stack.enter_context(archive_lock(self.archive_dir))
            self._stack.enter_context(extraction_cache.reading(self.archive_dir))
            self.conn: sqlite3.Connection = db.connect(self.db_path)
            self._stack.callback(self.conn.close)
            db.set_meta(self.conn, "archive_dir", str(self.archive_dir.resolve()))
            self.recovered: list[RecoveredFile] = recover(self.warc_dir)
            self.replayed: ReplayStats = replay(self.conn, self.archive_dir, resume=True)
            self.writer = WarcWriter(self.warc_dir, prefix, max_bytes, archive_dir=self.archive_dir)
            self._stack.callback(self.writer.close)
            for row in self.conn.execute(
                "SELECT id, stats FROM crawl_runs WHERE outcome = 'running' ORDER BY id"
            ).fetchall():
                self.finish_run(row["id"], {"interrupted": True}, "interrupted")
        except BaseException:
            self._stack.close()
            raise

    # ------------------------------------------------------------------ plumbing

    def close(self) -> None:
        """Close the WARC file, the database and release the lock."""
        self._stack.close()

    def __enter__(self) -> ArchiveSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _index(self, records: list[WrittenRecord]) -> None:
        db.index_records(self.conn, self.writer.take_auto_records() + records)

    def _decision(self, target_uri: str, data: dict, when: str | None = None) -> WrittenRecord:
        return self.writer.write_metadata(target_uri, data, date=when or db.timestamp())

    def _annotation(self, data: dict, when: str | None = None, refers_to: str | None = None) -> WrittenRecord:
        """A decision about a page or URL: a metadata record with a target URI of its own."""
        return self.writer.write_annotation(data, refers_to=refers_to, date=when or db.timestamp())

    # ------------------------------------------------------------------ runs and portals

    def start_run(self, portals: list[str], mode: str) -> int:
        """Open a crawl run (``crawl_runs``) and return its id."""
        if mode not in db.RUN_MODES:
            raise ValueError(f"run mode must be one of {db.RUN_MODES}: {mode!r}")
        run_id = int(self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM crawl_runs").fetchone()[0])
        started = db.timestamp()
        data = {"type": "run_start", "run_id": run_id, "portals": list(portals), "mode": mode, "started": started}
        record = self._decision(f"urn:nianbao:run:{run_id}", data, started)
        with db.transaction(self.conn):
            db.start_run(self.conn, list(portals), mode, started=started, run_id=run_id)
            self._index([record])
        return run_id

    def finish_run(self, run_id: int, stats: dict, outcome: str) -> None:
        """Close a run with its statistics and outcome (``ok`` | ``failed`` | ``interrupted``)."""
        if outcome not in db.RUN_OUTCOMES:
            raise ValueError(f"run outcome must be one of {db.RUN_OUTCOMES}: {outcome!r}")
        ended = db.timestamp()
        data = {"type": "run_end", "run_id": run_id, "stats": stats, "outcome": outcome, "ended": ended}
        record = self._decision(f"urn:nianbao:run:{run_id}", data, ended)
        with db.transaction(self.conn):
            db.finish_run(self.conn, run_id, stats, outcome, ended=ended)
            self._index([record])

    def portal_stats(self, run_id: int, portal: str, stats: dict) -> None:
        """Per-portal statistics of a run (``crawl_portal_stats``)."""
        db.check_portal_stats(stats)  # before the decision is written
        data = {"type": "portal_stats", "run_id": run_id, "portal": portal, "stats": stats}
        record = self._decision(f"urn:nianbao:run:{run_id}:portal:{portal}", data)
        with db.transaction(self.conn):
            db.record_portal_stats(self.conn, run_id, portal, stats)
            self._index([record])

    def record_listing(
        self,
        run_id: int | None,
        portal: str,
        list_key: str,
        page_url: str,
        page_no: int | None,
        items: list[tuple[str, str]],
    ) -> int:
        """The items a list page showed, in order, as ``(canonical URL, entry text)`` (``listings``)."""
        at = db.timestamp()
        data = {"type": "listing", "run_id": run_id, "portal": portal, "list": list_key, "page": page_url,
                "page_no": page_no, "at": at, "items": [list(i) for i in items]}  # fmt: skip
        record = self._annotation(data, at)
        with db.transaction(self.conn):
            count = apply_listing(self.conn, data)
            self._index([record])
        return count

    def upsert_portal(self, portal: dict) -> str:
        """Register or update a portal (``portals``)."""
        db.normalise_portal(portal)  # validate before writing anything
        record = self._decision(f"urn:nianbao:portal:{portal['id']}", {"type": "portal", "portal": portal})
        with db.transaction(self.conn):
            portal_id = db.upsert_portal(self.conn, portal)
            self._index([record])
        return portal_id

    # ------------------------------------------------------------------ fetches

    def capture(
        self,
        url: str,
        *,
        method: str = "GET",
        request_headers: list[tuple[str, str]] | None = None,
        request_body: bytes | None = None,
        status: int,
        reason: str = "",
        response_headers: list[tuple[str, str]] | None = None,
        payload: bytes = b"",
        fetched: datetime | None = None,
        portal: str | None = None,
        kind: str | None = None,
        run_id: int | None = None,
    ) -> Captured:
        """Archive one HTTP exchange (any status; a 304 confirms the URL's latest snapshot).

        ``kind`` is list | detail | attachment | robots | api | other.  Identical payloads are
        stored once (revisit records).
        """
        meta = {"type": "fetch", "portal": portal, "kind": kind, "run_id": run_id}
        exchange = self.writer.write_exchange(
            url,
            method=method,
            request_headers=list(request_headers or []),
            request_body=request_body,
            status=status,
            reason=reason,
            response_headers=list(response_headers or []),
            payload=payload,
            fetched=fetched or utc_now(),
            known_payload=lambda sha: db.payload_location(self.conn, sha),
            metadata=meta,
        )
        with db.transaction(self.conn):
            snapshot_id, fetch_id = apply_exchange(self.conn, ExchangeFacts.from_written(exchange), meta)
            self._index(exchange.records())
        sha = exchange.sha256
        if status == 304 and snapshot_id is not None:
            sha = self.conn.execute("SELECT sha256 FROM snapshots WHERE id = ?", (snapshot_id,)).fetchone()[0]
        return Captured(
            url=url,
            status=status,
            sha256=sha,
            date=exchange.date,
            content_type=exchange.content_type,
            snapshot_id=snapshot_id,
            fetch_id=fetch_id,
            revisit=exchange.revisit,
            not_modified=status == 304,
            exchange=exchange,
        )

    def fetch_error(
        self,
        run_id: int | None,
        portal: str | None,
        url: str,
        kind: str,
        reason: str,
        status: int | None = None,
    ) -> int:
        """Record a URL that could not be fetched or was refused (``fetch_errors``)."""
        if kind not in db.FETCH_ERROR_KINDS:
            raise ValueError(f"fetch error kind must be one of {db.FETCH_ERROR_KINDS}: {kind!r}")
        if not reason:
            raise ValueError("a fetch error needs a reason")
        at = db.timestamp()
        data = {"type": "fetch_error", "run_id": run_id, "portal": portal, "url": url, "kind": kind,
                "reason": reason, "status": status, "at": at}  # fmt: skip
        record = self._annotation(data, at)
        with db.transaction(self.conn):
            error_id = db.record_fetch_error(self.conn, run_id, portal, url, kind, reason, status, at=at)
            self._index([record])
        return error_id

    def validators(self, url: str) -> tuple[str | None, str | None] | None:
        """``(etag, last_modified)`` to send in a conditional request to ``url``."""
        return db.validators(self.conn, url)

    # ------------------------------------------------------------------ reports

    def ingest_report(
        self,
        page: IngestInput,
        attachments: list[IngestInput],
        *,
        portal: str | None = None,
        run_id: int | None = None,
        reason: str | None = None,
        title: str | None = None,
    ) -> IngestResult:
        """Record the decision "this page is a report with these attachments" and ingest it.

        Every input must come from :meth:`capture` (its ``snapshot_id``): the decision record
        refers to the archived bytes, so ``rebuild`` can replay it.  In a shard that defers
        extraction the decision is only recorded (status ``deferred``): its merge ingests it.
        ``reason`` (why the page is a report) goes into the same record and into ``page_verdicts``.
        """
        page_ref = input_ref(self.conn, page)
        refs = [input_ref(self.conn, a) for a in attachments]
        # the times recorded in the decision are the ones ingested (a replay reads them back)
        page = replace(page, fetched=page_ref["fetched"])
        attachments = [replace(a, fetched=ref["fetched"]) for a, ref in zip(attachments, refs)]
        data = {"type": "report", "portal": portal, "run_id": run_id, "page": page_ref, "attachments": refs}
        if reason:
            data["verdict"] = {"reason": reason, "title": title}
        page_record = db.snapshot_record_id(self.conn, page.snapshot_id)
        if self.defer_reports:
            data["deferred"] = True
            record = self._annotation(data, page_ref["fetched"], page_record)
            with db.transaction(self.conn):
                self._index([record])
            return IngestResult(status="deferred", report_id=0, doc_key=doc_key(page.url), version=0)
        prepared = prepare_report(self.conn, page=page, attachments=attachments)
        record = self._annotation(data, page_ref["fetched"], page_record)
        with db.transaction(self.conn):
            result = write_report(self.conn, prepared, portal=portal, run_id=run_id)
            if reason:
                apply_verdict(self.conn, report_verdict_of(data, page.sha256))
            self._index([record])
        return result

    def record_verdict(
        self,
        run_id: int | None,
        portal: str | None,
        captured: Captured,
        verdict: str,
        reason: str,
        title: str | None = None,
    ) -> int | None:
        """Whether an archived page is a report, and why (``page_verdicts``); a decision the archive
        already holds for these bytes is not written again (None)."""
        if verdict not in ("report", "not_report"):
            raise ValueError(f"a page verdict is report or not_report, not {verdict!r}")
        if not reason:
            raise ValueError("a page verdict needs a reason")
        held = self.conn.execute(
            "SELECT verdict, reason FROM page_verdicts WHERE url = ? AND sha256 = ?", (captured.url, captured.sha256)
        ).fetchone()
        if held is not None and (held[0], held[1]) == (verdict, reason):
            return None
        at = db.timestamp()
        data = {"type": "verdict", "run_id": run_id, "portal": portal, "url": captured.url, "sha256": captured.sha256,
                "verdict": verdict, "reason": reason, "title": title, "at": at}  # fmt: skip
        record = self._annotation(data, at, captured.exchange.record_id)
        with db.transaction(self.conn):
            verdict_id = apply_verdict(self.conn, data)
            self._index([record])
        return verdict_id

    def mark_removed(self, doc_key_or_url: str, when: datetime | str | None = None) -> int:
        """The portal no longer serves this report: set ``removed_at`` on its rows."""
        key = doc_key(doc_key_or_url)
        stamp = db.timestamp(when)
        record = self._annotation({"type": "removed", "doc_key": key, "when": stamp}, stamp)
        with db.transaction(self.conn):
            count = mark_removed(self.conn, key, stamp)
            self._index([record])
        return count

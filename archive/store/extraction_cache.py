"""Cached extractions: :func:`extract.extract_document` results keyed by payload and extractor version.

Extraction is the slow half of ingestion (a PDF takes tens of milliseconds to seconds).  It
can run ahead, in other processes or on other machines (``nianbao rebuild --jobs N``, the
queue's extraction jobs), and leave its results here; ingestion (:mod:`archive.store.ingest`)
and ``rebuild`` look here first and extract only on a miss.

Layout: ``{archive}/cache/extract-{writer}.db``, one SQLite file per writing process (one writer
per SQLite file; readers open every file read-only).  A row is keyed by the payload's SHA-256,
:data:`extract.version.EXTRACTOR_VERSION` and a *context* — a digest of the URL and Content-Type
the bytes were fetched with, because an extraction also depends on them (links are resolved
against the page URL, the carrier is sniffed from the URL's extension and the type).  It holds
the :class:`~extract.model.Report` as JSON (``Report.to_dict``), or the error of a document that
could not be read, exactly as ingestion records it.

Readers are opened for the duration of a session, merge or rebuild with :func:`reading`;
:func:`lookup` consults every reader open in this process.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from extract.model import Report
from extract.version import EXTRACTOR_VERSION

CACHE_SUBDIR = "cache"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS extractions (
    sha256 TEXT NOT NULL,
    version TEXT NOT NULL,
    context TEXT NOT NULL,
    report TEXT,
    error TEXT,
    seconds REAL,
    created TEXT NOT NULL,
    PRIMARY KEY (sha256, version, context)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class Cached:
    """One cached extraction: the report, or the error of an unreadable document."""

    report: Report | None
    error: str | None


def cache_dir(archive_dir: Path | str) -> Path:
    return Path(archive_dir) / CACHE_SUBDIR


def context_of(url: str, content_type: str | None) -> str:
    """The digest of what an extraction depends on besides the bytes."""
    return hashlib.sha256(f"{url}\n{content_type or ''}".encode()).hexdigest()[:32]


# --------------------------------------------------------------------------- reports as JSON


def report_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, sort_keys=True)


def report_from_json(text: str) -> Report:
    """The :class:`Report` of :func:`report_json` (equal to the one serialised)."""
    return Report.from_dict(json.loads(text))


# --------------------------------------------------------------------------- writing


class CacheWriter:
    """The one writer of ``{archive}/cache/extract-{name}.db``."""

    def __init__(self, archive_dir: Path | str, name: str) -> None:
        folder = cache_dir(archive_dir)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"extract-{name}.db"
        self.conn = sqlite3.connect(self.path, timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.executescript(_SCHEMA)

    def put(self, sha256: str, context: str, report: Report | None, error: str | None, seconds: float = 0.0) -> None:
        self.put_json(sha256, context, report_json(report) if report is not None else None, error, seconds)

    def put_json(
        self,
        sha256: str,
        context: str,
        report: str | None,
        error: str | None,
        seconds: float = 0.0,
        version: str = EXTRACTOR_VERSION,
    ) -> None:
        """Keep one extraction (``report`` as :func:`report_json` made it)."""
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO extractions VALUES (?, ?, ?, ?, ?, ?, ?)",
                (sha256, version, context, report, error, round(seconds, 4), created),
            )

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> CacheWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --------------------------------------------------------------------------- reading


class CacheReader:
    """Every cache file of an archive, read-only; files that appear later are picked up."""

    def __init__(self, archive_dir: Path | str) -> None:
        self.folder = cache_dir(archive_dir)
        self._conns: dict[Path, sqlite3.Connection] = {}
        self._listed: float | None = None
        self.hits = 0
        self.misses = 0

    def _refresh(self) -> None:
        try:
            stamp = self.folder.stat().st_mtime
        except FileNotFoundError:
            return
        if stamp == self._listed:
            return
        self._listed = stamp
        for path in sorted(self.folder.glob("extract-*.db")):
            if path not in self._conns:
                try:
                    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
                    conn.execute("SELECT 1 FROM extractions LIMIT 1")
                except sqlite3.Error:
                    continue  # a file still being created: next time
                self._conns[path] = conn

    def _find(self, sha256: str, context: str, version: str) -> tuple | None:
        for conn in self._conns.values():
            try:
                row = conn.execute(
                    "SELECT report, error FROM extractions WHERE sha256 = ? AND version = ? AND context = ?",
                    (sha256, version, context),
                ).fetchone()
            except sqlite3.Error:
                continue
            if row is not None:
                return row
        return None

    def get(self, sha256: str, url: str, content_type: str | None, version: str = EXTRACTOR_VERSION) -> Cached | None:
        context = context_of(url, content_type)
        if self._listed is None:
            self._refresh()
        row = self._find(sha256, context, version)
        if row is None:
            self._refresh()
            row = self._find(sha256, context, version)
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        report, error = row
        return Cached(report_from_json(report) if report is not None else None, error)

    def has(self, sha256: str, url: str, content_type: str | None) -> bool:
        if self._listed is None:
            self._refresh()
        return self._find(sha256, context_of(url, content_type), EXTRACTOR_VERSION) is not None

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()


_READERS: list[CacheReader] = []


@contextmanager
def reading(archive_dir: Path | str) -> Iterator[CacheReader]:
    """Let :func:`lookup` consult the cache of ``archive_dir`` while the block runs."""
    reader = CacheReader(archive_dir)
    _READERS.append(reader)
    try:
        yield reader
    finally:
        _READERS.remove(reader)
        reader.close()


def lookup(sha256: str, url: str, content_type: str | None) -> Cached | None:
    """The cached extraction of these bytes from any cache open in this process (None: extract them)."""
    if not _READERS:
        return None
    for reader in reversed(_READERS):
        found = reader.get(sha256, url, content_type)
        if found is not None:
            return found
    return None

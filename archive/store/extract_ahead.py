"""Extraction ahead of ingestion, in several processes (``nianbao rebuild --jobs N``, extraction jobs).

Ingestion writes one SQLite file from one process; what makes it slow is extraction, and that
needs no database.  So: find every document a ``report`` decision refers to
(:func:`report_inputs`), extract those the cache lacks in N processes (:func:`extract_pending`,
the parent being the one writer of its cache file), then replay as usual — ingestion finds each
extraction in :mod:`archive.store.extraction_cache` and only writes rows.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.store.extraction_cache import CacheReader, CacheWriter, context_of, report_json
from archive.store.ingest import IngestInput, extract_input
from archive.store.rebuild import RebuildStats, rebuild
from archive.store.warc import WarcError, all_warc_files, read_record, relative_name, stream_root


@dataclass(frozen=True)
class Pending:
    """One document to extract: where its payload is (relative to the archive) and how it was fetched."""

    url: str
    content_type: str | None
    sha256: str
    warc_file: str
    offset: int

    def as_list(self) -> list:
        return [self.url, self.content_type, self.sha256, self.warc_file, self.offset]

    @classmethod
    def from_list(cls, item: list) -> Pending:
        url, content_type, sha, warc_file, offset = item
        return cls(url, content_type, sha, warc_file, int(offset))


@dataclass
class AheadStats:
    """What :func:`extract_pending` did."""

    documents: int = 0
    extracted: int = 0
    errors: int = 0
    jobs: int = 1
    seconds: float = 0.0


def _decisions(path: Path) -> Iterator[dict]:
    """The JSON bodies of the ``report`` records of one WARC file (complete records only)."""
    with open(path, "rb") as fh:
        try:
            for record in ArchiveIterator(fh):
                if record.rec_type != "metadata":
                    continue
                try:
                    data = json.loads(record.content_stream().read().decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                    continue
                if isinstance(data, dict) and data.get("type") == "report":
                    yield data
        except Exception:  # a torn tail (a writer still at work, or killed): what was complete counts
            return


def report_inputs(archive_dir: Path | str, files: Iterable[Path] | None = None) -> list[Pending]:
    """Every document a ``report`` decision of ``files`` (default: every file of the archive and its
    merged shards) refers to, once."""
    archive_dir = Path(archive_dir)
    seen: set[tuple[str, str]] = set()
    out: list[Pending] = []
    for path in files if files is not None else all_warc_files(archive_dir):
        root = stream_root(relative_name(path, archive_dir))
        for data in _decisions(path):
            for ref in [data.get("page"), *(data.get("attachments") or [])]:
                snap = (ref or {}).get("snapshot") or {}
                if not snap.get("sha256") or not snap.get("warc_file"):
                    continue
                key = (snap["sha256"], context_of(ref["url"], ref.get("content_type")))
                if key in seen:
                    continue
                seen.add(key)
                name = f"{root}/{snap['warc_file']}" if root else snap["warc_file"]
                out.append(Pending(ref["url"], ref.get("content_type"), snap["sha256"], name, int(snap["warc_offset"])))
    return out


def missing(archive_dir: Path | str, inputs: list[Pending]) -> list[Pending]:
    """The inputs the archive's extraction cache does not hold."""
    reader = CacheReader(archive_dir)
    try:
        return [p for p in inputs if not reader.has(p.sha256, p.url, p.content_type)]
    finally:
        reader.close()


def extract_one(archive_dir: Path | str, item: Pending) -> tuple[str, str, str | None, str | None, float]:
    """``(sha256, context, report JSON, error, seconds)`` of one document, as ingestion would extract it."""
    started = time.monotonic()
    try:
        stored = read_record(Path(archive_dir), item.warc_file, item.offset)
    except (WarcError, OSError) as exc:
        return item.sha256, context_of(item.url, item.content_type), None, f"unreadable: {exc}", 0.0
    report, error = extract_input(IngestInput(url=item.url, data=stored.payload, content_type=item.content_type))
    seconds = time.monotonic() - started
    return item.sha256, context_of(item.url, item.content_type), report_json(report) if report else None, error, seconds


def _extract_in_child(args: tuple[str, list]) -> tuple[str, str, str | None, str | None, float]:
    archive_dir, item = args
    return extract_one(archive_dir, Pending.from_list(item))


def extract_pending(archive_dir: Path | str, inputs: list[Pending], *, jobs: int = 1, writer: str = "") -> AheadStats:
    """Extract ``inputs`` in ``jobs`` processes into this process's cache file of the archive."""
    if jobs < 1:
        raise ValueError("--jobs must be at least 1")
    started = time.monotonic()
    stats = AheadStats(documents=len(inputs), jobs=jobs)
    name = writer or f"{os.uname().nodename}-{os.getpid()}"
    with CacheWriter(archive_dir, name) as cache:

        def keep(result: tuple) -> None:
            sha, context, report, error, seconds = result
            cache.put_json(sha, context, report, error, seconds)
            stats.extracted += 1
            stats.errors += error is not None

        if jobs == 1 or len(inputs) < 2:
            for item in inputs:
                keep(extract_one(archive_dir, item))
        else:
            work = [(str(archive_dir), item.as_list()) for item in inputs]
            with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("fork")) as pool:
                for result in pool.map(_extract_in_child, work, chunksize=1):
                    keep(result)
    stats.seconds = time.monotonic() - started
    return stats


def rebuild_with_jobs(archive_dir: Path, db_path: Path, *, force: bool = False, jobs: int = 1) -> RebuildStats:
    """:func:`archive.store.rebuild.rebuild` with the extraction done first in ``jobs`` processes."""
    archive_dir = Path(archive_dir)
    if not archive_dir.is_dir():
        raise FileNotFoundError(f"archive directory not found: {archive_dir}")
    if Path(db_path).exists() and not force:
        raise FileExistsError(f"{db_path} exists (use --force to replace it)")
    if jobs > 1:
        extract_pending(archive_dir, missing(archive_dir, report_inputs(archive_dir)), jobs=jobs, writer="rebuild")
    return rebuild(archive_dir, db_path, force=force)

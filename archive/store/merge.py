"""Merging queue workers' shards into one archive (``nianbao merge``).

Each shard (:mod:`archive.store.shard`) is a complete archive one worker wrote.  Merging one
shard into the archive:

1. copies the shard's new WARC bytes — the complete records after what earlier merges took —
   into ``{archive}/shards/{id}/warc/`` (same file names; a file still being written, or left
   torn by a killed worker, contributes its complete records only);
2. writes a ``merge`` record to the archive's own WARC files listing those byte ranges;
3. applies it like every record (:func:`archive.store.rebuild.apply_merge`): the ranges are
   replayed as the shard's own stream — in the shard's file order, its decisions reading its own
   files — and the batch is logged in ``merges``.

Before the shards' records, their extraction caches (``{shard}/cache/``, filled by extraction
jobs on any worker) are copied into the archive's, so deferred reports are ingested from them.

So a merge is an archive operation like a crawl's: killed at any point, the next session (or
merge) completes it, and ``nianbao rebuild`` of the merged archive meets the ``merge`` records in
its own files and replays the same ranges at the same place: the same rows.  Shards are never
ordered against each other by file name (a shard merged late with older files is still merged
whole), and merging a shard again takes only what it wrote since.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from archive.store import db, shard
from archive.store.extraction_cache import cache_dir
from archive.store.rebuild import ReplayStats, apply_metadata
from archive.store.session import ArchiveSession
from archive.store.warc import WARC_SUBDIR, relative_name, scan_members, warc_files

SHARDS_SUBDIR = "shards"
_CHECK_BYTES = 4096


class MergeError(ValueError):
    """A shard that cannot be merged (not a shard, the archive itself, changed since merged)."""


@dataclass
class MergeResult:
    """What merging one shard did."""

    shard: str
    source: Path
    files: list[tuple[str, int, int]] = field(default_factory=list)  # ranges merged now
    bytes: int = 0
    records: int = 0
    exchanges: int = 0
    reports: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def merged_ends(conn: sqlite3.Connection, shard_id: str) -> dict[str, int]:
    """How far each file of a shard has been merged (its ``merges`` ranges)."""
    ends: dict[str, int] = {}
    for (files,) in conn.execute("SELECT files FROM merges WHERE shard = ? ORDER BY id", (shard_id,)):
        for name, _start, end in json.loads(files):
            ends[name] = max(ends.get(name, 0), int(end))
    return ends


def _check_shard(archive_dir: Path, shard_dir: Path) -> shard.ShardConfig:
    if not shard_dir.is_dir():
        raise MergeError(f"shard directory not found: {shard_dir}")
    if shard_dir.resolve() == archive_dir.resolve():
        raise MergeError(f"{shard_dir} is the archive itself")
    config = shard.load(shard_dir)
    if config is None:
        raise MergeError(f"{shard_dir} is not a shard (no {shard.SHARD_FILE}; shards are written by `nianbao worker`)")
    if (shard_dir / SHARDS_SUBDIR).exists():
        raise MergeError(f"{shard_dir} is itself a merged archive; merge its shards instead")
    return config


def _same_prefix(src: Path, dest: Path, length: int) -> bool:
    """The last bytes of ``dest`` (of ``length``) are those of ``src`` at the same place."""
    start = max(0, length - _CHECK_BYTES)
    with open(src, "rb") as a, open(dest, "rb") as b:
        a.seek(start)
        b.seek(start)
        return a.read(length - start) == b.read(length - start)


def _copy_range(src: Path, dest: Path, start: int, end: int) -> None:
    with open(src, "rb") as fin, open(dest, "ab") as fout:
        fout.truncate(start)
        fin.seek(start)
        left = end - start
        while left > 0:
            chunk = fin.read(min(left, 1 << 20))
            if not chunk:
                raise MergeError(f"{src} shrank while it was copied")
            fout.write(chunk)
            left -= len(chunk)
        fout.flush()
        os.fsync(fout.fileno())


def _copy_new(archive_dir: Path, shard_dir: Path, config: shard.ShardConfig, done: dict[str, int]) -> list[tuple]:
    """Copy what the shard wrote since its last merge; the byte ranges to replay, in its order."""
    dest_dir = archive_dir / SHARDS_SUBDIR / config.id / WARC_SUBDIR
    dest_dir.mkdir(parents=True, exist_ok=True)
    ranges: list[tuple[str, int, int]] = []
    for src in warc_files(shard_dir):
        dest = dest_dir / src.name
        name = relative_name(dest, archive_dir)
        start = done.get(name, 0)
        if src.stat().st_size < start:
            raise MergeError(f"{src} is shorter than what was merged of it ({start} bytes)")
        _, good = scan_members(src, start)  # complete records only: a torn tail waits
        have = dest.stat().st_size if dest.exists() else 0
        if have < start or (start and not _same_prefix(src, dest, start)):
            raise MergeError(f"{src} changed since it was merged (the merged copy {dest} differs)")
        if good > start:
            _copy_range(src, dest, start, good)
            ranges.append((name, start, good))
    if ranges:
        shutil.copyfile(shard_dir / shard.SHARD_FILE, archive_dir / SHARDS_SUBDIR / config.id / shard.SHARD_FILE)
    return ranges


def copy_caches(archive_dir: Path, shard_dir: Path, config: shard.ShardConfig) -> int:
    """Copy the shard's extraction cache files into the archive's (``extract-{shard}-…``); how many."""
    copied = 0
    for src in sorted(cache_dir(shard_dir).glob("extract-*.db")):
        dest = cache_dir(archive_dir) / f"extract-{config.id}-{src.name[len('extract-') :]}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.tmp")
        source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=30)
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)  # a consistent copy of a file its worker may be writing
        finally:
            target.close()
            source.close()
        os.replace(tmp, dest)
        copied += 1
    return copied


def merge_shard(session: ArchiveSession, shard_dir: Path | str) -> MergeResult:
    """Merge one shard into the archive ``session`` holds (see the module docstring)."""
    started = time.monotonic()
    shard_dir = Path(shard_dir)
    config = _check_shard(session.archive_dir, shard_dir)
    result = MergeResult(config.id, shard_dir)
    ranges = _copy_new(session.archive_dir, shard_dir, config, merged_ends(session.conn, config.id))
    if ranges:
        at = db.timestamp()
        data = {"type": "merge", "shard": config.id, "root": f"{SHARDS_SUBDIR}/{config.id}",
                "source": str(shard_dir.resolve()), "files": [list(r) for r in ranges], "at": at}  # fmt: skip
        record = session.writer.write_metadata(f"urn:nianbao:merge:{config.id}", data, date=at)
        with db.transaction(session.conn):
            stats: ReplayStats = apply_metadata(session.conn, session.archive_dir, data)
            db.index_records(session.conn, session.writer.take_auto_records() + [record])
        result.files = ranges
        result.bytes = sum(end - start for _, start, end in ranges)
        result.records, result.exchanges = stats.records, stats.exchanges
        result.reports, result.errors = dict(stats.reports), list(stats.errors)
    result.seconds = time.monotonic() - started
    return result


def merge_shards(
    archive_dir: Path | str, shard_dirs: list[Path | str], db_path: Path | str | None = None
) -> list[MergeResult]:
    """Merge ``shard_dirs`` into the archive, one after the other (each as its own stream).

    Holds the archive's lock (:class:`archive.store.rebuild.ArchiveBusy` when a crawl runs).
    """
    archive_dir = Path(archive_dir)
    for shard_dir in shard_dirs:  # refuse bad input before touching the archive
        _check_shard(archive_dir, Path(shard_dir))
    with ArchiveSession(archive_dir, db_path) as session:
        for shard_dir in shard_dirs:  # every shard's extractions first: any worker may have made any
            copy_caches(archive_dir, Path(shard_dir), _check_shard(archive_dir, Path(shard_dir)))
        return [merge_shard(session, d) for d in shard_dirs]

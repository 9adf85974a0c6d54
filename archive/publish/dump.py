"""Downloadable dumps of the archive: ``nianbao.db``, ``nianbao-snapshots.wacz``, ``SHA256SUMS``.

* ``nianbao.db``: a vacuumed copy of the archive database with the search index and the views
  (``VACUUM INTO``), journal mode DELETE, private settings (server paths) removed, and the table
  ``nianbao_readme`` saying how to search it with plain ``sqlite3`` (:mod:`archive.publish.readme`).
* ``nianbao-snapshots.wacz``: every WARC file of the archive packaged as WACZ 1.1.1 by py-wacz
  (``archive/*.warc.gz`` stored uncompressed, ``indexes/index.cdx.gz`` + ``index.idx`` CDXJ
  ZipNum index, ``pages/pages.jsonl`` with one page per current report, ``datapackage.json``
  with a SHA-256 digest of every file and ``datapackage-digest.json``).  Valid for
  ``wacz validate``; replayable in pywb and ReplayWeb.page.  The index lists captures only
  (``response``, ``revisit``, ``resource``): the archive's ``metadata`` records stay in the WARC
  files but out of the index, so replay never answers a page's URL with a JSON annotation (in
  archives written before issue 14 they carried the page's URL).
* ``SHA256SUMS``: ``sha256sum``-compatible digests of both files (written last).

Files are written under temporary names and renamed into place, so a failed dump never leaves a
half-written file under a published name.

Where dumps live: ``DB_DIR/dumps/`` by default (the archive's own folder); a dump written
elsewhere is recorded in the archive (``meta.dumps_dir``, a server path kept out of the dumps), so
``nianbao serve`` and the plugin find the latest dump wherever it was written
(:func:`dumps_candidates`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sqlite3
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from archive.publish.prepare import prepare_for_serving
from archive.publish.readme import write_readme
from archive.publish.search import optimize_search_index
from archive.store.paths import DB_NAME
from archive.store.warc import all_warc_files

WACZ_NAME = "nianbao-snapshots.wacz"
SUMS_NAME = "SHA256SUMS"
DUMP_FILES = (DB_NAME, WACZ_NAME)
DUMPS_SUBDIR = "dumps"
DUMPS_META_KEY = "dumps_dir"
PRIVATE_META_KEYS = ("archive_dir", DUMPS_META_KEY)
WACZ_TITLE = "nianbao 政府信息公开工作年度报告存档快照"
WACZ_DESC = "Archived report pages and attachments of the nianbao archive (WARC records as fetched)."


class DumpError(Exception):
    """A dump cannot be written (no archive, no WARC files, WACZ tool failure)."""


@dataclass
class DumpFile:
    name: str
    size: int
    sha256: str


@dataclass
class DumpResult:
    out_dir: Path
    files: list[DumpFile] = field(default_factory=list)
    pages: int = 0
    warc_files: int = 0
    seconds: float = 0.0


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_sums(directory: Path) -> list[DumpFile]:
    """The files listed in ``directory/SHA256SUMS`` that exist (name, size, sha256)."""
    sums = Path(directory) / SUMS_NAME
    if not sums.is_file():
        return []
    out = []
    for line in sums.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split(None, 1)
        if len(parts) != 2:
            continue
        digest, name = parts[0], parts[1].lstrip("*")
        if "/" in name or "\\" in name or name.startswith("."):
            continue
        path = Path(directory) / name
        if path.is_file():
            out.append(DumpFile(name, path.stat().st_size, digest))
    return out


def _meta_value(db_path: Path, key: str) -> str | None:
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return row[0] if row and row[0] else None


def archive_dir_of(db_path: Path) -> Path:
    """The archive directory recorded in the DB (``meta.archive_dir``), else the DB's directory."""
    recorded = _meta_value(db_path, "archive_dir")
    return Path(recorded) if recorded else Path(db_path).resolve().parent


def default_dumps_dir(db_path: Path | str) -> Path:
    """Where ``nianbao dump`` writes when given no directory: ``DB_DIR/dumps``."""
    return Path(db_path).resolve().parent / DUMPS_SUBDIR


def dumps_candidates(db_path: Path | str, recorded: str | None = None) -> list[Path]:
    """Where the dumps of the archive ``db_path`` may be, in order: the directory of its latest
    ``nianbao dump`` (``recorded``, else read from ``meta.dumps_dir``), ``DB_DIR/dumps``, the DB's
    own directory (a dump copy served where it was downloaded)."""
    recorded = recorded if recorded is not None else _meta_value(Path(db_path), DUMPS_META_KEY)
    found = [Path(recorded)] if recorded else []
    return [*found, default_dumps_dir(db_path), Path(db_path).resolve().parent]


def find_dumps(db_path: Path | str) -> Path | None:
    """The first of :func:`dumps_candidates` holding a ``SHA256SUMS`` (None: no dump yet)."""
    return next((d for d in dumps_candidates(db_path) if (d / SUMS_NAME).is_file()), None)


def _record_dumps_dir(db_path: Path, out: Path) -> None:
    conn = sqlite3.connect(db_path, timeout=60)
    try:
        with conn:
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (DUMPS_META_KEY, str(out.resolve())))
    finally:
        conn.close()


# ----------------------------------------------------------------------------- database


def write_db_copy(db_path: Path, dest: Path) -> None:
    """Vacuumed copy of the archive with the search index; private settings removed."""
    if dest.exists():
        dest.unlink()
    src = sqlite3.connect(db_path, timeout=60)
    try:
        optimize_search_index(src)
        src.execute("VACUUM INTO ?", (str(dest),))
    finally:
        src.close()
    copy = sqlite3.connect(dest)
    try:
        copy.execute("PRAGMA journal_mode = DELETE")
        placeholders = ", ".join("?" for _ in PRIVATE_META_KEYS)
        removed = copy.execute(f"DELETE FROM meta WHERE key IN ({placeholders})", PRIVATE_META_KEYS).rowcount
        copy.commit()
        write_readme(copy)
        if removed:
            copy.execute("VACUUM")
        if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise DumpError(f"integrity check of {dest} failed")
    finally:
        copy.close()


# ----------------------------------------------------------------------------- WACZ


def _pages(db_path: Path) -> list[dict]:
    """One page per current report (its page snapshot), by URL; falls back to HTML snapshots."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT s.url, r.title FROM reports r JOIN snapshots s ON s.id = r.snapshot_id "
            "WHERE r.is_current = 1 ORDER BY r.id"
        ).fetchall()
        if not rows:
            rows = conn.execute(
                "SELECT url, url FROM snapshots WHERE content_type LIKE 'text/html%' ORDER BY id"
            ).fetchall()
    finally:
        conn.close()
    pages: dict[str, dict] = {}
    for url, title in rows:
        pages.setdefault(url, {"url": url, "title": title or url})
    return list(pages.values())


_INDEXER_LOCK = threading.Lock()


@contextlib.contextmanager
def _captures_only_index():
    """py-wacz's ``create`` with an indexer that leaves ``metadata`` records out of the index.

    ``wacz.main.create_wacz`` takes its indexer class from its module; it is swapped for the
    duration of one ``create`` (serialised: dumps in threads of one process wait for each other).
    """
    import wacz.main  # here: importing wacz takes ~0.6 s, and only dumps need it
    from wacz.waczindexer import WACZIndexer

    class CaptureIndexer(WACZIndexer):
        def filter_record(self, record) -> bool:
            return record.rec_type != "metadata" and super().filter_record(record)

    with _INDEXER_LOCK:
        saved = wacz.main.WACZIndexer
        wacz.main.WACZIndexer = CaptureIndexer
        try:
            yield wacz.main.main
        finally:
            wacz.main.WACZIndexer = saved


def write_wacz(db_path: Path, archive_dir: Path, dest: Path) -> tuple[int, int]:
    """Package the archive's WARC files as WACZ at ``dest``; returns (pages, WARC files)."""

    warcs = all_warc_files(archive_dir)  # merged shards' files too (their names carry the shard)
    if not warcs:
        raise DumpError(f"no WARC files in {archive_dir}")
    names = [p.name for p in warcs]
    if len(set(names)) != len(names):
        raise DumpError("two WARC files share a name; WACZ keeps one archive/ folder")
    pages = _pages(db_path)
    if dest.exists():
        dest.unlink()
    with tempfile.TemporaryDirectory(prefix="nianbao-wacz-") as tmp:
        pages_file = Path(tmp) / "pages.jsonl"
        with open(pages_file, "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "年度报告 Reports"}) + "\n")
            for page in pages:
                fh.write(json.dumps(page, ensure_ascii=False) + "\n")
        args = [
            "create",
            "-o",
            str(dest),
            "-p",
            str(pages_file),
            "--title",
            WACZ_TITLE,
            "--desc",
            WACZ_DESC,
            "--hash-type",
            "sha256",
            *[str(p) for p in warcs],
        ]
        log = io.StringIO()
        with contextlib.redirect_stdout(log), _captures_only_index() as wacz_main:
            try:
                code = wacz_main(args)
            except Exception as exc:  # py-wacz raises plain exceptions on bad input
                raise DumpError(f"wacz create failed: {exc}\n{log.getvalue()}") from exc
        if code:
            raise DumpError(f"wacz create failed (exit {code}):\n{log.getvalue()}")
    with zipfile.ZipFile(dest) as zf:
        listed = set(zf.namelist())
        if "pages/pages.jsonl" not in listed or "datapackage.json" not in listed:
            raise DumpError(f"wacz create wrote no pages.jsonl or datapackage.json:\n{log.getvalue()}")
        count = sum(1 for line in zf.read("pages/pages.jsonl").decode("utf-8").splitlines()[1:] if line.strip())
    return count, len(warcs)


# ----------------------------------------------------------------------------- dump


def dump(
    db_path: Path | str,
    out_dir: Path | str | None = None,
    archive_dir: Path | str | None = None,
    *,
    record: bool = True,
) -> DumpResult:
    """Write ``nianbao.db``, ``nianbao-snapshots.wacz`` and ``SHA256SUMS`` into ``out_dir``
    (default ``DB_DIR/dumps``) and, with ``record``, note that directory in the archive
    (``meta.dumps_dir``: where ``nianbao serve`` finds the latest dump)."""
    started = time.perf_counter()
    db_path = Path(db_path)
    if not db_path.is_file():
        raise DumpError(f"archive database not found: {db_path}")
    out = Path(out_dir) if out_dir is not None else default_dumps_dir(db_path)
    archive = Path(archive_dir) if archive_dir else archive_dir_of(db_path)
    if not archive.is_dir():
        raise DumpError(f"archive directory not found: {archive}")
    out.mkdir(parents=True, exist_ok=True)
    if out.resolve() == db_path.resolve().parent and db_path.name == DB_NAME:
        raise DumpError(f"refusing to overwrite the archive itself: dump into another directory than {out}")
    prepare_for_serving(db_path)
    result = DumpResult(out)
    tmp_db = out / f".{DB_NAME}.tmp"
    tmp_wacz = out / f".{WACZ_NAME}.tmp"
    try:
        write_db_copy(db_path, tmp_db)
        result.pages, result.warc_files = write_wacz(db_path, archive, tmp_wacz)
        for tmp, name in ((tmp_db, DB_NAME), (tmp_wacz, WACZ_NAME)):
            os.replace(tmp, out / name)
            result.files.append(DumpFile(name, (out / name).stat().st_size, sha256_file(out / name)))
    finally:
        for tmp in (tmp_db, tmp_wacz):
            tmp.unlink(missing_ok=True)
    sums_tmp = out / f".{SUMS_NAME}.tmp"
    sums_tmp.write_text("".join(f"{f.sha256}  {f.name}\n" for f in result.files), encoding="utf-8")
    os.replace(sums_tmp, out / SUMS_NAME)
    if record:
        _record_dumps_dir(db_path, out)
    result.seconds = time.perf_counter() - started
    return result

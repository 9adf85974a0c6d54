"""The archive databases Datasette serves, and where their WARC files and dumps live.

An *archive database* is any attached SQLite file with ``reports`` and ``sections`` tables.
Where its WARC files are: the plugin configuration ``archive_dir`` (a path, or ``{db: path}``),
else ``meta.archive_dir`` in the database, else the database's directory.  The published dumps:
``dumps_dir`` in the plugin configuration, else the directory of the archive's latest ``nianbao
dump`` (``meta.dumps_dir``), else ``dumps/`` next to an archive database, else its directory — the
first folder holding ``SHA256SUMS``.

The plugin configuration is Datasette's own (``plugins: nianbao:`` in the metadata of Datasette
0.65, ``datasette.yaml`` of Datasette 1.0), read with :meth:`datasette.plugin_config`; server paths
can be given as ``{"$env": "VARIABLE"}`` to keep them out of ``/-/metadata.json``
(``nianbao serve`` does so).
"""

from __future__ import annotations

import sqlite3
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from archive.datasette.metadata import build_metadata
from archive.publish.dump import SUMS_NAME, dumps_candidates, read_sums

PLUGIN = "nianbao"
ARCHIVE_DIR_ENV = "NIANBAO_ARCHIVE_DIR"
DUMPS_DIR_ENV = "NIANBAO_DUMPS_DIR"
DUMPS_ROUTE = "/-/nianbao/dumps/"


@dataclass
class ArchiveDb:
    """An attached archive database."""

    name: str
    path: Path
    meta_archive_dir: str | None


@dataclass
class Archives:
    """The archive databases attached to one Datasette instance, and their metadata."""

    key: tuple = ()
    names: list[str] = field(default_factory=list)
    by_name: dict[str, ArchiveDb] = field(default_factory=dict)
    metadata: dict | None = None


_ARCHIVES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _inspect(name: str, path: Path) -> ArchiveDb | None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        if not {"reports", "sections"} <= names:
            return None
        archive_dir = None
        if "meta" in names:
            row = conn.execute("SELECT value FROM meta WHERE key = 'archive_dir'").fetchone()
            archive_dir = row[0] if row and row[0] else None
        return ArchiveDb(name, path, archive_dir)
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def archives(datasette) -> Archives:
    """The archive databases attached to ``datasette`` (re-detected when databases change)."""
    found = _ARCHIVES.get(datasette)
    if found is None:
        found = Archives()
        _ARCHIVES[datasette] = found
    databases = datasette.databases
    if found.key and len(databases) == len(found.key) and all(name in databases for name in found.names):
        return found
    key = tuple(sorted((name, str(db.path) if db.path else "") for name, db in databases.items()))
    if key != found.key:
        by_name = {}
        for name, path in key:
            archive = _inspect(name, Path(path)) if path else None
            if archive:
                by_name[name] = archive
        found.by_name = by_name
        found.metadata = build_metadata(sorted(by_name)) if by_name else None
        found.key = key
        found.names = [name for name, _ in key]
    return found


def plugin_config(datasette) -> dict:
    """The ``nianbao`` plugin configuration (``$env`` / ``$file`` values resolved by Datasette)."""
    config = datasette.plugin_config(PLUGIN)
    return config if isinstance(config, dict) else {}


def archive_dir(datasette, name: str) -> Path:
    """Where the WARC files of archive database ``name`` live."""
    archive = archives(datasette).by_name[name]
    configured = plugin_config(datasette).get("archive_dir")
    if isinstance(configured, dict):
        configured = configured.get(name)
    if configured:
        return Path(configured)
    if archive.meta_archive_dir:
        return Path(archive.meta_archive_dir)
    return archive.path.resolve().parent


def dumps_dir(datasette) -> Path | None:
    """The directory holding the published dumps (with ``SHA256SUMS``), if any."""
    configured = plugin_config(datasette).get("dumps_dir")
    candidates = [Path(configured)] if configured else []
    for archive in archives(datasette).by_name.values():
        candidates += dumps_candidates(archive.path)  # meta.dumps_dir read afresh: a dump may be newer
    for folder in candidates:
        if (folder / SUMS_NAME).is_file():
            return folder
    return None


def dump_files(datasette) -> list[dict]:
    """The published dump files (name, size, SHA-256, download URL), ``SHA256SUMS`` last."""
    folder = dumps_dir(datasette)
    if folder is None:
        return []
    files = [
        {"name": f.name, "size": f.size, "sha256": f.sha256, "url": datasette.urls.path(DUMPS_ROUTE + f.name)}
        for f in read_sums(folder)
    ]
    sums = {
        "name": SUMS_NAME,
        "size": (folder / SUMS_NAME).stat().st_size,
        "sha256": "",
        "url": datasette.urls.path(DUMPS_ROUTE + SUMS_NAME),
    }
    return [*files, sums]

"""Make an archive database ready to be served: search index and journalist views.

:func:`prepare_for_serving` is called by ``nianbao serve``, ``nianbao dump`` and after crawls.
It is incremental and idempotent: a second call on an unchanged archive only checks.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from archive.publish.coverage import build_coverage, store_registry
from archive.publish.offices import match_offices
from archive.publish.search import IndexStats, update_search_index
from archive.publish.summary import build_summary
from archive.publish.views import create_views
from archive.store.divisions import RegionsError
from archive.store.regions import LoadStats, Register, ensure_register
from archive.store.schema import SchemaError, create_schema

REQUIRED_TABLES = ("reports", "sections", "cells", "checks", "snapshots", "portals")


class PublishError(Exception):
    """The database cannot be prepared (missing, not an archive, read-only and stale)."""


@dataclass
class PublishStats:
    """What :func:`prepare_for_serving` did."""

    search: IndexStats
    views: list[str] = field(default_factory=list)
    seconds: float = 0.0
    register: LoadStats | None = None  # when the division register was (re)loaded
    offices_matched: int = 0
    coverage_rows: int | None = None  # None: the coverage tables were current
    register_error: str | None = None  # why coverage against the register was skipped


def _coverage(conn: sqlite3.Connection, stats: PublishStats) -> None:
    """Division register, office matches and coverage tables (skipped, and said, without a register)."""
    try:
        stats.register = ensure_register(conn)
    except RegionsError as exc:
        stats.register_error = str(exc)
        return
    loaded: list[Register] = []

    def register() -> Register:  # read once, and only when matching or coverage has work to do
        if not loaded:
            loaded.append(Register.from_conn(conn))
        return loaded[0]

    stats.offices_matched = match_offices(conn, register)
    stats.coverage_rows = build_coverage(conn, register)


def check_archive(conn: sqlite3.Connection, db_path: Path | str) -> None:
    """Raise :class:`PublishError` unless ``conn`` holds the archive tables."""
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = [t for t in REQUIRED_TABLES if t not in names]
    if missing:
        raise PublishError(f"{db_path} is not a nianbao archive database (missing tables: {', '.join(missing)})")


def prepare_for_serving(
    db_path: Path | str,
    *,
    force_reindex: bool = False,
    registry: Iterable[tuple[str, str | None, str | None]] | None = None,
) -> PublishStats:
    """(Re)build the Chinese search index, the division coverage and the journalist views of the
    archive at ``db_path``.  ``registry``: the crawl registry's portals (id, code, name), kept as
    ``registry_portals`` (the last one given is used when None)."""
    path = Path(db_path)
    if not path.is_file():
        raise PublishError(f"archive database not found: {path}")
    started = time.perf_counter()
    conn = sqlite3.connect(path, timeout=60)
    try:
        conn.execute("PRAGMA busy_timeout = 60000")
        check_archive(conn, path)
        try:
            create_schema(conn)  # an archive of an older version gains the tables the views read
            search = update_search_index(conn, force=force_reindex)
            stats = PublishStats(search=search)
            if registry is not None:
                store_registry(conn, registry)
            _coverage(conn, stats)
            stats.views = create_views(conn)
            build_summary(conn)  # the about page's figures
            # planner statistics for the views' joins (approximate, so it stays fast on big archives)
            conn.execute("PRAGMA analysis_limit = 1000")
            conn.execute("ANALYZE")
        except SchemaError as exc:
            raise PublishError(f"{path}: {exc}") from exc
        except sqlite3.OperationalError as exc:
            if "readonly" in str(exc) or "read-only" in str(exc):
                raise PublishError(f"{path} is read-only and its search index or views need updating: {exc}") from exc
            raise
    finally:
        conn.close()
    stats.seconds = time.perf_counter() - started
    return stats

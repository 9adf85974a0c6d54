"""Make an archive database ready to be served: search index and journalist views.

:func:`prepare_for_serving` is called by ``nianbao serve``, ``nianbao dump`` and after crawls.
It is incremental and idempotent: a second call on an unchanged archive only checks.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from archive.publish.search import IndexStats, update_search_index
from archive.publish.views import create_views
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


def check_archive(conn: sqlite3.Connection, db_path: Path | str) -> None:
    """Raise :class:`PublishError` unless ``conn`` holds the archive tables."""
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = [t for t in REQUIRED_TABLES if t not in names]
    if missing:
        raise PublishError(f"{db_path} is not a nianbao archive database (missing tables: {', '.join(missing)})")


def prepare_for_serving(db_path: Path | str, *, force_reindex: bool = False) -> PublishStats:
    """(Re)build the Chinese search index and the journalist views of the archive at ``db_path``."""
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
            views = create_views(conn)
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
    return PublishStats(search=search, views=views, seconds=time.perf_counter() - started)

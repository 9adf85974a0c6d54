"""Make an archive database ready to be served: search index and journalist views.

:func:`prepare_for_serving` is called by ``nianbao serve``, ``nianbao dump`` and after crawls.
It is incremental and idempotent: a second call on an unchanged archive only checks.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from archive.publish.copies import CopiesStats, update_copies
from archive.publish.coverage import build_coverage, store_registry
from archive.publish.offices import match_offices
from archive.publish.refusals import RefusalStats, update_refusals
from archive.publish.search import IndexStats, update_search_index
from archive.publish.summary import build_summary
from archive.publish.views import create_views
from archive.store.crossyear import update_cross_year
from archive.store.divisions import RegionsError
from archive.store.regions import LoadStats, Register, ensure_register
from archive.store.schema import SchemaError, create_schema
from archive.store.transaction import transaction

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
    cross_year: int = 0  # reports whose R5–R7 checks were redone (their office changed)
    copies: CopiesStats = field(default_factory=CopiesStats)  # sections indexed for copied text
    refusals: RefusalStats = field(default_factory=RefusalStats)  # refusal rates added and groups redone
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step


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


@contextmanager
def _timed(stats: PublishStats, step: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    stats.timings[step] = time.perf_counter() - started


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
            clock = time.perf_counter()
            search = update_search_index(conn, force=force_reindex)
            stats = PublishStats(search=search)
            stats.timings["search"] = time.perf_counter() - clock
            if registry is not None:
                store_registry(conn, registry)
            with _timed(stats, "coverage"):
                _coverage(conn, stats)
            with _timed(stats, "cross_year"), transaction(conn):
                stats.cross_year = update_cross_year(conn)  # offices now matched to the register
            with _timed(stats, "copies"):
                stats.copies = update_copies(conn)
            with _timed(stats, "refusals"):
                stats.refusals = update_refusals(conn)
            with _timed(stats, "views"):
                stats.views = create_views(conn)
            with _timed(stats, "summary"):
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

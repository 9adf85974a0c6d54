"""``nianbao rebuild``: re-extract the whole archive database from the WARC files alone."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.store.extract_ahead import rebuild_with_jobs
from archive.store.paths import db_path as archive_db_path
from archive.store.rebuild import ArchiveBusy


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rebuild",
        help="rebuild the archive database from the WARC files",
        description="Build a fresh archive database from the WARC files alone: snapshots, fetches, "
        "portals and runs from the recorded metadata, reports re-extracted from the archived bytes. "
        "Builds into a temporary file and renames it into place.",
    )
    parser.add_argument(
        "--archive", type=Path, default=Path("data"), help="archive directory holding warc/ (default: data)"
    )
    parser.add_argument("--db", type=Path, default=None, help="database to write (default: ARCHIVE/nianbao.db)")
    parser.add_argument("--force", action="store_true", help="replace an existing database")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="extract the documents in N processes first (into ARCHIVE/cache/), then write the database "
        "from one (default 1)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    db_path = archive_db_path(args.archive, args.db)
    if args.jobs < 1:
        print("nianbao rebuild: --jobs must be at least 1", file=sys.stderr)
        return 2
    try:
        stats = rebuild_with_jobs(args.archive, db_path, force=args.force, jobs=args.jobs)
    except FileExistsError as exc:
        print(f"nianbao rebuild: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ArchiveBusy) as exc:
        print(f"nianbao rebuild: {exc}", file=sys.stderr)
        return 1
    for name in stats.recovered:
        print(f"repaired truncated WARC file {name}")
    for name in stats.stale_removed:
        print(f"removed {name}, left behind by a rebuild that was killed")
    print(
        f"rebuilt {stats.db_path} from {stats.files} WARC files ({stats.records} records) in {stats.seconds:.1f} s: "
        f"{stats.snapshots} snapshots, {stats.fetches} fetches, {stats.reports} report rows, {stats.cells} cells, "
        f"{stats.runs} runs, {stats.portals} portals"
    )
    if stats.damaged:
        print(
            f"nianbao rebuild: {stats.damaged} damaged WARC record(s) skipped, every intact record was read",
            file=sys.stderr,
        )
    for message in stats.errors:
        print(f"error: {message}", file=sys.stderr)
    return 1 if stats.errors else 0

"""``nianbao dump [OUT_DIR]``: nianbao.db, nianbao-snapshots.wacz and SHA256SUMS for download
(default ``DB_DIR/dumps``, where ``nianbao serve`` looks first after the last dump's directory)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.publish.dump import DumpError, dump
from archive.publish.prepare import PublishError
from archive.store.paths import DEFAULT_DB


def _run(args: argparse.Namespace) -> int:
    try:
        result = dump(args.db, args.out_dir, args.archive)
    except (DumpError, PublishError) as exc:
        print(f"nianbao dump: {exc}", file=sys.stderr)
        return 1
    for f in result.files:
        print(f"{f.sha256}  {result.out_dir / f.name}  ({f.size:,} bytes)")
    print(f"nianbao dump: {result.pages} pages, {result.warc_files} WARC files, {result.seconds:.1f} s")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "dump",
        help="write nianbao.db, nianbao-snapshots.wacz and SHA256SUMS into OUT_DIR (default: DB_DIR/dumps)",
        description="Write the downloadable dumps: the vacuumed database with its search index, "
        "every archived snapshot as WACZ (pages.jsonl, CDXJ index, datapackage digests), and SHA256SUMS. "
        "The archive records where its latest dump is, so `nianbao serve` links it.",
    )
    p.add_argument(
        "out_dir", type=Path, metavar="OUT_DIR", nargs="?", default=None, help="where to write (default: DB_DIR/dumps)"
    )
    p.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"archive database (default: {DEFAULT_DB})")
    p.add_argument(
        "--archive",
        type=Path,
        default=None,
        help="archive directory with the WARC files (default: DB meta or the DB's directory)",
    )
    p.set_defaults(func=_run)

"""``nianbao merge --archive DIR [--db PATH] SHARD_DIR …``: bring queue workers' shards into one archive."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.store.merge import MergeError, merge_shards
from archive.store.rebuild import ArchiveBusy
from archive.store.schema import SchemaError
from archive.store.shard import ShardError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "merge",
        help="merge queue workers' shards into the archive",
        description="Copy what each shard (the --archive of a `nianbao worker`) wrote since its last merge "
        "into ARCHIVE/shards/ID/ and apply it as the shard's own stream, logged in the merges table and in "
        "the archive's WARC files (so `nianbao rebuild` gives the same rows).  Run it again at any time: "
        "it takes only what is new.  Extractions the workers made are copied into ARCHIVE/cache/ first.",
    )
    parser.add_argument("shards", nargs="+", type=Path, metavar="SHARD_DIR", help="shard directories")
    parser.add_argument("--archive", type=Path, default=Path("data"), help="the archive to merge into (default: data)")
    parser.add_argument("--db", type=Path, default=None, help="its database (default: ARCHIVE/nianbao.db)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        results = merge_shards(args.archive, args.shards, args.db)
    except (MergeError, ShardError, ArchiveBusy, SchemaError, OSError) as exc:
        print(f"nianbao merge: {exc}", file=sys.stderr)
        return 1
    failed = False
    for r in results:
        if not r.files:
            print(f"shard {r.shard} ({r.source}): nothing new")
            continue
        reports = ", ".join(f"{n} {status}" for status, n in sorted(r.reports.items())) or "no reports"
        print(
            f"shard {r.shard} ({r.source}): {len(r.files)} WARC files, {r.bytes} bytes, {r.records} records, "
            f"{r.exchanges} exchanges, {reports} in {r.seconds:.1f} s"
        )
        for message in r.errors:
            failed = True
            print(f"error: {message}", file=sys.stderr)
    return 1 if failed else 0

"""``nianbao package OUTDIR``: the directory a newsroom deploys (Dockerfile, serve.sh, the database,
the snapshots, the downloads and the nianbao source), see :mod:`archive.publish.package`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.publish.package import DEFAULT_PORT, PackageError, package
from archive.publish.prepare import PublishError
from archive.store.paths import DEFAULT_DB


def _run(args: argparse.Namespace) -> int:
    try:
        result = package(args.db, args.out_dir, args.archive, port=args.port)
    except (PackageError, PublishError) as exc:
        print(f"nianbao package: {exc}", file=sys.stderr)
        return 1
    print(
        f"nianbao package: {result.out_dir}: {result.dump.pages} reports in the WACZ, {result.warc_files} WARC files "
        f"({result.linked} hard-linked), {result.bytes:,} bytes of data, {result.seconds:.1f} s"
    )
    print(f"  run it:    HOST=127.0.0.1 PORT={args.port} sh {result.out_dir / 'serve.sh'}")
    print(
        f"  or deploy: docker build -t nianbao-site {result.out_dir} && docker run -p {args.port}:{args.port} nianbao-site"
    )
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "package",
        help="build the directory a newsroom deploys: Dockerfile, serve.sh, database, snapshots, downloads",
        description="Write a deployable bundle of the archive into OUTDIR: a Dockerfile, serve.sh (the command "
        "that serves the site, with or without Docker), the served database, the WARC files, the downloads "
        "(nianbao.db, nianbao-snapshots.wacz, SHA256SUMS) and the nianbao source with pinned versions.",
    )
    p.add_argument("out_dir", type=Path, metavar="OUTDIR")
    p.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"archive database (default: {DEFAULT_DB})")
    p.add_argument(
        "--archive",
        type=Path,
        default=None,
        help="archive directory with the WARC files (default: DB meta or the DB's directory)",
    )
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"the port the site listens on (default {DEFAULT_PORT})"
    )
    p.set_defaults(func=_run)

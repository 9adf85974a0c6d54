"""``nianbao worker --redis URL --archive DIR [--burst]``: run queued crawl and extraction jobs into a shard."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.store.shard import ShardError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run queued crawl and extraction jobs into this worker's shard",
        description="An RQ worker: runs the jobs `nianbao queue crawl` enqueued, each host group in a process "
        "of its own, into the shard DIR (a complete archive of its own; merge shards with `nianbao merge`).  "
        "One worker per shard; a worker killed mid-job has its job retried by another.",
    )
    parser.add_argument("--redis", required=True, metavar="URL", help="the Redis server (redis://host:6379/0)")
    parser.add_argument("--archive", type=Path, required=True, metavar="DIR", help="this worker's shard directory")
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    parser.add_argument("--name", default=None, help="the shard's id when DIR is new (default: host name + random)")
    parser.add_argument(
        "--queues",
        default="crawl,extract",
        help="which jobs to run: crawl, extract or both (default crawl,extract)",
    )
    parser.add_argument(
        "--defer-extraction",
        action="store_true",
        help="record reports without extracting them; their documents go to the extraction queue and the "
        "merge ingests them",
    )
    parser.add_argument(
        "--heartbeat",
        type=int,
        default=30,
        metavar="SECONDS",
        help="how often a running job shows it is alive; a job silent for twice as long is retried (default 30)",
    )
    parser.add_argument("--quiet", action="store_true", help="log warnings only")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archive.queue.connection import CRAWL_QUEUE, EXTRACT_QUEUE, QueueError
    from archive.queue.worker import run_worker

    names = {"crawl": CRAWL_QUEUE, "extract": EXTRACT_QUEUE}
    wanted = [q.strip() for q in args.queues.split(",") if q.strip()]
    unknown = [q for q in wanted if q not in names]
    if unknown or not wanted:
        print(f"nianbao worker: --queues takes crawl and/or extract, not {args.queues!r}", file=sys.stderr)
        return 2
    try:
        run_worker(
            args.redis,
            args.archive,
            burst=args.burst,
            queues=tuple(names[q] for q in wanted),
            name=args.name,
            defer_extraction=args.defer_extraction,
            heartbeat=args.heartbeat,
            log_level="WARNING" if args.quiet else "INFO",
        )
    except (QueueError, ShardError, OSError) as exc:
        print(f"nianbao worker: {exc}", file=sys.stderr)
        return 1
    return 0

"""``nianbao queue crawl|status``: put crawl jobs on the Redis queue, and see what it holds.

``nianbao queue crawl --redis URL (PORTAL_ID … | --start-url URL …)`` makes one job per host
group (portals sharing a host are crawled one after the other by one job); ``nianbao worker``
runs them.  ``nianbao queue status --redis URL`` lists the jobs per host group.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from archive.cli.commands.crawl import parse_setting


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "queue",
        help="enqueue crawls for workers (Redis + RQ), and show the queue",
        description="Scale-out: enqueue crawl jobs on a Redis server for `nianbao worker`s, one job per host "
        "group, and list the jobs per host group.",
    )
    sub = parser.add_subparsers(dest="queue_command", metavar="{crawl,status}")
    sub.required = True

    crawl = sub.add_parser("crawl", help="enqueue one crawl job per host group", description=__doc__)
    crawl.add_argument("--redis", required=True, metavar="URL", help="the Redis server (redis://host:6379/0)")
    crawl.add_argument("portals", nargs="*", metavar="PORTAL_ID", help="registered portal ids (行政区划代码)")
    crawl.add_argument("--start-url", action="append", default=[], metavar="URL", help="an unregistered portal")
    crawl.add_argument("--name", help="name of an unregistered portal (default: its host)")
    crawl.add_argument("--all", action="store_true", help="every portal of the registry")
    crawl.add_argument("--registry", type=Path, default=None, help="portal registry file (default: the bundled one)")
    crawl.add_argument("--incremental", action="store_true", help="incremental crawls (see `nianbao crawl`)")
    crawl.add_argument("--delay", type=float, default=None, help="seconds between requests to one host (default 1.5)")
    crawl.add_argument("--retries", type=int, default=3, help="runs of a job after its first fails (default 3)")
    crawl.add_argument(
        "--lease",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long a host group stays reserved for a job that stopped renewing it (a dead worker); "
        "at least three crawl delays (default 30)",
    )
    crawl.add_argument(
        "-s", "--set", action="append", default=[], metavar="KEY=VALUE", help="override a Scrapy/nianbao setting"
    )
    crawl.add_argument("--json", action="store_true", help="print what was enqueued as JSON")
    crawl.set_defaults(func=run_crawl)

    status = sub.add_parser("status", help="queued, waiting, running, failed and finished jobs per host group")
    status.add_argument("--redis", required=True, metavar="URL", help="the Redis server")
    status.add_argument("--json", action="store_true", help="print as JSON")
    status.set_defaults(func=run_status)


def run_crawl(args: argparse.Namespace) -> int:
    from archive.queue.connection import QueueError, connect
    from archive.queue.enqueue import enqueue_crawl
    from archive.queue.groups import host_groups, portal_jobs
    from crawler import settings as defaults
    from crawler.registry import RegistryError, load_registry

    try:
        overrides = dict(parse_setting(s) for s in args.set)
    except ValueError as exc:
        print(f"nianbao queue crawl: {exc}", file=sys.stderr)
        return 2
    if args.delay is not None:
        overrides["DOWNLOAD_DELAY"] = args.delay
        overrides["AUTOTHROTTLE_START_DELAY"] = args.delay
    if args.incremental and "NIANBAO_EARLY_STOP" not in overrides:
        overrides["NIANBAO_EARLY_STOP"] = True  # as `nianbao crawl --incremental`
    delay = float(overrides.get("DOWNLOAD_DELAY", defaults.DOWNLOAD_DELAY))  # type: ignore[arg-type]
    try:
        portals = portal_jobs(
            args.portals, args.start_url, registry=args.registry, all_portals=args.all, name=args.name
        )
        groups = host_groups(portals)
        deny = load_registry(args.registry).deny_hosts
        conn = connect(args.redis)
        done = enqueue_crawl(
            conn,
            groups,
            mode="incremental" if args.incremental else "full",
            settings=overrides,
            delay=delay,
            deny_hosts=deny,
            retries=max(0, args.retries),
            lease_ttl=args.lease,
        )
    except (RegistryError, QueueError, OSError) as exc:
        print(f"nianbao queue crawl: {exc}", file=sys.stderr)
        return 2
    if args.json:
        rows = [{"group": e.group.key, "hosts": e.group.hosts, "portals": [p.portal_id for p in e.group.portals],
                 "job": e.job_id, "status": e.status} for e in done]  # fmt: skip
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for e in done:
            names = ", ".join(p.portal_id for p in e.group.portals)
            print(f"{e.status:<16} {e.job_id}  {e.group.label}  ({names})")
    return 0


def run_status(args: argparse.Namespace) -> int:
    from archive.queue.connection import QueueError, connect
    from archive.queue.status import STATES, queue_status

    try:
        status = queue_status(connect(args.redis))
    except QueueError as exc:
        print(f"nianbao queue status: {exc}", file=sys.stderr)
        return 1
    if args.json:
        out = {"workers": status.workers, "extraction": status.extraction,
               "groups": [{"group": g.group, "hosts": g.hosts, "portals": g.portals, **g.counts, "error": g.error}
                          for g in status.groups]}  # fmt: skip
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(f"{status.workers} workers; extraction jobs: " + ", ".join(f"{n} {k}" for k, n in status.extraction.items()))
    print(f"{'host group':<40} " + " ".join(f"{s:>8}" for s in STATES))
    for g in status.groups:
        print(f"{','.join(g.hosts)[:40]:<40} " + " ".join(f"{g.counts[s]:>8}" for s in STATES))
        if g.error:
            print(f"    last failure: {g.error}")
    return 0

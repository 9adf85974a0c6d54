"""``nianbao crawl [PORTAL_ID ...] [--start-url URL] [--db PATH] [--archive DIR]``: crawl portals into the archive."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "crawl",
        help="crawl government portals for annual reports into the archive",
        description="Crawl registered portals (ids from the portal registry, `nianbao portals list`) or, with "
        "--start-url alone, an unregistered portal from its home page.  Every response is archived (WARC + "
        "database); report pages and their attachments are extracted and ingested.  Polite by default: "
        "robots.txt, one request at a time per host with a delay, backoff retries.",
    )
    from crawler.runner import add_arguments

    add_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from crawler.runner import run_from_args

    return run_from_args(args, progress=sys.stderr.isatty() and not args.quiet)

"""``nianbao demo-portal [--port N] [--seed S]``: serve the bundled sample portal on 127.0.0.1.

The demo county (城步苗族自治县) has a TRS WCM portal and a Hanweb JCMS 信息公开 platform, each on
its own port, plus a spam mirror on a third port that must never be crawled.  Runs in the
foreground until interrupted.  Loopback only: any other ``--host`` is refused.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(
    0, str(_Path(__file__).resolve().parents[3] / "tests")
)  # interim: the sample site moves into archive/sample

import argparse
import signal
import sys
import threading
from pathlib import Path

from portalgen.portal import demo_expected_reports, start_demo, start_family
from portalgen.sites import FAMILIES


def _run(args: argparse.Namespace) -> int:
    try:
        if args.family:
            running = start_family(
                args.family, host=args.host, port=args.port, seed=args.seed, verbose=args.verbose, cache_dir=args.cache
            )
            sites = [running]
            reports = running.expected_reports
        else:
            running = start_demo(args.seed, host=args.host, port=args.port, verbose=args.verbose, cache_dir=args.cache)
            sites = [running, *running.extra]
            reports = demo_expected_reports(running)
    except ValueError as exc:
        print(f"nianbao demo-portal: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"nianbao demo-portal: cannot listen on port {args.port}: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        for site in sites:
            print(f"{site.family:<12} {site.site.site_name}  {site.base_url}/")
            for url in site.start_urls:
                print(f"{'':<12}   start: {url}")
        if running.mirror:
            print(f"{'mirror':<12} spam copy (never crawl)  {running.mirror.base_url}/")
        files = sum(1 for r in reports for _ in r.attachments)
        print(
            f"{len(reports)} reports ({files} attachment files), years {min(r.year for r in reports)}–{max(r.year for r in reports)}; "
            f"{sum(len(s.non_reports) for s in sites)} other items. Ctrl-C to stop.",
            flush=True,
        )
        stop.wait()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        running.stop()


def register(subparsers) -> None:
    """Add ``nianbao demo-portal``."""
    p = subparsers.add_parser(
        "demo-portal",
        help="serve the bundled sample portal (two CMS families, 30+ reports) on 127.0.0.1",
        description="Serve a sample county portal imitating real CMS families (TRS WCM and Hanweb JCMS by default) "
        "on the loopback interface, with reports 2013–2025 as HTML, GBK pages, PDF/DOCX attachments and "
        "non-report items, for trying the crawler without touching the internet.",
    )
    p.add_argument(
        "--port", type=int, default=0, help="port of the first site (the others take the next ports); 0 = free ports"
    )
    p.add_argument("--seed", type=int, default=0, help="content seed (the same seed gives the same portal)")
    p.add_argument("--host", default="127.0.0.1", help="loopback address to bind (anything else is refused)")
    p.add_argument(
        "--family",
        choices=FAMILIES,
        default=None,
        help="serve one test site of this CMS family instead of the demo county",
    )
    p.add_argument(
        "--cache", type=Path, default=None, help="directory for rendered PDF/DOCX attachments (default: user cache)"
    )
    p.add_argument("--verbose", action="store_true", help="print an access log line per request")
    p.set_defaults(func=_run)

"""``nianbao demo-portal [--port N]``: serve the bundled sample portal on 127.0.0.1.

The sample county (城步苗族自治县) has a TRS WCM portal and a Hanweb JCMS 信息公开 platform, each on
its own port, plus a spam mirror on a third port that must never be crawled (see
:mod:`archive.sample`).  Runs in the foreground until interrupted.  Loopback only: any other
``--host`` is refused.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from archive.sample.server import RunningSample, start_sample


def describe(running: RunningSample) -> list[str]:
    """The lines that present the running sample: sites, start URLs, mirror, contents."""
    lines = []
    for site in running.sample.sites:
        if site.key == "mirror":
            lines.append(f"{'mirror':<12} spam copy (never crawl)  {running.base_url(site.key)}/")
            continue
        lines.append(f"{site.family:<12} {site.name}  {running.base_url(site.key)}/")
        lines += [f"{'':<12}   start: {url}" for url in running.start_urls(site.key)]
    s = running.sample.summary
    lines.append(
        f"{s['reports']} reports ({s['attachment_files']} attachment files), years {s['first_year']}–{s['last_year']}; "
        f"{s['other_items']} other items."
    )
    return lines


def _run(args: argparse.Namespace) -> int:
    try:
        running = start_sample(host=args.host, port=args.port, verbose=args.verbose)
    except ValueError as exc:
        print(f"nianbao demo-portal: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"nianbao demo-portal: cannot listen on port {args.port}: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        lines = describe(running)
        lines[-1] += " Ctrl-C to stop."
        print("\n".join(lines), flush=True)
        stop.wait()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        running.stop()


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``nianbao demo-portal``."""
    p = subparsers.add_parser(
        "demo-portal",
        help="serve the bundled sample portal (two CMS families, 30+ reports) on 127.0.0.1",
        description="Serve the bundled sample county portal, imitating real CMS families (TRS WCM and Hanweb "
        "JCMS), on the loopback interface: reports 2013–2025 as HTML, GBK pages, PDF/DOCX attachments and "
        "non-report items, for trying the crawler without touching the internet.",
    )
    p.add_argument(
        "--port", type=int, default=0, help="port of the first site (the others take the next ports); 0 = free ports"
    )
    p.add_argument("--host", default="127.0.0.1", help="loopback address to bind (anything else is refused)")
    p.add_argument("--verbose", action="store_true", help="print an access log line per request")
    p.set_defaults(func=_run)

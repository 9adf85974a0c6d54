"""``nianbao crawl [PORTAL_ID ...] [--start-url URL] [--db PATH] [--archive DIR]``: crawl portals into the archive.

The options, the live progress line and the summary are here; the crawl itself is
:func:`crawler.runner.run_crawl`.  Exit codes: 0 ok, 1 failed, 2 bad input (or the archive is
busy), 75 busy with ``--skip-if-busy``, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import socket
import sqlite3
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from rich.console import Console
from rich.live import Live

from archive.cli.errors import CommandError
from archive.store.paths import db_path as db_path_of
from archive.store.rebuild import ArchiveBusy
from crawler.registry import RegistryError, crawl_target, load_registry

if TYPE_CHECKING:
    from crawler.runner import CrawlSummary, Progress

EXIT_USAGE = 2
EXIT_BUSY = 75  # EX_TEMPFAIL: `--skip-if-busy` and another process holds the archive (try again later)

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "crawl",
        help="crawl government portals for annual reports into the archive",
        description="Crawl registered portals (ids from the portal registry, `nianbao portals list`) or, with "
        "--start-url alone, an unregistered portal from its home page.  Every response is archived (WARC + "
        "database); report pages and their attachments are extracted and ingested.  Polite by default: "
        "robots.txt, one request at a time per host with a delay, backoff retries.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("portals", nargs="*", metavar="PORTAL_ID", help="registered portal ids (行政区划代码)")
    parser.add_argument("--start-url", help="crawl from this URL (an unregistered portal when no PORTAL_ID is given)")
    parser.add_argument("--name", help="name of an unregistered portal (default: its host)")
    parser.add_argument(
        "--archive", type=Path, default=None, help="archive directory (default: NIANBAO_ARCHIVE_DIR, data/)"
    )
    parser.add_argument("--db", type=Path, default=None, help="database (default: ARCHIVE/nianbao.db)")
    parser.add_argument(
        "--registry", type=Path, default=None, help="portal registry file (default: crawler/portals.toml)"
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--incremental",
        action="store_true",
        help="conditional requests (ETag/Last-Modified); archived items whose list entry (title, dates) "
        "reads as before are not asked for again",
    )
    group.add_argument("--full", action="store_true", help="walk every list completely (the default)")
    stop = parser.add_mutually_exclusive_group()
    stop.add_argument(
        "--early-stop",
        action="store_true",
        default=None,
        help="incremental (the default there): stop walking a list at a page that shows nothing new "
        "(reports removed further down are found by the next --full run)",
    )
    stop.add_argument(
        "--no-early-stop",
        dest="early_stop",
        action="store_false",
        help="incremental: walk every page of every list (conditionally)",
    )
    parser.add_argument(
        "--full-every",
        type=int,
        default=None,
        metavar="N",
        help="with --incremental: make this a full run when the portals' last N-1 runs were incremental "
        "(scheduled runs: every Nth run walks everything)",
    )
    parser.add_argument("--all", action="store_true", help="crawl every portal of the registry")
    parser.add_argument(
        "--skip-if-busy",
        action="store_true",
        help=f"when another crawl or rebuild holds the archive, say so and exit {EXIT_BUSY} (scheduled runs)",
    )
    parser.add_argument("--delay", type=float, default=None, help="seconds between requests to one host (default 1.5)")
    parser.add_argument("--max-pages", type=int, default=None, help="requests per portal (default 5000)")
    parser.add_argument(
        "--dormant-days",
        type=int,
        default=None,
        metavar="DAYS",
        help="incremental runs skip lists whose newest entry is older than DAYS (a past year's "
        "folder); full runs still walk them (default 0: ask every list)",
    )
    parser.add_argument(
        "-s", "--set", action="append", default=[], metavar="KEY=VALUE", help="override a Scrapy/nianbao setting"
    )
    parser.add_argument("--quiet", action="store_true", help="log warnings only")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also log Scrapy's start-up and shutdown dumps (settings, stats)"
    )
    parser.add_argument(
        "--summary-json", type=Path, default=None, help="also write the run summary (with peak memory) as JSON"
    )


def run(args: argparse.Namespace) -> int:
    # crawler.runner brings Scrapy, Twisted and the extractors (measured: +0.9–1.4 s on top of the
    # 0.7 s of building the parser): imported when a crawl runs, not for every `nianbao` command
    from crawler.runner import run_crawl, scheduled_mode

    try:
        overrides = dict(parse_setting(s) for s in args.set)
    except ValueError as exc:
        print(f"nianbao crawl: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.delay is not None:
        overrides["DOWNLOAD_DELAY"] = args.delay
        overrides["AUTOTHROTTLE_START_DELAY"] = args.delay
    if args.max_pages is not None:
        overrides["NIANBAO_MAX_PAGES"] = args.max_pages
    if args.quiet:
        overrides.setdefault("LOG_LEVEL", "WARNING")
    if args.early_stop is not None:
        overrides["NIANBAO_EARLY_STOP"] = args.early_stop
    elif args.incremental and "NIANBAO_EARLY_STOP" not in overrides:
        overrides["NIANBAO_EARLY_STOP"] = True  # incremental runs stop early unless told otherwise
    if args.dormant_days is not None:
        overrides["NIANBAO_DORMANT_DAYS"] = args.dormant_days
    archive = args.archive
    if archive is None and args.db is not None:
        archive = args.db.parent
    archive_dir = Path(archive if archive is not None else "data")
    check_paths(archive_dir, args.db)
    mode = "incremental" if args.incremental else "full"
    portals = list(args.portals)
    live = LiveLine() if sys.stderr.isatty() and not args.quiet else None
    try:
        if args.all:
            if portals or args.start_url:
                raise RegistryError("--all crawls every registered portal: name no portal and no --start-url")
            portals = sorted(load_registry(args.registry).portals)
            if not portals:
                raise RegistryError("the registry lists no portal")
        unreachable = unreachable_portals(portals, args.start_url, args.registry, args.name)
        if unreachable and not any(k.startswith("RETRY_") for k in overrides):
            # every portal refuses connections or has no address: a failed run is recorded in
            # seconds instead of after a minute of retries
            overrides["RETRY_ENABLED"] = False
        if args.full_every is not None:
            if not args.incremental:
                raise ValueError("--full-every goes with --incremental")
            mode = scheduled_mode(db_path_of(archive_dir, args.db), portals, args.full_every)
            logger.info("scheduled run: %s (--full-every %d)", mode, args.full_every)
        summary = run_crawl(
            portals,
            args.start_url,
            archive_dir=archive_dir,
            db_path=args.db,
            registry=args.registry,
            mode=mode,
            overrides=overrides,
            portal_name=args.name,
            on_progress=live,
        )
    except ArchiveBusy as exc:
        if args.skip_if_busy:
            print(
                f"nianbao crawl: {exc}; this run is skipped (exit {EXIT_BUSY}), the next scheduled run will crawl",
                file=sys.stderr,
            )
            return EXIT_BUSY
        print(f"nianbao crawl: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (RegistryError, ValueError) as exc:
        print(f"nianbao crawl: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if live is not None:
            live.close()
    print(format_summary(summary))
    for line in failure_lines(summary, db_path_of(archive_dir, args.db)):
        print(f"nianbao crawl: {line}", file=sys.stderr)
    if args.summary_json is not None:
        args.summary_json.write_text(json.dumps(summary_dict(summary), ensure_ascii=False, indent=2), encoding="utf-8")
    return summary.exit_code


def check_paths(archive_dir: Path, db: Path | None) -> None:
    """One-line refusals of an archive path that cannot be one (before Scrapy starts)."""
    if archive_dir.exists() and not archive_dir.is_dir():
        raise CommandError(f"archive directory {archive_dir} is not a directory", EXIT_USAGE)
    for parent in archive_dir.parents:
        if parent.exists() and not parent.is_dir():
            raise CommandError(f"archive directory {archive_dir}: {parent} is not a directory", EXIT_USAGE)
    path = db_path_of(archive_dir, db)
    if path.exists() and not path.is_file():
        raise CommandError(f"archive database {path} is not a file", EXIT_USAGE)


def _start_urls(portals: list[str], start_url: str | None, registry: Path | None, name: str | None) -> list[str]:
    if not portals:
        return [start_url] if start_url else []
    reg = load_registry(registry)
    urls: list[str] = []
    for pid in portals:
        urls += crawl_target(reg, pid, start_url, name=name).start_urls
    return urls


def _probe(url: str, timeout: float) -> str | None:
    """Why ``url``'s host cannot be reached (no address, connection refused), or None."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None  # a bad port is the crawler's to report
    if not parts.hostname:
        return None
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return None
    except socket.gaierror as exc:
        return f"{parts.hostname} has no address ({exc.strerror})"
    except ConnectionRefusedError:
        return f"{parts.netloc} refuses connections"
    except OSError:
        return None  # a timeout or a routing problem may pass: the crawl retries those


PROBED_URLS = 8  # a crawl of more start URLs (--all, scheduled runs) is not probed


def unreachable_portals(
    portals: list[str], start_url: str | None, registry: Path | None, name: str | None, timeout: float = 5.0
) -> list[str]:
    """Reasons, when *every* start URL's host refuses connections or has no address; else [].

    Only for a crawl of a few start URLs: one TCP connection each (no request), in parallel."""
    urls = _start_urls(portals, start_url, registry, name) if len(portals) <= PROBED_URLS else []
    if not urls or len(urls) > PROBED_URLS:
        return []
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        reasons = list(pool.map(lambda u: _probe(u, timeout), urls))
    return [r for r in reasons if r] if all(reasons) else []


def failure_lines(summary: CrawlSummary, db: Path) -> list[str]:
    """One line per portal whose crawl failed: the first error of its run (what is wrong)."""
    failed = [pid for pid, s in summary.portals.items() if s.get("outcome") == "failed"]
    if not failed or summary.run_id is None or not db.is_file():
        return []
    lines: list[str] = []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        for pid in failed:
            row = conn.execute(
                "SELECT url, reason FROM fetch_errors WHERE run_id = ? AND portal = ? ORDER BY id LIMIT 1",
                (summary.run_id, pid),
            ).fetchone()
            reason = f"{row[0]}: {row[1]}" if row else "no usable page"
            lines.append(f"portal {pid} failed: {reason}")
    except sqlite3.Error:
        return []
    finally:
        conn.close()
    return lines


def parse_setting(text: str) -> tuple[str, object]:
    """``KEY=VALUE`` of ``-s``; numbers and true/false become numbers and booleans."""
    if "=" not in text:
        raise ValueError(f"a setting is KEY=VALUE, not {text!r}")
    key, value = text.split("=", 1)
    low = value.strip().lower()
    if low in ("true", "false"):
        return key.strip(), low == "true"
    for cast in (int, float):
        try:
            return key.strip(), cast(value)
        except ValueError:
            pass
    return key.strip(), value


class LiveLine:
    """A live line on a terminal: pages, reports found, new reports, errors, blocks."""

    def __init__(self) -> None:
        self.live: Live | None = None

    def __call__(self, progress: Progress) -> None:
        line = progress_line(progress)
        if self.live is None:
            self.live = Live(line, console=Console(stderr=True), refresh_per_second=4, transient=False)
            self.live.start()
        else:
            self.live.update(line)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()


def progress_line(p: Progress) -> str:
    return f"pages {p.pages}  reports found {p.reports} (new {p.new})  errors {p.errors}  blocks {p.blocks}"


def format_summary(summary: CrawlSummary) -> str:
    lines = [f"crawl run {summary.run_id}: {summary.outcome} in {summary.seconds:.1f} s"]
    for pid, s in summary.portals.items():
        expected = s.get("list_pages_expected")
        lines.append(
            f"  {pid}: {s.get('outcome')} — {s.get('responses', 0)} responses, {s.get('list_pages', 0)} list pages"
            f"{f' of {expected}' if expected else ''}, {s.get('reports_found', 0)} reports found "
            f"({s.get('new_reports', 0)} new, {s.get('changed_reports', 0)} changed), {s.get('attachments', 0)} attachments, "
            f"{s.get('errors', 0)} errors, {s.get('blocks', 0)} blocks"
            + (f", {s['early_stops']} lists stopped early" if s.get("early_stops") else "")
        )
        lines.append("    " + waste_line(s))
        if s.get("hosts_found"):
            lines.append(f"    platform hosts found: {', '.join(s['hosts_found'])}")
        if s.get("unreadable_pages"):
            lines.append(
                f"    {s['unreadable_pages']} pages of a recognised platform could not be read (see fetch_errors)"
            )
        if s.get("empty_reason"):
            lines.append(f"    no report: {s['empty_reason']}")
    return "\n".join(lines)


def waste_line(s: dict) -> str:
    """Requests that led to no list, report or attachment (the rest were lists, reports, attachments,
    or pages judged not to be reports), and the traps not entered."""
    requests, wasted = int(s.get("requests") or 0), int(s.get("wasted_requests") or 0)
    share = f"{wasted / requests:.1%}" if requests else "0.0%"
    line = f"wasted {wasted} of {requests} requests ({share}); {s.get('checked_pages', 0)} pages judged not reports"
    if s.get("traps_avoided"):
        line += f"; {s['traps_avoided']} trap links not followed"
    return line


def peak_rss_mb() -> float:
    """Peak resident memory of this process (MB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def summary_dict(summary: CrawlSummary) -> dict:
    return {
        "run_id": summary.run_id,
        "outcome": summary.outcome,
        "seconds": round(summary.seconds, 3),
        "peak_rss_mb": peak_rss_mb(),
        "portals": summary.portals,
    }

"""Run a crawl in this process: ``nianbao crawl`` and ``python -m crawler.runner`` call :func:`run_crawl`.

One :class:`~scrapy.crawler.CrawlerProcess` runs one ``portal`` spider per portal (portals
crawl in parallel, each host one request at a time); they share one archive session and one
crawl run.  The Twisted reactor runs once per process, so callers that need several crawls
(tests) start one process per crawl.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archive.store.paths import db_path as db_path_of
from archive.store.rebuild import ArchiveBusy
from crawler.extension import CrawlRun
from crawler.registry import RegistryError, adhoc_portal, is_denied, load_registry, url_host

MODES = ("full", "incremental")
EXIT_BUSY = 75  # EX_TEMPFAIL: `--skip-if-busy` and another process holds the archive (try again later)


@dataclass
class CrawlSummary:
    """What a crawl did, per portal and in total."""

    run_id: int | None
    outcome: str
    portals: dict[str, dict] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return {"ok": 0, "interrupted": 130}.get(self.outcome, 1)


def crawl_settings(
    archive_dir: Path | str | None = None,
    db_path: Path | str | None = None,
    registry: Path | str | None = None,
    mode: str = "full",
    overrides: dict | None = None,
) -> Settings:
    """The project settings with the archive location, mode and ``overrides`` applied."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    if archive_dir is not None:
        settings.set("NIANBAO_ARCHIVE_DIR", str(archive_dir), priority="cmdline")
        if db_path is None:
            settings.set("NIANBAO_DB", str(db_path_of(archive_dir)), priority="cmdline")
    if db_path is not None:
        settings.set("NIANBAO_DB", str(db_path), priority="cmdline")
    if registry is not None:
        settings.set("NIANBAO_REGISTRY", str(registry), priority="cmdline")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}: {mode!r}")
    settings.set("NIANBAO_MODE", mode, priority="cmdline")
    if mode == "incremental":
        settings.set("HTTPCACHE_ENABLED", False, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


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


class Progress:
    """A live line on a terminal: pages, reports found, new reports, errors."""

    def __init__(self, crawlers: list, enabled: bool) -> None:
        self.crawlers = crawlers
        self.enabled = enabled
        self.live = None
        self.loop = None

    def totals(self) -> dict[str, int]:
        out = {"pages": 0, "reports": 0, "new": 0, "errors": 0, "blocks": 0}
        for crawler in self.crawlers:
            spider = getattr(crawler, "spider", None)
            stats = getattr(spider, "stats", None)
            if not stats:
                continue
            out["pages"] += stats.get("responses", 0)
            out["reports"] += stats.get("reports_seen", 0)
            out["new"] += stats.get("new_reports", 0)
            out["errors"] += stats.get("errors", 0)
            out["blocks"] += stats.get("blocks", 0)
        return out

    def line(self) -> str:
        t = self.totals()
        return f"pages {t['pages']}  reports found {t['reports']} (new {t['new']})  errors {t['errors']}  blocks {t['blocks']}"

    def start(self) -> None:
        if not self.enabled:
            return
        from rich.console import Console
        from rich.live import Live
        from twisted.internet import task

        self.live = Live(self.line(), console=Console(stderr=True), refresh_per_second=4, transient=False)
        self.live.start()
        self.loop = task.LoopingCall(lambda: self.live.update(self.line()))
        self.loop.start(0.5, now=False)

    def stop(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.live is not None:
            self.live.update(self.line())
            self.live.stop()


def run_crawl(
    portals: list[str],
    start_url: str | None = None,
    *,
    archive_dir: Path | str = "data",
    db_path: Path | str | None = None,
    registry: Path | str | None = None,
    mode: str = "full",
    overrides: dict | None = None,
    progress: bool = False,
    spider: str = "portal",
    portal_name: str | None = None,
) -> CrawlSummary:
    """Crawl registered ``portals`` (or one unregistered portal from ``start_url``) into the archive.

    With ``start_url`` and one portal id, that registered portal is crawled from ``start_url``;
    with ``start_url`` alone, an unregistered portal named after its host.
    Raises :class:`RegistryError` for unknown portals and :class:`ArchiveBusy` when another
    process holds the archive.
    """
    started = time.monotonic()
    settings = crawl_settings(archive_dir, db_path, registry, mode, overrides)
    reg = load_registry(settings.get("NIANBAO_REGISTRY"))
    if start_url and len(portals) > 1:
        raise RegistryError("--start-url crawls one portal")
    jobs: list[dict] = []
    if portals:
        for pid in portals:
            portal = reg.get(pid)
            if start_url and url_host(start_url) not in portal.hosts:
                raise RegistryError(f"start URL {start_url} is not on portal {pid}'s hosts {portal.hosts}")
            jobs.append({"portal": pid, "start_url": start_url} if start_url else {"portal": pid})
    elif start_url:
        adhoc = adhoc_portal(start_url, name=portal_name)
        if is_denied(adhoc.hosts[0], reg.deny_hosts):
            raise RegistryError(f"{adhoc.hosts[0]} is a known spam mirror; refusing to crawl it")
        jobs.append({"start_url": start_url, "portal_id": adhoc.id, "portal_name": portal_name})
    else:
        raise RegistryError("name at least one portal, or give --start-url")
    ids = [j.get("portal") or j.get("portal_id") for j in jobs]
    archive_path = Path(settings.get("NIANBAO_ARCHIVE_DIR"))
    db_value = settings.get("NIANBAO_DB")
    run = CrawlRun.open(archive_path, Path(db_value) if db_value else None, ids, mode)
    process = CrawlerProcess(settings)
    crawlers = []
    for job in jobs:
        crawler = process.create_crawler(spider)
        crawlers.append(crawler)
        process.crawl(
            crawler, registry=settings.get("NIANBAO_REGISTRY"), **{k: v for k, v in job.items() if v is not None}
        )
    show = Progress(crawlers, progress)
    show.start()
    try:
        process.start()
    finally:
        show.stop()
        if not run.closed:
            run.close()
    summary = CrawlSummary(run.run_id, _run_outcome(run), seconds=time.monotonic() - started)
    for crawler in crawlers:
        sp = getattr(crawler, "spider", None)
        if sp is not None and sp.portal is not None:
            stats, outcome = sp.final_stats(
                "finished" if run.outcomes.get(sp.portal.id) != "interrupted" else "shutdown"
            )
            stats["outcome"] = run.outcomes.get(sp.portal.id, outcome)
            stats["reports_found"] = int(sp.stats.get("reports_seen", 0))
            stats["non_reports"] = int(sp.stats.get("non_reports", 0))
            summary.portals[sp.portal.id] = stats
    return summary


def _run_outcome(run: CrawlRun) -> str:
    outcomes = set(run.outcomes.values()) or {"failed"}
    if "interrupted" in outcomes:
        return "interrupted"
    if outcomes <= {"failed"}:
        return "failed"
    return "ok"


def scheduled_mode(db_path: Path, portals: list[str], full_every: int) -> str:
    """``full`` when any of ``portals`` has had no successful full run among its last ``full_every``
    runs (or never had one), else ``incremental``: every Nth scheduled run walks everything."""
    if full_every < 1:
        raise ValueError("--full-every must be at least 1")
    if full_every == 1 or not Path(db_path).is_file():
        return "full"
    import sqlite3

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        runs = [
            (json.loads(p or "[]"), mode)
            for p, mode in conn.execute("SELECT portals, mode FROM crawl_runs WHERE outcome = 'ok' ORDER BY id DESC")
        ]
    except sqlite3.Error:
        return "full"
    finally:
        conn.close()
    for pid in portals or [None]:
        since = 0
        for covered, mode in runs:
            if pid is not None and pid not in covered:
                continue
            if mode == "full":
                break
            since += 1
        else:
            return "full"  # never walked in full
        if since >= full_every - 1:
            return "full"
    return "incremental"


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
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m crawler.runner [PORTAL_ID ...] [--start-url URL] [--archive DIR] [--db PATH] [-s KEY=VALUE]``."""
    parser = argparse.ArgumentParser(
        prog="python -m crawler.runner", description="Crawl portals into the nianbao archive."
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run_from_args(args, progress=False)


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
    parser.add_argument(
        "--spider", default="portal", help="spider to use (portal, trs, trs_dynamic, hanweb, gkmlpt, generic)"
    )
    parser.add_argument("--quiet", action="store_true", help="log warnings only")
    parser.add_argument(
        "--summary-json", type=Path, default=None, help="also write the run summary (with peak memory) as JSON"
    )


def run_from_args(args: argparse.Namespace, progress: bool) -> int:
    try:
        overrides = dict(parse_setting(s) for s in args.set)
    except ValueError as exc:
        print(f"nianbao crawl: {exc}", file=sys.stderr)
        return 2
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
    mode = "incremental" if args.incremental else "full"
    portals = list(args.portals)
    try:
        if args.all:
            if portals or args.start_url:
                raise RegistryError("--all crawls every registered portal: name no portal and no --start-url")
            portals = sorted(load_registry(args.registry).portals)
            if not portals:
                raise RegistryError("the registry lists no portal")
        if args.full_every is not None:
            if not args.incremental:
                raise ValueError("--full-every goes with --incremental")
            mode = scheduled_mode(db_path_of(archive_dir, args.db), portals, args.full_every)
            logging.getLogger(__name__).info("scheduled run: %s (--full-every %d)", mode, args.full_every)
        summary = run_crawl(
            portals,
            args.start_url,
            archive_dir=archive_dir,
            db_path=args.db,
            registry=args.registry,
            mode=mode,
            overrides=overrides,
            progress=progress,
            spider=args.spider,
            portal_name=args.name,
        )
    except ArchiveBusy as exc:
        if args.skip_if_busy:
            print(
                f"nianbao crawl: {exc}; this run is skipped (exit {EXIT_BUSY}), the next scheduled run will crawl",
                file=sys.stderr,
            )
            return EXIT_BUSY
        print(f"nianbao crawl: {exc}", file=sys.stderr)
        return 2
    except (RegistryError, ValueError) as exc:
        print(f"nianbao crawl: {exc}", file=sys.stderr)
        return 2
    print(format_summary(summary))
    if args.summary_json is not None:
        args.summary_json.write_text(json.dumps(summary_dict(summary), ensure_ascii=False, indent=2), encoding="utf-8")
    return summary.exit_code


def peak_rss_mb() -> float:
    """Peak resident memory of this process (MB)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def summary_dict(summary: CrawlSummary) -> dict:
    return {
        "run_id": summary.run_id,
        "outcome": summary.outcome,
        "seconds": round(summary.seconds, 3),
        "peak_rss_mb": peak_rss_mb(),
        "portals": summary.portals,
    }


if __name__ == "__main__":  # pragma: no cover
    logging.captureWarnings(True)
    sys.exit(main())

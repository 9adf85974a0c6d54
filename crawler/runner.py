"""Run a crawl in this process: :func:`run_crawl` (``nianbao crawl`` calls it, :mod:`archive.cli.commands.crawl`).

One :class:`~scrapy.crawler.CrawlerProcess` runs one ``portal`` spider per portal (portals
crawl in parallel, each host one request at a time); they share one archive session and one
crawl run.  The Twisted reactor runs once per process, so callers that need several crawls
(tests) start one process per crawl.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from twisted.internet import task

from archive.store.paths import db_path as db_path_of
from crawler.registry import Portal, RegistryError, crawl_target, load_registry
from crawler.run import CrawlRun
from crawler.spiders.portal import PortalSpider
from crawler.stats import CrawlStats

MODES = ("full", "incremental")
PROGRESS_SECONDS = 0.5  # how often a progress callback hears the totals


@dataclass
class CrawlSummary:
    """What a crawl did, per portal (its ``crawl_portal_stats`` row, ``reports_found``,
    ``non_reports``, ``traps_avoided`` and ``hosts_found`` — platform hosts that proved to be the
    portal's) and in total."""

    run_id: int | None
    outcome: str
    portals: dict[str, dict] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """The exit code of a process that ran this crawl: 0 ok, 130 interrupted, 1 failed."""
        return {"ok": 0, "interrupted": 130}.get(self.outcome, 1)


@dataclass
class Progress:
    """Totals over the portals of a running crawl."""

    pages: int = 0
    reports: int = 0
    new: int = 0
    errors: int = 0
    blocks: int = 0


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


def run_crawl(
    portals: list[str],
    start_url: str | None = None,
    *,
    archive_dir: Path | str = "data",
    db_path: Path | str | None = None,
    registry: Path | str | None = None,
    mode: str = "full",
    overrides: dict | None = None,
    portal_name: str | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> CrawlSummary:
    """Crawl registered ``portals`` (or one unregistered portal from ``start_url``) into the archive.

    With ``start_url`` and one portal id, that registered portal is crawled from ``start_url``;
    with ``start_url`` alone, an unregistered portal named after its host (or ``portal_name``).
    ``on_progress`` hears the running totals every half second, and once at the end.
    Raises :class:`RegistryError` for unknown portals and :class:`ArchiveBusy` when another
    process holds the archive.
    """
    started = time.monotonic()
    settings = crawl_settings(archive_dir, db_path, registry, mode, overrides)
    reg = load_registry(settings.get("NIANBAO_REGISTRY"))
    if start_url and len(portals) > 1:
        raise RegistryError("--start-url crawls one portal")
    if not portals and not start_url:
        raise RegistryError("name at least one portal, or give --start-url")
    jobs: list[tuple[Portal, dict]] = []
    targets: list[str | None] = list(portals) or [None]
    for pid in targets:
        portal = crawl_target(reg, pid, start_url, name=portal_name)
        args = {"portal": pid, "start_url": start_url} if pid else {"start_url": start_url, "portal_id": portal.id}
        if not pid and portal_name is not None:
            args["portal_name"] = portal_name
        jobs.append((portal, {k: v for k, v in args.items() if v is not None}))
    archive_path = Path(settings.get("NIANBAO_ARCHIVE_DIR"))
    db_value = settings.get("NIANBAO_DB")
    run = CrawlRun.open(archive_path, Path(db_value) if db_value else None, [p.id for p, _ in jobs], mode)
    process = CrawlerProcess(settings)
    crawlers: list[tuple[str, Crawler]] = []
    for portal, args in jobs:
        crawler = process.create_crawler(PortalSpider)
        crawlers.append((portal.id, crawler))
        process.crawl(crawler, registry=settings.get("NIANBAO_REGISTRY"), **args)
    ticker = None
    if on_progress is not None:
        report = on_progress
        ticker = task.LoopingCall(lambda: report(_progress(crawlers)))
        report(_progress(crawlers))
        ticker.start(PROGRESS_SECONDS, now=False)
    try:
        process.start()
    finally:
        if ticker is not None and ticker.running:
            ticker.stop()
        if on_progress is not None:
            on_progress(_progress(crawlers))
        if not run.closed:
            run.close()
    summary = CrawlSummary(run.run_id, run.outcome, seconds=time.monotonic() - started)
    for pid, crawler in crawlers:
        stats = _stats_of(crawler)
        if stats is None:
            continue
        row = dict(run.portal_rows.get(pid) or stats.portal_row("finished", time.monotonic() - started))
        row["reports_found"] = int(stats.get("reports_seen"))
        row["non_reports"] = int(stats.get("non_reports"))
        row["traps_avoided"] = int(stats.get("traps_avoided"))
        row["hosts_found"] = list(stats.get("hosts_found", []))
        summary.portals[pid] = row
    return summary


def _stats_of(crawler: Crawler) -> CrawlStats | None:
    """The crawler's figures (None before its spider started)."""
    try:
        return CrawlStats(crawler.stats)
    except RuntimeError:  # Crawler.stats is set when the crawl starts
        return None


def _progress(crawlers: list[tuple[str, Crawler]]) -> Progress:
    out = Progress()
    for _, crawler in crawlers:
        stats = _stats_of(crawler)
        if stats is None:
            continue
        out.pages += stats.get("responses")
        out.reports += stats.get("reports_seen")
        out.new += stats.get("new_reports")
        out.errors += stats.get("errors")
        out.blocks += stats.get("blocks")
    return out


def scheduled_mode(db_path: Path, portals: list[str], full_every: int) -> str:
    """``full`` when any of ``portals`` has had no successful full run among its last ``full_every``
    runs (or never had one), else ``incremental``: every Nth scheduled run walks everything."""
    if full_every < 1:
        raise ValueError("--full-every must be at least 1")
    if full_every == 1 or not Path(db_path).is_file():
        return "full"
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
    checked: list[str | None] = list(portals) if portals else [None]
    for pid in checked:
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

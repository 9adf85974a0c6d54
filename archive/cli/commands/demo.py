"""`nianbao demo`: the whole pipeline on the bundled sample portal, then Datasette.

1. start the bundled sample county portal (:mod:`archive.sample`: TRS WCM site + Hanweb platform + a
   spam mirror, loopback only);
2. crawl it with the real crawler (a subprocess: Scrapy's reactor runs once per process), with a
   progress display;
3. build the archive (``data/nianbao.db`` + WARC files), its search index and views;
4. write the downloads (``data/dumps/``: the database, the WACZ of every snapshot, SHA256SUMS);
5. serve it with Datasette on http://127.0.0.1:8001 (unless ``--no-serve``).
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from archive.cli.commands.serve import run_server
from archive.publish.dump import DumpError, dump
from archive.publish.prepare import PublishError, prepare_for_serving
from archive.sample.server import start_sample
from archive.store.paths import db_path
from crawler.registry import Registry, portal_from_dict

DEFAULT_PORTAL_PORT = 8701  # the TRS site; +1 the Hanweb platform, +2 the spam mirror


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="crawl the bundled sample portal into an archive and serve it (the whole pipeline)",
        description="Start the bundled sample portal on loopback, crawl it with the real crawler, build the "
        "archive database, search index and views, and serve it with Datasette.",
    )
    p.add_argument("--archive", type=Path, default=Path("data"), help="archive directory (default: data/)")
    p.add_argument("--port", type=int, default=8001, help="Datasette port (default 8001)")
    p.add_argument(
        "--portal-port",
        type=int,
        default=DEFAULT_PORTAL_PORT,
        help=f"first port of the sample portal (default {DEFAULT_PORTAL_PORT}; 0 = any free ports)",
    )
    p.add_argument("--no-serve", action="store_true", help="do everything but serving")
    p.set_defaults(func=run)


def _ports_free(first: int, n: int = 3) -> bool:
    for port in range(first, first + n):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def _summary(db: Path) -> dict:
    conn = sqlite3.connect(db)
    try:
        one = lambda sql: conn.execute(sql).fetchone()[0]
        return {
            "reports": one("SELECT count(*) FROM reports WHERE is_current = 1"),
            "with_cells": one("SELECT count(DISTINCT report_id) FROM cells"),
            "cells": one("SELECT count(*) FROM cells"),
            "failed_checks": one("SELECT count(*) FROM checks WHERE ok = 0"),
            "attachments": one("SELECT count(*) FROM attachments"),
            "snapshots": one("SELECT count(*) FROM snapshots"),
            "errors": one("SELECT count(*) FROM fetch_errors"),
            "years": one("SELECT min(year) || '–' || max(year) FROM reports WHERE is_current = 1"),
            "failed_by_rule": conn.execute(
                "SELECT c.rule, count(*) FROM checks c JOIN reports r ON r.id = c.report_id "
                "WHERE c.ok = 0 AND r.is_current = 1 GROUP BY c.rule ORDER BY c.rule"
            ).fetchall(),
            "copies": one("SELECT count(*) FROM section_copies WHERE same_office = 0"),
        }
    finally:
        conn.close()


def run(args: argparse.Namespace) -> int:
    archive = args.archive
    archive.mkdir(parents=True, exist_ok=True)
    portal_port = args.portal_port
    if portal_port and not _ports_free(portal_port):
        print(
            f"nianbao demo: ports {portal_port}–{portal_port + 2} are busy; using free ports "
            "(the archive will hold the sample under new URLs)",
            file=sys.stderr,
        )
        portal_port = 0
    try:
        site = start_sample(port=portal_port)
    except (OSError, ValueError) as exc:
        print(f"nianbao demo: cannot start the sample portal: {exc}", file=sys.stderr)
        return 1
    try:
        print(f"sample portal: {site.base_url('trs')} (TRS WCM) and {site.base_url('hanweb')} (Hanweb)")
        entry = portal_from_dict(site.portal_entry())
        registry_file = archive / "demo-portals.toml"
        Registry({entry.id: entry}, []).save(registry_file)
        cmd = [
            sys.executable,
            "-m",
            "archive",
            "crawl",
            entry.id,
            "--archive",
            str(archive),
            "--registry",
            str(registry_file),
            "--delay",
            "0",
            "-s",
            "AUTOTHROTTLE_ENABLED=false",
            "-s",
            "LOG_LEVEL=WARNING",
        ]
        print(f"crawling {entry.name} ({entry.id}) …", flush=True)
        env = dict(os.environ)
        code = subprocess.call(cmd, env=env)
        if code not in (0,):
            print(f"nianbao demo: the crawl ended with exit code {code}", file=sys.stderr)
            if not db_path(archive).is_file():
                return code
    finally:
        site.stop()
    db = db_path(archive)
    stats = prepare_for_serving(db)
    s = _summary(db)
    print(
        f"archive {db}: {s['reports']} reports ({s['years']}), {s['with_cells']} with tables, {s['cells']} cells, "
        f"{s['failed_checks']} failed checks, {s['attachments']} attachments, {s['snapshots']} snapshots, "
        f"{s['errors']} fetch errors/blocks; search index {stats.search.sections_indexed} sections"
    )
    by_rule = ", ".join(f"{rule} {n}" for rule, n in s["failed_by_rule"]) or "none"
    print(
        f"stories: failed checks by rule: {by_rule} (view 校验未通过); {s['copies']} sections copied across "
        "offices (view 雷同段落); refusal rates and ranks (view 不予公开率, /-/chart)"
    )
    try:
        dumped = dump(db)
    except (DumpError, PublishError) as exc:
        print(f"nianbao demo: no downloads written: {exc}", file=sys.stderr)
    else:
        sizes = ", ".join(f"{f.name} {f.size:,} bytes" for f in dumped.files)
        print(f"downloads {dumped.out_dir}: {sizes} ({dumped.pages} pages in the WACZ)")
    if args.no_serve:
        return 0
    print(f"serving on http://127.0.0.1:{args.port}/ (Ctrl-C to stop)", flush=True)
    return run_server(db, args.port, archive_dir=archive, prepare=False)

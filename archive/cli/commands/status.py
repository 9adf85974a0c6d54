"""``nianbao status``: per-portal crawl health and the monitors (exit 1 when one fires)."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import unicodedata
from pathlib import Path

from archive.ops.monitors import (
    DEFAULT_BASELINE_RUNS,
    DEFAULT_STALE_RUNS,
    MONITOR_BY_ID,
    MONITORS,
    alerts,
    portal_health,
)
from archive.store import db
from archive.store.paths import db_path
from archive.store.schema import schema_current

EXIT_HEALTHY, EXIT_ALERT, EXIT_USAGE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction) -> None:
    rules = "; ".join(f"{m.id}: {m.rule}" for m in MONITORS)
    parser = subparsers.add_parser(
        "status",
        help="per-portal crawl health; exit 1 when a monitor fires",
        description="Print one line per crawled portal (latest run, outcome, requests, new/changed/removed reports, "
        "errors, blocks, duration, list pages walked/stated, reports archived, last new report) and the monitors "
        f"that fire ({rules}).  Exit 0 when healthy, 1 when a monitor fires, 2 on usage errors.",
    )
    parser.add_argument("--archive", type=Path, default=Path("data"), help="archive directory (default: data/)")
    parser.add_argument("--db", type=Path, default=None, help="database (default: ARCHIVE/nianbao.db)")
    parser.add_argument("--json", action="store_true", help="print JSON (for alerting) instead of the table")
    parser.add_argument(
        "--runs",
        type=int,
        default=DEFAULT_BASELINE_RUNS,
        metavar="N",
        help=f"earlier runs the error/block rates are compared with (median; default {DEFAULT_BASELINE_RUNS})",
    )
    parser.add_argument(
        "--stale-runs",
        type=int,
        default=DEFAULT_STALE_RUNS,
        metavar="N",
        help=f"runs in a row without a new report before a portal counts as stale (default {DEFAULT_STALE_RUNS})",
    )
    parser.set_defaults(func=run)


def _open(path: Path) -> sqlite3.Connection:
    """Read-only unless the archive predates the tables the monitors read (then upgraded once)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    if schema_current(conn):
        return conn
    conn.close()
    return db.connect(path)


def _cell(value) -> str:
    return "—" if value is None or value == "" else str(value)


def format_table(rows: list[dict]) -> str:
    """The health table as aligned text, alerts named in the last column."""
    header = ["portal", "name", "run", "started", "mode", "outcome", "req", "new/chg/rm", "err", "blk", "secs",
              "pages", "archived", "last new report", "monitors"]  # fmt: skip
    lines = [header]
    for r in rows:
        pages = f"{r['list_pages']}/{r['list_pages_expected']}" if r["list_pages_expected"] else str(r["list_pages"])
        if r["list_pages_skipped"]:
            pages += f" (+{r['list_pages_skipped']} stopped)"
        monitors = ", ".join(_monitor(m, r) for m in r["monitors"]) or "ok"
        lines.append([r["portal"], _cell(r["name"]), str(r["run_id"]), _cell(r["started"]), _cell(r["mode"]), _cell(r["outcome"]),
                      str(r["requests"]), f"{r['new_reports']}/{r['changed_reports']}/{r['removed_reports']}", str(r["errors"]),
                      str(r["blocks"]), _cell(r["duration"]), pages, str(r["reports_archived"]), _cell(r["last_new_report"]),
                      monitors])  # fmt: skip
    widths = [max(_width(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(line, widths)).rstrip() for line in lines
    )


def _monitor(monitor: str, row: dict) -> str:
    """A monitor that fires, with why the portal yielded nothing when it did (an operator acts on that)."""
    text = f"{monitor} ({MONITOR_BY_ID[monitor].label}"
    if monitor in ("zero_reports", "dead") and row.get("empty_reason"):
        text += f": {row['empty_reason']}"
    elif monitor == "unreadable_platform":
        text += f": {row['unreadable_pages']} pages"
    return text + ")"


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def run(args: argparse.Namespace) -> int:
    if args.runs < 1 or args.stale_runs < 1:
        print("nianbao status: --runs and --stale-runs must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    path = db_path(args.archive, args.db)
    if not path.is_file():
        print(f"nianbao status: archive database not found: {path}", file=sys.stderr)
        return EXIT_USAGE
    try:
        conn = _open(path)
        try:
            rows = portal_health(conn, args.stale_runs, args.runs)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        print(f"nianbao status: {path} is not a readable nianbao archive: {exc}", file=sys.stderr)
        return EXIT_USAGE
    fired = alerts(rows)
    if args.json:
        doc = {"archive": str(path), "healthy": not fired, "stale_runs": args.stale_runs, "baseline_runs": args.runs,
               "portals": rows, "alerts": fired}  # fmt: skip
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    elif not rows:
        print(f"{path}: no finished crawl run yet")
    else:
        print(format_table(rows))
        for a in fired:
            why = f" — {a['why']}" if a.get("why") else ""
            print(f"ALERT {a['portal']} {a['monitor']} ({a['label']}): {a['rule']}{why}")
    return EXIT_ALERT if fired else EXIT_HEALTHY

"""Benchmark of the crawler on portals it was never tuned for: a sweep of generated portals.

``run() -> dict`` serves 8 CMS families × 5 seeds of tests/portalgen/varied (TRS, TRS 动静结合,
Hanweb, gkmlpt, Lonsun, intensive platforms on a second host, VSB, plain sites; titles with and
without a year, pages about reports, traps, pushed copies, GBK pages, PDF and DOCX files), crawls
them in one ``nianbao crawl`` process and prints, per family and in total: recall, precision,
duplicates, requests into traps or off the government's hosts, the share of wasted requests, year
and office accuracy.  ``python tests/bench/bench_sweep.py`` runs it alone.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE.parents[1]))  # the repository first (tests/archive … are not the packages)

from portalgen.varied import FAMILIES  # noqa: E402
from portalgen.varied.base import Options  # noqa: E402
from portalgen.varied.sweep import describe, run_sweep  # noqa: E402

SEEDS = [1000, 1001, 1002, 1003, 1004]


def run() -> dict:
    with tempfile.TemporaryDirectory(prefix="nianbao-sweep-") as tmp:
        result = run_sweep(list(FAMILIES), SEEDS, Path(tmp), options=Options(pdf=True), timeout=900)
    print(describe(result))
    totals = result.totals()
    print(f"{len(result.scores)} portals crawled in {result.crawl_seconds:.1f} s ({result.seconds:.1f} s with serving)")
    return {"families": totals, "crawl_seconds": round(result.crawl_seconds, 1), "returncode": result.returncode}


if __name__ == "__main__":
    run()

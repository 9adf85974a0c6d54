"""Benchmark of the crawler: pages/s against the local sample portal with politeness disabled, peak memory.

``run() -> dict`` crawls (in a subprocess, as ``nianbao crawl`` does) the bundled demo county
(``nianbao demo-portal``: a TRS portal and a Hanweb platform, ~37 reports, PDF/DOCX attachments,
extraction included) and a larger HTML-only TRS portal (120 reports: crawling, archiving and HTML
extraction only), and prints pages/s, reports/s and the crawl process's peak RSS.
``python tests/bench/bench_crawl.py`` runs it alone.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE.parents[1]))  # the repository first (tests/archive … are not the packages)

from crawler_harness import register, summarised_crawl  # noqa: E402
from portals import start_demo_county, start_site  # noqa: E402

QUIET = {"LOG_LEVEL": "WARNING", "CONCURRENT_REQUESTS_PER_DOMAIN": 1}  # politeness off: the harness zeroes the delays


def _crawl(site, tmp: Path, label: str) -> dict:
    registry, pid = register(site, tmp)
    summary, wall = summarised_crawl(registry, pid, tmp / "data", settings=QUIET)
    stats = summary["portals"][pid]
    seconds = summary["seconds"]
    figures = {
        "responses": stats["responses"],
        "reports": stats["reports_found"],
        "crawl_seconds": round(seconds, 2),
        "process_seconds": round(wall, 2),
        "pages_per_s": round(stats["responses"] / seconds, 1),
        "reports_per_s": round(stats["reports_found"] / seconds, 2),
        "peak_rss_mb": summary["peak_rss_mb"],
    }
    print(
        f"{label}: {figures['responses']} responses, {figures['reports']} reports in {seconds:.1f} s → "
        f"{figures['pages_per_s']} pages/s, {figures['reports_per_s']} reports/s, peak RSS {figures['peak_rss_mb']} MB",
        flush=True,
    )
    return figures


def run() -> dict:
    figures: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        demo = start_demo_county()
        try:
            path = Path(tmp) / "demo"
            path.mkdir()
            figures["demo_county"] = _crawl(demo, path, "demo county (TRS + Hanweb, attachments, extraction)")
        finally:
            demo.stop()
        big = start_site("trs", attachments=False, n_reports=120, per_page=15)
        try:
            path = Path(tmp) / "trs120"
            path.mkdir()
            figures["trs_html_120"] = _crawl(big, path, "TRS portal, 120 HTML reports")
        finally:
            big.stop()
    return figures


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

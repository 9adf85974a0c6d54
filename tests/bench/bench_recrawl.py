"""Benchmark of scheduled re-crawls: what an unchanged portal costs (issue 6).

``run() -> dict`` crawls the bundled sample portal (``portalgen.portal.start_demo``: a TRS site
and a Hanweb platform, PDF/DOCX attachments) with politeness off, first in full, then again as the
scheduled incremental run (``--incremental --early-stop``) of the unchanged portal, and prints
requests, responses and seconds of each and the ratio of requests (target: the re-crawl makes at
most 10 % of the first crawl's requests).  A third run, after a season of changes on the TRS site,
shows what a changed portal costs; a larger HTML-only TRS portal (120 reports in fewer lists) shows how
the ratio falls with reports per list.  ``python tests/bench/bench_recrawl.py`` runs it alone.
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
from portals import apply_season_changes, start_demo_county, start_site  # noqa: E402

QUIET = {"LOG_LEVEL": "WARNING"}  # politeness off: the harness zeroes the delays


def _crawl(registry: Path, pid: str, archive: Path, sites: list, args: list[str]) -> dict:
    for site in sites:
        site.clear_log()
    summary, wall = summarised_crawl(registry, pid, archive, args=args, settings=QUIET)
    stats = summary["portals"][pid]
    received = sum(len(site.request_log) for site in sites)  # what the portal's servers saw
    return {"requests": received, "responses": stats["responses"], "not_modified": stats["not_modified"],
            "new_reports": stats["new_reports"], "changed_reports": stats["changed_reports"],
            "seconds": round(wall, 2)}  # fmt: skip


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        demo = start_demo_county()
        sites = [demo, *demo.extra]
        try:
            registry, pid = register(demo, Path(tmp))
            archive = Path(tmp) / "data"
            first = _crawl(registry, pid, archive, sites, ["--full"])
            again = _crawl(registry, pid, archive, sites, ["--incremental", "--early-stop"])
            dormant = _crawl(registry, pid, archive, sites, ["--incremental", "--early-stop", "--dormant-days", "730"])
            apply_season_changes(demo)
            changed = _crawl(registry, pid, archive, sites, ["--incremental", "--early-stop"])
        finally:
            demo.stop()
        big = start_site("trs", attachments=False, n_reports=120, per_page=15)
        try:
            (Path(tmp) / "big").mkdir()
            registry, pid = register(big, Path(tmp) / "big")
            archive = Path(tmp) / "big" / "data"
            big_first = _crawl(registry, pid, archive, [big], ["--full"])
            big_again = _crawl(registry, pid, archive, [big], ["--incremental", "--early-stop"])
        finally:
            big.stop()
    ratio = again["requests"] / first["requests"]
    dormant_ratio = dormant["requests"] / first["requests"]
    big_ratio = big_again["requests"] / big_first["requests"]
    figures = {"first_crawl": first, "unchanged_recrawl": again, "recrawl_after_changes": changed,
               "recrawl_request_ratio": round(ratio, 3), "target_ratio": 0.10, "meets_target": ratio <= 0.10,
               "unchanged_recrawl_dormant730": dormant, "recrawl_request_ratio_dormant730": round(dormant_ratio, 3),
               "trs120_first_crawl": big_first, "trs120_unchanged_recrawl": big_again,
               "trs120_recrawl_request_ratio": round(big_ratio, 3)}  # fmt: skip
    print(f"first crawl:        {first['requests']} requests, {first['responses']} responses, {first['seconds']} s")
    print(
        f"unchanged re-crawl: {again['requests']} requests ({again['not_modified']} answered 304), "
        f"{again['responses']} responses, {again['seconds']} s → {ratio:.1%} of the first crawl's requests (target ≤ 10 %)"
    )
    print(
        f"unchanged re-crawl skipping lists dormant for 2 years (--dormant-days 730): {dormant['requests']} requests "
        f"→ {dormant_ratio:.1%}"
    )
    print(
        f"after a season of changes: {changed['requests']} requests, {changed['new_reports']} new and "
        f"{changed['changed_reports']} changed reports, {changed['seconds']} s"
    )
    print(
        f"TRS portal, 120 HTML reports: first crawl {big_first['requests']} requests in {big_first['seconds']} s, unchanged "
        f"re-crawl {big_again['requests']} requests in {big_again['seconds']} s → {big_ratio:.1%}",
        flush=True,
    )
    return figures


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

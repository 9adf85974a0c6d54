"""The crawler on portals it was never tuned for: real crawls (Scrapy over HTTP on loopback) of
generated portals that vary what real portals vary (tests/portalgen/varied) — eight CMS families,
markup, JavaScript configs, titles with and without a year, pages about reports, traps, pushed
copies, GBK pages, a county's departments and towns on an intensive platform shared with a
neighbour, a spam mirror.  The seeds here were never used while the crawler was written
(``make bench`` sweeps more: tests/bench/bench_sweep.py)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from crawler_harness import REPO, crawl
from portalgen.varied import FAMILIES, build, serve
from portalgen.varied.sweep import describe, run_sweep, score

from archive.store.rebuild import rebuild

SEEDS = [7, 8]


def test_sweep_of_unseen_portals(tmp_path):
    result = run_sweep(list(FAMILIES), SEEDS, tmp_path)
    figures = describe(result)
    assert result.returncode == 0, result.log
    total = result.totals()["all"]
    assert total["portals"] == len(FAMILIES) * len(SEEDS) and total["reports"] >= 150, figures
    assert (total["recall"], total["precision"], total["duplicates"]) == (1.0, 1.0, 0), figures
    assert (total["trap_requests"], total["off_portal_requests"]) == (0, 0), figures
    assert total["year_accuracy"] >= 0.98 and total["office_accuracy"] >= 0.95, figures
    assert total["wasted_share"] <= 0.05, figures
    conn = sqlite3.connect(tmp_path / "data" / "nianbao.db")
    try:
        # every page about reports the crawl looked at has its verdict and reason; none is a report
        verdicts = conn.execute("SELECT url, verdict, reason FROM page_verdicts").fetchall()
        about = {a.url for s in result.scores for a in _portal(result, s).about}
        judged = {u: (v, r) for u, v, r in verdicts if u in about}
        assert judged and all(v == "not_report" and r for v, r in judged.values())
        sources = dict(conn.execute("SELECT year_source, count(*) FROM reports GROUP BY year_source").fetchall())
        assert {"title", "period"} <= set(sources) and None not in sources, sources
    finally:
        conn.close()


def _portal(result, s):
    return result.portals[s.portal_id]


def test_a_county_on_an_intensive_platform_from_its_home_page_alone(tmp_path):
    """``nianbao crawl --start-url``: the platform host is found and recorded, the neighbour county and
    the mirror stay out, every decision is kept, and ``rebuild`` gives the same rows."""
    running = serve(build("jyh", 9))
    try:
        portal = running.portal
        result = crawl(None, [], tmp_path / "data", args=["--start-url", portal.start_url])
        assert result.returncode == 0, result.log_tail()
        assert "platform hosts found: " + portal.hosts["platform"].host in result.stdout
        assert "wasted 0 of" in result.stdout
        db = tmp_path / "data" / "nianbao.db"
        conn = sqlite3.connect(db)
        ((pid, hosts),) = conn.execute("SELECT id, hosts FROM portals").fetchall()
        assert json.loads(hosts) == [portal.www.host, portal.hosts["platform"].host]
        s = score(portal, pid, conn, {})
        assert (s.found, s.matched, s.duplicates) == (s.expected, s.archived, 0) and s.expected > 6
        assert s.off_requests == [] and s.trap_requests == []
        assert portal.hosts["mirror"].request_log == []
        conn.close()
        rebuilt = tmp_path / "rebuilt.db"
        assert rebuild(tmp_path / "data", rebuilt).errors == []
        for table in ("page_verdicts", "reports", "portals", "crawl_portal_stats"):
            live, again = sqlite3.connect(db), sqlite3.connect(rebuilt)
            assert (
                live.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                == again.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            ), table
        status = subprocess.run([sys.executable, "-m", "archive", "status", "--db", str(db)], cwd=REPO,
                                capture_output=True, text=True, timeout=60)  # fmt: skip
        assert status.returncode == 0, status.stdout + status.stderr
    finally:
        running.stop()

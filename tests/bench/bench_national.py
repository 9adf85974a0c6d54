"""Benchmark of serving a national archive (issue 17): ``make bench-national`` (not part of ``make bench``).

Builds a synthetic archive of national shape with :mod:`gen.national` (every county-level unit
of the division register a portal; reports written by ingestion's own ``write_report``; later
versions, removed reports) at two sizes — a quarter of the wanted reports, then all of them —
timing the build and the publish step (``prepare_for_serving``: search index, coverage,
summaries, views) of each, to show both grow linearly with the reports.  Then serves the larger
archive with ``nianbao serve --no-prepare`` on loopback and measures over HTTP:

* the stock search page (``/DB/sections?_search=q``) and the ranked search (``/DB/search?q=``),
  median and p95 over :data:`QUERIES` (1, 2, 3, 4+ characters, mixed Chinese/ASCII, several terms,
  very common and rare terms), with each query's count as the page's JSON gives it;
* a LIKE scan of the same queries in the same run (SQLite: the count and first page a search
  page needs, ``heading LIKE '%q%' OR text LIKE '%q%'``);
* the first page of every journalist view, report pages, cell (provenance) pages, facet pages.

``python tests/bench/bench_national.py [REPORTS]`` (default 200,000; ``REPORTS=2000000`` scales it
to the whole country).  Writes ``bench-output/national.json``; the built archives are cached in
``bench-output/national/`` (rebuilt when the size or the generator changes).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import socket
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import httpx
from datasette.utils import tilde_encode

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):
    sys.path.insert(0, str(HERE.parent))
    sys.path.append(str(HERE.parents[1]))  # else tests/archive/ shadows the package archive

from gen import national  # noqa: E402
from publish_fixtures import Server  # noqa: E402

from archive.datasette.metadata import VIEWS  # noqa: E402
from archive.publish.prepare import prepare_for_serving  # noqa: E402
from archive.store import db  # noqa: E402

QUERIES = (
    "贫", "诉", "镇",  # one character
    "扶贫", "低保", "复议", "信访", "政府", "公开",  # two (政府, 公开: in nearly every section)
    "公开栏", "处理费", "双随机",  # three
    "政府信息公开", "信访举报投诉", "乡村振兴", "行政诉讼", "农村人居环境整治",  # four and more
    "2019年", "12345热线", "政务APP", "APP",  # mixed Chinese/ASCII
    "扶贫 低保", "城步苗族自治县",  # two terms; a rare place name
)  # fmt: skip
FACET_PAGES = (
    ("报告一览", {"省份": "湖南省"}),
    ("依申请办理情况", {"年度": "2022"}),
    ("章节检索", {"_search": "扶贫", "_facet": "省份"}),
    ("reports", {"_facet": "portal", "year": "2021"}),
)
REPEATS = 5
DEFAULT_REPORTS = 200_000
GENERATOR = Path(national.__file__)


def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": round(p95 * 1000, 1), "n": len(ordered)}


ERRORS: list[str] = []  # pages that did not answer 200 (a query over the time limit …): timed all the same
DEGRADED: list[str] = []  # pages whose facets timed out


def _timed_get(client: httpx.Client, path: str, params: dict | None = None) -> float:
    started = time.perf_counter()
    r = client.get(path, params=params)
    elapsed = time.perf_counter() - started
    if r.status_code != 200:
        ERRORS.append(f"{path} {params or ''}: HTTP {r.status_code}")
    elif "These facets timed out" in r.text:
        DEGRADED.append(f"{path} {params or ''}: facets timed out")
    return elapsed


# ----------------------------------------------------------------------------- building


def build(path: Path, reports: int, seed: int = 17) -> dict:
    """Build and publish an archive of ``reports`` reports at ``path``; the figures of both steps."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    conn = db.connect(path, synchronous="normal")
    conn.execute("PRAGMA cache_size = -1000000")  # a connection setting: the rows are the same

    def progress(built: national.Built) -> None:
        if built.reports % 20_000 < 500:
            print(f"  … {built.reports:,} reports ({time.perf_counter() - started:.0f} s)", flush=True)

    built = national.fill(conn, reports, seed=seed, progress=progress)
    conn.close()
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    published = prepare_for_serving(path)
    publish_s = time.perf_counter() - started
    started = time.perf_counter()
    prepare_for_serving(path)
    unchanged_s = time.perf_counter() - started
    conn = db.connect(path, synchronous="normal")
    versions = national.add_versions(conn, 100)
    conn.close()
    started = time.perf_counter()
    republished = prepare_for_serving(path)
    republish_s = time.perf_counter() - started
    conn = sqlite3.connect(path)
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("reports", "sections", "cells")}
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {
        "reports_written": built.reports,
        "versions": built.versions,
        "removed": built.removed,
        "portals": built.portals,
        **counts,
        "setup_s": round(built.setup_s, 1),
        "build_s": round(build_s, 1),
        "publish_s": round(publish_s, 1),
        "publish_steps": {k: round(v, 1) for k, v in getattr(published, "timings", {}).items()},
        "republish_unchanged_s": round(unchanged_s, 1),
        "republish_after_new_versions_s": round(republish_s, 1),  # 100 reports changed since the last publish
        "new_versions": versions,
        "republish_steps": {k: round(v, 1) for k, v in getattr(republished, "timings", {}).items()},
        "db_bytes": path.stat().st_size,
    }


def _generator_digest() -> str:
    return hashlib.sha256(GENERATOR.read_bytes()).hexdigest()[:12]


def cached_build(folder: Path, reports: int, keep: bool = True) -> tuple[Path, dict]:
    """The archive of ``reports`` reports in ``folder`` (built unless cached) and its build figures;
    with ``keep`` False only the figures are kept (the archive is deleted after the build)."""
    path = folder / f"national-{reports}.db"
    stamp = folder / f"national-{reports}.json"
    params = {"reports": reports, "generator": _generator_digest()}
    if stamp.exists() and (path.exists() or not keep):
        saved = json.loads(stamp.read_text())
        if saved.get("params") == params:
            return path, dict(saved["figures"], cached=True)
    print(f"building {reports:,} reports …", flush=True)
    figures = build(path, reports)
    stamp.write_text(json.dumps({"params": params, "figures": figures}))
    if not keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path, figures


# ----------------------------------------------------------------------------- measuring


def like_scan(path: Path, query: str) -> float:
    """Seconds for what a search page needs done with LIKE: the count and the first page."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    where = "heading LIKE ?1 OR text LIKE ?1"
    pattern = f"%{query.split()[0]}%"
    started = time.perf_counter()
    conn.execute(f"SELECT count(*) FROM sections WHERE {where}", (pattern,)).fetchone()
    conn.execute(f"SELECT * FROM sections WHERE {where} ORDER BY id LIMIT 50", (pattern,)).fetchall()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def _count(client: httpx.Client, name: str, query: str) -> dict:
    """The search count as the JSON gives it (10001: more than 10,000, shown as 10,000+)."""
    data = client.get(f"/{name}/sections.json", params={"_search": query, "_size": 0}).json()
    count = data.get("filtered_table_rows_count", data.get("count"))
    return {"count": count, "more_than_10000": count == 10_001}


def measure(path: Path) -> dict:
    name = path.stem
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rng = random.Random(5)
    report_ids = [r[0] for r in conn.execute("SELECT id FROM reports WHERE is_current = 1 AND cell_count > 0")]
    reports = rng.sample(report_ids, 20)
    cells = [conn.execute("SELECT id FROM cells WHERE report_id = ? LIMIT 1", (r,)).fetchone()[0] for r in reports]
    conn.close()
    server = Server(["--db", str(path), "--no-prepare"], timeout=300)
    out: dict = {}
    try:
        transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        with httpx.Client(base_url=server.url, timeout=120, transport=transport) as client:
            for q in QUERIES:  # warm-up: first touch of the index pages
                _timed_get(client, f"/{name}/sections", {"_search": q})
            stock: list[float] = []
            ranked: list[float] = []
            like: list[float] = []
            per_query = {}
            for q in QUERIES:
                qs = [_timed_get(client, f"/{name}/sections", {"_search": q}) for _ in range(REPEATS)]
                qr = [_timed_get(client, f"/{name}/search", {"q": q}) for _ in range(REPEATS)]
                ql = like_scan(path, q)
                stock += qs
                ranked += qr
                like.append(ql)
                per_query[q] = {
                    **_count(client, name, q),
                    "page_median_ms": _stats(qs)["median_ms"],
                    "ranked_median_ms": _stats(qr)["median_ms"],
                    "like_ms": round(ql * 1000, 1),
                }
                print(f"  {q:<12} {per_query[q]}", flush=True)
            out["search_page"] = _stats(stock)
            out["ranked_search"] = _stats(ranked)
            out["search_both"] = _stats(stock + ranked)
            out["like_scan"] = _stats(like)
            out["queries"] = per_query
            views = {}
            for view in VIEWS:
                path_ = f"/{name}/{tilde_encode(view)}"
                _timed_get(client, path_)
                views[view] = _stats([_timed_get(client, path_) for _ in range(3)])["median_ms"]
                print(f"  view {view}: {views[view]} ms", flush=True)
            out["views_first_page_ms"] = views
            out["report_page"] = _stats([_timed_get(client, f"/{name}/-/report/{r}") for r in reports])
            out["cell_page"] = _stats([_timed_get(client, f"/{name}/-/cell/{c}") for c in cells])
            facets = {}
            for view, params in FACET_PAGES:
                key = f"{view}?" + "&".join(f"{k}={v}" for k, v in params.items())
                _timed_get(client, f"/{name}/{tilde_encode(view)}", params)
                facets[key] = _stats([_timed_get(client, f"/{name}/{tilde_encode(view)}", params) for _ in range(3)])[
                    "median_ms"
                ]
                print(f"  facet page {key}: {facets[key]} ms", flush=True)
            out["facet_pages_ms"] = facets
    finally:
        server.stop()
    return out


def run(reports: int | None = None) -> dict:
    reports = reports or int(os.environ.get("REPORTS") or DEFAULT_REPORTS)
    folder = HERE.parents[1] / "bench-output" / "national"
    share = int(os.environ.get("SMALL_SHARE") or 4)  # the smaller archive: a quarter (0: none)
    small = cached_build(folder, reports // share, keep=False)[1] if share else None
    path, full = cached_build(folder, reports)
    print(f"national bench: {full['reports']:,} reports, {full['sections']:,} sections, {full['cells']:,} cells, "
          f"{full['db_bytes'] / 1e9:.2f} GB; serving …", flush=True)  # fmt: skip
    load_before = os.getloadavg()
    measured = measure(path)
    views = measured["views_first_page_ms"]
    figures = {
        "reports": full["reports"],
        "sections": full["sections"],
        "cells": full["cells"],
        "search_page_median_ms": measured["search_page"]["median_ms"],
        "search_page_p95_ms": measured["search_page"]["p95_ms"],
        "ranked_search_median_ms": measured["ranked_search"]["median_ms"],
        "ranked_search_p95_ms": measured["ranked_search"]["p95_ms"],
        "search_stock_and_ranked_median_ms": measured["search_both"]["median_ms"],
        "search_stock_and_ranked_p95_ms": measured["search_both"]["p95_ms"],
        "like_scan_median_ms": measured["like_scan"]["median_ms"],
        "search_vs_like": round(measured["like_scan"]["median_ms"] / max(measured["search_page"]["median_ms"], 0.1), 1),
        "views_first_page_max_ms": max(views.values()),
        "views_first_page_slowest": max(views, key=lambda v: views[v]),
        "report_page_median_ms": measured["report_page"]["median_ms"],
        "report_page_p95_ms": measured["report_page"]["p95_ms"],
        "cell_page_median_ms": measured["cell_page"]["median_ms"],
        "facet_pages_max_ms": max(measured["facet_pages_ms"].values()),
        "db_bytes": full["db_bytes"],
        "build_s": full["build_s"],
        "publish_s": full["publish_s"],
        "sizes": [
            {k: s.get(k) for k in ("reports", "sections", "cells", "setup_s", "build_s", "publish_s", "db_bytes")}
            for s in (small, full)
            if s
        ],
        "errors": sorted(set(ERRORS)),
        "facets_timed_out": sorted(set(DEGRADED)),
        "load_average_before_measuring": [round(x, 2) for x in load_before],
        "load_average_after_measuring": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "details": {"build": full, "build_small": small, **measured},
    }
    if small:  # the build minus its fixed setup (register, portals), and the publish, against the number of reports
        grow = (full["build_s"] - full["setup_s"]) / max(small["build_s"] - small["setup_s"], 0.1)
        figures["build_growth_vs_reports_growth"] = [round(grow, 2), round(full["reports"] / small["reports"], 2)]
        figures["publish_growth"] = round(full["publish_s"] / max(small["publish_s"], 0.1), 2)
    out = HERE.parents[1] / "bench-output" / "national.json"
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    for key, value in figures.items():
        if key != "details":
            print(f"{key}: {value}")
    print(f"figures written to {out}")
    return figures


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else None)

"""Benchmark of the division register and the coverage against it, at national scale.

Builds an archive with the installed register and a synthetic national crawl: one portal per
county-level unit of the current list (about 2,850), ten years of reports (the government's in
most years, three departments, about a third of the towns each year: some 200,000 reports).
Measures loading the register, matching the offices, building ``coverage_divisions``, an
unchanged ``prepare_for_serving``, and reading: the views 区划发布覆盖 (one province and year) and
省份发布覆盖 (all), 年报期限 for one province, and the pages /-/coverage and /-/coverage/43
through the plugin (in-process Datasette client, median of 10).  ``run() -> dict`` prints and
returns the figures; ``python tests/bench/bench_coverage.py`` runs it alone.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):
    sys.path.insert(0, str(HERE.parent))
    sys.path.append(str(HERE.parents[1]))  # else tests/archive/ shadows the package archive

from archive.datasette.server import build_datasette  # noqa: E402
from archive.publish.coverage import build_coverage, store_registry  # noqa: E402
from archive.publish.offices import match_offices  # noqa: E402
from archive.publish.prepare import prepare_for_serving  # noqa: E402
from archive.publish.views import create_views  # noqa: E402
from archive.store import db  # noqa: E402
from archive.store.regions import Register, ensure_register  # noqa: E402
from archive.store.transaction import transaction  # noqa: E402

YEARS = range(2015, 2025)
DEPARTMENTS = ("财政局", "教育局", "民政局")


def _timed(fn, label: str = ""):
    started = time.perf_counter()
    value = fn()
    seconds = round(time.perf_counter() - started, 3)
    if label:
        print(f"  {label}: {seconds} s", flush=True)
    return value, seconds


def _fill(conn, register: Register, rng: random.Random) -> int:
    counties = [d for d in register.divisions if d.level == "county" and d.status == "current" and d.kind != "功能区"]
    with transaction(conn):
        for d in counties:
            db.upsert_portal(conn, {"id": d.code, "code": d.code, "name": d.name + "人民政府", "level": "county"})
    rows = []
    for d in counties:
        towns = register.current_children(d.code, "town")
        for year in YEARS:
            fetched = f"{year + 1}-02-15T00:00:00Z"
            organs = [d.name + "人民政府"] if rng.random() < 0.7 else []
            organs += [d.name + dept for dept in DEPARTMENTS]
            organs += [
                t.name + ("办事处" if t.name.endswith("街道") else "人民政府") for t in towns if rng.random() < 0.3
            ]
            for organ in organs:
                url = f"http://www.{d.code}.gov.cn/{year}/{len(rows)}.html"
                rows.append((url, organ, year, fetched, fetched, d.code, url))
    run = db.start_run(conn, [d.code for d in counties], "full", started="2025-04-15T00:00:00Z")
    with transaction(conn):
        conn.executemany(
            "INSERT INTO reports(url, organ, year, fetched, last_seen, portal, doc_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.executemany(
            "INSERT INTO crawl_portal_stats(run_id, portal) VALUES (?, ?)", [(run, d.code) for d in counties]
        )
    store_registry(conn, [(d.code, d.code, d.name) for d in counties])
    return len(rows)


def _median_ms(fn, n: int = 10) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "nianbao.db"
        conn = db.connect(path)
        stats, load_s = _timed(lambda: ensure_register(conn), "load register")
        register, read_s = _timed(lambda: Register.from_conn(conn), "read register")
        reports, fill_s = _timed(lambda: _fill(conn, register, random.Random(15)), "fill")
        offices, match_s = _timed(lambda: match_offices(conn, lambda: register), "match offices")
        rows, coverage_s = _timed(lambda: build_coverage(conn, lambda: register), "build coverage")
        create_views(conn)
        conn.close()
        _, prepare_s = _timed(lambda: prepare_for_serving(path), "prepare")
        _, unchanged_s = _timed(lambda: prepare_for_serving(path), "prepare again")
        conn = db.connect(path)
        one = "SELECT * FROM \"区划发布覆盖\" WHERE 省份 = '湖南省' AND 年度 = 2022"
        view_ms = _median_ms(lambda: conn.execute(one).fetchall())
        provinces_ms = _median_ms(lambda: conn.execute('SELECT * FROM "省份发布覆盖"').fetchall())
        deadlines = "SELECT count(*) FROM \"年报期限\" WHERE 省份 = '湖南省'"
        _, deadlines_s = _timed(lambda: conn.execute(deadlines).fetchall(), "年报期限")
        matched = dict(conn.execute("SELECT method, count(*) FROM office_divisions GROUP BY method").fetchall())
        size_mb = round(path.stat().st_size / 2**20, 1)
        conn.close()
        ds = build_datasette(path)
        national_ms = _median_ms(lambda: asyncio.run(ds.client.get("/nianbao/-/coverage")))
        province_ms = _median_ms(lambda: asyncio.run(ds.client.get("/nianbao/-/coverage/43")))
    figures = {
        "divisions": stats.counts if stats else None,
        "register_load_s": load_s,
        "register_read_s": read_s,
        "reports": reports,
        "fill_s": fill_s,
        "offices": offices,
        "match_offices_s": match_s,
        "match_methods": matched,
        "coverage_rows": rows,
        "build_coverage_s": coverage_s,
        "prepare_after_build_s": prepare_s,
        "prepare_unchanged_s": unchanged_s,
        "view_division_coverage_one_province_year_ms": view_ms,
        "view_province_coverage_all_ms": provinces_ms,
        "view_deadlines_one_province_s": deadlines_s,
        "page_national_ms": national_ms,
        "page_province_hunan_ms": province_ms,
        "database_mb": size_mb,
    }
    for key, value in figures.items():
        print(f"{key}: {value}")
    return figures


if __name__ == "__main__":
    run()

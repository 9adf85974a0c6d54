"""Atom feeds, the page of feeds and the about page's figures on a national-size reports table.

A synthetic archive of ``REPORTS`` reports over 2,850 county portals (2 % new versions, 2 % with a
failed check); figures: the publish-time summary (first build, and the check when nothing
changed), then the best of three for every feed (archive, county by name and code, office) and
for the page of feeds.  ``NIANBAO_BENCH_FEED_REPORTS`` sets the size (default 500,000).
"""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from archive.publish.feeds import FEED_KINDS, FeedScope, feed_entries, followable
from archive.publish.summary import build_summary, read_summary
from archive.publish.views import SUPPORT_INDEXES
from archive.store.schema import create_schema

REPORTS = int(os.environ.get("NIANBAO_BENCH_FEED_REPORTS", "500000"))
COUNTIES = 2850


def _build(path: Path) -> None:
    conn = sqlite3.connect(path)
    create_schema(conn)
    rng = random.Random(14)
    portals = [(f"{430000 + i:06d}", f"县{i}") for i in range(COUNTIES)]
    conn.executemany(
        "INSERT INTO portals(id, code, name, level, province, city, county) VALUES (?, ?, ?, 'county', '省', '市', ?)",
        [(code, code, name + "人民政府", name) for code, name in portals],
    )
    batch = []
    for i in range(1, REPORTS + 1):
        code, name = portals[rng.randrange(COUNTIES)]
        fetched = f"20{15 + i * 10 // REPORTS:02d}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}T08:00:00Z"
        batch.append((i, f"http://{code}.gov.cn/{i}.html", f"{name}2024年报告", f"{name}机关{rng.randrange(40)}",
                      2010 + i % 15, code, f"k{i}", 2 if rng.random() < 0.02 else 1, fetched, rng.randrange(200)))  # fmt: skip
        if len(batch) == 50_000:
            conn.executemany(
                "INSERT INTO reports(id, url, title, organ, year, portal, doc_key, version, is_current, fetched, "
                "cell_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                batch,
            )
            batch = []
    conn.execute("INSERT INTO checks(report_id, rule, ok, expected, actual) SELECT id, 'R1', 0, 1, 2 FROM reports "
                 "WHERE abs(random()) % 50 = 0")  # fmt: skip
    for sql in SUPPORT_INDEXES:
        conn.execute(sql)
    conn.commit()
    conn.close()


def _best(fn, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def run() -> dict:
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-feeds-") as tmp:
        path = Path(tmp) / "nianbao.db"
        started = time.perf_counter()
        _build(path)
        built = time.perf_counter() - started
        conn = sqlite3.connect(path)
        started = time.perf_counter()
        build_summary(conn)
        summary_s = time.perf_counter() - started
        started = time.perf_counter()
        assert build_summary(conn) is False
        unchanged_s = time.perf_counter() - started
        scopes = {"archive": FeedScope(), "county": FeedScope(county="县17"), "code": FeedScope(county="430017"),
                  "office": FeedScope(organ="县17机关3")}  # fmt: skip
        feeds_ms = {
            f"{kind}/{name}": round(_best(lambda k=kind, s=scope: feed_entries(conn, k, s)) * 1000, 1)
            for kind in FEED_KINDS
            for name, scope in scopes.items()
        }
        result = {
            "reports": REPORTS,
            "build_s": round(built, 1),
            "summary_first_s": round(summary_s, 1),
            "summary_unchanged_s": round(unchanged_s, 2),
            "about_read_ms": round(_best(lambda: read_summary(conn)) * 1000, 2),
            "feeds_page_ms": round(_best(lambda: followable(conn)) * 1000, 1),
            "county_feeds_page_ms": round(_best(lambda: followable(conn, "县17")) * 1000, 1),
            "feed_ms": feeds_ms,
            "slowest_feed_ms": max(feeds_ms.values()),
        }
        conn.close()
    print(result)
    return result

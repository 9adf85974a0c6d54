"""Benchmark of Chinese full-text search in the served archive (target: median < 50 ms).

Builds a synthetic archive of 200,000 report sections (about 29,000 reports: titles, organs,
years, portals; section text in the style of real reports), prepares it for serving (bigram
index, views), starts ``nianbao serve`` and measures, per query, the search page
(``/bench/sections?_search=q``), the JSON API (``/bench/sections.json?_search=q``) and the
ranked canned query (``/bench/search.json?q=``).  ``run() -> dict`` prints and returns median and
p95 latencies; ``python tests/bench/bench_search.py [SECTIONS]`` runs it alone.  The built
database is cached under ``bench-output/search/`` (rebuilt when the parameters change).
"""

from __future__ import annotations

import json
import random
import socket
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):
    sys.path.insert(0, str(HERE.parent))
    sys.path.append(str(HERE.parents[1]))  # else tests/archive/ shadows the package archive

import datasette_json  # noqa: E402
from portalgen.sample import COUNTIES, DEPARTMENTS, PHRASES, PROBLEMS, TOWNS  # noqa: E402
from publish_fixtures import PORTAL_CODES, Server  # noqa: E402

from archive.publish.prepare import prepare_for_serving  # noqa: E402
from archive.store.schema import create_schema  # noqa: E402

QUERIES = [
    "扶贫",
    "低保",
    "复议",
    "信访举报投诉",
    "2019年",
    "12345热线",
    "贫",
    "政府信息公开",
    "行政诉讼",
    "乡村振兴",
    "扶贫 低保",
    "APP",
]
EXTRA = [
    "通过政务APP、微信公众号和12345热线回应关切。",
    "全年共受理政府信息公开申请{n}件，均在法定期限内答复。",
    "{year}年度无因政府信息公开引起的行政复议、行政诉讼。",
    "对信访举报投诉类申请告知申请人通过相应渠道提出。",
]
HEADINGS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]
SECTIONS_PER_REPORT = 7
REPEATS = 7


def build_database(path: Path, sections: int, seed: int = 2024) -> None:
    """A synthetic archive with ``sections`` sections (7 per report, preamble included)."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(path)
    create_schema(conn)
    for county, province, city in COUNTIES:
        code = PORTAL_CODES[county]
        conn.execute(
            "INSERT INTO portals(id, code, name, level, province, city, county) VALUES (?,?,?,?,?,?,?)",
            (code, code, county + "人民政府门户网站", "county", province, city, county),
        )
    n_reports = sections // SECTIONS_PER_REPORT
    report_rows = []
    section_rows = []
    for rid in range(1, n_reports + 1):
        county, _province, _city = COUNTIES[rid % len(COUNTIES)]
        level = rng.choice(["county", "town", "town", "department"])
        short = {
            "county": county + "人民政府",
            "town": rng.choice(TOWNS),
            "department": county + rng.choice(DEPARTMENTS),
        }[level]
        organ = short + "人民政府" if level == "town" else short
        year = rng.randint(2013, 2025)
        title = f"{short}{year}年政府信息公开工作年度报告"
        url = f"http://www.{PORTAL_CODES[county]}.gov.cn/zwgk/ndbg/{year + 1}01/t{year + 1}0115_{rid}.html"
        report_rows.append(
            (
                rid,
                url,
                title,
                organ,
                year,
                "2021" if year >= 2021 else "2019",
                f"{year + 1}-01-15",
                PORTAL_CODES[county],
                url,
                level,
            )
        )
        section_rows.append(
            (
                rid,
                0,
                None,
                f"本报告根据《中华人民共和国政府信息公开条例》编制。统计期限为{year}年1月1日至{year}年12月31日。",
            )
        )
        for number, heading in enumerate(HEADINGS, start=1):
            parts = rng.sample(PHRASES, k=rng.randint(1, 4))
            if rng.random() < 0.3:
                parts.append(rng.choice(EXTRA).format(n=rng.randint(0, 99), year=year))
            if number == 5:
                parts = rng.sample(PROBLEMS, 2) + parts[:1]
            section_rows.append((rid, number, heading, f"{year}年，{short}" + "；".join(parts) + "。"))
    conn.executemany(
        "INSERT INTO reports(id, url, title, organ, year, template, published, portal, doc_key, level) VALUES (?,?,?,?,?,?,?,?,?,?)",
        report_rows,
    )
    conn.executemany("INSERT INTO sections(report_id, number, heading, text) VALUES (?,?,?,?)", section_rows[:sections])
    conn.commit()
    conn.close()


def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": round(p95 * 1000, 1), "n": len(ordered)}


def _measure(client: httpx.Client, path: str, params: dict) -> float:
    started = time.perf_counter()
    r = client.get(path, params=params)
    elapsed = time.perf_counter() - started
    if r.status_code != 200:
        raise RuntimeError(f"{path} {params}: HTTP {r.status_code}")
    return elapsed


def _sql_breakdown(db: Path, query: str) -> dict:
    """SQLite-only timings (median of 5): the FTS match alone, Datasette's count and row queries."""
    from archive.publish.search import register_functions

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    register_functions(conn)
    sub = "SELECT rowid FROM sections_fts WHERE sections_fts MATCH escape_fts(?)"
    sqls = {
        "fts_ms": f"SELECT count(*) FROM ({sub})",
        "count_ms": f"SELECT count(*) FROM sections WHERE rowid IN ({sub})",
        "rows_ms": f"SELECT * FROM sections WHERE rowid IN ({sub}) ORDER BY id LIMIT 101",
    }
    out = {}
    for key, sql in sqls.items():
        times = []
        for _ in range(5):
            started = time.perf_counter()
            conn.execute(sql, (query,)).fetchall()
            times.append(time.perf_counter() - started)
        out[key] = round(statistics.median(times) * 1000, 1)
    conn.close()
    return out


def run(sections: int = 200_000) -> dict:
    out = HERE.parents[1] / "bench-output" / "search"
    db = out / "bench.db"
    stamp = out / "params.json"
    params = {"sections": sections, "version": 1}
    figures: dict = {"sections": sections}
    if not (db.exists() and stamp.exists() and json.loads(stamp.read_text()) == params):
        started = time.perf_counter()
        build_database(db, sections)
        figures["build_s"] = round(time.perf_counter() - started, 1)
        stamp.write_text(json.dumps(params))
    started = time.perf_counter()
    prepared = prepare_for_serving(db)
    figures["prepare_s"] = round(time.perf_counter() - started, 1)
    figures["index_mode"] = prepared.search.mode
    started = time.perf_counter()
    prepare_for_serving(db)
    figures["prepare_unchanged_s"] = round(time.perf_counter() - started, 2)
    conn = sqlite3.connect(db)
    text_bytes = conn.execute(
        "SELECT total(length(CAST(text AS BLOB))) + total(length(CAST(heading AS BLOB))) FROM sections"
    ).fetchone()[0]
    figures["reports"] = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
    conn.close()
    figures["db_mb"] = round(db.stat().st_size / 1e6, 1)
    figures["text_mb"] = round(text_bytes / 1e6, 1)
    server = Server(["--db", str(db), "--no-prepare"], timeout=120)
    page: list[float] = []
    api: list[float] = []
    ranked: list[float] = []
    per_query: dict[str, dict] = {}
    try:
        transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])  # as browsers do
        with httpx.Client(base_url=server.url, timeout=60, transport=transport) as client:
            for q in QUERIES:  # warm-up: first touch of the index pages
                _measure(client, "/bench/sections.json", {"_search": q})
            for q in QUERIES:
                qp, qa, qr = [], [], []
                for _ in range(REPEATS):
                    qp.append(_measure(client, "/bench/sections", {"_search": q}))
                    qa.append(_measure(client, "/bench/sections.json", {"_search": q}))
                    qr.append(_measure(client, "/bench/search.json", {"q": q}))
                hits = datasette_json.count(client, "/bench/sections.json", _search=q)
                per_query[q] = {
                    "hits": hits,
                    "page_median_ms": _stats(qp)["median_ms"],
                    "json_median_ms": _stats(qa)["median_ms"],
                    "ranked_median_ms": _stats(qr)["median_ms"],
                    **_sql_breakdown(db, q),
                }
                page += qp
                api += qa
                ranked += qr
    finally:
        server.stop()
    figures["search_page"] = _stats(page)
    figures["search_json"] = _stats(api)
    figures["ranked_query_json"] = _stats(ranked)
    figures["queries"] = per_query
    figures["target_median_ms"] = 50
    figures["target_met"] = figures["search_page"]["median_ms"] < 50 and figures["search_json"]["median_ms"] < 50
    print(
        f"search bench: {figures['sections']:,} sections in {figures['reports']:,} reports, "
        f"text {figures['text_mb']} MB, database {figures['db_mb']} MB; "
        f"prepare {figures['prepare_s']} s ({figures['index_mode']}), unchanged {figures['prepare_unchanged_s']} s"
    )
    for q, f in per_query.items():
        print(
            f"  {q:<12} {f['hits']:>7,} hits  page {f['page_median_ms']:>6.1f} ms  json {f['json_median_ms']:>6.1f} ms  "
            f"ranked {f['ranked_median_ms']:>6.1f} ms  | sql: match {f['fts_ms']:>5.1f}  count {f['count_ms']:>5.1f}  "
            f"rows {f['rows_ms']:>5.1f} ms"
        )
    for key in ("search_page", "search_json", "ranked_query_json"):
        s = figures[key]
        print(f"  {key:<18} median {s['median_ms']:>7.1f} ms   p95 {s['p95_ms']:>7.1f} ms   (n={s['n']})")
    print(f"  target median < 50 ms: {'met' if figures['target_met'] else 'NOT met'}")
    return figures


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)

"""Benchmark: the public site under hostile queries, and the extraction budgets on hostile documents.

Site (a ``nianbao serve`` process on a 24-report archive):

* ``select randomblob(1000000000)`` and an answer of 2,000 rows × 1 MB: status, seconds, bytes
  answered, the server's peak memory (issue 12 measured 66 s, 1.3 GB, 7.2 GB before the bounds);
* six slow visitor queries at once (each runs into the SQL time limit) while the home page, a
  table page, a report page and a journalist view are fetched in a loop: their latency under
  that load next to idle, overall and for the report page alone;
* six slow journalist-view pages at once (依申请办理情况 sorted by 不予公开合计 on a copy of the
  archive grown to :data:`SCALED_REPORTS` reports — no SQL of the visitor's, so only the data-page
  gate of :mod:`archive.datasette.limits` holds them) while a report page is fetched in a loop.

Extraction: seconds and the verdict for hostile documents (50 MB of text, 5 million ``<td>``,
255 nested ``<div>``, a million-row XLSX) — each must fail fast or be read, never hang.
"""

from __future__ import annotations

import io
import sqlite3
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from tempfile import TemporaryDirectory
from urllib.parse import quote

import httpx
from datasette.utils import tilde_encode
from publish_fixtures import Server, build_archive

from extract import ExtractionError, extract_document

SCALED_REPORTS = 6000
SLOW_VIEW = f"/archive/{tilde_encode('依申请办理情况')}?_sort_desc={quote('不予公开合计')}&_size=100"
SLOW_SQL = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
BIG_ANSWER_SQL = (
    "with recursive c(x) as (select 1 union all select x + 1 from c where x < 2000) select randomblob(1000000) from c"
)


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def _query(client: httpx.Client, base: str, sql: str) -> dict:
    started = time.perf_counter()
    size = 0
    with client.stream("GET", f"{base}/archive.json", params={"sql": sql}, timeout=120) as response:
        for chunk in response.iter_bytes():
            size += len(chunk)
        status = response.status_code
    return {"status": status, "seconds": round(time.perf_counter() - started, 2), "bytes": size}


def _latencies(client: httpx.Client, urls: list[str], stop: threading.Event, out: list[float], log: list) -> None:
    began = time.perf_counter()
    while not stop.is_set():
        for url in urls:
            started = time.perf_counter()
            client.get(url, timeout=60)
            out.append(time.perf_counter() - started)
            log.append((round(started - began, 2), url, round(out[-1], 3)))


def _summary(times: list[float]) -> dict:
    if not times:
        return {"requests": 0}
    ordered = sorted(times)
    return {
        "requests": len(times),
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def _grow(db_path: Path, reports: int) -> None:
    """Copies of the archive's reports (with their cells and sections) until it has ``reports``."""
    conn = sqlite3.connect(db_path)
    with conn:
        columns = {
            t: [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')] for t in ("reports", "cells", "sections")
        }
        top = {t: conn.execute(f"SELECT max(id) FROM {t}").fetchone()[0] for t in columns}
        n = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
        for k in range(1, max(1, reports // n)):
            for table, names in columns.items():
                shifted = {"id": f"id + {k * top[table]}", "report_id": f"report_id + {k * top['reports']}",
                           "doc_key": f"doc_key || '#{k}'", "supersedes": f"supersedes + {k * top['reports']}"}  # fmt: skip
                select = ", ".join(shifted.get(c, f'"{c}"') for c in names)
                quoted = ", ".join(f'"{c}"' for c in names)
                conn.execute(f"INSERT INTO {table}({quoted}) SELECT {select} FROM {table} WHERE id <= {top[table]}")
    conn.close()


def slow_view_figures() -> dict:
    """A report page's latency while six slow journalist-view pages run (a grown archive)."""
    with TemporaryDirectory() as tmp:
        fixture = build_archive(Path(tmp), n_reports=24, seed=7)
        _grow(fixture.db_path, SCALED_REPORTS)
        server = Server(["--db", str(fixture.db_path)], timeout=300)
        try:
            base = server.url
            report_page = f"{base}/archive/-/report/{fixture.reports[0].id}"
            with httpx.Client() as client:
                started = time.perf_counter()
                alone = client.get(base + SLOW_VIEW, timeout=120).status_code, round(time.perf_counter() - started, 2)
                idle = []
                for _ in range(10):
                    started = time.perf_counter()
                    client.get(report_page, timeout=60)
                    idle.append(time.perf_counter() - started)
                loaded: list[float] = []
                log: list = []
                stop = threading.Event()
                watcher = threading.Thread(target=_latencies, args=(client, [report_page], stop, loaded, log))
                with ThreadPoolExecutor(6) as pool:
                    futures = [pool.submit(_page_seconds, base + SLOW_VIEW) for _ in range(6)]
                    watcher.start()
                    slow = [f.result() for f in futures]
                stop.set()
                watcher.join()
        finally:
            server.stop()
    return {
        "reports": SCALED_REPORTS,
        "slow_view_page_alone": {"status": alone[0], "seconds": alone[1]},
        "six_slow_view_pages": {"statuses": sorted(s for s, _ in slow), "seconds_each": sorted(t for _, t in slow)},
        "report_page_idle": _summary(idle),
        "report_page_during_six_slow_view_pages": _summary(loaded),
    }


def _page_seconds(url: str) -> tuple[int, float]:
    started = time.perf_counter()
    with httpx.Client() as client:
        status = client.get(url, timeout=120).status_code
    return status, round(time.perf_counter() - started, 2)


def site_figures() -> dict:
    with TemporaryDirectory() as tmp:
        fixture = build_archive(Path(tmp), n_reports=24, seed=7)
        server = Server(["--db", str(fixture.db_path)])
        try:
            base = server.url
            report_page = f"{base}/archive/-/report/{fixture.reports[0].id}"
            pages = [base + "/", base + "/archive/reports", report_page, base + "/archive/依申请办理情况"]
            with httpx.Client() as client:
                idle: list[float] = []
                idle_log: list = []
                for _ in range(10):
                    for url in pages:
                        started = time.perf_counter()
                        client.get(url, timeout=60)
                        idle.append(time.perf_counter() - started)
                        idle_log.append((0, url, idle[-1]))
                blob = _query(client, base, "select randomblob(1000000000)")
                big = _query(client, base, BIG_ANSWER_SQL)
                loaded: list[float] = []
                log: list = []
                stop = threading.Event()
                watcher = threading.Thread(target=_latencies, args=(client, pages, stop, loaded, log))
                with ThreadPoolExecutor(6) as pool:
                    started = time.perf_counter()
                    futures = [pool.submit(_query, httpx.Client(), base, SLOW_SQL) for _ in range(6)]
                    watcher.start()
                    slow = [f.result() for f in futures]
                    slow_seconds = time.perf_counter() - started
                stop.set()
                watcher.join()
            figures = {
                "randomblob_1e9": blob,
                "answer_2000_x_1MB": big,
                "six_slow_queries": {
                    "statuses": sorted(q["status"] for q in slow),
                    "seconds_each": sorted(q["seconds"] for q in slow),
                    "all_done_s": round(slow_seconds, 2),
                },
                "pages_idle": _summary(idle),
                "pages_during_six_slow_queries": _summary(loaded),
                "report_page_idle": _summary([t for _s, url, t in idle_log if url == report_page]),
                "report_page_during_six_slow_queries": _summary([t for _s, url, t in log if url == report_page]),
                "slowest_pages": sorted(log, key=lambda x: -x[2])[:3],
                "server_peak_rss_mb": _rss_mb(server.proc.pid),
            }
        finally:
            server.stop()
    return figures


def _hostile_documents() -> dict[str, tuple[bytes, str]]:
    import openpyxl

    deep = b"<html><body>" + b"<div>" * 255 + b"<table><tr><td>1</td></tr></table></body></html>"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    for i in range(1_000_000):
        sheet.append([i])
    xlsx = io.BytesIO()
    book.save(xlsx)
    return {
        "text_50MB": (b"\xe6\x8a\xa5\xe5\x91\x8a 1\t2\n" * 4_000_000, "text/plain"),
        "td_5_million": (
            b"<html><body><table><tr>" + b"<td>1</td>" * 5_000_000 + b"</tr></table></body></html>",
            "text/html",
        ),
        "td_200_thousand": (
            b"<html><body><table><tr>" + b"<td>1</td>" * 200_000 + b"</tr></table></body></html>",
            "text/html",
        ),
        "div_255_deep": (deep, "text/html"),
        "xlsx_million_rows": (xlsx.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    }


def extraction_figures() -> dict:
    out: dict = {}
    for name, (data, ctype) in _hostile_documents().items():
        started = time.perf_counter()
        try:
            report = extract_document(data, content_type=ctype)
            verdict = f"read: {len(report.cells)} cells, {len(report.warnings)} warnings"
        except ExtractionError as exc:
            verdict = f"refused: {exc}"
        out[name] = {
            "mb": round(len(data) / 1e6, 1),
            "seconds": round(time.perf_counter() - started, 2),
            "verdict": verdict,
        }
    return out


def run() -> dict:
    figures = {"site": site_figures(), "slow_views": slow_view_figures(), "extraction": extraction_figures()}
    for section, values in figures.items():
        for k, v in values.items():
            print(f"  {section}.{k:32s} {v}")
    return figures


if __name__ == "__main__":
    run()

"""Benchmark of the archive backbone: capture (WARC + SQLite), revisits, ingestion, rebuild.

``run() -> dict`` prints and returns the figures; ``python tests/bench/bench_archive.py [N]``
runs it alone.  Pages are sample reports in the official table layout (~8 KB of HTML each).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixtures.archive.pages import report_page, sample

from archive.store.rebuild import rebuild
from archive.store.session import ArchiveSession

T0 = datetime(2025, 3, 1, 8, tzinfo=UTC)
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Server", "TRS WCM")]


def run(n_reports: int = 200) -> dict:
    pages = [report_page(sample(1000 + i, ("2019", "2021")[i % 2])) for i in range(n_reports)]
    megabytes = sum(len(p) for p in pages) / 1e6
    figures: dict[str, float] = {"reports": n_reports, "html_mb": round(megabytes, 2)}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        with ArchiveSession(root) as s:
            run_id = s.start_run(["bench"], "full")

            def capture_all(offset_days: int) -> list:
                out = []
                for i, page in enumerate(pages):
                    out.append(s.capture(
                        f"http://www.bench.gov.cn/zfxxgknb/{i // 50}/t{i}.html", status=200, reason="OK",
                        response_headers=HEADERS, payload=page, fetched=T0 + timedelta(days=offset_days, seconds=i),
                        portal="bench", kind="detail", run_id=run_id,
                    ))  # fmt: skip
                return out

            t = time.perf_counter()
            first = capture_all(0)
            dt = time.perf_counter() - t
            figures["capture_per_s"] = round(n_reports / dt, 1)
            figures["capture_mb_per_s"] = round(megabytes / dt, 1)
            t = time.perf_counter()
            capture_all(1)
            figures["revisit_capture_per_s"] = round(n_reports / (time.perf_counter() - t), 1)

            t = time.perf_counter()
            for c, page in zip(first, pages):
                s.ingest_report(c.ingest_input(page), [], portal="bench", run_id=run_id)
            figures["ingest_new_ms"] = round((time.perf_counter() - t) / n_reports * 1000, 2)
            t = time.perf_counter()
            for c, page in zip(first, pages):
                s.ingest_report(c.ingest_input(page), [], portal="bench", run_id=run_id)
            figures["ingest_unchanged_ms"] = round((time.perf_counter() - t) / n_reports * 1000, 2)
            s.finish_run(run_id, {}, "ok")
        warc_bytes = sum(p.stat().st_size for p in (root / "warc").glob("*.warc.gz"))
        figures["warc_mb"] = round(warc_bytes / 1e6, 2)
        t = time.perf_counter()
        with ArchiveSession(root):
            pass
        figures["session_open_ms"] = round((time.perf_counter() - t) * 1000, 1)
        t = time.perf_counter()
        stats = rebuild(root, Path(tmp) / "rebuilt.db")
        dt = time.perf_counter() - t
        figures["rebuild_s"] = round(dt, 2)
        figures["rebuild_reports_per_s"] = round(stats.report_statuses.get("new", 0) / dt, 1)
        figures["rebuild_errors"] = len(stats.errors)
    for key, value in figures.items():
        print(f"archive.{key}: {value}")
    return figures


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 200)

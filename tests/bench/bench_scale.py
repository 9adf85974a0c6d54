"""Benchmark of scale-out: crawl throughput with 1, 2 and 4 workers, and extraction in 1 and 2 processes.

``run() -> dict`` starts a ``redis-server`` and four loopback portals of the same size, enqueues
them with a per-host delay (``nianbao queue crawl --delay``) and lets 1, 2, then 4 ``nianbao
worker --burst`` processes crawl them (four host groups), then 4 workers the same four portals
on two hosts (two host groups): politeness makes a crawl mostly waiting, so throughput grows
with the workers up to the number of host groups, never beyond (one job per group at a time).  Each phase also checks the smallest gap between two requests to one host.  Then it
extracts the documents of a generated archive (HTML report pages) ahead of ingestion
(:func:`archive.store.extract_ahead.extract_pending`, what ``nianbao rebuild --jobs N`` does) in 1
and 2 processes.  ``python tests/bench/bench_scale.py`` runs it alone.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE.parents[1]))  # the repository first (tests/archive … are not the packages)

from crawler_harness import FAST  # noqa: E402
from fixtures.archive.pages import report_page, sample  # noqa: E402
from portals import start_site  # noqa: E402
from queue_harness import RedisServer, Worker, nianbao  # noqa: E402

from archive.store.extract_ahead import extract_pending, report_inputs  # noqa: E402
from archive.store.session import ArchiveSession  # noqa: E402
from crawler.registry import Registry, portal_from_dict  # noqa: E402

PORTALS = 4  # generated portals of one family (as large as each other)
DELAY = 0.2  # seconds between two requests to one host
PHASES = ((1, 4), (2, 4), (4, 4), (4, 2))  # (workers, host groups): four portal crawls each
DOCUMENTS = 96


def _registry(sites: list, groups: int, path: Path) -> tuple[Path, list[str]]:
    """Four portals in ``groups`` host groups (with two groups, two portals share each host)."""
    portals = {}
    for i in range(PORTALS):
        site = sites[i % groups]
        entry = {**site.portal_entry(), "id": f"43050{i}"}
        portals[entry["id"]] = portal_from_dict(entry)
    return Registry(portals, []).save(path), list(portals)


def _crawl_phase(sites: list, workers: int, groups: int, tmp: Path) -> dict:
    folder = tmp / f"workers-{workers}-groups-{groups}"
    folder.mkdir(parents=True)
    registry, ids = _registry(sites, groups, folder / "portals.toml")
    settings = [a for k, v in {**FAST, "LOG_LEVEL": "WARNING"}.items() for a in ("-s", f"{k}={v}")]
    before = [len(s.request_log) for s in sites]
    with RedisServer(folder / "redis") as redis:
        nianbao("queue", "crawl", "--redis", redis.url, "--registry", str(registry), *ids, *settings,
                "--delay", str(DELAY))  # fmt: skip
        started = time.monotonic()
        running = [Worker(redis.url, folder / f"shard{i}", "--quiet") for i in range(workers)]
        codes = [w.wait(300) for w in running]
        seconds = time.monotonic() - started
    if any(codes):
        raise RuntimeError(f"a worker failed: {codes}\n{running[0].tail()}")
    requests = sum(len(s.request_log) - b for s, b in zip(sites, before))
    gaps = []
    for site, b in zip(sites, before):
        times = sorted(r.time for r in site.request_log[b:])
        gaps += [t2 - t1 for t1, t2 in zip(times, times[1:])]
    figures = {
        "workers": workers,
        "host_groups": groups,
        "seconds": round(seconds, 2),
        "requests": requests,
        "requests_per_s": round(requests / seconds, 2),
        "min_gap_s": round(min(gaps), 3),
    }
    print(
        f"{workers} workers, {groups} host groups ({PORTALS} portals), delay {DELAY} s: {requests} requests in "
        f"{seconds:.1f} s → {figures['requests_per_s']} requests/s (smallest gap to one host {figures['min_gap_s']} s)",
        flush=True,
    )
    return figures


def _extraction(tmp: Path) -> dict:
    archive = tmp / "extract"
    when = datetime(2026, 3, 1, 8, tzinfo=UTC)
    with ArchiveSession(archive) as session:
        for i in range(DOCUMENTS):
            page = report_page(sample(i + 1))
            url = f"http://www.example.gov.cn/nb/{i}.html"
            got = session.capture(url, status=200, reason="OK", payload=page, fetched=when,
                                  response_headers=[("Content-Type", "text/html; charset=utf-8")])  # fmt: skip
            session.writer.write_metadata(url, {"type": "report", "page": {
                "url": url, "content_type": "text/html; charset=utf-8", "fetched": got.date, "link_text": None,
                "snapshot": {"url": url, "sha256": got.sha256, "warc_file": got.exchange.warc_file,
                             "warc_offset": got.exchange.offset}}, "attachments": []})  # fmt: skip
    inputs = report_inputs(archive)
    out: dict = {"documents": len(inputs)}
    for jobs in (1, 2):
        shutil.rmtree(archive / "cache", ignore_errors=True)
        stats = extract_pending(archive, inputs, jobs=jobs, writer=f"bench-{jobs}")
        out[f"jobs_{jobs}"] = {
            "seconds": round(stats.seconds, 2),
            "docs_per_s": round(stats.documents / stats.seconds, 1),
        }
        print(f"extraction ahead, {jobs} process(es): {stats.documents} documents in {stats.seconds:.2f} s → "
              f"{out[f'jobs_{jobs}']['docs_per_s']} documents/s", flush=True)  # fmt: skip
    out["speedup"] = round(out["jobs_1"]["seconds"] / out["jobs_2"]["seconds"], 2)
    return out


def run() -> dict:
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-scale-") as tmp_name:
        tmp = Path(tmp_name)
        sites = [
            start_site("hanweb", seed=i, attachments=False, n_reports=2, mirror=False, prerender=False)
            for i in range(PORTALS)
        ]
        try:
            crawl = [_crawl_phase(sites, workers, groups, tmp) for workers, groups in PHASES]
        finally:
            for site in sites:
                site.stop()
        extraction = _extraction(tmp)
    base = crawl[0]["requests_per_s"]
    for phase in crawl:
        phase["speedup"] = round(phase["requests_per_s"] / base, 2)
    return {"delay_s": DELAY, "crawl": crawl, "extraction": extraction}


if __name__ == "__main__":
    print(run())

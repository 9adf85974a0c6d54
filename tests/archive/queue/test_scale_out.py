"""Scale-out end to end: ``nianbao queue crawl`` → ``nianbao worker`` × N → ``nianbao merge``, on a real
``redis-server`` and real test portals; the merged archive equals a single-process crawl."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from crawler_harness import FAST, crawl
from queue_harness import RedisServer, Worker, archive_contents, needs_redis, nianbao, rows
from rq.job import Job

from archive.store.session import ArchiveSession
from crawler.registry import Registry, portal_from_dict

pytestmark = needs_redis  # each test starts its own redis-server on a free port

SETTINGS = [arg for key, value in FAST.items() for arg in ("-s", f"{key}={value}")]
FAMILIES = ("hanweb", "trs", "gkmlpt")


def registry_of(sites: list, path: Path, ids: list[str] | None = None) -> tuple[Path, list[str]]:
    """A registry file holding the sites (ids 4305NN-family unless given)."""
    portals = {}
    for i, site in enumerate(sites):
        entry = dict(site.portal_entry())
        entry["id"] = ids[i] if ids else f"43050{i}-{site.family}"
        portals[entry["id"]] = portal_from_dict(entry)
    Registry(portals, []).save(path)
    return path, list(portals)


def all_rows(db: Path, table: str) -> list[tuple]:
    return rows(db, f"SELECT * FROM {table} ORDER BY 1")


def test_portals_crawled_by_two_workers_and_merged_equal_one_process(portal_factory, tmp_path):
    sites = [portal_factory(f, attachments=False, n_reports=5, mirror=False) for f in FAMILIES]
    registry, ids = registry_of(sites, tmp_path / "portals.toml")
    single = crawl(registry, ids, tmp_path / "single")
    assert single.returncode == 0, single.log_tail()

    with RedisServer(tmp_path / "redis") as redis:
        out = nianbao("queue", "crawl", "--redis", redis.url, "--registry", str(registry), *ids, *SETTINGS, "--json")
        assert [e["status"] for e in json.loads(out.stdout)] == ["enqueued"] * 3  # one job per host group
        workers = [Worker(redis.url, tmp_path / f"shard{i}") for i in (1, 2)]
        assert [w.wait() for w in workers] == [0, 0], workers[0].tail() + workers[1].tail()
        status = json.loads(nianbao("queue", "status", "--redis", redis.url, "--json").stdout)
        assert sorted(g["finished"] for g in status["groups"]) == [1, 1, 1]
        assert all(g["failed"] == g["running"] == g["queued"] == 0 for g in status["groups"])

    shards = [w.shard for w in workers]
    # the shard whose files are newer merged first: a later shard with older files is still merged whole
    shards.sort(key=lambda s: min((p.name.rsplit("-", 2)[-2] for p in (s / "warc").glob("*.warc.gz")), default=""))
    main = tmp_path / "main"
    for shard in reversed(shards):
        nianbao("merge", "--archive", str(main), str(shard))
    merged = main / "nianbao.db"
    assert archive_contents(merged) == archive_contents(single.db)
    assert len(rows(merged, "SELECT * FROM reports")) >= 3 * 3
    assert rows(merged, "SELECT count(*) FROM crawl_runs WHERE shard IS NOT NULL") == [(3,)]  # one run a job
    assert {r[0] for r in rows(merged, "SELECT outcome FROM crawl_runs")} == {"ok"}
    assert sorted(r[0] for r in rows(merged, "SELECT shard FROM merges")) == sorted(
        json.loads((s / "shard.json").read_text())["id"] for s in shards if any((s / "warc").glob("*.warc.gz"))
    )

    again = nianbao("merge", "--archive", str(main), *map(str, shards))
    assert again.stdout.count("nothing new") == 2

    for jobs in ("1", "2"):
        rebuilt = tmp_path / f"rebuilt-{jobs}.db"
        nianbao("rebuild", "--archive", str(main), "--db", str(rebuilt), "--jobs", jobs)
        for table in ("reports", "cells", "checks", "sections", "snapshots", "fetches", "crawl_runs", "merges"):
            assert all_rows(rebuilt, table) == all_rows(merged, table), table
    assert list((main / "cache").glob("extract-rebuild.db"))  # --jobs 2 extracted ahead into the cache


def test_worker_killed_mid_job_loses_and_duplicates_nothing(portal_factory, tmp_path):
    site = portal_factory("hanweb", attachments=False, mirror=False)
    registry, ids = registry_of([site], tmp_path / "portals.toml")
    single = crawl(registry, ids, tmp_path / "single")
    assert single.returncode == 0, single.log_tail()
    slow = [*SETTINGS, "-s", "DOWNLOAD_DELAY=0.1"]

    with RedisServer(tmp_path / "redis") as redis:
        nianbao("queue", "crawl", "--redis", redis.url, "--registry", str(registry), *ids, *slow, "--lease", "3")
        first = Worker(redis.url, tmp_path / "shard1", burst=False)
        job_id = json.loads(nianbao("queue", "status", "--redis", redis.url, "--json").stdout)["groups"][0]["group"]
        conn = redis.client()
        job = Job.fetch(f"crawl-{job_id}", connection=conn)
        seen = len(site.request_log)
        deadline = time.monotonic() + 60
        while len(site.request_log) < seen + 25 or not job.meta.get("pids"):
            assert time.monotonic() < deadline, first.tail()
            time.sleep(0.05)
            job.refresh()
        first.kill(*job.meta["pids"])  # the worker, its job's horse and the crawl process
        killed_at = len(site.request_log)
        time.sleep(0.5)
        assert len(site.request_log) <= killed_at + 1  # nothing crawls on without its worker

        second = Worker(redis.url, tmp_path / "shard2", burst=False)
        deadline = time.monotonic() + 90
        while job.get_status(refresh=True) != "finished":
            assert time.monotonic() < deadline, f"{job.get_status()}\n{second.tail()}"
            time.sleep(0.2)
        assert second.stop() == 0
        job.refresh()
        assert job.retries_left == 2  # retried once, by RQ (its abandoned-job handling and Retry)

    main = tmp_path / "main"
    nianbao("merge", "--archive", str(main), str(tmp_path / "shard1"), str(tmp_path / "shard2"))
    merged = main / "nianbao.db"
    assert archive_contents(merged) == archive_contents(single.db)
    assert rows(merged, "SELECT outcome FROM crawl_runs ORDER BY id") == [("running",), ("ok",)]

    # the killed shard repairs itself when a session opens it (the worker's next job), and that
    # session's verdict on the interrupted run reaches the archive with the next merge
    with ArchiveSession(tmp_path / "shard1") as shard_session:
        assert shard_session.conn.execute("SELECT outcome FROM crawl_runs").fetchall()[0][0] == "interrupted"
    nianbao("merge", "--archive", str(main), str(tmp_path / "shard1"))
    assert rows(merged, "SELECT outcome FROM crawl_runs ORDER BY id") == [("interrupted",), ("ok",)]
    assert archive_contents(merged) == archive_contents(single.db)


def test_queue_errors_are_one_line(tmp_path):
    bad = nianbao(
        "queue", "crawl", "--redis", "redis://127.0.0.1:1/0", "--start-url", "http://127.0.0.1:9/", check=False
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "cannot reach Redis" in bad.stderr
    (tmp_path / "plain").mkdir()
    merge = nianbao("merge", "--archive", str(tmp_path / "main"), str(tmp_path / "plain"), check=False)
    assert merge.returncode == 1 and merge.stderr.count("\n") == 1 and "is not a shard" in merge.stderr
    assert not (tmp_path / "main").exists()


@pytest.mark.parametrize("table", ["merges"])
def test_merge_log_is_a_table(tmp_path, table):
    with ArchiveSession(tmp_path / "a") as session:
        cols = [r[1] for r in session.conn.execute(f"PRAGMA table_info({table})")]
    assert {"shard", "root", "files", "at", "records"} <= set(cols)
    assert sqlite3.connect(tmp_path / "a" / "nianbao.db").execute("SELECT count(*) FROM merges").fetchone() == (0,)


def assert_polite(site, delay: float) -> int:
    """At most one request in flight to the site's host, and no two requests closer than ``delay``
    (start to start, less 30 %: Scrapy times its delay inside the crawler, not on the wire; two
    crawls at once come much closer); returns how many requests it saw."""
    log = sorted(site.request_log, key=lambda r: r.time)
    for prev, nxt in zip(log, log[1:]):
        assert prev.answered is not None
        assert nxt.time >= prev.answered - 0.005, f"{nxt.path} sent while {prev.path} was in flight"
        assert nxt.time - prev.time >= delay * 0.7, f"{prev.path} → {nxt.path}: {nxt.time - prev.time:.3f} s"
    return len(log)


def test_one_request_in_flight_per_host_across_workers(portal_factory, tmp_path):
    delay = 0.2
    shared = portal_factory("hanweb", attachments=False, n_reports=1, mirror=False)
    alone = portal_factory("trs", attachments=False, n_reports=3, mirror=False)
    registry, ids = registry_of([shared, shared, alone], tmp_path / "portals.toml", ["430501", "430502", "430503"])
    polite = [*SETTINGS, "-s", f"DOWNLOAD_DELAY={delay}"]

    with RedisServer(tmp_path / "redis") as redis:
        out = nianbao("queue", "crawl", "--redis", redis.url, "--registry", str(registry), *ids, *polite, "--json")
        groups = json.loads(out.stdout)
        assert sorted(len(g["portals"]) for g in groups) == [1, 2]  # the two portals of one host: one job
        pair = next(g for g in groups if len(g["portals"]) == 2)
        workers = [Worker(redis.url, tmp_path / f"shard{i}", burst=False) for i in (1, 2, 3)]
        conn = redis.client()
        job = Job.fetch(pair["job"], connection=conn)
        deadline = time.monotonic() + 60
        while job.get_status(refresh=True) != "started":
            assert time.monotonic() < deadline, workers[0].tail()
            time.sleep(0.05)
        again = nianbao("queue", "crawl", "--redis", redis.url, "--registry", str(registry), "430501", *polite)
        assert again.stdout.startswith("already started"), again.stdout  # (the job takes ~20 s)
        # what broke RQ's rate limit in a trial: the same job id enqueued again while it runs
        from rq import Queue
        from rq import Worker as RqWorker
        from rq.rate_limit import RateLimit

        job.refresh()
        crawl_queue = Queue("nianbao-crawl", connection=conn)
        crawl_queue.enqueue(
            "archive.queue.jobs.crawl_group", job.args[0], job_id=job.id, rate_limit=RateLimit(pair["group"], 1)
        )
        # and a copy of the job under another id, without the rate limit: only the lease keeps it waiting
        crawl_queue.enqueue("archive.queue.jobs.crawl_group", job.args[0], job_id="crawl-copy", meta=job.meta)
        deadline = time.monotonic() + 240
        idle = 0
        while idle < 3:  # every worker idle and nothing queued, three times in a row
            busy = crawl_queue.count + sum(RqWorker.get_state(w) != "idle" for w in RqWorker.all(connection=conn))
            idle = idle + 1 if not busy and len(RqWorker.all(connection=conn)) == 3 else 0
            assert time.monotonic() < deadline, nianbao("queue", "status", "--redis", redis.url).stdout
            time.sleep(0.5)
        assert [w.stop(120) for w in workers] == [0, 0, 0]

    robots = [r for r in shared.request_log if r.path == "/robots.txt"]
    assert len(robots) in (
        4,
        6,
    )  # each portal of the shared host crawled by the job and its copy (the re-enqueued id: 0 or 1 more)
    assert assert_polite(shared, delay) > 4 * 20
    assert assert_polite(alone, delay) > 5


def test_deferred_extraction_runs_on_another_worker_and_the_merge_ingests_it(portal_factory, tmp_path):
    site = portal_factory("gkmlpt", attachments=False, n_reports=5, mirror=False)
    registry, ids = registry_of([site], tmp_path / "portals.toml")
    single = crawl(registry, ids, tmp_path / "single")
    assert single.returncode == 0, single.log_tail()

    with RedisServer(tmp_path / "redis") as redis:
        nianbao("queue", "crawl", "--redis", redis.url, "--registry", str(registry), *ids, *SETTINGS)
        crawler = Worker(redis.url, tmp_path / "crawls", "--queues", "crawl", "--defer-extraction")
        assert crawler.wait() == 0, crawler.tail()
        status = json.loads(nianbao("queue", "status", "--redis", redis.url, "--json").stdout)
        assert status["extraction"]["queued"] >= 1
        extractor = Worker(redis.url, tmp_path / "extracts", "--queues", "extract")
        assert extractor.wait() == 0, extractor.tail()
        status = json.loads(nianbao("queue", "status", "--redis", redis.url, "--json").stdout)
        assert status["extraction"]["finished"] >= 1 and status["extraction"]["failed"] == 0

    assert rows(tmp_path / "crawls" / "nianbao.db", "SELECT count(*) FROM reports") == [(0,)]
    assert list((tmp_path / "extracts" / "cache").glob("extract-*.db"))
    main = tmp_path / "main"
    nianbao("merge", "--archive", str(main), str(tmp_path / "crawls"), str(tmp_path / "extracts"))
    assert archive_contents(main / "nianbao.db") == archive_contents(single.db)

"""The early stop of incremental runs, its limits, and the scheduled full walk that covers them.

A report taken down from the last page of a list whose first page stays byte-identical is beyond
what an early-stopped walk sees: the incremental run neither asks for it nor marks it; the next
run, made full by ``--full-every``, finds it (404 → ``removed_at``).  Overlapping scheduled runs:
the second finds the archive busy and exits 75 without a request.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from crawler_harness import FAST, REPO, crawl, register

from archive.cli.commands.crawl import EXIT_BUSY
from archive.ops.monitors import portal_health
from crawler.runner import scheduled_mode


def _rows(db: Path, sql: str, *args) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def test_removal_past_an_early_stop_is_found_by_the_scheduled_full_run(portal_factory, tmp_path):
    site = portal_factory("trs", attachments=False, per_page=2)
    registry, pid = register(site, tmp_path)
    archive = tmp_path / "data"
    first = crawl(registry, [pid], archive, args=["--incremental", "--full-every", "3"])  # no full run yet: full
    assert first.returncode == 0, first.log_tail()
    assert first.value("SELECT mode FROM crawl_runs") == "full"
    s = site.site
    key = next(k for k in ("xj", "xzfbm", "root") if len(s.listed(k)) >= 3 and len(s.listed(k)) % 2 == 0)
    listed = s.listed(key)
    doc, _ = listed[-1]  # the oldest item, second of the two on the list's last page
    gone = site.remove_report(doc.doc_id)
    listings = first.rows(
        "SELECT * FROM listings WHERE url = ? AND list_key LIKE ?", gone.url, f"%{s.columns[key].path}"
    )
    assert [(r["page_no"], r["position"]) for r in listings] == [(len(listed) // 2, 2)]

    site.clear_log()
    second = crawl(registry, [pid], archive, args=["--incremental", "--early-stop", "--full-every", "3"])
    assert second.returncode == 0, second.log_tail()
    run2 = second.rows("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    assert run2["mode"] == "incremental"
    paths = [r.path for r in site.request_log]
    detail_paths = {urlsplit(u).path for e in site.expected_reports + [gone] for u in [e.url, *e.alt_urls]}
    assert not set(paths) & detail_paths  # nothing changed that a list shows: no detail page asked for
    assert f"{s.columns[key].path}index_1.html" not in paths  # the list's first page was unchanged: walk stopped
    (row,) = second.rows("SELECT * FROM reports WHERE url = ?", gone.url)
    assert row["removed_at"] is None
    stats = second.rows("SELECT * FROM crawl_portal_stats WHERE run_id = ?", run2["id"])[0]
    assert stats["early_stops"] >= 1 and stats["list_pages_skipped"] >= 1 and stats["rechecked"] == 0
    assert stats["list_pages"] < stats["list_pages_expected"] <= stats["list_pages"] + stats["list_pages_skipped"]
    conn = sqlite3.connect(second.db)
    try:
        (health,) = portal_health(conn)
    finally:
        conn.close()
    assert health["monitors"] == []  # pages left out by an early stop are not a broken pager

    site.clear_log()
    third = crawl(registry, [pid], archive, args=["--incremental", "--early-stop", "--full-every", "2"])
    assert third.returncode == 0, third.log_tail()
    assert third.value("SELECT mode FROM crawl_runs ORDER BY id DESC LIMIT 1") == "full"  # 1 incremental since the full
    assert [r.status for r in site.request_log if r.path == urlsplit(gone.url).path] == [404]
    (row,) = third.rows("SELECT * FROM reports WHERE url = ?", gone.url)
    assert row["removed_at"] is not None
    assert third.value("SELECT removed_reports FROM crawl_portal_stats ORDER BY run_id DESC LIMIT 1") == 1


def test_scheduled_mode_counts_runs_since_the_last_full_one(tmp_path):
    from archive.store import db

    path = tmp_path / "nianbao.db"
    assert scheduled_mode(path, ["a"], 7) == "full"  # no archive yet
    conn = db.connect(path)
    for mode, portals, outcome in [("full", ["a", "b"], "ok"), ("incremental", ["a"], "ok"), ("incremental", ["a", "b"], "ok"),
                                   ("full", ["a"], "failed"), ("incremental", ["a"], "ok")]:  # fmt: skip
        run = db.start_run(conn, portals, mode)
        db.finish_run(conn, run, {}, outcome)
    conn.close()
    assert (
        scheduled_mode(path, ["a"], 4) == "full"
    )  # 3 incremental runs of a since its full run (a failed full counts not)
    assert scheduled_mode(path, ["a"], 5) == "incremental"
    assert scheduled_mode(path, ["b"], 3) == "incremental"  # b: one incremental run since
    assert scheduled_mode(path, ["b"], 2) == "full"
    assert scheduled_mode(path, ["a", "b"], 5) == "incremental" and scheduled_mode(path, ["a", "c"], 5) == "full"
    assert scheduled_mode(path, ["a"], 1) == "full"


def _crawl_cmd(registry: Path, pid: str, archive: Path, *extra: str, settings: dict | None = None) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "archive",
        "crawl",
        pid,
        "--archive",
        str(archive),
        "--registry",
        str(registry),
        *extra,
    ]
    for key, value in {**FAST, **(settings or {})}.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def test_overlapping_scheduled_runs(portal_factory, tmp_path):
    site = portal_factory("generic", attachments=False, n_reports=3)
    registry, pid = register(site, tmp_path)
    archive = tmp_path / "data"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    slow = subprocess.Popen(
        _crawl_cmd(registry, pid, archive, settings={"DOWNLOAD_DELAY": 1.0}),  # outlasts two process starts under load
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(site.request_log) < 2:
            time.sleep(0.05)
        assert len(site.request_log) >= 2, "the first crawl did not start"
        before = len(site.request_log)
        second = subprocess.run(
            _crawl_cmd(registry, pid, archive, "--incremental", "--skip-if-busy"),
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == EXIT_BUSY == 75, second.stderr
        assert f"pid {slow.pid}" in second.stderr and "this run is skipped" in second.stderr
        assert "Traceback" not in second.stderr
        plain = subprocess.run(
            _crawl_cmd(registry, pid, archive), cwd=REPO, env=env, capture_output=True, text=True, timeout=60
        )
        assert plain.returncode == 2 and "in use by another process" in plain.stderr
        assert not [r for r in site.request_log[before:] if r.path == "/robots.txt"]  # the skipped runs asked nothing
        out, err = slow.communicate(timeout=120)
    finally:
        if slow.poll() is None:
            slow.kill()
            slow.communicate()
    assert slow.returncode == 0, err[-3000:]
    assert [tuple(r) for r in _rows(archive / "nianbao.db", "SELECT id, outcome FROM crawl_runs")] == [(1, "ok")]


def test_an_overlapping_scrapy_job_fetches_nothing(portal_factory, tmp_path):
    """``scrapy crawl portal`` (how Scrapyd runs jobs) on a busy archive: an error, no request."""
    from archive.store.rebuild import archive_lock

    site = portal_factory("generic", attachments=False, n_reports=2)
    registry, pid = register(site, tmp_path)
    archive = tmp_path / "data"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", f"portal={pid}", "-a", f"registry={registry}",
           "-s", f"NIANBAO_ARCHIVE_DIR={archive}", "-s", f"NIANBAO_DB={archive / 'nianbao.db'}"]  # fmt: skip
    with archive_lock(archive):
        job = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert "is in use by another process" in job.stderr and "nothing is crawled" in job.stderr, job.stderr[-2000:]
    assert site.request_log == []

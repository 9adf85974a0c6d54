"""A crawl killed mid-run, resumed, re-run unchanged, rebuilt from its WARC files, re-run incrementally."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from crawler_harness import REPO, assert_attachments_linked, assert_every_report_once, crawl, register

REPORT_COLUMNS = "url, title, organ, year, template, published, sha256, portal, doc_key, version, is_current, carrier, cell_count, checks_failed"


def _integrity(db) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def _rows(db, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return sorted(tuple(r) for r in conn.execute(sql))
    finally:
        conn.close()


def test_kill_resume_idempotent_rebuild_incremental(portal_factory, tmp_path):
    site = portal_factory("trs", duplicates=True)
    registry, pid = register(site, tmp_path)
    archive = tmp_path / "data"

    # 1. killed with SIGKILL in the middle of the crawl
    killed = crawl(
        registry, [pid], archive, settings={"DOWNLOAD_DELAY": 0.05}, kill_when=lambda: len(site.request_log) >= 22
    )
    assert killed.returncode == -9, killed.log_tail()
    assert _integrity(killed.db) == "ok"
    partial = killed.value("SELECT count(*) FROM reports")
    assert partial < len(site.expected_reports)

    # 2. the next run repairs the WARC files, completes what was written, and finds everything once
    site.clear_log()
    resumed = crawl(registry, [pid], archive)
    assert resumed.returncode == 0, resumed.log_tail()
    assert _integrity(resumed.db) == "ok"
    assert_every_report_once(site, resumed)
    assert_attachments_linked(site, resumed)
    runs = resumed.rows("SELECT id, outcome FROM crawl_runs ORDER BY id")
    assert [r["outcome"] for r in runs] == ["interrupted", "ok"]

    # 3. an unchanged portal crawled again: no new report rows, no new payloads (revisits only)
    reports_before = _rows(resumed.db, f"SELECT id, {REPORT_COLUMNS} FROM reports")
    snapshots_before = resumed.value("SELECT count(*) FROM snapshots")
    again = crawl(registry, [pid], archive)
    assert again.returncode == 0, again.log_tail()
    assert _rows(again.db, f"SELECT id, {REPORT_COLUMNS} FROM reports") == reports_before
    assert again.value("SELECT count(*) FROM snapshots") == snapshots_before
    run3 = again.value("SELECT max(id) FROM crawl_runs")
    fresh = again.rows("SELECT url FROM fetches WHERE run_id = ? AND status = 200 AND revisit = 0", run3)
    assert fresh == []
    stats = again.rows("SELECT * FROM crawl_portal_stats WHERE run_id = ?", run3)[0]
    assert (
        stats["new_reports"] == 0
        and stats["changed_reports"] == 0
        and stats["reports_seen"] >= len(site.expected_reports)
    )

    # 4. the WARC files are valid, and a rebuild from them alone gives the same reports and cells
    warcs = sorted((archive / "warc").glob("*.warc.gz"))
    assert warcs
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *map(str, warcs)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    rebuilt = tmp_path / "rebuilt.db"
    out = subprocess.run(
        [sys.executable, "-m", "archive", "rebuild", "--archive", str(archive), "--db", str(rebuilt)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert _rows(rebuilt, f"SELECT id, {REPORT_COLUMNS} FROM reports") == reports_before
    cells = 'SELECT r.url, c.table_name, c."row", c.col, c.value, c.raw, c.unit FROM cells c JOIN reports r ON r.id = c.report_id'
    assert _rows(rebuilt, cells) == _rows(again.db, cells) != []
    attachments = "SELECT report_id, url, sha256 FROM attachments"
    assert _rows(rebuilt, attachments) == _rows(again.db, attachments)

    # 5. incremental: conditional requests, 304 answers, the same reports, fewer requests
    site.clear_log()
    incremental = crawl(registry, [pid], archive, args=["--incremental", "--no-early-stop"])
    assert incremental.returncode == 0, incremental.log_tail()
    log = site.request_log
    conditional = [r for r in log if "if-none-match" in r.headers]
    assert conditional and all(r.status == 304 for r in conditional)
    report_paths = {e.url[len(site.base_url) :] for e in site.expected_reports}
    assert not [r for r in log if r.path in report_paths]  # an unchanged portal costs only its list pages
    assert _rows(incremental.db, f"SELECT id, {REPORT_COLUMNS} FROM reports") == reports_before
    run5 = incremental.rows("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    assert run5["mode"] == "incremental" and run5["outcome"] == "ok"
    stats5 = incremental.rows("SELECT * FROM crawl_portal_stats WHERE run_id = ?", run5["id"])[0]
    assert stats5["not_modified"] == len(conditional) and stats5["new_reports"] == 0
    assert len(log) < stats["requests"]

    # 6. with the early stop, an unchanged first page of known reports ends its list's walk
    site.clear_log()
    early = crawl(registry, [pid], archive, args=["--incremental"])  # early stop: the default of incremental runs
    assert early.returncode == 0, early.log_tail()
    walked = [r.path for r in site.request_log]
    assert not [p for p in walked if "/index_" in p] and len(walked) < len(log)
    run6 = early.rows("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    stats6 = early.rows("SELECT * FROM crawl_portal_stats WHERE run_id = ?", run6["id"])[0]
    assert stats6["list_pages"] < stats6["list_pages_expected"]  # the pager states more than was walked

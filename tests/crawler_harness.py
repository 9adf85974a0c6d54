"""Helpers of the crawler tests: register a local test portal, crawl it in a subprocess, read the result.

The Twisted reactor runs once per process, so every crawl is its own ``python -m archive crawl``
(``nianbao crawl``) process; assertions read the resulting SQLite database, WARC files and the test
portal's request log.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crawler.registry import Registry, portal_from_dict

REPO = Path(__file__).resolve().parents[1]
# politeness off, fast retries: the tests measure behaviour, not speed
FAST = {
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "AUTOTHROTTLE_ENABLED": "false",
    "NIANBAO_BACKOFF_BASE": 0.05,
    "NIANBAO_BLOCK_BACKOFF": 0.05,
    "NIANBAO_RETRY_AFTER_MAX": 5,
    "DOWNLOAD_TIMEOUT": 5,
    "LOG_LEVEL": "INFO",
}


@dataclass
class Crawl:
    """One finished (or killed) crawl process and its archive."""

    returncode: int
    stdout: str
    stderr: str
    archive: Path
    seconds: float

    @property
    def db(self) -> Path:
        return self.archive / "nianbao.db"

    def rows(self, sql: str, *args) -> list[sqlite3.Row]:
        conn = sqlite3.connect(self.db)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def value(self, sql: str, *args):
        return self.rows(sql, *args)[0][0]

    def reports(self) -> dict[str, sqlite3.Row]:
        return {r["url"]: r for r in self.rows("SELECT * FROM reports WHERE is_current = 1")}

    def report_urls(self) -> dict[str, int]:
        return {r["url"]: r["report_id"] for r in self.rows("SELECT url, report_id FROM report_urls")}

    def log_tail(self, n: int = 4000) -> str:
        return f"--- stdout\n{self.stdout[-n:]}\n--- stderr\n{self.stderr[-n:]}"


def register(site, tmp_path: Path, portal_id: str | None = None, extra: dict | None = None) -> tuple[Path, str]:
    """A registry file holding the test site (hosts ``127.0.0.1:PORT``) and its id."""
    entry = dict(site.portal_entry())
    if portal_id:
        entry["id"] = portal_id
    entry.update(extra or {})
    portal = portal_from_dict(entry)
    reg = Registry({portal.id: portal}, [])
    path = tmp_path / "portals.toml"
    reg.save(path)
    return path, portal.id


def crawl(
    registry: Path | None,
    portal_ids: list[str],
    archive: Path,
    *,
    settings: dict | None = None,
    args: list[str] | None = None,
    kill_when: Callable[[], bool] | None = None,
    timeout: float = 180,
) -> Crawl:
    """Run one crawl process; ``kill_when`` (polled) SIGKILLs it mid-run."""
    merged = {**FAST, **(settings or {})}
    cmd = [sys.executable, "-m", "archive", "crawl", *portal_ids] + ["--archive", str(archive)]
    if registry is not None:
        cmd += ["--registry", str(registry)]
    for key, value in merged.items():
        cmd += ["-s", f"{key}={value}"]
    cmd += list(args or [])
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if kill_when is not None:
        while proc.poll() is None and time.monotonic() - started < timeout:
            if kill_when():
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.02)
    try:
        out, err = proc.communicate(timeout=max(1.0, timeout - (time.monotonic() - started)))
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"crawl did not finish in {timeout} s\n{err[-4000:]}") from None
    return Crawl(proc.returncode, out, err, archive, time.monotonic() - started)


def summarised_crawl(
    registry: Path, pid: str, archive: Path, *, args: list[str] | None = None, settings: dict | None = None
) -> tuple[dict, float]:
    """A crawl (raising when it fails) and its ``--summary-json`` (per-portal stats, peak RSS), plus wall seconds."""
    summary_path = archive.parent / f"summary-{time.monotonic_ns()}.json"
    result = crawl(
        registry,
        [pid],
        archive,
        settings=settings,
        args=[*(args or []), "--summary-json", str(summary_path)],
        timeout=900,
    )
    if result.returncode != 0:
        raise RuntimeError(f"crawl {args or []} failed ({result.returncode})\n{result.stderr[-3000:]}")
    return json.loads(summary_path.read_text()), result.seconds


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assert_every_report_once(site, result: Crawl) -> dict[str, sqlite3.Row]:
    """Every expected report archived exactly once under its canonical URL, with its title and
    year; nothing else archived as a report; the non-report items never archived as reports."""
    reports = result.reports()
    expected = {e.url: e for e in site.expected_reports}
    assert sorted(reports) == sorted(expected), result.log_tail()
    for url, exp in expected.items():
        row = reports[url]
        assert row["title"] == exp.title, (url, row["title"], exp.title)
        assert row["year"] == exp.year, (url, row["year"], exp.year)
        assert row["version"] == 1
    urls = result.report_urls()
    for non in site.non_reports:
        assert non not in urls, f"non-report {non} archived as a report"
    for exp in expected.values():
        for alt in exp.alt_urls:  # twins and repeated listings point at the same row, when seen at all
            if alt in urls:
                assert urls[alt] == reports[exp.url]["id"], alt
    assert result.value("SELECT count(DISTINCT doc_key) FROM reports") == len(expected)
    return reports


def assert_attachments_linked(site, result: Crawl) -> int:
    """Every attachment of the ground truth downloaded, archived and linked to its report row."""
    reports = result.reports()
    rows = {(r["report_id"], r["url"]): r for r in result.rows("SELECT * FROM attachments WHERE sha256 IS NOT NULL")}
    n = 0
    for exp in site.expected_reports:
        for att in exp.attachments:
            key = (reports[exp.url]["id"], att.url)
            assert key in rows, f"attachment {att.url} of {exp.url} not linked"
            assert rows[key]["sha256"] == sha256(site.attachment_bytes(att.url))
            assert rows[key]["snapshot_id"] is not None
            n += 1
    return n


def assert_stayed_home(site) -> None:
    """No request to the spam mirror, robots.txt asked first and obeyed."""
    assert site.mirror.request_log == [], [r.path for r in site.mirror.request_log]
    log = site.request_log
    assert log and log[0].path == "/robots.txt"
    disallowed = {u[len(site.base_url) :] for u in site.robots_disallowed}
    assert disallowed and not [r.path for r in log if r.path in disallowed or r.path.startswith("/preview/")]
    assert all(r.headers.get("user-agent", "").startswith("nianbao/") for r in log)

"""Crawl health monitors (archive/monitors.py) on synthetic run histories: each rule fires exactly
when it should; ``nianbao status`` (table, ``--json``, exit codes) and the Datasette status page
and view 「抓取健康状况」 show the same."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import datasette_json
import httpx
import pytest
from datasette.utils import tilde_encode
from paths import REPO
from publish_fixtures import Server

from archive.ops.monitors import MONITORS, alerts, health_sql, portal_health
from archive.publish.prepare import prepare_for_serving
from archive.store import db

STATUS = [sys.executable, "-m", "archive", "status"]

OK = {"requests": 100, "responses": 100, "list_pages": 4, "list_pages_expected": 4, "reports_seen": 5, "reports_listed": 20,
      "new_reports": 0, "errors": 0, "blocks": 0, "duration": 12.5, "outcome": "ok"}  # fmt: skip


class History:
    """An archive database with crawl runs written the way the crawler writes them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = db.connect(path)

    def portal(self, pid: str, name: str) -> None:
        db.upsert_portal(self.conn, {"id": pid, "name": name, "level": "county"})

    def run(self, per_portal: dict[str, dict], mode: str = "incremental") -> int:
        run_id = db.start_run(
            self.conn, list(per_portal), mode, started=f"2026-01-{len(self.runs()) + 1:02d}T03:17:00Z"
        )
        for pid, stats in per_portal.items():
            db.record_portal_stats(self.conn, run_id, pid, {**OK, **stats})
        outcomes = {s.get("outcome", "ok") for s in per_portal.values()}
        db.finish_run(self.conn, run_id, {}, "ok" if "ok" in outcomes else "failed")
        return run_id

    def runs(self) -> list:
        return self.conn.execute("SELECT id FROM crawl_runs").fetchall()

    def report(self, pid: str, version: int = 1, fetched: str = "2026-01-01T03:20:00Z") -> None:
        self.conn.execute(
            "INSERT INTO reports(url, portal, doc_key, version, is_current, fetched, organ, year) VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
            (
                f"http://{pid}/r{len(self.runs())}-{version}",
                pid,
                f"http://{pid}/r{version}",
                version,
                fetched,
                "某局",
                2024,
            ),
        )

    def health(self, **kwargs) -> dict[str, dict]:
        return {r["portal"]: r for r in portal_health(self.conn, **kwargs)}


@pytest.fixture
def history(tmp_path):
    h = History(tmp_path / "data" / "nianbao.db")
    for pid, name in (("a", "甲县人民政府"), ("b", "乙县人民政府")):
        h.portal(pid, name)
    yield h
    h.conn.close()


def _errors(rate: float) -> dict:
    return {"errors": round(rate * 100)}


def test_a_healthy_portal_fires_nothing(history):
    history.run({"a": {"new_reports": 3}}, mode="full")
    history.report("a")
    history.run({"a": {}})
    (row,) = history.health().values()
    assert row["monitors"] == [] and (row["run_id"], row["mode"], row["runs"], row["runs_without_new"]) == (
        2,
        "incremental",
        2,
        1,
    )
    assert (row["name"], row["reports_archived"], row["last_new_report"]) == ("甲县人民政府", 1, "2026-01-01T03:20:00Z")


def test_dead_and_zero_reports(history):
    history.run({"a": {"new_reports": 1}, "b": {"new_reports": 1}})
    history.run({"a": {"outcome": "failed", "responses": 0, "errors": 3, "requests": 3, "reports_listed": 0, "reports_seen": 0},
                 "b": {"reports_listed": 0, "reports_seen": 0}})  # fmt: skip
    health = history.health()
    assert health["a"]["monitors"] == ["dead"]  # not also zero_reports or an error jump: it is dead
    assert health["b"]["monitors"] == ["zero_reports"]


def test_why_a_portal_yielded_nothing_and_unreadable_platforms(history, tmp_path):
    history.run({"a": {"new_reports": 1}, "b": {"new_reports": 1}})
    reason = "platform recognised but its data could not be read (gkmlpt)"
    history.run({"a": {"reports_listed": 0, "reports_seen": 0, "unreadable_pages": 3, "empty_reason": reason},
                 "b": {"reports_listed": 0, "reports_seen": 0, "empty_reason": "no annual-report column (年报) found in the disclosure area"}})  # fmt: skip
    health = history.health()
    assert health["a"]["monitors"] == ["zero_reports", "unreadable_platform"] and health["a"]["empty_reason"] == reason
    assert health["b"]["monitors"] == ["zero_reports"]
    fired = {(a["portal"], a["monitor"]): a["why"] for a in alerts(list(health.values()))}
    assert fired == {("a", "zero_reports"): reason, ("a", "unreadable_platform"): None,
                     ("b", "zero_reports"): "no annual-report column (年报) found in the disclosure area"}  # fmt: skip
    table = subprocess.run([*STATUS, "--db", str(history.path)], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert table.returncode == 1
    assert f"zero_reports (未发现报告: {reason})" in table.stdout
    assert "unreadable_platform (平台数据无法读取: 3 pages)" in table.stdout
    assert (
        "ALERT b zero_reports (未发现报告): the portal answered, but its lists showed no report — no annual-report column"
        in table.stdout
    )


def test_pagination_short_but_not_for_early_stops(history):
    history.run(
        {
            "a": {"new_reports": 1, "list_pages": 3, "list_pages_expected": 5},
            "b": {
                "new_reports": 1,
                "list_pages": 3,
                "list_pages_expected": 5,
                "list_pages_skipped": 2,
                "early_stops": 1,
            },
        }
    )
    health = history.health()
    assert health["a"]["monitors"] == ["pagination_short"] and health["b"]["monitors"] == []


def test_error_rate_jump_against_the_median_of_previous_runs(history):
    for rate in (0.0, 0.05, 0.10, 0.0, 0.05, 0.30):  # older runs; only the last 5 before the latest count
        history.run({"a": {"new_reports": 1, **_errors(rate)}, "b": {"new_reports": 1, **_errors(0.3)}})
    history.run({"a": {"new_reports": 1, **_errors(0.25)}, "b": {"new_reports": 1, **_errors(0.85)}})
    health = history.health()
    # a: median of (0.05, 0.10, 0.0, 0.05, 0.30) = 0.05 → threshold max(0.2, 0.15) = 0.2 < 0.25
    assert (health["a"]["error_baseline"], health["a"]["monitors"]) == (0.05, ["error_rate_jump"])
    # b: always 30 %, median 0.3 → threshold 0.9: 0.85 is no jump
    assert (health["b"]["error_baseline"], health["b"]["monitors"]) == (0.3, [])
    # a shorter window: the last 2 runs (0.05, 0.30) → median 0.175 → threshold 0.525
    assert history.health(baseline_runs=2)["a"]["monitors"] == []


def test_block_rate_jump_and_first_run(history):
    history.run(
        {"a": {"new_reports": 1, "blocks": 21}, "b": {"new_reports": 1, "blocks": 20}}
    )  # no history: floor 20 %
    health = history.health()
    assert health["a"]["monitors"] == ["block_rate_jump"] and health["b"]["monitors"] == []
    assert health["a"]["block_rate"] == 0.21 and health["a"]["baseline_runs"] == 0


def test_stale_after_n_runs_without_a_new_report(history):
    history.run({"a": {"new_reports": 4}, "b": {}})
    for _ in range(12):
        history.run({"a": {}, "b": {}})
    health = history.health()
    assert (health["a"]["runs_without_new"], health["a"]["monitors"]) == (12, ["stale"])
    assert (health["b"]["runs_without_new"], health["b"]["monitors"]) == (13, ["stale"])  # never had a new report
    assert history.health(stale_runs=13)["a"]["monitors"] == []
    with pytest.raises(ValueError):
        health_sql(stale_runs=0)


def test_status_command_table_json_and_exit_codes(history, tmp_path):
    archive = history.path.parent
    history.run({"a": {"new_reports": 2}, "b": {"new_reports": 1}}, mode="full")
    healthy = subprocess.run([*STATUS, "--archive", str(archive)], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert healthy.returncode == 0, healthy.stderr
    lines = healthy.stdout.splitlines()
    assert lines[0].split()[:6] == ["portal", "name", "run", "started", "mode", "outcome"]
    assert lines[1].split()[:6] == ["a", "甲县人民政府", "1", "2026-01-01T03:17:00Z", "full", "ok"] and lines[
        1
    ].endswith("ok")
    assert "ALERT" not in healthy.stdout
    history.run({"a": {"outcome": "failed", "responses": 0, "errors": 2, "requests": 2}, "b": {"new_reports": 1}})
    out = subprocess.run(
        [*STATUS, "--archive", str(archive), "--json"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 1, out.stderr
    doc = json.loads(out.stdout)
    assert doc["healthy"] is False and [(a["portal"], a["monitor"], a["label"]) for a in doc["alerts"]] == [
        ("a", "dead", "门户无法访问")
    ]
    assert {p["portal"]: p["monitors"] for p in doc["portals"]} == {"a": ["dead"], "b": []}
    table = subprocess.run([*STATUS, "--db", str(history.path)], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert table.returncode == 1 and "ALERT a dead (门户无法访问)" in table.stdout
    missing = subprocess.run(
        [*STATUS, "--archive", str(tmp_path / "nowhere")], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 2 and "archive database not found" in missing.stderr
    bad = subprocess.run(
        [*STATUS, "--archive", str(archive), "--stale-runs", "0"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 2
    usage = subprocess.run([*STATUS, "--runs", "x"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2


def test_empty_archive_is_healthy(tmp_path):
    path = tmp_path / "nianbao.db"
    db.connect(path).close()
    out = subprocess.run([*STATUS, "--db", str(path)], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "no finished crawl run yet" in out.stdout


def test_status_page_and_view_in_datasette(history):
    history.run({"a": {"new_reports": 2}, "b": {"new_reports": 1}}, mode="full")
    history.run({"a": {"outcome": "failed", "responses": 0, "errors": 2, "requests": 2}, "b": {"list_pages": 1}})
    history.conn.close()
    prepare_for_serving(history.path)
    view = {
        r[0]: r
        for r in sqlite3.connect(history.path).execute('SELECT 门户, 状态, 告警, 最近批次, 结果 FROM "抓取健康状况"')
    }
    assert view == {"a": ("a", "告警", "门户无法访问", 2, "失败"), "b": ("b", "告警", "分页提前中断", 2, "成功")}
    server = Server(["--db", str(history.path)])
    try:
        client = httpx.Client(base_url=server.url, timeout=30)
        doc = client.get("/nianbao/-/status.json").json()
        assert doc["healthy"] is False and [(a["portal"], a["monitor"]) for a in doc["alerts"]] == [
            ("a", "dead"),
            ("b", "pagination_short"),
        ]
        html = client.get("/nianbao/-/status").text
        assert "2 条告警" in html and "门户无法访问" in html and "甲县人民政府" in html
        assert (
            client.get("/nianbao/-/status.json", params={"stale_runs": "1"}).json()["alerts"][-1]["monitor"] == "stale"
        )
        assert client.get("/nianbao/-/status.json", params={"runs": "0"}).status_code == 400
        rows = client.get(f"/nianbao/{tilde_encode('抓取健康状况')}.json", params={"_shape": "array"}).json()
        assert [r["门户"] for r in rows] == ["a", "b"]
        meta = datasette_json.table_metadata(client, "nianbao", "抓取健康状况")
        assert all(m.label in meta["description"] for m in MONITORS)
        client.close()
    finally:
        server.stop()


def test_alerts_name_monitor_rule_and_run():
    rows = [{"portal": "x", "name": "某县", "run_id": 4, "monitors": ["stale", "dead"]}]
    assert [(a["monitor"], a["run_id"]) for a in alerts(rows)] == [("stale", 4), ("dead", 4)]
    assert alerts(rows)[0]["rule"] == "N runs in a row without a new report"

"""Scheduled crawls of portals that change between runs (issue 6), over real HTTP.

Run 1 walks two portals in full.  Then the TRS portal has a season of changes
(:func:`portals.apply_season_changes`: a report added, one edited, one removed, one attachment
replaced, one page turned into a block page) and the generic portal goes dead.  Run 2 is the
scheduled incremental run (early stop on): it archives exactly the changes — one new report, two
new versions with their cell and text diffs, both versions kept — and asks for no unchanged detail
page or attachment, and re-checks the removed report (its one-page list was walked to the end: 404
→ ``removed_at``); the dead portal's run fails and the monitors fire.  Run 3, the periodic full
walk, records the block page as a block, without marking that report removed or changed (a
removal further down a list than an early stop walks is found by the full run:
``test_incremental_early_stop.py``).  ``nianbao rebuild`` reproduces the change and listing tables.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from crawler_harness import REPO, crawl
from datasette.utils import tilde_encode
from portals import apply_season_changes, start_site
from publish_fixtures import Server

from archive.publish.prepare import prepare_for_serving
from archive.store.rebuild import rebuild
from crawler.registry import Registry, portal_from_dict

NIANBAO = [sys.executable, "-m", "archive"]


def registry_of(sites, path: Path) -> tuple[Path, list[str]]:
    portals = {}
    for site in sites:
        portal = portal_from_dict(site.portal_entry())
        portals[portal.id] = portal
    Registry(portals, []).save(path)
    return path, list(portals)


def rows(db: Path, sql: str, *args) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def paths_of(site, report) -> set[str]:
    """Every path of a report: its page, twins, attachments."""
    urls = [report.url, *report.alt_urls, *(a.url for a in report.attachments)]
    return {urlsplit(u).path for u in urls}


@pytest.fixture(scope="module")
def season(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("season")
    trs = start_site("trs")
    dead = start_site("generic", attachments=False, n_reports=2)
    try:
        registry, (pid, dead_id) = registry_of([trs, dead], tmp / "portals.toml")
        assert pid.endswith("-trs") and dead_id.endswith("-generic")
        archive = tmp / "data"
        first = crawl(registry, [pid, dead_id], archive)
        assert first.returncode == 0, first.log_tail()
        before = first.reports()
        changes = apply_season_changes(trs)
        dead.go_dead("refused")
        trs.clear_log()
        second = crawl(
            registry,
            [pid, dead_id],
            archive,
            args=["--incremental", "--early-stop"],
            settings={"RETRY_TIMES": 1},
        )
        log2 = trs.request_log
        after2 = tmp / "after-run-2.db"  # the database as run 2 left it (run 3 writes to the same archive)
        with sqlite3.connect(second.db) as src, sqlite3.connect(after2) as dst:
            src.backup(dst)
        status = subprocess.run(
            [*NIANBAO, "status", "--archive", str(archive), "--json"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        trs.clear_log()
        third = crawl(registry, [pid], archive, args=["--full"])
        log3 = trs.request_log
        yield {
            "trs": trs, "pid": pid, "dead_id": dead_id, "archive": archive, "tmp": tmp, "before": before,
            "changes": changes, "second": second, "log2": log2, "after2": after2, "status": status,
            "third": third, "log3": log3,
        }  # fmt: skip
    finally:
        trs.stop()
        dead.stop()


def test_second_run_archives_exactly_the_changes(season):
    second, changes, before = season["second"], season["changes"], season["before"]
    assert second.returncode == 0, second.log_tail()  # one portal ok: the run is ok
    db = season["after2"]
    by_url: dict[str, list] = {}
    for r in rows(db, "SELECT * FROM reports ORDER BY id"):
        by_url.setdefault(r["url"], []).append(r)
    # one new report
    (added,) = by_url[changes.added.url]
    assert (added["version"], added["title"], added["run_id"]) == (1, changes.added.title, 2)
    # two new versions: the edited page and the report whose attachment was replaced; both versions kept
    for report in (changes.edited, changes.replaced):
        v1, v2 = by_url[report.url]
        assert (v1["version"], v1["is_current"], v1["edited"]) == (1, 0, 1)
        assert (v2["version"], v2["is_current"], v2["edited"], v2["supersedes"], v2["run_id"]) == (2, 1, 1, v1["id"], 2)
        assert rows(db, "SELECT count(*) FROM cells WHERE report_id = ?", v1["id"])[0][0] == v1["cell_count"] > 0
    # the removed report: its one-page list was walked to the end, so the early stop re-checked it (404)
    (removed,) = by_url[changes.removed.url]
    assert (removed["id"], removed["version"], removed["is_current"]) == (before[changes.removed.url]["id"], 1, 1)
    assert removed["removed_at"] is not None
    assert [r.status for r in season["log2"] if r.path == urlsplit(changes.removed.url).path] == [404]
    # nothing else got a row
    untouched = {r.url for r in changes.unchanged} | {changes.blocked.url}
    for url in untouched:
        assert [(r["id"], r["version"], r["removed_at"]) for r in by_url[url]] == [(before[url]["id"], 1, None)], url
    assert len(rows(db, "SELECT id FROM reports")) == len(before) + 3
    assert (
        rows(db, "SELECT count(*) FROM fetch_errors WHERE run_id = 2 AND portal = ? AND kind = 'block'", season["pid"])[
            0
        ][0]
        == 0
    )
    stats = {r["portal"]: r for r in rows(db, "SELECT * FROM crawl_portal_stats WHERE run_id = 2")}
    trs = stats[season["pid"]]
    assert (trs["new_reports"], trs["changed_reports"], trs["removed_reports"], trs["outcome"]) == (1, 2, 1, "ok")
    assert trs["early_stops"] >= 1 and trs["reports_listed"] >= len(changes.unchanged)


def test_second_run_asks_for_no_unchanged_detail_page_or_attachment(season):
    trs, changes, log = season["trs"], season["changes"], season["log2"]
    asked = {r.path for r in log}
    for report in changes.unchanged + [changes.blocked]:
        assert not asked & paths_of(trs, report), report.url
    # the changed reports were asked for (conditionally: the page answered 200 with its new bytes)
    for report in (changes.added, changes.edited, changes.replaced):
        assert urlsplit(report.url).path in asked
    replaced_file = urlsplit(changes.replaced.attachments[0].url).path
    assert [r.status for r in log if r.path == replaced_file] == [200]
    # every page archived before was asked for conditionally; unchanged ones answered 304
    first = {
        urlsplit(r["url"]).path
        for r in rows(season["after2"], "SELECT url FROM fetches WHERE run_id = 1 AND status = 200")
    }
    assert all("if-none-match" in r.headers for r in log if r.path in first and r.path != "/robots.txt")
    assert [r.status for r in log if r.path in first and r.status == 304]


def test_cell_and_text_diffs_of_the_new_versions(season):
    db, changes = season["after2"], season["changes"]
    found = {
        r["doc_key"]: r
        for r in rows(db, "SELECT rc.*, r.url FROM report_changes rc JOIN reports r ON r.id = rc.report_id")
    }
    assert len(found) == 2
    edited = next(r for r in found.values() if r["url"] == changes.edited.url)
    assert (edited["kind"], edited["page_changed"], edited["attachments_changed"]) == ("page", 1, 0)
    # section 一 gained the correction sentence, the last section the page's correction note
    assert (edited["cells_changed"], edited["cells_added"], edited["cells_removed"], edited["sections_changed"]) == (
        1,
        0,
        0,
        2,
    )
    plus = [
        line[1:] for line in edited["text_diff"].splitlines() if line.startswith("+") and not line.startswith("+++")
    ]
    minus = [line for line in edited["text_diff"].splitlines() if line.startswith("-") and not line.startswith("---")]
    assert minus == [] and "".join(plus).startswith("（") and "更正：补充了政务新媒体信息发布情况。" in "".join(plus)
    assert "更正）" in plus[-1] and edited["text_diff"].startswith("--- v1\n+++ v2\n@@ ")
    # one published count went up by one (portalgen.sites.bump_one_cell)
    (cell,) = rows(db, "SELECT * FROM cell_changes WHERE change_id = ?", edited["id"])
    old = cell["old_value"]
    assert (cell["change"], cell["new_value"], cell["old_raw"], cell["new_raw"]) == (
        "changed",
        old + 1,
        str(old),
        str(old + 1),
    )
    replaced = next(r for r in found.values() if r["url"] == changes.replaced.url)
    assert (replaced["kind"], replaced["page_changed"], replaced["attachments_changed"], replaced["cells_changed"]) == (
        "both",
        1,
        1,
        1,
    )


def test_dead_portal_fails_and_the_monitors_fire(season):
    db, status, dead_id, pid = season["after2"], season["status"], season["dead_id"], season["pid"]
    dead = rows(db, "SELECT * FROM crawl_portal_stats WHERE run_id = 2 AND portal = ?", dead_id)[0]
    assert (dead["outcome"], dead["responses"], dead["new_reports"]) == ("failed", 0, 0) and dead["errors"] >= 1
    assert rows(db, "SELECT outcome FROM crawl_runs WHERE id = 2")[0][0] == "ok"
    assert status.returncode == 1, status.stderr
    doc = json.loads(status.stdout)
    assert doc["healthy"] is False
    assert [(a["portal"], a["monitor"]) for a in doc["alerts"]] == [(dead_id, "dead")]
    health = {p["portal"]: p for p in doc["portals"]}
    assert health[pid]["monitors"] == [] and health[pid]["run_id"] == 2 and health[pid]["new_reports"] == 1
    assert health[dead_id]["outcome"] == "failed" and health[dead_id]["reports_archived"] == 2


def test_full_run_records_the_block_and_keeps_the_removal(season):
    third, changes, log = season["third"], season["changes"], season["log3"]
    assert third.returncode == 0, third.log_tail()
    db = third.db
    (removed,) = rows(db, "SELECT * FROM reports WHERE url = ?", changes.removed.url)
    (before,) = rows(season["after2"], "SELECT * FROM reports WHERE url = ?", changes.removed.url)
    assert removed["removed_at"] == before["removed_at"] is not None
    assert not [r for r in log if r.path == urlsplit(changes.removed.url).path]  # known removed: not asked again
    # the block page: recorded as a block, the report neither removed nor changed
    blocked_path = urlsplit(changes.blocked.url).path
    assert {r.status for r in log if r.path == blocked_path} == {200}
    blocks = rows(db, "SELECT * FROM fetch_errors WHERE run_id = 3 AND kind = 'block'")
    assert {(b["url"], b["status"]) for b in blocks} == {(changes.blocked.url, 200)}  # the attempt and its retry
    (blocked,) = rows(db, "SELECT * FROM reports WHERE url = ?", changes.blocked.url)
    assert (blocked["version"], blocked["removed_at"], blocked["edited"]) == (1, None, 0)
    # the full run changes nothing else
    assert (
        rows(db, "SELECT count(*) FROM reports")[0][0] == rows(season["after2"], "SELECT count(*) FROM reports")[0][0]
    )
    assert rows(db, "SELECT count(*) FROM report_changes")[0][0] == 2
    stats = rows(db, "SELECT * FROM crawl_portal_stats WHERE run_id = 3")[0]
    assert (stats["new_reports"], stats["changed_reports"], stats["blocks"]) == (0, 0, 2)  # the attempt and its retry


def test_views_show_the_edits_and_the_health(season):
    db = season["tmp"] / "views.db"
    with sqlite3.connect(season["third"].db) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    prepare_for_serving(db)
    changes = season["changes"]
    edited = rows(db, 'SELECT * FROM "发布后修改的报告" ORDER BY 报告ID')
    assert sorted(r["原始链接"] for r in edited) == sorted([changes.edited.url, changes.replaced.url])
    for r in edited:
        old, new = rows(db, "SELECT * FROM reports WHERE id IN (?, ?) ORDER BY id", r["上一版本ID"], r["报告ID"])
        assert (r["版本"], r["旧版快照"], r["新版快照"], r["当前版本"]) == (
            "1 → 2",
            old["snapshot_id"],
            new["snapshot_id"],
            1,
        )
        (cell,) = rows(db, "SELECT * FROM cell_changes WHERE report_id = ?", r["报告ID"])
        text = f"{cell['table_name']}/{cell['row']}/{cell['col']} 改：{cell['old_raw']} → {cell['new_raw']}"
        assert (r["改动单元格数"], r["单元格改动"]) == (1, text)
    assert {r["修改位置"] for r in edited} == {"网页", "网页和附件"}
    overview = {r["原始链接"]: r for r in rows(db, 'SELECT * FROM "报告一览"')}
    assert overview[changes.removed.url]["下线时间"] is not None and overview[changes.blocked.url]["下线时间"] is None
    health = {r["门户"]: r for r in rows(db, 'SELECT * FROM "抓取健康状况"')}
    assert health[season["pid"]]["状态"] == "正常" and health[season["pid"]]["最近批次"] == 3
    assert health[season["dead_id"]]["状态"] == "告警" and health[season["dead_id"]]["告警"] == "门户无法访问"
    # in Datasette: the view links both versions, the report page shows what changed
    server = Server(["--db", str(db)])
    try:
        client = httpx.Client(base_url=server.url, timeout=30)
        html = client.get(f"/views/{tilde_encode('发布后修改的报告')}").text
        for r in edited:
            assert (
                f'href="/views/-/report/{r["报告ID"]}"' in html and f'href="/views/-/report/{r["上一版本ID"]}"' in html
            )
            assert f'href="/views/-/snapshot/{r["旧版快照"]}"' in html
        new_id = next(r["报告ID"] for r in edited if r["原始链接"] == changes.edited.url)
        page = client.get(f"/views/-/report/{new_id}").text
        assert (
            "本版修改" in page
            and "改动单元格 1 个" in page
            and "+++ v2" in page
            and "补充了政务新媒体信息发布情况" in page
        )
        removed_id = overview[changes.removed.url]["报告ID"]
        assert "不再提供这份报告" in client.get(f"/views/-/report/{removed_id}").text
        status = client.get("/views/-/status.json").json()
        assert [(a["portal"], a["monitor"]) for a in status["alerts"]] == [(season["dead_id"], "dead")]
        client.close()
    finally:
        server.stop()


def test_rebuild_reproduces_changes_listings_and_stats(season):
    archive = season["archive"]
    out = season["tmp"] / "rebuilt.db"
    stats = rebuild(archive, out)
    assert stats.errors == []
    for table, order in (
        ("report_changes", "id"),
        ("cell_changes", "id"),
        ("listings", "portal, list_key, url"),
        ("crawl_portal_stats", "run_id, portal"),
        ("reports", "id"),
    ):
        live = [tuple(r) for r in rows(archive / "nianbao.db", f"SELECT * FROM {table} ORDER BY {order}")]
        assert live and [tuple(r) for r in rows(out, f"SELECT * FROM {table} ORDER BY {order}")] == live, table

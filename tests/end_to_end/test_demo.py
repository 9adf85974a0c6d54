"""`nianbao demo` end to end: the bundled sample portal (archive/sample) → crawl → archive →
Datasette, checked against the generator's ground truth and in a real browser."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from paths import TEST_OUTPUT
from portalgen.portal import demo_expected_reports, start_demo
from publish_fixtures import Server

pytestmark = [pytest.mark.xdist_group("browser")]

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = TEST_OUTPUT / "screenshots" / "demo"


@pytest.fixture(scope="module")
def demo_archive(tmp_path_factory):
    archive = tmp_path_factory.mktemp("demo") / "data"
    out = subprocess.run(
        [sys.executable, "-m", "archive", "demo", "--archive", str(archive), "--no-serve", "--portal-port", "0"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return archive, out.stdout


def _rows(db: Path, sql: str, *args):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def test_demo_archives_every_sample_report(demo_archive):
    archive, stdout = demo_archive
    db = archive / "nianbao.db"
    site = start_demo(seed=0)  # the generator of the shipped sample: the same reports under other ports
    try:
        expected = demo_expected_reports(site)
        generated = {site.host: "trs", site.extra[0].host: "hanweb"}
    finally:
        site.stop()
    served = re.search(r"sample portal: http://(\S+) \(TRS WCM\) and http://(\S+) \(Hanweb\)", stdout)
    assert served, stdout
    shipped = {served[1]: "trs", served[2]: "hanweb"}

    def same_port(url: str, hosts: dict[str, str]) -> str:
        host = url.split("/")[2]
        return url.replace(host, hosts[host], 1)

    urls = {same_port(u, shipped) for (u,) in _rows(db, "SELECT url FROM reports WHERE is_current = 1")}
    assert urls == {same_port(e.url, generated) for e in expected}
    files = {same_port(u, shipped) for (u,) in _rows(db, "SELECT url FROM attachments WHERE report_id IS NOT NULL")}
    assert files == {same_port(a.url, generated) for e in expected for a in e.attachments}
    got = _rows(db, "SELECT title, year, template, carrier FROM reports WHERE is_current = 1")
    assert sorted((t, y) for t, y, _tpl, _c in got) == sorted((e.title, e.year) for e in expected)
    assert {y for _t, y, _tpl, _c in got} == set(range(2013, 2026))
    assert {tpl for _t, _y, tpl, _c in got} == {"2019", "2021", "pre2019", "none"}
    assert {c for _t, _y, _tpl, c in got} >= {"html", "pdf", "docx"}
    # every value the sample portal published is in the archive
    by_title = {e.title: e for e in expected}
    for rid, title in _rows(db, "SELECT id, title FROM reports WHERE is_current = 1"):
        want = {k: v.value for k, v in by_title[title].sample.expected_cells().items()}
        cells = {
            (t, r, c): v
            for t, r, c, v in _rows(db, 'SELECT table_name, "row", col, value FROM cells WHERE report_id = ?', rid)
        }
        assert cells == want, title
    assert len(files) >= 6
    assert "archive " in stdout and " reports (2013–2025)" in stdout
    # the WARCs hold every response and are valid
    warcs = sorted((archive / "warc").glob("*.warc.gz"))
    check = subprocess.run(
        [str(Path(sys.executable).parent / "warcio"), "check", *map(str, warcs)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_demo_archive_served_and_used_in_a_browser(demo_archive):
    archive, _ = demo_archive
    db = archive / "nianbao.db"
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps`")
    from playwright.sync_api import sync_playwright

    server = Server(["--db", str(db), "--archive", str(archive)])
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        like = {
            q: _rows(db, "SELECT count(*) FROM sections WHERE heading LIKE ? OR text LIKE ?", f"%{q}%", f"%{q}%")[0][0]
            for q in ("扶贫", "复议")
        }
        assert all(like.values())
        api = httpx.get(server.url + "/nianbao/sections.json", params={"_search": "扶贫", "_size": "0"}).json()
        assert api["filtered_table_rows_count"] == like["扶贫"]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.set_default_timeout(20_000)
            # the stock search box of the sections table: 扶贫, then 复议
            for q in ("扶贫", "复议"):
                page.goto(server.url + "/nianbao/sections")
                page.fill("input[name=_search]", q)
                page.locator("form.filters input[type=submit]").click()
                page.wait_for_url("**_search=*")
                assert page.locator("h3").first.inner_text().startswith(f"{like[q]} row")
                page.screenshot(path=str(SHOTS / f"search-{q}.png"), full_page=True)
            # a report with tables, its snapshot and its county's chart
            rid, title = _rows(
                db,
                "SELECT r.id, r.title FROM reports r WHERE r.carrier = 'html' AND r.template = '2021' "
                "AND EXISTS (SELECT 1 FROM cells c WHERE c.report_id = r.id) ORDER BY r.id LIMIT 1",
            )[0]
            page.goto(server.url + f"/nianbao/-/report/{rid}")
            assert page.locator("h1.nianbao-report-title").inner_text() == title
            assert (
                page.locator("a.cell-link").count()
                == _rows(db, "SELECT count(*) FROM cells WHERE report_id = ?", rid)[0][0]
            )
            page.screenshot(path=str(SHOTS / "report.png"), full_page=True)
            page.locator("a.snapshot-link").click()
            page.wait_for_url("**/-/snapshot/*")
            assert page.frame_locator("iframe.nianbao-frame").locator(f"text={title}").count() >= 1
            page.screenshot(path=str(SHOTS / "snapshot.png"), full_page=True)
            page.goto(server.url + "/nianbao/-/chart?county=" + "城步苗族自治县")
            assert page.locator("svg.nianbao-chart").is_visible()
            assert page.locator("svg.nianbao-chart rect.bar").count() > 0
            page.screenshot(path=str(SHOTS / "chart.png"), full_page=True)
            browser.close()
    finally:
        server.stop()

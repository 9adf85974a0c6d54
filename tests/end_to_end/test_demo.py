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
from datasette.utils import tilde_encode
from paths import TEST_OUTPUT
from portalgen.portal import demo_expected_reports, demo_stories, start_demo
from portalgen.sample import value_of
from portalgen.stories import RECEIVED_SAID
from publish_fixtures import Server

from archive.publish.refusals import DENIED

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


def _ground_truth():
    """The generator's reports of the shipped sample and the stories planted in them."""
    site = start_demo(seed=0)
    try:
        return demo_expected_reports(site), demo_stories(site)
    finally:
        site.stop()


def _view(server: Server, view: str, **params) -> list[dict]:
    r = httpx.get(
        f"{server.url}/nianbao/{tilde_encode(view)}.json", params={"_shape": "array", "_size": "max", **params}
    )
    assert r.status_code == 200, r.text[:300]
    return r.json()


def test_demo_tells_the_planted_stories(demo_archive):
    """The carry-over mismatch (R5), the text–table mismatch (R9), the town that filed 规章 (R8) and
    the copied section of the sample portal are what the site shows — and nothing else fails."""
    archive, stdout = demo_archive
    db = archive / "nianbao.db"
    expected, stories = _ground_truth()
    assert {s.rule for s in stories} == {"R5", "R8", "R9", "copy"}
    doc = {e.doc_id: e for e in expected}
    rid = {title: i for i, title in _rows(db, "SELECT id, title FROM reports WHERE is_current = 1")}
    report_of = {int(d): rid[e.title] for d, e in doc.items()}
    checks = [s for s in stories if s.rule != "copy"]
    server = Server(["--db", str(db), "--archive", str(archive)])
    try:
        # 校验未通过: exactly the planted failures, with their values, across every rule R1–R9
        failed = _view(server, "校验未通过")
        got = sorted((f["报告ID"], f["规则"], f["列"], f["应为"], f["实际"]) for f in failed)
        assert got == sorted((report_of[s.doc_id], s.rule, s.column, s.expected, s.actual) for s in checks)
        r5 = [f for f in failed if f["规则"] == "R5"]
        story = next(s for s in stories if s.rule == "R5")
        assert {f["对照报告ID"] for f in r5} == {report_of[story.other_doc_id]}
        assert all("本报告上年结转1件" in f["说明"] and "结转下年度继续办理3件" in f["说明"] for f in r5)
        (r9,) = [f for f in failed if f["规则"] == "R9"]
        assert f"全年共受理政府信息公开申请{RECEIVED_SAID}件" in r9["说明"] and "为0" in r9["说明"]
        assert "设区的市以下的机关填报了规章" in next(f["说明"] for f in failed if f["规则"] == "R8")
        # one status everywhere: the story reports 未通过 with their rules, every other checked report 通过
        overview = {r["报告ID"]: r for r in _view(server, "报告一览")}
        told = {report_of[s.doc_id]: s.rule for s in checks}
        for report_id, row in overview.items():
            if report_id in told:
                assert (row["校验结果"], row["未通过规则"]) == ("未通过", told[report_id]), row
            else:
                assert row["校验结果"] in ("通过", "无校验") and row["未通过校验数"] == 0, row
        assert any(r["校验结果"] == "通过" for r in overview.values())
        page = httpx.get(f"{server.url}/nianbao/-/report/{report_of[story.doc_id]}").text
        assert '<span class="check-outcome">未通过</span>' in page and 'href="/nianbao/-/rules#R5"' in page
        assert f'href="/nianbao/-/report/{report_of[story.other_doc_id]}"' in page
        # 雷同段落: the copied section, between two towns, on both report pages
        copy = next(s for s in stories if s.rule == "copy")
        pairs = {(r["报告ID"], r["雷同报告ID"]): r for r in _view(server, "雷同段落")}
        target, source = report_of[copy.doc_id], report_of[copy.other_doc_id]
        pair = pairs.get((target, source)) or pairs[(source, target)]
        assert pair["关系"] == "不同机关" and pair["相似度"] >= 85 and len(pair["相同段落"]) >= 60
        for own, other in ((target, source), (source, target)):
            page = httpx.get(f"{server.url}/nianbao/-/report/{own}").text
            assert 'class="nianbao-copy-mark"' in page and f'href="/nianbao/-/report/{other}#section-' in page
        # refusal rates: the chart shows rates computed from the published tables, not sums
        county = "城步苗族自治县"
        chart = httpx.get(f"{server.url}/nianbao/-/chart.json", params={"county": county}).json()
        want: dict[int, list[float]] = {}
        for e in expected:
            cells = e.sample.cells
            if not any(k[0] == "applications" for k in cells):
                continue
            handled = value_of(e.sample, ("applications", "total", "total"))
            denied = sum(value_of(e.sample, ("applications", k, "total")) for k in DENIED)
            if handled:
                totals = want.setdefault(e.year, [0, 0, 0])
                totals[0] += denied
                totals[1] += handled
                totals[2] += 1
        got_rates = {p["year"]: (p["refusal_rate"], p["reports"]) for p in chart["rate_points"]}
        assert got_rates == {y: (round(100 * d / h, 1), n) for y, (d, h, n) in want.items()}
        latest = max(want)
        ranking = chart["ranking"]
        assert chart["ranking_year"] == latest and [r["county_rank"] for r in ranking] == list(
            range(1, len(ranking) + 1)
        )
        assert len(ranking) == want[latest][2] and ranking[0]["percent"] >= ranking[-1]["percent"]
        html = httpx.get(f"{server.url}/nianbao/-/chart", params={"county": county}).text
        assert 'class="nianbao-rate-chart"' in html and "年各机关不予公开率排名" in html
        top = ranking[0]
        page = httpx.get(f"{server.url}/nianbao/-/report/{top['report_id']}").text
        assert f'<span class="rate">{top["percent"]}%</span>' in page
        assert f"{county} {latest}年第 1 高（共 {len(ranking)} 份报告）" in page
    finally:
        server.stop()
    assert "stories: failed checks by rule: R5 2, R8 2, R9 1" in stdout


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

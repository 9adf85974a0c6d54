"""A journalist's tasks on the served archive, in a real browser (headless Chromium via Playwright).

The archive is made the way a newsroom's would be: the bundled demo county (TRS portal + Hanweb
platform: HTML, PDF and DOCX reports, one published late) crawled, then a season in which one
report is corrected and another republished with a mistake in table 三, crawled again, then dumped
and served.  The tasks: the refusal ranking; the template's words in the search box (不予公开 gives
the figures); a report → one of its numbers → the source page with the cell outlined (PDF and
DOCX); the failing checks; late and corrected reports; the downloads.  Screenshots are kept in
``test-output/screenshots/journalist/``.
"""

from __future__ import annotations

import copy
import hashlib
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
from crawler_harness import crawl
from datasette.utils import tilde_encode
from paths import TEST_OUTPUT
from portalgen.sample import SampleCell
from portals import start_demo_county
from publish_fixtures import Server

from archive.publish.dump import dump
from archive.publish.prepare import prepare_for_serving
from crawler.registry import Registry, portal_from_dict
from extract.office import find_soffice

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
SHOTS = TEST_OUTPUT / "screenshots" / "journalist"
MISTAKE = 3  # added to one applicant's 予以公开 in the republished report: R2 and R3 fail


def _rows(db: Path, sql: str, *args) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def _publish_with_a_mistake(site, doc_id: str) -> None:
    """Republish a report whose table 三 has a mistake: one applicant's 予以公开 raised, its total not."""
    doc = site.site.find(doc_id)
    sample = copy.deepcopy(doc.sample)
    key = ("applications", "granted", "natural_person")
    value = (sample.cells[key].value or 0) + MISTAKE
    sample.cells[key] = SampleCell(str(value), value, None)
    doc.sample = sample
    site.edit_report(doc_id)


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps`")
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("journalist")
    archive = tmp / "data"
    site = start_demo_county()
    try:
        portal = portal_from_dict(site.portal_entry())
        registry = tmp / "portals.toml"
        Registry({portal.id: portal}, []).save(registry)
        first = crawl(registry, [portal.id], archive)
        assert first.returncode == 0, first.log_tail()
        pages = [r for r in site.expected_reports if r.carrier == "html" and r.template == "2021" and not r.alt_urls]
        corrected, mistaken = pages[0], pages[1]
        site.edit_report(corrected.doc_id)
        _publish_with_a_mistake(site, mistaken.doc_id)
        second = crawl(registry, [portal.id], archive)
        assert second.returncode == 0, second.log_tail()
    finally:
        site.stop()
    db = archive / "nianbao.db"
    prepare_for_serving(db)
    dump(db, archive / "dumps")
    server = Server(["--db", str(db), "--archive", str(archive)], env={"NIANBAO_RENDER_CACHE": str(tmp / "renders")})
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
            context = browser.new_context(
                viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True
            )
            page = context.new_page()
            page.set_default_timeout(60_000)
            yield {"db": db, "archive": archive, "url": server.url, "page": page,
                   "corrected": corrected, "mistaken": mistaken}  # fmt: skip
            browser.close()
    finally:
        server.stop()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _view(newsroom, name: str, query: str = "") -> None:
    newsroom["page"].goto(f"{newsroom['url']}/nianbao/{tilde_encode(name)}{query}")


def test_refusal_ranking(newsroom):
    page, db = newsroom["page"], newsroom["db"]
    _view(newsroom, "不予公开理由排行")
    expected = _rows(
        db,
        "SELECT r.year, c.row, sum(c.value) AS n FROM cells c JOIN reports r ON r.id = c.report_id "
        "WHERE r.is_current = 1 AND c.table_name = 'applications' AND c.col = 'total' AND c.row LIKE 'denied_%' "
        "GROUP BY r.year, c.row HAVING n > 0 ORDER BY r.year DESC, n DESC",
    )
    newest = expected[0]["year"]
    top = [(r["row"], r["n"]) for r in expected if r["year"] == newest]
    table = page.locator("table.rows-and-columns")
    first = table.locator("tbody tr").first
    columns = table.locator("thead th").all_inner_texts()
    cells = dict(zip([c.strip() for c in columns], first.locator("td").all_inner_texts(), strict=True))
    assert (int(cells["年度"]), int(cells["排名"]), float(cells["件数"])) == (newest, 1, top[0][1])
    assert cells["行键"] in {row for row, n in top if n == top[0][1]}  # the most used ground (ties rank alike)
    # the glossary is folded: the table starts on the first screen
    assert page.locator("details.nianbao-glossary").count() == 1
    assert not page.locator("dl.column-descriptions").is_visible()
    years = [int(y) for y in page.locator(".facet-info[data-column='年度'] li a").all_inner_texts()]
    assert years == sorted(years, reverse=True) and len(years) > 1
    _shot(page, "01-refusal-ranking")


def test_applications_view_shows_the_key_columns_on_the_first_screen(newsroom):
    page = newsroom["page"]
    _view(newsroom, "依申请办理情况")
    header = page.locator("table.rows-and-columns thead th", has_text="不予公开合计").first
    box = header.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1280  # without scrolling sideways
    width = page.evaluate("document.querySelector('table.rows-and-columns').scrollWidth")
    assert width < 7136 / 1.5  # issue 14 measured 7,136 px with the key column the 22nd
    levels = page.locator(".facet-info[data-column='层级'] li").all_inner_texts()
    assert levels and all(any(label in item for label in ("县级", "乡镇（街道）", "部门")) for item in levels)
    _shot(page, "02-applications-view")


def test_vocabulary_search_gives_the_figures(newsroom):
    page, db = newsroom["page"], newsroom["db"]
    page.goto(newsroom["url"] + "/")
    page.fill("#nianbao-q-1", "不予公开")
    page.press("#nianbao-q-1", "Enter")
    page.wait_for_url("**/nianbao/search?q=*")
    figure = page.locator("section[data-figure='applications:不予公开']")
    reports = _rows(
        db,
        "SELECT count(DISTINCT c.report_id) FROM cells c JOIN reports r ON r.id = c.report_id WHERE r.is_current = 1 "
        "AND c.table_name = 'applications' AND c.col = 'total' AND c.row LIKE 'denied_%'",
    )[0][0]
    assert reports > 0 and f"{reports:,} 份报告有此数值" in figure.locator(".nianbao-figure-summary").inner_text()
    assert "Run SQL" not in page.content() and "Custom SQL" not in page.content()
    _shot(page, "03-search-buyu-gongkai")
    # a value of the figure opens its provenance
    link = figure.locator("a.cell-link").first
    value = link.inner_text()
    link.click()
    page.wait_for_url("**/nianbao/-/cell/*")
    assert page.locator(".nianbao-cell-value .value").inner_text() == value
    # OR finds either; a word found nowhere suggests the views
    page.goto(newsroom["url"] + "/nianbao/search?q=" + quote("扶贫 OR 低保"))
    assert "按“或”检索" in page.content() and page.locator("ol.nianbao-hits li").count() > 0
    page.goto(newsroom["url"] + "/nianbao/search?q=" + quote("量子计算"))
    assert page.locator(".nianbao-nothing a", has_text="依申请办理情况").count() == 1
    _shot(page, "04-search-nothing")


@pytest.mark.parametrize("carrier", ["pdf", "docx"])
def test_report_number_source_outlined(newsroom, carrier):
    if carrier == "docx" and find_soffice() is None:
        pytest.skip("LibreOffice is not installed: the page says so instead (make system-deps)")
    page, db = newsroom["page"], newsroom["db"]
    report_id, cell_id = _rows(
        db,
        "SELECT r.id, c.id FROM reports r JOIN cells c ON c.report_id = r.id WHERE r.is_current = 1 "
        "AND r.carrier = ? AND c.table_name = 'applications' AND c.row = 'new_received' AND c.col = 'total' "
        "ORDER BY r.id LIMIT 1",
        carrier,
    )[0]
    page.goto(f"{newsroom['url']}/nianbao/-/report/{report_id}")
    parents = page.locator("table[data-table=applications] tr.nianbao-parent-row").all_inner_texts()
    assert [p.strip() for p in parents[:4]] == [
        "三、本年度办理结果",
        "（三）不予公开",
        "（四）无法提供",
        "（五）不予处理",
    ]
    _shot(page, f"05-report-{carrier}")
    page.locator(f"a.cell-link[href$='/-/cell/{cell_id}']").click()
    page.wait_for_url(f"**/nianbao/-/cell/{cell_id}")
    image = page.locator("img.nianbao-source-image")
    image.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('img.nianbao-source-image').complete", timeout=120_000)
    assert page.evaluate("document.querySelector('img.nianbao-source-image').naturalWidth") > 500
    assert page.locator(".nianbao-source-failed").is_hidden()
    _shot(page, f"06-source-{carrier}")


def test_failing_checks_lead_to_the_report(newsroom):
    page, db = newsroom["page"], newsroom["db"]
    [report] = _rows(db, "SELECT id FROM reports WHERE url = ? AND is_current = 1", newsroom["mistaken"].url)
    _view(newsroom, "校验未通过")
    rows = page.locator("table.rows-and-columns tbody tr", has_text="R2")
    assert rows.count() >= 1
    page.locator(f"table.rows-and-columns a[href$='/-/report/{report['id']}']").first.click()
    page.wait_for_url(f"**/-/report/{report['id']}")
    failed = _rows(db, 'SELECT rule, "column" FROM checks WHERE report_id = ? AND ok = 0', report["id"])
    assert {(r["rule"], r["column"]) for r in failed} >= {("R2", "granted"), ("R3", "natural_person")}  # the mistake
    shown = page.locator("table.nianbao-checks tr.check-bad").all_inner_texts()
    assert len(shown) == len(failed) and any(row.startswith("R2") and "予以公开" in row for row in shown)
    assert page.locator("table[data-table=applications] tr.check-bad").count() >= 1
    _shot(page, "07-failing-check-report")


def test_late_and_corrected_reports(newsroom):
    page, db = newsroom["page"], newsroom["db"]
    late = _rows(db, "SELECT count(*) FROM 逾期发布")[0][0]
    _view(newsroom, "逾期发布")
    assert late > 0 and page.locator("table.rows-and-columns tbody tr").count() == late
    _shot(page, "08-late-reports")
    _view(newsroom, "发布后修改的报告")
    listed = page.locator("table.rows-and-columns tbody tr")
    assert listed.count() == 2
    [corrected] = _rows(db, "SELECT id FROM reports WHERE url = ? AND is_current = 1", newsroom["corrected"].url)
    page.locator(f"table.rows-and-columns a[href$='/-/report/{corrected['id']}']").first.click()
    page.wait_for_url(f"**/-/report/{corrected['id']}")
    assert page.locator("h2", has_text="本版修改").count() == 1
    assert page.locator("a", has_text="第1版").count() == 1
    _shot(page, "09-corrected-report")


def test_downloads(newsroom):
    page = newsroom["page"]
    page.goto(newsroom["url"] + "/#downloads")
    links = page.locator(".nianbao-dumps a")
    assert links.all_inner_texts()[0] == "nianbao.db"
    listed = page.locator(".nianbao-dumps li").first.locator("code").inner_text()
    with page.expect_download() as info:
        links.first.click()
    path = info.value.path()
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == listed
    _shot(page, "10-downloads")

"""A real browser (Debian chromium via Playwright) uses the served archive like a journalist."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from paths import TEST_OUTPUT
from publish_fixtures import GBK_MARKER, SCRIPT_MARKER, Server, build_archive

from archive.datasette.metadata import TITLE
from archive.publish.dump import dump
from archive.publish.search import normalise

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

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
SHOTS = TEST_OUTPUT / "screenshots"


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"leaked")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser_site(tmp_path_factory):
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps`")
    from playwright.sync_api import sync_playwright

    leak = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=leak.serve_forever, daemon=True).start()
    root = tmp_path_factory.mktemp("browser")
    fixture = build_archive(root, n_reports=18, seed=21, leak_base=f"http://127.0.0.1:{leak.server_address[1]}")
    dump(fixture.db_path, root / "dumps")
    server = Server(["--db", str(fixture.db_path)])
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(20_000)
        failed: list[tuple[str, str]] = []
        page.on("requestfailed", lambda r: failed.append((r.url, r.failure or "")))
        yield fixture, server, page, leak, failed
        browser.close()
    server.stop()
    leak.shutdown()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sections_matching(fixture, query: str) -> list[tuple[int, int]]:
    """(section id, report id) of the sections whose text contains ``query`` (simplified/traditional alike)."""
    conn = sqlite3.connect(fixture.db_path)
    out = []
    for sid, rid, heading, text in conn.execute("SELECT id, report_id, heading, text FROM sections"):
        if normalise(query) in normalise(f"{heading or ''}\n{text or ''}"):
            out.append((sid, rid))
    return out


def test_home_page_and_search_fupin(browser_site):
    fixture, server, page, leak, failed = browser_site
    page.goto(server.url + "/")
    assert page.locator("h1").first.inner_text() == TITLE
    downloads = page.locator(".nianbao-dumps a")
    assert downloads.all_inner_texts() == ["nianbao.db", "nianbao-snapshots.wacz", "SHA256SUMS"]
    _shot(page, "01-home")
    page.fill("#nianbao-q-1", "扶贫")
    page.press("#nianbao-q-1", "Enter")
    page.wait_for_url("**/archive/search?q=*")
    current = {r.id for r in fixture.reports}  # the search page shows current versions
    expected = [hit for hit in _sections_matching(fixture, "扶贫") if hit[1] in current]
    assert page.locator("h2#text").inner_text() == f"正文 Text（{len(expected)} 处）"
    rows = page.locator("ol.nianbao-hits li")
    assert rows.count() == min(len(expected), 20) > 0
    marks = page.locator("ol.nianbao-hits li .nianbao-snippet mark").all_inner_texts()
    assert marks and all(normalise(m) == "扶贫" for m in marks)
    assert "扶貧" in marks  # the traditional-character section is found too
    _shot(page, "02-search-fupin")


def test_stock_search_box_fuyi_then_report_snapshot_and_chart(browser_site):
    fixture, server, page, leak, failed = browser_site
    page.goto(server.url + "/archive/sections")
    page.fill("input[name=_search]", "复议")
    page.locator("form.filters input[type=submit]").click()
    page.wait_for_url("**_search=*")
    expected = _sections_matching(fixture, "复议")
    assert page.locator("h3").first.inner_text().startswith(f"{len(expected)} rows where search matches")
    assert page.locator("table.rows-and-columns tbody tr").count() == min(len(expected), 50)  # 50 rows a page
    _shot(page, "03-search-fuyi")
    # open a report from the ranked search
    page.goto(server.url + "/archive/search?q=%E5%A4%8D%E8%AE%AE")
    link = page.locator("ol.nianbao-hits li a[href*='/-/report/']").first
    report_id = int(link.get_attribute("href").rsplit("/", 1)[1])
    link.click()
    page.wait_for_url(f"**/archive/-/report/{report_id}")
    report = next(r for r in fixture.reports if r.id == report_id)
    assert page.locator("h1.nianbao-report-title").inner_text() == report.sample.title
    assert page.locator("a.cell-link").count() == len(report.sample.expected_cells())
    _shot(page, "04-report")
    # its archived snapshot, shown in the sandboxed frame
    page.locator("a.snapshot-link").click()
    page.wait_for_url(f"**/archive/-/snapshot/{report.snapshot_id}")
    frame = page.frame_locator("iframe.nianbao-frame")
    assert frame.locator("h1").inner_text() == report.sample.title
    _shot(page, "05-snapshot")
    # the trend chart of its county
    page.goto(server.url + f"/archive/-/report/{report_id}")
    page.locator(f"text={report.county}趋势图").click()
    page.wait_for_url("**/archive/-/chart?county=*")
    svg = page.locator("svg.nianbao-chart")
    assert svg.is_visible()
    years = {r.sample.year for r in fixture.reports if r.county == report.county}
    assert page.locator("svg.nianbao-chart rect.bar").count() == 2 * len(years)
    assert page.locator("svg.nianbao-chart .chart-title").text_content() == f"{report.county}：收到申请与不予公开（件）"
    _shot(page, "06-chart")


def test_archived_page_cannot_run_scripts_or_leak_requests(browser_site):
    fixture, server, page, leak, failed = browser_site
    report = fixture.report("script")
    leak.RequestHandlerClass.hits.clear()
    failed.clear()
    page.goto(server.url + f"/archive/-/snapshot/{report.snapshot_id}")
    frame = page.frame_locator("iframe.nianbao-frame")
    assert frame.locator("h1").first.inner_text() == report.sample.title
    page.wait_for_timeout(500)
    assert SCRIPT_MARKER not in page.content()
    assert frame.locator(f"text={SCRIPT_MARKER}").count() == 0
    assert leak.RequestHandlerClass.hits == []
    leak_base = f"http://127.0.0.1:{leak.server_address[1]}"
    blocked = {url for url, reason in failed if url.startswith(leak_base)}
    assert blocked <= {f"{leak_base}/leak.png", f"{leak_base}/leak.css", f"{leak_base}/leak-frame.html"}
    _shot(page, "07-sandboxed-snapshot")
    # the raw URL opened directly is sandboxed as well
    page.goto(server.url + f"/archive/-/snapshot/{report.snapshot_id}/raw")
    assert page.locator("h1").first.inner_text() == report.sample.title
    assert leak.RequestHandlerClass.hits == []


def test_gbk_snapshot_and_cell_provenance(browser_site):
    fixture, server, page, leak, failed = browser_site
    report = fixture.report("gbk")
    page.goto(server.url + f"/archive/-/snapshot/{report.snapshot_id}")
    assert page.frame_locator("iframe.nianbao-frame").locator(f"text={GBK_MARKER}").count() == 1
    page.goto(server.url + f"/archive/-/report/{report.id}")
    first = page.locator("a.cell-link").first
    raw = first.get_attribute("title").removeprefix("原文：")
    first.click()
    page.wait_for_url("**/archive/-/cell/*")
    assert page.locator("dd.raw").inner_text() == f"“{raw}”"
    assert page.locator("dd.locator").inner_text().startswith("t1/r")
    _shot(page, "08-provenance")


def test_site_pages_run_under_their_content_security_policy(browser_site):
    """The site's own pages send a CSP (issue 12); none of their scripts, styles or images is refused."""
    fixture, server, page, leak, failed = browser_site
    refused: list[str] = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", on_console)
    try:
        report = fixture.report("gbk")
        for path in ("/", "/archive", "/archive/reports", "/archive?sql=select+count(*)+from+reports",
                     "/archive/search?q=公开", f"/archive/-/report/{report.id}", "/archive/-/chart",
                     f"/archive/-/snapshot/{report.snapshot_id}"):  # fmt: skip
            response = page.goto(server.url + path)
            assert response is not None and response.status == 200, path
            assert "default-src 'self'" in response.headers["content-security-policy"], path
            page.wait_for_load_state("networkidle")
    finally:
        page.remove_listener("console", on_console)
    assert refused == []

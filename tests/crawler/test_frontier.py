"""The request frontier (crawler/frontier.py), the run memory's incremental decisions
(crawler/listings.RunMemory) and the statistics (crawler/stats.py), on Scrapy's own stats collector."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from crawler.discovery import Fetch
from crawler.frontier import Frontier, folder_key
from crawler.hosts import HostScope
from crawler.listings import RunMemory
from crawler.meta import CrawlMeta
from crawler.registry import Portal
from crawler.stats import COUNTERS, RUN_TOTALS, CrawlStats, portal_outcome, run_outcome

HOST = "www.x.gov.cn"
URL = f"http://{HOST}"


def stats() -> CrawlStats:
    return CrawlStats(get_crawler().stats)


def frontier(memory: RunMemory | None = None, **limits) -> Frontier:
    scope = HostScope(
        Portal(id="430529", name="城步苗族自治县人民政府", code="430529", hosts=[HOST], start_urls=[URL + "/"])
    )
    return Frontier(scope, stats(), memory or RunMemory(), **limits)


def test_each_canonical_url_once():
    f = frontier()
    first = f.admit(Fetch(f"{URL}/a/t20200120_1_wap.html?isMobile=false#x", "detail", title="甲"), 1)
    assert first is not None and first.url == f"{URL}/a/t20200120_1.html" and first.kind == "detail"
    assert first.fragment == "x" and first.title == "甲" and first.depth == 1
    assert f.admit(Fetch("HTTP://WWW.X.GOV.CN:80/a/t20200120_1.html", "detail"), 1) is None
    # a folder and its index page are one list page; a POST is keyed by its form
    assert f.admit(Fetch(f"{URL}/zfxxgk/", "area"), 0) is not None
    assert f.admit(Fetch(f"{URL}/zfxxgk/index.html", "column"), 0) is None
    assert f.admit(Fetch(f"{URL}/api", "api", method="POST", body="page=2"), 0) is not None
    assert f.admit(Fetch(f"{URL}/api", "api", method="POST", body="page=3"), 0) is not None
    assert f.admit(Fetch(f"{URL}/api", "api", method="POST", body="page=3"), 0) is None
    assert f.admit(Fetch("http://mirror.example.com/a.html", "detail"), 0) is None
    assert f.stats.get("offsite") == 1 and f.stats.get("requests") == 4
    assert f.requested_urls() == {f"{URL}/a/t20200120_1.html", f"{URL}/zfxxgk/", f"{URL}/api"}
    assert folder_key(f"{URL}/a/default.aspx") == f"{URL}/a/" and folder_key(f"{URL}/a/?p=1") is None


def test_depth_list_keys_and_caps():
    f = frontier(depth_limit=2, max_list_pages=2)
    assert f.admit(Fetch(f"{URL}/deep.html", "detail"), 3) is None and f.stats.get("too_deep") == 1
    column = f.admit(Fetch(f"{URL}/nb/", "column"), 2)
    assert column is not None and column.list_key == f"{URL}/nb/" and column.in_column
    # further pages keep the list's depth limit out of the way and count against its cap (column = page 1)
    page = f.admit(Fetch(f"{URL}/nb/index_1.html", "page"), 5, column)
    assert page is not None and page.list_key == f"{URL}/nb/"
    assert f.admit(Fetch(f"{URL}/nb/index_2.html", "page"), 5, column) is None and f.stats.get("list_cap") == 1
    area = f.admit(Fetch(f"{URL}/gk/", "area"), 1, CrawlMeta(area_depth=1))
    assert area is not None and area.area_depth == 2 and area.list_key is None


def test_walks_are_published_as_statistics():
    f = frontier()
    f.list_page_read("A", 3)
    f.list_page_read("A", None)
    f.list_page_read("B", None)
    assert f.stats.get("list_pages") == 3 and f.stats.get("list_pages_expected") == 4  # A states 3, B walked 1
    assert [k for k, _ in f.short_walks()] == ["A"] and f.walked_completely("A") is True
    f.stop("A")
    assert f.stats.get("list_pages_skipped") == 1 and f.stats.get("early_stops") == 1
    assert f.short_walks() == [] and f.walked_completely("A") is False and f.walked_completely("Z") is None


def test_incremental_memory_decides_what_is_asked_for():
    memory = RunMemory(incremental=True, today="2026-01-01", dormant_days=730)
    old, listed = f"{URL}/old/", f"{URL}/nb/t20250101_1.html"
    rows = [
        (old, f"{URL}/old/t20200101_9.html", old, 1, 1, "x · 2020-01-01"),
        ("L", listed, "L", 1, 1, "甲 · 2025-01-01"),
    ]
    memory.load(rows, archived={listed}, known={listed}, removed=set())
    f = frontier(memory)
    assert f.admit(Fetch(old, "column"), 0) is None and f.stats.get("dormant_lists") == 1
    assert not memory.wanted("L", listed, {listed: "甲 · 2025-01-01"}, unchanged_page=False)
    assert memory.wanted("L", listed, {listed: "甲 · 2025-03-01"}, unchanged_page=False)  # re-listed, new date
    assert memory.known_page(listed) and not RunMemory().known_page(listed)  # full runs decide nothing on memory
    memory.note_listed([listed, f"{URL}/nb/new.html"])
    memory.note_report(f"{URL}/nb/new.html")
    assert memory.reports_listed == 2
    assert memory.unlisted([listed, f"{URL}/gone.html"], requested=set()) == [f"{URL}/gone.html"]


def test_one_definition_of_the_statistics():
    assert set(COUNTERS) == set(RUN_TOTALS) - {"list_pages_expected"}
    s = stats()
    s.inc("responses", 3)
    s.vote("generic")
    s.vote("trs")
    assert s.collector.get_value("nianbao/responses") == 3 and s.detected_platform() == "trs"
    row = s.portal_row("finished", 1.23456)
    assert row["responses"] == 3 and row["duration"] == 1.235 and row["outcome"] == "failed"  # no page read
    assert row["list_pages_expected"] is None and list(row)[: len(COUNTERS)] == list(COUNTERS)


@pytest.mark.parametrize(
    "outcomes, expected",
    [([], "failed"), (["failed"], "failed"), (["ok", "failed"], "ok"), (["ok", "interrupted"], "interrupted")],
)
def test_run_outcome(outcomes, expected):
    assert run_outcome(outcomes) == expected


def test_portal_outcome():
    assert portal_outcome("finished", 3) == "ok" and portal_outcome("finished", 0) == "failed"
    assert portal_outcome("shutdown", 3) == portal_outcome("cancelled", 0) == "interrupted"

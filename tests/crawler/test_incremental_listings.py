"""List entries and where items were listed (crawler/listings.py), and incremental runs of every
CMS family: a correction re-listed with a new date and a new report are fetched, nothing else."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from crawler_harness import crawl, register
from portals import FAMILIES

from crawler.listings import ListMemory, Placement, dates_in, entry_text, page_number

LIST = """<ul class="list">
<li><a href="./202501/t20250110_101.html" title="甲镇2024年政府信息公开工作年度报告">甲镇2024年政府信息公开…</a><span>2025-01-10</span></li>
<li><span class="date">2024/1/9</span><a href="../xj/202401/t20240109_102.html">乙县2023年政府信息公开工作年度报告</a></li>
</ul>
<dl><dd><a href="/a/t20230303_103.htm" title="丙">丙</a></dd><dd>2023-03-03</dd></dl>
<p><a href="detail.jsp?id=7&amp;mode=1">丁</a> 2022年3月4日 <a href="detail.jsp?id=8">戊</a> 2022年3月5日</p>"""

JSON = (
    '{"articles": [{"id": 103, "title": "丙", "url": "http:\\/\\/h:1\\/a\\/t20230303_103.htm", '
    '"created_at": "2023-03-03 10:00:00", "identifier": "1144/2023-66087"}, {"id": 104, "created_at": "2023-04-04"}]}'
)


def test_entries_are_title_and_dates_of_the_list_line():
    assert entry_text(LIST, "http://h/x/202501/t20250110_101.html", "甲镇2024年政府信息公开工作年度报告") == (
        "甲镇2024年政府信息公开工作年度报告 · 2025-01-10"
    )
    assert entry_text(LIST, "http://h/xj/202401/t20240109_102.html", "乙") == "乙 · 2024-01-09"  # date before the link
    assert (
        entry_text(LIST, "http://h/a/t20230303_103.htm", "丙") == "丙 · 2023-03-03"
    )  # <dl><dd>…</dd><dd>date</dd></dl>
    assert (
        entry_text(LIST, "http://h/detail.jsp?id=7&mode=1", "丁") == "丁 · 2022-03-04"
    )  # &amp; in the page, up to the next link
    # the same item in a JSON list answer reads the same (no date in an identifier, no URL noise)
    assert entry_text(JSON, "http://h:1/a/t20230303_103.htm", "丙") == "丙 · 2023-03-03"
    # not on the page: the title alone; a line without a date: its text
    assert entry_text(LIST, "http://h/a/t20990101_999.htm", "己") == "己"
    assert entry_text('<li><a href="/p/x_1.html">庚</a> 阅读</li>', "http://h/p/x_1.html", "庚") == "庚 · 庚 阅读"
    # a longer file name that ends like the item's is another item
    assert entry_text('<li><a href="/p/xx_1.html">辛</a> 2020-01-01</li>', "http://h/p/x_1.html", "") == ""


def test_dates_and_page_numbers():
    assert dates_in("2025-1-31 2025年02月01日 2025/13/01 1144/2023-66087 12025-01-01") == ["2025-01-31", "2025-02-01"]
    assert page_number("http://h/zfxxgknb/index_2.html") == 3  # index.html is the first page
    assert page_number("http://h/list?pageNo=4&x=1") == 4
    assert page_number("http://h/dataproxy.jsp", "startrecord=46&endrecord=90") == 46
    assert page_number("http://h/api/all/3?page=1&sid=7", None, {"page": 2}) == 2
    assert page_number("http://h/zfxxgknb/") is None


def test_memory_knows_unchanged_entries_and_vanished_items():
    rows = [("L", "a", "p1", 1, 1, "A · 2025-01-01"), ("L", "b", "p1", 1, 2, "B · 2024-01-01"), ("L", "c", "p2", 2, 1, "C"),
            ("L", "d", "p2", 2, 2, "D"), ("H", "a", "home", 1, 1, "A · 2024-12-31")]  # fmt: skip
    memory = ListMemory(rows)
    assert memory.unchanged("L", "a", "A · 2025-01-01") and not memory.unchanged("L", "a", "A · 2025-03-01")
    assert memory.unchanged("M", "a", "A · 2024-12-31")  # a new list: any entry seen before counts
    assert not memory.knows("z") and sorted(memory.lists_of("a")) == ["H", "L"]
    # complete walk: every unseen item vanished; early stop: only items listed before one seen again
    assert memory.vanished("L", "d", {"a", "b"}, complete=True)
    assert not memory.vanished("L", "c", {"a", "b"}, complete=False)  # moved down past the walked page
    assert memory.vanished("L", "b", {"a", "c"}, complete=False)  # c, listed after b, is still there: b left
    assert Placement("p", None, 1, None).before(Placement("p", None, 2, None))
    assert not Placement("p", None, 1, None).before(Placement("q", None, 2, None))


@pytest.mark.parametrize("family", FAMILIES)
def test_incremental_run_fetches_only_new_and_relisted_reports(family, portal_factory, tmp_path):
    site = portal_factory(family, attachments=False)
    registry, pid = register(site, tmp_path)
    archive = tmp_path / "data"
    first = crawl(registry, [pid], archive)
    assert first.returncode == 0, first.log_tail()
    reports = site.expected_reports
    target = next(e for e in reports if e.carrier == "html")
    edited = site.edit_report(target.doc_id)  # re-listed with the correction date
    added = site.add_report(level="town", year=2025)
    site.clear_log()
    second = crawl(registry, [pid], archive, args=["--incremental", "--early-stop"])
    assert second.returncode == 0, second.log_tail()
    unchanged = {urlsplit(u).path for e in reports if e.doc_id != target.doc_id for u in [e.url, *e.alt_urls]}
    assert not [r.path for r in site.request_log if r.path in unchanged]
    new_rows = second.rows("SELECT url, version FROM reports WHERE run_id = 2 ORDER BY id")
    assert sorted((r["url"], r["version"]) for r in new_rows) == sorted([(added.url, 1), (edited.url, 2)])


def test_memory_dormant_lists():
    rows = [("old", "a", "p", 1, 1, "A · 2021-01-20"), ("old", "b", "p", 1, 2, "B · 2020-12-30"),
            ("new", "c", "p", 1, 1, "C · 2026-01-15"), ("nodate", "d", "p", 1, 1, "D")]  # fmt: skip
    memory = ListMemory(rows)
    assert memory.newest_date("old") == "2021-01-20"
    assert memory.dormant("old", "2026-11-26", 730)
    assert not memory.dormant("new", "2026-11-26", 730)
    assert not memory.dormant("nodate", "2026-11-26", 730)  # no dates: never dormant
    assert not memory.dormant("old", "2026-11-26", 0)  # 0 switches it off
    assert not memory.dormant("unknown", "2026-11-26", 730)


def test_dormant_lists_are_left_to_the_full_walk(portal_factory, tmp_path):
    site = portal_factory("trs", attachments=False)
    registry, pid = register(site, tmp_path)
    archive = tmp_path / "data"
    first = crawl(registry, [pid], archive)
    assert first.returncode == 0, first.log_tail()
    memory = ListMemory(
        [tuple(r) for r in first.rows("SELECT list_key, url, page_url, page_no, position, entry FROM listings")]
    )
    listed = {r["list_key"] for r in first.rows("SELECT DISTINCT list_key FROM listings")}
    today = "2026-11-26"
    dormant = {k for k in listed if memory.dormant(k, today, 730)}
    active = {k for k in listed if not memory.dormant(k, today, 730) and k.endswith("/")}
    assert dormant and active, listed
    site.clear_log()
    quiet = crawl(
        registry,
        [pid],
        archive,
        args=["--incremental", "--early-stop", "--dormant-days", "730"],
        settings={"NIANBAO_TODAY": today},
    )
    assert quiet.returncode == 0, quiet.log_tail()
    asked = {urlsplit(r.path).path for r in site.request_log}
    assert not {urlsplit(k).path for k in dormant} & asked  # dormant lists not asked for
    assert {urlsplit(k).path for k in active} <= asked  # active lists asked for (conditionally)
    site.clear_log()
    full = crawl(registry, [pid], archive, args=["--full"])
    assert full.returncode == 0
    assert {urlsplit(k).path for k in dormant} <= {urlsplit(r.path).path for r in site.request_log}

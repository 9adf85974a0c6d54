"""Links scripts make (crawler/scripted.py) and traps (crawler/traps.py), on pages as real portals write them."""

from __future__ import annotations

from scrapy.utils.test import get_crawler

from crawler.discovery import Fetch, Page, area_links, generic_pager
from crawler.frontier import Frontier
from crawler.hosts import HostScope
from crawler.listings import RunMemory
from crawler.meta import CrawlMeta
from crawler.registry import Portal
from crawler.scripted import page_template, scripted_links
from crawler.stats import CrawlStats
from crawler.traps import clean_url, strip_sessions, trap_reason

BASE = "http://www.x.gov.cn"

ZTREE = """<ul id="tree" class="ztree"></ul><script>
var organId = 6596;
var zNodes = [
  {id: 7035935, pId: 0, name: '信息公开目录', isParent: true},
  {id: 7035945, pId: 7035935, name: '信息公开指南'},
  {id: 7035985, pId: 7035935, name: '政府信息公开年报',},
];
var setting = { callback: { onClick: function(event, treeId, treeNode) {
  if (!treeNode.isParent) { location.href = '/public/column/' + organId + '?type=4&catId=' + treeNode.id + '&action=list'; }
} } };
</script>"""


def test_a_column_tree_of_ids_gets_its_urls_from_the_script_template():
    links = {(s.href, s.text) for s in scripted_links(ZTREE)}
    assert ("/public/column/6596?type=4&catId=7035985&action=list", "政府信息公开年报") in links
    assert ("/public/column/6596?type=4&catId=7035945&action=list", "信息公开指南") in links
    assert not [t for _, t in links if t == "信息公开目录"]  # a parent node only expands


def test_trees_with_urls_unit_lists_and_selectors():
    html = (
        "<script>var organList = [{organId: 6597, name: \"城关镇\", link: '/public/column/6597?type=2'},"
        " {organId: 6598, name: '水利局', link: '/public/column/6598?type=2'}];\n"
        "var share = {title: document.title, url: location.href};</script>"
        '<select onchange="location.href=this.value"><option value="">请选择</option>'
        '<option value="/public/column/6599?type=2">北城街道</option></select>'
    )
    links = {(s.href, s.text) for s in scripted_links(html)}
    assert links == {
        ("/public/column/6597?type=2", "城关镇"),
        ("/public/column/6598?type=2", "水利局"),
        ("/public/column/6599?type=2", "北城街道"),
    }  # location.href is code, not a URL
    page = Page(f"{BASE}/public/column/6596?type=2", html)
    units = {f.url for f in area_links(page, unit_pages=True)}
    assert units == {f"{BASE}/public/column/{n}?type=2" for n in (6597, 6598, 6599)}


def test_a_javascript_pager_is_walked_from_its_template_and_stated_count():
    html = (
        '<ul><li><a href="/public/6596/1.html">a</a></li></ul><div class="pagination">共3页 '
        '<a href="javascript:;" onclick="goPage(2)">下一页</a></div>'
        "<script>function goPage(n) { location.href = 'list.jsp?catId=7035985&pageIndex=' + n; }</script>"
    )
    assert page_template(html) == "list.jsp?catId=7035985&pageIndex={}"
    pages, stated = generic_pager(Page(f"{BASE}/public/6596/list.jsp?catId=7035985", html))
    assert stated == 3
    assert [f.url for f in pages] == [f"{BASE}/public/6596/list.jsp?catId=7035985&pageIndex={n}" for n in (2, 3)]


def test_traps_and_session_ids():
    assert trap_reason(f"{BASE}/ldhd/rili.jsp?date=2024-01-15") == "calendar"
    assert trap_reason(f"{BASE}/zwdt/index.jsp?date=20240115") == "calendar"
    assert trap_reason(f"{BASE}/search.jsp?keyword=年报&page=2") == "site search"
    assert trap_reason(f"{BASE}/jrobot/search.do?webid=1&q=x") == "site search"
    assert trap_reason(f"{BASE}/print.jsp?id=12") == "print or share variant"
    assert trap_reason(f"{BASE}/art/2024/1/5/art_1_2.html?print=1") == "print or share variant"
    assert trap_reason(f"{BASE}/share.jsp?url=/a.html") == "print or share variant"
    for fine in ("/zfxxgk/zfxxgknb/index_2.html", "/module/xxgk/xxgkAnnualReport.jsp?area=1&fbtime=2010",
                 "/gkmlpt/api/all/2848?page=2&sid=755031", "/public/column/6596?type=4&catId=7&pageIndex=2"):  # fmt: skip
        assert trap_reason(BASE + fine) is None, fine
    assert clean_url(f"{BASE}/public/6596/1.html;jsessionid=ABC123?x=1") == f"{BASE}/public/6596/1.html?x=1"
    assert clean_url(f"{BASE}/list.php?cid=3&PHPSESSID=abc&page=2") == f"{BASE}/list.php?cid=3&page=2"
    assert strip_sessions('<a href="/a.jsp;jsessionid=XY?id=1">') == '<a href="/a.jsp?id=1">'


def test_the_frontier_refuses_traps_and_asks_each_page_once_whatever_its_session():
    stats = CrawlStats(get_crawler().stats)
    portal = Portal(id="p", name="某县人民政府", hosts=["www.x.gov.cn"], start_urls=[BASE + "/"])
    frontier = Frontier(HostScope(portal), stats, RunMemory())
    home = frontier.admit(Fetch(BASE + "/", "home"), 0)
    assert home is not None
    assert frontier.admit(Fetch(f"{BASE}/ldhd/rili.jsp?date=2024-01-15", "area"), 1, home) is None
    assert frontier.admit(Fetch(f"{BASE}/search.jsp?keyword=x", "column"), 1, home) is None
    first = frontier.admit(Fetch(f"{BASE}/xxgk/nb/list.jsp;jsessionid=A1?catId=7", "column"), 1, home)
    assert first is not None and first.url == f"{BASE}/xxgk/nb/list.jsp?catId=7"
    assert frontier.admit(Fetch(f"{BASE}/xxgk/nb/list.jsp;jsessionid=B2?catId=7", "column"), 1, home) is None
    assert stats.get("traps_avoided") == 2
    # the POST list API a platform's page calls may live at a "search" path: it is no trap
    api = Fetch(f"{BASE}/fjdzapp/search", "api", method="POST", body="page=2")
    assert frontier.admit(api, 1, first) is not None


def test_wasted_requests_are_those_that_led_to_nothing():
    stats = CrawlStats(get_crawler().stats)
    portal = Portal(id="p", name="某县人民政府", hosts=["www.x.gov.cn"], start_urls=[BASE + "/"])
    frontier = Frontier(HostScope(portal), stats, RunMemory())
    home = frontier.admit(Fetch(BASE + "/", "home"), 0)
    area = frontier.admit(Fetch(BASE + "/zwgk/", "area"), 1, home)
    dead_end = frontier.admit(Fetch(BASE + "/hdjl/", "area"), 1, home)
    column = frontier.admit(Fetch(BASE + "/zwgk/nb/", "column"), 2, area)
    about = frontier.admit(Fetch(BASE + "/zwgk/nb/202401/t20240115_1.html", "detail"), 3, column)
    assert all(isinstance(m, CrawlMeta) for m in (home, area, dead_end, column, about))
    assert stats.get("wasted_requests") == 5
    frontier.useful(column)  # a list showing documents: it and the pages that led to it were useful
    frontier.checked(about)  # a page judged not to be a report
    assert stats.get("wasted_requests") == 1 and stats.get("checked_pages") == 1
    assert frontier.wasted_urls() == [BASE + "/hdjl/"]

"""Real crawl of a generic (VSB-like) portal: count-down list pages, 下一页/尾页 links, a ?page=N list,
VSB download.jsp attachments."""

from __future__ import annotations

from crawler_harness import assert_attachments_linked, assert_every_report_once, assert_stayed_home, crawl, register
from portals import requests_to


def test_generic_portal(portal_factory, tmp_path):
    site = portal_factory("generic", duplicates=True, soft404=True, per_page=3)
    registry, pid = register(site, tmp_path)
    result = crawl(registry, [pid], tmp_path / "data")
    assert result.returncode == 0, result.log_tail()

    reports = assert_every_report_once(site, result)
    assert len(reports) == 10
    assert_attachments_linked(site, result)
    assert_stayed_home(site)

    countdown = {r.path for r in requests_to(site, "/xxgk/zfxxgknb/")}
    assert countdown and all(p.endswith(".htm") for p in countdown)  # col/{n}.htm pages
    town_pages = {r.path for r in requests_to(site, "/xzjdnb/index.jsp")}
    assert any("page=2" in p for p in town_pages)
    gbk = [e for e in site.expected_reports if e.is_gbk]
    assert gbk and all(reports[e.url]["title"] == e.title for e in gbk)

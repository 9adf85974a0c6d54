"""Real crawl of a Fujian TRS "动静结合" portal: static page 1, the rest only from POST /fjdzapp/search."""

from __future__ import annotations

from urllib.parse import parse_qs

from crawler_harness import assert_attachments_linked, assert_every_report_once, assert_stayed_home, crawl, register
from portals import requests_to


def test_trs_dynamic_portal(portal_factory, tmp_path):
    site = portal_factory("trs_dynamic", duplicates=True, soft404=True)
    registry, pid = register(site, tmp_path)
    result = crawl(registry, [pid], tmp_path / "data")
    assert result.returncode == 0, result.log_tail()

    reports = assert_every_report_once(site, result)
    assert len(reports) == len(site.expected_reports) == 12
    assert_attachments_linked(site, result)
    assert_stayed_home(site)

    # the static page lists 10 items; the other reports came from the search API, page by page
    posts = requests_to(site, "/fjdzapp/search", "POST")
    assert posts, "the search API was never asked"
    forms = [parse_qs(r.body.decode()) for r in posts]
    assert {f["channelid"][0] for f in forms} == {"200210"} and {f["classsql"][0] for f in forms} == {"chnlid=1813"}
    assert sorted(int(f["page"][0]) for f in forms) == [2]
    api = result.rows("SELECT * FROM fetches WHERE kind = 'api'")
    assert len(api) == 1 and api[0]["status"] == 200
    # the ?isMobile=false and _wap variants of the list were folded into the canonical pages
    assert not [r.path for r in site.request_log if "isMobile" in r.path or "_wap." in r.path]
    stats = result.rows("SELECT * FROM crawl_portal_stats")[0]
    assert stats["list_pages"] == 2 and stats["list_pages_expected"] == 2

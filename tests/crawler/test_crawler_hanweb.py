"""Real crawl of a Hanweb JCMS portal: <datastore> columns, POST dataproxy.jsp, downfile.jsp
attachments, and the xxgkAnnualReport.jsp module (units × years, GBK pages)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from crawler_harness import assert_attachments_linked, assert_every_report_once, assert_stayed_home, crawl, register
from portals import requests_to


def test_hanweb_portal(portal_factory, tmp_path):
    site = portal_factory("hanweb", duplicates=True, soft404=True)
    registry, pid = register(site, tmp_path)
    result = crawl(registry, [pid], tmp_path / "data")
    assert result.returncode == 0, result.log_tail()

    reports = assert_every_report_once(site, result)
    module = [e for e in site.expected_reports if "xxgkAnnualReport.jsp" in e.url]
    assert module and all(e.url in reports for e in module)
    assert [e for e in module if e.is_gbk]
    assert assert_attachments_linked(site, result) >= 1
    assert all("downfile.jsp" in a.url for e in site.expected_reports for a in e.attachments)
    assert_stayed_home(site)

    # records beyond the embedded group came from POST dataproxy.jsp with the column's jpage form
    posts = requests_to(site, "/module/web/jpage/dataproxy.jsp", "POST")
    assert posts
    for post in posts:
        query = parse_qs(urlsplit(post.path).query)
        form = parse_qs(post.body.decode())
        assert int(query["startrecord"][0]) > 1 and "perpage" in query
        assert form["col"] == ["1"] and form["appid"] == ["1"] and form["columnid"] and form["unitid"] and form["webid"]
    # module pages of years without a report are fetched but never become reports
    module_gets = requests_to(site, "/module/xxgk/xxgkAnnualReport.jsp", "GET")
    assert len(module_gets) > len(module)
    assert result.value("SELECT count(*) FROM reports WHERE url LIKE '%xxgkAnnualReport%'") == len(module)

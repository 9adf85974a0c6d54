"""Real crawl of a Guangdong gkmlpt portal: SPA shells, the JSON list API, a short post URL twin."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from crawler_harness import assert_attachments_linked, assert_every_report_once, assert_stayed_home, crawl, register
from portals import requests_to


def test_gkmlpt_portal(portal_factory, tmp_path):
    site = portal_factory("gkmlpt", duplicates=True, soft404=True, per_page=3)
    registry, pid = register(site, tmp_path)
    result = crawl(registry, [pid], tmp_path / "data")
    assert result.returncode == 0, result.log_tail()

    reports = assert_every_report_once(site, result)
    assert len(reports) == 10
    assert_attachments_linked(site, result)
    assert_stayed_home(site)

    calls = requests_to(site, "/", "GET")
    api = [r for r in calls if "/gkmlpt/api/all/" in r.path]
    assert api
    pages = sorted((urlsplit(r.path).path, parse_qs(urlsplit(r.path).query)["page"][0]) for r in api)
    assert len(pages) == len(set(pages))  # every API page once
    assert {p for _, p in pages} >= {"1", "2"}
    assert all(parse_qs(urlsplit(r.path).query)["sid"][0] for r in api)
    # the short post URL on the home page names the dated URL as canonical: the report is stored
    # under its canonical URL and the short one is kept as another URL of the same report
    short = [alt for e in site.expected_reports for alt in e.alt_urls if "/content/post_" in alt]
    assert short
    urls = result.report_urls()
    for exp in site.expected_reports:
        for alt in exp.alt_urls:
            if alt in short:
                assert urls[alt] == reports[exp.url]["id"]
    stats = result.rows("SELECT * FROM crawl_portal_stats")[0]
    assert stats["list_pages"] == stats["list_pages_expected"] == len(api)

"""`nianbao crawl --start-url` (an unregistered portal from its home page alone), several portals in
one run, `scrapy crawl portal -a portal=ID`, and clear errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

from crawler_harness import FAST, REPO, Crawl, assert_every_report_once, assert_stayed_home, crawl, register

from crawler.registry import Registry, load_registry, portal_from_dict


def test_unregistered_portal_from_its_home_page(portal_factory, tmp_path):
    site = portal_factory("gkmlpt", soft404=True)
    result = crawl(None, [], tmp_path / "data", args=["--start-url", site.base_url + "/"])
    assert result.returncode == 0, result.log_tail()
    assert_every_report_once(site, result)
    assert_stayed_home(site)
    portal = result.rows("SELECT * FROM portals")[0]
    assert portal["id"] == site.host  # named after its host
    assert json.loads(portal["hosts"]) == [site.host]
    assert portal["name"] == site.site.site_name  # from the SiteName meta of its pages
    assert portal["platform"] == "gkmlpt"  # recognised from the pages
    assert f"{site.host}: ok" in result.stdout and "reports found" in result.stdout


def test_two_portals_in_one_run(portal_factory, tmp_path):
    first = portal_factory("generic", attachments=False, n_reports=4)
    second = portal_factory("trs_dynamic", attachments=False, n_reports=4)
    reg = Registry({}, [])
    for site, pid in ((first, "610626"), (second, "350128")):
        entry = {**site.portal_entry(), "id": pid}
        reg.portals[pid] = portal_from_dict(entry)
    path = reg.save(tmp_path / "portals.toml")
    result = crawl(path, ["610626", "350128"], tmp_path / "data")
    assert result.returncode == 0, result.log_tail()
    runs = result.rows("SELECT * FROM crawl_runs")
    assert len(runs) == 1 and json.loads(runs[0]["portals"]) == ["610626", "350128"] and runs[0]["outcome"] == "ok"
    stats = {r["portal"]: r for r in result.rows("SELECT * FROM crawl_portal_stats")}
    assert set(stats) == {"610626", "350128"} and all(s["outcome"] == "ok" for s in stats.values())
    by_portal = {(r["portal"], r["url"]) for r in result.rows("SELECT portal, url FROM reports")}
    expected = {("610626", e.url) for e in first.expected_reports} | {
        ("350128", e.url) for e in second.expected_reports
    }
    assert by_portal == expected
    assert stats["610626"]["new_reports"] == len(first.expected_reports)
    # each host was asked one request at a time
    for site in (first, second):
        assert site.mirror.request_log == []


def test_scrapy_crawl_portal(portal_factory, tmp_path):
    site = portal_factory("hanweb", attachments=False, n_reports=3)
    registry, pid = register(site, tmp_path)
    archive = tmp_path / "data"
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "portal",
        "-a",
        f"portal={pid}",
        "-a",
        f"registry={registry}",
        "-s",
        f"NIANBAO_ARCHIVE_DIR={archive}",
        "-s",
        f"NIANBAO_DB={archive / 'nianbao.db'}",
    ]
    for key, value in FAST.items():
        cmd += ["-s", f"{key}={value}"]
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=180)
    result = Crawl(out.returncode, out.stdout, out.stderr, archive, 0.0)
    assert out.returncode == 0, result.log_tail()
    assert_every_report_once(site, result)
    assert result.rows("SELECT outcome FROM crawl_runs")[0]["outcome"] == "ok"


def test_a_second_crawl_of_the_same_archive_is_refused(portal_factory, tmp_path):
    from archive.store.rebuild import archive_lock

    site = portal_factory("generic", attachments=False, n_reports=2)
    registry, pid = register(site, tmp_path)
    archive = tmp_path / "data"
    with archive_lock(archive):  # a crawl (or rebuild) holds the archive
        busy = crawl(registry, [pid], archive)
    assert busy.returncode == 2 and "in use by another process" in busy.stderr
    assert site.request_log == []


def test_bad_input_gives_clear_errors(tmp_path):
    archive = tmp_path / "data"
    unknown = crawl(load_registry().path, ["999999"], archive)
    assert unknown.returncode == 2 and "no portal '999999'" in unknown.stderr
    nothing = crawl(None, [], archive)
    assert nothing.returncode == 2 and "name at least one portal" in nothing.stderr
    mirror = crawl(None, [], archive, args=["--start-url", "http://www.moonvisionstudio.com/"])
    assert mirror.returncode == 2 and "spam mirror" in mirror.stderr
    assert (
        not (archive / "nianbao.db").exists()
        or Crawl(0, "", "", archive, 0).value("SELECT count(*) FROM crawl_runs") == 0
    )
    assert sorted(p.name for p in (REPO / "crawler").glob("portals.toml")) == ["portals.toml"]


def test_settings_and_summary_formatting():
    from archive.cli.commands.crawl import format_summary, parse_setting
    from crawler.runner import CrawlSummary, crawl_settings

    assert parse_setting("DOWNLOAD_DELAY=0.5") == ("DOWNLOAD_DELAY", 0.5)
    assert parse_setting("RETRY_TIMES=3") == ("RETRY_TIMES", 3)
    assert parse_setting("AUTOTHROTTLE_ENABLED=false") == ("AUTOTHROTTLE_ENABLED", False)
    assert parse_setting("LOG_LEVEL=INFO") == ("LOG_LEVEL", "INFO")
    settings = crawl_settings("/tmp/x", None, None, "incremental", {"DOWNLOAD_DELAY": 0})
    assert settings.get("NIANBAO_DB") == "/tmp/x/nianbao.db" and settings.get("NIANBAO_MODE") == "incremental"
    assert settings.getfloat("DOWNLOAD_DELAY") == 0
    defaults = crawl_settings()
    assert defaults.getbool("ROBOTSTXT_OBEY") and defaults.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert defaults.getfloat("DOWNLOAD_DELAY") >= 1 and defaults.getbool("AUTOTHROTTLE_ENABLED")
    assert defaults.get("USER_AGENT").startswith("nianbao/") and defaults.get("NIANBAO_ARCHIVE_DIR") == "data"
    summary = CrawlSummary(
        7,
        "ok",
        {
            "350128": {
                "outcome": "ok",
                "responses": 40,
                "list_pages": 3,
                "list_pages_expected": 4,
                "reports_found": 12,
                "new_reports": 2,
                "changed_reports": 1,
                "attachments": 5,
                "errors": 1,
                "blocks": 0,
                "requests": 40,
                "wasted_requests": 2,
                "checked_pages": 3,
                "traps_avoided": 9,
                "hosts_found": ["zwgk.example.gov.cn"],
            },
            "350102": {
                "outcome": "ok",
                "requests": 4,
                "empty_reason": "no annual-report column (年报) found in the disclosure area",
            },
        },
        3.25,
    )
    assert format_summary(summary) == (
        "crawl run 7: ok in 3.2 s\n  350128: ok — 40 responses, 3 list pages of 4, 12 reports found (2 new, 1 changed), "
        "5 attachments, 1 errors, 0 blocks\n"
        "    wasted 2 of 40 requests (5.0%); 3 pages judged not reports; 9 trap links not followed\n"
        "    platform hosts found: zwgk.example.gov.cn\n"
        "  350102: ok — 0 responses, 0 list pages, 0 reports found (0 new, 0 changed), 0 attachments, 0 errors, 0 blocks\n"
        "    wasted 0 of 4 requests (0.0%); 0 pages judged not reports\n"
        "    no report: no annual-report column (年报) found in the disclosure area"
    )
    assert (
        summary.exit_code == 0
        and CrawlSummary(1, "interrupted").exit_code == 130
        and CrawlSummary(1, "failed").exit_code == 1
    )


def test_a_dead_portal_fails_cleanly(portal_factory, tmp_path):
    site = portal_factory("generic", attachments=False, n_reports=2)
    registry, pid = register(site, tmp_path)
    site.go_dead("refused")
    result = crawl(registry, [pid], tmp_path / "data", settings={"RETRY_TIMES": 1})
    assert result.returncode == 1, result.log_tail()
    assert result.rows("SELECT outcome FROM crawl_runs")[0]["outcome"] == "failed"
    stats = result.rows("SELECT * FROM crawl_portal_stats")[0]
    assert stats["outcome"] == "failed" and stats["responses"] == 0 and stats["errors"] == len(site.start_urls)
    errors = result.rows("SELECT * FROM fetch_errors")
    assert {e["url"] for e in errors} == set(site.start_urls) and {e["kind"] for e in errors} == {"error"}
    assert all("Refused" in e["reason"] or "refused" in e["reason"] for e in errors)

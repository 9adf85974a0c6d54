"""Crawl hazards (docs/portals.md §6) on real local portals: 503 then 200, 429 with Retry-After, a WAF
cookie challenge (HTTP 521), a 200 "访问受限" page, crawler traps, hung connections, a host that
keeps failing, responses over the size cap."""

from __future__ import annotations

import urllib.request
from collections import defaultdict

from crawler_harness import assert_every_report_once, assert_stayed_home, crawl, register
from portalgen.sites import build_site


def _report_paths(family: str, **options) -> list[str]:
    """Paths of a site's HTML reports, known before it is served (sites are deterministic)."""
    site = build_site(family, **options)
    return [e.url for e in site.expected_reports if e.carrier == "html" and not e.url.startswith("http")]


def _by_path(site) -> dict[str, list]:
    out = defaultdict(list)
    for r in site.request_log:
        out[r.path].append(r)
    return out


def test_retries_throttling_blocks_and_traps(portal_factory, tmp_path):
    site = portal_factory("trs", flaky=1, throttle=1, retry_after=1, waf=1, block_page=1, trap=True)
    registry, pid = register(site, tmp_path)
    result = crawl(registry, [pid], tmp_path / "data", settings={"NIANBAO_BLOCK_RETRIES": 1})
    assert result.returncode == 0, result.log_tail()
    assert_every_report_once(site, result)
    assert_stayed_home(site)
    log = _by_path(site)
    base = len(site.base_url)

    # 503, then a retry that succeeds
    for url in site.hazard_urls["flaky"]:
        assert [r.status for r in log[url[base:]]] == [503, 200], url
    # 429 with Retry-After: 1 — the retry waits at least that long
    for url in site.hazard_urls["throttle"]:
        first, second = log[url[base:]]
        assert (first.status, second.status) == (429, 200)
        assert second.time - first.time >= 0.95
    errors = result.rows("SELECT * FROM fetch_errors ORDER BY id")
    blocks = {(e["url"], e["status"]) for e in errors if e["kind"] == "block"}
    # the WAF challenge (HTTP 521) and the 200 block page are recorded as blocks, never as reports
    (waf,) = site.hazard_urls["waf"]
    (blocked,) = site.hazard_urls["block_page"]
    assert blocks == {(waf, 521), (blocked, 200)}
    assert [r.status for r in log[waf[base:]]] == [521, 200]
    block_bodies = result.rows("SELECT s.sha256 FROM snapshots s WHERE s.url = ? AND s.status = 200", blocked)
    report = result.rows("SELECT sha256, page_sha256 FROM reports WHERE url = ?", blocked)[0]
    assert report["page_sha256"] in {b["sha256"] for b in block_bodies} and len(block_bodies) == 2
    # the endless calendar and the site search are never entered
    assert not [p for p in log if p.startswith(("/calendar/", "/search"))]
    stats = result.rows("SELECT * FROM crawl_portal_stats")[0]
    assert stats["blocks"] == 2 and stats["outcome"] == "ok"


def test_hung_connections_are_retried(portal_factory, tmp_path):
    paths = _report_paths("generic", attachments=False)[:2]
    site = portal_factory(
        "generic", attachments=False, flaky=1, flaky_mode="timeout", hang_seconds=1.5, flaky_paths=paths
    )
    registry, pid = register(site, tmp_path)
    result = crawl(registry, [pid], tmp_path / "data", settings={"DOWNLOAD_TIMEOUT": 0.6})
    assert result.returncode == 0, result.log_tail()
    assert_every_report_once(site, result)
    log = _by_path(site)
    for url in site.hazard_urls["flaky"]:
        assert [r.status for r in log[url[len(site.base_url) :]]] == [None, 200]  # hung and dropped, then answered


def test_a_url_that_keeps_failing_is_given_up_with_backoff(portal_factory, tmp_path):
    paths = _report_paths("generic", attachments=False)[3:5]
    site = portal_factory("generic", attachments=False, flaky=10, flaky_paths=paths)
    registry, pid = register(site, tmp_path)
    result = crawl(registry, [pid], tmp_path / "data", settings={"RETRY_TIMES": 2, "NIANBAO_BACKOFF_BASE": 0.2})
    assert result.returncode == 0, result.log_tail()
    log = _by_path(site)
    errors = {e["url"]: e for e in result.rows("SELECT * FROM fetch_errors")}
    for url in site.hazard_urls["flaky"]:
        attempts = log[url[len(site.base_url) :]]
        assert [r.status for r in attempts] == [503, 503, 503]  # the first try and RETRY_TIMES retries
        gaps = [b.time - a.time for a, b in zip(attempts, attempts[1:])]
        assert gaps[0] >= 0.19 and gaps[1] >= 0.39  # exponential backoff: base, 2 × base
        assert errors[url]["kind"] == "http" and errors[url]["status"] == 503
    lost = set(site.hazard_urls["flaky"])
    assert len(lost) == 2
    assert set(result.reports()) == {e.url for e in site.expected_reports} - lost
    assert result.rows("SELECT outcome FROM crawl_runs")[0]["outcome"] == "ok"


def test_responses_over_the_size_cap(portal_factory, tmp_path):
    site = portal_factory("trs_dynamic", n_reports=6)
    cap = 60_000
    registry, pid = register(site, tmp_path)
    result = crawl(registry, [pid], tmp_path / "data", settings={"DOWNLOAD_MAXSIZE": cap, "DOWNLOAD_WARNSIZE": 0})
    assert result.returncode == 0, result.log_tail()
    too_large = {e["url"] for e in result.rows("SELECT * FROM fetch_errors WHERE kind = 'too_large'")}
    sizes = {}
    for exp in site.expected_reports:
        for url in [exp.url, *exp.attachment_urls]:
            with urllib.request.urlopen(url) as answer:
                sizes[url] = len(answer.read())
    assert too_large == {u for u, n in sizes.items() if n > cap} != set()
    archived = {r["url"] for r in result.rows("SELECT url FROM snapshots")}
    assert not too_large & archived  # nothing truncated was archived
    reports = result.reports()
    for exp in site.expected_reports:
        assert (exp.url in reports) == (sizes[exp.url] <= cap)

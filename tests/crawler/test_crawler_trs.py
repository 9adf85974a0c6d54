"""Real crawl of a TRS WCM static portal: createPageHTML lists, sub-columns by publisher and year,
_wap twins, a tnull_ page, GBK pages, PDF/DOCX attachments, notices in the same columns."""

from __future__ import annotations

from collections import Counter

from crawler_harness import assert_attachments_linked, assert_every_report_once, assert_stayed_home, crawl, register


def test_trs_static_portal(portal_factory, tmp_path):
    site = portal_factory("trs", duplicates=True, soft404=True)
    registry, pid = register(site, tmp_path)
    result = crawl(registry, [pid], tmp_path / "data")
    assert result.returncode == 0, result.log_tail()

    reports = assert_every_report_once(site, result)
    assert len(reports) == 12
    assert assert_attachments_linked(site, result) == sum(len(e.attachments) for e in site.expected_reports) > 0
    assert_stayed_home(site)

    log = site.request_log
    gets = Counter(r.path for r in log if r.method == "GET")
    assert max(gets.values()) == 1, [p for p, n in gets.items() if n > 1]  # nothing fetched twice
    # the later list pages exist only in createPageHTML: every one of them was walked
    listed = [p for p in gets if "/index_" in p]
    assert listed, "no createPageHTML page walked"
    # twins: a _wap page or an ?isMobile variant is never requested (folded into the canonical URL)
    assert not [p for p in gets if "_wap." in p or "isMobile" in p]
    tnull = [e for e in site.expected_reports if "/tnull_" in e.url]
    assert tnull and tnull[0].url in reports
    # GBK pages (declared by meta, header or both) decode: titles and body text right
    gbk = [e for e in site.expected_reports if e.is_gbk]
    assert gbk
    for exp in gbk:
        text = "".join(
            r["text"] or ""
            for r in result.rows(
                "SELECT s.text FROM sections s JOIN reports r ON r.id = s.report_id WHERE r.url = ?", exp.url
            )
        )
        assert "政府信息公开" in text and "\ufffd" not in text
    # soft 404 items are recorded as errors, never as reports
    errors = {r["url"]: r for r in result.rows("SELECT * FROM fetch_errors")}
    for url in site.hazard_urls["soft404"]:
        assert errors[url]["kind"] == "http" and url not in result.report_urls()
    stats = result.rows("SELECT * FROM crawl_portal_stats")[0]
    assert stats["portal"] == pid and stats["outcome"] == "ok"
    assert stats["new_reports"] == 12 and stats["reports_seen"] >= 12 and stats["attachments"] >= 1
    assert stats["list_pages"] >= len(listed) + 1 and stats["list_pages_expected"] >= stats["list_pages"] - 3
    run = result.rows("SELECT * FROM crawl_runs")[0]
    assert run["outcome"] == "ok" and run["mode"] == "full"
    portal = result.rows("SELECT * FROM portals")[0]
    assert portal["id"] == pid and site.host in portal["hosts"]

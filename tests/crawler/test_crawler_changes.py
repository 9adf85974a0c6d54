"""A portal that changes between two crawls: a report added, one edited, two taken down (404 and a
soft 404).  The second crawl archives exactly the changes: a new row, a second version that
supersedes the first, ``removed_at`` on the removed ones; everything else unchanged."""

from __future__ import annotations

from crawler_harness import crawl, register


def test_second_crawl_archives_the_changes(portal_factory, tmp_path):
    site = portal_factory("trs", attachments=False)
    registry, pid = register(site, tmp_path)
    archive = tmp_path / "data"
    first = crawl(registry, [pid], archive)
    assert first.returncode == 0, first.log_tail()
    before = first.reports()
    assert len(before) == len(site.expected_reports) == 12

    reports = site.expected_reports
    gone_404, gone_soft, edited = reports[0], reports[1], reports[2]
    site.remove_report(gone_404.doc_id, how="404")
    site.remove_report(gone_soft.doc_id, how="soft404")
    new_version = site.edit_report(edited.doc_id)
    added = site.add_report(level="town", year=2025)

    site.clear_log()
    second = crawl(registry, [pid], archive, args=["--incremental"])
    assert second.returncode == 0, second.log_tail()
    rows = second.rows("SELECT * FROM reports ORDER BY id")
    by_url: dict[str, list] = {}
    for row in rows:
        by_url.setdefault(row["url"], []).append(row)
    # the added report: one new row
    assert [r["title"] for r in by_url[added.url]] == [added.title]
    # the edited report: version 2 supersedes version 1, both kept
    v1, v2 = by_url[edited.url]
    assert (v1["version"], v1["is_current"], v2["version"], v2["is_current"]) == (1, 0, 2, 1)
    assert v2["supersedes"] == v1["id"] and v1["edited"] == 1 and v2["sha256"] != v1["sha256"]
    assert new_version.version == 2
    # the removed reports: still archived, marked removed
    for gone in (gone_404, gone_soft):
        (row,) = by_url[gone.url]
        assert row["removed_at"] is not None
    # nothing else changed
    untouched = {e.url for e in reports} - {gone_404.url, gone_soft.url, edited.url}
    for url in untouched:
        assert [(r["id"], r["version"], r["removed_at"]) for r in by_url[url]] == [(before[url]["id"], 1, None)]
    run = second.value("SELECT max(id) FROM crawl_runs")
    stats = second.rows("SELECT * FROM crawl_portal_stats WHERE run_id = ?", run)[0]
    assert (stats["new_reports"], stats["changed_reports"], stats["removed_reports"]) == (1, 1, 2)
    # unchanged report pages cost at most a conditional request answered 304
    details = [r for r in site.request_log if r.path in {u[len(site.base_url) :] for u in untouched}]
    assert all(r.status == 304 and "if-none-match" in r.headers for r in details)
    assert len(details) < len(untouched)  # the reports of unchanged lists are not asked for at all

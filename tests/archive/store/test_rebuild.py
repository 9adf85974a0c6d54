"""Crawls of a real local HTTP portal through the archive session, and ``rebuild`` equality.

The portal (``fixtures.archive.site``) runs on 127.0.0.1; each crawl fetches it over HTTP,
archives every response in WARC files and the database, and ingests the report pages.  The
portal then changes (a report edited, one removed, one added, an attachment replaced) and is
crawled again.  ``nianbao rebuild`` must produce the same rows from the WARC files alone.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from fixtures.archive.compare import differences, table_rows
from fixtures.archive.old_warc import rewrite_as_old
from fixtures.archive.site import (
    T_RUN1,
    T_RUN2,
    T_RUN3,
    RunningSite,
    add_report,
    build_site,
    crawl,
    edit_report,
    remove_page,
    replace_attachment,
    report_keys,
)

from archive.store.rebuild import rebuild
from archive.store.session import ArchiveSession
from archive.store.warc import iter_records

NIANBAO = str(Path(sys.executable).parent / "nianbao")
D = "/zfxxgk/zfxxgknb/"


@pytest.fixture()
def site():
    running = RunningSite(build_site())
    yield running
    running.stop()


def statuses(outcome) -> dict[str, str]:
    return {url.split(D, 1)[1]: r.status for url, r in outcome.results.items()}


def response_counts(root: Path) -> Counter:
    """How many full response records each payload has in the WARC files."""
    return Counter(r.sha256 for r in iter_records(root) if r.record_type == "response" and r.status == 200)


def test_crawls_with_changes_and_rebuild_equality(tmp_path: Path, site: RunningSite) -> None:
    root = tmp_path / "data"
    with ArchiveSession(root) as s:
        run1 = crawl(s, site, start=T_RUN1)
        assert statuses(run1) == {
            "202001/t20200115_104.html": "new",  # values from the text attachment
            "202001/t20200120_102.html": "new",
            "202201/t20220110_101.html": "new",
            "202201/t20220110_101_wap.html": "duplicate",  # the mobile twin
            "202303/t20230301_103.html": "new",  # with a corrupt PDF attachment
        }
        keys = report_keys(s)
        edit_report(site.site)
        remove_page(site.site)
        added = add_report(site.site)
        replace_attachment(site.site)
        run2 = crawl(s, site, start=T_RUN2, mode="incremental", known_reports=keys)
        assert statuses(run2) == {
            "202001/t20200115_104.html": "changed",  # page 304, attachment replaced
            "202201/t20220110_101.html": "changed",
            "202201/t20220110_101_wap.html": "duplicate",  # of the new version
            "202303/t20230301_103.html": "unchanged",
            added.split(D, 1)[1]: "new",
        }
        assert [u.split(D, 1)[1] for u in run2.removed] == ["202001/t20200120_102.html"]
        # unchanged pages were answered 304 and stored as such
        not_modified = sorted(c.url.split(D, 1)[1] for c in run2.captured if c.not_modified)
        assert not_modified == ["202001/t20200105_105.html", "202001/t20200115_104.html", "202303/t20230301_103.html"]
        run3 = crawl(s, site, start=T_RUN3, mode="incremental", known_reports=report_keys(s))
        assert set(statuses(run3).values()) == {"unchanged"}
        conn = s.conn
        reports = [tuple(r) for r in conn.execute(
            "SELECT substr(url, instr(url, 'nb/') + 3), version, is_current, edited, removed_at IS NOT NULL, carrier, cell_count FROM reports ORDER BY id")]  # fmt: skip
        assert reports == [
            ("202001/t20200115_104.html", 1, 0, 1, 0, "text", 198),
            ("202001/t20200120_102.html", 1, 1, 0, 1, "html", 198),
            ("202201/t20220110_101.html", 1, 0, 1, 0, "html", 200),
            ("202303/t20230301_103.html", 1, 1, 0, 0, "html", 200),
            ("202001/t20200115_104.html", 2, 1, 1, 0, "text", 198),
            ("202201/t20220110_101.html", 2, 1, 1, 0, "html", 200),
            ("202501/t20250110_106.html", 1, 1, 0, 0, "html", 200),
        ]
        assert [tuple(r) for r in conn.execute("SELECT id, outcome FROM crawl_runs")] == [
            (1, "ok"),
            (2, "ok"),
            (3, "ok"),
        ]
        assert [tuple(r) for r in conn.execute("SELECT kind, count(*) FROM fetch_errors GROUP BY kind")] == [
            ("extract", 1)
        ]
    # every payload is stored once, whatever the number of fetches
    assert set(response_counts(root).values()) == {1}
    stats = rebuild(root, tmp_path / "rebuilt.db")
    assert stats.errors == []
    assert stats.report_statuses == {"new": 5, "changed": 2, "duplicate": 2, "unchanged": 1 + 5}
    assert (stats.reports, stats.runs, stats.portals) == (7, 3, 1)
    assert differences(root / "nianbao.db", tmp_path / "rebuilt.db") == []
    rows = table_rows(tmp_path / "rebuilt.db")
    assert len(rows["cells"]) == 198 * 3 + 200 * 4 and len(rows["snapshots"]) > 10


def test_recrawl_of_an_unchanged_portal_adds_nothing(tmp_path: Path, site: RunningSite) -> None:
    site.site.conditional = False  # the portal ignores conditional requests: full answers again
    root = tmp_path / "data"
    with ArchiveSession(root) as s:
        crawl(s, site, start=T_RUN1)
        before = {
            t: s.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("reports", "cells", "snapshots", "fetches")
        }
        run2 = crawl(s, site, start=T_RUN2)
        after = {
            t: s.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("reports", "cells", "snapshots", "fetches")
        }
        assert set(statuses(run2).values()) == {"unchanged"}
        assert all(c.revisit for c in run2.captured)  # every payload already archived
        assert after == {**before, "fetches": 2 * before["fetches"]}
        last_seen = {r[0] for r in s.conn.execute("SELECT last_seen FROM reports")}
        assert all(t.startswith("2025-04-01") for t in last_seen)
    assert set(response_counts(root).values()) == {1}


def test_rebuild_command(tmp_path: Path, site: RunningSite) -> None:
    root = tmp_path / "data"
    with ArchiveSession(root) as s:
        crawl(s, site, start=T_RUN1)
    out = tmp_path / "out" / "rebuilt.db"
    first = subprocess.run(
        [NIANBAO, "rebuild", "--archive", str(root), "--db", str(out)], capture_output=True, text=True, timeout=300
    )
    assert first.returncode == 0, first.stderr
    assert f"rebuilt {out}" in first.stdout and "4 report rows" in first.stdout and "1 runs, 1 portals" in first.stdout
    assert differences(root / "nianbao.db", out) == []
    again = subprocess.run(
        [NIANBAO, "rebuild", "--archive", str(root), "--db", str(out)], capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 2 and "exists (use --force" in again.stderr
    forced = subprocess.run(
        [NIANBAO, "rebuild", "--archive", str(root), "--db", str(out), "--force"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert forced.returncode == 0, forced.stderr
    assert differences(root / "nianbao.db", out) == []
    assert sorted(p.name for p in out.parent.iterdir()) == ["rebuilt.db"]  # no temp file left behind
    # the default database is ARCHIVE/nianbao.db: refused because the crawl's database is there
    default = subprocess.run([NIANBAO, "rebuild", "--archive", str(root)], capture_output=True, text=True, timeout=300)
    assert default.returncode == 2 and str(root / "nianbao.db") in default.stderr
    missing = subprocess.run(
        [NIANBAO, "rebuild", "--archive", str(tmp_path / "nowhere")], capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 1 and "not found" in missing.stderr


def test_rebuild_of_an_archive_with_a_damaged_decision_reports_it(tmp_path: Path, site: RunningSite) -> None:
    root = tmp_path / "data"
    with ArchiveSession(root) as s:
        run = crawl(s, site, start=T_RUN1)
        page_url = next(iter(run.results))
        # a decision that points at bytes that are not in the archive
        s.writer.write_metadata(page_url, {"type": "report", "portal": "430529", "run_id": 1, "attachments": [],
                                           "page": {"url": page_url, "fetched": "2025-03-01T09:00:00Z", "snapshot": {
                                               "url": page_url, "sha256": "0" * 64, "warc_file": "warc/missing.warc.gz", "warc_offset": 0}}})  # fmt: skip
    stats = rebuild(root, tmp_path / "rebuilt.db")
    assert len(stats.errors) == 1 and "missing.warc.gz" in stats.errors[0]
    assert stats.reports == 4  # everything else was rebuilt


LOCATION_COLUMNS = {"warc_offset", "warc_length", "payload_offset", "target_uri"}


def rows_without_locations(db_path: Path) -> dict[str, list[tuple]]:
    """Every table's rows without the byte offsets of WARC records (a rewritten file moves them)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        out = {}
        for table in table_rows(db_path):
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])") if r[1] not in LOCATION_COLUMNS]
            out[table] = sorted(
                (tuple(r) for r in conn.execute(f"SELECT {', '.join(f'[{c}]' for c in cols)} FROM [{table}]")), key=repr
            )
        return out
    finally:
        conn.close()


def test_rebuild_reads_archives_whose_annotations_carry_the_page_url(tmp_path: Path, site: RunningSite) -> None:
    """Before issue 14 a metadata record about a page had the page's URL as its target URI (a POST
    list page's: the URL, a space, the form): such archives rebuild to the same rows."""
    root = tmp_path / "data"
    post_page = site.base_url + "/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=6 col=1&webid=3"
    with ArchiveSession(root) as s:
        run = crawl(s, site, start=T_RUN1)
        s.record_listing(1, "430529", "jpage:1", post_page, 2, [(next(iter(run.results)), "2024年报告 2025-01-20")])
        s.mark_removed(next(iter(run.results)))
        s.fetch_error(1, "430529", site.base_url + "/gone.html", "http", "HTTP 404", 404)
        s.record_verdict(1, "430529", run.captured[0], "not_report", "a list of reports")
    before = rows_without_locations(root / "nianbao.db")
    assert before["listings"] and before["fetch_errors"] and before["reports"]
    new_targets = Counter(r.url.split(":")[2] for r in iter_records(root) if r.record_type == "metadata")
    about_pages = ("fetch", "listing", "fetch_error", "report", "removed", "verdict")
    assert set(about_pages) <= set(new_targets), new_targets
    assert rewrite_as_old(root) == sum(new_targets[k] for k in about_pages)
    old = [r for r in iter_records(root) if r.record_type == "metadata"]
    assert post_page.replace(" ", "%20") in {r.url for r in old}  # warcio reads the space as %20
    assert sum(r.url.startswith("http") for r in old) == len(old) - new_targets["run"] - new_targets["portal"]
    assert not any(r.warc_header("WARC-Refers-To") for r in old)
    stats = rebuild(root, tmp_path / "rebuilt.db")
    assert stats.errors == []
    assert rows_without_locations(tmp_path / "rebuilt.db") == before

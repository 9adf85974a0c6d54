"""The extraction cache: keyed by payload, extractor version and fetch context; read first by ingestion,
filled ahead in N processes; a shard that defers extraction records reports for its merge."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from fixtures.archive.pages import report_page, sample

from archive.store import shard
from archive.store.extract_ahead import extract_pending, missing, report_inputs
from archive.store.extraction_cache import CacheReader, CacheWriter, context_of, report_from_json, report_json
from archive.store.merge import merge_shards
from archive.store.rebuild import rebuild
from archive.store.session import ArchiveSession
from extract import extract_document
from extract.version import EXTRACTOR_VERSION, source_digest

URL = "http://www.chengbu.gov.cn/zfxxgk/zfxxgknb/202201/t20220110_{}.html"
HTML = [("Content-Type", "text/html; charset=utf-8")]
WHEN = datetime(2026, 3, 1, 8, tzinfo=UTC)


def crawl_reports(archive: Path, n: int = 3) -> list[bytes]:
    """A small crawl: ``n`` report pages captured and ingested."""
    pages = [report_page(sample(i)) for i in range(1, n + 1)]
    with ArchiveSession(archive) as session:
        run = session.start_run(["430529"], "full")
        session.upsert_portal({"id": "430529", "name": "城步苗族自治县人民政府", "level": "county"})
        for i, page in enumerate(pages):
            got = session.capture(URL.format(i), status=200, reason="OK", response_headers=HTML, payload=page,
                                  fetched=WHEN, portal="430529", kind="detail", run_id=run)  # fmt: skip
            session.ingest_report(got.ingest_input(page), [], portal="430529", run_id=run)
        session.finish_run(run, {}, "ok")
    return pages


def table(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_report_survives_json_unchanged():
    report = extract_document(report_page(sample(3)), content_type="text/html", url=URL.format(3))
    assert report.cells and report.checks and report.sections
    assert report_from_json(report_json(report)) == report


def test_the_extractor_version_changes_with_any_extractor_source(tmp_path):
    package = tmp_path / "extract"
    package.mkdir()
    (package / "labels.py").write_text("LABELS = 1\n")
    before = source_digest(package)
    assert EXTRACTOR_VERSION.endswith("+" + source_digest())
    (package / "labels.py").write_text("LABELS = 2\n")
    assert source_digest(package) != before
    (package / "labels.py").write_text("LABELS = 1\n")
    assert source_digest(package) == before


def test_ingestion_takes_a_cached_extraction_before_extracting(tmp_path):
    page = report_page(sample(2))
    url, ctype = URL.format(2), "text/html; charset=utf-8"
    cached = extract_document(page, content_type=ctype, url=url)
    sha = hashlib.sha256(page).hexdigest()
    with CacheWriter(tmp_path, "test") as cache:
        cache.put(sha, context_of(url, ctype), replace(cached, title="缓存里的标题"), None)
    reader = CacheReader(tmp_path)
    assert reader.has(sha, url, ctype)
    assert not reader.has(sha, url + "?x", ctype)  # fetched elsewhere: links resolve against another URL
    reader.close()
    with ArchiveSession(tmp_path) as session:
        got = session.capture(url, status=200, reason="OK", response_headers=HTML, payload=page, fetched=WHEN)
        result = session.ingest_report(got.ingest_input(page), [])
        assert result.status == "new"
        assert session.conn.execute("SELECT title FROM reports").fetchone()[0] == "缓存里的标题"


def test_extraction_ahead_in_two_processes_fills_the_cache_and_rebuild_reads_it(tmp_path):
    archive = tmp_path / "data"
    crawl_reports(archive)
    inputs = report_inputs(archive)
    assert len(inputs) == 3 and missing(archive, inputs) == inputs
    stats = extract_pending(archive, inputs, jobs=2, writer="ahead")
    assert (stats.documents, stats.extracted, stats.errors) == (3, 3, 0)
    assert missing(archive, inputs) == []
    plain = rebuild(archive, tmp_path / "plain.db")
    assert not plain.errors
    assert table(tmp_path / "plain.db", "SELECT * FROM cells ORDER BY id") == table(
        archive / "nianbao.db", "SELECT * FROM cells ORDER BY id"
    )


def test_a_deferring_shard_records_reports_for_its_merge(tmp_path):
    shard_dir = tmp_path / "shard"
    config = shard.create(shard_dir, "w1", defer_extraction=True)
    assert shard.load(shard_dir) == config and config.warc_prefix == "nianbao-w1"
    pages = crawl_reports(shard_dir)
    shard_db = shard_dir / "nianbao.db"
    assert table(shard_db, "SELECT count(*) FROM reports") == [(0,)]  # recorded, not extracted
    assert all(p.name.startswith("nianbao-w1-") for p in (shard_dir / "warc").glob("*.warc.gz"))
    # the shard replays as it was (its rebuild skips the deferred decisions too)
    assert rebuild(shard_dir, tmp_path / "shard-rebuilt.db").reports == 0
    # a worker extracted the documents ahead into the shard's cache (marked, to see who extracted)
    with CacheWriter(shard_dir, "w1") as cache:
        for item in report_inputs(shard_dir):
            page = next(p for p in pages if hashlib.sha256(p).hexdigest() == item.sha256)
            report = extract_document(page, content_type=item.content_type, url=item.url)
            cache.put(item.sha256, context_of(item.url, item.content_type), replace(report, organ="缓存"), None)
    main = tmp_path / "main"
    [result] = merge_shards(main, [shard_dir])  # brings the cache along and ingests from it
    assert result.reports == {"new": 3}
    assert list((main / "cache").glob("extract-w1-*.db"))
    assert table(main / "nianbao.db", "SELECT DISTINCT organ FROM reports") == [("缓存",)]
    assert not missing(main, report_inputs(main))
    assert table(main / "nianbao.db", "SELECT count(*), count(DISTINCT doc_key) FROM reports") == [(3, 3)]
    rebuilt = rebuild(main, tmp_path / "main-rebuilt.db")
    assert not rebuilt.errors and rebuilt.reports == 3
    for name in ("reports", "cells", "crawl_runs", "merges"):
        sql = f"SELECT * FROM {name} ORDER BY 1"
        assert table(tmp_path / "main-rebuilt.db", sql) == table(main / "nianbao.db", sql), name

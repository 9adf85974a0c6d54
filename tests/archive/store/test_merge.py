"""Merging shards: each replayed as its own stream (revisits and decisions read from the shard's files),
a late shard merged whole, a killed merge completed by the next session, shard batches merged again."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixtures.archive.pages import report_page, sample

from archive.store import merge as merge_module
from archive.store import shard
from archive.store.merge import MergeError, merge_shards
from archive.store.rebuild import rebuild
from archive.store.session import ArchiveSession
from archive.store.warc import read_record

HTML = [("Content-Type", "text/html; charset=utf-8")]
WHEN = datetime(2026, 3, 1, 8, tzinfo=UTC)


def crawl_into(shard_dir: Path, shard_id: str, n: int, offset: int = 0) -> None:
    """A shard's crawl: ``n`` report pages, each fetched again under another URL (a revisit)."""
    shard.create(shard_dir, shard_id)
    with ArchiveSession(shard_dir) as session:
        run = session.start_run(["430529"], "full")
        for i in range(offset, offset + n):
            page = report_page(sample(i + 1))
            url = f"http://www.chengbu.gov.cn/nb/{i}.html"
            got = session.capture(url, status=200, reason="OK", response_headers=HTML, payload=page,
                                  fetched=WHEN, portal="430529", kind="detail", run_id=run)  # fmt: skip
            again = session.capture(f"{url}?from=list", status=200, reason="OK", response_headers=HTML, payload=page,
                                    fetched=WHEN, portal="430529", kind="other", run_id=run)  # fmt: skip
            assert again.revisit
            session.ingest_report(got.ingest_input(page), [], portal="430529", run_id=run)
        session.finish_run(run, {}, "ok")


def table(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_late_shard_is_merged_whole_and_its_revisits_resolve(tmp_path):
    crawl_into(tmp_path / "late", "late", 2)  # the older files …
    crawl_into(tmp_path / "early", "early", 2, offset=2)
    main = tmp_path / "main"
    merge_shards(main, [tmp_path / "early"])
    [late] = merge_shards(main, [tmp_path / "late"])  # … merged after the newer ones
    assert late.reports == {"new": 2} and not late.errors
    db = main / "nianbao.db"
    assert table(db, "SELECT count(*) FROM reports") == [(4,)]
    assert table(db, "SELECT id, shard, shard_run FROM crawl_runs ORDER BY id") == [(1, "early", 1), (2, "late", 1)]
    revisits = table(
        db, "SELECT warc_file, warc_offset, payload_file, sha256 FROM snapshots WHERE record_type = 'revisit'"
    )
    assert len(revisits) == 4
    for warc_file, offset, payload_file, sha in revisits:
        assert warc_file.startswith("shards/") and payload_file.startswith(warc_file.rsplit("/warc/", 1)[0])
        assert read_record(main, warc_file, offset).sha256 == sha  # resolved inside the shard's folder
    assert merge_shards(main, [tmp_path / "late", tmp_path / "early"])[0].files == []  # nothing new
    crawl_into(tmp_path / "late", "late", 1, offset=4)  # the late shard's worker crawled on
    [more] = merge_shards(main, [tmp_path / "late"])
    assert more.reports == {"new": 1} and more.files[0][1] == 0  # a new file of the shard
    assert table(db, "SELECT shard, shard_run FROM crawl_runs WHERE id = 3") == [("late", 2)]
    rebuilt = rebuild(main, tmp_path / "rebuilt.db")
    assert not rebuilt.errors
    for name in ("reports", "cells", "snapshots", "fetches", "crawl_runs", "merges", "warc_records"):
        sql = f"SELECT * FROM {name} ORDER BY 1"
        assert table(tmp_path / "rebuilt.db", sql) == table(db, sql), name


def test_a_merge_killed_after_its_record_is_completed_by_the_next_session(tmp_path, monkeypatch):
    crawl_into(tmp_path / "s1", "s1", 2)
    main = tmp_path / "main"

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies between the merge record and its commit

    monkeypatch.setattr(merge_module, "apply_metadata", killed)
    with pytest.raises(KeyboardInterrupt):
        merge_shards(main, [tmp_path / "s1"])
    monkeypatch.undo()
    assert table(main / "nianbao.db", "SELECT count(*) FROM reports") == [(0,)]
    with ArchiveSession(main) as session:  # the next session applies what the WARC files say
        assert session.replayed.decisions["merge"] == 1
    assert table(main / "nianbao.db", "SELECT count(*) FROM reports") == [(2,)]
    assert merge_shards(main, [tmp_path / "s1"])[0].files == []


def test_what_cannot_be_merged(tmp_path):
    (tmp_path / "plain").mkdir()
    with pytest.raises(MergeError, match="is not a shard"):
        merge_shards(tmp_path / "main", [tmp_path / "plain"])
    crawl_into(tmp_path / "s1", "s1", 1)
    with pytest.raises(MergeError, match="is the archive itself"):
        merge_shards(tmp_path / "s1", [tmp_path / "s1"])
    merge_shards(tmp_path / "main", [tmp_path / "s1"])
    copy = next((tmp_path / "main" / "shards" / "s1" / "warc").glob("*.warc.gz"))
    with open(copy, "r+b") as fh:  # the merged copy no longer matches its shard
        fh.seek(copy.stat().st_size - 10)
        fh.write(b"0123456789")
    crawl_into(tmp_path / "s1", "s1", 1, offset=1)
    with pytest.raises(MergeError, match="changed since it was merged"):
        merge_shards(tmp_path / "main", [tmp_path / "s1"])
    shard.create(tmp_path / "main", "m")
    with pytest.raises(MergeError, match="itself a merged archive"):
        merge_shards(tmp_path / "other", [tmp_path / "main"])

"""`nianbao dump`: vacuumed DB with search index, valid WACZ, SHA256SUMS; fresh Datasette works."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import datasette_json
import httpx
import pytest
from publish_fixtures import Server, build_archive, free_port
from warcio.archiveiterator import ArchiveIterator

from archive.publish.dump import DumpError, dump
from archive.publish.search import register_functions
from archive.store.warc import WarcWriter, iter_records

pytestmark = pytest.mark.xdist_group("dump")

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def dumped(tmp_path_factory):
    root = tmp_path_factory.mktemp("dump")
    fixture = build_archive(root / "data", n_reports=18, seed=5)
    out = root / "out"
    run = subprocess.run(
        [sys.executable, "-m", "archive", "dump", str(out), "--db", str(fixture.db_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return fixture, out, run.stdout


def test_dump_writes_three_files_with_matching_sums(dumped):
    fixture, out, stdout = dumped
    assert sorted(p.name for p in out.iterdir()) == ["SHA256SUMS", "nianbao-snapshots.wacz", "nianbao.db"]
    lines = (out / "SHA256SUMS").read_text().splitlines()
    assert [line.split("  ")[1] for line in lines] == ["nianbao.db", "nianbao-snapshots.wacz"]
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
        assert digest in stdout


def test_wacz_validates(dumped):
    fixture, out, _ = dumped
    run = subprocess.run(
        [str(BIN / "wacz"), "validate", "-f", str(out / "nianbao-snapshots.wacz")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Validation succeeded, the passed WACZ is valid" in run.stdout


def _current_pages(fixture) -> dict[str, str]:
    conn = sqlite3.connect(fixture.db_path)
    return dict(
        conn.execute(
            "SELECT s.url, s.fetched FROM reports r JOIN snapshots s ON s.id = r.snapshot_id WHERE r.is_current = 1"
        ).fetchall()
    )


def test_wacz_contents_pages_index_and_digests(dumped):
    fixture, out, _ = dumped
    with zipfile.ZipFile(out / "nianbao-snapshots.wacz") as zf:
        names = zf.namelist()
        warcs = [n for n in names if n.startswith("archive/")]
        assert {
            "datapackage.json",
            "datapackage-digest.json",
            "pages/pages.jsonl",
            "indexes/index.cdx.gz",
            "indexes/index.idx",
        } <= set(names)
        assert warcs == ["archive/" + p.name for p in sorted((fixture.archive_dir / "warc").glob("*.warc.gz"))]
        assert all(zf.getinfo(n).compress_type == zipfile.ZIP_STORED for n in warcs + ["indexes/index.cdx.gz"])
        # pages.jsonl: header, then one page per current report with its capture time
        lines = [json.loads(line) for line in zf.read("pages/pages.jsonl").decode().splitlines()]
        assert lines[0]["format"] == "json-pages-1.0"
        expected = _current_pages(fixture)
        assert {p["url"]: p["ts"] for p in lines[1:]} == expected
        titles = {r.url: r.sample.title for r in fixture.reports}
        assert all(p["title"] == titles[p["url"]] for p in lines[1:])
        # datapackage.json: a sha256 for every file; datapackage-digest.json: its own digest
        package = json.loads(zf.read("datapackage.json"))
        assert package["wacz_version"] == "1.1.1"
        resources = {r["path"]: r for r in package["resources"]}
        assert set(resources) == set(names) - {"datapackage.json", "datapackage-digest.json"}
        for path, res in resources.items():
            data = zf.read(path)
            assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest() and res["bytes"] == len(data)
        digest = json.loads(zf.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + hashlib.sha256(zf.read("datapackage.json")).hexdigest()
        # CDXJ index: every report page resolves to a record holding the archived payload
        cdx = gzip.GzipFile(fileobj=io.BytesIO(zf.read("indexes/index.cdx.gz"))).read().decode()
        entries = {}
        for line in cdx.splitlines():
            _key, _ts, blob = line.split(" ", 2)
            entry = json.loads(blob)
            entries.setdefault(entry["url"], []).append(entry)
        sha = dict(sqlite3.connect(fixture.db_path).execute("SELECT url, sha256 FROM snapshots").fetchall())
        for url in expected:
            entry = next(e for e in entries[url] if e.get("mime") != "warc/request")
            member = zf.read("archive/" + entry["filename"])
            record = next(
                ArchiveIterator(io.BytesIO(member[int(entry["offset"]) : int(entry["offset"]) + int(entry["length"])]))
            )
            assert record.rec_headers.get_header("WARC-Target-URI") == url
            if record.rec_type == "response":
                assert hashlib.sha256(record.content_stream().read()).hexdigest() == sha[url]
        twin = next(u for u in sha if u.endswith("_wap.html"))
        assert any(e.get("mime") == "warc/revisit" for e in entries[twin])


def test_database_copy_is_vacuumed_private_free_and_searchable(dumped):
    fixture, out, _ = dumped
    conn = sqlite3.connect(out / "nianbao.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM meta WHERE key = 'archive_dir'").fetchone()[0] == 0
    source = sqlite3.connect(fixture.db_path)
    assert source.execute("SELECT count(*) FROM meta WHERE key = 'archive_dir'").fetchone()[0] == 1
    for table in ("reports", "cells", "checks", "sections", "snapshots"):
        assert (
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            == source.execute(f"SELECT count(*) FROM {table}").fetchone()
        )
    register_functions(conn)
    for query in ("扶贫", "复议", "12345热线", "贫"):
        fts = conn.execute(
            "SELECT count(*) FROM sections_fts WHERE sections_fts MATCH escape_fts(?)", (query,)
        ).fetchone()[0]
        like = conn.execute(
            "SELECT count(*) FROM sections WHERE heading LIKE ? OR text LIKE ?", (f"%{query}%",) * 2
        ).fetchone()[0]
        assert fts == like > 0 or (query in ("扶贫", "贫") and fts == like + 1)  # + the traditional-character section
    assert conn.execute('SELECT count(*) FROM "报告一览"').fetchone()[0] == len(fixture.reports)


def test_fresh_datasette_opens_the_dump_with_search(dumped):
    fixture, out, _ = dumped
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "datasette"), "serve", str(out / "nianbao.db"), "-h", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/-/versions.json", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "datasette did not start"
            time.sleep(0.2)
        conn = sqlite3.connect(out / "nianbao.db")
        for query in ("复议", "信访举报投诉", "2019年"):
            like = conn.execute(
                "SELECT count(*) FROM sections WHERE heading LIKE ? OR text LIKE ?", (f"%{query}%",) * 2
            ).fetchone()[0]
            with httpx.Client(base_url=base, timeout=30) as client:
                assert datasette_json.count(client, "/nianbao/sections.json", _search=query) == like
        home = httpx.get(base + "/", timeout=30).text
        sums = (out / "SHA256SUMS").read_text()
        assert 'href="/-/nianbao/dumps/nianbao-snapshots.wacz"' in home and sums.split()[2] in home
        wacz = httpx.get(base + "/-/nianbao/dumps/nianbao-snapshots.wacz", timeout=30)
        assert hashlib.sha256(wacz.content).hexdigest() == sums.split()[2]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_dump_errors_are_clear(tmp_path, dumped):
    fixture, out, _ = dumped
    missing = subprocess.run(
        [sys.executable, "-m", "archive", "dump", str(tmp_path / "o"), "--db", str(tmp_path / "none.db")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 1 and "archive database not found" in missing.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    db = empty / "nianbao.db"
    shutil.copy(fixture.db_path, db)
    with pytest.raises(DumpError, match="no WARC files"):
        dump(db, tmp_path / "o2", archive_dir=empty)
    with pytest.raises(DumpError, match="refusing to overwrite"):
        dump(db, empty, archive_dir=fixture.archive_dir)
    assert not (tmp_path / "o2" / "nianbao.db").exists()
    assert sorted(p.name for p in (tmp_path / "o2").iterdir()) == []


def test_dump_again_replaces_files_atomically(dumped, tmp_path):
    fixture, out, _ = dumped
    target = tmp_path / "again"
    first = dump(fixture.db_path, target)
    second = dump(fixture.db_path, target)
    assert sorted(p.name for p in target.iterdir()) == ["SHA256SUMS", "nianbao-snapshots.wacz", "nianbao.db"]
    assert [f.name for f in second.files] == ["nianbao.db", "nianbao-snapshots.wacz"]
    assert second.pages == first.pages == len(_current_pages(fixture))


def _cdx_entries(wacz: Path) -> list[dict]:
    with zipfile.ZipFile(wacz) as zf:
        cdx = gzip.GzipFile(fileobj=io.BytesIO(zf.read("indexes/index.cdx.gz"))).read().decode()
    return [json.loads(line.split(" ", 2)[2]) for line in cdx.splitlines()]


def test_wacz_index_lists_captures_only_also_for_archives_written_before_issue_14(dumped, tmp_path):
    """Annotations (metadata records) stay in the WARC files but out of the WACZ index, even where an
    older nianbao gave them the page's URL as target URI (replay answered the page with JSON)."""
    fixture, out, _ = dumped
    new = _cdx_entries(out / "nianbao-snapshots.wacz")
    assert new and not any(e["url"].startswith("urn:") or e.get("mime") == "application/json" for e in new)
    archive = tmp_path / "old"
    shutil.copytree(fixture.archive_dir / "warc", archive / "warc")
    shutil.copy(fixture.db_path, archive / "nianbao.db")
    captures = [r for r in iter_records(archive) if r.record_type in ("response", "revisit")]
    with WarcWriter(archive / "warc", prefix="old") as writer:  # fetch annotations as written before
        for rec in captures:
            writer.write_metadata(rec.url, {"type": "fetch", "kind": "detail"}, concurrent_to=rec.record_id)
    old_notes = [r for r in iter_records(archive) if r.record_type == "metadata"]
    assert {r.url for r in old_notes} >= set(_current_pages(fixture))  # the page URLs the annotations claimed
    dump(archive / "nianbao.db", tmp_path / "out", archive_dir=archive)
    entries = _cdx_entries(tmp_path / "out" / "nianbao-snapshots.wacz")
    assert len(entries) == len(new)
    assert not any(e.get("mime") == "application/json" for e in entries)
    for url in _current_pages(fixture):
        assert {e.get("mime") for e in entries if e["url"] == url} <= {"text/html", "warc/revisit"}, url


def test_serve_links_the_latest_dump_wherever_it_was_written(dumped, tmp_path):
    fixture, _, _ = dumped
    archive = tmp_path / "data"
    shutil.copytree(fixture.archive_dir / "warc", archive / "warc")
    db = archive / "nianbao.db"
    shutil.copy(fixture.db_path, db)
    nianbao = [sys.executable, "-m", "archive", "dump", "--db", str(db), "--archive", str(archive)]
    default = subprocess.run(nianbao, capture_output=True, text=True, timeout=300)
    assert default.returncode == 0, default.stderr
    assert sorted(p.name for p in (archive / "dumps").iterdir()) == [
        "SHA256SUMS",
        "nianbao-snapshots.wacz",
        "nianbao.db",
    ]
    elsewhere = tmp_path / "published"
    again = subprocess.run([*nianbao, str(elsewhere)], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    digest = {d: (d / "SHA256SUMS").read_text().split()[2] for d in (archive / "dumps", elsewhere)}
    assert digest[archive / "dumps"] != digest[elsewhere]  # each WACZ records when it was made
    server = Server(["--db", str(db), "--no-prepare"])
    try:
        assert f"nianbao serve: downloads from {elsewhere.resolve()}\n" in server.output
        home = httpx.get(server.url + "/", timeout=30).text
        assert digest[elsewhere] in home and digest[archive / "dumps"] not in home
        wacz = httpx.get(server.url + "/-/nianbao/dumps/nianbao-snapshots.wacz", timeout=30)
        assert wacz.content == (elsewhere / "nianbao-snapshots.wacz").read_bytes()
    finally:
        server.stop()

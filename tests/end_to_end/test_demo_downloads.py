"""`nianbao demo` builds the downloads, the site serves them with byte ranges, the database copy
searches right with plain sqlite3, and the WACZ replays the report pages in a real pywb."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import datasette_json
import httpx
import pytest
from paths import PYWB_BIN
from publish_fixtures import Server, free_port

pytestmark = [pytest.mark.xdist_group("demo-downloads")]

QUERIES = ("行政诉讼", "复议", "诉", "政府信息公开", "依申请公开", "扶贫")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    archive = tmp_path_factory.mktemp("demo") / "data"
    out = subprocess.run(
        [sys.executable, "-m", "archive", "demo", "--archive", str(archive), "--no-serve", "--portal-port", "0"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return archive, out.stdout


@pytest.fixture(scope="module")
def site(demo):
    archive, _ = demo
    server = Server(["--db", str(archive / "nianbao.db"), "--no-prepare"])
    yield server
    server.stop()


def _rows(db: Path, sql: str, *args):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def test_demo_writes_the_downloads_into_the_archive(demo):
    archive, stdout = demo
    dumps = archive / "dumps"
    assert sorted(p.name for p in dumps.iterdir()) == ["SHA256SUMS", "nianbao-snapshots.wacz", "nianbao.db"]
    for line in (dumps / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((dumps / name).read_bytes()).hexdigest() == digest
    assert f"downloads {dumps.resolve()}: nianbao.db " in stdout
    # the archive records where its latest dump went (a server path: not in the dump itself)
    assert _rows(archive / "nianbao.db", "SELECT value FROM meta WHERE key = 'dumps_dir'") == [(str(dumps.resolve()),)]
    assert _rows(dumps / "nianbao.db", "SELECT count(*) FROM meta WHERE key IN ('dumps_dir', 'archive_dir')") == [(0,)]


def test_site_links_the_downloads_and_serves_byte_ranges(demo, site):
    archive, _ = demo
    assert any(
        line.startswith(f"nianbao serve: downloads from {(archive / 'dumps').resolve()}") for line in site.output
    )
    home = httpx.get(site.url + "/", timeout=30).text
    wacz = archive / "dumps" / "nianbao-snapshots.wacz"
    data = wacz.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert 'href="/-/nianbao/dumps/nianbao-snapshots.wacz"' in home and digest in home
    url = site.url + "/-/nianbao/dumps/nianbao-snapshots.wacz"
    size = len(data)
    with httpx.Client(timeout=30) as client:
        whole = client.get(url)
        assert whole.status_code == 200 and whole.content == data
        assert whole.headers["accept-ranges"] == "bytes" and whole.headers["etag"] == f'"{digest}"'
        assert whole.headers["content-type"] == "application/wacz+zip"
        cases = {
            "bytes=0-99": (0, 99),
            "bytes=1000-": (1000, size - 1),
            "bytes=-22": (size - 22, size - 1),  # a zip's end-of-central-directory record
            f"bytes=100-{size + 5000}": (100, size - 1),
            f"bytes=-{size + 10}": (0, size - 1),
        }
        for header, (start, end) in cases.items():
            part = client.get(url, headers={"Range": header})
            assert part.status_code == 206, header
            assert part.headers["content-range"] == f"bytes {start}-{end}/{size}", header
            assert part.content == data[start : end + 1] and int(part.headers["content-length"]) == end - start + 1
        assert client.get(url, headers={"Range": "bytes=-22"}).content.startswith(b"PK\x05\x06")
        for header in (f"bytes={size}-", f"bytes={size + 1}-{size + 9}", "bytes=-0"):
            refused = client.get(url, headers={"Range": header})
            assert refused.status_code == 416 and refused.headers["content-range"] == f"bytes */{size}", header
            assert refused.content == b""
        # a range the server does not take (several, reversed, other unit) and a stale If-Range: the whole file
        for headers in ({"Range": "bytes=0-1,5-6"}, {"Range": "bytes=9-2"}, {"Range": "items=0-1"},
                        {"Range": "bytes=0-9", "If-Range": '"0000"'}):  # fmt: skip
            full = client.get(url, headers=headers)
            assert full.status_code == 200 and full.content == data, headers
        fresh = client.get(url, headers={"Range": "bytes=0-9", "If-Range": f'"{digest}"'})
        assert fresh.status_code == 206 and fresh.content == data[:10]
        head = client.head(url, headers={"Range": "bytes=10-19"})
        assert head.status_code == 206 and head.headers["content-length"] == "10" and head.content == b""
        assert client.get(url, headers={"If-None-Match": f'"{digest}"'}).status_code == 304
        db_copy = client.get(site.url + "/-/nianbao/dumps/nianbao.db", headers={"Range": "bytes=0-15"})
        assert db_copy.status_code == 206 and db_copy.content == b"SQLite format 3\x00"
        assert client.get(site.url + "/-/nianbao/dumps/../nianbao.db").status_code == 404
        assert client.get(site.url + "/-/nianbao/dumps/nianbao.db-journal").status_code == 404


def test_the_downloaded_database_searches_right_with_plain_sqlite3(demo, site):
    """The documented way (the dump's ``nianbao_readme`` table) gives the counts LIKE and the site give."""
    archive, _ = demo
    conn = sqlite3.connect(f"file:{archive / 'dumps' / 'nianbao.db'}?mode=ro", uri=True)  # no nianbao functions
    try:
        readme = dict(conn.execute("SELECT topic, example_sql FROM nianbao_readme").fetchall())
        assert "MATCH '\"行政 政诉 诉讼\"'" in readme["search"]
        naive = conn.execute("SELECT count(*) FROM sections_fts WHERE sections_fts MATCH '行政诉讼'").fetchone()[0]
        assert naive == 0  # why the readme exists: a natural MATCH finds nothing in a bigram index
        with httpx.Client(base_url=site.url, timeout=30) as client:
            for q in QUERIES:
                like = conn.execute(
                    "SELECT count(*) FROM sections WHERE heading LIKE ? OR text LIKE ?", (f"%{q}%", f"%{q}%")
                ).fetchone()[0]
                assert like > 0, q
                assert conn.execute(readme["search_count"], {"q": q}).fetchone()[0] == like, q
                hits = conn.execute(readme["search_hits"], {"q": q}).fetchall()
                current = conn.execute(
                    "SELECT count(*) FROM sections s JOIN reports r ON r.id = s.report_id "
                    "WHERE r.is_current = 1 AND (s.heading LIKE ? OR s.text LIKE ?)",
                    (f"%{q}%", f"%{q}%"),
                ).fetchone()[0]
                assert len(hits) == current, q
                assert datasette_json.count(client, "/nianbao/sections.json", _search=q) == like, q
            title_like = conn.execute("SELECT count(*) FROM reports WHERE title LIKE '%年度报告%'").fetchone()[0]
            assert conn.execute(readme["search_titles"], {"q": "年度报告"}).fetchone()[0] == title_like > 0
            # the phrase written by hand, as the readme explains it
            by_hand = conn.execute("SELECT count(*) FROM sections_fts WHERE sections_fts MATCH '\"行政 政诉 诉讼\"'")
            assert by_hand.fetchone()[0] == conn.execute(readme["search_count"], {"q": "行政诉讼"}).fetchone()[0]
    finally:
        conn.close()


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "pywb exited"
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"pywb does not answer at {url}")


def test_the_wacz_replays_the_report_pages_in_pywb(demo, tmp_path):
    archive, _ = demo
    wb_manager, wayback = PYWB_BIN / "wb-manager", PYWB_BIN / "wayback"
    if not wayback.is_file():
        pytest.fail(f"pywb is missing ({wayback}): run `make install`")
    run = lambda *args: subprocess.run([str(wb_manager), *args], cwd=tmp_path, capture_output=True, text=True)
    assert run("init", "demo").returncode == 0
    added = run("add", "--unpack-wacz", "demo", str(archive / "dumps" / "nianbao-snapshots.wacz"))
    assert added.returncode == 0, added.stderr
    port = free_port()
    proc = subprocess.Popen(
        [str(wayback), "-b", "127.0.0.1", "-p", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(base + "/", proc)
        pages = _rows(
            archive / "nianbao.db",
            "SELECT r.title, s.url, s.fetched, s.sha256, s.content_type FROM reports r "
            "JOIN snapshots s ON s.id = r.snapshot_id WHERE r.is_current = 1 ORDER BY r.id",
        )
        files = _rows(
            archive / "nianbao.db",
            "SELECT s.url, s.fetched, s.sha256, s.content_type FROM attachments a "
            "JOIN snapshots s ON s.id = a.snapshot_id WHERE a.used_for_values = 1",
        )
        assert len(pages) >= 30 and files
        with httpx.Client(timeout=30) as client:
            for title, url, fetched, sha256, content_type in pages:
                ts = "".join(ch for ch in fetched if ch.isdigit())
                original = client.get(f"{base}/demo/{ts}id_/{url}")
                assert original.status_code == 200, url
                assert original.headers["content-type"] == content_type, url  # the page, not a JSON annotation
                assert hashlib.sha256(original.content).hexdigest() == sha256, url
                replayed = client.get(f"{base}/demo/{ts}mp_/{url}")
                assert replayed.status_code == 200 and replayed.headers["content-type"].startswith("text/html")
                # the title in the page's own bytes (the sample portal has GBK pages without a charset)
                assert any(title.encode(enc) in replayed.content for enc in ("utf-8", "gb18030")), url
            for url, fetched, sha256, content_type in files:
                ts = "".join(ch for ch in fetched if ch.isdigit())
                original = client.get(f"{base}/demo/{ts}id_/{url}")
                assert original.status_code == 200 and hashlib.sha256(original.content).hexdigest() == sha256, url
                assert original.headers["content-type"] == content_type
    finally:
        proc.terminate()
        proc.wait(timeout=20)

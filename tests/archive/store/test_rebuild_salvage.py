"""Rebuild from damaged WARC files, killed rebuilds, empty archives (issue 12)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixtures.archive.site import T_RUN1, RunningSite, build_site, crawl

from archive.store.rebuild import rebuild, remove_stale_temporaries
from archive.store.session import ArchiveSession
from archive.store.warc import warc_files

NIANBAO = [sys.executable, "-m", "archive"]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    """An archive of one crawl of the fixture portal (copied by each test that damages it)."""
    root = tmp_path_factory.mktemp("salvage") / "data"
    site = RunningSite(build_site())
    try:
        with ArchiveSession(root) as s:
            crawl(s, site, start=T_RUN1)
    finally:
        site.stop()
    return root


def _copy(src: Path, dest: Path) -> Path:
    (dest / "warc").mkdir(parents=True)
    for path in warc_files(src):
        (dest / "warc" / path.name).write_bytes(path.read_bytes())
    return dest


def _responses(db_path: Path) -> list[tuple[str, int, str]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(
            "SELECT warc_record_id, warc_offset, warc_file FROM snapshots WHERE record_type = 'response' ORDER BY warc_offset"
        ).fetchall()
    finally:
        conn.close()


def test_a_warc_cut_inside_a_record_loses_that_record_only(crawled: Path, tmp_path: Path):
    original = _responses(crawled / "nianbao.db")
    assert len(original) >= 6
    record_id, offset, warc_file = original[len(original) // 2]
    root = _copy(crawled, tmp_path / "data")
    path = root / warc_file
    data = path.read_bytes()
    following = min(o for _r, o, _f in original if o > offset)
    path.write_bytes(data[: offset + 200] + data[following - 100 :])  # the record cut in the middle, glued to the next
    stats = rebuild(root, tmp_path / "rebuilt.db")
    assert stats.damaged >= 1
    assert any(e.startswith(f"{warc_file}@{offset}: damaged record") for e in stats.errors), stats.errors
    rebuilt = {r for r, _o, _f in _responses(tmp_path / "rebuilt.db")}
    lost = {r for r, _o, _f in original} - rebuilt
    assert record_id in lost and len(lost) <= 2  # the cut record (and the one it was glued to)
    assert stats.reports >= 3


def test_a_corrupt_gzip_member_is_named_and_skipped_by_the_command(crawled: Path, tmp_path: Path):
    original = _responses(crawled / "nianbao.db")
    _record_id, offset, warc_file = original[1]
    root = _copy(crawled, tmp_path / "data")
    path = root / warc_file
    data = bytearray(path.read_bytes())
    for i in range(offset + 40, offset + 60):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    done = subprocess.run([*NIANBAO, "rebuild", "--archive", str(root)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"rebuilt {root / 'nianbao.db'}" in done.stdout
    assert "1 damaged WARC record(s) skipped, every intact record was read" in done.stderr
    assert f"error: {warc_file}@{offset}: damaged record (truncated or corrupt gzip data" in done.stderr
    assert len(_responses(root / "nianbao.db")) == len(original) - 1


def test_a_killed_rebuild_leaves_no_temporary_file(crawled: Path, tmp_path: Path):
    root = _copy(crawled, tmp_path / "data")
    killed = False
    for _attempt in range(5):
        proc = subprocess.Popen(
            [*NIANBAO, "rebuild", "--archive", str(root), "--force"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if list(root.glob(".nianbao.db.rebuild-*.tmp")):
                os.kill(proc.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(0.005)
        proc.wait()
        if killed:
            break
    assert killed, "the rebuild always finished before it could be killed"
    for _ in range(200):  # the watcher removes it once the process is gone
        left = list(root.glob(".nianbao.db.rebuild-*"))
        if not left:
            break
        time.sleep(0.05)
    assert left == []
    again = subprocess.run(
        [*NIANBAO, "rebuild", "--archive", str(root), "--force"], capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".nianbao.db")) == []


def test_temporary_files_of_dead_rebuilds_are_removed(tmp_path: Path):
    db_path = tmp_path / "nianbao.db"
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = [tmp_path / f".nianbao.db.rebuild-{dead.pid}.tmp", tmp_path / f".nianbao.db.rebuild-{dead.pid}.tmp-journal"]
    alive = tmp_path / f".nianbao.db.rebuild-{os.getppid()}.tmp"  # a running process: left alone
    other = tmp_path / f".other.db.rebuild-{dead.pid}.tmp"
    for path in [*stale, alive, other]:
        path.write_bytes(b"x")
    assert remove_stale_temporaries(db_path) == sorted(p.name for p in stale)
    assert alive.exists() and other.exists() and not any(p.exists() for p in stale)


def test_rebuilding_an_empty_archive_says_so(tmp_path: Path):
    (tmp_path / "data" / "warc").mkdir(parents=True)
    done = subprocess.run(
        [*NIANBAO, "rebuild", "--archive", str(tmp_path / "data")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        == f"nianbao rebuild: no WARC files in {tmp_path / 'data' / 'warc'}: nothing to rebuild from"
    )
    assert not (tmp_path / "data" / "nianbao.db").exists()

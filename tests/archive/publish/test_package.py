"""`nianbao package OUTDIR`: the bundle a newsroom deploys, and its entrypoint serving the site
without Docker (on loopback), from the bundle alone."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path

import httpx
import pytest
from publish_fixtures import build_archive

pytestmark = pytest.mark.xdist_group("package")

NIANBAO = str(Path(sys.executable).parent / "nianbao")


def _package(out: Path, db: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([NIANBAO, "package", str(out), "--db", str(db), *extra], capture_output=True, text=True,
                          timeout=300)  # fmt: skip


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    root = tmp_path_factory.mktemp("package")
    fixture = build_archive(root / "data", n_reports=12, seed=3)
    out = root / "site"
    run = _package(out, fixture.db_path)
    assert run.returncode == 0, run.stderr
    return fixture, out, run.stdout


class BundleServer:
    """The bundle's own command (``sh serve.sh``), as Docker's CMD runs it, on a free loopback port."""

    def __init__(self, bundle: Path) -> None:
        env = dict(os.environ, NIANBAO=NIANBAO, HOST="127.0.0.1", PORT="0")
        self.proc = subprocess.Popen(
            ["sh", str(bundle / "serve.sh")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        self.url = ""
        self.output: list[str] = []
        ready = threading.Event()

        def drain() -> None:
            for line in self.proc.stdout:
                self.output.append(line)
                if line.startswith("nianbao serve: listening on "):
                    self.url = line.split("listening on ", 1)[1].strip().rstrip("/")
                    ready.set()
            ready.set()

        threading.Thread(target=drain, daemon=True).start()
        ready.wait(60)
        if not self.url:
            self.stop()
            raise AssertionError("serve.sh did not start:\n" + "".join(self.output))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def test_bundle_contents(bundle):
    fixture, out, stdout = bundle
    assert sorted(p.name for p in out.iterdir()) == [
        "Dockerfile", "MANIFEST.json", "README.md", "constraints.txt", "data", "serve.sh", "src",
    ]  # fmt: skip
    docker = (out / "Dockerfile").read_text()
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert docker.startswith("# The nianbao site") and f"FROM python:{python}-slim" in docker
    for line in (
        "RUN pip install -c /app/constraints.txt /app/src",
        "COPY data/ /app/data/",
        'CMD ["sh", "/app/serve.sh"]',
    ):
        assert line in docker.splitlines(), line
    assert os.access(out / "serve.sh", os.X_OK) and "--no-prepare" in (out / "serve.sh").read_text()
    # the downloads, the served database (the dump's copy) and the archive's WARC files, byte for byte
    dumps = out / "data" / "dumps"
    for line in (dumps / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((dumps / name).read_bytes()).hexdigest() == digest
    served = out / "data" / "nianbao.db"
    assert served.read_bytes() == (dumps / "nianbao.db").read_bytes()
    assert os.stat(served).st_ino != os.stat(dumps / "nianbao.db").st_ino  # a copy, not a link
    warcs = sorted((fixture.archive_dir / "warc").glob("*.warc.gz"))
    assert warcs and sorted(p.name for p in (out / "data" / "warc").iterdir()) == [p.name for p in warcs]
    assert all((out / "data" / "warc" / p.name).read_bytes() == p.read_bytes() for p in warcs)
    # the source nianbao installs from, with the versions of this environment
    src = out / "src"
    assert (src / "pyproject.toml").is_file() and (
        src / "archive" / "datasette" / "templates" / "nianbao_about.html"
    ).is_file()
    assert not list(src.rglob("__pycache__"))
    pins = (out / "constraints.txt").read_text().splitlines()
    assert f"datasette=={metadata.version('datasette')}" in pins and not any(p.startswith("nianbao==") for p in pins)
    manifest = json.loads((out / "MANIFEST.json").read_text())
    on_disk = sorted(p.relative_to(out).as_posix() for p in (out / "data").rglob("*") if p.is_file())
    assert [f["path"] for f in manifest["files"]] == on_disk
    assert all(f["bytes"] == (out / f["path"]).stat().st_size for f in manifest["files"])
    reports = (
        sqlite3.connect(fixture.db_path).execute("SELECT count(*) FROM reports WHERE is_current = 1").fetchone()[0]
    )
    assert manifest["reports"] == reports and manifest["command"] == "sh serve.sh"
    assert f"nianbao package: {out}:" in stdout and "docker build -t nianbao-site" in stdout
    # packaging is no dump of the archive: the archive's latest dump stays where it was
    assert sqlite3.connect(fixture.db_path).execute("SELECT value FROM meta WHERE key = 'dumps_dir'").fetchone() is None


def test_the_bundle_serves_the_site_on_its_own(bundle, tmp_path):
    fixture, out, _ = bundle
    moved = tmp_path / "deployed"
    shutil.copytree(out, moved)  # the bundle alone: away from the archive it was made from
    hidden = fixture.archive_dir.with_name("elsewhere")
    fixture.archive_dir.rename(hidden)
    server = BundleServer(moved)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            home = client.get("/")
            assert home.status_code == 200 and "/-/nianbao/dumps/nianbao-snapshots.wacz" in home.text
            db = moved / "data" / "nianbao.db"
            rid, title, snapshot, sha = (
                sqlite3.connect(db)
                .execute(
                    "SELECT r.id, r.title, s.id, s.sha256 FROM reports r JOIN snapshots s ON s.id = r.snapshot_id "
                    "WHERE r.is_current = 1 ORDER BY r.id LIMIT 1"
                )
                .fetchone()
            )
            report = client.get(f"/nianbao/-/report/{rid}")
            assert report.status_code == 200 and title in report.text
            raw = client.get(f"/nianbao/-/snapshot/{snapshot}/raw")  # read from the bundle's WARC files
            assert raw.status_code == 200 and hashlib.sha256(raw.content).hexdigest() == sha
            wacz = client.get("/-/nianbao/dumps/nianbao-snapshots.wacz", headers={"Range": "bytes=0-3"})
            assert wacz.status_code == 206 and wacz.content == b"PK\x03\x04"
            assert client.get("/nianbao/-/about").status_code == 200
            assert client.get("/nianbao/-/feeds/reports.atom").status_code == 200
    finally:
        server.stop()
        hidden.rename(fixture.archive_dir)


def test_package_again_and_refusals(bundle, tmp_path):
    fixture, out, _ = bundle
    before = json.loads((out / "MANIFEST.json").read_text())["created"]
    time.sleep(1.1)
    again = _package(out, fixture.db_path)  # an earlier bundle is replaced
    assert again.returncode == 0, again.stderr
    assert json.loads((out / "MANIFEST.json").read_text())["created"] != before
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]  # no build left behind
    stranger = tmp_path / "notes"
    stranger.mkdir()
    (stranger / "todo.txt").write_text("keep me")
    refused = _package(stranger, fixture.db_path)
    assert refused.returncode == 1 and "is not a nianbao bundle" in refused.stderr
    assert refused.stderr.count("\n") == 1 and (stranger / "todo.txt").read_text() == "keep me"
    inside = _package(fixture.archive_dir / "site", fixture.db_path)
    assert inside.returncode == 1 and "inside the archive" in inside.stderr
    missing = _package(tmp_path / "x", tmp_path / "none.db")
    assert missing.returncode == 1 and "archive database not found" in missing.stderr

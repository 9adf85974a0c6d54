"""``nianbao package OUTDIR``: everything a newsroom deploys, in one directory — the way
``datasette package`` bundles a site, with the archive's snapshots and downloads.

The bundle::

    OUTDIR/
      Dockerfile         python:X.Y-slim + nianbao from src/ (versions pinned by constraints.txt)
      serve.sh           the one command that serves the site (HOST, PORT; Docker's CMD too)
      README.md          how to run it, with and without Docker
      MANIFEST.json      what is inside: nianbao version, when, reports, files and sizes
      constraints.txt    the exact versions of the environment that built it
      src/               the nianbao source (pyproject.toml, archive/, crawler/, extract/)
      data/nianbao.db    the database served (the dump's copy: search index, views, no server paths)
      data/warc/…        the WARC files the snapshot pages read (a merged shard's under shards/ID/warc/)
      data/dumps/        the downloads: nianbao.db, nianbao-snapshots.wacz, SHA256SUMS

It is built in a sibling directory and renamed into place; an existing OUTDIR is replaced only
when it is an earlier bundle (it has ``MANIFEST.json``).  WARC files are hard-linked when the
file system allows it (they never change once written), else copied.  The archive lock is held
while the bundle is made, so no crawl writes meanwhile.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import archive
from archive.publish.dump import DumpError, DumpResult, archive_dir_of, dump
from archive.store.paths import DB_NAME
from archive.store.rebuild import ArchiveBusy, archive_lock
from archive.store.warc import all_warc_files, relative_name

MANIFEST = "MANIFEST.json"
SOURCE_PACKAGES = ("archive", "crawler", "extract")
SOURCE_FILES = ("pyproject.toml", "README.md", "LICENSE")
DEFAULT_PORT = 8001
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".mypy_cache", ".pytest_cache")


class PackageError(Exception):
    """The bundle cannot be made (no archive, no source tree, OUTDIR not a bundle, archive busy)."""


@dataclass
class PackageResult:
    out_dir: Path
    dump: DumpResult
    warc_files: int = 0
    linked: int = 0  # WARC files hard-linked rather than copied
    bytes: int = 0
    files: list[dict] = field(default_factory=list)
    seconds: float = 0.0


def source_root() -> Path:
    """The nianbao source checkout this code runs from (``pyproject.toml`` beside ``archive/``)."""
    root = Path(archive.__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file() or not all(
        (root / p / "__init__.py").is_file() for p in SOURCE_PACKAGES
    ):
        raise PackageError(f"the nianbao source tree is not found beside {root / 'archive'} (package needs a checkout)")
    return root


def _copy_source(root: Path, dest: Path) -> None:
    dest.mkdir(parents=True)
    for name in SOURCE_FILES:
        if (root / name).is_file():
            shutil.copy2(root / name, dest / name)
    for package in SOURCE_PACKAGES:
        shutil.copytree(root / package, dest / package, ignore=IGNORED)


def constraints() -> str:
    """``name==version`` of every distribution installed here but nianbao itself (pip constraints)."""
    pins = set()
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name and name.lower() != "nianbao":
            pins.add(f"{name}=={dist.version}")
    return "\n".join(sorted(pins, key=str.lower)) + "\n"


def _link_or_copy(src: Path, dest: Path) -> bool:
    """Hard-link ``src`` to ``dest`` (True), or copy it when linking is not possible (False)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dest)
        return True
    except OSError:
        shutil.copy2(src, dest)
        return False


def dockerfile(python: str, port: int) -> str:
    return f"""# The nianbao site: built by `nianbao package`; `docker build -t nianbao-site .` then
# `docker run -p {port}:{port} nianbao-site` serves it on http://localhost:{port}/
FROM python:{python}-slim
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 HOST=0.0.0.0 PORT={port}
WORKDIR /app
COPY constraints.txt /app/constraints.txt
COPY src/ /app/src/
RUN pip install -c /app/constraints.txt /app/src
COPY serve.sh /app/serve.sh
COPY MANIFEST.json /app/MANIFEST.json
COPY data/ /app/data/
USER 65534:65534
EXPOSE {port}
CMD ["sh", "/app/serve.sh"]
"""


SERVE_SH = """#!/bin/sh
# Serve this nianbao site bundle (read-only): HOST (default 0.0.0.0) and PORT (default {port}).
# NIANBAO names the nianbao command when it is not on PATH.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
exec "${{NIANBAO:-nianbao}}" serve --db "$here/data/{db}" --archive "$here/data" --dumps "$here/data/dumps" \\
  --host "${{HOST:-0.0.0.0}}" --port "${{PORT:-{port}}}" --no-prepare
"""


def readme(manifest: dict, port: int) -> str:
    return f"""# nianbao site bundle

Built by `nianbao package` (nianbao {manifest["nianbao"]}) on {manifest["created"]}: {manifest["reports"]}
reports, {manifest["warc_files"]} WARC files, {manifest["bytes"]:,} bytes.

## Run it with Docker

```sh
docker build -t nianbao-site .
docker run --rm -p {port}:{port} nianbao-site        # http://localhost:{port}/
```

## Run it without Docker

With nianbao installed (`pip install -c constraints.txt ./src`):

```sh
HOST=127.0.0.1 PORT={port} sh serve.sh
```

The site is read-only. Put a reverse proxy (TLS, caching) in front of it for the public. The
downloads (`data/dumps/`) are served by the site with byte ranges; `data/warc/` holds the archived
snapshots the provenance pages show. To update the site, run `nianbao package` again on the
archive and redeploy.
"""


def package(
    db_path: Path | str,
    out_dir: Path | str,
    archive_dir: Path | str | None = None,
    port: int = DEFAULT_PORT,
) -> PackageResult:
    """Write the deployable bundle of the archive ``db_path`` into ``out_dir``."""
    started = time.perf_counter()
    db_path = Path(db_path)
    if not db_path.is_file():
        raise PackageError(f"archive database not found: {db_path}")
    archive_root = Path(archive_dir) if archive_dir else archive_dir_of(db_path)
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MANIFEST).is_file())):
        raise PackageError(f"{out} exists and is not a nianbao bundle: name a new or empty directory")
    if (
        out.resolve() in (archive_root.resolve(), db_path.resolve().parent)
        or archive_root.resolve() in out.resolve().parents
    ):
        raise PackageError(f"the bundle cannot be written inside the archive ({archive_root})")
    src = source_root()
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with archive_lock(archive_root):
            build = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
            build.chmod(0o755)
            try:
                result = _build(db_path, archive_root, src, build, port)
                _swap(build, out)
            except BaseException:
                shutil.rmtree(build, ignore_errors=True)
                raise
    except ArchiveBusy as exc:
        raise PackageError(str(exc)) from None
    except DumpError as exc:
        raise PackageError(str(exc)) from None
    result.out_dir = out
    result.seconds = time.perf_counter() - started
    return result


def _swap(build: Path, out: Path) -> None:
    """Put the finished bundle at ``out`` (an earlier bundle there is removed after the rename)."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    os.replace(build, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _build(db_path: Path, archive_root: Path, src: Path, build: Path, port: int) -> PackageResult:
    data = build / "data"
    dumped = dump(db_path, data / "dumps", archive_root, record=False)
    shutil.copy2(data / "dumps" / DB_NAME, data / DB_NAME)  # a copy: the served file is not the download's
    result = PackageResult(build, dumped)
    for path in all_warc_files(archive_root):
        rel = relative_name(path, archive_root)
        if rel.startswith("/") or ".." in Path(rel).parts:
            raise PackageError(f"WARC file outside the archive directory: {path}")
        result.linked += _link_or_copy(path, data / rel)
        result.warc_files += 1
    _copy_source(src, build / "src")
    (build / "constraints.txt").write_text(constraints(), encoding="utf-8")
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    (build / "Dockerfile").write_text(dockerfile(python, port), encoding="utf-8")
    serve = build / "serve.sh"
    serve.write_text(SERVE_SH.format(port=port, db=DB_NAME), encoding="utf-8")
    serve.chmod(0o755)
    for path in sorted(p for p in data.rglob("*") if p.is_file()):
        size = path.stat().st_size
        result.files.append({"path": path.relative_to(build).as_posix(), "bytes": size})
        result.bytes += size
    conn = sqlite3.connect(f"file:{data / DB_NAME}?mode=ro", uri=True)
    try:
        reports = conn.execute("SELECT count(*) FROM reports WHERE is_current = 1").fetchone()[0]
    finally:
        conn.close()
    manifest = {
        "nianbao": archive.__version__,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": python,
        "port": port,
        "reports": reports,
        "warc_files": result.warc_files,
        "bytes": result.bytes,
        "command": "sh serve.sh",
        "files": result.files,
    }
    (build / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (build / "README.md").write_text(readme(manifest, port), encoding="utf-8")
    return result

"""A shard: an archive directory one queue worker writes, later merged into the main archive.

``nianbao worker`` marks its archive directory with ``{shard}/shard.json``::

    {"id": "host1-3f2a9c", "warc_prefix": "nianbao-host1-3f2a9c", "defer_extraction": false}

* ``id`` names the shard in the merged archive (``shards/{id}/``) and in its merge log;
* ``warc_prefix`` names its WARC files, so files of different shards never share a name (a
  merged archive's WACZ dump keeps one ``archive/`` folder);
* ``defer_extraction``: report decisions are recorded in the WARC files but not extracted nor
  written to the shard's database; the merge ingests them (reading the extraction cache first).

:class:`archive.store.session.ArchiveSession` reads this file when it opens an archive.
"""

from __future__ import annotations

import json
import os
import re
import socket
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

SHARD_FILE = "shard.json"
DEFAULT_WARC_PREFIX = "nianbao"
_ID_RE = re.compile(r"[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)*")


class ShardError(ValueError):
    """A shard file that cannot be used (bad JSON, bad id)."""


@dataclass(frozen=True)
class ShardConfig:
    """What ``shard.json`` says."""

    id: str
    warc_prefix: str
    defer_extraction: bool = False


def check_id(shard_id: str) -> str:
    """``shard_id`` when it is letters, digits, ``_`` and ``.`` in ``-``-separated parts, else :class:`ShardError`."""
    if not _ID_RE.fullmatch(shard_id or "") or len(shard_id) > 80:
        raise ShardError(f"a shard id is letters, digits, '_', '.' and single '-' (at most 80): {shard_id!r}")
    return shard_id


def new_id() -> str:
    """A fresh shard id: this machine's name and a random suffix."""
    host = re.sub(r"[^A-Za-z0-9_.]+", "-", socket.gethostname()).strip("-.") or "worker"
    return f"{host[:40]}-{uuid.uuid4().hex[:8]}"


def load(archive_dir: Path | str) -> ShardConfig | None:
    """The shard configuration of ``archive_dir`` (None for an archive that is no shard)."""
    path = Path(archive_dir) / SHARD_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ShardError(f"{path}: not a shard file ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise ShardError(f"{path}: not a shard file (no id)")
    shard_id = check_id(data["id"])
    prefix = data.get("warc_prefix") or f"{DEFAULT_WARC_PREFIX}-{shard_id}"
    return ShardConfig(shard_id, check_id(prefix), bool(data.get("defer_extraction")))


def create(archive_dir: Path | str, shard_id: str | None = None, *, defer_extraction: bool = False) -> ShardConfig:
    """Make ``archive_dir`` a shard (or update ``defer_extraction`` of an existing one; its id stays)."""
    archive_dir = Path(archive_dir)
    archive_dir.mkdir(parents=True, exist_ok=True)
    current = load(archive_dir)
    if current is not None and shard_id is not None and shard_id != current.id:
        raise ShardError(f"{archive_dir} is shard {current.id!r}, not {shard_id!r}")
    if current is None:
        sid = check_id(shard_id or new_id())
        config = ShardConfig(sid, f"{DEFAULT_WARC_PREFIX}-{sid}", defer_extraction)
    else:
        config = ShardConfig(current.id, current.warc_prefix, defer_extraction)
    if config != current:
        tmp = archive_dir / f".{SHARD_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(asdict(config), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, archive_dir / SHARD_FILE)
    return config


def warc_prefix(archive_dir: Path | str) -> str:
    """The prefix of the WARC files this archive's sessions write."""
    config = load(archive_dir)
    return config.warc_prefix if config is not None else DEFAULT_WARC_PREFIX

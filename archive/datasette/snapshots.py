"""Serving archived bytes safely.

HTML (and plain text) is shown inline, inside a sandboxed ``<iframe>`` of the snapshot page, and
always with a restrictive Content-Security-Policy: the CSP ``sandbox`` directive (no script runs,
even when the raw URL is opened directly), ``default-src 'none'`` (no image, style sheet, font,
frame or fetch leaves the server; only inline styles and ``data:`` images are allowed),
``form-action 'none'`` and ``base-uri 'none'``.  Everything else is a download with its archived
content type.
"""

from __future__ import annotations

import asyncio
import mimetypes
import re
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlsplit

from archive.store.warc import StoredRecord, WarcError, read_record

INLINE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
SERVABLE_RECORDS = frozenset({"response", "revisit", "resource"})
SNAPSHOT_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "media-src 'none'; object-src 'none'; frame-src 'none'; child-src 'none'; worker-src 'none'; "
    "connect-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
)
SECURITY_HEADERS = {
    "content-security-policy": SNAPSHOT_CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-resource-policy": "same-origin",
    "cache-control": "private, max-age=3600",
}


class SnapshotError(Exception):
    """The archived bytes cannot be served (missing WARC, wrong record, digest mismatch)."""


def mime_of(content_type: str | None) -> str:
    """The bare media type of a Content-Type value (lower case), ``""`` when absent."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_inline(content_type: str | None) -> bool:
    """True when the archived content is shown in the sandboxed frame rather than downloaded."""
    return mime_of(content_type) in INLINE_TYPES


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def download_filename(url: str, content_type: str | None, snapshot_id: int) -> str:
    """A safe file name for a download: the URL's last path segment, else ``snapshot-{id}.{ext}``."""
    name = unquote(PurePosixPath(urlsplit(url).path).name)
    name = _UNSAFE_NAME.sub("_", name).strip(" ._")
    if not name:
        ext = mimetypes.guess_extension(mime_of(content_type) or "application/octet-stream") or ".bin"
        name = f"snapshot-{snapshot_id}{ext}"
    return name[:150]


def content_disposition(filename: str, inline: bool = False) -> str:
    """``attachment`` (or ``inline``) with an ASCII fallback and the RFC 5987 UTF-8 name."""
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def raw_headers(content_type: str | None, filename: str) -> tuple[str, dict[str, str]]:
    """(content type, headers) for serving archived bytes."""
    headers = dict(SECURITY_HEADERS)
    mime = mime_of(content_type)
    if is_inline(content_type):
        served = content_type.strip() if content_type else mime
        headers["content-disposition"] = content_disposition(filename, inline=True)
    else:
        served = (content_type or "").strip() or "application/octet-stream"
        headers["content-disposition"] = content_disposition(filename)
    if not mime:
        served = "application/octet-stream"
    return served, headers


def _load(archive_dir: Path, warc_file: str, offset: int, url: str, sha256: str | None) -> StoredRecord:
    resolve_in_archive(archive_dir, warc_file)
    try:
        record = read_record(archive_dir, warc_file, offset)
    except (WarcError, OSError) as exc:
        raise SnapshotError(f"archived record unavailable: {exc}") from exc
    if record.record_type not in SERVABLE_RECORDS:
        raise SnapshotError(f"{warc_file}@{offset} is a {record.record_type} record, not archived content")
    if record.url != url:
        raise SnapshotError(f"{warc_file}@{offset} holds {record.url}, not {url}")
    if sha256 and record.sha256 and record.sha256 != sha256:
        raise SnapshotError(f"{warc_file}@{offset}: payload digest differs from the snapshot's sha256")
    return record


async def load_snapshot(archive_dir: Path, warc_file: str, offset: int, url: str, sha256: str | None) -> StoredRecord:
    """Read and verify the archived record of a snapshot (in a worker thread)."""
    return await asyncio.to_thread(_load, archive_dir, warc_file, offset, url, sha256)


def resolve_in_archive(archive_dir: Path, warc_file: str) -> Path:
    """``archive_dir/warc_file``, refusing paths that leave the archive directory."""
    base = archive_dir.resolve()
    path = (base / warc_file).resolve()
    if base != path and base not in path.parents:
        raise SnapshotError(f"WARC path outside the archive directory: {warc_file}")
    return path

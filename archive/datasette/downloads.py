"""Dump downloads over HTTP with byte ranges (RFC 9110 §14): a resumed download, a WACZ read in
place by ReplayWeb.page, ``curl -r``.

One ``Range: bytes=…`` range is answered ``206 Partial Content`` with ``Content-Range``
(``a-b``, ``a-``, and the suffix form ``-n``: the last n bytes); a range that starts past the end
(or ``-0``) is ``416 Range Not Satisfiable`` with ``Content-Range: bytes */size``; a header the
server does not understand, several ranges, or an ``If-Range`` that no longer matches is answered
with the whole file (200), as the RFC allows.  Every answer carries ``Accept-Ranges: bytes``, a
strong ``ETag`` (the file's SHA-256 from ``SHA256SUMS``) and ``Last-Modified``; ``If-None-Match``
gives 304.  HEAD answers the headers alone.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

CHUNK = 1 << 16
_RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ByteRange:
    """An inclusive byte range of a file of ``size`` bytes."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class Unsatisfiable(Exception):
    """The range asked for holds no byte of the file (416)."""


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one range of a ``Range`` header, clamped to the file; None: send the whole file.

    Raises :class:`Unsatisfiable` when the range starts at or past the end of the file, or is
    the empty suffix ``-0``.
    """
    if not header or "," in header:
        return None  # no range, or several: the whole file (RFC 9110 lets a server ignore Range)
    match = _RANGE_RE.match(header)
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last n bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # invalid syntax: ignored
    if start >= size:
        raise Unsatisfiable
    return ByteRange(start, min(end, size - 1))


def _if_range_holds(value: str | None, etag: str, mtime: float) -> bool:
    """Whether an ``If-Range`` precondition (an ETag or an HTTP date) still matches the file."""
    if not value:
        return True
    value = value.strip()
    if value.startswith(('"', "W/")):
        return value == etag  # a weak validator never matches (strong comparison)
    try:
        return parsedate_to_datetime(value).timestamp() >= int(mtime)
    except (TypeError, ValueError):
        return False


def _etag_listed(value: str | None, etag: str) -> bool:
    if not value:
        return False
    tags = [t.strip() for t in value.split(",")]
    return "*" in tags or etag in tags or f"W/{etag}" in tags


@dataclass
class RangedFile:
    """An ASGI answer with a file (Datasette's route handlers may return any ``asgi_send``)."""

    path: Path
    content_type: str
    sha256: str
    method: str
    headers: dict[str, str]  # the request's, lower-case names
    filename: str | None = None

    async def asgi_send(self, send) -> None:
        stat = self.path.stat()
        size = stat.st_size
        etag = f'"{self.sha256}"' if self.sha256 else f'"{int(stat.st_mtime)}-{size}"'
        base = [
            ("accept-ranges", "bytes"),
            ("etag", etag),
            ("last-modified", formatdate(stat.st_mtime, usegmt=True)),
            ("cache-control", "public, max-age=3600"),
        ]
        if self.filename:
            base.append(("content-disposition", f'attachment; filename="{self.filename}"'))
        if _etag_listed(self.headers.get("if-none-match"), etag):
            await _start(send, 304, base)
            await send({"type": "http.response.body", "body": b""})
            return
        wanted = (
            self.headers.get("range") if _if_range_holds(self.headers.get("if-range"), etag, stat.st_mtime) else None
        )
        try:
            byte_range = parse_range(wanted, size)
        except Unsatisfiable:
            await _start(send, 416, [*base, ("content-range", f"bytes */{size}"), ("content-length", "0")])
            await send({"type": "http.response.body", "body": b""})
            return
        if byte_range is None:
            status, start, length = 200, 0, size
            extra = []
        else:
            status, start, length = 206, byte_range.start, byte_range.length
            extra = [("content-range", f"bytes {byte_range.start}-{byte_range.end}/{size}")]
        await _start(
            send, status, [*base, *extra, ("content-type", self.content_type), ("content-length", str(length))]
        )
        if self.method == "HEAD" or length == 0:
            await send({"type": "http.response.body", "body": b""})
            return
        await _send_bytes(send, self.path, start, length)


async def _start(send, status: int, headers: list[tuple[str, str]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        }
    )


async def _send_bytes(send, path: Path, start: int, length: int) -> None:
    """``length`` bytes of ``path`` from ``start``, in chunks read off the event loop."""
    with open(path, "rb") as fh:
        fh.seek(start)
        left = length
        while left > 0:
            chunk = await asyncio.to_thread(fh.read, min(CHUNK, left))
            if not chunk:  # the file shrank under us: end the body short rather than hang
                break
            left -= len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": left > 0})
        if left > 0:
            await send({"type": "http.response.body", "body": b"", "more_body": False})

"""The WARC snapshot store: gzip WARC 1.1 files under ``{archive}/warc/``.

* :class:`WarcWriter` writes every HTTP exchange as a ``request`` plus a ``response`` record, or a
  ``revisit`` record (profile *identical-payload-digest*) when the payload is already archived, and
  ``metadata`` records (JSON bodies) for the crawler's decisions.  Target URIs are valid URIs
  (:func:`warc_uri`: spaces and non-ASCII percent-encoded); a metadata record never carries the
  URL of a page as its target URI (replay tools would show the JSON instead of the page): it is
  named ``urn:nianbao:{type}:{uuid}`` (:func:`annotation_uri`) and points at the record it
  describes with ``WARC-Refers-To``.  Each record is its own gzip
  member; the records of one call go to disk in a single ``write`` followed by ``fsync`` so the
  caller may record them in SQLite afterwards.  Payload and block digests are SHA-256 (base32, as
  WARC writes them); :func:`sha256_hex` of a payload is what the archive tables store.
* :func:`read_record` reads one record back (a revisit resolves to the original payload) and
  :func:`iter_records` walks every record of an archive in file and offset order.
* :func:`recover` repairs files left behind by a killed writer (truncated last gzip member).

The payload given to the writer is the entity body as the client delivered it (Scrapy decodes
``Content-Encoding``); the stored HTTP headers are adjusted to match it: ``Content-Encoding`` and
``Transfer-Encoding`` become ``X-Archive-Orig-…`` and ``Content-Length`` is the payload length.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import os
import re
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from archive import __version__

WARC_SUBDIR = "warc"
QUARANTINE_SUBDIR = "quarantine"
OPEN_MARKER_SUFFIX = ".open"
SOFTWARE = f"nianbao/{__version__} (warcio)"
JSON_TYPE = "application/json"
GZIP_LEVEL = 6

# Extension fields on revisit records: where the original response lives (file relative to the
# archive directory, byte offset of its gzip member), so a revisit resolves without an index.
REFERS_TO_FILE = "Nianbao-Refers-To-File"
REFERS_TO_OFFSET = "Nianbao-Refers-To-Offset"

_NAME_RE = re.compile(r"^(?P<prefix>.+)-(?P<ts>\d{17})-(?P<serial>\d{5})\.warc(?:\.gz)?$")
_ORIG_PREFIX = "X-Archive-Orig-"


class WarcError(Exception):
    """A WARC file or record could not be read or written."""


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class RevisitTarget:
    """The response record that holds a payload (what a revisit record refers to)."""

    uri: str
    date: str  # WARC-Date of the original response
    record_id: str
    warc_file: str | None = None  # relative to the archive directory
    offset: int | None = None


@dataclass(frozen=True)
class WrittenRecord:
    """Where one record went."""

    warc_file: str  # relative to the archive directory
    offset: int
    length: int  # compressed length (the gzip member)
    record_id: str
    record_type: str
    target_uri: str
    date: str
    concurrent_to: str | None = None


@dataclass(frozen=True)
class WrittenExchange:
    """The records of one HTTP exchange; ``offset``/``length`` are those of the response/revisit."""

    warc_file: str
    offset: int
    length: int
    record_id: str
    sha256: str  # hex digest of the payload bytes
    revisit: bool
    date: str  # WARC-Date of the exchange (== format_warc_date(fetched))
    url: str
    status: int
    content_type: str | None
    payload_length: int
    refers_to: RevisitTarget | None  # for a revisit: the original response
    request: WrittenRecord
    metadata: WrittenRecord | None = None
    http_headers: list[tuple[str, str]] = field(default_factory=list)  # as stored

    @property
    def response(self) -> WrittenRecord:
        return WrittenRecord(
            self.warc_file,
            self.offset,
            self.length,
            self.record_id,
            "revisit" if self.revisit else "response",
            self.url,
            self.date,
        )

    def records(self) -> list[WrittenRecord]:
        """Every record of the exchange in file order."""
        out = [self.response, self.request]
        if self.metadata is not None:
            out.append(self.metadata)
        return out


@dataclass
class StoredRecord:
    """One record read back from a WARC file.

    For a ``revisit`` record ``payload`` is the original response's payload (when resolved) and
    ``refers_to`` locates that response; ``status``, ``http_headers`` and ``content_type`` are the
    revisit's own.  For ``request`` records ``payload`` is the request body; for ``metadata``,
    ``warcinfo`` and ``resource`` records it is the record block.
    """

    url: str
    status: int | None
    content_type: str | None
    http_headers: list[tuple[str, str]]
    payload: bytes
    date: str
    record_id: str
    record_type: str
    warc_file: str = ""
    offset: int = 0
    length: int | None = None
    concurrent_to: str | None = None
    warc_headers: list[tuple[str, str]] = field(default_factory=list)
    sha256: str | None = None  # hex of the payload (for a revisit: from its digest)
    refers_to: RevisitTarget | None = None
    resolved: bool = True  # False for a revisit whose payload was not fetched
    method: str | None = None  # request records

    def header(self, name: str) -> str | None:
        """An HTTP header of the record (case-insensitive)."""
        return header_value(self.http_headers, name)

    def warc_header(self, name: str) -> str | None:
        return header_value(self.warc_headers, name)

    def json(self) -> dict:
        """The JSON body of a metadata record."""
        try:
            data = json.loads(self.payload.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise WarcError(f"{self.warc_file}@{self.offset}: metadata body is not JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise WarcError(f"{self.warc_file}@{self.offset}: metadata body is not a JSON object")
        return data


# --------------------------------------------------------------------------- helpers


def format_warc_date(when: datetime) -> str:
    """WARC-Date text of ``when``: UTC, whole seconds, ``YYYY-MM-DDTHH:MM:SSZ``.

    A naive datetime is taken as UTC.  The archive tables store exactly this text (fixed width,
    so it sorts as text), and a database rebuilt from the WARC files carries the same timestamps.
    """
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_warc_date(text: str) -> datetime:
    """Parse a WARC-Date (with or without fractional seconds) into an aware UTC datetime."""
    value = text.strip().rstrip("Z")
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if "." in value else "%Y-%m-%dT%H:%M:%S"
    return datetime.strptime(value, fmt).replace(tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest_to_hex(digest: str | None) -> str | None:
    """``sha256:BASE32`` (or ``sha256:HEX``) → hex; None for other algorithms."""
    if not digest or ":" not in digest:
        return None
    algo, value = digest.split(":", 1)
    if algo.lower().replace("-", "") != "sha256":
        return None
    value = value.strip()
    if len(value) == 64 and re.fullmatch(r"[0-9a-fA-F]{64}", value):
        return value.lower()
    try:
        return binascii.hexlify(base64.b32decode(value.upper())).decode("ascii")
    except (binascii.Error, ValueError):
        return None


def _digest(sha_hex: str) -> str:
    return "sha256:" + base64.b32encode(bytes.fromhex(sha_hex)).decode("ascii")


def _new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


_URI_KEPT = "!#$&'()*+,/:;=?@[]~%"  # RFC 3986 reserved characters, ``%`` of existing escapes
_STRAY_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def warc_uri(url: str) -> str:
    """``url`` as a valid ``WARC-Target-URI``: spaces, control characters, non-ASCII (as UTF-8)
    and the characters a URI cannot hold (``"<>\\^`{|}``) percent-encoded; existing ``%XX``
    escapes kept, a stray ``%`` encoded.  A URL that is already valid is returned unchanged."""
    quoted = quote(url.strip(), safe=_URI_KEPT, errors="surrogatepass")
    return _STRAY_PERCENT_RE.sub("%25", quoted)


def annotation_uri(kind: str, record_id: str) -> str:
    """The target URI of a metadata record of type ``kind``: ``urn:nianbao:{kind}:{uuid}`` (the
    uuid of its own ``WARC-Record-ID``), never the URL of the page it is about."""
    ident = record_id.strip("<>").removeprefix("urn:uuid:")
    safe_kind = re.sub(r"[^A-Za-z0-9_.-]", "-", kind) or "note"
    return f"urn:nianbao:{safe_kind}:{ident}"


def _clean(value: str | bytes) -> str:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return value.replace("\r", " ").replace("\n", " ")


def _headers(headers: Sequence[tuple[str | bytes, str | bytes]]) -> list[tuple[str, str]]:
    return [(_clean(k).strip(), _clean(v).strip()) for k, v in headers]


def _response_headers(headers: list[tuple[str, str]], payload_length: int) -> list[tuple[str, str]]:
    """Make the stored headers describe the stored (decoded) payload."""
    out: list[tuple[str, str]] = []
    length_kept = False
    for name, value in headers:
        lname = name.lower()
        if lname in ("transfer-encoding", "content-encoding"):
            out.append((_ORIG_PREFIX + name, value))
        elif lname == "content-length":
            if value == str(payload_length) and not length_kept:
                out.append((name, value))
                length_kept = True
            else:
                out.append((_ORIG_PREFIX + name, value))
        else:
            out.append((name, value))
    if not length_kept:
        out.append(("Content-Length", str(payload_length)))
    return out


def header_value(headers: list[tuple[str, str]], name: str) -> str | None:
    """The value of header ``name`` in a list of (name, value) pairs (case-insensitive), or None."""
    lname = name.lower()
    for key, value in headers:
        if key.lower() == lname:
            return value
    return None


def parse_warc_name(name: str) -> tuple[str, str, int] | None:
    """``(prefix, timestamp, serial)`` of a file named by :class:`WarcWriter`, else None."""
    match = _NAME_RE.match(Path(name).name)
    if not match:
        return None
    return match["prefix"], match["ts"], int(match["serial"])


def relative_name(path: Path, archive_dir: Path) -> str:
    """``path`` relative to ``archive_dir`` (as stored in ``snapshots.warc_file``)."""
    return _relative(path, archive_dir)


def _file_sort_key(path: Path) -> tuple:
    parsed = parse_warc_name(path.name)
    if parsed:
        return (0, parsed[1], parsed[2], path.name)
    return (1, "", 0, path.name)


def warc_files(archive_dir: Path) -> list[Path]:
    """The WARC files of an archive in write order (by name timestamp, then serial).

    Looks in ``{archive_dir}/warc/`` and in ``archive_dir`` itself.
    """
    archive_dir = Path(archive_dir)
    found: list[Path] = []
    for folder in (archive_dir / WARC_SUBDIR, archive_dir):
        if folder.is_dir():
            for pattern in ("*.warc.gz", "*.warc"):
                found.extend(p for p in folder.glob(pattern) if p.is_file())
    return sorted(set(found), key=_file_sort_key)


def all_warc_files(archive_dir: Path) -> list[Path]:
    """The archive's own WARC files (:func:`warc_files`), then those of its merged shards
    (``shards/{id}/warc/``, each in its own write order): every file that holds its records."""
    archive_dir = Path(archive_dir)
    files = list(warc_files(archive_dir))
    for folder in sorted((archive_dir / "shards").glob(f"*/{WARC_SUBDIR}")):
        files += [p for p in warc_files(folder.parent) if p.parent == folder]
    return files


def _relative(path: Path, archive_dir: Path) -> str:
    try:
        return path.resolve().relative_to(Path(archive_dir).resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


# --------------------------------------------------------------------------- writing


class _Sha256Writer(WARCWriter):
    """warcio writer with SHA-256 block and payload digests."""

    @staticmethod
    def _create_digester():
        return Digester("sha256")


class WarcWriter:
    """Write gzip WARC 1.1 files ``{prefix}-{UTC timestamp}-{serial}.warc.gz`` into ``warc_dir``.

    A file is opened on the first record (with a ``warcinfo`` record) and rotated when the next
    write would make it larger than ``max_bytes``.  ``warc_file`` values returned are relative to
    ``archive_dir`` (default: the parent of ``warc_dir``, so ``warc/…warc.gz``).  While a file is
    open a marker ``{file}.open`` sits next to it; :func:`recover` checks files whose marker
    survived a killed process.
    """

    def __init__(
        self,
        warc_dir: Path,
        prefix: str = "nianbao",
        max_bytes: int = 500_000_000,
        *,
        archive_dir: Path | None = None,
        info: dict | None = None,
    ) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)*", prefix):
            raise ValueError(f"WARC prefix must be letters, digits, '_', '.', '-': {prefix!r}")
        self.warc_dir = Path(warc_dir)
        self.warc_dir.mkdir(parents=True, exist_ok=True)
        self.archive_dir = Path(archive_dir) if archive_dir is not None else self.warc_dir.parent
        self.prefix = prefix
        self.max_bytes = max_bytes
        self._info: dict = {
            "software": SOFTWARE,
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        }
        if info:
            self._info.update(info)
        self._builder = _Sha256Writer(io.BytesIO(), gzip=True, warc_version="1.1")
        self._fd: int | None = None
        self._path: Path | None = None
        self._size = 0
        self._records_in_file = 0
        self._serial = 0
        self._opening: WrittenRecord | None = None
        self._auto: list[WrittenRecord] = []  # warcinfo records written on file opening
        self.files: list[str] = []  # every file this session wrote (relative names)

    # ------------------------------------------------------------------ files

    @property
    def current_file(self) -> str | None:
        return _relative(self._path, self.archive_dir) if self._path else None

    def _open(self) -> None:
        while True:
            now = utc_now()
            stamp = now.strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}"
            path = self.warc_dir / f"{self.prefix}-{stamp}-{self._serial:05d}.warc.gz"
            self._serial += 1
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
            except FileExistsError:
                continue
            break
        marker = Path(str(path) + OPEN_MARKER_SUFFIX)
        marker.write_text(f"{os.getpid()}\n")
        _fsync_dir(self.warc_dir)
        self._fd, self._path, self._size, self._records_in_file = fd, path, 0, 0
        self.files.append(_relative(path, self.archive_dir))
        record = self._builder.create_warcinfo_record(path.name, self._info)
        self._opening = self._write([record])[0]
        self._auto.append(self._opening)

    def take_auto_records(self) -> list[WrittenRecord]:
        """The ``warcinfo`` records the writer added on its own (file openings) since the last call."""
        out, self._auto = self._auto, []
        return out

    def close(self) -> None:
        """Close the current file (and remove its ``.open`` marker)."""
        if self._fd is None:
            return
        os.fsync(self._fd)
        os.close(self._fd)
        marker = Path(str(self._path) + OPEN_MARKER_SUFFIX)
        marker.unlink(missing_ok=True)
        _fsync_dir(self.warc_dir)
        self._fd = None
        self._path = None

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ low level

    def _serialize(self, record: ArcWarcRecord) -> bytes:
        """One record as one gzip member (zlib level 6: near level 9 size, much faster)."""
        buf = io.BytesIO()
        writer = _Sha256Writer(buf, gzip=False, warc_version="1.1")
        writer.write_record(record)
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        return compressor.compress(buf.getbuffer()) + compressor.flush()

    def _write(self, records: list[ArcWarcRecord]) -> list[WrittenRecord]:
        """Write ``records`` (one gzip member each) with one write call and fsync."""
        members = [self._serialize(r) for r in records]
        total = sum(len(m) for m in members)
        if self._fd is None:
            self._open()
        elif self._records_in_file > 1 and self._size + total > self.max_bytes:
            self.close()
            self._open()
        assert self._fd is not None and self._path is not None
        blob = b"".join(members)
        view = memoryview(blob)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            os.fsync(self._fd)
        except OSError:
            # disk full or I/O error: cut the partial write off so the file stays valid
            os.ftruncate(self._fd, self._size)
            raise
        out: list[WrittenRecord] = []
        offset = self._size
        rel = _relative(self._path, self.archive_dir)
        for record, member in zip(records, members):
            rh = record.rec_headers
            out.append(
                WrittenRecord(
                    warc_file=rel,
                    offset=offset,
                    length=len(member),
                    record_id=rh.get_header("WARC-Record-ID"),
                    record_type=record.rec_type,
                    target_uri=rh.get_header("WARC-Target-URI") or "",
                    date=rh.get_header("WARC-Date"),
                    concurrent_to=rh.get_header("WARC-Concurrent-To"),
                )
            )
            offset += len(member)
        self._size = offset
        self._records_in_file += len(records)
        return out

    def _metadata_record(
        self,
        target_uri: str | None,
        data: dict,
        date: str,
        concurrent_to: str | None,
        refers_to: str | None = None,
    ) -> ArcWarcRecord:
        """A metadata record; without ``target_uri`` it is named by :func:`annotation_uri`."""
        body = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")
        record_id = _new_record_id()
        headers = {"WARC-Date": date, "WARC-Record-ID": record_id}
        if concurrent_to:
            headers["WARC-Concurrent-To"] = concurrent_to
        if refers_to:
            headers["WARC-Refers-To"] = refers_to
        if target_uri is None:
            target_uri = annotation_uri(str(data.get("type") or "note"), record_id)
        return self._builder.create_warc_record(
            warc_uri(target_uri),
            "metadata",
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type=JSON_TYPE,
            warc_headers_dict=headers,
        )

    # ------------------------------------------------------------------ public

    def write_warcinfo(self, info: dict) -> WrittenRecord:
        """Add ``info`` to the session's warcinfo fields and write a ``warcinfo`` record.

        Called before any other record, the fields go into the file's opening warcinfo record
        (and into the first record of every rotated file).
        """
        self._info.update({k: v for k, v in info.items() if v is not None})
        if self._fd is None:
            self._open()
            assert self._opening is not None
            return self._opening
        assert self._path is not None
        record = self._builder.create_warcinfo_record(self._path.name, self._info)
        return self._write([record])[0]

    def write_metadata(
        self,
        target_uri: str,
        data: dict,
        concurrent_to: str | None = None,
        *,
        date: datetime | str | None = None,
    ) -> WrittenRecord:
        """Write a ``metadata`` record whose block is ``data`` as JSON (UTF-8)."""
        when = date if isinstance(date, str) else format_warc_date(date or utc_now())
        record = self._metadata_record(target_uri, data, when, concurrent_to)
        return self._write([record])[0]

    def write_annotation(
        self, data: dict, *, refers_to: str | None = None, date: datetime | str | None = None
    ) -> WrittenRecord:
        """Write a decision about a page, a file or a URL as a ``metadata`` record of its own
        (``urn:nianbao:{data["type"]}:{uuid}``; the URL it is about stays in ``data``), with
        ``WARC-Refers-To`` the record it describes when there is one."""
        when = date if isinstance(date, str) else format_warc_date(date or utc_now())
        record = self._metadata_record(None, data, when, None, refers_to)
        return self._write([record])[0]

    def write_exchange(
        self,
        url: str,
        *,
        method: str,
        request_headers: list[tuple[str, str]],
        request_body: bytes | None,
        status: int,
        reason: str,
        response_headers: list[tuple[str, str]],
        payload: bytes,
        fetched: datetime,
        known_payload: Callable[[str], RevisitTarget | None],
        metadata: dict | None = None,
    ) -> WrittenExchange:
        """Write one HTTP exchange: response (or revisit) + request (+ metadata) records.

        ``known_payload(sha256_hex)`` returns the original response of an already archived,
        identical payload; the exchange is then stored as a revisit record (headers only).
        Empty payloads are never deduplicated.  ``metadata`` (optional) is written as a metadata
        record concurrent to the response in the same write.  ``url`` is written as
        :func:`warc_uri` makes it (the exchange's ``url`` is that form).
        """
        if not isinstance(payload, (bytes, bytearray, memoryview)):
            raise TypeError("payload must be bytes")
        payload = bytes(payload)
        url = warc_uri(url)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not an http(s) URL: {url!r}")
        date = format_warc_date(fetched)
        sha = sha256_hex(payload)
        stored_headers = _response_headers(_headers(response_headers), len(payload))
        content_type = header_value(stored_headers, "Content-Type")
        target = known_payload(sha) if payload else None
        response_id = _new_record_id()
        http = StatusAndHeaders(
            f"{int(status)} {_clean(reason or '').strip()}".strip(), list(stored_headers), protocol="HTTP/1.1"
        )
        warc_headers = {"WARC-Date": date, "WARC-Record-ID": response_id}
        if target is not None:
            response = self._builder.create_revisit_record(
                url, _digest(sha), warc_uri(target.uri), target.date, http_headers=http, warc_headers_dict=warc_headers
            )
            response.rec_headers.add_header("WARC-Refers-To", target.record_id)
            if target.warc_file is not None and target.offset is not None:
                response.rec_headers.add_header(REFERS_TO_FILE, target.warc_file)
                response.rec_headers.add_header(REFERS_TO_OFFSET, str(target.offset))
        else:
            warc_headers["WARC-Payload-Digest"] = _digest(sha)
            response = self._builder.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(payload),
                length=len(payload),
                warc_headers_dict=warc_headers,
                http_headers=http,
            )
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        req_headers = _headers(request_headers)
        if header_value(req_headers, "Host") is None:
            req_headers.insert(0, ("Host", parts.netloc))
        body = bytes(request_body or b"")
        request = self._builder.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(body),
            length=len(body),
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Record-ID": _new_record_id(),
                "WARC-Concurrent-To": response_id,
            },
            http_headers=StatusAndHeaders(f"{path} HTTP/1.1", req_headers, protocol=method.upper()),
        )
        records = [response, request]
        if metadata is not None:
            # the fetch's annotation: a target URI of its own, so replay never serves it for ``url``
            records.append(self._metadata_record(None, metadata, date, response_id, refers_to=response_id))
        written = self._write(records)
        return WrittenExchange(
            warc_file=written[0].warc_file,
            offset=written[0].offset,
            length=written[0].length,
            record_id=response_id,
            sha256=sha,
            revisit=target is not None,
            date=date,
            url=url,
            status=int(status),
            content_type=content_type,
            payload_length=len(payload),
            refers_to=target,
            request=written[1],
            metadata=written[2] if metadata is not None else None,
            http_headers=list(http.headers),
        )


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- reading


def _stored(record: ArcWarcRecord, warc_file: str, offset: int, read_payload: bool = True) -> StoredRecord:
    rh = record.rec_headers
    rtype = record.rec_type
    http_headers: list[tuple[str, str]] = []
    status: int | None = None
    method: str | None = None
    if record.http_headers is not None and rtype in ("response", "revisit", "request"):
        http_headers = list(record.http_headers.headers)
        if rtype == "request":
            method = record.http_headers.protocol or None
        else:
            try:
                status = int(record.http_headers.get_statuscode())
            except ValueError:
                status = None
    if rtype in ("response", "revisit", "request") and record.http_headers is not None:
        content_type = header_value(http_headers, "Content-Type")
    else:
        content_type = rh.get_header("Content-Type")
    if rtype == "revisit":
        payload = b""
        sha = digest_to_hex(rh.get_header("WARC-Payload-Digest"))
        offset_text = rh.get_header(REFERS_TO_OFFSET)
        refers = RevisitTarget(
            uri=rh.get_header("WARC-Refers-To-Target-URI") or "",
            date=rh.get_header("WARC-Refers-To-Date") or "",
            record_id=rh.get_header("WARC-Refers-To") or "",
            warc_file=rh.get_header(REFERS_TO_FILE),
            offset=int(offset_text) if offset_text and offset_text.isdigit() else None,
        )
        resolved = False
    else:
        payload = record.content_stream().read() if read_payload else b""
        declared = digest_to_hex(rh.get_header("WARC-Payload-Digest"))
        sha = sha256_hex(payload) if read_payload else declared
        decoded = any(header_value(http_headers, h) for h in ("Content-Encoding", "Transfer-Encoding"))
        if read_payload and declared is not None and not decoded and sha != declared:
            raise WarcError(
                f"{warc_file}@{offset}: {rtype} record is truncated or corrupt "
                f"(payload digest mismatch, {len(payload)} bytes read)"
            )
        refers = None
        resolved = read_payload
    return StoredRecord(
        url=rh.get_header("WARC-Target-URI") or "",
        status=status,
        content_type=content_type,
        http_headers=http_headers,
        payload=payload,
        date=rh.get_header("WARC-Date") or "",
        record_id=rh.get_header("WARC-Record-ID") or "",
        record_type=rtype,
        warc_file=warc_file,
        offset=offset,
        concurrent_to=rh.get_header("WARC-Concurrent-To"),
        warc_headers=list(rh.headers),
        sha256=sha,
        refers_to=refers,
        resolved=resolved,
        method=method,
    )


def _read_at(archive_dir: Path, warc_file: str, offset: int) -> StoredRecord:
    path = Path(archive_dir) / warc_file
    if not path.is_file():
        raise WarcError(f"WARC file not found: {path}")
    with open(path, "rb") as fh:
        fh.seek(offset)
        if path.name.endswith(".gz") and fh.read(2) != b"\x1f\x8b":
            # every record of a .warc.gz is its own gzip member: anything else is a wrong offset
            raise WarcError(f"no WARC record starts at {warc_file}@{offset}")
        fh.seek(offset)
        iterator = ArchiveIterator(fh)
        try:
            record = next(iterator)
        except StopIteration:
            raise WarcError(f"no WARC record at {warc_file}@{offset}") from None
        except Exception as exc:  # warcio raises several exception types on bad input
            raise WarcError(f"cannot read WARC record at {warc_file}@{offset}: {exc}") from exc
        if not record.rec_headers.get_header("WARC-Record-ID"):
            raise WarcError(f"no WARC record starts at {warc_file}@{offset}")
        stored = _stored(record, warc_file, offset)
        stored.length = iterator.get_record_length()
    return stored


def read_record(archive_dir: Path, warc_file: str, offset: int, *, resolve: bool = True) -> StoredRecord:
    """Read the record at ``offset`` of ``{archive_dir}/{warc_file}``.

    A revisit record is resolved to its original response's payload (via the location fields the
    writer adds, else by searching the archive for ``WARC-Refers-To``) unless ``resolve`` is False.
    """
    stored = _read_at(Path(archive_dir), warc_file, offset)
    if stored.record_type == "revisit" and resolve:
        resolve_revisit(Path(archive_dir), stored)
    return stored


def stream_root(warc_file: str) -> str:
    """The folder (relative to the archive) of the archive a WARC file was written in: ``""`` for
    the archive's own ``warc/…``, ``shards/ID`` for a merged shard's ``shards/ID/warc/…``."""
    parts = PurePosixPath(warc_file).parts
    if len(parts) >= 3 and parts[-2] == WARC_SUBDIR:
        return "/".join(parts[:-2])
    return ""


def _located_in_stream(record_file: str, location: str) -> list[str]:
    """Where a location written in ``record_file`` may be: first in that file's own archive (a
    merged shard's locations are relative to the shard), then in this archive."""
    root = stream_root(record_file)
    return [f"{root}/{location}", location] if root else [location]


def in_stream(record_file: str, location: str | None) -> str | None:
    """A location written in ``record_file`` (relative to the archive that wrote it) relative to this archive."""
    if location is None:
        return None
    return _located_in_stream(record_file, location)[0]


def resolve_revisit(archive_dir: Path, stored: StoredRecord) -> StoredRecord:
    """Fill ``payload`` of a revisit record from the original response (in place)."""
    target = stored.refers_to
    if target is None:
        raise WarcError(f"{stored.warc_file}@{stored.offset} is not a revisit record")
    original: StoredRecord | None = None
    if target.warc_file is not None and target.offset is not None:
        for name in _located_in_stream(stored.warc_file, target.warc_file):
            try:
                candidate = _read_at(archive_dir, name, target.offset)
            except WarcError:
                continue
            if not target.record_id or candidate.record_id == target.record_id:
                original = candidate
                break
    if original is None:
        for candidate in iter_records(archive_dir):
            if candidate.record_type != "response":
                continue
            if target.record_id and candidate.record_id == target.record_id:
                original = candidate
                break
            if (
                not target.record_id
                and candidate.url == target.uri
                and candidate.date == target.date
                and (stored.sha256 is None or candidate.sha256 == stored.sha256)
            ):
                original = candidate
                break
    if original is None:
        raise WarcError(f"original response of revisit {stored.record_id} ({target.uri}) not found")
    if stored.sha256 is not None and original.sha256 != stored.sha256:
        raise WarcError(f"revisit {stored.record_id}: original payload digest differs")
    stored.payload = original.payload
    stored.sha256 = original.sha256
    stored.resolved = True
    if stored.content_type is None:
        stored.content_type = original.content_type
    stored.refers_to = RevisitTarget(target.uri, target.date, original.record_id, original.warc_file, original.offset)
    return stored


@dataclass
class Damage:
    """A stretch of a WARC file that holds no readable record (cut, corrupt gzip, bad headers)."""

    warc_file: str
    offset: int  # where the damaged record starts
    length: int  # bytes skipped up to the next intact record (or the end of the file)
    reason: str

    def __str__(self) -> str:
        return f"{self.warc_file}@{self.offset}: damaged record ({self.reason}; {self.length} bytes skipped)"


_GZIP_MAGIC = b"\x1f\x8b\x08"


def _members(fh, start: int, size: int) -> Iterator[tuple[int, int, bytes | None, str | None]]:
    """``(offset, length, data, problem)`` of each gzip member from ``start``: ``data`` the member
    decompressed, or None with the ``problem`` when it is damaged; after a damaged member the
    scan goes on at the next gzip header that starts a readable member."""
    pos = start
    while pos < size:
        fh.seek(pos)
        decomp = zlib.decompressobj(zlib.MAX_WBITS | 16)
        out: list[bytes] = []
        consumed = 0
        problem: str | None = None
        while not decomp.eof:
            chunk = fh.read(1 << 20)
            if not chunk:
                problem = "truncated or corrupt: the file ends inside this record"
                break
            try:
                out.append(decomp.decompress(chunk))
            except zlib.error as exc:
                problem = f"truncated or corrupt gzip data ({exc})"
                break
            consumed += len(chunk) - len(decomp.unused_data)
        if problem is None:
            yield pos, consumed, b"".join(out), None
            pos += consumed
            continue
        following = _next_member(fh, pos + 1, size)
        yield pos, following - pos, None, problem
        pos = following


def _next_member(fh, pos: int, size: int) -> int:
    """Offset of the next gzip header at or after ``pos`` whose member decompresses (or ``size``)."""
    while pos < size:
        fh.seek(pos)
        window = fh.read(1 << 20)
        if not window:
            return size
        found = window.find(_GZIP_MAGIC)
        if found < 0:
            pos += max(1, len(window) - len(_GZIP_MAGIC) + 1)
            continue
        candidate = pos + found
        fh.seek(candidate)
        head = fh.read(4096)
        try:
            zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(head, 64)
            if head:
                return candidate
        except zlib.error:
            pass
        pos = candidate + 1
    return size


def iter_file(
    archive_dir: Path,
    path: Path,
    *,
    payloads: bool = True,
    start: int = 0,
    on_damage: Callable[[Damage], None] | None = None,
) -> Iterator[StoredRecord]:
    """Every record of one WARC file from byte ``start`` on, in offset order (revisits unresolved).

    A damaged record (file cut inside it, corrupt gzip member, unreadable headers, payload digest
    mismatch) raises :class:`WarcError` naming its offset, or, with ``on_damage``, is handed to it
    and the records after it are read on (each record is its own gzip member: every intact one is
    salvaged).
    """
    rel = _relative(path, archive_dir)
    if not path.name.endswith(".gz"):
        yield from _iter_plain(rel, path, payloads, start)
        return

    def damaged(offset: int, length: int, reason: str) -> None:
        damage = Damage(rel, offset, length, reason)
        if on_damage is None:
            raise WarcError(str(damage))
        on_damage(damage)

    size = path.stat().st_size
    with open(path, "rb") as fh:
        for offset, length, data, problem in _members(fh, start, size):
            if data is None:
                damaged(offset, length, problem or "unreadable")
                continue
            try:
                record = next(ArchiveIterator(io.BytesIO(data)))
                if not record.rec_headers.get_header("WARC-Record-ID"):
                    raise WarcError("no WARC-Record-ID")
                stored = _stored(record, rel, offset, read_payload=payloads)
            except StopIteration:
                damaged(offset, length, "no WARC record in this gzip member")
                continue
            except WarcError as exc:
                damaged(offset, length, str(exc).removeprefix(f"{rel}@{offset}: "))
                continue
            except Exception as exc:  # warcio raises several exception types on bad input
                damaged(offset, length, f"unreadable WARC headers ({type(exc).__name__}: {exc})")
                continue
            stored.length = length
            yield stored


def _iter_plain(rel: str, path: Path, payloads: bool, start: int) -> Iterator[StoredRecord]:
    """Records of an uncompressed WARC file (no member boundaries: a damaged record ends the file)."""
    with open(path, "rb") as fh:
        fh.seek(start)
        iterator = ArchiveIterator(fh)
        offset = start
        try:
            for record in iterator:
                offset = iterator.get_record_offset()
                stored = _stored(record, rel, offset, read_payload=payloads)
                stored.length = iterator.get_record_length()
                yield stored
        except WarcError:
            raise
        except Exception as exc:
            raise WarcError(f"{rel}@{offset}: damaged record ({type(exc).__name__}: {exc})") from exc


def iter_records(archive_dir: Path, *, resolve_revisits: bool = False, payloads: bool = True) -> Iterator[StoredRecord]:
    """Every record of the archive, in file order (:func:`warc_files`) and offset order."""
    archive_dir = Path(archive_dir)
    for path in warc_files(archive_dir):
        for stored in iter_file(archive_dir, path, payloads=payloads):
            if resolve_revisits and stored.record_type == "revisit":
                resolve_revisit(archive_dir, stored)
            yield stored


# --------------------------------------------------------------------------- recovery


@dataclass
class RecoveredFile:
    """What :func:`recover` did to one file."""

    warc_file: Path
    good_length: int  # bytes kept (complete gzip members)
    removed: int  # bytes cut off
    quarantined: Path | None  # where the cut bytes went


def scan_members(path: Path, start: int = 0) -> tuple[int, int]:
    """``(members, good_length)``: complete gzip members of ``path`` (from byte ``start``, which
    must begin a member) and where the last one ends.

    ``good_length`` < file size means the file ends in a truncated or corrupt member.
    """
    limit = 1 << 22
    members = 0
    good = start
    pos = start
    decomp = None
    with open(path, "rb") as fh:
        fh.seek(start)
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            buf = chunk
            while buf:
                if decomp is None:
                    decomp = zlib.decompressobj(zlib.MAX_WBITS | 16)
                try:
                    decomp.decompress(buf, limit)
                except zlib.error:
                    return members, good
                if decomp.eof:
                    rest = decomp.unused_data
                    pos += len(buf) - len(rest)
                    buf = rest
                    decomp = None
                    members += 1
                    good = pos
                else:
                    rest = decomp.unconsumed_tail
                    pos += len(buf) - len(rest)
                    buf = rest
    return members, good


def recover(warc_dir: Path, *, all_files: bool = False) -> list[RecoveredFile]:
    """Repair WARC files left by a killed writer so they are valid again.

    Checks every file that still has its ``.open`` marker (or every file with ``all_files``):
    a truncated or corrupt tail after the last complete gzip member is moved to
    ``{warc_dir}/quarantine/{file}.{offset}.tail`` and cut off; the marker is removed.  A file
    left without any complete record is quarantined whole.  Returns what was done per file.
    """
    warc_dir = Path(warc_dir)
    if not warc_dir.is_dir():
        return []
    if all_files:
        paths = sorted(warc_dir.glob("*.warc.gz"), key=_file_sort_key)
    else:
        paths = sorted(
            (Path(str(m)[: -len(OPEN_MARKER_SUFFIX)]) for m in warc_dir.glob("*.warc.gz" + OPEN_MARKER_SUFFIX)),
            key=_file_sort_key,
        )
    results: list[RecoveredFile] = []
    for path in paths:
        marker = Path(str(path) + OPEN_MARKER_SUFFIX)
        if not path.exists():
            marker.unlink(missing_ok=True)
            continue
        size = path.stat().st_size
        members, good = scan_members(path)
        quarantined: Path | None = None
        if good < size:
            qdir = warc_dir / QUARANTINE_SUBDIR
            qdir.mkdir(exist_ok=True)
            quarantined = qdir / f"{path.name}.{good}.tail"
            with open(path, "rb") as src:
                src.seek(good)
                tail = src.read()
            quarantined.write_bytes(tail)
            _fsync_file(quarantined)
            if members == 0:
                path.unlink()
            else:
                os.truncate(path, good)
                _fsync_file(path)
        elif members == 0:
            path.unlink()  # an empty file: nothing was ever written
        marker.unlink(missing_ok=True)
        _fsync_dir(warc_dir)
        results.append(RecoveredFile(path, good, size - good, quarantined))
    return results


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

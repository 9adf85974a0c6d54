"""Decoding web pages: HTTP header, BOM, ``<meta charset>``, then sniffing (docs/portals.md §5)."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_HEADER_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", re.I)
_GB = {
    "gb2312",
    "gbk",
    "gb18030",
    "x-gbk",
    "cp936",
    "ms936",
    "gb_2312-80",
    "euc-cn",
    "x-euc-cn",
    "csgb2312",
    "hz-gb-2312",
}
_LATIN = {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "windows-1252", "cp1252", "iso8859-1"}


def normalise_charset(name: str | None) -> str | None:
    """Canonical codec name; any GB declaration becomes gb18030 (a superset)."""
    if not name:
        return None
    n = name.strip().strip("\"'").lower()
    if n in _GB:
        return "gb18030"
    if n in ("utf8", "utf-8", "unicode-1-1-utf-8"):
        return "utf-8"
    if n in ("big5", "big5-hkscs", "cp950"):
        return "big5"
    try:
        return codecs.lookup(n).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _HEADER_RE.search(content_type)
    return normalise_charset(m.group(1)) if m else None


def charset_from_meta(data: bytes) -> str | None:
    m = _META_RE.search(data[:8192])
    return normalise_charset(m.group(1).decode("ascii", "replace")) if m else None


def _bom(data: bytes) -> str | None:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _try(data: bytes, enc: str) -> str | None:
    try:
        return data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(data: bytes, content_type: str | None = None, html: bool = True) -> tuple[str, str, list[str]]:
    """Decode a document; returns (text, encoding used, warnings)."""
    warnings: list[str] = []
    bom = _bom(data)
    if bom:
        return data.decode(bom, errors="replace"), bom.replace("-sig", ""), warnings
    declared: list[tuple[str, str]] = []
    header = charset_from_content_type(content_type)
    if header:
        declared.append(("HTTP header", header))
    meta = charset_from_meta(data) if html else None
    if meta:
        declared.append(("meta charset", meta))
    has_high = any(b >= 0x80 for b in data[:200000])
    for where, enc in declared:
        if enc in _LATIN and has_high:
            warnings.append(f"{where} declares {enc} but the bytes are not Latin text; ignored")
            continue
        text = _try(data, enc)
        if text is not None:
            return text, enc, warnings
        warnings.append(f"{where} declares {enc} but the bytes do not decode as {enc}")
    for enc in ("utf-8", "gb18030"):
        text = _try(data, enc)
        if text is not None:
            return text, enc, warnings
    try:
        best = from_bytes(data[:200000]).best()
        if best is not None:
            enc = normalise_charset(best.encoding) or best.encoding
            return data.decode(enc, errors="replace"), enc, warnings + [f"encoding guessed as {enc}"]
    except Exception:  # pragma: no cover - detector failure falls through to replacement
        pass
    enc = declared[0][1] if declared else "utf-8"
    warnings.append(f"undecodable bytes replaced while decoding as {enc}")
    return data.decode(enc, errors="replace"), enc, warnings

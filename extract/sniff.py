"""What kind of document some bytes are: magic bytes first; names and Content-Type lie."""

from __future__ import annotations

import io
import re
import zipfile

import olefile

_EXT_KINDS = {
    "pdf": "pdf",
    "doc": "doc",
    "docx": "docx",
    "wps": "wps",
    "xls": "xls",
    "xlsx": "xlsx",
    "et": "xls",
    "htm": "html",
    "html": "html",
    "shtml": "html",
    "jsp": "html",
    "txt": "text",
    "zip": "zip",
    "jpg": "image",
    "jpeg": "image",
    "png": "image",
    "gif": "image",
    "bmp": "image",
    "tif": "image",
    "tiff": "image",
    "ofd": "ofd",
    "rar": "rar",
    "7z": "7z",
}


def extension_of(url: str | None) -> str | None:
    if not url:
        return None
    path = re.split(r"[?#]", url)[0]
    m = re.search(r"\.([A-Za-z0-9]{1,5})$", path)
    if m:
        return m.group(1).lower()
    # Hanweb downfile.jsp?…&filename=xxx.pdf
    m = re.search(r"(?:filename|fileName|file|name)=[^&#]*?\.([A-Za-z0-9]{1,5})(?:[&#]|$)", url)
    return m.group(1).lower() if m else None


def ole_kind(data: bytes) -> str | None:
    """DOC / XLS / WPS inside an OLE2 compound file, from its stream names."""
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
        names = {"/".join(e).lower() for e in ole.listdir()}
        ole.close()
    except Exception:
        names = set()
    if "worddocument" in names:
        return "doc"
    if "workbook" in names or "book" in names:
        return "xls"
    if any("wps" in n for n in names):
        return "wps"
    head = data[:65536]
    if b"W\x00o\x00r\x00d\x00D\x00o\x00c\x00u\x00m\x00e\x00n\x00t" in head or b"WordDocument" in head:
        return "doc"
    if b"W\x00o\x00r\x00k\x00b\x00o\x00o\x00k" in head:
        return "xls"
    return None


def zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if any(n.lower().endswith("ofd.xml") for n in names):
        return "ofd"
    return "zip"


def sniff_kind(data: bytes, content_type: str | None = None, url: str | None = None) -> str:
    """One of html, text, pdf, docx, doc, wps, xlsx, xls, image, zip, ofd, unknown."""
    head = data[:1024]
    stripped = head.lstrip()
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        kind = ole_kind(data)
        ext = extension_of(url)
        if kind == "doc" and ext == "wps":
            return "wps"
        return kind or ("wps" if ext == "wps" else "doc")
    if head.startswith(b"PK\x03\x04"):
        return zip_kind(data) or "zip"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")) or head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    low = stripped[:512].lower()
    if low.startswith(
        (b"<!doctype", b"<html", b"<?xml", b"<head", b"<meta", b"<body", b"<div", b"<p", b"<table", b"<!--")
    ):
        return "html"
    ct = (content_type or "").lower()
    if "html" in ct:
        return "html"
    if re.search(rb"<(html|body|div|p|table|span|td)\b", data[:4096], re.I):
        return "html"
    ext = extension_of(url)
    if ext in ("htm", "html", "shtml"):
        return "html"
    if b"\x00" in data[:4096]:
        return "unknown"
    return "text"

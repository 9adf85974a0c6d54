"""What kind of document some bytes are (magic bytes first: names and Content-Type lie), and the
one table of what a URL's extension or a Content-Type says."""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import urlsplit

import olefile

# The one table of file extensions: extension → document kind (the kinds sniff_kind returns,
# plus archives and OFD).  Dynamic-page extensions (jsp, asp, php …) name no kind: such a URL
# serves whatever its query asks for (``downfile.jsp?filename=x.pdf``).
KIND_OF_EXTENSION: dict[str, str] = {
    "pdf": "pdf",
    "doc": "doc",
    "docx": "docx",
    "wps": "wps",
    "xls": "xls",
    "xlsx": "xlsx",
    "et": "xls",  # WPS spreadsheet
    "htm": "html",
    "html": "html",
    "shtml": "html",
    "txt": "text",
    "zip": "zip",
    "rar": "rar",
    "7z": "7z",
    "ofd": "ofd",
    "jpg": "image",
    "jpeg": "image",
    "png": "image",
    "gif": "image",
    "bmp": "image",
    "tif": "image",
    "tiff": "image",
}
# kinds a report page lists as attachments: every file kind but a page
ATTACHMENT_KINDS = frozenset(KIND_OF_EXTENSION.values()) - {"html"}
# kinds that hold a report's tables as a file of their own: what the crawler fetches
REPORT_FILE_KINDS = frozenset({"pdf", "doc", "docx", "wps", "xls", "xlsx"})
REPORT_FILE_EXTENSIONS = tuple(ext for ext, kind in KIND_OF_EXTENSION.items() if kind in REPORT_FILE_KINDS)
# extensions of files that are never a report document: the other file kinds, media, code, data
NOT_REPORT_EXTENSIONS = frozenset(
    ext for ext, kind in KIND_OF_EXTENSION.items() if kind not in REPORT_FILE_KINDS and kind != "html"
) | {"svg", "ico", "webp", "css", "js", "mp4", "mp3", "avi", "flv", "wmv", "swf", "apk", "exe", "xml", "json"}
# Content-Type fragment → kind, first match wins
KIND_OF_CONTENT_TYPE: tuple[tuple[str, str], ...] = (
    ("pdf", "pdf"),
    ("wordprocessingml", "docx"),
    ("msword", "doc"),
    ("spreadsheetml", "xlsx"),
    ("ms-excel", "xls"),
    ("image/", "image"),
    ("html", "html"),
    ("text/plain", "text"),
)
_URL_EXT_RE = re.compile(r"\.([a-z0-9]{2,5})(?:$|[&#])")


def kind_of_url(url: str, content_type: str | None = None) -> str:
    """The document kind a URL names: the extension of its path, else a file name in its query
    (``downfile.jsp?filename=x.pdf``), else the Content-Type; ``other`` when none says."""
    parts = urlsplit(url)
    for text in (parts.path.lower(), parts.query.lower()):
        match = _URL_EXT_RE.search(text)
        if match and match.group(1) in KIND_OF_EXTENSION:
            return KIND_OF_EXTENSION[match.group(1)]
    ctype = (content_type or "").lower()
    return next((kind for needle, kind in KIND_OF_CONTENT_TYPE if needle in ctype), "other")


def extension_of(url: str | None) -> str | None:
    """The lower-case extension of a URL's path, else of a ``filename=``-style parameter."""
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
    if KIND_OF_EXTENSION.get(extension_of(url) or "") == "html":
        return "html"
    if b"\x00" in data[:4096]:
        return "unknown"
    return "text"

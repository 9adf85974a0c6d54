"""Sample reports as the files offices publish: PDF, DOC, WPS, XLSX, XLS, scanned PDF.

Made the way offices make them: the report is written in Word form
(:func:`portalgen.render_docx.render_docx`) and printed to PDF / saved as Word 97 by
LibreOffice headless (real ruling lines, page breaks inside tables, embedded CJK fonts); the
workbook (:func:`portalgen.render_xlsx.build_xlsx`) is saved by LibreOffice as XLS, or
re-saved as XLSX so formula cells carry cached values.  A scanned PDF is the printed PDF
rasterised page by page and wrapped again as an image-only PDF (no text layer).

LibreOffice starts slowly, so conversions run in batches (:func:`render_many`: one
``soffice`` run per target format) and every result is cached on disk by a hash of the
report and the style (``$NIANBAO_RENDER_CACHE``, default ``<tmp>/nianbao-render-cache``);
parallel test workers share the cache under a file lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from portalgen.render_docx import render_docx
from portalgen.render_xlsx import build_xlsx
from portalgen.sample import SampleReport

RENDER_VERSION = "7"  # bump when a renderer changes its output
FORMATS = ("docx", "pdf", "doc", "wps", "xlsx", "xls", "scanned")
SCAN_DPI = 150


def cache_dir() -> Path:
    """Directory of rendered files (created on first use)."""
    path = Path(os.environ.get("NIANBAO_RENDER_CACHE") or Path(tempfile.gettempdir()) / "nianbao-render-cache")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _key(report: SampleReport, style: str, fmt: str) -> str:
    h = hashlib.sha256(f"{RENDER_VERSION}|{fmt}|{style}|{report!r}".encode()).hexdigest()
    return h[:32]


@contextmanager
def _locked():
    with open(cache_dir() / ".lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _store(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _source(report: SampleReport, style: str, fmt: str) -> tuple[bytes, str]:
    """(bytes LibreOffice converts, their extension) for a target format."""
    if fmt in ("xlsx", "xls"):
        return build_xlsx(report, style), "xlsx"
    return render_docx(report, style), "docx"


def render_many(jobs: list[tuple[SampleReport, str, str]]) -> list[bytes]:
    """Render ``(report, style, fmt)`` jobs (fmt in :data:`FORMATS`), converting what the cache
    lacks with one LibreOffice run per target format."""
    from extract.office import convert_files

    for _, _, fmt in jobs:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    out: list[bytes | None] = [None] * len(jobs)
    directory = cache_dir()
    # docx needs no conversion; wps is the DOC binary under another name; scanned needs the PDF
    todo: dict[str, list[int]] = {}
    for i, (report, style, fmt) in enumerate(jobs):
        if fmt == "docx":
            out[i] = render_docx(report, style)
            continue
        path = directory / f"{_key(report, style, fmt)}.{fmt}"
        if path.is_file():
            out[i] = path.read_bytes()
        else:
            todo.setdefault({"wps": "doc", "scanned": "pdf"}.get(fmt, fmt), []).append(i)
    if todo:
        with _locked():
            for target, indexes in todo.items():
                missing = []
                for i in indexes:
                    report, style, fmt = jobs[i]
                    if (directory / f"{_key(report, style, target)}.{target}").is_file():
                        continue
                    missing.append(i)
                if missing:
                    with tempfile.TemporaryDirectory(prefix="nianbao-render-") as work:
                        inputs = []
                        for i in missing:
                            report, style, _ = jobs[i]
                            data, ext = _source(report, style, target)
                            src = Path(work) / f"{_key(report, style, target)}.{ext}"
                            src.write_bytes(data)
                            inputs.append(src)
                        produced = convert_files(inputs, target, Path(work) / "out")
                        for src, result in zip(inputs, produced):
                            if result is None:
                                raise RuntimeError(f"LibreOffice did not convert {src.name} to {target}")
                            _store(directory / src.name.replace(src.suffix, f".{target}"), result.read_bytes())
                for i in indexes:
                    report, style, fmt = jobs[i]
                    data = (directory / f"{_key(report, style, target)}.{target}").read_bytes()
                    if fmt == "scanned":
                        path = directory / f"{_key(report, style, fmt)}.scanned"
                        if not path.is_file():
                            _store(path, scan_pdf(data))
                        data = path.read_bytes()
                    elif fmt == "wps":
                        _store(directory / f"{_key(report, style, fmt)}.wps", data)
                    out[i] = data
    return [b for b in out if b is not None]


def render_pdf(report: SampleReport, style: str = "official") -> bytes:
    """The report printed to PDF by LibreOffice (text layer, ruling lines, CJK fonts)."""
    return render_many([(report, style, "pdf")])[0]


def render_doc(report: SampleReport, style: str = "official") -> bytes:
    """The report as a Word 97 binary (``.doc``) saved by LibreOffice."""
    return render_many([(report, style, "doc")])[0]


def render_wps(report: SampleReport, style: str = "official") -> bytes:
    """The report as Kingsoft WPS saves it: a Word 97 binary OLE file named ``.wps``."""
    return render_many([(report, style, "wps")])[0]


def render_xlsx(report: SampleReport, style: str = "official") -> bytes:
    """The report as XLSX re-saved by LibreOffice (formula cells carry cached values)."""
    return render_many([(report, style, "xlsx")])[0]


def render_xls(report: SampleReport, style: str = "official") -> bytes:
    """The report as an Excel 97 workbook (``.xls``) saved by LibreOffice."""
    return render_many([(report, style, "xls")])[0]


def render_scanned_pdf(report: SampleReport, style: str = "official", dpi: int = SCAN_DPI) -> bytes:
    """The printed PDF rasterised at ``dpi`` and wrapped as an image-only PDF (a scan)."""
    if dpi == SCAN_DPI:
        return render_many([(report, style, "scanned")])[0]
    return scan_pdf(render_pdf(report, style), dpi)


def convert_cached(data: bytes, source_ext: str, target: str) -> bytes:
    """Any document converted by LibreOffice (cached by content hash)."""
    from extract.office import convert

    key = hashlib.sha256(RENDER_VERSION.encode() + source_ext.encode() + data).hexdigest()[:32]
    path = cache_dir() / f"{key}.{target}"
    if not path.is_file():
        with _locked():
            if not path.is_file():
                _store(path, convert(data, source_ext, target))
    return path.read_bytes()


def render_protected_pdf(report: SampleReport, *, open_password: str | None, owner_password: str = "owner") -> bytes:
    """The report as an encrypted PDF: with ``open_password`` a password is needed to open it;
    without, only an owner password restricts copying (common on portals; opens freely)."""
    import json

    from extract.office import convert_files

    options = {
        "EncryptFile": {"type": "boolean", "value": "true"},
        "RestrictPermissions": {"type": "boolean", "value": "true"},
        "PermissionPassword": {"type": "string", "value": owner_password},
        "EnableCopyingOfContent": {"type": "boolean", "value": "false"},
    }
    if open_password:
        options["DocumentOpenPassword"] = {"type": "string", "value": open_password}
    spec = "pdf:writer_pdf_Export:" + json.dumps(options, separators=(",", ":"))
    key = _key(report, f"protected|{open_password}|{owner_password}", "pdf")
    path = cache_dir() / f"{key}.pdf"
    if not path.is_file():
        with _locked(), tempfile.TemporaryDirectory(prefix="nianbao-render-") as work:
            src = Path(work) / f"{key}.docx"
            src.write_bytes(render_docx(report))
            out = convert_files([src], "pdf", Path(work) / "out", filter_spec=spec)[0]
            if out is None:
                raise RuntimeError("LibreOffice did not export the protected PDF")
            _store(path, out.read_bytes())
    return path.read_bytes()


def scan_pdf(pdf: bytes, dpi: int = SCAN_DPI) -> bytes:
    """Rasterise every page of ``pdf`` (pypdfium2) and save the images as a PDF (Pillow)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            pages.append(image)
            page.close()
    finally:
        document.close()
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", resolution=float(dpi), save_all=True, append_images=pages[1:])
    return buf.getvalue()

"""Binary Office formats: tell them apart, and convert them with LibreOffice headless.

DOC and WPS (Kingsoft WPS Office writes Word 97 binaries; Microsoft Works ``.wps`` is its own
format) are converted to DOCX by ``soffice --headless --convert-to docx`` and then read by
:func:`extract.docx.parse_docx`.  Each conversion runs with its own throw-away LibreOffice user
profile (so parallel conversions never share state), in its own process group, under a
wall-clock timeout; a missing ``soffice`` or a failed conversion raises
:class:`ExtractionError` with the reason.

Sniffing helpers for the lead's :mod:`extract.sniff`: :func:`ole_kind` names what an OLE
compound file holds (``D0 CF 11 E0`` magic), :func:`zip_kind` what an OOXML/ODF zip holds.
"""

from __future__ import annotations

import io
import os
import resource
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import zipfile
from pathlib import Path

from extract.docx import parse_docx
from extract.limits import remaining
from extract.model import Document, ExtractionError, SourceTable

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CONVERT_TIMEOUT_S = 120.0
SOFFICE_NAMES = ("soffice", "libreoffice")
SOFFICE_PATHS = ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice")
INSTALL_HINT = "install LibreOffice (Debian: libreoffice-writer-nogui libreoffice-calc-nogui; `make system-deps`)"

# target format → LibreOffice filter
FILTERS = {
    "docx": "docx:MS Word 2007 XML",
    "doc": "doc:MS Word 97",
    "pdf": "pdf:writer_pdf_Export",
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "xls": "xls:MS Excel 97",
    "odt": "odt",
}


# ----------------------------------------------------------------------------- sniffing


def ole_streams(data: bytes, limit: int = 4096) -> list[str]:
    """Names of the directory entries of an OLE compound file ([MS-CFB]); [] if unreadable."""
    if len(data) < 512 or not data.startswith(OLE_MAGIC):
        return []
    try:
        sector_shift = struct.unpack_from("<H", data, 0x1E)[0]
        if sector_shift not in (9, 12):
            return []
        size = 1 << sector_shift
        n_fat, first_dir = struct.unpack_from("<II", data, 0x2C)
        first_difat, n_difat = struct.unpack_from("<II", data, 0x44)
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < 0xFFFFFFFA]
        sector = first_difat
        for _ in range(min(n_difat, limit)):
            if sector >= 0xFFFFFFFA:
                break
            off = (sector + 1) * size
            entries = struct.unpack_from(f"<{size // 4}I", data, off)
            fat_sectors += [s for s in entries[:-1] if s < 0xFFFFFFFA]
            sector = entries[-1]
        fat: list[int] = []
        for s in fat_sectors[: max(n_fat, 1)]:
            off = (s + 1) * size
            if off + size > len(data):
                break
            fat.extend(struct.unpack_from(f"<{size // 4}I", data, off))
        names: list[str] = []
        sector, seen = first_dir, set[int]()
        while sector < 0xFFFFFFFA and sector not in seen and len(seen) < limit:
            seen.add(sector)
            off = (sector + 1) * size
            if off + size > len(data):
                break
            for k in range(size // 128):
                entry = data[off + k * 128 : off + (k + 1) * 128]
                name_len = struct.unpack_from("<H", entry, 0x40)[0]
                kind = entry[0x42]
                if kind in (1, 2, 5) and 2 <= name_len <= 64:
                    names.append(entry[: name_len - 2].decode("utf-16-le", "replace"))
            sector = fat[sector] if sector < len(fat) else 0xFFFFFFFE
        return names
    except (struct.error, IndexError):
        return []


def ole_kind(data: bytes) -> str | None:
    """``"doc"`` (Word 97 binary, also Kingsoft WPS), ``"xls"``, ``"ppt"``, ``"works"``
    (Microsoft Works ``.wps``), ``"encrypted"`` (password-protected OOXML) or None."""
    names = set(ole_streams(data))
    if not names:
        return None
    if {"EncryptionInfo", "EncryptedPackage"} <= names:
        return "encrypted"
    if "WordDocument" in names:
        return "doc"
    if "Workbook" in names or "Book" in names:
        return "xls"
    if "PowerPoint Document" in names:
        return "ppt"
    if "CONTENTS" in names or "MatOST" in names:
        return "works"
    return None


def zip_kind(data: bytes) -> str | None:
    """``"docx"``, ``"xlsx"``, ``"pptx"``, ``"odt"``, ``"ods"`` for a zip that holds one, else None."""
    if not data.startswith(b"PK"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "ppt/presentation.xml" in names:
                return "pptx"
            if "mimetype" in names:
                mime = z.read("mimetype")[:100]
                if mime.endswith(b"opendocument.text"):
                    return "odt"
                if mime.endswith(b"opendocument.spreadsheet"):
                    return "ods"
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError):
        return None
    return None


# ----------------------------------------------------------------------------- LibreOffice


def find_soffice() -> str | None:
    """Path of the LibreOffice ``soffice`` binary, or None."""
    override = os.environ.get("NIANBAO_SOFFICE")
    if override:
        return override if os.access(override, os.X_OK) else None
    for name in SOFFICE_NAMES:
        path = shutil.which(name)
        if path:
            return path
    for path in SOFFICE_PATHS:
        if os.access(path, os.X_OK):
            return path
    return None


_template_lock = threading.Lock()
_template_profile: Path | None = None


def _profile_dir(workdir: Path) -> Path:
    """A fresh LibreOffice user profile in ``workdir`` (copied from a per-process template
    once one exists: saves LibreOffice's first-start work)."""
    target = workdir / "profile"
    with _template_lock:
        template = _template_profile
    if template is not None and template.is_dir():
        try:
            shutil.copytree(template, target, symlinks=True)
        except OSError:
            shutil.rmtree(target, ignore_errors=True)
    return target


def _remember_profile(profile: Path) -> None:
    global _template_profile
    with _template_lock:
        if _template_profile is not None:
            return
        keep = Path(tempfile.mkdtemp(prefix=f"nianbao-lo-template-{os.getpid()}-"))
        try:
            shutil.copytree(profile, keep / "profile", symlinks=True)
            _template_profile = keep / "profile"
        except OSError:
            shutil.rmtree(keep, ignore_errors=True)


def _lift_memory_limit() -> None:
    """In the converter child: LibreOffice needs more address space than a parser; the
    wall-clock timeout bounds it instead (see :mod:`extract.limits`)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def convert_files(
    paths: list[Path], target: str, outdir: Path, timeout_s: float = CONVERT_TIMEOUT_S, filter_spec: str | None = None
) -> list[Path | None]:
    """Convert files with one ``soffice`` run; the output path per input (None if it failed).

    ``filter_spec`` replaces the default ``--convert-to`` argument of ``target`` (e.g. PDF
    export options as JSON).  Raises :class:`ExtractionError` when LibreOffice is missing or
    the run times out.
    """
    soffice = find_soffice()
    if soffice is None:
        raise ExtractionError(f"cannot convert to {target}: LibreOffice (soffice) is not installed; {INSTALL_HINT}")
    if target not in FILTERS:
        raise ExtractionError(f"cannot convert to {target}: unsupported target format")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as work:
        workdir = Path(work)
        profile = _profile_dir(workdir)
        env = dict(os.environ, HOME=str(workdir), TMPDIR=str(workdir), SAL_USE_VCLPLUGIN="svp")
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            "--nodefault",
            "--convert-to",
            filter_spec or FILTERS[target],
            "--outdir",
            str(outdir),
            *map(str, paths),
        ]
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=work,
            start_new_session=True,
            preexec_fn=_lift_memory_limit if soft != hard else None,
        )
        timeout_s = remaining(timeout_s)
        try:
            out, _ = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise ExtractionError(f"LibreOffice conversion to {target} timed out after {timeout_s:g} s") from None
        finally:
            _kill_group(proc)
        if proc.returncode == 0 and profile.is_dir():
            _remember_profile(profile)
        results: list[Path | None] = []
        for p in paths:
            produced = outdir / (p.stem + "." + target)
            results.append(produced if produced.is_file() and produced.stat().st_size > 0 else None)
        if all(r is None for r in results) and proc.returncode not in (0, None):
            detail = (out or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise ExtractionError(f"LibreOffice failed (exit {proc.returncode}): {detail[0]}")
        return results


def _kill_group(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        proc.wait()


def convert(data: bytes, source_ext: str, target: str, timeout_s: float = CONVERT_TIMEOUT_S) -> bytes:
    """Convert one document's bytes (``source_ext`` e.g. ``"doc"``) to ``target`` bytes."""
    with tempfile.TemporaryDirectory(prefix="nianbao-convert-") as work:
        src = Path(work) / f"input.{source_ext}"
        src.write_bytes(data)
        out = convert_files([src], target, Path(work) / "out", timeout_s)[0]
        if out is None:
            raise ExtractionError(
                f"LibreOffice could not convert this {source_ext.upper()} file to {target.upper()} "
                "(corrupt, truncated, password-protected or not really that format)"
            )
        return out.read_bytes()


# ----------------------------------------------------------------------------- DOC / WPS


def _word_source_ext(data: bytes, declared: str) -> str:
    if data.startswith(OLE_MAGIC):
        kind = ole_kind(data)
        if kind == "encrypted":
            raise ExtractionError("encrypted Office document: a password is required to open it")
        if kind == "doc":
            return "doc"
        if kind == "works":
            return "wps"
        if kind in ("xls", "ppt"):
            raise ExtractionError(f"not a word-processing document: the OLE file holds a {kind.upper()} document")
        raise ExtractionError(
            f"corrupt or unsupported {declared.upper()} file: no WordDocument stream in the OLE container"
        )
    kind = zip_kind(data)
    if kind in ("docx", "odt"):
        return kind
    if data[:5] in (b"{\\rtf",):
        return "rtf"
    raise ExtractionError(f"not a {declared.upper()} file: unknown format (no OLE or zip container)")


def parse_word_binary(data: bytes, carrier: str = "doc", timeout_s: float = CONVERT_TIMEOUT_S) -> Document:
    """A DOC/WPS (or RTF/ODT) document: converted to DOCX by LibreOffice, then parsed."""
    ext = _word_source_ext(data, carrier)
    docx_bytes = data if ext == "docx" else convert(data, ext, "docx", timeout_s)
    doc = parse_docx(docx_bytes)
    doc.carrier = carrier
    if ext != "docx":
        _relabel(doc, carrier)
    return doc


def _relabel(doc: Document, carrier: str) -> None:
    """Locators of a converted document name the original carrier (``doc t1/r2/c3``)."""
    for block in doc.blocks:
        if block.where.startswith("docx "):
            block.where = carrier + block.where[4:]
        if isinstance(block, SourceTable):
            for row in block.rows:
                for cell in row:
                    if cell.where.startswith("docx "):
                        cell.where = carrier + cell.where[4:]


def parse_doc(data: bytes) -> Document:
    """A Word 97–2003 ``.doc`` file (via LibreOffice)."""
    return parse_word_binary(data, "doc")


def parse_wps(data: bytes) -> Document:
    """A ``.wps`` file: Kingsoft WPS (Word binary) or Microsoft Works (via LibreOffice)."""
    return parse_word_binary(data, "wps")


def parse_rtf(data: bytes) -> Document:
    """An RTF report (some offices save Word files as RTF): converted with LibreOffice like DOC."""
    return parse_word_binary(data, "rtf")

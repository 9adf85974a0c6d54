"""The source page of a cell, seen: the PDF page (or a Word file's PDF rendering) with the cell's box
highlighted, rendered on the server on demand and cached.

A PDF cell's locator names its page and box (``p3 [x0,top,x1,bottom]``, PDF points from the top
left, the way :mod:`extract.pdf_source` reads pages; OCR'd pages the same).  A Word cell's locator
names its table, row and cell (``docx t2/r5/c3``; ``doc``/``wps`` for files LibreOffice converted
to DOCX): the file is printed to PDF by LibreOffice (when it is installed), both are read with the
extractors, and the cell is found in the PDF's table at the same place (checked by its text).

Bounds: one render at a time (others wait up to :data:`QUEUE_WAIT_S`), each in a forked child with
a memory limit and a wall-clock limit (:func:`extract.limits.run_limited`); LibreOffice under its own
timeout; pages at most :data:`MAX_PIXELS` on their longer side; the cache (rendered images and
converted files, in ``NIANBAO_RENDER_CACHE`` or the temporary directory) kept under
:data:`CACHE_MAX_BYTES`, oldest first out; failures remembered for :data:`FAILURE_TTL_S`.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
import tempfile
import threading
import time
import unicodedata
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

from extract.limits import run_limited
from extract.model import ExtractionError, SourceTable
from extract.office import convert, find_soffice

RENDER_VERSION = 1
MAX_PIXELS = 1600
MAX_SCALE = 2.0
BAND_ABOVE_PT = 220.0  # the excerpt: the cell's row, this much above it (the headers, often) …
BAND_BELOW_PT = 100.0  # … and this much below
MAX_SOURCE_BYTES = 100 * 1024 * 1024
RENDER_TIMEOUT_S = 20.0
WORD_TIMEOUT_S = 60.0
RENDER_MEMORY_MB = 1024
QUEUE_WAIT_S = 30.0
CACHE_MAX_BYTES = 256 * 1024 * 1024
FAILURE_TTL_S = 600.0
CACHE_ENV = "NIANBAO_RENDER_CACHE"
WORD_KINDS = ("docx", "doc", "wps")

_PDF_RE = re.compile(r"\bp(\d+)(?:-\d+)?\s*\[\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*\]")
_WORD_RE = re.compile(r"^(docx|doc|wps) t(\d+)/r(\d+)/c(\d+)$")


class RenderError(ExtractionError):
    """The source page cannot be shown; the message says why (an ExtractionError, so that it
    comes back from a limited child with its message)."""


@dataclass(frozen=True)
class PdfBox:
    """A box on a PDF page (1-based page; PDF points from the page's top left)."""

    page: int
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True)
class WordCell:
    """A cell of a Word file's table (the locator ``docx t{table}/r{row}/c{cell}``)."""

    kind: str
    where: str


def parse_locator(where: str | None) -> PdfBox | WordCell | None:
    """The place a locator names on a page or in a Word table; None for HTML, text, spreadsheets."""
    text = (where or "").strip()
    word = _WORD_RE.match(text)
    if word:
        return WordCell(word[1], f"docx t{word[2]}/r{word[3]}/c{word[4]}")
    if text.lower().startswith(("ocr docx", "docx", "doc ", "wps ", "ocr doc")):
        return None  # a picture's OCR box: image pixels, no page
    pdf = _PDF_RE.search(text)
    if pdf:
        page, *box = (float(v) for v in pdf.groups())
        return PdfBox(int(page), *box)
    return None


def source_view(cell: dict, report: dict, snapshot: dict | None, base: str) -> dict | None:
    """What the cell page shows of the source: the image URLs, or a message why there is none;
    None when the locator names no page (HTML and text cells: the snapshot shows those)."""
    place = parse_locator(cell.get("where"))
    if place is None:
        return None
    url = f"{base}/-/cell/{cell['id']}/source.png"
    if snapshot is None:
        return {"message": "没有这份报告数值来源文件的存档快照，无法显示原文页面。"}
    if isinstance(place, WordCell):
        if find_soffice() is None:
            return {
                "message": "该数值取自 Word 文档。服务器没有安装 LibreOffice，无法把文档转成页面显示；"
                "请下载存档文件查看（位置见上）。"
            }
        caption = "Word 文档经 LibreOffice 转成 PDF 后的页面（分页可能与用 Word 打开时不同）"
        return {"url": url, "page_url": url + "?page=1", "caption": caption}
    return {"url": url, "page_url": url + "?page=1", "caption": f"PDF 第 {place.page} 页"}


# ----------------------------------------------------------------------------- in the child


def _squash(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def _tables(blocks: list) -> list[SourceTable]:
    return [b for b in blocks if isinstance(b, SourceTable)]


def locate_word_cell(docx: bytes, pdf: bytes, where: str) -> PdfBox:
    """The box in ``pdf`` (the Word file ``docx`` printed) of the table cell ``where``."""
    from extract.docx import parse_docx
    from extract.pdf import parse_pdf

    word_tables = _tables(parse_docx(docx, ocr=False).blocks)
    found = [
        (t, i, j, cell)
        for t, table in enumerate(word_tables)
        for i, row in enumerate(table.rows)
        for j, cell in enumerate(row)
        if cell.where == where
    ]
    if not found:
        raise RenderError(f"文档中没有这个单元格（{where}）")
    t, i, j, cell = found[0]
    text = _squash(cell.text)
    label = _squash(word_tables[t].rows[i][0].text)
    pdf_tables = _tables(parse_pdf(pdf, ocr=False).blocks)

    def at(table: SourceTable, i: int, j: int):
        return table.rows[i][j] if i < len(table.rows) and j < len(table.rows[i]) else None

    candidates = []
    if t < len(pdf_tables):
        candidates.append(at(pdf_tables[t], i, j))
    candidates += [at(table, i, j) for table in pdf_tables]
    candidates += [  # the same text in a row with the same label (rows moved by a repeated header …)
        c for table in pdf_tables for row in table.rows if row and _squash(row[0].text) == label for c in row
    ]
    for candidate in candidates:
        if candidate is not None and _squash(candidate.text) == text:
            place = parse_locator(candidate.where)
            if isinstance(place, PdfBox):
                return place
    raise RenderError("在转换后的页面中找不到这个单元格")


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def render_box(pdf: bytes, box: PdfBox) -> dict[str, bytes | int]:
    """The page of ``box`` with the box outlined: ``page`` (whole page) and ``cell`` (the band
    around the box) as PNG, and the page number."""
    doc = pdfium.PdfDocument(pdf)
    try:
        if not 1 <= box.page <= len(doc):
            raise RenderError(f"PDF 没有第 {box.page} 页")
        page = doc[box.page - 1]
        width, height = page.get_size()
        scale = min(MAX_SCALE, MAX_PIXELS / max(width, height, 1.0))
        image = page.render(scale=scale).to_pil().convert("RGB")
        page.close()
    finally:
        doc.close()
    x0, top, x1, bottom = (v * scale for v in (box.x0, box.top, box.x1, box.bottom))
    pad = 3
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle((x0 - pad, top - pad, x1 + pad, bottom + pad), fill=(255, 214, 0, 80))
    draw.rectangle((x0 - pad, top - pad, x1 + pad, bottom + pad), outline=(220, 0, 0, 255), width=3)
    marked = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    above, below = BAND_ABOVE_PT * scale, BAND_BELOW_PT * scale
    band = marked.crop((0, max(0, int(top - above)), marked.width, min(marked.height, int(bottom + below))))
    return {"page": _png(marked), "cell": _png(band), "number": box.page}


def render_source(data: bytes, place: PdfBox | WordCell, word_pdf: bytes | None) -> dict[str, bytes | int]:
    """The rendered images of a cell (run in a limited child): ``data`` is the PDF, or the DOCX
    with ``word_pdf`` its PDF printing."""
    try:
        if isinstance(place, WordCell):
            assert word_pdf is not None
            return render_box(word_pdf, locate_word_cell(data, word_pdf, place.where))
        return render_box(data, place)
    except RenderError:
        raise
    except pdfium.PdfiumError as exc:
        raise RenderError(f"PDF 无法打开（{exc}）") from None
    except ExtractionError as exc:
        raise RenderError(f"文档无法读取（{exc}）") from None


# ----------------------------------------------------------------------------- cache


class RenderCache:
    """Files in one directory, at most ``max_bytes`` in all (the least recently used go first)."""

    def __init__(self, folder: Path, max_bytes: int = CACHE_MAX_BYTES):
        self.folder = folder
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def path(self, key: str, suffix: str) -> Path:
        return self.folder / f"{key}{suffix}"

    def get(self, key: str, suffix: str) -> bytes | None:
        path = self.path(key, suffix)
        try:
            data = path.read_bytes()
            os.utime(path)
        except OSError:
            return None
        return data

    def put(self, key: str, suffix: str, data: bytes) -> None:
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".part-")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, self.path(key, suffix))
            self._prune()

    def _prune(self) -> None:
        entries = []
        for entry in os.scandir(self.folder):
            if entry.is_file() and not entry.name.startswith(".part-"):
                stat = entry.stat()
                entries.append((stat.st_mtime, stat.st_size, entry.path))
        total = sum(size for _m, size, _p in entries)
        for _mtime, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            try:
                os.remove(path)
                total -= size
            except OSError:
                pass


def default_cache_dir() -> Path:
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else Path(tempfile.gettempdir()) / f"nianbao-renders-{os.getuid()}"


# ----------------------------------------------------------------------------- the renderer


class SourceRenderer:
    """Renders cells' source pages, one at a time, through the cache."""

    def __init__(self, cache: RenderCache | None = None):
        self.cache = cache or RenderCache(default_cache_dir())
        self._semaphore: asyncio.Semaphore | None = None
        self._failures: OrderedDict[str, tuple[float, str]] = OrderedDict()

    @property
    def semaphore(self) -> asyncio.Semaphore:
        if self._semaphore is None:  # created on the server's event loop
            self._semaphore = asyncio.Semaphore(1)
        return self._semaphore

    @staticmethod
    def key(sha256: str, where: str) -> str:
        return hashlib.sha256(f"{RENDER_VERSION}|{sha256}|{where}".encode()).hexdigest()[:32]

    async def image(self, sha256: str, where: str, variant: str, load: Callable[[], Awaitable[bytes]]) -> bytes:
        """The PNG ``variant`` (``cell`` or ``page``) of the cell at ``where`` in the archived
        document ``sha256`` (its bytes from ``load()``); :class:`RenderError` when it cannot be shown."""
        place = parse_locator(where)
        if place is None:
            raise RenderError("这个数值的位置没有页面（网页或纯文本的数值在存档快照中查看）")
        key = self.key(sha256, where)
        cached = self.cache.get(key, f".{variant}.png")
        if cached is not None:
            return cached
        failed = self._failures.get(key)
        if failed and time.monotonic() - failed[0] < FAILURE_TTL_S:
            raise RenderError(failed[1])
        try:
            await asyncio.wait_for(self.semaphore.acquire(), QUEUE_WAIT_S)
        except TimeoutError:
            raise RenderError("服务器正忙，请稍后再试 (busy)") from None
        try:
            cached = self.cache.get(key, f".{variant}.png")  # rendered while this request waited
            if cached is not None:
                return cached
            data = await load()
            images = await asyncio.to_thread(self._render, data, sha256, place)
        except RenderError as exc:
            self._remember_failure(key, str(exc))
            raise
        finally:
            self.semaphore.release()
        for name in ("cell", "page"):
            self.cache.put(key, f".{name}.png", images[name])
        return images[variant]

    def _remember_failure(self, key: str, message: str) -> None:
        self._failures[key] = (time.monotonic(), message)
        while len(self._failures) > 256:
            self._failures.popitem(last=False)

    def _render(self, data: bytes, sha256: str, place: PdfBox | WordCell) -> dict:
        if len(data) > MAX_SOURCE_BYTES:
            raise RenderError("文件太大，无法显示页面")
        word_pdf = None
        docx = data
        if isinstance(place, WordCell):
            docx, word_pdf = self._word_files(data, sha256, place.kind)
        try:
            return run_limited(
                render_source,
                docx if isinstance(place, WordCell) else data,
                place,
                word_pdf,
                timeout_s=WORD_TIMEOUT_S if isinstance(place, WordCell) else RENDER_TIMEOUT_S,
                max_memory_mb=RENDER_MEMORY_MB,
                name="render_source",
            )
        except ExtractionError as exc:
            raise RenderError(_child_message(str(exc))) from None

    def _word_files(self, data: bytes, sha256: str, kind: str) -> tuple[bytes, bytes]:
        """The DOCX (LibreOffice converts DOC/WPS) and its PDF printing, through the cache."""
        if find_soffice() is None:
            raise RenderError("服务器没有安装 LibreOffice，无法显示 Word 文档的页面")
        try:
            docx = data
            if kind != "docx":
                docx = self.cache.get(sha256, ".docx") or convert(data, kind, "docx", WORD_TIMEOUT_S)
                self.cache.put(sha256, ".docx", docx)
            pdf = self.cache.get(sha256, ".pdf")
            if pdf is None:
                pdf = convert(docx, "docx", "pdf", WORD_TIMEOUT_S)
                self.cache.put(sha256, ".pdf", pdf)
        except ExtractionError as exc:
            raise RenderError(f"LibreOffice 无法转换这份文档（{exc}）") from None
        return docx, pdf


def _child_message(text: str) -> str:
    """The reason a limited child gave, as the page shows it (a RenderError's own message as is)."""
    if not text.startswith("render_source"):
        return text
    if "timed out" in text:
        return "渲染超时，无法显示页面 (rendering timed out)"
    if "memory" in text:
        return "渲染所需内存超出限制，无法显示页面"
    return f"渲染失败，无法显示页面（{text.removeprefix('render_source ')}）"


_RENDERERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def renderer_for(owner) -> SourceRenderer:
    """The renderer of one server (a Datasette instance): one queue and one cache per server."""
    renderer = _RENDERERS.get(owner)
    if renderer is None:
        renderer = _RENDERERS[owner] = SourceRenderer()
    return renderer

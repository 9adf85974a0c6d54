"""Tables that are images (scanned PDFs, tables pasted as pictures): detection and OCR.

:func:`ocr_tables` finds the ruling lines of an image (runs of dark pixels, Pillow only),
turns them into cell rectangles with pdfplumber's lattice functions, paints the lines white,
reads the words with tesseract (``chi_sim``, TSV output) and puts each word into the cell
holding its centre — the same cell-box route as ruled PDF tables, so digits of neighbouring
cells never run together.  The tables come back flagged ``ocr=True``: the interpreter keeps
their cells only when R1–R4 pass, because a wrong number is worse than none.

Locators: ``{prefix} [x0,top,x1,bottom]`` in image pixels times ``scale`` (PDF pages pass
``ocr p{page}`` and points per pixel).
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges
from PIL import Image, UnidentifiedImageError

from extract.boxgrid import BoxCell, build_rows
from extract.limits import remaining
from extract.model import Document, ExtractionError, ImageBlock, SourceTable

OCR_DPI = 300
OCR_TIMEOUT_S = 90.0
LANG = "chi_sim"
DARK = 180  # grey level below which a pixel counts as ink of a ruling line
_DARK_TABLE = bytes((0x31 if v < DARK else 0x30) for v in range(256))
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_NOISE = str.maketrans("", "", "|｜丨¦[]{}")


def tesseract_available() -> bool:
    """True when the ``tesseract`` binary and its ``chi_sim`` language data are installed."""
    return LANG in _languages()


def to_png(image) -> bytes:
    """A Pillow image as PNG bytes."""
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


# ----------------------------------------------------------------------------- ruling lines


@dataclass
class Segment:
    pos: float  # y of a horizontal / x of a vertical line
    start: float
    end: float
    thickness: int


def _runs(image, min_len: int) -> list[Segment]:
    """Horizontal runs of ink at least ``min_len`` long, merged over adjacent pixel rows."""
    w, h = image.size
    data = image.tobytes()
    pattern = re.compile(b"1{%d,}" % min_len)
    open_: list[list[float]] = []  # [first_y, last_y, start, end]
    done: list[list[float]] = []
    for y in range(h):
        row = data[y * w : (y + 1) * w].translate(_DARK_TABLE)
        current = [(m.start(), m.end()) for m in pattern.finditer(row)]
        still: list[list[float]] = []
        for seg in open_:
            match = next(((a, b) for a, b in current if a < seg[3] and b > seg[2]), None)
            if match is not None and y - seg[1] <= 1:
                seg[1] = y
                seg[2], seg[3] = min(seg[2], match[0]), max(seg[3], match[1])
                current.remove(match)
                still.append(seg)
            else:
                done.append(seg)
        still += [[y, y, a, b] for a, b in current]
        open_ = still
    done += open_
    return [Segment((s[0] + s[1]) / 2, s[2], s[3], int(s[1] - s[0] + 1)) for s in done if s[1] - s[0] <= 12]


def find_lines(image) -> tuple[list[Segment], list[Segment]]:
    """(horizontal, vertical) ruling lines of a greyscale image."""
    w, h = image.size
    horizontal = _runs(image, max(w // 30, 20))
    # a vertical ruling line is at least about one row high; strokes of characters are
    # shorter than the rows they sit in
    rows = sorted({round(s.pos) for s in horizontal})
    gaps = [b - a for a, b in zip(rows, rows[1:]) if b - a > 8]
    min_v = max(int(0.75 * min(gaps)), 20) if gaps else max(h // 80, 20)
    # ROTATE_90 (counter-clockwise): pixel (x, y) goes to (y, w - 1 - x), so a row of the
    # rotated image is a column of the original and runs along it keep their y
    rotated = image.transpose(Image.Transpose.ROTATE_90)
    vertical = [Segment(w - 1 - s.pos, s.start, s.end, s.thickness) for s in _runs(rotated, min_v)]
    return horizontal, vertical


def _cells(horizontal: list[Segment], vertical: list[Segment]) -> list[list[tuple[float, float, float, float]]]:
    """Cell rectangles per table, from line segments (pdfplumber's lattice functions)."""
    edges = []
    for s in horizontal:
        edges.append(
            {
                "x0": s.start,
                "x1": s.end,
                "top": s.pos,
                "bottom": s.pos,
                "width": s.end - s.start,
                "height": 0,
                "orientation": "h",
                "object_type": "line",
            }
        )
    for s in vertical:
        edges.append(
            {
                "x0": s.pos,
                "x1": s.pos,
                "top": s.start,
                "bottom": s.end,
                "width": 0,
                "height": s.end - s.start,
                "orientation": "v",
                "object_type": "line",
            }
        )
    if not edges:
        return []
    edges = merge_edges(edges, 4, 4, 4, 4)
    cells = intersections_to_cells(edges_to_intersections(edges, 4, 4))
    return [t for t in cells_to_tables(cells) if len(t) >= 4]


# ----------------------------------------------------------------------------- OCR


@dataclass
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    line: tuple[int, int, int]


def _tesseract_words(image, lang: str = LANG, extra: tuple[str, ...] = ()) -> list[Word]:
    exe = shutil.which("tesseract")
    if exe is None:
        raise ExtractionError("OCR needs tesseract (Debian: tesseract-ocr tesseract-ocr-chi-sim; `make system-deps`)")
    with tempfile.TemporaryDirectory(prefix="nianbao-ocr-") as work:
        src = os.path.join(work, "page.png")
        image.save(src, "PNG")
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        try:
            proc = subprocess.run(
                [exe, src, "stdout", "-l", lang, "--psm", "6", "-c", "preserve_interword_spaces=1", *extra, "tsv"],
                capture_output=True,
                timeout=remaining(OCR_TIMEOUT_S),
                env=env,
            )
        except subprocess.TimeoutExpired:
            raise ExtractionError(f"OCR timed out after {OCR_TIMEOUT_S:g} s") from None
    if proc.returncode != 0:
        raise ExtractionError(f"tesseract failed: {proc.stderr.decode('utf-8', 'replace').strip()[-200:]}")
    words: list[Word] = []
    reader = csv.DictReader(io.StringIO(proc.stdout.decode("utf-8", "replace")), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        text = (row.get("text") or "").translate(_NOISE).strip()
        if not text or row.get("level") != "5":
            continue
        try:
            left, top, width, height = (int(row[k]) for k in ("left", "top", "width", "height"))
            line = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
        except (KeyError, ValueError):
            continue
        words.append(Word(text, left, top, left + width, top + height, line))
    return words


def _join_words(words: list[Word]) -> str:
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.top + w.bottom) / 2):
        centre = (word.top + word.bottom) / 2
        if lines and abs(centre - sum((w.top + w.bottom) / 2 for w in lines[-1]) / len(lines[-1])) < 0.5 * (
            word.bottom - word.top
        ):
            lines[-1].append(word)
        else:
            lines.append([word])
    out = []
    for ws in lines:
        ws.sort(key=lambda w: w.x0)
        text = ""
        for word in ws:
            if text and not (_CJK.match(text[-1]) or _CJK.match(word.text[0])):
                text += " "
            text += word.text
        out.append(text)
    return "\n".join(out)


GAP = 40  # white pixels between cell crops in a composite image
_NUMBER = re.compile(r"^[+\-]?[0-9][0-9,]*(?:\.[0-9]+)?$")
_DIGITISH = re.compile(r"[0-9]")


def _ocr_crops(image, boxes: list[tuple[int, int, int, int]], lang: str, extra: tuple[str, ...] = ()) -> list[str]:
    """OCR many cell crops with one tesseract run: crops stacked into one tall image."""
    crops = [image.crop(b) for b in boxes]
    if not crops:
        return []
    width = max(c.size[0] for c in crops) + 2 * GAP
    height = sum(c.size[1] + GAP for c in crops) + GAP
    canvas = Image.new("L", (width, height), 255)
    bands = []
    y = GAP
    for crop in crops:
        canvas.paste(crop, (GAP, y))
        bands.append((y, y + crop.size[1]))
        y += crop.size[1] + GAP
    words = _tesseract_words(canvas, lang, extra)
    out = []
    for a, b in bands:
        out.append(_join_words([w for w in words if a - GAP / 2 <= (w.top + w.bottom) / 2 <= b + GAP / 2]))
    return out


def ocr_tables(image_bytes: bytes, *, where_prefix: str = "ocr", scale: float = 1.0) -> list[SourceTable]:
    """Every ruled table of an image, read by OCR (``ocr=True``); [] if none is found.

    Each cell is cropped inside its ruling lines and all crops are read in one tesseract
    run (so text never crosses a cell boundary); short cells that look numeric are read
    again with a digits-only pass.  Raises :class:`ExtractionError` if the image cannot be
    decoded or tesseract fails.
    """
    try:
        image: Image.Image = Image.open(io.BytesIO(image_bytes))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as e:
        raise ExtractionError(f"unreadable image: {e}") from e
    image = image.convert("L")
    factor = 1.0
    if image.size[0] < 1800:  # below ~200 dpi for a page: upscale for tesseract
        factor = 2.0
        image = image.resize((image.size[0] * 2, image.size[1] * 2), Image.Resampling.LANCZOS)
    horizontal, vertical = find_lines(image)
    tables = _cells(horizontal, vertical)
    if not tables:
        return []
    pad = 1 + max([s.thickness for s in horizontal + vertical] or [1]) // 2 + 3
    all_boxes = [b for boxes in tables for b in boxes]
    inner = [(int(x0) + pad, int(top) + pad, int(x1) - pad, int(bottom) - pad) for x0, top, x1, bottom in all_boxes]
    usable = [i for i, b in enumerate(inner) if b[2] - b[0] > 4 and b[3] - b[1] > 4]
    texts = [""] * len(all_boxes)
    for i, text in zip(usable, _ocr_crops(image, [inner[i] for i in usable], LANG)):
        texts[i] = text
    # digits-only second pass for short cells that look like numbers (or a misread digit)
    numeric = [
        i
        for i in usable
        if texts[i]
        and len(texts[i].replace(" ", "")) <= 12
        and ((_DIGITISH.search(texts[i]) and not _CJK.search(texts[i])) or len(texts[i].strip()) <= 2)
    ]
    if numeric and "eng" in _languages():
        digits = _ocr_crops(image, [inner[i] for i in numeric], "eng", ("-c", "tessedit_char_whitelist=0123456789.,-+"))
        for i, text in zip(numeric, digits):
            text = text.replace(" ", "")
            if _NUMBER.match(text):
                texts[i] = text
    k = scale / factor
    out: list[SourceTable] = []
    index = 0
    for boxes in tables:
        cells: list[BoxCell] = []
        for x0, top, x1, bottom in boxes:
            loc = f"{where_prefix} [{x0 * k:.1f},{top * k:.1f},{x1 * k:.1f},{bottom * k:.1f}]"
            cells.append(BoxCell(x0, top, x1, bottom, texts[index], loc))
            index += 1
        x0 = min(b[0] for b in boxes)
        top = min(b[1] for b in boxes)
        x1 = max(b[2] for b in boxes)
        bottom = max(b[3] for b in boxes)
        rows = build_rows(cells, tol=6.0)
        out.append(
            SourceTable(
                rows, where=f"{where_prefix} [{x0 * k:.1f},{top * k:.1f},{x1 * k:.1f},{bottom * k:.1f}]", ocr=True
            )
        )
    return out


@functools.lru_cache(maxsize=1)
def _languages() -> tuple[str, ...]:
    exe = shutil.which("tesseract")
    if not exe:
        return ()
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return tuple((out.stdout + out.stderr).split())


def ocr_table(image_bytes: bytes, *, where_prefix: str = "ocr", scale: float = 1.0) -> SourceTable | None:
    """The largest ruled table of an image read by OCR (``ocr=True``), or None.

    None also when tesseract is not installed: OCR is optional.
    """
    if not tesseract_available():
        return None
    tables = ocr_tables(image_bytes, where_prefix=where_prefix, scale=scale)
    if not tables:
        return None
    return max(tables, key=lambda t: sum(len(r) for r in t.rows))


def parse_image(data: bytes, url: str | None = None) -> Document:
    """An image document (a report page published as a picture): one :class:`ImageBlock`, and
    the largest ruled table read by OCR when tesseract is installed."""
    doc = Document(blocks=[ImageBlock(url or "", "")], carrier="image")
    table = ocr_table(data)
    if table is not None:
        table.ocr = True
        doc.blocks.append(table)
    return doc

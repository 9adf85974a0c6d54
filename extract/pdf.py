"""PDF carrier: bytes of a PDF with a text layer → :class:`Document`.

Pages are read with PDFium (:mod:`extract.pdf_source`); tables come from ruling lines through
pdfplumber's lattice functions (edges → intersections → cells): each cell rectangle keeps the
characters whose centre lies inside it, so neighbouring numbers can never run together.  The
cells of a table are snapped to a grid (:mod:`extract.boxgrid`), giving the same rows, spans and
cell texts an HTML page of the table gives.  Tables broken over pages are joined: header rows
repeated on the next page are dropped, a row split by the page break and a merged cell
running over it (the vertical ``三、本年度办理结果``) are put back together.  Page numbers and
running headers/footers (``- 5 -``) are dropped; body lines become paragraphs, headings their
own.  Pages without ruling lines fall back to word positions (:mod:`extract.pdf_words`);
pages that are only images become :class:`ImageBlock` s (warning ``tables are images``) and,
when tesseract is installed, OCR tables (``ocr=True``) that the interpreter only keeps when
R1–R4 pass.

Locators: cells ``p{page} [x0,top,x1,bottom]`` (PDF points, top-left origin), tables
``p{page} [bbox]`` of their first part.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

import pypdfium2 as pdfium

from extract import images, pdf_vertical, pdf_words
from extract.boxgrid import BoxCell, build_rows, cluster_edges, holes
from extract.model import Document, ExtractionError, FlattenedTable, ImageBlock, Paragraph, SourceTable
from extract.pdf_source import PageSource, PdfSource, clean_title, find_tables
from extract.pdf_text import TextLine, cell_text, group_lines, join_wrapped

MAX_PAGES = 500
IMAGE_PAGE_SHARE = 0.25  # an image covering this share of a page counts as content
TOL = 3.0  # points: edges closer than this are one edge (pdfplumber's snapping moves lines ~2pt)

TABLES_ARE_IMAGES = "tables are images"

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－~·•\s]*[0-9]{1,4}[-—–－~·•\s]*|第\s*[0-9]{1,4}\s*页(?:\s*[,，/／]?\s*共\s*[0-9]{1,4}\s*页)?"
    r"|[0-9]{1,4}\s*[/／]\s*[0-9]{1,4}|(?:page|Page|PAGE)\s*[0-9]{1,4}(?:\s*of\s*[0-9]{1,4})?)$"
)
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[)）])")
_ENUMERATOR = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十0-9]{1,3}[)）]|[0-9]{1,2}[.、．](?![0-9]))"
)
_NUMBER_PART = re.compile(
    r"^[+\-−–增减]?[0-9０-９][0-9０-９,，.．]*$|^[0-9０-９,，.．]*[0-9０-９]\s*[元万件条个项次%％]*$"
)
_OPEN_ENUMERATOR = re.compile(r"^\s*[（(][一二三四五六七八九十]{1,3}")  # "（六" cut by a line break
_VALUE_LIKE = re.compile(r"^[+\-−–增减]?[0-9０-９][0-9０-９,，.．]*\s*[元万件条个项次%％]*$|^[-—–/／无]$")


# ----------------------------------------------------------------------------- page content


@dataclass
class PageTable:
    """A ruled table found on one page (cells in page coordinates)."""

    page: int
    cells: list[BoxCell]
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass
class PageContent:
    number: int
    width: float
    height: float
    lines: list[TextLine] = field(default_factory=list)
    tables: list[PageTable] = field(default_factory=list)
    images: list[tuple[float, float, float, float]] = field(default_factory=list)
    image_only: bool = False
    ocr_tables: list[SourceTable] = field(default_factory=list)
    word_tables: list[tuple[float, SourceTable | FlattenedTable]] = field(default_factory=list)  # no ruling lines


def where(page: int, x0: float, top: float, x1: float, bottom: float) -> str:
    """The PDF locator ``p{page} [x0,top,x1,bottom]``."""
    return f"p{page} [{x0:.1f},{top:.1f},{x1:.1f},{bottom:.1f}]"


class _CharIndex:
    """Characters sorted by vertical centre, for fast box queries."""

    def __init__(self, chars: list[dict]):
        self.chars = sorted(chars, key=lambda c: (c["top"] + c["bottom"]) / 2)
        self.keys = [(c["top"] + c["bottom"]) / 2 for c in self.chars]

    def inside(self, x0: float, top: float, x1: float, bottom: float) -> list[dict]:
        lo, hi = bisect_left(self.keys, top), bisect_right(self.keys, bottom)
        return [c for c in self.chars[lo:hi] if x0 <= (c["x0"] + c["x1"]) / 2 <= x1]


def _read_tables(source: PageSource, index: _CharIndex) -> list[PageTable]:
    number = source.number
    out: list[PageTable] = []
    for table in find_tables(source.edges):
        boxes = [b for b in table if b[2] - b[0] > TOL and b[3] - b[1] > TOL]
        if len(boxes) < 2:
            continue  # a framed paragraph, not a table
        texts = _box_texts(boxes, index)
        if _is_prose(texts):
            continue  # a frame round a page of prose: its lines are text, not cells
        cells = [
            BoxCell(x0, top, x1, bottom, text, where(number, x0, top, x1, bottom))
            for (x0, top, x1, bottom), text in zip(boxes, texts)
        ]
        for x0, top, x1, bottom in holes(cells, TOL):
            cells.append(
                BoxCell(
                    x0,
                    top,
                    x1,
                    bottom,
                    cell_text(index.inside(x0, top, x1, bottom)),
                    where(number, x0, top, x1, bottom),
                )
            )
        x0, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
        x1, bottom = max(b[2] for b in boxes), max(b[3] for b in boxes)
        out.append(PageTable(number, cells, x0, top, x1, bottom))
    out.sort(key=lambda t: (t.top, t.x0))
    return out


_SENTENCE = re.compile(r"[。；！？]")


def _is_prose(texts: list[str]) -> bool:
    """Boxes holding sentences and no cell that is a number: a frame round prose, not a table."""
    filled = [t for t in texts if t.strip()]
    if not filled or any(_VALUE_LIKE.match(t.strip()) for t in filled):
        return False
    prose = sum(len(t) for t in filled if _SENTENCE.search(t))
    return prose >= 0.6 * sum(len(t) for t in filled) and prose >= 80


def _box_texts(boxes: list[tuple[float, float, float, float]], index: _CharIndex) -> list[str]:
    """The text of every cell box; a label printed vertically down a merged cell whose
    characters stand inside the boxes of the rows beside it (WPS) is taken out of those boxes
    and put before the text of the first one (:mod:`extract.pdf_vertical`)."""
    inside = [index.inside(*b) for b in boxes]
    runs = pdf_vertical.vertical_runs([c for chars in inside for c in chars])
    if not runs:
        return [cell_text(chars) for chars in inside]
    moved: dict[int, int] = {}  # id(char) -> run number
    prefix: dict[int, list[str]] = {}
    for n, run in enumerate(runs):
        ids = {id(c) for c in run.chars}
        holders = [i for i, chars in enumerate(inside) if any(id(c) in ids for c in chars)]
        if all(all(id(c) in ids for c in inside[i]) for i in holders):
            continue  # the label has a cell of its own
        for c in run.chars:
            moved[id(c)] = n
        top = min(run.chars, key=lambda c: c["top"])
        first = next(i for i in holders if any(c is top for c in inside[i]))
        prefix.setdefault(first, []).append(run.text)
    out = []
    for i, chars in enumerate(inside):
        text = cell_text([c for c in chars if id(c) not in moved])
        out.append("\n".join([*prefix.get(i, []), text]) if i in prefix else text)
    return out


def _read_page(source: PageSource) -> PageContent:
    content = PageContent(source.number, source.width, source.height)
    # diagonal text is a watermark (内部资料, 仅供参考 …), never table content
    chars = [
        c
        for c in source.chars
        if c["text"] and not c["text"].isspace() and (abs(c["matrix"][0]) > 0.98 or abs(c["matrix"][1]) > 0.98)
    ]
    page_area = content.width * content.height or 1.0
    for box in source.images:
        if (box[2] - box[0]) * (box[3] - box[1]) >= IMAGE_PAGE_SHARE * page_area:
            content.images.append(box)
    if not chars or source.unmapped > 0.5 * len(chars):
        # no text layer, or one whose characters have no Unicode mapping (garbage)
        content.image_only = bool(content.images) or bool(chars)
        return content
    index = _CharIndex(chars)
    content.tables = _read_tables(source, index)
    if content.tables:

        def in_table(c: dict) -> bool:
            cx, cy = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
            return any(t.x0 <= cx <= t.x1 and t.top <= cy <= t.bottom for t in content.tables)

        chars = [c for c in chars if not in_table(c)]
    upright = [c for c in chars if c.get("upright", True)]
    content.lines = group_lines(upright, source.number)
    return content


# ----------------------------------------------------------------------------- open & metadata


def _metadata(source: PdfSource, doc: Document) -> None:
    info = source.metadata()
    for key in ("Title", "Author", "Subject", "Creator", "Producer", "CreationDate", "ModDate"):
        value = str(info.get(key) or "").strip()
        if value:
            doc.meta[key] = value
    title = clean_title(doc.meta.get("Title", ""))
    if title and not re.fullmatch(r"[\x00-\x7f]*", title):
        doc.title = title


# ----------------------------------------------------------------------------- running lines


def _drop_running_lines(pages: list[PageContent]) -> None:
    """Drop page numbers and headers/footers repeated in the page margins."""

    def key(line: TextLine) -> str:
        return re.sub(r"[0-9]+", "#", re.sub(r"\s+", "", line.text))

    def in_margin(line: TextLine, page: PageContent) -> bool:
        return line.top < page.height * 0.1 or line.bottom > page.height * 0.9

    counts: dict[str, int] = {}
    for page in pages:
        for k in {key(l) for l in page.lines if in_margin(l, page)}:
            counts[k] = counts.get(k, 0) + 1
    repeated = {k for k, n in counts.items() if n >= 2 and n >= len(pages) / 2}
    for page in pages:
        page.lines = [
            l
            for l in page.lines
            if not (
                in_margin(l, page) and (_PAGE_NUMBER.match(l.text.strip()) or (len(pages) > 1 and key(l) in repeated))
            )
        ]


# ----------------------------------------------------------------------------- tables over pages


def _row_edges(cells: list[BoxCell]) -> list[float]:
    return cluster_edges([c.top for c in cells] + [c.bottom for c in cells], TOL)


def _blocks(cells: list[BoxCell]) -> list[list[BoxCell]]:
    """Cells grouped into horizontal blocks no cell crosses (a header block with row spans
    is one block)."""
    edges = _row_edges(cells)
    cuts = [y for y in edges if not any(c.top + TOL < y < c.bottom - TOL for c in cells)]
    out: list[list[BoxCell]] = []
    for a, b in zip(cuts, cuts[1:]):
        block = [c for c in cells if c.top >= a - TOL and c.bottom <= b + TOL]
        if block:
            out.append(block)
    return out


def _same_block(a: list[BoxCell], b: list[BoxCell]) -> bool:
    """Same cells (relative position within ``2 × TOL``) with the same text: a repeated header."""
    if len(a) != len(b) or not any(c.text.strip() for c in a):
        return False
    ta, tb = min(c.top for c in a), min(c.top for c in b)

    def key(c: BoxCell, top: float) -> tuple:
        return (round(c.top - top), c.x0)

    for ca, cb in zip(sorted(a, key=lambda c: key(c, ta)), sorted(b, key=lambda c: key(c, tb))):
        if abs(ca.x0 - cb.x0) > 2 * TOL or abs(ca.x1 - cb.x1) > 2 * TOL or abs((ca.top - ta) - (cb.top - tb)) > 2 * TOL:
            return False
        if re.sub(r"\s+", "", ca.text) != re.sub(r"\s+", "", cb.text):
            return False
    return True


def _spans_rows(cell: BoxCell, edges: list[float]) -> bool:
    return any(cell.top + TOL < y < cell.bottom - TOL for y in edges)


@dataclass
class TableRun:
    """A table possibly continued over several pages (cells in one virtual coordinate space)."""

    first: PageTable
    cells: list[BoxCell] = field(default_factory=list)
    bottom: float = 0.0
    last_page: int = 0

    def __post_init__(self) -> None:
        self.cells = [BoxCell(c.x0, c.top, c.x1, c.bottom, c.text, c.where) for c in self.first.cells]
        self.bottom = self.first.bottom
        self.last_page = self.first.page

    def accepts(self, table: PageTable) -> bool:
        """Same table continued: next page, same left/right borders, shared column edges."""
        if table.page != self.last_page + 1:
            return False
        if abs(table.x0 - self.first.x0) > 3 * TOL or abs(table.x1 - self.first.x1) > 3 * TOL:
            return False
        mine = cluster_edges([c.x0 for c in self.cells] + [c.x1 for c in self.cells], TOL)
        theirs = cluster_edges([c.x0 for c in table.cells] + [c.x1 for c in table.cells], TOL)
        shared = sum(1 for x in theirs if any(abs(x - m) <= TOL for m in mine))
        return shared >= 0.5 * len(theirs)

    def append(self, table: PageTable) -> None:
        """Join the next page's part: drop repeated header blocks, re-join split rows and
        merged cells running over the page break."""
        new = [BoxCell(c.x0, c.top, c.x1, c.bottom, c.text, c.where) for c in table.cells]
        mine, theirs = _blocks(self.cells), _blocks(new)
        dropped = 0
        while dropped < min(len(mine) - 1, len(theirs) - 1, 4) and _same_block(mine[dropped], theirs[dropped]):
            dropped += 1
        keep = [c for block in theirs[dropped:] for c in block]
        if not keep:
            self.last_page = table.page
            return
        shift = self.bottom - min(c.top for c in keep)
        for c in keep:
            c.top += shift
            c.bottom += shift
        keep = self._rejoin(keep)
        self.cells.extend(keep)
        self.bottom = max(c.bottom for c in self.cells)
        self.last_page = table.page

    def _rejoin(self, new: list[BoxCell]) -> list[BoxCell]:
        """Merge the first row of ``new`` into the cells above the page break when it is the
        rest of a split row, and empty continuation parts of row-spanning cells."""
        bottom_cells = [c for c in self.cells if abs(c.bottom - self.bottom) <= TOL]
        top = min(c.top for c in new)
        first = [c for c in new if abs(c.top - top) <= TOL]

        def partner(c2: BoxCell) -> BoxCell | None:
            for c1 in bottom_cells:
                if abs(c1.x0 - c2.x0) <= TOL and abs(c1.x1 - c2.x1) <= TOL:
                    return c1
            return None

        pairs = [(partner(c2), c2) for c2 in first]
        edges = _row_edges(self.cells)
        data_row = any(_VALUE_LIKE.match(c.text.strip()) for c in bottom_cells if c.text.strip())
        value_x = min((c.x0 for c in bottom_cells if _VALUE_LIKE.match(c.text.strip())), default=None)

        def outer_label(cell: BoxCell, band: list[BoxCell]) -> bool:
            """A group/level-1 label: another non-value cell starts right of it on its band."""
            return any(
                abs(o.x0 - cell.x1) <= TOL and o.text.strip() and not _VALUE_LIKE.match(o.text.strip()) for o in band
            )

        def label_continues(c1: BoxCell, c2: BoxCell) -> bool:
            t1, t2 = c1.text.strip(), c2.text.strip()
            if not t1 or not t2 or _ENUMERATOR.match(t2) or _VALUE_LIKE.match(t2):
                return False
            return bool(_ENUMERATOR.match(t1) or _OPEN_ENUMERATOR.match(t1) or outer_label(c1, bottom_cells))

        def number_continues(c1: BoxCell, c2: BoxCell) -> bool:
            """A number wrapped inside its cell across the page break (１２ / ９)."""
            return bool(_NUMBER_PART.match(c1.text.strip()) and _NUMBER_PART.match(c2.text.strip()))

        matched = [(c1, c2) for c1, c2 in pairs if c1 is not None]
        complete = len(matched) == len(pairs)
        labelled = complete and any(label_continues(c1, c2) for c1, c2 in matched)
        split_row = (
            data_row
            and complete
            and all(
                not c1.text.strip()
                or not c2.text.strip()
                or label_continues(c1, c2)
                or (labelled and number_continues(c1, c2))
                for c1, c2 in matched
            )
        )
        new_edges = _row_edges(new)

        merged: set[int] = set()
        for c1, c2 in pairs:
            if c1 is None:
                continue
            t1, t2 = c1.text.strip(), c2.text.strip()
            if split_row:
                ok = True
            elif not t2:
                # empty rest of a row-spanning cell (level-1 / group label)
                ok = (
                    bool(t1)
                    and _spans_rows(c1, edges)
                    and ((value_x is not None and c1.x1 <= value_x + TOL) or _spans_rows(c2, new_edges))
                )
            else:
                # the label text of a row-spanning cell continued on the next page
                ok = (
                    bool(t1)
                    and not _ENUMERATOR.match(t2)
                    and not _VALUE_LIKE.match(t2)
                    and outer_label(c1, bottom_cells)
                    and outer_label(c2, first)
                )
            if ok:
                if t2:
                    joint = "" if _NUMBER_PART.match(t1) and _NUMBER_PART.match(t2) else "\n"
                    c1.text = (c1.text + joint + c2.text) if t1 else c2.text
                c1.bottom = c2.bottom
                merged.add(id(c2))
        return [c for c in new if id(c) not in merged]

    def source_table(self) -> SourceTable:
        f = self.first
        loc = where(f.page, f.x0, f.top, f.x1, f.bottom)
        if self.last_page != f.page:
            loc = f"p{f.page}-{self.last_page}" + loc[len(f"p{f.page}") :]
        return SourceTable(build_rows(self.cells, TOL), where=loc)


# ----------------------------------------------------------------------------- assembly


@dataclass
class _Margins:
    left: float
    right: float


def _margins(pages: list[PageContent]) -> _Margins:
    x0s = sorted(l.x0 for p in pages for l in p.lines)
    x1s = sorted(l.x1 for p in pages for l in p.lines)
    if not x0s:
        return _Margins(0.0, 0.0)
    return _Margins(x0s[len(x0s) // 10], x1s[(len(x1s) * 9) // 10])


def _starts_paragraph(prev: TextLine | None, line: TextLine, m: _Margins) -> bool:
    if prev is None:
        return True
    size = line.size or 10.0
    if line.x0 > m.left + 0.8 * size:  # indented first line, centred title
        return True
    if prev.x1 < m.right - 1.5 * (prev.size or size):  # previous line ended short
        return True
    if abs(line.size - prev.size) > 1.0:
        return True
    if line.page == prev.page and line.top - prev.bottom > 1.2 * size:
        return True
    return bool(_HEADING.match(line.text))


def _table_text(table: SourceTable) -> str:
    return "\n".join(" ".join(c.text for c in row if c.text) for row in table.rows)


def _assemble(pages: list[PageContent]) -> list:
    margins = _margins(pages)
    items: list[tuple[int, float, str, object]] = []
    for p in pages:
        page_items: list[tuple[float, str, object]] = [(l.top, "line", l) for l in p.lines]
        page_items += [(t.top, "table", t) for t in p.tables]
        page_items += [(float(i), "ocr", t) for i, t in enumerate(p.ocr_tables)]
        page_items += [(top, "words", t) for top, t in p.word_tables]
        if p.image_only or not p.lines:
            page_items += [(box[1], "image", (p.number, box)) for box in p.images]
        else:
            page_items += [(box[1], "image", (p.number, box)) for box in p.images if not p.tables]
        page_items.sort(key=lambda t: (t[0], t[1] != "image"))
        items += [(p.number, top, kind, obj) for top, kind, obj in page_items]

    blocks: list = []
    para: list[TextLine] = []
    run: TableRun | None = None
    prev_line: TextLine | None = None

    def flush_para() -> None:
        nonlocal para
        if para:
            text = ""
            for l in para:
                text = join_wrapped(text, l.text)
            blocks.append(
                Paragraph(text, where=where(para[0].page, para[0].x0, para[0].top, para[0].x1, para[0].bottom))
            )
            para = []

    def flush_run() -> None:
        nonlocal run
        if run is not None:
            blocks.append(run.source_table())
            run = None

    for i, (page_no, _top, kind, obj) in enumerate(items):
        if kind == "table":
            flush_para()
            prev_line = None
            table: PageTable = obj  # type: ignore[assignment]
            first_on_page = i == 0 or items[i - 1][0] != page_no
            if run is not None and first_on_page and run.accepts(table):
                run.append(table)
                continue
            flush_run()
            run = TableRun(table)
            last_on_page = i + 1 == len(items) or items[i + 1][0] != page_no
            if not last_on_page:
                flush_run()
            continue
        if kind == "line":
            line: TextLine = obj  # type: ignore[assignment]
            flush_run()
            if _starts_paragraph(prev_line, line, margins):
                flush_para()
            para.append(line)
            prev_line = line
            continue
        flush_para()
        flush_run()
        prev_line = None
        if (
            kind == "words"
            and i > 0
            and items[i - 1][0] != page_no
            and blocks
            and isinstance(blocks[-1], FlattenedTable)
        ):
            # the rest of a table whose cells could not be recovered on the previous page:
            # without that page's header its values cannot be placed either
            cont = obj if isinstance(obj, FlattenedTable) else FlattenedTable(_table_text(obj))  # type: ignore[arg-type]
            blocks[-1].text += "\n" + cont.text
        elif kind in ("ocr", "words"):
            blocks.append(obj)
        else:
            image: tuple[int, tuple[float, float, float, float]] = obj  # type: ignore[assignment]
            number, box = image
            blocks.append(ImageBlock(src=f"page {number}", where=where(number, *box)))
    flush_para()
    flush_run()
    return blocks


# ----------------------------------------------------------------------------- entry point


def parse_pdf(data: bytes, *, ocr: bool = True, max_pages: int = MAX_PAGES) -> Document:
    """Parse a PDF into a :class:`Document` (paragraphs, ruled tables, image blocks).

    Raises :class:`ExtractionError` for files that are not PDFs, are corrupt or truncated
    beyond repair, or need a password.  ``ocr`` reads image-only pages with tesseract when it
    is installed (tables flagged ``ocr=True``).
    """
    source = PdfSource(data)
    doc = Document(carrier="pdf")
    pages: list[PageContent] = []
    with source:
        doc.pages = source.pages
        _metadata(source, doc)
        for i in range(source.pages):
            if i >= max_pages:
                doc.warnings.append(f"PDF has {doc.pages} pages: only the first {max_pages} were read")
                break
            try:
                content = _read_page(source.page(i))
            except MemoryError as e:
                raise ExtractionError(f"page {i + 1} exceeds the memory limit (a decompression bomb?)") from e
            except Exception as e:  # one damaged page must not lose the others
                doc.warnings.append(f"page {i + 1} unreadable: {type(e).__name__}: {e}")
                continue
            if not content.tables and content.lines:
                content.word_tables, content.lines = pdf_words.find_tables(content.lines, content.number)
            pages.append(content)
    image_pages = [p.number for p in pages if p.image_only]
    if image_pages:
        if ocr:
            _ocr_pages(data, pages, doc)
        doc.warnings.append(TABLES_ARE_IMAGES)
        doc.warnings.append(f"pages without a text layer (images only): {', '.join(map(str, image_pages))}")
    elif any(p.images and not p.tables for p in pages) and not any(p.tables for p in pages):
        doc.warnings.append(TABLES_ARE_IMAGES)
    _drop_running_lines(pages)
    doc.blocks = _assemble(pages)
    for block in doc.blocks:
        if isinstance(block, FlattenedTable):
            doc.warnings.append(
                f"table without ruling lines at {block.where}: its cell boundaries cannot be recovered, no numbers read from it"
            )
    return doc


def _ocr_pages(data: bytes, pages: list[PageContent], doc: Document) -> None:
    """OCR image-only pages into ``ocr=True`` tables (kept only if R1–R4 pass downstream)."""
    if not images.tesseract_available():
        doc.warnings.append("OCR skipped: tesseract with chi_sim is not installed")
        return
    pdf = pdfium.PdfDocument(data)
    try:
        for content in pages:
            if not content.image_only:
                continue
            page = pdf[content.number - 1]
            scale = images.OCR_DPI / 72
            png = images.to_png(page.render(scale=scale).to_pil())
            page.close()
            try:
                content.ocr_tables += images.ocr_tables(png, where_prefix=f"ocr p{content.number}", scale=1 / scale)
            except ExtractionError as e:
                doc.warnings.append(f"OCR of page {content.number} failed: {e}")
    finally:
        pdf.close()

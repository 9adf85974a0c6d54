"""DOCX carrier: WordprocessingML → :class:`Document` (python-docx + lxml).

The body is read in order: paragraphs (headings are paragraphs of their own) and tables.  A
table is mapped to the grid an HTML page of it would have: ``w:gridSpan`` → ``colspan``, a
``w:vMerge`` restart cell gets ``rowspan`` = 1 + the continuation cells below it (which are
not emitted, like cells covered by an HTML rowspan), ``w:gridBefore`` and legacy
``w:hMerge`` are honoured.  Paragraphs inside a cell (and ``w:br``) become ``"\\n"``.  A
table nested in a cell is emitted as a table of its own after its parent (a one-cell layout
table is unwrapped).  Deleted revisions, VML fallbacks and hidden text are skipped; text boxes
become paragraphs; pictures become image blocks (a table pasted as a picture is read by OCR,
flagged so the interpreter keeps it only when R1–R4 pass).

Locators: cells ``docx t{table}/r{row}/c{cell}`` (1-based; cell = the ``w:tc`` in its row),
paragraphs ``docx p{n}``, pictures ``docx img{n}``.
"""

from __future__ import annotations

import io
import re
import zipfile

from docx import Document as open_docx
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

from extract import images
from extract.model import Block, Document, ExtractionError, ImageBlock, Paragraph, SourceCell, SourceTable

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
MAX_UNCOMPRESSED = 512 * 1024 * 1024  # bytes of all zip members together
MAX_RATIO = 200  # a member compressed more than this (and larger than 10 MB) is a zip bomb
_WRAPPERS = {
    f"{{{W}}}sdt",
    f"{{{W}}}sdtContent",
    f"{{{W}}}customXml",
    f"{{{W}}}smartTag",
    f"{{{W}}}ins",
    f"{{{W}}}moveTo",
}
_SKIP = {
    f"{{{W}}}del",
    f"{{{W}}}moveFrom",
    f"{{{MC}}}Fallback",
    f"{{{W}}}txbxContent",
    f"{{{W}}}tbl",
    f"{{{W}}}instrText",
    f"{{{W}}}delText",
}


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def check_zip(data: bytes, what: str = "DOCX") -> None:
    """Refuse zip files that are not zips, are truncated, or expand absurdly (zip bombs)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            total = 0
            for info in infos:
                total += info.file_size
                if info.file_size > 10 * 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                    raise ExtractionError(
                        f"{what} refused: member {info.filename} expands {info.file_size // max(info.compress_size, 1)}× "
                        f"to {info.file_size // (1024 * 1024)} MB (zip bomb)"
                    )
            if total > MAX_UNCOMPRESSED:
                raise ExtractionError(
                    f"{what} refused: {total // (1024 * 1024)} MB uncompressed exceeds the {MAX_UNCOMPRESSED // (1024 * 1024)} MB limit"
                )
    except zipfile.BadZipFile as e:
        raise ExtractionError(f"corrupt or truncated {what}: {e}") from e


def _children(el, tags: set[str]):
    """Direct children with a tag in ``tags``, looking through content-control wrappers."""
    for child in el:
        if child.tag in tags:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, tags)


def _hidden(run) -> bool:
    rpr = run.find(w("rPr"))
    if rpr is None:
        return False
    vanish = rpr.find(w("vanish"))
    return vanish is not None and vanish.get(w("val"), "true") not in ("0", "false")


def paragraph_text(p) -> str:
    """Text of a ``w:p``: runs in order, ``w:br``/``w:cr`` as ``"\\n"``, tabs as spaces."""
    out: list[str] = []

    def walk(el) -> None:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == w("r") and _hidden(child):
                continue
            if tag == w("t"):
                out.append(child.text or "")
            elif tag == w("tab") or tag == w("ptab"):
                out.append(" ")
            elif tag in (w("br"), w("cr")):
                out.append("\n")
            elif tag == w("noBreakHyphen"):
                out.append("-")
            else:
                walk(child)

    walk(p)
    text = "".join(out)
    text = re.sub(r"[ \t\u00a0\u3000]*\n[ \t\u00a0\u3000]*", "\n", text)
    return text.strip()


def _text_boxes(p) -> list[str]:
    texts = []
    for box in p.iter(w("txbxContent")):
        if any(anc.tag == f"{{{MC}}}Fallback" for anc in box.iterancestors()):
            continue
        for para in box.iter(w("p")):
            t = paragraph_text(para)
            if t:
                texts.append(t)
    return texts


def _int_attr(el, path: str, default: int) -> int:
    found = el.find(path)
    if found is None:
        return default
    try:
        return max(int(found.get(w("val"), default)), 0)
    except ValueError:
        return default


A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
EMU_PER_CM = 360000
BIG_IMAGE_CM = 8.0  # an inline picture this wide may be a pasted table
MAX_OCR_IMAGES = 12


class _Reader:
    """Walks the body, numbering tables and paragraphs as they are emitted."""

    def __init__(self, part=None, ocr: bool = False) -> None:
        self.blocks: list[Block] = []
        self.tables = 0
        self.paragraphs = 0
        self.images = 0
        self.part = part
        self.ocr = ocr
        self.ocr_done = 0
        self.warnings: list[str] = []

    def pictures(self, p) -> None:
        """Inline/floating pictures of a paragraph: image blocks, big ones read by OCR."""
        for drawing in p.iter(w("drawing")):
            extent = drawing.find(f".//{{{WP_NS}}}extent")
            width_cm = int(extent.get("cx", "0")) / EMU_PER_CM if extent is not None else 0.0
            for blip in drawing.iter(f"{{{A_NS}}}blip"):
                rid = blip.get(f"{{{R_NS}}}embed")
                target = self.part.related_parts.get(rid) if self.part is not None and rid else None
                self.images += 1
                name = str(target.partname) if target is not None else (rid or "")
                self.blocks.append(ImageBlock(src=name, where=f"docx img{self.images} ({width_cm:.1f} cm wide)"))
                if self.ocr and target is not None and width_cm >= BIG_IMAGE_CM and self.ocr_done < MAX_OCR_IMAGES:
                    self.ocr_done += 1
                    self._ocr(target.blob)

    def _ocr(self, blob: bytes) -> None:
        if not images.tesseract_available():
            return
        try:
            self.blocks += images.ocr_tables(blob, where_prefix=f"ocr docx img{self.images}")
        except ExtractionError as e:
            self.warnings.append(f"OCR of picture {self.images} failed: {e}")

    def body(self, el) -> None:
        for child in _children(el, {w("p"), w("tbl")}):
            if child.tag == w("p"):
                self.paragraph(child)
            else:
                self.table(child)

    def paragraph(self, p) -> None:
        text = paragraph_text(p)
        if text:
            self.paragraphs += 1
            self.blocks.append(Paragraph(text, where=f"docx p{self.paragraphs}"))
        self.pictures(p)
        for box in _text_boxes(p):
            self.paragraphs += 1
            self.blocks.append(Paragraph(box, where=f"docx p{self.paragraphs}"))

    def table(self, tbl) -> None:
        rows = list(_children(tbl, {w("tr")}))
        cells_of = [list(_children(tr, {w("tc")})) for tr in rows]
        if len(rows) == 1 and len(cells_of[0]) == 1:  # one-cell layout frame: unwrap
            self.body(cells_of[0][0])
            return
        self.tables += 1
        number = self.tables
        nested: list = []
        out_rows: list[list[SourceCell]] = []
        open_cells: dict[int, SourceCell] = {}  # grid column → vMerge cell still open
        for r, (tr, tcs) in enumerate(zip(rows, cells_of), start=1):
            trpr = tr.find(w("trPr"))
            header = trpr is not None and trpr.find(w("tblHeader")) is not None
            col = _int_attr(trpr, w("gridBefore"), 0) if trpr is not None else 0
            out: list[SourceCell] = []
            for c, tc in enumerate(tcs, start=1):
                tcpr = tc.find(w("tcPr"))
                span = _int_attr(tcpr, w("gridSpan"), 1) if tcpr is not None else 1
                span = max(span, 1)
                vmerge = tcpr.find(w("vMerge")) if tcpr is not None else None
                hmerge = tcpr.find(w("hMerge")) if tcpr is not None else None
                text_parts = []
                for child in _children(tc, {w("p"), w("tbl")}):
                    if child.tag == w("tbl"):
                        nested.append(child)
                    else:
                        t = paragraph_text(child)
                        if t:
                            text_parts.append(t)
                        text_parts += _text_boxes(child)
                text = "\n".join(text_parts)
                if hmerge is not None and hmerge.get(w("val")) != "restart" and out:
                    out[-1].colspan += span
                    col += span
                    continue
                cont = vmerge is not None and vmerge.get(w("val"), "continue") != "restart"
                above = open_cells.get(col)
                if cont and above is not None:
                    above.rowspan += 1
                    if text and text not in above.text:
                        above.text = f"{above.text}\n{text}" if above.text else text
                    col += span
                    continue
                cell = SourceCell(text, colspan=span, where=f"docx t{number}/r{r}/c{c}", is_header=header)
                for k in range(col, col + span):
                    open_cells.pop(k, None)
                if vmerge is not None and not cont:
                    open_cells[col] = cell
                out.append(cell)
                col += span
            out_rows.append(out)
        self.blocks.append(SourceTable(out_rows, where=f"docx t{number}"))
        for inner in nested:
            self.table(inner)


def _app_pages(z: zipfile.ZipFile) -> int | None:
    try:
        root = etree.fromstring(z.read("docProps/app.xml"), etree.XMLParser(resolve_entities=False, no_network=True))
    except (KeyError, etree.XMLSyntaxError):
        return None
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.endswith("}Pages") and (el.text or "").strip().isdigit():
            return int(el.text.strip())
    return None


def parse_docx(data: bytes, *, ocr: bool = True) -> Document:
    """Parse a DOCX (or DOCM) file into a :class:`Document`.

    Pictures become :class:`ImageBlock` s; with ``ocr`` (and tesseract installed) pictures at
    least 8 cm wide are read as OCR tables (``ocr=True``).  Raises :class:`ExtractionError`
    for corrupt/truncated zips, zip bombs and zips without a Word document.
    """
    if not data.startswith(b"PK"):
        raise ExtractionError("not a DOCX file: no zip signature (PK)")
    check_zip(data)
    try:
        wd = open_docx(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError) as e:
        raise ExtractionError(f"corrupt DOCX: {type(e).__name__}: {e}") from e
    except Exception as e:  # python-docx raises assorted errors on damaged parts
        raise ExtractionError(f"unreadable DOCX: {type(e).__name__}: {e}") from e
    doc = Document(carrier="docx")
    reader = _Reader(wd.part, ocr=ocr)
    reader.body(wd.element.body)
    doc.blocks = reader.blocks
    doc.warnings += reader.warnings
    if reader.images and not any(isinstance(b, SourceTable) and not b.ocr for b in doc.blocks):
        doc.warnings.append("tables are images")
    props = wd.core_properties
    for key, value in (
        ("Title", props.title),
        ("Author", props.author),
        ("LastModifiedBy", props.last_modified_by),
        ("Created", props.created.isoformat() if props.created else ""),
        ("Modified", props.modified.isoformat() if props.modified else ""),
    ):
        if value:
            doc.meta[key] = str(value).strip()
    if doc.meta.get("Title"):
        doc.title = doc.meta["Title"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        doc.pages = _app_pages(z)
    return doc

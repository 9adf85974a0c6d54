"""Tables that are images: detection, and OCR that never adds a wrong number."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from carrier_fixtures import BY_NAME, render_all, squeeze, tables_of
from PIL import Image, ImageDraw, ImageFont

from extract.images import find_lines, ocr_table, ocr_tables, tesseract_available
from extract.interpret import interpret
from extract.model import ExtractionError, ImageBlock
from extract.pdf import TABLES_ARE_IMAGES, parse_pdf

pytestmark = pytest.mark.office

ROWS = [
    ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
    ["规章", "0", "0", "3"],
    ["行政规范性文件", "12", "5", "240"],
]
WIDTHS = [420, 300, 300, 300]
ROW_H = 90


def _font(size: int) -> ImageFont.FreeTypeFont:
    path = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC"], capture_output=True, text=True).stdout
    return ImageFont.truetype(path, size)


def _table_png(rows=ROWS, lines: bool = True) -> bytes:
    """A table image as an office pastes it: ruled grid, CJK labels, numbers (≈300 dpi)."""
    left, top = 60, 80
    image = Image.new("L", (left * 2 + sum(WIDTHS), top * 2 + ROW_H * len(rows)), 255)
    draw = ImageDraw.Draw(image)
    font = _font(34)
    xs = [left]
    for w in WIDTHS:
        xs.append(xs[-1] + w)
    for r, row in enumerate(rows):
        y = top + r * ROW_H
        for c, text in enumerate(row):
            w = draw.textlength(text, font=font)
            draw.text(((xs[c] + xs[c + 1] - w) / 2, y + 25), text, font=font, fill=0)
    if lines:
        for r in range(len(rows) + 1):
            draw.line([(xs[0], top + r * ROW_H), (xs[-1], top + r * ROW_H)], fill=0, width=3)
        for x in xs:
            draw.line([(x, top), (x, top + ROW_H * len(rows))], fill=0, width=3)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def test_tesseract_with_chinese_is_installed():
    assert tesseract_available()


def test_ruling_lines_found_in_pixels():
    image = Image.open(io.BytesIO(_table_png())).convert("L")
    horizontal, vertical = find_lines(image)
    assert sorted(round(s.pos) for s in horizontal) == [80 + ROW_H * r for r in range(4)]
    assert sorted(round(s.pos) for s in vertical) == [60, 480, 780, 1080, 1380]
    assert all(abs(s.start - 59) <= 2 and abs(s.end - 1382) <= 2 for s in horizontal)
    assert all(s.thickness == 3 for s in horizontal + vertical)


def test_ocr_reads_a_ruled_table_image():
    table = ocr_table(_table_png(), where_prefix="ocr img1", scale=0.24)
    assert table is not None and table.ocr
    got = [[squeeze(c.text) for c in row] for row in table.rows]
    assert [len(row) for row in got] == [4, 4, 4]
    # numbers exactly; labels may lose a character to OCR (数/效) — the interpreter only
    # keeps OCR cells whose table passes R1–R4
    assert [row[1:] for row in got[1:]] == [row[1:] for row in ROWS[1:]]
    for have, want in zip((c for row in got for c in row), (c for row in ROWS for c in row)):
        assert len(have) == len(want) and sum(a != b for a, b in zip(have, want)) <= 1, (have, want)
    m = re.fullmatch(r"ocr img1 \[([\d.]+),([\d.]+),([\d.]+),([\d.]+)\]", table.rows[1][1].where)
    assert m and [round(float(v)) for v in m.groups()] == [115, 41, 187, 62]  # pixels × 0.24


def test_no_table_without_ruling_lines_and_bad_images():
    assert ocr_tables(_table_png(lines=False)) == []
    assert ocr_table(_table_png(lines=False)) is None
    with pytest.raises(ExtractionError, match="unreadable image"):
        ocr_tables(b"\x89PNG\r\n\x1a\n broken")


def test_scanned_pdf_gives_no_wrong_number():
    """A scan: template as found, warning, and only OCR cells that passed R1–R4 (all of them
    exactly the published values)."""
    sample = BY_NAME["2021-plain"].report()
    expected = sample.expected_cells()
    data = render_all()[("2021-plain", "scanned")]
    doc = parse_pdf(data)
    assert [b.where for b in doc.blocks if isinstance(b, ImageBlock)] == [f"p{n} [0.0,0.0,595.7,841.9]" for n in (1, 2)]
    assert TABLES_ARE_IMAGES in doc.warnings
    assert tables_of(doc) and all(t.ocr for t in tables_of(doc))
    report = interpret(doc, source="scan.pdf", sha256="0" * 64, content_type="application/pdf")
    assert any("tables are images" in w for w in report.warnings)
    canonical = [c for c in report.cells if not c.row.startswith("extra:") and not c.col.startswith("extra:")]
    assert [c for c in canonical if c.key() not in expected or c.value != expected[c.key()].value] == []
    assert all(c.where.startswith("OCR ocr p") for c in report.cells)
    assert report.template in ("2021", "none")


def test_docx_with_a_table_pasted_as_picture():
    from docx import Document as new_document
    from docx.shared import Cm

    from extract.docx import parse_docx
    from extract.model import Paragraph

    word = new_document()
    word.add_paragraph("二、主动公开政府信息情况")
    word.add_picture(io.BytesIO(_table_png()), width=Cm(14))
    word.add_picture(io.BytesIO(_table_png()), width=Cm(3))  # a logo-sized picture: not read
    word.add_paragraph("三、收到和处理政府信息公开申请情况")
    buf = io.BytesIO()
    word.save(buf)
    doc = parse_docx(buf.getvalue())
    assert [type(b).__name__ for b in doc.blocks] == [
        "Paragraph",
        "ImageBlock",
        "SourceTable",
        "ImageBlock",
        "Paragraph",
    ]
    assert [b.where for b in doc.blocks if isinstance(b, ImageBlock)] == [
        "docx img1 (14.0 cm wide)",
        "docx img2 (3.0 cm wide)",
    ]
    (table,) = tables_of(doc)
    assert table.ocr and table.where.startswith("ocr docx img1 [")
    assert [[squeeze(c.text) for c in row][1:] for row in table.rows[1:]] == [row[1:] for row in ROWS[1:]]
    assert "tables are images" in doc.warnings
    assert isinstance(doc.blocks[0], Paragraph)
    assert [type(b).__name__ for b in parse_docx(buf.getvalue(), ocr=False).blocks] == [
        "Paragraph",
        "ImageBlock",
        "ImageBlock",
        "Paragraph",
    ]

"""PDF carrier: reports written in Word form and printed to PDF by LibreOffice.

The PDFs have real ruling lines, CJK fonts, page numbers ``- N -`` in the footer, tables broken
over pages with the applications header repeated (``w:tblHeader``), rows split by the page
break and the vertical level-1 label ``三、本年度办理结果``.  Extraction must give exactly the
generated cells; the table grid must be the Word table's grid.
"""

from __future__ import annotations

import io
import re
import zlib

import pdfplumber
import pytest
from carrier_fixtures import (
    BY_NAME,
    VARIANTS,
    cell_problems,
    grid_signature,
    render_all,
    spec_signature,
    squeeze,
    tables_of,
)
from portalgen.render_docx import report_tables
from portalgen.render_pdf import render_protected_pdf

from extract import extract_document
from extract.model import ExtractionError, FlattenedTable, Paragraph
from extract.pdf import TABLES_ARE_IMAGES, parse_pdf

pytestmark = pytest.mark.office

WHERE = re.compile(r"^p(\d+) \[(\d+\.\d),(\d+\.\d),(\d+\.\d),(\d+\.\d)\]$")


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    return {name: data for (name, fmt), data in render_all().items() if fmt == "pdf"}


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_pdf_cells_exact(pdfs, variant):
    sample = variant.report()
    report = extract_document(
        pdfs[variant.name], content_type="application/pdf", url="https://example.gov.cn/a/report.pdf"
    )
    assert cell_problems(sample.expected_cells(), report.cells) == []
    assert report.carrier == "pdf"
    assert report.template == sample.template
    assert report.year == sample.year
    assert report.title == sample.title
    if sample.template in ("2019", "2021"):
        core = [c for c in report.checks if c.rule in ("R1", "R2", "R3", "R4")]
        assert core and all(c.ok for c in core)
        assert {s.number for s in report.sections} >= {1, 2, 3, 4, 5, 6}


@pytest.mark.parametrize(
    "name",
    [
        "2021-plain",
        "2019-fullwidth-vertical",
        "2021-rotated",
        "2019-thousands-large",
        "2021-blank-units-large",
        "pre2019-fujian",
    ],
)
def test_pdf_grid_is_the_word_grid(pdfs, name):
    """Same rows, spans and cell texts as the Word table (after header/page-break repair)."""
    sample = BY_NAME[name].report()
    specs = [
        spec for key in ("二", "三", "四", "附表") for spec in report_tables(sample, BY_NAME[name].style).get(key, [])
    ]
    tables = tables_of(parse_pdf(pdfs[name]))
    assert [grid_signature(t.rows) for t in tables] == [spec_signature(s) for s in specs]


def test_table_over_three_pages_is_one_table(pdfs):
    """Header repeated on pages 2 and 3 dropped; the row split by the page break, the group
    label cut in two (（六 / ）其他处理) and the rowspan-22 level-1 label rejoined."""
    name = "2021-blank-units-large"
    sample = BY_NAME[name].report()
    doc = parse_pdf(pdfs[name])
    assert doc.pages == 3
    apps = [t for t in tables_of(doc) if any("申请人情况" in c.text for row in t.rows for c in row)]
    assert len(apps) == 1
    table = apps[0]
    assert table.where.startswith("p1-3 [")
    assert sum(1 for row in table.rows for c in row if squeeze(c.text) == "申请人情况") == 1
    level1 = [c for row in table.rows for c in row if squeeze(c.text) == "三、本年度办理结果"]
    assert [(c.rowspan, c.colspan) for c in level1] == [(22, 1)]
    groups = {
        squeeze(c.text): c.rowspan
        for row in table.rows
        for c in row
        if squeeze(c.text).startswith(("（三）", "（四）", "（五）", "（六）"))
    }
    assert groups == {"（三）不予公开": 8, "（四）无法提供": 3, "（五）不予处理": 5, "（六）其他处理": 3}
    labels = [squeeze(row[-8].text) for row in table.rows[3:] if len(row) >= 8]
    assert "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请" in labels
    assert len(table.rows) == 3 + 25  # header block + one physical row per canonical row
    pages = {re.match(r"p(\d+)", c.where)[1] for row in table.rows for c in row}
    assert pages == {"1", "2", "3"}
    assert cell_problems(sample.expected_cells(), extract_document(pdfs[name]).cells) == []


def test_cell_locators_are_page_and_bbox(pdfs):
    data = pdfs["2021-plain"]
    report = extract_document(data, content_type="application/pdf")
    pages_seen = set()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for cell in report.cells:
            m = WHERE.match(cell.where)
            assert m, cell.where
            page, x0, top, x1, bottom = int(m[1]), *map(float, m.groups()[1:])
            pages_seen.add(page)
            assert x0 < x1 and top < bottom
            text = pdf.pages[page - 1].within_bbox((x0 - 0.5, top - 0.5, x1 + 0.5, bottom + 0.5)).extract_text()
            assert squeeze(text) == squeeze(cell.raw), cell
    assert pages_seen == {1, 2}  # the applications table crosses the page break


def test_page_numbers_and_paragraphs(pdfs):
    sample = BY_NAME["2021-plain"].report()
    doc = parse_pdf(pdfs["2021-plain"])
    paragraphs = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert not any(re.fullmatch(r"-\s*\d+\s*-", p) for p in paragraphs)
    expected = [sample.title, sample.preamble]
    for heading, text in sample.sections:
        expected += [heading] + ([text] if text else [])
    assert paragraphs == expected
    assert doc.title == sample.title
    assert doc.meta["Author"] == sample.organ
    assert all(re.match(r"^p\d+(-\d+)? \[", b.where) for b in doc.blocks)


def test_sections_from_pdf_equal_the_text(pdfs):
    sample = BY_NAME["2019-blank"].report()
    report = extract_document(pdfs["2019-blank"])
    by_number = {s.number: s for s in report.sections}
    for n, (heading, text) in enumerate(sample.sections, start=1):
        assert by_number[n].heading == heading
        assert squeeze(by_number[n].text) == squeeze(text)


@pytest.mark.parametrize("name", ["2021-noborders", "2019-noborders"])
def test_tables_without_ruling_lines(pdfs, name):
    """Word positions give the simple tables; the applications table (vertical and group labels
    sharing lines with leaf labels) is flattened: no numbers, a warning, never a wrong cell."""
    sample = BY_NAME[name].report()
    doc = parse_pdf(pdfs[name])
    assert not any(t.spans_known for t in tables_of(doc))
    assert len([b for b in doc.blocks if isinstance(b, FlattenedTable)]) == 1
    report = extract_document(pdfs[name])
    expected = {k: v for k, v in sample.expected_cells().items() if k[0] != "applications"}
    assert cell_problems(expected, report.cells) == []
    assert any("without ruling lines" in w for w in report.warnings)


def test_flattened_text_never_yields_numbers():
    """A table whose cells run together in the text layer is recognised but not read."""
    report = extract_document(
        _text_pdf(
            [
                "二、主动公开政府信息情况",
                "信息内容 本年制发件数 本年废止件数 现行有效件数",
                "规章000",
                "行政规范性文件898989",
            ]
        )
    )
    assert report.cells == []


def test_encrypted_pdf_needs_password():
    sample = BY_NAME["2021-plain"].report()
    with pytest.raises(ExtractionError, match="encrypted PDF: a password is required"):
        parse_pdf(render_protected_pdf(sample, open_password="geheim"))
    # owner password only (copying forbidden): opens with the empty user password
    report = extract_document(render_protected_pdf(sample, open_password=None))
    assert cell_problems(sample.expected_cells(), report.cells) == []


def test_corrupt_and_truncated_pdfs(pdfs):
    data = pdfs["2021-plain"]
    with pytest.raises(ExtractionError, match="not a PDF"):
        parse_pdf(b"<html>not a pdf</html>")
    for cut in (200, len(data) // 3, len(data) - 100):
        with pytest.raises(ExtractionError, match=r"PDF"):
            parse_pdf(data[:cut])
    with pytest.raises(ExtractionError):
        extract_document(b"%PDF-1.4\n" + bytes(range(256)) * 40, content_type="application/pdf")


def test_page_limit_and_time_limit(pdfs):
    big = _repeat_pages(pdfs["2021-plain"], 30)
    doc = parse_pdf(big, max_pages=4)
    assert doc.pages == 60
    assert any("only the first 4 were read" in w for w in doc.warnings)
    huge = _repeat_pages(pdfs["2021-plain"], 600)
    with pytest.raises(ExtractionError, match="timed out after 2 s"):
        extract_document(huge, content_type="application/pdf", timeout_s=2)


def test_scanned_pdf_without_ocr_has_no_cells():
    from portalgen.render_pdf import scan_pdf

    data = scan_pdf(render_all()[("2021-plain", "pdf")], dpi=72)
    doc = parse_pdf(data, ocr=False)
    assert not tables_of(doc)
    assert [re.sub(r"59\d\.0", "595", b.where) for b in doc.blocks] == [
        "p1 [0.0,0.0,595,842.0]",
        "p2 [0.0,0.0,595,842.0]",
    ]
    assert TABLES_ARE_IMAGES in doc.warnings


# ----------------------------------------------------------------------------- helpers


def _repeat_pages(data: bytes, times: int) -> bytes:
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(data)
    out = pdfium.PdfDocument.new()
    for _ in range(times):
        out.import_pages(src)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def _text_pdf(lines: list[str]) -> bytes:
    """A PDF (printed by LibreOffice) of plain paragraphs: a table flattened into text lines."""
    from docx import Document as new_document
    from portalgen.render_pdf import convert_cached

    doc = new_document()
    for line in lines:
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return convert_cached(buf.getvalue(), "docx", "pdf")


def test_flate_bomb_page_is_refused_not_swallowed():
    """A content stream inflating to ~600 MB: the memory limit stops it with a clear reason."""
    body = zlib.compressobj(1)
    chunks = [body.compress(b" " * (1 << 20)) for _ in range(600)]
    stream = b"".join(chunks) + body.flush()
    pdf = _minimal_pdf(stream)
    with pytest.raises(ExtractionError, match="memory limit|timed out"):
        extract_document(pdf, content_type="application/pdf", max_memory_mb=300, timeout_s=60)


def _minimal_pdf(content: bytes) -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


# ----------------------------------------------------------------------------- other producers


def _drawn_pdf(ops: bytes) -> bytes:
    """A one-page PDF with Helvetica text and vector graphics written by hand (not LibreOffice)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(ops) + ops + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _text(x: float, y: float, s: str, bold_twice: bool = False) -> bytes:
    one = b"BT /F1 10 Tf %.1f %.1f Td (%s) Tj ET\n" % (x, y, s.encode())
    return one + (b"BT /F1 10 Tf %.1f %.1f Td (%s) Tj ET\n" % (x + 0.4, y, s.encode()) if bold_twice else b"")


@pytest.mark.parametrize("borders", ["filled", "stroked-cells"])
def test_tables_drawn_as_rectangles(borders):
    """Word prints borders as thin filled rectangles, WPS strokes one rectangle per cell; a
    cell spanning two columns; overprinted (fake bold) digits counted once."""
    xs, ys = [100, 200, 300, 400], [700, 680, 660]
    ops = b""
    if borders == "filled":
        for y in ys:
            ops += b"%d %d %d 0.5 re f\n" % (xs[0], y, xs[-1] - xs[0])
        for x in xs:
            top = ys[0] if x != 300 else ys[1]  # no line between B and C in the first row
            ops += b"%d %d 0.5 %d re f\n" % (x, ys[-1], top - ys[-1])
    else:
        ops += b"%d %d %d %d re S\n" % (xs[0], ys[1], 100, 20)
        ops += b"%d %d %d %d re S\n" % (xs[1], ys[1], 200, 20)
        for x0, x1 in zip(xs, xs[1:]):
            ops += b"%d %d %d %d re S\n" % (x0, ys[2], x1 - x0, 20)
    ops += _text(110, 686, "Label") + _text(230, 686, "Merged", bold_twice=True)
    ops += _text(110, 666, "Row") + _text(230, 666, "0", bold_twice=True) + _text(330, 666, "12")
    (table,) = tables_of(parse_pdf(_drawn_pdf(ops)))
    assert [[(c.text, c.rowspan, c.colspan) for c in row] for row in table.rows] == [
        [("Label", 1, 1), ("Merged", 1, 2)],
        [("Row", 1, 1), ("0", 1, 1), ("12", 1, 1)],
    ]
    m = WHERE.match(table.rows[1][1].where)
    assert m and [round(float(v)) for v in m.groups()[1:]] == [200, 162, 300, 182]


def test_diagonal_watermark_stays_out_of_cells():
    ops = b""
    for y in (700, 680, 660):
        ops += b"100 %d 200 0.5 re f\n" % y
    for x in (100, 200, 300):
        ops += b"%d 660 0.5 40 re f\n" % x
    ops += _text(110, 686, "Label") + _text(230, 686, "7") + _text(110, 666, "Row") + _text(230, 666, "15")
    ops += b"BT /F1 40 Tf 0.7071 0.7071 -0.7071 0.7071 120 600 Tm (COPY 88) Tj ET\n"
    doc = parse_pdf(_drawn_pdf(ops))
    (table,) = tables_of(doc)
    assert [[c.text for c in row] for row in table.rows] == [["Label", "7"], ["Row", "15"]]
    assert not any("88" in getattr(b, "text", "") for b in doc.blocks)

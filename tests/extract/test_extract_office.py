"""DOC / WPS (via LibreOffice) and XLS / XLSX carriers.

The DOC is the Word form saved as Word 97 by LibreOffice; the WPS file is that binary under a
``.wps`` name (how Kingsoft WPS writes it); the workbooks are laid out like the Word form with
merged ranges and borders, saved by LibreOffice (so formula cells carry cached values).
"""

from __future__ import annotations

import io
import random
import re
import zipfile

import pytest
from carrier_fixtures import BY_NAME, FORMATS, cell_problems, render_all, tables_of
from portalgen.render_xlsx import build_xlsx
from portalgen.sample import generate_report

from extract import extract_document
from extract.model import ExtractionError, Paragraph, SourceTable
from extract.office import convert, ole_kind, ole_streams, parse_doc, parse_wps, zip_kind
from extract.spreadsheet import SheetGrid, format_number, parse_xls, parse_xlsx, sheet_blocks

pytestmark = pytest.mark.office


@pytest.fixture(scope="module")
def files() -> dict[tuple[str, str], bytes]:
    return render_all()


def _params(fmt: str):
    return [pytest.param(name, id=name) for name in FORMATS[fmt]]


@pytest.mark.parametrize("name", _params("doc"))
def test_doc_cells_exact(files, name):
    sample = BY_NAME[name].report()
    data = files[(name, "doc")]
    assert ole_kind(data) == "doc"
    report = extract_document(data, content_type="application/msword", url="https://example.gov.cn/files/report.doc")
    assert cell_problems(sample.expected_cells(), report.cells) == []
    assert (report.carrier, report.template, report.year, report.title) == (
        "doc",
        sample.template,
        sample.year,
        sample.title,
    )
    assert all(re.fullmatch(r"doc t\d+/r\d+/c\d+", c.where) for c in report.cells)


@pytest.mark.parametrize("name", _params("wps"))
def test_wps_cells_exact(files, name):
    sample = BY_NAME[name].report()
    data = files[(name, "wps")]
    report = extract_document(
        data, content_type="application/octet-stream", url="https://example.gov.cn/files/年报.wps"
    )
    assert cell_problems(sample.expected_cells(), report.cells) == []
    assert report.carrier == "wps"
    assert parse_wps(data).carrier == "wps"
    assert all(c.where.startswith("wps t") for c in report.cells)


@pytest.mark.parametrize("name", _params("xlsx"))
def test_xlsx_cells_exact(files, name):
    sample = BY_NAME[name].report()
    data = files[(name, "xlsx")]
    assert zip_kind(data) == "xlsx"
    report = extract_document(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert cell_problems(sample.expected_cells(), report.cells) == []
    assert (report.carrier, report.template, report.year) == ("xlsx", sample.template, sample.year)
    assert all(re.fullmatch(r"xlsx 年度报告![A-Z]+\d+", c.where) for c in report.cells)
    assert not any("formula" in w for w in report.warnings)


@pytest.mark.parametrize("name", _params("xls"))
def test_xls_cells_exact(files, name):
    sample = BY_NAME[name].report()
    data = files[(name, "xls")]
    assert ole_kind(data) == "xls"
    report = extract_document(data, content_type="application/vnd.ms-excel")
    assert cell_problems(sample.expected_cells(), report.cells) == []
    assert (report.carrier, report.template, report.year) == ("xls", sample.template, sample.year)


def test_spreadsheet_layout(files):
    """Title and section texts are paragraphs, each table one block with its merged ranges."""
    sample = BY_NAME["2021-plain"].report()
    doc = parse_xlsx(files[("2021-plain", "xlsx")])
    paragraphs = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    expected = [sample.title, sample.preamble]
    for heading, text in sample.sections:
        expected += [heading] + ([text] if text else [])
    assert paragraphs == expected
    active, apps, review = tables_of(doc)
    assert active.rows[0][0].text == "第二十条第（一）项" and active.rows[0][0].colspan == 4
    assert [(c.text, c.rowspan, c.colspan) for c in apps.rows[5][:2]] == [
        ("三、本年度办理结果", 22, 1),
        ("（一）予以公开", 1, 2),
    ]
    assert (len(review.rows), [len(r) for r in review.rows]) == (4, [2, 7, 10, 15])
    xls = parse_xls(files[("pre2019-fujian", "xls")])
    assert [len(t.rows) for t in tables_of(xls)] == [1 + len(BY_NAME["pre2019-fujian"].report().legacy_rows)]


def test_formula_without_cached_value_is_named():
    """A workbook never recalculated (openpyxl writes formulas without values): the total
    cells are blank and a warning names them — never a guessed number."""
    sample = generate_report(random.Random(4102), "2019", style="blank_zeros")
    doc = parse_xlsx(build_xlsx(sample, "formulas"))
    (warning,) = [w for w in doc.warnings if "formula" in w]
    assert "年度报告!J" in warning
    apps = tables_of(doc)[1]
    totals = [row[-1].text for row in apps.rows[3:]]
    assert any(t == "" for t in totals)


@pytest.mark.parametrize(
    ("value", "fmt", "text"),
    [
        (3.0, "General", "3"),
        (3, None, "3"),
        (-7.0, "General", "-7"),
        (24252.311082, "General", "24252.311082"),
        (1234.0, "#,##0", "1,234"),
        (1234.5, "#,##0.00", "1,234.50"),
        (5.1, "0.00", "5.10"),
        (0.25, "0%", "25%"),
        (75394432.52, "General", "75394432.52"),
        (2.0, '0"件"', "2"),
    ],
)
def test_number_formats(value, fmt, text):
    assert format_number(value, fmt) == text


def test_sheet_blocks_caption_between_rows_and_borders():
    texts = {
        (0, 0): "标题",
        (2, 0): "信息内容",
        (2, 1): "本年处理决定数量",
        (3, 0): "第二十条第（六）项",
        (4, 0): "行政处罚",
        (4, 1): "4",
    }
    grid = SheetGrid(
        "S",
        6,
        4,
        lambda r, c: texts.get((r, c), ""),
        lambda r, c: r in (2, 4) and c < 4,
        merges=[(0, 1, 0, 4), (2, 3, 1, 4), (3, 4, 0, 4), (4, 5, 1, 4)],
    )
    blocks = sheet_blocks(grid, "xlsx")
    assert isinstance(blocks[0], Paragraph) and blocks[0].text == "标题" and blocks[0].where == "xlsx S!A1"
    (table,) = [b for b in blocks if isinstance(b, SourceTable)]
    assert [[(c.text, c.colspan) for c in row] for row in table.rows] == [
        [("信息内容", 1), ("本年处理决定数量", 3)],
        [("第二十条第（六）项", 4)],
        [("行政处罚", 1), ("4", 3)],
    ]
    assert table.where == "xlsx S!A3:D5"


def test_sniffing_helpers(files):
    doc, xls, xlsx = files[("2021-plain", "doc")], files[("pre2019-fujian", "xls")], files[("2021-plain", "xlsx")]
    assert "WordDocument" in ole_streams(doc)
    assert (ole_kind(doc), ole_kind(xls), ole_kind(xlsx), ole_kind(b"junk")) == ("doc", "xls", None, None)
    from portalgen.render_docx import render_docx

    assert (zip_kind(render_docx(BY_NAME["2021-plain"].report())), zip_kind(xlsx), zip_kind(doc)) == (
        "docx",
        "xlsx",
        None,
    )
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    assert zip_kind(odt.getvalue()) == "odt"


def test_wrong_and_broken_binaries(files):
    with pytest.raises(ExtractionError, match="holds a XLS document"):
        parse_doc(files[("pre2019-fujian", "xls")])
    with pytest.raises(ExtractionError, match="unknown format"):
        parse_doc(b"just some text, no Word file")
    broken = bytearray(files[("2021-plain", "doc")])
    broken[512:] = bytes(len(broken) - 512)  # OLE header kept, every sector zeroed
    with pytest.raises(ExtractionError):
        parse_doc(bytes(broken))
    with pytest.raises(ExtractionError, match="XLS"):
        parse_xls(files[("pre2019-fujian", "xls")][:3000])
    with pytest.raises(ExtractionError, match="XLSX"):
        parse_xlsx(files[("2021-plain", "xlsx")][:2000])
    with pytest.raises(ExtractionError, match="not an XLS"):
        parse_xls(b"PK\x03\x04 not ole")


def test_missing_converter_is_a_clear_error(files, monkeypatch):
    monkeypatch.setenv("NIANBAO_SOFFICE", "/nonexistent/soffice")
    with pytest.raises(ExtractionError, match=r"LibreOffice \(soffice\) is not installed.*make system-deps"):
        parse_doc(files[("2021-plain", "doc")])
    with pytest.raises(ExtractionError, match="LibreOffice"):
        extract_document(files[("2021-plain", "doc")], content_type="application/msword")


def test_conversion_timeout(files):
    with pytest.raises(ExtractionError, match="timed out after 0.2 s"):
        convert(files[("2021-plain", "doc")], "doc", "docx", timeout_s=0.2)

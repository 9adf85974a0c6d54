"""DOCX carrier: the Word table model (gridSpan, vMerge …) mapped to the HTML grid.

Reports are written with python-docx in the official merged layout (portalgen.render_docx);
extraction must give exactly the generated cells, and the grid must be the written grid.  Hand
written WordprocessingML covers the corners of the table model real files use.
"""

from __future__ import annotations

import io
import random
import zipfile

import pytest
from carrier_fixtures import cell_problems, grid_signature, spec_signature, tables_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from portalgen.render_docx import STYLES, render_docx, report_tables
from portalgen.sample import VALUE_STYLES, generate_report

from extract import extract_document
from extract.docx import parse_docx
from extract.model import ExtractionError, Paragraph, SourceTable

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.mark.parametrize("template", ["2019", "2021", "pre2019"])
@pytest.mark.parametrize("style", STYLES)
def test_docx_grid_is_the_written_grid(template, style):
    sample = generate_report(
        random.Random(7), template, style="blank_zeros", legacy="dingxi" if template == "pre2019" else "short"
    )
    doc = parse_docx(render_docx(sample, style))
    specs = [s for key in ("二", "三", "四", "附表") for s in report_tables(sample, style).get(key, [])]
    tables = tables_of(doc)
    assert [grid_signature(t.rows) for t in tables] == [spec_signature(s) for s in specs]
    # texts are exact (not only without whitespace): one paragraph per cell here
    assert [[c.text for c in row] for row in tables[0].rows] == [[c.text for c in row] for row in specs[0].rows]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    template=st.sampled_from(["2019", "2021"]),
    values=st.sampled_from(VALUE_STYLES + ("blank_zeros+units", "thousands+fullwidth")),
    style=st.sampled_from(STYLES),
    extras=st.lists(st.sampled_from(["inspection", "confirmation", "other_documents"]), unique=True, max_size=2),
)
def test_docx_cells_exact(seed, template, values, style, extras):
    sample = generate_report(random.Random(seed), template, style=values, extras=tuple(extras))
    report = extract_document(render_docx(sample, style), content_type=DOCX_TYPE)
    assert cell_problems(sample.expected_cells(), report.cells) == []
    assert report.carrier == "docx"
    assert (report.template, report.year, report.title) == (sample.template, sample.year, sample.title)
    core = [c for c in report.checks if c.rule in ("R1", "R2", "R3", "R4")]
    assert core and all(c.ok for c in core)


@pytest.mark.parametrize("legacy", ["short", "fujian2011", "dingxi"])
def test_docx_pre2019_statistics_table(legacy):
    sample = generate_report(random.Random(31), "pre2019", legacy=legacy)
    report = extract_document(render_docx(sample), content_type=DOCX_TYPE)
    assert report.template == "pre2019"
    assert cell_problems(sample.expected_cells(), report.cells) == []


def test_docx_locators():
    sample = generate_report(random.Random(5), "2021")
    cells = extract_document(render_docx(sample)).cell_map()
    assert cells[("active_disclosure", "regulations", "issued")].where == "docx t1/r3/c2"
    assert cells[("active_disclosure", "administrative_fees", "fee_amount")].where == "docx t1/r14/c2"
    assert cells[("applications", "new_received", "natural_person")].where == "docx t2/r4/c2"
    # rows under the level-1 and group labels: the w:tc index counts the vMerge continuations
    assert cells[("applications", "granted", "total")].where == "docx t2/r6/c9"
    assert cells[("applications", "denied_prohibited_by_law", "natural_person")].where == "docx t2/r9/c4"
    assert cells[("review_litigation", "litigation_after_review", "total")].where == "docx t3/r4/c15"


def test_docx_paragraphs_in_order_headings_alone():
    sample = generate_report(random.Random(9), "2019")
    doc = parse_docx(render_docx(sample, "split"))
    paragraphs = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    expected = [sample.title, sample.preamble]
    for heading, text in sample.sections:
        expected += [heading] + ([text] if text else [])
    assert paragraphs == expected
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds.count("SourceTable") == 5 + 1 + 2  # split style: 二 per caption, 四 in two
    assert doc.title == sample.title and doc.meta["Author"] == sample.organ
    report = extract_document(render_docx(sample, "split"))
    assert [(s.number, s.heading) for s in report.sections if s.number] == [
        (n, h) for n, (h, _) in enumerate(sample.sections, start=1)
    ]


# ----------------------------------------------------------------------------- table model


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx(body_xml: str) -> bytes:
    """A minimal DOCX whose body is ``body_xml`` (built on python-docx's default package)."""
    from docx import Document as new_document

    buf = io.BytesIO()
    new_document().save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = (
                    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                    f'<w:document xmlns:w="{W_NS}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
                    f'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
                    f"<w:body>{body_xml}</w:body></w:document>"
                ).encode()
            z.writestr(item, data)
    return out.getvalue()


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def _tc(text: str = "", props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{_p(text) if text else '<w:p/>'}</w:tc>"


RESTART = '<w:vMerge w:val="restart"/>'
CONTINUE = "<w:vMerge/>"
CONTINUE2 = '<w:vMerge w:val="continue"/>'
HRESTART = '<w:hMerge w:val="restart"/>'
HCONT = "<w:hMerge/>"


def span(n: int) -> str:
    return f'<w:gridSpan w:val="{n}"/>'


def _rows(table: SourceTable) -> list[list[tuple[str, int, int]]]:
    return [[(c.text, c.rowspan, c.colspan) for c in row] for row in table.rows]


def test_grid_span_and_vertical_merge():
    body = (
        "<w:tbl>"
        f"<w:tr>{_tc('三、本年度办理结果', RESTART)}{_tc('（三）不予公开', RESTART)}{_tc('1.属于国家秘密')}{_tc('0')}</w:tr>"
        f"<w:tr>{_tc('', CONTINUE)}{_tc('', CONTINUE2)}{_tc('2.其他法律行政法规禁止公开')}{_tc('3')}</w:tr>"
        f"<w:tr>{_tc('', CONTINUE)}{_tc('（七）总计', span(2))}{_tc('3')}</w:tr>"
        "</w:tbl>"
    )
    (table,) = tables_of(parse_docx(_docx(body)))
    assert _rows(table) == [
        [("三、本年度办理结果", 3, 1), ("（三）不予公开", 2, 1), ("1.属于国家秘密", 1, 1), ("0", 1, 1)],
        [("2.其他法律行政法规禁止公开", 1, 1), ("3", 1, 1)],
        [("（七）总计", 1, 2), ("3", 1, 1)],
    ]
    assert [[c.where for c in row] for row in table.rows][1] == ["docx t1/r2/c3", "docx t1/r2/c4"]


def test_grid_before_hmerge_and_orphan_continuation():
    body = (
        "<w:tbl>"
        f"<w:tr>{_tc('信息内容')}{_tc('本年处理决定数量', HRESTART)}{_tc('', HCONT)}{_tc('', HCONT)}</w:tr>"
        f'<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>{_tc("5", span(3))}</w:tr>'
        f"<w:tr>{_tc('', CONTINUE)}{_tc('7', span(3))}</w:tr>"
        "</w:tbl>"
    )
    (table,) = tables_of(parse_docx(_docx(body)))
    assert _rows(table) == [
        [("信息内容", 1, 1), ("本年处理决定数量", 1, 3)],
        [("5", 1, 3)],
        [("", 1, 1), ("7", 1, 3)],  # a continuation with nothing above is an empty cell
    ]


def test_cell_text_runs_breaks_revisions_hidden_and_wrappers():
    cell = (
        "<w:tc>"
        "<w:p><w:r><w:t>本年新</w:t></w:r><w:r><w:br/><w:t>制作</w:t></w:r><w:ins><w:r><w:t>数量</w:t></w:r></w:ins>"
        "<w:del><w:r><w:delText>删掉</w:delText></w:r></w:del>"
        "<w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r></w:p>"
        "<w:p/>"
        "<w:sdt><w:sdtContent><w:p><w:r><w:t>（件）</w:t></w:r></w:p></w:sdtContent></w:sdt>"
        "</w:tc>"
    )
    body = f"<w:sdt><w:sdtContent><w:tbl><w:tr>{cell}{_tc('1,234')}</w:tr><w:tr>{_tc('a')}{_tc('b')}</w:tr></w:tbl></w:sdtContent></w:sdt>"
    (table,) = tables_of(parse_docx(_docx(body)))
    assert table.rows[0][0].text == "本年新\n制作数量\n（件）"
    assert table.rows[0][1].text == "1,234"


def test_nested_tables_and_layout_frame():
    inner = f"<w:tbl><w:tr>{_tc('规章')}{_tc('0')}</w:tr><w:tr>{_tc('行政规范性文件')}{_tc('12')}</w:tr></w:tbl>"
    frame = f"<w:tbl><w:tr><w:tc>{_p('二、主动公开政府信息情况')}{inner}</w:tc></w:tr></w:tbl>"
    outer = f"<w:tbl><w:tr>{_tc('外')}<w:tc>{_p('说明')}{inner}</w:tc></w:tr><w:tr>{_tc('x')}{_tc('y')}</w:tr></w:tbl>"
    doc = parse_docx(_docx(_p("标题") + frame + outer))
    assert [type(b).__name__ for b in doc.blocks] == [
        "Paragraph",
        "Paragraph",
        "SourceTable",
        "SourceTable",
        "SourceTable",
    ]
    frame_table, outer_table, nested = tables_of(doc)
    assert doc.blocks[1].text == "二、主动公开政府信息情况"
    assert _rows(frame_table) == [[("规章", 1, 1), ("0", 1, 1)], [("行政规范性文件", 1, 1), ("12", 1, 1)]]
    assert _rows(outer_table) == [[("外", 1, 1), ("说明", 1, 1)], [("x", 1, 1), ("y", 1, 1)]]
    assert _rows(nested) == _rows(frame_table)
    assert [t.where for t in (frame_table, outer_table, nested)] == ["docx t1", "docx t2", "docx t3"]


def test_text_box_becomes_paragraph():
    box = (
        '<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>'
        + _p("政府信息公开工作年度报告")
        + "</w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>"
        + _p("政府信息公开工作年度报告")
        + "</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
    )
    doc = parse_docx(_docx(box + _p("正文")))
    assert [b.text for b in doc.blocks] == ["政府信息公开工作年度报告", "正文"]


# ----------------------------------------------------------------------------- bad input


def test_bad_docx_inputs():
    good = render_docx(generate_report(random.Random(3), "2021"))
    with pytest.raises(ExtractionError, match="not a DOCX"):
        parse_docx(b"\xd0\xcf\x11\xe0 not a zip")
    with pytest.raises(ExtractionError, match="corrupt or truncated DOCX"):
        parse_docx(good[: len(good) // 2])
    no_word = io.BytesIO()
    with zipfile.ZipFile(no_word, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(ExtractionError, match="DOCX"):
        parse_docx(no_word.getvalue())
    broken = io.BytesIO()
    src = zipfile.ZipFile(io.BytesIO(good))
    with zipfile.ZipFile(broken, "w") as z:
        for item in src.infolist():
            z.writestr(
                item, b"<w:document><unclosed>" if item.filename == "word/document.xml" else src.read(item.filename)
            )
    with pytest.raises(ExtractionError, match="DOCX"):
        parse_docx(broken.getvalue())


def test_zip_bomb_refused_before_reading():
    good = render_docx(generate_report(random.Random(3), "2021"))
    bomb = io.BytesIO()
    src = zipfile.ZipFile(io.BytesIO(good))
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            z.writestr(item, src.read(item.filename))
        z.writestr("word/media/padding.bin", b"\0" * (300 * 1024 * 1024))
    data = bomb.getvalue()
    assert len(data) < 2 * 1024 * 1024
    with pytest.raises(ExtractionError, match="zip bomb"):
        parse_docx(data)
    with pytest.raises(ExtractionError, match="zip bomb"):
        extract_document(data, content_type=DOCX_TYPE)

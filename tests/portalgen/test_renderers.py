"""Self-checks of the sample renderers, independent of the extractor.

The HTML must carry exactly the layout (same tables, rows, spans, cell texts), the layout must hold
every expected cell exactly once with its raw text, spans must add up to rectangles, the text
rendering must keep every cell, and pages must decode in their declared encoding.
"""

from __future__ import annotations

import random
from collections import Counter

import lxml.html
import pytest
from gen.expect import collapse
from gen.htmlgrid import parse_tables, squeeze
from gen.strategies import ReportSpec, markup_styles, report_specs
from hypothesis import given, settings

from portalgen.render_html import (
    ENCODINGS,
    PRESETS,
    STYLE_CHOICES,
    MarkupStyle,
    random_style,
    realistic_style,
    render_body,
    render_page,
    render_standalone_page,
)
from portalgen.render_layout import LTable, grid, layout_report
from portalgen.render_text import TEXT_STYLE, render_text
from portalgen.sample import generate_report

ALL_TEMPLATES = ("2019", "2021", "pre2019")


def _check_layout(spec: ReportSpec, style: MarkupStyle) -> None:
    report = spec.build()
    layout = layout_report(report, style)
    for table in layout.tables():
        grid(table)  # raises unless the spans add up to a rectangle
    keys = Counter(c.key for c in layout.value_cells())
    expected = report.expected_cells()
    assert set(keys) == set(expected), set(keys) ^ set(expected)
    assert max(keys.values()) == 1
    for cell in layout.value_cells():
        assert collapse(cell.text) == collapse(expected[cell.key].raw)


def _check_html(spec: ReportSpec, style: MarkupStyle) -> None:
    report = spec.build()
    layout = layout_report(report, style)
    parsed = parse_tables(render_body(report, style))
    tables = layout.tables()
    assert len(parsed) == len(tables)
    for want, got in zip(tables, parsed):
        if style.word_spacer_row:
            spacer = got.pop()
            assert all(c.text == "" for c in spacer) and len(spacer) == want.width()
        assert len(got) == len(want.rows)
        for wrow, grow in zip(want.rows, got):
            assert len(wrow) == len(grow)
            for wc, gc in zip(wrow, grow):
                assert (gc.rowspan, gc.colspan) == (wc.rowspan, wc.colspan)
                if wc.key is not None:
                    assert collapse(gc.text) == collapse(report.expected_cells()[wc.key].raw)
                else:
                    assert squeeze(gc.text) == squeeze(wc.text)
                if style.header_tag == "td":
                    assert gc.tag == "td"


@settings(max_examples=60, deadline=None)
@given(spec=report_specs(ALL_TEMPLATES), style=markup_styles())
def test_layout_holds_every_expected_cell_once(spec: ReportSpec, style: MarkupStyle) -> None:
    _check_layout(spec, style)


@settings(max_examples=60, deadline=None)
@given(spec=report_specs(ALL_TEMPLATES), style=markup_styles())
def test_html_carries_the_layout(spec: ReportSpec, style: MarkupStyle) -> None:
    _check_html(spec, style)


@pytest.mark.parametrize("name,value", [(n, v) for n, vs in STYLE_CHOICES.items() for v in vs[1:]])
def test_each_switch_alone_renders_the_layout(name: str, value: object) -> None:
    style = MarkupStyle(**{name: value}, seed=7)
    for template in ALL_TEMPLATES:
        spec = ReportSpec(
            11, template, None, "blank_zeros", ("inspection", "other_documents") if template != "pre2019" else ()
        )
        _check_layout(spec, style)
        _check_html(spec, style)


def test_official_2019_layout_matches_the_form() -> None:
    """§3.1/§3.2/§3.3 grids: 二 4 columns (uniform), 三 10 columns with rs20 / rs8 / rs3 / rs5, 四 15."""
    report = generate_report(random.Random(1), "2019")
    active, apps, review = layout_report(report, MarkupStyle()).tables()
    assert [len(r) for r in grid(active)] == [4] * len(active.rows)
    assert [c.text for c in active.rows[0]] == ["第二十条第（一）项"] and active.rows[0][0].colspan == 4
    assert [c.text for c in active.rows[1]] == ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"]
    assert len(grid(apps)[0]) == 10
    assert apps.rows[0][0].rowspan == 3 and apps.rows[0][0].colspan == 3
    level1 = next(c for row in apps.rows for c in row if c.text == "三、本年度办理结果")
    assert level1.rowspan == 20
    spans = {c.text: c.rowspan for row in apps.rows for c in row if c.text.startswith(("（三）", "（四）", "（五）"))}
    assert spans == {"（三）不予公开": 8, "（四）无法提供": 3, "（五）不予处理": 5}
    assert len(grid(review)[0]) == 15 and len(review.rows) == 4
    report21 = generate_report(random.Random(1), "2021")
    apps21 = layout_report(report21, MarkupStyle()).tables()[1]
    level1 = next(c for row in apps21.rows for c in row if c.text == "三、本年度办理结果")
    assert level1.rowspan == 22
    assert any(c.text == "（六）其他处理" and c.rowspan == 3 for row in apps21.rows for c in row)


def test_shanghai_colspans_differ_between_header_and_data_rows() -> None:
    report = generate_report(random.Random(2), "2019")
    for seed in range(20):
        active = layout_report(report, MarkupStyle(active_layout="shanghai", seed=seed)).tables()[0]
        header_spans = [c.colspan for c in active.rows[1][1:]]
        data_spans = [c.colspan for c in active.rows[2][1:]]
        assert len(grid(active)[0]) == 5 and sum(header_spans) == sum(data_spans) == 4
        if header_spans != data_spans:
            return
    raise AssertionError("20 seeds never gave differing colspans")


def test_split_layouts() -> None:
    report = generate_report(random.Random(3), "2019")
    tables = layout_report(
        report, MarkupStyle(split_active=True, split_review=True, apps_break="table_header")
    ).tables()
    assert [t.section for t in tables] == [2, 2, 2, 2, 2, 3, 3, 4, 4]
    apps1, apps2 = tables[5], tables[6]
    # the second applications table repeats the header block and the level-1 label
    assert [c.text for c in apps2.rows[0]] == [c.text for c in apps1.rows[0]]
    assert any(c.text == "三、本年度办理结果" for c in apps2.rows[3])
    assert [c.text for c in tables[7].rows[0]] == ["行政复议"] and [c.text for c in tables[8].rows[0]] == ["行政诉讼"]


def test_label_variants() -> None:
    report = generate_report(random.Random(4), "2019", year=2020)
    style = MarkupStyle(
        annotations=True,
        halfwidth_brackets=True,
        straight_quotes=True,
        synonyms=True,
        enumerator_mix=True,
        caption_space=True,
    )
    texts = {c.text for t in layout_report(report, style).tables() for row in t.rows for c in row}
    assert "规章(设区的市、自治州人民政府应提供相关数据)" in texts
    assert "上一年项目数量(指2019年事项数)" in texts
    assert (
        "本年增减(指2020年增加或减少的事项数,减用负值表示,如-8)" in texts
        or "本年增减(指2020年增加或减少的事项数，减用负值表示，如-8)" in texts
    )
    assert '3、危及"三安全一稳定"' in texts and "1.本机关不掌握相关政府信息" in texts
    assert "(七)合计" in texts and "合计" in texts and "其它" in texts
    assert "第二十条 第(一)项" in texts
    truncated = layout_report(report, MarkupStyle(truncated_headers=True)).tables()[0]
    assert [c.text for c in truncated.rows[1]][:3] == ["信息内容", "本年新", "本年新"]


def test_unmerged_label_areas() -> None:
    report = generate_report(random.Random(5), "2019")
    rows = lambda style: layout_report(report, style).tables()[1].rows
    glued = {c.text for row in rows(MarkupStyle(group_labels="glued")) for c in row}
    assert "（三）不予公开1.属于国家秘密" in glued and "（五）不予处理5.要求行政机关确认或重新出具已获取信息" in glued
    repeated = [c.text for row in rows(MarkupStyle(group_labels="repeated", level1_label="repeated")) for c in row]
    assert repeated.count("（三）不予公开") == 8 and repeated.count("三、本年度办理结果") == 20
    blank = rows(MarkupStyle(group_labels="blank", level1_label="blank"))
    assert [c.text for c in blank[8][:3]] == ["", "", "2.其他法律行政法规禁止公开"]
    missing = {c.text for row in rows(MarkupStyle(group_labels="missing")) for c in row}
    assert "（三）不予公开" not in missing and "1.属于国家秘密" in missing


def test_text_rendering_keeps_every_cell_in_the_xiyan_shape() -> None:
    report = generate_report(random.Random(6), "2019", style="blank_zeros")
    text = render_text(report)
    assert text.startswith("\n\n" + report.title + "\n")
    tables = layout_report(report, TEXT_STYLE).tables()
    # re-read: a cell starts with a tab, untabbed lines right after continue it, a blank line ends a row
    rows: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line.startswith("\t"):
            current.append(line[1:])
        elif line and current:
            current[-1] += line
        elif current:
            rows.append(current)
            current = []
    want: list[list[str]] = []
    for table in tables:
        full = grid(table)
        owner = {id(c): r for r, row in enumerate(table.rows) for c in row}
        for r, line in enumerate(full):
            seen, out = set(), []
            for c in line:
                if id(c) not in seen:
                    seen.add(id(c))
                    out.append(c.text if owner[id(c)] == r else "")
            want.append(out)
    assert [[collapse(c) for c in row] for row in rows] == [[collapse(c) for c in row] for row in want]
    # placeholders for the merged caption and level-1 cells, a label broken over lines
    assert "\n\t\n\t自然人\n" in text and "\t本年新\n制作数量\n" in text


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("decl", STYLE_CHOICES["charset_decl"])
def test_pages_decode_in_their_declared_encoding(encoding: str, decl: str) -> None:
    report = generate_report(random.Random(7), "2021", style="blank_zeros")
    style = MarkupStyle(charset_decl=decl, cell_markup="trs", blank_markup="nbsp", straight_quotes=False)
    page = render_page(report, style, encoding)
    assert page.data == render_standalone_page(report, style, encoding)
    label = {"utf-8": "UTF-8", "gbk": "GBK", "gb2312": "GB2312", "gb18030": "GB18030"}[encoding]
    head = page.data[:400].decode("ascii", errors="replace")
    assert (f'charset="{label}"' in head) == (decl in ("meta", "both"))
    assert (f'charset={label}"' in head) == (decl == "http_equiv")
    assert page.content_type == (f"text/html; charset={label}" if decl in ("header", "both") else "text/html")
    text = page.data.decode(encoding)
    assert b"\xc2\xa0" not in page.data or encoding == "utf-8"
    doc = lxml.html.fromstring(text)
    assert doc.findtext(".//title").startswith(report.title + "_")
    assert doc.xpath("string(//meta[@name='ArticleTitle']/@content)") == report.title
    assert doc.xpath("string(//meta[@name='ContentSource']/@content)") == report.organ
    assert report.organ in doc.xpath("string(//div[@class='xxgk-info'])")
    assert report.published.isoformat() in doc.xpath("string(//meta[@name='PubDate']/@content)")


@pytest.mark.parametrize(
    "container,selector",
    [
        ("trs_editor", "//div[@class='TRS_Editor']"),
        ("trs_ueditor", "//div[contains(@class,'TRS_UEDITOR')]"),
        ("article_content", "//div[contains(@class,'article_content')]/div[@class='TRS_Editor']"),
        ("zoom", "//div[@id='zoom']"),
        ("zjeg_rss", "//div[@id='zoom']"),
        ("v_news_content", "//div[@id='vsb_content']/div[@class='v_news_content']"),
        ("detail_content", "//div[@id='detailContent']"),
    ],
)
def test_body_sits_in_the_container(container: str, selector: str) -> None:
    report = generate_report(random.Random(8), "2019")
    style = MarkupStyle(container=container)
    data = render_standalone_page(report, style)
    doc = lxml.html.fromstring(data.decode("utf-8"))
    (box,) = doc.xpath(selector)
    body_tables = parse_tables(render_body(report, style))
    inner = parse_tables(lxml.html.tostring(box, encoding="unicode"))
    assert inner == body_tables
    if container == "zjeg_rss":  # Hanweb: the body sits in a layout table cell
        assert box.xpath("ancestor::td[@class='bt_content']")
        assert "<!--ZJEG_RSS.content.begin-->" in data.decode() and "<!--ZJEG_RSS.content.end-->" in data.decode()


def test_random_and_realistic_styles_are_valid_and_deterministic() -> None:
    styles = [random_style(random.Random(i)) for i in range(50)] + [
        realistic_style(random.Random(i)) for i in range(50)
    ]
    assert styles == [random_style(random.Random(i)) for i in range(50)] + [
        realistic_style(random.Random(i)) for i in range(50)
    ]
    assert len(set(styles)) > 90
    assert set(PRESETS) >= {"trs_ueditor", "word_pasted", "shanghai", "hubei_hanweb"}
    report = generate_report(random.Random(9), "2021")
    assert render_body(report, styles[0]) == render_body(report, styles[0])
    with pytest.raises(ValueError, match="cell_markup"):
        MarkupStyle(cell_markup="fancy")
    with pytest.raises(ValueError, match="unsupported encoding"):
        render_page(report, MarkupStyle(), "big5")


def test_review_layouts_subtotal_and_caption_paragraphs() -> None:
    report = generate_report(random.Random(10), "2019")
    blocks = layout_report(
        report, MarkupStyle(review_layout="rows", apps_subtotal=True, active_captions="paragraph")
    ).blocks
    captions = [b.text for b in blocks if not isinstance(b, LTable) and b.kind == "caption"]
    assert captions == [
        "第二十条第（一）项",
        "第二十条第（五）项",
        "第二十条第（六）项",
        "第二十条第（八）项",
        "第二十条第（九）项",
    ]
    tables = [b for b in blocks if isinstance(b, LTable)]
    review = tables[-1]
    assert [c.text for c in review.rows[0]] == ["", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert [c.text for c in review.rows[2][:2]] == ["行政诉讼", "未经复议直接起诉"] and len(grid(review)[0]) == 7
    apps = tables[-2]
    assert "小计" in [c.text for c in apps.rows[2]] and len(grid(apps)[0]) == 11
    row = apps.rows[3]  # 一、本年新收…: 自然人, five organisations, 小计, 总计
    orgs = [
        report.cells[("applications", "new_received", k)].value or 0
        for k in (
            "commercial_enterprise",
            "research_institution",
            "social_welfare_org",
            "legal_service_org",
            "other_org",
        )
    ]
    assert (
        row[7].key is None and row[7].text == str(sum(orgs)) and row[8].key == ("applications", "new_received", "total")
    )
    two = layout_report(report, MarkupStyle(review_layout="two_row")).tables()[-1]
    assert [c.text for c in two.rows[0]] == ["行政复议", "未经复议直接起诉", "复议后起诉"] and len(two.rows) == 3


def test_dingxi_statistics_table_has_a_code_column() -> None:
    report = generate_report(random.Random(11), "pre2019", legacy="dingxi")
    (table,) = layout_report(report, MarkupStyle()).tables()
    assert [c.text for c in table.rows[0]] == ["指标名称", "计量单位", "代码", "本期实际", "本年累计"]
    assert [c.text for c in table.rows[1][:3]] == ["主动公开信息数", "条", "01"]


def test_gbk_bytes_declared_gb2312_with_gbk_only_characters() -> None:
    report = generate_report(random.Random(12), "2021")
    page = render_page(report, MarkupStyle(gb_label="gb2312", rare_chars=True), "gbk")
    assert b'charset="GB2312"' in page.data
    with pytest.raises(UnicodeDecodeError):
        page.data.decode("gb2312")
    assert "王喆、刘堃" in page.data.decode("gb18030")


def test_realistic_corpus_is_deterministic_and_mixed() -> None:
    from gen.corpus import realistic_corpus

    docs = list(realistic_corpus(40, seed=3))
    again = list(realistic_corpus(40, seed=3))
    assert [d.data for d in docs] == [d.data for d in again]
    kinds = {d.content_type.split(";")[0] for d in docs}
    assert kinds == {"text/html", "text/plain"}
    assert {d.report.template for d in docs} >= {"2019", "2021"}
    assert any(b'charset="GB' in d.data[:300] or "GB" in d.content_type for d in docs)

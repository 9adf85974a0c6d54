"""R9: the figures a report's prose quotes (extract.quoted) against its own tables (extract.checks)."""

from __future__ import annotations

import random

import pytest
from portalgen.render_html import MarkupStyle, render_page
from portalgen.sample import generate_report, set_value, value_of

from extract import extract_document
from extract.checks import text_checks
from extract.model import Cell, Section
from extract.quoted import Quote, quoted_figures


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("全年共受理政府信息公开申请2件，均已按时答复。", [("received", 2)]),
        ("2023年，本机关共收到政府信息公开申请十二件。", [("received", 12)]),
        ("全年新收申请 7 件，办结申请9件。", [("received", 7), ("handled", 9)]),
        ("因政府信息公开引起行政复议0件，行政诉讼1件。", [("administrative_review", 0), ("litigation", 1)]),
        ("发生行政复议和行政诉讼共3起。", [("review_litigation", 3)]),
        ("全年主动公开政府信息145条。", [("active_published", 145)]),
        # not this year's count: comparisons, carried-over counts, years and dates
        ("受理申请比上年增加2件。", []),
        ("上年结转申请3件。", []),
        ("2023年1月31日前发布。本报告所列数据统计期限为2023年1月1日至2023年12月31日。", []),
        ("行政复议工作稳步推进，行政诉讼案件应诉率100%。", []),
    ],
)
def test_quoted_figures(text, expected):
    assert [(q.kind, q.value) for q in quoted_figures(text)] == expected


def test_the_sentence_is_shown_as_printed():
    (quote,) = quoted_figures("一年来，全年共受理政府信息公开申请2件（其中网上申请1件），均已按时答复。下一句。")
    assert quote == Quote("received", 2, "一年来，全年共受理政府信息公开申请2件（其中网上申请1件），均已按时答复")


def _cells(**values) -> list[Cell]:
    rows = {
        "new_received": ("applications", "new_received", "total"),
        "carried_over": ("applications", "carried_over", "total"),
        "handled": ("applications", "total", "total"),
        "review": ("review_litigation", "administrative_review", "total"),
        "direct": ("review_litigation", "litigation_direct", "total"),
        "after": ("review_litigation", "litigation_after_review", "total"),
    }
    return [Cell(*rows[k], v, str(v), None, k, "") for k, v in values.items()]


def _checks(text: str, cells: list[Cell], template: str = "2021", number: int = 1):
    return text_checks([Section(number, "一、总体情况", text)], cells, template)


def test_text_against_tables():
    cells = _cells(new_received=0, carried_over=0, handled=0, review=1, direct=0, after=2)
    (r9,) = _checks("全年共受理政府信息公开申请2件。", cells)
    assert (r9.rule, r9.column, r9.ok, r9.expected, r9.actual, r9.table) == (
        "R9",
        "received",
        False,
        0,
        2,
        "applications",
    )
    assert r9.detail == "正文“全年共受理政府信息公开申请2件”称收到（受理）申请数为2，而表三本年新收申请（总计）为0"
    review, litigation = _checks("行政复议1件，行政诉讼2件。", cells)
    assert (review.ok, review.expected, litigation.ok, litigation.expected) == (True, 1, True, 2)
    assert litigation.detail.endswith("与表四行政诉讼（未经复议直接起诉与复议后起诉之和）一致")


def test_received_may_include_the_carried_over_applications():
    cells = _cells(new_received=5, carried_over=2, handled=7)
    assert [c.ok for c in _checks("共受理申请7件。", cells)] == [True]
    assert [c.ok for c in _checks("共受理申请5件。", cells)] == [True]
    assert [(c.ok, c.expected) for c in _checks("共受理申请6件。", cells)] == [(False, 5)]


def test_only_the_preamble_and_section_one_of_the_national_templates_are_read():
    cells = _cells(new_received=0, carried_over=0, handled=0)
    assert _checks("共受理申请2件。", cells, number=3) == []
    assert len(_checks("共受理申请2件。", cells, number=0)) == 1


def test_a_missing_cell_makes_the_figure_not_checkable_and_no_table_no_check():
    (r9,) = _checks("共受理申请2件。", _cells(handled=3))
    assert r9.ok is None and r9.detail.startswith("不可校验：") and "表三缺少本年新收" in r9.detail
    assert _checks("共受理申请2件。", []) == []
    assert _checks("行政复议1件。", _cells(new_received=1)) == []  # no table 四: the figure is not checked


def test_pre2019_reports_are_checked_against_the_statistics_table():
    cells = [Cell("legacy_indicators", "受理依申请公开信息总数", "value", 4, "4", "条", "受理依申请公开信息总数", "")]
    sections = [Section(3, "三、依申请公开政府信息情况", "2017年共受理政府信息公开申请4件。")]
    (r9,) = text_checks(sections, cells, "pre2019")
    assert (r9.ok, r9.expected, r9.actual, r9.table) == (True, 4, 4, "legacy_indicators")


def test_extraction_stores_r9_for_a_rendered_report():
    """A generated report whose text quotes 2 applications while its table says 0: R9 fails."""
    report = generate_report(random.Random(3), template="2021", year=2023, level="town", organ="蒋坊乡人民政府")
    for key in [k for k in report.cells if k[0] == "applications"]:
        set_value(report, key, 0)
    report.sections = [
        (h, t + "全年共受理政府信息公开申请2件。" if h.startswith("一、") else t) for h, t in report.sections
    ]
    page = render_page(report, MarkupStyle())
    result = extract_document(page.data, content_type=page.content_type, url="http://example.gov.cn/t1.html")
    r9 = [c for c in result.checks if c.rule == "R9"]
    assert [(c.column, c.ok, c.expected, c.actual) for c in r9] == [("received", False, 0, 2)]
    assert value_of(report, ("applications", "new_received", "total")) == 0
    consistent = [c for c in result.checks if c.rule in ("R1", "R2", "R3", "R4")]
    assert consistent and all(c.ok for c in consistent)

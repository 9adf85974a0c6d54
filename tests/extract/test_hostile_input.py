"""Hostile and broken documents (issue 12): no invented number, no crash, no silent loss, budgets."""

from __future__ import annotations

import io
import random
import time

import pytest
from portalgen.render_html import MarkupStyle, render_page
from portalgen.sample import generate_report

from extract import ExtractionError, extract_document, parse_document
from extract.html import MAX_DEPTH, parse_html
from extract.limits import MAX_TABLE_CELLS, budget_for, last_usage, run_limited
from extract.pdf_text import TextLine
from extract.pdf_words import _regions
from extract.values import parse_value


def _page(seed: int = 1) -> tuple[bytes, dict]:
    report = generate_report(random.Random(seed), "2021")
    page = render_page(report, MarkupStyle())
    return page.data, report.expected_cells()


def _table_page(cells: list[tuple[str, str]]) -> bytes:
    """A page with section 四's table where the given (row label, value) cells replace rows."""
    rows = "".join(f"<tr><td>{label}</td><td>{value}</td></tr>" for label, value in cells)
    return f"<html><body><div id='zoom'><table>{rows}</table></div></body></html>".encode()


# ----------------------------------------------------------------------------- values


@pytest.mark.parametrize("raw", ["418 1509", "1 2 3", "12\u30003", "１２ ３", "12\n9", "418\u00a01509"])
def test_two_numbers_in_one_cell_are_no_number(raw):
    parsed = parse_value(raw)
    assert parsed.value is None and parsed.kind == "text"


@pytest.mark.parametrize("raw", ["9" * 5000, "1" * 23, "1" * 16, "0." + "3" * 40, "12" * 3000])
def test_absurd_values_are_text_and_never_raise(raw):
    parsed = parse_value(raw)
    assert parsed.value is None and parsed.kind == "text"


@pytest.mark.parametrize(
    ("raw", "value", "unit"),
    [("12 件", 12, "件"), ("增 15", 15, None), ("1,234", 1234, None), ("999999999999999", 999999999999999, None),
     ("0 (件)", 0, "件"), ("１２３", 123, None), ("1\u200b2", 12, None), ("12.5%", 12.5, "%")],
)  # fmt: skip
def test_numbers_with_space_around_them_still_read(raw, value, unit):
    parsed = parse_value(raw)
    assert (parsed.value, parsed.unit, parsed.kind) == (value, unit, "number")


def test_a_cell_with_two_numbers_is_a_warning_and_no_value_in_a_report():
    data, expected = _page()
    key = next(k for k, c in expected.items() if c.value)
    raw = expected[key].raw
    assert data.count(f">{raw}<".encode()) >= 1
    hostile = data.replace(f">{raw}<".encode(), b">418 1509<", 1)
    report = extract_document(hostile, content_type="text/html; charset=utf-8")
    assert all(c.value != 4181509 for c in report.cells)
    assert any("is not a number: '418 1509'" in w for w in report.warnings)


@pytest.mark.parametrize("digits", [23, 5000])
def test_a_huge_number_is_a_warning_on_its_cell(digits):
    data, expected = _page()
    key = next(k for k, c in expected.items() if c.value)
    hostile = data.replace(f">{expected[key].raw}<".encode(), b">" + b"1" * digits + b"<", 1)
    report = extract_document(hostile, content_type="text/html; charset=utf-8")
    assert len(report.cells) == len(expected)
    assert any("is not a number" in w and "1111" in w for w in report.warnings)


# ----------------------------------------------------------------------------- structure


@pytest.mark.parametrize(("tag", "depth"), [("div", 255), ("font", 255), ("span", 1000), ("div", 3000)])
def test_deep_nesting_before_the_table_is_read(tag, depth):
    data, expected = _page()
    at = data.index(b"<body>") + len(b"<body>")
    deep = data[:at] + f"<{tag}>".encode() * depth + data[at:]
    report = extract_document(deep, content_type="text/html; charset=utf-8")
    assert {c.key() for c in report.cells} == set(expected)
    assert any("wrapper tags were flattened" in w for w in report.warnings)


def test_nesting_that_cannot_be_read_is_refused_clearly():
    with pytest.raises(ExtractionError, match="nested .* levels deep"):
        parse_html(b"<html><body>" + b"<table><tr><td>" * 3000 + b"</body></html>")


def test_shallow_pages_are_not_touched():
    data, _ = _page()
    assert not any("nested" in w for w in parse_html(data).warnings)
    assert MAX_DEPTH >= 100


def test_absurd_spans_do_not_blow_up():
    cells = "".join(f'<td rowspan="{v}" colspan="{v}">1</td>' for v in ("99999999999999999999", "9" * 5000, "-1", "0"))
    doc = parse_document(f"<html><body><table><tr>{cells}</tr><tr><td>2</td></tr></table></body></html>".encode())
    assert doc.blocks  # read, spans clamped


def test_a_table_too_large_for_a_report_is_dropped_with_a_warning():
    data = b"<html><body><table><tr>" + b"<td>1</td>" * (MAX_TABLE_CELLS + 1) + b"</tr></table></body></html>"
    report = extract_document(data, content_type="text/html")
    assert report.cells == [] and any(f"has {MAX_TABLE_CELLS + 1} cells" in w for w in report.warnings)


# ----------------------------------------------------------------------------- budgets


def test_budgets_scale_with_the_size_and_refuse_what_no_report_is():
    small, large = budget_for("pdf", 100_000), budget_for("pdf", 1_000_000)
    assert small.cpu_s < 15 < large.cpu_s <= 120 and large.wall_s == 3 * large.cpu_s
    assert budget_for("pdf", 50_000_000).wall_s == 300
    started = time.monotonic()
    with pytest.raises(ExtractionError, match="larger than any report"):
        extract_document(b"\xe6\x8a\xa5 1\t2\n" * 6_000_000, content_type="text/plain")
    with pytest.raises(ExtractionError, match="larger than any report"):
        extract_document(b"<table><tr>" + b"<td>1</td>" * 5_000_000, content_type="text/html")
    assert time.monotonic() - started < 30  # refused from the size alone (generous: a loaded machine)


def test_large_html_is_parsed_in_a_limited_child_small_html_in_the_caller():
    data, _ = _page()
    before = last_usage()
    extract_document(data, content_type="text/html; charset=utf-8")
    assert last_usage() is before
    padded = data.replace(b"</body>", b"<!--" + b"x" * 700_000 + b"--></body>")
    report = extract_document(padded, content_type="text/html; charset=utf-8")
    assert last_usage() is not before and report.cells


def test_a_million_row_workbook_is_refused_at_once():
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    for i in range(300_000):
        sheet.append([i, i])
    buf = io.BytesIO()
    book.save(buf)
    with pytest.raises(ExtractionError, match="XLSX worksheets hold .* MB of cells"):
        extract_document(buf.getvalue())


def _line(top: float, text: str) -> TextLine:
    return TextLine(x0=0, top=top, x1=100, bottom=top + 10, size=10, text=text)


def _regions_of(tops_texts, seg_counts):
    lines = [_line(t, s) for t, s in tops_texts]
    segs = [[_line(t, s)] * n for (t, s), n in zip(tops_texts, seg_counts)]
    return _regions(lines, segs)


def test_word_table_search_ends_after_a_caption_step_back():
    """A caption line above a two-cell line that is no table: the search moved back one line and
    tried it again forever (a damaged PDF ran to the 120 s timeout)."""
    found = run_limited(_regions_of, [(0, "表一"), (12, "甲 乙"), (200, "正文")], [1, 2, 1], timeout_s=20)
    assert found == []

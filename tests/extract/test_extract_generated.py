"""Extraction of generated reports: hundreds of random reports × markup styles per run.

Every report comes from :func:`portalgen.sample.generate_report` (R1–R4 hold), is rendered by
:mod:`portalgen.render_html` / :mod:`portalgen.render_text` and read back with
:func:`extract.extract_document`.  Extraction must return exactly
:meth:`SampleReport.expected_cells` (keys, ``value``, ``unit``, ``raw`` with whitespace
collapsed), the right template, year, organ and title, passing R1–R4 checks, and — when one value
is changed — failing exactly the checks that value breaks.

Deterministic tests switch one style at a time, so a failure names the style.
"""

from __future__ import annotations

import random

import pytest
from gen.expect import cell_mismatches, checked_rules, failing_checks, perturb
from gen.strategies import ReportSpec, markup_styles, report_specs
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from portalgen.render_html import ENCODINGS, STYLE_CHOICES, MarkupStyle, render_page
from portalgen.render_text import TEXT_STYLE, render_text
from portalgen.sample import LEGACY_TABLES, TITLE_FORMS, VALUE_STYLES, Key, SampleReport, generate_report

from extract import extract_document
from extract.model import Report

RULES = ("R1", "R2", "R3", "R4")

# Variants the extractor does not read yet would be listed here and left out of the draws below;
# every variant is currently in.
PENDING_SWITCHES: dict[str, tuple] = {}
PENDING_TEXT_SWITCHES: dict[str, tuple] = {}
PENDING_TITLES: tuple[str, ...] = ()
PENDING_PRE2019_VALUES: tuple[str, ...] = ()
PENDING_ROWS_SHAPE_VALUES: tuple[str, ...] = ()
PENDING_ROWS_SHAPE_SWITCHES: dict[str, tuple] = {}


def pending(spec: ReportSpec, style: MarkupStyle, shape: str | None = None) -> bool:
    """Combinations the extractor does not read yet (``shape``: the text shape, None for HTML)."""
    # a truncated 本年新 header loses the Hubei extra row's columns when the caption is a paragraph
    # (HTML and text) or in a one-line-per-row text copy
    captions_outside = style.active_captions == "paragraph" or shape == "rows"
    return style.truncated_headers and captions_outside and "other_documents" in spec.extras


def fast(examples: int) -> settings:
    """``examples`` variants, no per-example deadline (the first extraction imports a lot)."""
    return settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ----------------------------------------------------------------------------- helpers


def extract_page(report: SampleReport, style: MarkupStyle, encoding: str = "utf-8") -> Report:
    page = render_page(report, style, encoding)
    return extract_document(
        page.data, content_type=page.content_type, url="http://www.example-county.gov.cn/zfxxgknb/t1.html"
    )


def extract_text(
    report: SampleReport, style: MarkupStyle | None = None, encoding: str = "utf-8", shape: str = "lines"
) -> Report:
    data = render_text(report, style, shape).encode(encoding)
    return extract_document(data, content_type=f"text/plain; charset={encoding}", url="file:///reports/t1.txt")


def assert_report(result: Report, report: SampleReport, context: object = "") -> None:
    """Exact cells, metadata and passing R1–R4 checks for a consistent ``report``."""
    problems = cell_mismatches(report.expected_cells(), result.cells)
    assert not problems, f"{context}\n{len(problems)} cell problems:\n" + "\n".join(problems[:40])
    assert (result.template, result.year) == (report.template, report.year), context
    assert result.title == report.title, context
    assert result.organ == report.organ, context
    failed = [c for c in result.checks if c.rule in RULES and not c.ok]
    assert not failed, f"{context}\nfailing checks on a consistent report: {failed[:10]}"
    assert {c.rule for c in result.checks if c.rule in RULES} == checked_rules(report), context


def assert_extra_rows_named(result: Report, report: SampleReport) -> None:
    for extra in report.extra_rows:
        name = extra.key.removeprefix("extra:")
        assert any(name in w for w in result.warnings), f"no warning names {name}: {result.warnings}"


# ----------------------------------------------------------------------------- random variants


@fast(250)
@given(
    spec=report_specs(("2019", "2021"), exclude_titles=PENDING_TITLES),
    style=markup_styles(PENDING_SWITCHES),
    encoding=st.sampled_from(ENCODINGS),
)
def test_random_reports_and_styles_extract_exactly(spec: ReportSpec, style: MarkupStyle, encoding: str) -> None:
    assume(not pending(spec, style))
    report = spec.build()
    result = extract_page(report, style, encoding)
    assert_report(result, report, (spec, style.switches(), encoding))
    assert result.published == report.published.isoformat()
    assert_extra_rows_named(result, report)
    if style.rare_chars:  # GBK-only characters survive a GB2312 declaration
        assert any("王喆、刘堃" in s.text for s in result.sections), result.sections
    if style.attachment_link:
        assert [a.url for a in result.attachments] == [
            f"http://www.example-county.gov.cn/zfxxgknb/P020250110{report.year}.pdf"
        ]


@fast(60)
@given(
    spec=report_specs(("pre2019",), exclude_titles=PENDING_TITLES, exclude_pre2019_values=PENDING_PRE2019_VALUES),
    style=markup_styles(PENDING_SWITCHES),
    encoding=st.sampled_from(ENCODINGS),
)
def test_pre2019_statistics_tables_extract_exactly(spec: ReportSpec, style: MarkupStyle, encoding: str) -> None:
    report = spec.build()
    result = extract_page(report, style, encoding)
    assert_report(result, report, (spec, style.switches(), encoding))


@fast(80)
@given(
    spec=report_specs(("2019", "2021", "pre2019"), (), PENDING_TITLES, PENDING_PRE2019_VALUES),
    style=markup_styles({**PENDING_SWITCHES, **PENDING_TEXT_SWITCHES}, cell_markup="plain", label_breaks="br"),
    encoding=st.sampled_from(("utf-8", "gb18030")),
)
def test_text_copies_extract_exactly(spec: ReportSpec, style: MarkupStyle, encoding: str) -> None:
    assume(not pending(spec, style, "lines"))
    report = spec.build()
    result = extract_text(report, style, encoding)
    assert_report(result, report, (spec, style.switches(), encoding))


@fast(60)
@given(
    spec=report_specs(("2019", "2021", "pre2019"), PENDING_ROWS_SHAPE_VALUES, PENDING_TITLES, PENDING_PRE2019_VALUES),
    style=markup_styles(
        {**PENDING_SWITCHES, **PENDING_TEXT_SWITCHES, **PENDING_ROWS_SHAPE_SWITCHES},
        cell_markup="plain",
        label_breaks="none",
    ),
)
def test_text_copies_one_line_per_row(spec: ReportSpec, style: MarkupStyle) -> None:
    assume(not pending(spec, style, "rows"))
    report = spec.build()
    result = extract_text(report, style, "utf-8", shape="rows")
    assert_report(result, report, (spec, style.switches()))


# keys whose change breaks R1–R4 in different combinations (and one that breaks none)
PERTURBABLE = (
    ("applications", "new_received", "natural_person"),
    ("applications", "carried_over", "commercial_enterprise"),
    ("applications", "granted", "natural_person"),
    ("applications", "denied_third_party", "other_org"),
    ("applications", "not_processed_repeated", "total"),
    ("applications", "total", "total"),
    ("applications", "total", "research_institution"),
    ("applications", "carried_forward", "legal_service_org"),
    ("review_litigation", "administrative_review", "total"),
    ("review_litigation", "litigation_direct", "pending"),
    ("review_litigation", "litigation_after_review", "upheld"),
    ("active_disclosure", "administrative_penalty", "decisions"),
)


@fast(100)
@given(
    spec=report_specs(("2019", "2021"), exclude_titles=PENDING_TITLES),
    style=markup_styles(PENDING_SWITCHES),
    key=st.sampled_from(PERTURBABLE),
    delta=st.integers(1, 50),
)
def test_inconsistent_variants_fail_exactly_the_broken_checks(
    spec: ReportSpec, style: MarkupStyle, key: Key, delta: int
) -> None:
    assume(not pending(spec, style))
    report = spec.build()
    perturb(report, key, delta)
    expected = failing_checks(report)
    if key[0] != "active_disclosure":
        assert expected, "a changed table value must break a rule"
    result = extract_page(report, style)
    assert not cell_mismatches(report.expected_cells(), result.cells), (spec, style.switches())
    failed = {(c.rule, c.column) for c in result.checks if c.rule in RULES and not c.ok}
    assert failed == expected, (spec, style.switches(), key, delta)


# ----------------------------------------------------------------------------- one switch at a time

SWITCHES = [
    (name, value)
    for name, values in STYLE_CHOICES.items()
    for value in values[1:]
    if value not in PENDING_SWITCHES.get(name, ())
]
REPORTS = {
    "2019": lambda: generate_report(
        random.Random(101), "2019", year=2020, level="town", extras=("inspection", "other_documents")
    ),
    "2021": lambda: generate_report(
        random.Random(102), "2021", year=2023, level="department", extras=("confirmation",)
    ),
    "2019-in-2022": lambda: generate_report(random.Random(103), "2019", year=2022, level="county"),
    "pre2019": lambda: generate_report(random.Random(104), "pre2019", year=2011, legacy="fujian2011"),
}


@pytest.mark.parametrize("which", sorted(REPORTS))
def test_plain_default_style(which: str) -> None:
    report = REPORTS[which]()
    assert_report(extract_page(report, MarkupStyle()), report, which)


@pytest.mark.parametrize("which", sorted(REPORTS))
@pytest.mark.parametrize("name,value", SWITCHES, ids=[f"{n}={v}" for n, v in SWITCHES])
def test_single_switch(name: str, value: object, which: str) -> None:
    report = REPORTS[which]()
    for seed in (1, 2):
        style = MarkupStyle(**{name: value}, seed=seed)
        result = extract_page(report, style)
        assert_report(result, report, f"{name}={value} seed={seed} on {which}")
        assert_extra_rows_named(result, report)


@pytest.mark.parametrize("values", VALUE_STYLES + ("blank_zeros+units", "fullwidth+thousands+units"))
@pytest.mark.parametrize("template", ("2019", "2021"))
def test_value_styles(values: str, template: str) -> None:
    for seed in range(3):
        report = generate_report(random.Random(200 + seed), template, style=values)
        assert_report(extract_page(report, MarkupStyle(seed=seed)), report, f"{values} seed={seed}")
        assert_report(
            extract_page(report, MarkupStyle(blank_markup="nbsp", value_padding="nbsp", seed=seed)), report, values
        )


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("decl", STYLE_CHOICES["charset_decl"])
def test_encodings_and_charset_declarations(encoding: str, decl: str) -> None:
    report = generate_report(random.Random(300), "2021", level="town", style="blank_zeros")
    result = extract_page(report, MarkupStyle(charset_decl=decl, cell_markup="trs"), encoding)
    assert_report(result, report, (encoding, decl))


@pytest.mark.parametrize("legacy", sorted(LEGACY_TABLES))
def test_pre2019_tables(legacy: str) -> None:
    report = generate_report(random.Random(400), "pre2019", legacy=legacy, style="thousands")
    for style in (MarkupStyle(), MarkupStyle(cell_markup="word", label_breaks="p", legacy_placement="section")):
        result = extract_page(report, style)
        assert_report(result, report, (legacy, style.switches()))
        assert {c.table for c in result.cells} == {"legacy_indicators"}


def test_prose_only_report_has_no_cells() -> None:
    report = generate_report(random.Random(500), "none", year=2016)
    result = extract_page(report, MarkupStyle(cell_markup="trs"))
    assert (result.template, result.year, result.title, result.organ) == ("none", 2016, report.title, report.organ)
    assert result.cells == [] and [c for c in result.checks if c.rule in RULES] == []


@pytest.mark.parametrize("template", ("2019", "2021", "pre2019"))
def test_text_copy_in_the_xiyan_shape(template: str) -> None:
    report = generate_report(random.Random(600), template, style="blank_zeros" if template != "pre2019" else "plain")
    assert_report(extract_text(report), report, template)
    assert_report(extract_text(report, TEXT_STYLE, "gb18030"), report, template)


@pytest.mark.parametrize("form", [f for f in TITLE_FORMS if f not in PENDING_TITLES])
@pytest.mark.parametrize("level", ("county", "town", "department"))
def test_title_forms(form: str, level: str) -> None:
    """Title wordings; ``no_year`` leaves the year to the 统计期限 sentence."""
    report = generate_report(random.Random(700), "2021", year=2022, level=level, title_form=form)
    for style in (
        MarkupStyle(),
        MarkupStyle(page_title="title_tag", page_meta="minimal"),
        MarkupStyle(page_title="heading"),
    ):
        assert_report(extract_page(report, style), report, (form, level, style.switches()))


@pytest.mark.parametrize("encoding", ("gbk", "gb18030"))
def test_gbk_bytes_declared_gb2312(encoding: str) -> None:
    report = generate_report(random.Random(800), "2019", level="town")
    for decl in ("meta", "http_equiv", "header"):
        style = MarkupStyle(gb_label="gb2312", rare_chars=True, charset_decl=decl)
        result = extract_page(report, style, encoding)
        assert_report(result, report, (encoding, decl))
        assert any("王喆、刘堃" in s.text for s in result.sections)

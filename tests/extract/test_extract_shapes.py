"""Extraction of the shapes real portals and text stores produce, on generated documents.

The generators in ``tests/gen`` (:mod:`gen.trs`, :mod:`gen.dumps`, :mod:`gen.excerpts`) write
pages, dumps and excerpts in those shapes from seeds, varying the markup the way real pages vary,
and know what a reader must find: exact cells with their locators where cells are printed, the
metadata, and no cell at all where the cell boundaries are lost.
"""

from __future__ import annotations

import pytest
from gen.dumps import prose_dump, report_dump
from gen.excerpts import DATE_FORMS, EXCERPT_KINDS, labels_excerpt, metadata_excerpt, table_excerpt
from gen.expect import cell_mismatches
from gen.trs import detail_page, list_page, statistics_slice

from extract import extract_document

SEEDS = range(12)

# --------------------------------------------------------------------------- TRS detail pages


@pytest.mark.parametrize("seed", range(16))
def test_trs_detail_page_sliced_inside_a_row_keeps_every_cell_before_the_cut(seed):
    page = detail_page(seed, sliced=True)
    report = page.report
    r = extract_document(page.html.encode(), content_type="text/html; charset=utf-8", url=page.url)
    assert (r.template, r.title, r.year, r.organ) == (report.template, report.title, report.year, report.organ)
    assert r.published == report.published.isoformat()
    problems = cell_mismatches(page.expected, r.cells)
    assert not problems, "\n".join(problems[:20])
    assert {c.key(): c.where for c in r.cells} == page.wheres
    cut = [w for w in r.warnings if "ends inside this row" in w]
    assert len(cut) == 1 and f"{page.cut_values} of 7 values read" in cut[0]
    assert [s.number for s in r.sections] == [0, 1, 2, 3]
    assert f"统计期限为{report.year}年1月1日至{report.year}年12月31日" in r.sections[0].text


@pytest.mark.parametrize("seed", SEEDS)
def test_trs_detail_page_whole_in_any_encoding(seed):
    page = detail_page(seed, sliced=False)
    report = page.report
    data = page.html.encode(page.encoding, errors="xmlcharrefreplace")
    r = extract_document(data, content_type="text/html", url=page.url)
    assert (r.template, r.title, r.year, r.organ) == (report.template, report.title, report.year, report.organ)
    assert r.encoding == ("utf-8" if page.encoding == "utf-8" else "gb18030")
    problems = cell_mismatches(page.expected, r.cells)
    assert not problems, "\n".join(problems[:20])
    assert {c.key(): c.where for c in r.cells} == page.wheres
    assert not any("ends inside this row" in w for w in r.warnings)
    assert all(c.ok for c in r.checks if c.rule in ("R1", "R2", "R3", "R4"))


def test_trs_fee_cell_takes_its_unit_from_the_header():
    page = next(p for p in map(detail_page, range(100)) if p.report.template == "2021" and p.sliced)
    r = extract_document(page.html.encode(), content_type="text/html; charset=utf-8")
    fee = r.cell_map()[("active_disclosure", "administrative_fees", "fee_amount")]
    want = page.expected[("active_disclosure", "administrative_fees", "fee_amount")]
    assert (fee.raw, fee.value, fee.unit) == (want.raw, want.value, want.unit)
    if want.value:
        assert fee.unit == "万元" and isinstance(fee.value, float)


@pytest.mark.parametrize("seed", SEEDS)
def test_word_pasted_statistics_table(seed):
    s = statistics_slice(seed)
    r = extract_document(s.html.encode(), content_type="text/html")
    assert r.template == "pre2019"
    assert {c.key(): (c.value, c.unit, c.label) for c in r.cells} == s.expected


@pytest.mark.parametrize("seed", SEEDS)
def test_list_page_is_not_a_report(seed):
    page = list_page(seed)
    r = extract_document(page.html.encode(), content_type="text/html", url=page.url)
    assert not r.is_report and r.cells == []


# --------------------------------------------------------------------------- page text dumps


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("template", ["2021", "2019"])
def test_page_dump_never_reads_run_together_digits(seed, template):
    dump = report_dump(seed, template)
    report = dump.report
    r = extract_document(dump.data)
    assert r.cells == []
    assert r.template == template  # from the labels of the flattened tables
    assert (r.title, r.year, r.organ) == (report.title, report.year, report.organ)
    assert r.published == report.published.isoformat()
    flat = [w for w in r.warnings if "without cell boundaries" in w]
    assert len(flat) == dump.flattened == 3
    assert [s.number for s in r.sections] == [0, 1, 2, 3, 4, 5, 6]
    assert r.sections[6].text.startswith(report.sections[5][1])


@pytest.mark.parametrize("seed", SEEDS)
def test_pre2019_dumps_with_flattened_statistics(seed):
    dump = report_dump(seed, "pre2019")
    report = dump.report
    r = extract_document(dump.data)
    assert r.template == "pre2019"
    assert (r.year, r.organ) == (report.year, report.organ)
    assert r.cells == []
    assert any("legacy_indicators" in w and "without cell boundaries" in w for w in r.warnings)
    numbers = [s.number for s in r.sections]
    assert numbers[:2] == [0, 1] and numbers == sorted(numbers)


@pytest.mark.parametrize("seed", SEEDS)
def test_prose_only_department_report(seed):
    dump = prose_dump(seed)
    report = dump.report
    r = extract_document(dump.data)
    assert r.template == "none" and r.cells == [] and r.year == report.year
    assert (r.title, r.organ) == (report.title, report.organ)
    assert [s.heading for s in r.sections[1:]] == dump.headings


# --------------------------------------------------------------------------- excerpts


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("kind", EXCERPT_KINDS)
def test_excerpt_metadata(kind, seed):
    e = metadata_excerpt(seed, kind)
    r = extract_document(e.data)
    assert (r.title, r.organ, r.year, r.published) == (e.title, e.organ, e.year, e.published), e.text[:300]


def test_excerpts_state_publication_dates_many_ways():
    dated = [e for e in (metadata_excerpt(seed) for seed in range(60)) if e.published]
    assert {e.date_form for e in dated} == set(DATE_FORMS) - {"none"}
    for e in dated:
        assert extract_document(e.data).published == e.published, e.text[:300]


@pytest.mark.parametrize("seed", SEEDS)
def test_2021_report_on_2019_tables_keeps_2019_template(seed):
    # the template comes from the labels, never from the year
    e = labels_excerpt(seed)
    r = extract_document(e.data)
    assert r.year == e.report.year >= 2021 and r.published == e.published
    assert r.template != "2021" and r.cells == []


@pytest.mark.parametrize("seed", range(24))
def test_pipe_rows_truncated_headers_mirrors_and_extra_rows(seed):
    e = table_excerpt(seed)
    r = extract_document(e.data)
    assert r.template == "2019" and r.year == e.report.year
    problems = cell_mismatches(e.expected, r.cells)
    assert not problems, "\n".join(problems[:20])
    for extra in e.report.extra_rows:  # Hubei's 其他主动公开文件, in a mirror's 檔案 too
        assert any(extra.key in w for w in r.warnings)


def test_the_pipe_row_generator_covers_its_variants():
    excerpts = [table_excerpt(seed) for seed in range(24)]
    assert any(e.traditional and "檔案" in e.text for e in excerpts)
    assert any("本年新 | 本年新" in e.text for e in excerpts)
    assert any(e.report.extra_rows for e in excerpts)
    assert any(c.value is None and c.raw in ("-", "—", "/", "无", "") for e in excerpts for c in e.expected.values())

"""Issue 11: extraction over generated documents in the shapes real reports take (gen.realworld).

Every class of failure has its generator; the figures over the mixed corpus must meet the
targets (≥ 99.5 % of cells right on PDFs and HTML, no value under a wrong key, template ≥ 95 %,
year ≥ 98 %, office ≥ 90 %, no crash), and within each class what the class is about must
hold on every document (sections found, warnings given, tables kept out, checks stored as not
checkable, no "mixed template" on 2019 forms).
"""

from __future__ import annotations

import pytest
from gen.accuracy import TARGETS, measure
from gen.realworld import CLASSES, GENERATORS, corpus

from extract import extract_document

PER_CLASS = 10


@pytest.fixture(scope="module")
def tallies():
    return measure(list(corpus(PER_CLASS, seed=7)))


def test_the_targets_hold_over_the_mixed_corpus(tallies):
    overall, _ = tallies
    f = overall.figures()
    report = "\n".join(overall.failures[:20])
    assert f["crashes"] == TARGETS["crashes"], report
    assert f["wrong_key"] == TARGETS["wrong_key"], report
    assert f["cells_pct"] >= TARGETS["cells_pct"], report
    assert f["template_pct"] >= TARGETS["template_pct"], report
    assert f["year_pct"] >= TARGETS["year_pct"], report
    assert f["office_pct"] >= TARGETS["office_pct"], report


@pytest.mark.parametrize("klass", CLASSES)
def test_every_class_holds_on_every_document(tallies, klass):
    _, per = tallies
    t = per[klass]
    assert t.docs == PER_CLASS
    for what in ("sections", "warnings", "kept_out", "not_checkable", "no_mixed_2019", "title"):
        assert t.pct(what) == 100.0, (what, t.failures[:10])
    assert t.wrong_key == 0 and t.crashes == 0, t.failures[:10]


def test_a_wps_pdf_keeps_its_vertical_label_out_of_the_rows_beside_it():
    case = GENERATORS["vertical"](2)  # look "wps": row lines through the label column
    assert case.name.startswith("vertical-wps-")
    r = extract_document(case.data, content_type=case.content_type)
    assert {c.key(): c.value for c in r.cells} == {k: v.value for k, v in case.expected.items()}
    assert not [w for w in r.warnings if "extra row" in w or "read as" in w]
    assert all(c.ok for c in r.checks if c.rule in ("R1", "R2", "R3", "R4"))


def test_a_missing_leaf_row_makes_r3_not_checkable_with_the_reason():
    case = GENERATORS["checks"](3)
    r = extract_document(case.data, content_type=case.content_type)
    r3 = [c for c in r.checks if c.rule == "R3"]
    assert len(r3) == 7 and all(c.ok is None for c in r3)
    assert all(c.detail and c.detail.startswith("不可校验：缺少行 ") for c in r3)
    assert [c for c in r.to_dict()["checks"] if c["rule"] == "R3"][0]["ok"] is None


def test_year_source_says_where_the_year_came_from():
    kinds = {"multi_period": "period", "bare_range": "period", "quoted_title": "body", "deep_title": "title"}
    for seed in range(10):
        case = GENERATORS["year"](seed)
        kind = case.name.split("-")[1]
        r = extract_document(case.data, content_type=case.content_type)
        assert r.year == case.year
        if kind in kinds:
            assert r.year_source == kinds[kind], case.name
        assert r.to_dict()["year_source"] == r.year_source

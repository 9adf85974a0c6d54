"""Fuzzing the extractors (issue 12), the quick seeded part that runs in `make test`.

The long run is `make fuzz` (tests/fuzz/run.py, ≥ 10,000 inputs).  Properties: see
:mod:`fuzzkit` — no exception but ExtractionError, no number that is not a digit run of the
input, no table lost without a warning, every document inside its budget.
"""

from __future__ import annotations

import random
from decimal import Decimal

import fuzzkit
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.values import MAX_DIGITS, parse_value

SEED = 1212


def _run(cases) -> tuple[list[str], dict]:
    problems: list[str] = []
    verdicts: dict[str, int] = {}
    for case in cases:
        outcome = fuzzkit.check_extraction(case)
        key = f"{case.kind}/{case.mutation}/{outcome.verdict}"
        verdicts[key] = verdicts.get(key, 0) + 1
        problems += [f"#{case.number} {case.kind}/{case.mutation}: {p}" for p in outcome.problems]
    return problems, verdicts


def test_mutated_html_and_text_reports():
    seeds = fuzzkit.seeds_for({"html", "text"}, html_n=8, text_n=4)
    problems, verdicts = _run(fuzzkit.cases(160, SEED, seeds, {"html": 0.65, "text": 0.35}))
    assert problems == []
    # the run exercised what it claims: every mutation, reads and refusals
    assert {k.split("/")[1] for k in verdicts} >= set(fuzzkit.TEXTUAL_MUTATIONS) - {"zip_member"}
    assert sum(v for k, v in verdicts.items() if k.endswith("/read")) > 100


@pytest.mark.office
def test_mutated_pdf_docx_and_spreadsheets():
    seeds = fuzzkit.seeds_for({"pdf", "docx", "xlsx", "xls"}, docx_n=3)
    mix = {"pdf": 0.4, "docx": 0.25, "xlsx": 0.2, "xls": 0.15}
    problems, verdicts = _run(fuzzkit.cases(120, SEED, seeds, mix))
    assert problems == []
    for kind in mix:
        assert any(k.startswith(kind) and k.endswith("/read") for k in verdicts), (kind, verdicts)


def test_hostile_documents_are_read_or_refused_in_budget():
    problems, verdicts = _run(fuzzkit.hostile_documents(random.Random(SEED)))
    assert problems == []
    assert verdicts["hostile/text_50MB/refused"] == verdicts["hostile/td_5M/refused"] == 1
    assert verdicts["hostile/div_255/read"] == 1


def test_the_checker_finds_invented_numbers():
    """The property itself: a value that is not a digit run of its text is reported."""
    assert fuzzkit.shown(4181509, "418 1509") is False
    assert fuzzkit.shown(418, "418 1509") and fuzzkit.shown(1234, "1,234件") and fuzzkit.shown(0, "零")
    assert fuzzkit.shown(12.5, "１２.５%") and not fuzzkit.shown(123, "1,2,3")


_PIECES = st.sampled_from(
    ["0", "1", "9", "418", "1509", "０", "１２", " ", "\u3000", "\u00a0", "\n", ",", "，", ".", "-", "−", "增", "减",
     "元", "件", "万元", "%", "(件)", "零", "〇", "—", "/", "\u200b", "١", "①", "e", "9" * 20]
)  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=12).map("".join))
def test_hostile_numbers_never_invent_a_value(raw):
    parsed = parse_value(raw)
    if parsed.value is None:
        return
    assert fuzzkit.shown(parsed.value, raw), (raw, parsed)
    digits = Decimal(str(abs(parsed.value))).normalize().as_tuple().digits
    assert len(digits) <= MAX_DIGITS

"""Accuracy of extraction over the generated real-world corpus (:mod:`gen.realworld`).

``python tests/gen/accuracy.py [N]`` prints the figures for N documents per class; the test
``tests/extract/test_extract_accuracy.py`` asserts the targets of issue 11 and
``tests/bench/bench_accuracy.py`` prints them in ``make bench``.

Figures: cells right on original PDFs and HTML (value and unit under the right key), values
under a key the document does not have (anywhere), template, year, office and title hits,
sections found, expected warnings present, tables kept out, checks stored as not checkable,
crashes — overall and per class.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository and tests/ importable
    sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parents[1])]

from extract import extract_document
from extract.model import Report
from gen.realworld import CLASSES, Case, corpus

TARGETS = {"cells_pct": 99.5, "wrong_key": 0, "template_pct": 95.0, "year_pct": 98.0, "office_pct": 90.0, "crashes": 0}


@dataclass
class Tally:
    docs: int = 0
    cells: int = 0  # on original PDFs and HTML
    cells_right: int = 0
    all_cells: int = 0  # text copies included
    all_right: int = 0
    wrong_key: int = 0
    judged: Counter = field(default_factory=Counter)  # what → documents judged
    hits: Counter = field(default_factory=Counter)  # what → documents right
    crashes: int = 0
    failures: list[str] = field(default_factory=list)

    def pct(self, what: str) -> float:
        return round(100.0 * self.hits[what] / self.judged[what], 2) if self.judged[what] else 100.0

    def figures(self) -> dict:
        return {
            "documents": self.docs,
            "cells_pct": round(100.0 * self.cells_right / self.cells, 3) if self.cells else 100.0,
            "cells": self.cells,
            "all_cells_pct": round(100.0 * self.all_right / self.all_cells, 3) if self.all_cells else 100.0,
            "wrong_key": self.wrong_key,
            **{f"{w}_pct": self.pct(w) for w in sorted(self.judged)},
            "crashes": self.crashes,
        }


def _judge(t: Tally, what: str, ok: bool, case: Case, detail: str) -> None:
    t.judged[what] += 1
    if ok:
        t.hits[what] += 1
    elif len(t.failures) < 60:
        t.failures.append(f"{case.name}: {what} {detail}")


def score(case: Case, result: Report, tallies: list[Tally]) -> None:
    got = {c.key(): c for c in result.cells}
    expected = case.expected or {}
    for t in tallies:
        t.docs += 1
        if case.expected is not None:
            original = case.carrier in ("pdf", "html")  # the target is on original PDFs and HTML
            for key, cell in expected.items():
                have = got.get(key)
                right = have is not None and have.value == cell.value and have.unit == cell.unit
                t.all_cells += 1
                t.all_right += right
                if original:
                    t.cells += 1
                    t.cells_right += right
                if not right and len(t.failures) < 60:
                    t.failures.append(f"{case.name}: cell {key} {have and (have.raw, have.value)!r} != {cell.value!r}")
        if case.expected is not None:
            wrong = [k for k, c in got.items() if k not in expected and c.value is not None]
            t.wrong_key += len(wrong)
            if wrong and len(t.failures) < 60:
                t.failures.append(f"{case.name}: values under keys it does not have: {wrong[:3]}")
        for table in case.no_cells_for:
            _judge(t, "kept_out", not any(k[0] == table for k in got), case, table)
        if case.template:
            _judge(t, "template", result.template == case.template, case, f"{result.template} != {case.template}")
        if case.year:
            _judge(t, "year", result.year == case.year, case, f"{result.year} != {case.year}")
        if case.organ:
            _judge(t, "office", result.organ == case.organ, case, f"{result.organ!r} != {case.organ!r}")
        if case.title:
            _judge(t, "title", result.title == case.title, case, f"{result.title!r} != {case.title!r}")
        if case.sections:
            found = tuple(s.number for s in result.sections if s.number)
            ok = found[: len(case.sections)] == case.sections and all(
                any(s.number == n and text in s.text for s in result.sections) for n, text in case.section_texts.items()
            )
            _judge(t, "sections", ok, case, f"{found}")
        for want in case.warnings:
            _judge(t, "warnings", any(want in w for w in result.warnings), case, f"no warning with {want!r}")
        for rule in case.not_checkable:
            checks = [c for c in result.checks if c.rule == rule]
            ok = (
                bool(checks)
                and any(c.ok is None and c.detail for c in checks)
                and all(c.ok is not False for c in checks)
            )
            _judge(t, "not_checkable", ok, case, rule)
        if case.template == "2019":
            _judge(t, "no_mixed_2019", not any("mixed template" in w for w in result.warnings), case, "mixed")


def measure(cases: list[Case]) -> tuple[Tally, dict[str, Tally]]:
    """The overall tally and one per class."""
    overall = Tally()
    per_class = {k: Tally() for k in CLASSES}
    for case in cases:
        tallies = [overall, per_class[case.klass]]
        try:
            result = extract_document(case.data, content_type=case.content_type, url=case.name)
        except Exception as exc:  # a crash is a figure, not the end of the measurement
            for t in tallies:
                t.docs += 1
                t.crashes += 1
                t.failures.append(f"{case.name}: crash {exc!r}")
            continue
        score(case, result, tallies)
    return overall, per_class


def main(per_class: int = 20) -> None:
    started = time.perf_counter()
    cases = list(corpus(per_class, seed=1))
    overall, per = measure(cases)
    print(f"{len(cases)} documents in {time.perf_counter() - started:.1f} s")
    for klass, t in per.items():
        print(f"  {klass:10s} {t.figures()}")
    print("  overall   ", overall.figures())
    for line in overall.failures[:30]:
        print("   ", line)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)

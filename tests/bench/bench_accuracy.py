"""Benchmark: accuracy over documents in the shapes real reports take (issue 11; gen.realworld).

Prints, overall and per class, the share of cells right on PDFs and HTML, values under a key
the document does not have, template / year / office / title hits, sections found, warnings
given, tables kept out, checks stored as not checkable, crashes — and the targets.
"""

from __future__ import annotations

import time

from gen.accuracy import TARGETS, measure
from gen.realworld import corpus


def run(per_class: int = 40) -> dict:
    started = time.perf_counter()
    cases = list(corpus(per_class, seed=2024))
    overall, per = measure(cases)
    figures = {"documents": len(cases), "seconds": round(time.perf_counter() - started, 1), **overall.figures()}
    for key, value in figures.items():
        print(f"  {key:22s} {value}")
    for klass, t in per.items():
        print(f"  class {klass:10s} {t.figures()}")
    print(f"  targets {TARGETS}")
    for line in overall.failures[:10]:
        print(f"    {line}")
    figures["per_class"] = {k: t.figures() for k, t in per.items()}
    return figures


if __name__ == "__main__":
    run()

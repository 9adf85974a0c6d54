"""Benchmark: HTML extraction throughput on one core over ≥ 500 generated report pages.

Prints documents/s, ms per document (median and p95) and the share of cells extracted right.
Target (issue 2): ≥ 50 documents/s on one core for HTML.
"""

from __future__ import annotations

import random
import statistics
import time

from portalgen.render_html import realistic_style, render_page
from portalgen.sample import generate_report

from extract import extract_document


def corpus(n: int, seed: int = 7) -> list[tuple[bytes, str, dict]]:
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        template = rng.choice(["2019", "2021", "2021", "2021", "pre2019"])
        report = generate_report(rng, template)
        page = render_page(report, realistic_style(rng), rng.choice(["utf-8", "utf-8", "utf-8", "gbk"]))
        docs.append((page.data, page.content_type, report.expected_cells()))
    return docs


def run(n: int = 600) -> dict:
    docs = corpus(n)
    extract_document(docs[0][0], content_type=docs[0][1])  # warm caches (OpenCC, regexes)
    times: list[float] = []
    cells = right = 0
    started = time.perf_counter()
    for data, ctype, expected in docs:
        t = time.perf_counter()
        report = extract_document(data, content_type=ctype)
        times.append(time.perf_counter() - t)
        got = report.cell_map()
        cells += len(expected)
        right += sum(1 for k, e in expected.items() if k in got and got[k].value == e.value)
    total = time.perf_counter() - started
    figures = {
        "documents": n,
        "megabytes": round(sum(len(d[0]) for d in docs) / 1e6, 2),
        "docs_per_s": round(n / total, 1),
        "ms_per_doc_median": round(statistics.median(times) * 1000, 2),
        "ms_per_doc_p95": round(sorted(times)[int(0.95 * len(times))] * 1000, 2),
        "cells": cells,
        "cells_right_pct": round(100 * right / max(cells, 1), 3),
    }
    for k, v in figures.items():
        print(f"  {k:20s} {v}")
    return figures


if __name__ == "__main__":
    run()

"""Benchmark: PDF extraction throughput on one core over ≥ 20 generated report PDFs.

The PDFs are sample reports written in Word form and printed by LibreOffice (rendered once,
then cached; rendering is not timed).  Prints pages/s, ms per report (median, p95), reports/s
for the carrier alone (``parse_pdf``) and for the whole extraction (``extract_document`` in the
limited child process, as the pipeline runs it), and the share of cells extracted right.
Target (issue 4): ≥ 5 report PDFs/s on one core.
"""

from __future__ import annotations

import random
import statistics
import time

from portalgen.render_pdf import render_many
from portalgen.sample import generate_report

from extract import extract_document
from extract.pdf import parse_pdf

STYLES = ("official", "official", "split", "vertical", "large")
VALUES = ("plain", "blank_zeros", "thousands", "units", "fullwidth", "blank_zeros+units")


def corpus(n: int, seed: int = 11) -> list[tuple[bytes, dict]]:
    rng = random.Random(seed)
    jobs = []
    for _ in range(n):
        template = rng.choice(["2019", "2021", "2021", "2021"])
        report = generate_report(random.Random(rng.randint(0, 10**9)), template, style=rng.choice(VALUES))
        jobs.append((report, rng.choice(STYLES), "pdf"))
    return [(data, job[0].expected_cells()) for job, data in zip(jobs, render_many(jobs))]


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def run(n: int = 24) -> dict:
    started = time.perf_counter()
    docs = corpus(max(n, 20))
    render_s = time.perf_counter() - started
    parse_pdf(docs[0][0])  # warm imports
    parse_times: list[float] = []
    pages = 0
    for data, _ in docs:
        t = time.perf_counter()
        doc = parse_pdf(data)
        parse_times.append(time.perf_counter() - t)
        pages += doc.pages or 0
    full_times: list[float] = []
    cells = right = 0
    for data, expected in docs:
        t = time.perf_counter()
        report = extract_document(data, content_type="application/pdf")
        full_times.append(time.perf_counter() - t)
        got = report.cell_map()
        cells += len(expected)
        right += sum(
            1
            for k, v in expected.items()
            if k in got and got[k].value == v.value and got[k].raw == " ".join(v.raw.split())
        )
    parse_total, full_total = sum(parse_times), sum(full_times)
    figures = {
        "reports": len(docs),
        "pages": pages,
        "render_s (LibreOffice, cached after the first run)": round(render_s, 2),
        "parse_pdf reports/s": round(len(docs) / parse_total, 2),
        "parse_pdf pages/s": round(pages / parse_total, 2),
        "parse_pdf ms/report median": round(statistics.median(parse_times) * 1000, 1),
        "parse_pdf ms/report p95": round(_pct(parse_times, 0.95) * 1000, 1),
        "extract_document reports/s": round(len(docs) / full_total, 2),
        "extract_document pages/s": round(pages / full_total, 2),
        "extract_document ms/report median": round(statistics.median(full_times) * 1000, 1),
        "extract_document ms/report p95": round(_pct(full_times, 0.95) * 1000, 1),
        "cells": cells,
        "cells right %": round(100.0 * right / max(cells, 1), 3),
        "target reports/s": 5,
    }
    for key, value in figures.items():
        print(f"  {key}: {value}")
    return figures


if __name__ == "__main__":
    run()

"""A realistic generated corpus for benchmarks: pages and text copies with their expected cells.

``python tests/gen/corpus.py [N]`` renders N documents, extracts them and prints figures
(render and extraction time per document, cell accuracy, template/year/organ/title hits).
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository and tests/ importable
    sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parents[1])]

from portalgen.render_html import ENCODINGS, realistic_style, render_page
from portalgen.render_text import render_text
from portalgen.sample import TITLE_FORMS, SampleReport, generate_report


@dataclass
class CorpusDocument:
    name: str
    data: bytes
    content_type: str
    report: SampleReport  # what extraction must return (``report.expected_cells()`` …)


def realistic_corpus(n: int, seed: int = 0, text_share: float = 0.1) -> Iterator[CorpusDocument]:
    """``n`` documents: detail pages in realistic styles (:data:`PRESETS` perturbed), some GB
    encoded, about ``text_share`` of them text copies; 2019/2021 reports (some 2021+ on 2019
    tables) with extra rows, and pre-2019 reports with statistics tables."""
    rng = random.Random(seed)
    for i in range(n):
        template = rng.choices(["2021", "2019", "pre2019"], weights=[5, 4, 1])[0]
        year = rng.randint(2021, 2024) if template == "2019" and rng.random() < 0.2 else None
        values = rng.choice(["plain", "plain", "blank_zeros", "units", "fullwidth+thousands"])
        extras = (
            tuple(rng.sample(["inspection", "confirmation", "other_documents"], rng.choice([0, 0, 0, 1])))
            if template != "pre2019"
            else ()
        )
        legacy = rng.choice(["short", "fujian2011", "fujian2017", "dingxi"])
        title_form = rng.choice([f for f in TITLE_FORMS if f != "guanyu"])
        report = generate_report(
            random.Random(rng.randrange(2**32)),
            template,
            year=year,
            style=values if template != "pre2019" else "plain",
            extras=extras,
            legacy=legacy,
            title_form=title_form,
        )
        style = realistic_style(rng)
        if rng.random() < text_share:
            yield CorpusDocument(
                f"doc{i:05d}.txt", render_text(report).encode("utf-8"), "text/plain; charset=utf-8", report
            )
            continue
        encoding = rng.choices(ENCODINGS, weights=[6, 2, 1, 1])[0]
        page = render_page(report, style, encoding)
        yield CorpusDocument(f"doc{i:05d}.html", page.data, page.content_type, report)


def main(n: int = 300) -> None:
    from extract import extract_document
    from gen.expect import cell_mismatches

    t0 = time.perf_counter()
    docs = list(realistic_corpus(n))
    t1 = time.perf_counter()
    cells = wrong = meta_ok = 0
    t_extract = 0.0
    for doc in docs:
        s = time.perf_counter()
        result = extract_document(doc.data, content_type=doc.content_type)
        t_extract += time.perf_counter() - s
        expected = doc.report.expected_cells()
        cells += len(expected)
        wrong += len({p.split(":")[0] for p in cell_mismatches(expected, result.cells)})
        r = doc.report
        meta_ok += (result.template, result.year, result.organ, result.title) == (r.template, r.year, r.organ, r.title)
    size = sum(len(d.data) for d in docs) / len(docs)
    print(f"documents            {len(docs)} (mean {size / 1024:.1f} KiB)")
    print(f"render               {1000 * (t1 - t0) / len(docs):.2f} ms/document")
    print(f"extract              {1000 * t_extract / len(docs):.2f} ms/document")
    print(f"cells right          {cells - wrong}/{cells} ({100 * (cells - wrong) / max(cells, 1):.3f} %)")
    print(f"template/year/organ/title right  {meta_ok}/{len(docs)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)

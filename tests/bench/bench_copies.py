"""Benchmark of copied-text detection (archive/publish/copies.py): build time against the number of sections.

For each size N it writes a synthetic archive of N report sections (five per report, 200–1,500
characters of varied prose; one section in ten a copy of an earlier one under another office's
name with its figures changed and a sentence added, one in fifty the same long boilerplate
passage) and times :func:`archive.publish.copies.update_copies` building the index from scratch,
then adding 1 % more sections incrementally.  Near-linear means seconds per 1,000 sections stay
flat as N grows, and the incremental update costs in proportion to the sections added, not to N.
It also reports the recall of the planted copies.

``python tests/bench/bench_copies.py 10000 40000 160000`` picks the sizes (default 3,000, 6,000 and
12,000: under a minute); the environment variable ``NIANBAO_BENCH_COPIES`` does the same for
``make bench`` (``NIANBAO_BENCH_COPIES=20000,80000``).
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):
    sys.path.insert(0, str(HERE.parent))
    sys.path.append(str(HERE.parents[1]))  # else tests/archive/ shadows the package archive

from archive.publish.copies import BANDS, BUCKET_CAP, VERIFY_CAP, update_copies  # noqa: E402
from archive.store.schema import create_schema  # noqa: E402

DEFAULT_SIZES = (3_000, 6_000, 12_000)
NATIONAL = 12_000_000  # sections of a national archive (≈ 1.2 million reports)
PER_REPORT = 5
CHARS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你对生能而子那得于着下自之年过发后作里如家多民政府信息公开工作年度报告主动依申请行政复议诉讼办理答复法律规定加强推进落实完善制度平台网站栏目专项领域重点群众关切解读回应培训监督考核乡镇街道部门单位"
PIECES = 6_000
BOILERPLATE = "".join(random.Random(99).choice(CHARS) for _ in range(400))


def _pieces(rng: random.Random) -> list[str]:
    return ["".join(rng.choice(CHARS) for _ in range(rng.randint(12, 40))) for _ in range(PIECES)]


def build(path: Path, n: int, seed: int = 1, start: int = 0) -> set[tuple[int, int]]:
    """Write ``n`` sections (ids after ``start``); returns the planted copies as (copy, original) report ids."""
    rng = random.Random(seed)
    pieces = _pieces(random.Random(7))
    conn = sqlite3.connect(path)
    create_schema(conn)
    planted: set[tuple[int, int]] = set()
    texts: list[tuple[int, str]] = [
        (rid, text) for rid, text in conn.execute("SELECT report_id, text FROM sections ORDER BY id")
    ]
    reports = n // PER_REPORT
    with conn:
        for i in range(reports):
            organ = f"第{start + i}号机关"
            year = 2019 + (start + i) % 6
            rid = int(
                conn.execute(
                    "INSERT INTO reports (url, organ, year, portal, doc_key, is_current) VALUES (?, ?, ?, 'p', ?, 1)",
                    (f"http://x/{start + i}", organ, year, f"k{start + i}"),
                ).lastrowid
            )
            conn.execute(
                "INSERT INTO report_offices (report_id, office_key, year, portal, organ, division) VALUES (?, ?, ?, 'p', ?, '')",
                (rid, f"name:p:{organ}", year, organ),
            )
            for number in range(1, PER_REPORT + 1):
                roll = rng.random()
                if roll < 0.1 and texts:
                    source_rid, source = rng.choice(texts)
                    text = source.replace("机关", organ) + f"本年度共受理申请{rng.randint(0, 99)}件。"
                    if len(source) >= 200:
                        planted.add((rid, source_rid))
                elif roll < 0.12:
                    text = BOILERPLATE + "".join(rng.sample(pieces, 3))
                else:
                    text = f"{year}年，{organ}" + "，".join(rng.sample(pieces, rng.randint(8, 45))) + "。"
                conn.execute(
                    "INSERT INTO sections (report_id, number, heading, text) VALUES (?, ?, '', ?)", (rid, number, text)
                )
                texts.append((rid, text))
    conn.close()
    return planted


def measure(n: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-copies-") as tmp:
        path = Path(tmp) / "nianbao.db"
        planted = build(path, n)
        conn = sqlite3.connect(path)
        started = time.perf_counter()
        stats = update_copies(conn)
        seconds = time.perf_counter() - started
        found = {tuple(r) for r in conn.execute("SELECT report_id, other_report_id FROM section_copies")}
        recall = len(planted & found) / len(planted) if planted else 1.0
        conn.close()
        extra = max(n // 100, PER_REPORT)
        build(path, extra, seed=2, start=n // PER_REPORT)
        conn = sqlite3.connect(path)
        started = time.perf_counter()
        more = update_copies(conn)
        incremental = time.perf_counter() - started
        pairs = conn.execute("SELECT count(*) FROM section_copies").fetchone()[0]
        bands = conn.execute("SELECT count(*) FROM section_lsh").fetchone()[0]
        conn.close()
    return {
        "sections": n,
        "indexed": stats.indexed,
        "build_s": round(seconds, 2),
        "ms_per_section": round(1000 * seconds / max(stats.indexed, 1), 3),
        "incremental_sections": more.indexed,
        "incremental_s": round(incremental, 3),
        "incremental_ms_per_section": round(1000 * incremental / max(more.indexed, 1), 3),
        "pairs": pairs,
        "band_rows": bands,
        "planted_copies": len(planted),
        "recall": round(recall, 4),
    }


def _sizes(argv: list[str]) -> list[int]:
    given = argv or [s for s in os.environ.get("NIANBAO_BENCH_COPIES", "").split(",") if s.strip()]
    return [int(s) for s in given] if given else list(DEFAULT_SIZES)


def run(sizes: list[int] | None = None) -> dict:
    results = []
    for n in sizes or _sizes([]):
        r = measure(n)
        results.append(r)
        print(
            f"copies: {r['sections']:>9,} sections: build {r['build_s']:7.2f} s ({r['ms_per_section']:.3f} ms/section), "
            f"+{r['incremental_sections']} sections incrementally {r['incremental_s']:.3f} s "
            f"({r['incremental_ms_per_section']:.3f} ms/section), {r['pairs']} pairs, recall {r['recall']:.3f}",
            flush=True,
        )
    per = [r["ms_per_section"] for r in results]
    growth = round(per[-1] / per[0], 2) if per and per[0] else None
    print(f"copies: ms per section, largest vs smallest size: ×{growth} (1.0 = linear)", flush=True)
    hours = round(per[-1] * NATIONAL / 3_600_000, 1) if per else None
    print(
        f"copies: at the largest size's rate, {NATIONAL:,} sections (national scale) take ≈ {hours} h of one core "
        f"to build once (work per section is bounded: {BANDS} band lookups of at most {BUCKET_CAP} rows, "
        f"{VERIFY_CAP} exact comparisons); a publish after a crawl indexes only the new sections",
        flush=True,
    )
    return {
        "sizes": results,
        "per_section_growth": growth,
        "national_sections": NATIONAL,
        "national_build_hours": hours,
    }


if __name__ == "__main__":
    run(_sizes(sys.argv[1:]))

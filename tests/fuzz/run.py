"""`make fuzz`: the long fuzzing run of issue 12 (≥ 10,000 inputs; ~15–30 min on 2 cores).

    python tests/fuzz/run.py [--inputs 10000] [--seed 1] [--kinds html,text,pdf,...] [--out DIR]

Mutations of every carrier's fixtures (tests/fuzzkit.py), the hostile documents, damaged WARC
files (salvage) and corrupt SQLite databases (one-line errors).  Prints counts per carrier and
verdict, every broken property, the slowest documents and the largest child memory; failing
inputs are written to ``--out`` (default test-output/fuzz/) named by their number, which alone
reproduces them (``--only N``).  Exit status 1 when any property is broken.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/ (fixture helpers)
sys.path.insert(0, str(HERE.parents[1]))  # the repository before tests/

import fuzzkit  # noqa: E402
import warcfuzz  # noqa: E402

from extract.limits import budget_for  # noqa: E402
from extract.sniff import sniff_kind  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=10_000, help="mutated documents (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="run seed (default 1)")
    parser.add_argument("--kinds", default=",".join(fuzzkit.MIX), help="carriers to fuzz (default all)")
    parser.add_argument("--only", type=int, default=None, help="run input number N only")
    parser.add_argument("--warc-cases", type=int, default=500, help="damaged WARC files (default 500)")
    parser.add_argument("--sqlite-cases", type=int, default=12, help="corrupt databases given to the CLI")
    parser.add_argument("--out", type=Path, default=HERE.parents[1] / "test-output" / "fuzz")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    kinds = set(args.kinds.split(","))
    seeds = fuzzkit.seeds_for(kinds)
    print(
        f"seeds: {', '.join(f'{k} {len(v)}' for k, v in sorted(seeds.items()))} ({time.perf_counter() - started:.0f} s)"
    )
    counts: Counter = Counter()
    budget_share: dict[str, tuple[float, float, float]] = {}  # kind -> (largest share of its budget, seconds, budget)
    problems: list[str] = []
    slowest: list[tuple[float, str]] = []
    peak_child = 0.0
    args.out.mkdir(parents=True, exist_ok=True)
    todo: Iterable[fuzzkit.Case] = fuzzkit.cases(args.inputs, args.seed, seeds)  # made one at a time
    if args.only is not None:
        todo = [c for c in todo if c.number == args.only]
    else:
        todo = itertools.chain(todo, fuzzkit.hostile_documents(random.Random(args.seed)))
    total = 1 if args.only is not None else args.inputs + len(fuzzkit.HOSTILE_NAMES)
    done = 0
    for done, case in enumerate(todo, 1):
        outcome = fuzzkit.check_extraction(case)
        counts[(case.kind, outcome.verdict)] += 1
        slowest = sorted([*slowest, (outcome.seconds, f"#{case.number} {case.kind}/{case.mutation}")])[-5:]
        if case.data:
            budget = budget_for(sniff_kind(case.data, case.content_type, None), len(case.data)).cpu_s
            share = outcome.cpu_seconds / budget
            if share > budget_share.get(case.kind, (0.0, 0.0, 0.0))[0]:
                budget_share[case.kind] = (share, outcome.cpu_seconds, budget)
        if outcome.peak_rss_mb:
            peak_child = max(peak_child, outcome.peak_rss_mb)
        if outcome.problems:
            (args.out / f"{case.number}.{case.kind}").write_bytes(case.data)
            for p in outcome.problems:
                problems.append(f"#{case.number} {case.kind}/{case.mutation}: {p}")
                print(f"PROBLEM {problems[-1]}", flush=True)
        if done % 500 == 0:
            print(
                f"  {done}/{total} inputs, {len(problems)} problems, {time.perf_counter() - started:.0f} s",
                flush=True,
            )
    warc = warcfuzz.run_warc_cases(args.warc_cases, args.seed)
    problems += warc.problems
    sqlite = warcfuzz.run_sqlite_cases(args.sqlite_cases, args.seed, args.out)
    problems += sqlite.problems
    print(f"\ndocuments: {done} inputs in {time.perf_counter() - started:.0f} s")
    for (kind, verdict), n in sorted(counts.items()):
        print(f"  {kind:8s} {verdict:8s} {n}")
    print("slowest: " + "; ".join(f"{s:.2f} s {name}" for s, name in reversed(slowest)))
    print(f"largest limited child: {peak_child:.0f} MB resident")
    print(
        "largest share of the processor-time budget per carrier: "
        + "; ".join(f"{k} {share:.0%} ({sec:.2f} of {b:g} s)" for k, (share, sec, b) in sorted(budget_share.items()))
    )
    print(f"damaged WARC files: {warc.summary()}")
    print(f"corrupt databases: {sqlite.summary()}")
    print(f"properties broken: {len(problems)}")
    for p in problems:
        print(f"  {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""`make bench`: run every benchmark module (tests/bench/bench_*.py) and print its figures.

Each module exposes ``run() -> dict``.  ``python tests/bench/run.py extract pdf`` runs a subset.
The benchmarks in :data:`SEPARATE` (long ones with a make target of their own) run only when named.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEPARATE = frozenset({"national"})  # `make bench-national`: builds archives of national size (tens of minutes)
sys.path.insert(0, str(HERE.parent))  # tests/ (fixtures helpers)
sys.path.insert(0, str(HERE))
# the repository before tests/: tests/extract, tests/archive, tests/crawler … (test folders) must not stand in for the packages
sys.path.insert(0, str(HERE.parents[1]))


def main(argv: list[str]) -> int:
    names = sorted(p.stem[len("bench_") :] for p in HERE.glob("bench_*.py"))
    chosen = [n for n in names if n in argv or (not argv and n not in SEPARATE)]
    results: dict[str, dict] = {}
    failed = 0
    for name in chosen:
        print(f"\n=== bench {name} ===", flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"bench_{name}")
            results[name] = module.run()
        except Exception as exc:  # a broken benchmark must not hide the others' figures
            failed += 1
            print(f"bench {name} failed: {exc!r}", flush=True)
            continue
        print(f"({time.perf_counter() - started:.1f} s)", flush=True)
    out = HERE.parents[1] / "bench-output"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"\nfigures written to {out / 'results.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

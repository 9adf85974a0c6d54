"""Fuzzing damaged archives (issue 12), the quick seeded part: WARC files cut, corrupted and
spliced (every intact record salvaged), corrupt databases given to the commands (one line)."""

from __future__ import annotations

from pathlib import Path

import warcfuzz

SEED = 1212


def test_damaged_warc_files_give_up_only_the_damaged_records(tmp_path: Path):
    problems: list[str] = []
    reported = salvaged = 0
    for i in range(60):
        p, r, s = warcfuzz.warc_case(i, SEED, tmp_path / "archive")
        problems += p
        reported += r
        salvaged += s
    assert problems == []
    assert reported > 20 and salvaged > 500  # damage was met and read past


def test_corrupt_databases_get_one_line_never_a_traceback(tmp_path: Path):
    stats = warcfuzz.run_sqlite_cases(2, SEED, tmp_path)
    assert stats.problems == []
    assert sum(stats.verdicts.values()) == 8

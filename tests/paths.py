"""Where the test suite's files are: the repository, the tests folder, the fixtures, the test output."""

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
# the 西岩镇 2019 report the project was made from: the one third-party text kept as a fixture
SEED_REPORT = FIXTURES / "seed" / "xiyan-town-2019.txt"
TEST_OUTPUT = REPO / "test-output"
# pywb in a venv of its own (`make install`: its redis pin conflicts with RQ's), for the replay test
PYWB_BIN = Path(sys.prefix) / "share" / "nianbao" / "pywb" / "bin"


def _shared_regions() -> Path | None:
    """The region code tables of the workplace's shared/ folder (beside the clone, or above a worktree)."""
    for parent in REPO.parents:
        candidate = parent / "shared" / "data" / "regions"
        if candidate.is_dir():
            return candidate
    return None


# tests may read these (the project ships none of them): mca-county-codes-1981-2025.csv, nbs-2023-*.csv
SHARED_REGIONS = _shared_regions()

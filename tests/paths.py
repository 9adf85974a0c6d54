"""Where the test suite's files are: the repository, the tests folder, the fixtures, the test output."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
# the 西岩镇 2019 report the project was made from: the one third-party text kept as a fixture
SEED_REPORT = FIXTURES / "seed" / "xiyan-town-2019.txt"
TEST_OUTPUT = REPO / "test-output"

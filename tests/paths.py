"""Where the test suite's files are: the repository, the tests folder, the fixtures, the test output."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
TEST_OUTPUT = REPO / "test-output"

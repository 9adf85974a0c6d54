"""An absurd value is a warning on its cell, never the loss of the report (issue 12)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from fixtures.archive.pages import report_page, sample

from archive.store import ingest
from archive.store.db import connect
from archive.store.ingest import IngestInput, ingest_report, storable

URL = "http://www.cbx.gov.cn/zfxxgk/zfxxgknb/202201/t20220110_1.html"


@pytest.fixture()
def conn(tmp_path: Path):
    c = connect(tmp_path / "nianbao.db")
    yield c
    c.close()


def _page(raws: list[str]) -> tuple[bytes, list]:
    report = sample(21, "2021", level="town")
    data = report_page(report)
    keys = [k for k, c in report.expected_cells().items() if c.value and f">{c.raw}<".encode() in data][: len(raws)]
    for key, raw in zip(keys, raws):
        data = data.replace(f">{report.expected_cells()[key].raw}<".encode(), f">{raw}<".encode(), 1)
    return data, keys


def test_a_report_with_huge_and_split_numbers_is_archived_with_warnings(conn: sqlite3.Connection):
    data, _keys = _page(["1" * 23, "418 1509", "9" * 5000])
    result = ingest_report(conn, page=IngestInput(URL, data, "text/html; charset=utf-8"), attachments=[])
    assert result.status == "new" and result.cell_count > 100
    stored = conn.execute("SELECT raw, value FROM cells WHERE raw IN (?, ?)", ("1" * 23, "418 1509")).fetchall()
    assert sorted(tuple(r) for r in stored) == [("1" * 23, None), ("418 1509", None)]
    messages = [r[0] for r in conn.execute("SELECT message FROM warnings")]
    assert sum("is not a number" in m for m in messages) == 3
    assert not conn.execute("SELECT count(*) FROM fetch_errors").fetchone()[0]


def test_the_insert_never_fails_on_a_value_sqlite_cannot_hold(conn: sqlite3.Connection, monkeypatch):
    """Whatever an extractor returns, the report row is written (the value is kept out, with a warning)."""
    real = ingest.extract_document

    def oversized(*args, **kwargs):
        report = real(*args, **kwargs)
        report.cells[0] = replace(report.cells[0], value=10**22, raw="1" * 23)
        report.checks[0] = replace(report.checks[0], expected=10**22)
        return report

    monkeypatch.setattr(ingest, "extract_document", oversized)
    data, _ = _page([])
    result = ingest_report(conn, page=IngestInput(URL, data, "text/html; charset=utf-8"), attachments=[])
    assert result.status == "new"
    assert conn.execute("SELECT value FROM cells WHERE raw = ?", ("1" * 23,)).fetchone()[0] is None
    assert conn.execute("SELECT count(*) FROM warnings WHERE message LIKE '%value out of range%'").fetchone()[0] == 1
    assert (
        conn.execute("SELECT expected FROM checks ORDER BY id LIMIT 1").fetchone()[0] == 1e22
    )  # numeric affinity: kept as REAL
    assert storable(2**63 - 1) and not storable(2**63) and storable(1e300) and storable(None)

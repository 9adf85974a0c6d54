"""Ingesting a report costs the same in a national archive as in a small one: every statement an
ingest runs reads the cells, checks and sections of the reports it concerns through their
``report_id`` (or the row id), never every row of a table (a query read all cells of table 三 of
every report for each new one: 20 ms a report at 300 reports, quadratic beyond)."""

from __future__ import annotations

import re

from fixtures.archive.pages import edited, report_page, sample

from archive.store import db
from archive.store.ingest import IngestInput, ingest_report

PER_REPORT_TABLES = ("cells", "checks", "sections", "warnings", "attachments")


def _ingest(conn, n: int, report, when: str = "2024-02-01T08:00:00Z"):
    page = IngestInput(
        f"http://www.x.gov.cn/ndbg/{n}.html", report_page(report), "text/html; charset=utf-8", fetched=when
    )
    return ingest_report(conn, page=page, attachments=[], portal="430529")


def _plans(conn, statements: list[str]) -> list[tuple[str, str]]:
    out = []
    for sql in statements:
        if not re.match(r"\s*(SELECT|UPDATE|DELETE|WITH)", sql, re.I):
            continue
        out += [(sql, r[3]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql)]
    return out


def test_an_ingest_reads_only_the_rows_of_its_reports(tmp_path):
    conn = db.connect(tmp_path / "nianbao.db")
    db.upsert_portal(
        conn, {"id": "430529", "name": "城步苗族自治县人民政府", "level": "county", "county": "城步苗族自治县"}
    )
    organ = {"organ": "儒林镇人民政府", "short_name": "儒林镇", "level": "town"}
    for n, year in enumerate((2021, 2022, 2023)):
        _ingest(conn, n, sample(n, "2021", year=year, **organ))
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    new = sample(9, "2021", year=2024, **organ)  # a new report, then a new version of it (R5–R7 against 2023)
    _ingest(conn, 9, new)
    _ingest(conn, 9, edited(new), when="2024-05-01T08:00:00Z")
    conn.set_trace_callback(None)
    wide = [
        (sql, plan)
        for sql, plan in _plans(conn, statements)
        if any(re.search(rf"\b(SCAN|SEARCH) {t}\b", plan) for t in PER_REPORT_TABLES)
        and "report_id=" not in plan
        and "rowid=" not in plan
        and "(id=" not in plan
    ]
    assert not wide, "\n".join(f"{plan}: {sql[:160]}" for sql, plan in wide)
    conn.close()

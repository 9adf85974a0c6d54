"""Refusal rates, ranks and yearly summaries built from table 三 in a real SQLite archive."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archive.publish.refusals import DENIED, update_refusals
from archive.store.schema import create_schema


@pytest.fixture()
def conn(tmp_path: Path) -> sqlite3.Connection:
    c = sqlite3.connect(tmp_path / "nianbao.db")
    create_schema(c)
    c.executemany(
        "INSERT INTO portals (id, code, name, level, province, city, county) VALUES (?, ?, ?, 'county', ?, ?, ?)",
        [("430529", "430529", "城步", "湖南省", "邵阳市", "城步苗族自治县"),
         ("430528", "430528", "新宁", "湖南省", "邵阳市", "新宁县"),
         ("350128", "350128", "平潭", "福建省", "福州市", "平潭县")],
    )  # fmt: skip
    c.commit()
    yield c
    c.close()


def add(conn, portal: str, organ: str, year: int, handled: int | None, denied: dict[str, int | None], **rows) -> int:
    rid = int(
        conn.execute(
            "INSERT INTO reports (url, organ, year, portal, template, is_current) VALUES (?, ?, ?, ?, '2021', 1)",
            (f"http://x/{organ}/{year}", organ, year, portal),
        ).lastrowid
    )
    values = {"total": handled, **denied, **rows}
    conn.executemany(
        "INSERT INTO cells (report_id, table_name, \"row\", col, value, raw) VALUES (?, 'applications', ?, 'total', ?, ?)",
        [(rid, row, v, "" if v is None else str(v)) for row, v in values.items()],
    )
    conn.commit()
    return rid


def rate_rows(conn) -> dict[int, tuple]:
    return {
        r[0]: tuple(r[1:])
        for r in conn.execute(
            "SELECT report_id, handled, denied, refusal_rate, unavailable_rate, not_processed_rate, "
            "county_rank, county_offices, province_rank, province_offices FROM refusal_rates"
        )
    }


def test_rates_ranks_and_pooled_summaries(conn):
    a = add(conn, "430529", "甲局", 2022, 10, {"denied_state_secret": 2, "denied_third_party": 1},
            unavailable_not_held=4, not_processed_repeated=1)  # fmt: skip
    b = add(conn, "430529", "乙局", 2022, 4, {"denied_process_information": 2})
    c = add(conn, "430528", "丙局", 2022, 0, {})  # nothing handled: no rate, not ranked
    d = add(conn, "430528", "丁局", 2022, 5, {"denied_state_secret": None})  # blank cell counts as 0
    update_refusals(conn)
    rows = rate_rows(conn)
    assert rows[a] == (10, 3, 0.3, 0.4, 0.1, 2, 2, 2, 3)
    assert rows[b] == (4, 2, 0.5, 0.0, 0.0, 1, 2, 1, 3)
    assert rows[c][2:] == (None, None, None, None, None, None, None)
    assert rows[d][1:4] == (0, 0.0, 0.0) and rows[d][5:] == (1, 1, 3, 3)
    summary = conn.execute(
        "SELECT reports, handled, denied, refusal_rate, median_refusal_rate FROM refusal_summary "
        "WHERE scope = 'province' AND province = '湖南省' AND year = 2022"
    ).fetchone()
    assert summary == (3, 19, 5, round(5 / 19, 6), 0.3)  # pooled 5/19, median of 0.3, 0.5, 0
    grounds = conn.execute(
        "SELECT ground, n, share, rank FROM refusal_grounds WHERE county = '城步苗族自治县' ORDER BY rank, ground"
    ).fetchall()
    assert grounds == [("denied_process_information", 2, 40.0, 1), ("denied_state_secret", 2, 40.0, 1),
                       ("denied_third_party", 1, 20.0, 3)]  # fmt: skip


def test_updates_are_incremental_and_follow_new_versions(conn):
    a = add(conn, "430529", "甲局", 2022, 10, {"denied_state_secret": 1})
    add(conn, "350128", "平潭局", 2021, 10, {"denied_state_secret": 5})
    assert update_refusals(conn).added == 2
    assert update_refusals(conn).added == 0  # nothing new: nothing done
    b = add(conn, "430529", "甲局", 2022, 10, {"denied_state_secret": 6})  # a corrected version
    conn.execute("UPDATE reports SET is_current = 0 WHERE id = ?", (a,))
    conn.execute("UPDATE reports SET supersedes = ? WHERE id = ?", (a, b))
    conn.commit()
    stats = update_refusals(conn)
    assert (stats.added, stats.removed, stats.groups) == (1, 1, 1)
    assert set(rate_rows(conn)) == {b, a + 1}
    country = conn.execute(
        "SELECT year, denied, reports FROM refusal_summary WHERE scope = 'country' ORDER BY year"
    ).fetchall()
    assert country == [(2021, 5, 1), (2022, 6, 1)]
    assert DENIED[0] == "denied_state_secret"

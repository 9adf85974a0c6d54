"""Versions and deadlines: what ingestion records when a report changes (``report_changes``,
``cell_changes``), and the views 「发布后修改的报告」 and 「年报期限」 on real archive databases."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

from fixtures.archive.pages import edited, report_page, sample

from archive.publish.views import create_views
from archive.store import db
from archive.store.ingest import IngestInput, ingest_report, record_changes, text_diff, text_lines

URL = "http://127.0.0.1:8000/zfxxgk/zfxxgknb/202201/t20220110_101.html"


def _ingest(conn, body: bytes, when: str):
    return ingest_report(
        conn, page=IngestInput(URL, body, "text/html; charset=utf-8", fetched=when), attachments=[], portal="430529"
    )


def test_a_corrected_report_records_its_cell_and_text_changes(tmp_path):
    conn = db.connect(tmp_path / "nianbao.db")
    original = sample(11, "2021", level="town")
    corrected = edited(original)
    corrected.title = original.title.replace("年度报告", "年度报告（更正版）")
    first = _ingest(conn, report_page(original), "2025-02-01T08:00:00Z")
    second = _ingest(conn, report_page(corrected), "2025-03-01T08:00:00Z")
    assert (first.status, second.status, second.version, second.supersedes) == ("new", "changed", 2, first.report_id)
    (change,) = conn.execute("SELECT * FROM report_changes").fetchall()
    assert (change["report_id"], change["previous_id"], change["detected"], change["kind"]) == (
        second.report_id,
        first.report_id,
        "2025-03-01T08:00:00Z",
        "page",
    )
    assert (change["cells_changed"], change["cells_added"], change["cells_removed"], change["sections_changed"]) == (
        2,
        0,
        0,
        1,
    )
    assert json.loads(change["fields"]) == {"title": [original.title, corrected.title]}
    assert [
        line for line in change["text_diff"].splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ] == ["+（更正）"]
    cells = {(c["row"], c["col"]): (c["change"], c["old_value"], c["new_value"], c["old_raw"], c["new_raw"], c["label"])
             for c in conn.execute("SELECT * FROM cell_changes WHERE change_id = ?", (change["id"],))}  # fmt: skip
    for col in ("pending", "total"):
        old = original.cells[("review_litigation", "administrative_review", col)].value or 0
        assert cells[("administrative_review", col)][:5] == ("changed", old, old + 1, str(old), str(old + 1))
    assert len(cells) == 2
    # the portal goes back to the first bytes: a third version, the changes reversed
    third = _ingest(conn, report_page(original), "2025-04-01T08:00:00Z")
    assert (third.status, third.version) == ("changed", 3)
    back = conn.execute("SELECT * FROM cell_changes WHERE report_id = ? ORDER BY id", (third.report_id,)).fetchall()
    assert {(c["col"], c["old_value"] - c["new_value"]) for c in back} == {("pending", 1), ("total", 1)}
    # the same bytes again change nothing
    assert _ingest(conn, report_page(original), "2025-05-01T08:00:00Z").status == "unchanged"
    assert conn.execute("SELECT count(*) FROM report_changes").fetchone()[0] == 2
    conn.close()


def test_added_and_removed_cells_and_sections(tmp_path):
    conn = db.connect(tmp_path / "nianbao.db")
    rows = [(1, "http://x/a.html", "p1", "甲", 1), (2, "http://x/a.html", "p2", "甲（更正）", 2)]
    for rid, url, page_sha, title, version in rows:
        conn.execute("INSERT INTO reports(id, url, title, doc_key, version, page_sha256, year) VALUES (?, ?, ?, ?, ?, ?, 2024)",
                     (rid, url, title, url, version, page_sha))  # fmt: skip
    cells = [(1, "applications", "granted", "total", 3, "3"), (1, "applications", "denied_third_party", "total", 1, "1"),
             (2, "applications", "granted", "total", 3, "3"), (2, "applications", "extra:行政检查", "total", 5, "5件")]  # fmt: skip
    conn.executemany(
        'INSERT INTO cells(report_id, table_name, "row", col, value, raw, label) VALUES (?, ?, ?, ?, ?, ?, "标签")',
        cells,
    )
    conn.executemany(
        "INSERT INTO sections(report_id, number, heading, text) VALUES (?, ?, ?, ?)",
        [
            (1, 1, "一、总体情况", "甲。乙。"),
            (2, 1, "一、总体情况", "甲。丙。"),
            (2, 6, "六、其他需要报告的事项", "无。"),
        ],
    )
    change_id = record_changes(conn, 1, 2, "2025-01-01T00:00:00Z")
    change = conn.execute("SELECT * FROM report_changes WHERE id = ?", (change_id,)).fetchone()
    assert (
        change["kind"],
        change["cells_changed"],
        change["cells_added"],
        change["cells_removed"],
        change["sections_changed"],
    ) == ("page", 0, 1, 1, 2)
    got = [
        (c["row"], c["change"], c["old_raw"], c["new_raw"])
        for c in conn.execute("SELECT * FROM cell_changes ORDER BY id")
    ]
    assert got == [("denied_third_party", "removed", "1", None), ("extra:行政检查", "added", None, "5件")]
    assert change["text_diff"].splitlines() == [
        "--- v1",
        "+++ v2",
        "@@ -2,2 +2,4 @@",
        " 甲。",
        "-乙。",
        "+丙。",
        "+## 六、其他需要报告的事项",
        "+无。",
    ]
    conn.close()


def test_text_lines_split_sentences():
    assert text_lines([(1, "一、总体情况", "甲。乙！\n丙？丁"), (0, None, "")]) == [
        "## 一、总体情况",
        "甲。",
        "乙！",
        "丙？",
        "丁",
        "## （0）",
    ]
    assert text_diff([(1, "一", "a。")], [(1, "一", "a。")]) == ""


# ----------------------------------------------------------------------------- 年报期限


def _deadline(year: int, level: str) -> date:
    return date(year + 1, 1, 31) if year >= 2019 and level in ("department", "town") else date(year + 1, 3, 31)


def _due_years(first: int, level: str) -> list[int]:
    today = date.today()
    return [y for y in range(first, today.year + 1) if _deadline(y, level) < today]


def test_deadline_view(tmp_path):
    conn = db.connect(tmp_path / "nianbao.db")
    db.upsert_portal(conn, {"id": "430529", "name": "城步苗族自治县人民政府", "level": "county", "province": "湖南省",
                            "county": "城步苗族自治县"})  # fmt: skip
    town, county, dept = "儒林镇人民政府", "城步苗族自治县人民政府", "城步苗族自治县教育局"
    reports = [
        # organ, level, year, published, fetched, is_current
        (town, "town", 2020, "2021-01-20", "2021-01-22T00:00:00Z", 1),  # on time (31 January)
        (town, "town", 2021, "2022-02-10", "2022-02-11T00:00:00Z", 1),  # 10 days late
        (
            town,
            "town",
            2022,
            "2023-01-10",
            "2023-01-11T00:00:00Z",
            0,
        ),  # an old version only: the year counts as missing
        (town, "town", 2023, None, "2024-01-05T00:00:00Z", 1),  # no date shown, archived before the deadline: on time
        (town, "town", 2024, None, "2025-06-01T00:00:00Z", 1),  # no date shown, archived after it: unknown
        (county, "county", 2018, "2019-03-31", "2019-04-01T00:00:00Z", 1),  # the last day (31 March)
        (county, "county", 2019, "2020-04-02", "2020-04-03T00:00:00Z", 1),  # 2 days late
        (dept, "department", 2017, "2018-02-15", "2018-02-16T00:00:00Z", 1),  # before 2019: 31 March for everyone
        (None, "town", 2019, "2020-01-01", "2020-01-01T00:00:00Z", 1),  # no organ: not an office
    ]
    for i, (organ, level, year, published, fetched, current) in enumerate(reports):
        conn.execute(
            "INSERT INTO reports(url, organ, level, year, published, fetched, portal, doc_key, is_current) VALUES (?, ?, ?, ?, ?, ?, '430529', ?, ?)",
            (f"http://x/{i}.html", organ, level, year, published, fetched, f"http://x/{i}.html", current),
        )
    create_views(conn)
    got = {(r["发布机关"], r["年度"]): r for r in conn.execute('SELECT * FROM "年报期限"')}
    expected = (
        {(town, y) for y in _due_years(2020, "town")}
        | {(county, y) for y in _due_years(2018, "county")}
        | {(dept, y) for y in _due_years(2017, "department")}
    )
    assert set(got) == expected
    status = {k: (r["状态"], r["逾期天数"]) for k, r in got.items()}
    assert status[(town, 2020)] == ("按时", None) and status[(town, 2021)] == ("逾期", 10)
    assert status[(town, 2022)] == ("存档中未找到", None) and status[(town, 2023)] == ("按时", None)
    assert status[(town, 2024)] == ("发布日期不详", None)
    assert status[(county, 2018)] == ("按时", None) and status[(county, 2019)] == ("逾期", 2)
    assert status[(dept, 2017)] == ("按时", None) and status[(dept, 2018)] == ("存档中未找到", None)
    # missing when the portal was crawled after the deadline (last on 2025-06-01), else "not crawled"
    last_crawl = date(2025, 6, 1)
    assert all(
        status[(dept, y)] == ("存档中未找到" if _deadline(y, "department") < last_crawl else "门户未抓取", None)
        for y in _due_years(2018, "department")
    )
    assert got[(dept, 2018)]["门户最近抓取"] == "2025-06-01T00:00:00Z"
    row = got[(town, 2021)]
    assert (row["层级"], row["法定截止日期"], row["省份"], row["县区"], row["门户"]) == (
        "乡镇（街道）",
        "2022-01-31",
        "湖南省",
        "城步苗族自治县",
        "430529",
    )
    assert got[(county, 2019)]["法定截止日期"] == "2020-03-31" and got[(dept, 2019)]["法定截止日期"] == "2020-01-31"
    assert (
        row["报告ID"] == conn.execute("SELECT id FROM reports WHERE organ = ? AND year = 2021", (town,)).fetchone()[0]
    )
    conn.close()


def test_views_need_no_crawl_history(tmp_path):
    from archive.store.schema import create_schema

    conn = sqlite3.connect(tmp_path / "empty.db")
    create_schema(conn)
    create_views(conn)
    for view in ("发布后修改的报告", "年报期限", "抓取健康状况"):
        assert conn.execute(f'SELECT count(*) FROM "{view}"').fetchone()[0] == 0
    conn.close()

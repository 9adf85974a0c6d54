"""Offices tied to divisions, and coverage against the register: the summary table built at publish
time, the views 区划发布覆盖 / 省份发布覆盖, and 年报期限's "portal not crawled"."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from paths import SHARED_REGIONS

from archive.publish.coverage import build_coverage, last_due_year, store_registry
from archive.publish.offices import OfficeMatcher, match_offices
from archive.publish.prepare import prepare_for_serving
from archive.publish.views import create_views
from archive.store import db
from archive.store.regions import Register, ensure_register, import_history

TODAY = date(2025, 12, 1)  # the 2024 reports of governments were due on 2025-03-31


@pytest.fixture(scope="module")
def register(tmp_path_factory) -> Register:
    conn = db.connect(tmp_path_factory.mktemp("register") / "nianbao.db")
    ensure_register(conn)
    out = Register.from_conn(conn)
    conn.close()
    return out


@pytest.mark.parametrize(
    "portal, organ, expected",
    [
        ("430529", "城步苗族自治县人民政府", ("430529", "county", "portal_division", "城步苗族自治县")),
        ("430529", "城步苗族自治县教育局", ("430529", "department", "portal_division", "城步苗族自治县")),
        ("430529", "教育局", ("430529", "department", "portal", None)),
        ("430529", "儒林镇人民政府", ("430529100", "town", "town_name", "儒林镇")),
        ("430529", "城步苗族自治县儒林镇人民政府", ("430529100", "town", "town_name", "儒林镇")),
        ("430529", "五团乡人民政府", ("430529104", "town", "town_short_name", "五团镇")),  # now a 镇
        ("350128", "西岩镇人民政府", ("350128", "town", "portal", None)),  # not a town of 平潭县
        ("430529", "", ("430529", "county", "portal", None)),
        ("320100", "南京市人民政府", ("320100", "city", "portal_division", "南京市")),
        ("320100", "南京市财政局", ("320100", "department", "portal_division", "南京市")),
        ("320100", "南京市玄武区人民政府", ("320102", "county", "county_name", "玄武区")),
        ("320100", "南京市玄武区梅园新村街道办事处", ("320102002", "town", "town_name", "梅园新村街道")),
        ("440000", "广州市人民政府", ("440100", "city", "city_name", "广州市")),
        ("441900", "东莞市东城街道办事处", ("441900003", "town", "town_name", "东城街道")),
        ("999999", "某县人民政府", (None, None, "none", None)),
        (None, "某县人民政府", (None, None, "none", None)),
    ],
)
def test_offices_are_tied_to_divisions(register, portal, organ, expected):
    m = OfficeMatcher(register).match(portal, organ)
    assert (m.code, m.office_level, m.method, m.matched) == expected


def _report(conn, i, portal, organ, year, fetched, level=None, current=1):
    conn.execute(
        "INSERT INTO reports(url, organ, level, year, published, fetched, last_seen, portal, doc_key, is_current) "
        "VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)",
        (f"http://x/{i}", organ, level, year, fetched, fetched, portal, f"http://x/{i}", current),
    )


def _crawl(conn, portal: str, started: str) -> None:
    run = db.start_run(conn, [portal], "full", started=started)
    db.record_portal_stats(conn, run, portal, {"requests": 1})
    db.finish_run(conn, run, {}, "ok", ended=started)


@pytest.fixture
def archive(tmp_path):
    conn = db.connect(tmp_path / "nianbao.db")
    for pid, name in (("430529", "城步苗族自治县人民政府"), ("350121", "闽侯县人民政府")):
        db.upsert_portal(conn, {"id": pid, "code": pid, "name": name, "level": "county"})
    reports = [
        ("430529", "城步苗族自治县人民政府", 2020, "2021-02-01T00:00:00Z"),
        ("430529", "城步苗族自治县人民政府", 2022, "2023-02-01T00:00:00Z"),
        ("430529", "城步苗族自治县人民政府", 2024, "2025-02-01T00:00:00Z"),
        ("430529", "城步苗族自治县教育局", 2024, "2025-02-01T00:00:00Z"),
        ("430529", "儒林镇人民政府", 2022, "2023-02-01T00:00:00Z"),
        ("430529", "儒林镇人民政府", 2024, "2025-02-01T00:00:00Z"),
        ("430529", "西岩镇人民政府", 2024, "2025-02-01T00:00:00Z"),
        ("430529", "五团乡人民政府", 2023, "2024-02-01T00:00:00Z"),
        ("350121", "闽侯县人民政府", 2020, "2021-05-01T00:00:00Z"),
    ]
    for i, (portal, organ, year, fetched) in enumerate(reports):
        _report(conn, i, portal, organ, year, fetched)
    _report(
        conn, 99, "430529", "城步苗族自治县人民政府", 2021, "2022-02-01T00:00:00Z", current=0
    )  # an old version only
    _crawl(conn, "430529", "2025-04-10T00:00:00Z")  # after the 2024 deadline
    store_registry(conn, [("430529", "430529", "城步苗族自治县人民政府"), ("430524", "430524", "隆回县人民政府")])
    ensure_register(conn)
    yield conn
    conn.close()


def _rows(conn) -> dict[tuple[str, int], dict]:
    conn.row_factory = sqlite3.Row
    return {(r["code"], r["year"]): dict(r) for r in conn.execute("SELECT * FROM coverage_divisions")}


def test_coverage_per_division_and_year(archive, register):
    assert match_offices(archive, lambda: register) == 6  # distinct (portal, organ)
    assert tuple(
        archive.execute("SELECT code, method FROM office_divisions WHERE organ = '五团乡人民政府'").fetchone()
    ) == (
        "430529104",
        "town_short_name",
    )
    written = build_coverage(archive, lambda: register, today=TODAY)
    rows = _rows(archive)
    assert written == len(rows) and {y for _, y in rows} == set(range(2020, 2025))
    assert len([k for k in rows if k[1] == 2024]) == len([d for d in register.divisions if d.level != "town"
                                                          and d.valid_in(2024)])  # fmt: skip
    chengbu = rows[("430529", 2024)]
    assert {k: chengbu[k] for k in ("status", "portal", "portal_status", "last_crawled", "deadline")} == {
        "status": "published",
        "portal": "430529",
        "portal_status": "crawled",
        "last_crawled": "2025-04-10T00:00:00Z",
        "deadline": "2025-03-31",
    }
    assert (chengbu["government_reports"], chengbu["department_reports"], chengbu["town_reports"]) == (1, 1, 2)
    assert (chengbu["all_reports"], chengbu["towns"], chengbu["towns_reporting"]) == (4, 12, 2)
    assert (chengbu["province"], chengbu["city"], chengbu["city_code"]) == ("湖南省", "邵阳市", "430500")
    assert rows[("430529", 2021)]["status"] == "not_published"  # crawled after the deadline; an old version only
    assert rows[("430529", 2023)]["status"] == "not_published" and rows[("430529", 2023)]["towns_reporting"] == 1
    assert rows[("430524", 2024)]["status"] == "not_crawled"  # registered, never crawled
    assert rows[("430524", 2024)]["portal_status"] == "registered"
    assert rows[("430525", 2024)]["status"] == "no_portal" and rows[("430525", 2024)]["portal"] is None
    assert rows[("350121", 2020)]["status"] == "published"
    assert rows[("350121", 2021)]["status"] == "not_crawled"  # last seen 2021-05-01, before the 2021 deadline
    city = rows[("430500", 2024)]
    counties = register.within("430500", "county", 2024)
    assert (city["counties"], city["counties_published"]) == (len(counties), 1)
    assert city["towns"] == sum(len(register.current_children(c.code, "town")) for c in counties)
    assert (city["towns_reporting"], city["all_reports"], city["government_reports"]) == (2, 4, 0)
    hunan = rows[("430000", 2024)]
    assert (hunan["counties"], hunan["counties_published"]) == (len(register.within("430000", "county", 2024)), 1)
    assert (hunan["towns_reporting"], hunan["all_reports"], hunan["status"]) == (2, 4, "no_portal")
    assert rows[("350000", 2020)]["counties_published"] == 1 and rows[("350000", 2021)]["counties_published"] == 0

    assert build_coverage(archive, lambda: pytest.fail("unchanged: no rebuild"), today=TODAY) is None
    _report(archive, 100, "430529", "城步苗族自治县人民政府", 2023, "2025-04-10T00:00:00Z")
    assert build_coverage(archive, lambda: register, today=TODAY) == written
    assert _rows(archive)[("430529", 2023)]["status"] == "published"
    assert build_coverage(archive, lambda: register, today=date(2026, 4, 1)) > written  # 2025 is due now


def test_coverage_views_read_the_summary_table(archive, register):
    match_offices(archive, lambda: register)
    build_coverage(archive, lambda: register, today=TODAY)
    create_views(archive)
    archive.row_factory = sqlite3.Row
    row = archive.execute("SELECT * FROM 区划发布覆盖 WHERE 区划代码 = '430529' AND 年度 = 2024").fetchone()
    assert (row["名称"], row["层级"], row["状态"], row["门户状态"], row["乡镇街道数"], row["已发布乡镇街道数"]) == (
        "城步苗族自治县", "县级", "已发布", "已抓取", 12, 2,
    )  # fmt: skip
    assert row["乡镇街道发布率"] == round(100 * 2 / 12, 1)
    statuses = {r[0] for r in archive.execute("SELECT DISTINCT 状态 FROM 区划发布覆盖")}
    assert statuses == {"已发布", "存档中未找到", "门户未抓取", "无登记门户"}
    province = archive.execute("SELECT * FROM 省份发布覆盖 WHERE 区划代码 = '430000' AND 年度 = 2024").fetchone()
    assert province["县级政府已发布数"] == 1 and province["县级政府发布率"] == round(100 / province["县级单位数"], 1)
    office = archive.execute("SELECT 区划代码, 区划匹配方式 FROM 发布覆盖 WHERE 发布机关 = '儒林镇人民政府'").fetchone()
    assert tuple(office) == ("430529100", "机关名称含乡镇街道全称")


def test_deadlines_tell_missing_from_not_crawled(archive):
    create_views(archive)
    archive.row_factory = sqlite3.Row
    got = {(r["发布机关"], r["年度"]): r for r in archive.execute('SELECT * FROM "年报期限"')}
    county, minhou = "城步苗族自治县人民政府", "闽侯县人民政府"
    assert got[(county, 2021)]["状态"] == "存档中未找到"  # the portal was crawled after the deadline
    assert (
        got[(county, 2023)]["状态"] == "存档中未找到" and got[(county, 2023)]["门户最近抓取"] == "2025-04-10T00:00:00Z"
    )
    assert got[(minhou, 2021)]["状态"] == "门户未抓取"  # last crawled 2021-05-01, before 2022-03-31
    due = last_due_year(date.today())
    if due >= 2025:
        assert got[(county, 2025)]["状态"] == "门户未抓取"


@pytest.mark.skipif(SHARED_REGIONS is None, reason="the shared region tables are not beside this checkout")
def test_reports_under_a_code_retired_since_count_for_its_predecessor(tmp_path):
    conn = db.connect(tmp_path / "nianbao.db")
    import_history(conn, SHARED_REGIONS / "mca-county-codes-1981-2025.csv")
    db.upsert_portal(conn, {"id": "130111", "code": "130111", "name": "石家庄市栾城区人民政府", "level": "county"})
    _report(conn, 1, "130111", "栾城县人民政府", 2012, "2013-03-01T00:00:00Z")  # 栾城县 became 栾城区 in 2014
    _report(conn, 2, "130111", "石家庄市栾城区人民政府", 2016, "2017-03-01T00:00:00Z")
    register = Register.from_conn(conn)
    match_offices(conn, lambda: register)
    build_coverage(conn, lambda: register, today=TODAY)
    rows = _rows(conn)
    assert rows[("130124", 2012)]["government_reports"] == 1 and rows[("130124", 2012)]["name"] == "栾城县"
    assert ("130111", 2012) not in rows and ("130124", 2016) not in rows
    assert rows[("130111", 2016)]["status"] == "published"
    assert rows[("130100", 2012)]["counties_published"] == 1
    conn.close()


def test_prepare_for_serving_builds_the_coverage(tmp_path):
    conn = db.connect(tmp_path / "nianbao.db")
    db.upsert_portal(conn, {"id": "430529", "code": "430529", "name": "城步苗族自治县人民政府", "level": "county"})
    _report(conn, 1, "430529", "儒林镇人民政府", 2022, "2023-02-01T00:00:00Z")
    conn.close()
    stats = prepare_for_serving(tmp_path / "nianbao.db", registry=[("430524", "430524", "隆回县人民政府")])
    assert stats.register is not None and stats.register.counts["town"] == 41_352
    assert stats.offices_matched == 1 and stats.coverage_rows and stats.register_error is None
    again = prepare_for_serving(tmp_path / "nianbao.db")
    assert again.register is None and again.offices_matched == 0 and again.coverage_rows is None
    conn = sqlite3.connect(tmp_path / "nianbao.db")
    assert conn.execute("SELECT id FROM registry_portals").fetchall() == [("430524",)]  # kept between publishes
    assert "区划发布覆盖" in stats.views and "省份发布覆盖" in stats.views
    conn.close()

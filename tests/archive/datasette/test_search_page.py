"""The search page knows the template: its words answer with the figures across reports, as well as
the text hits; filters; OR; the syntax explained; no hit suggests the views; no Datasette jargon."""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from datasette.utils import tilde_decode
from publish_fixtures import Server, build_archive

from archive.publish.search import normalise
from archive.publish.views import LEVEL_LABELS
from archive.publish.vocabulary import FIGURES, figures_named
from extract.schema import APPLICANT_COLUMNS, APPLICATION_ROWS_2021, REVIEW_ROWS

DENIED = [r.key for r in APPLICATION_ROWS_2021 if r.key.startswith("denied_")]


# ----------------------------------------------------------------------------- vocabulary


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("不予公开", ["applications:不予公开"]),
        ("（三）不予公开", ["applications:不予公开"]),
        ("国家秘密", ["applications:denied_state_secret"]),
        ("属于国家秘密", ["applications:denied_state_secret"]),
        ("危及三安全一稳定", ["applications:denied_security_stability"]),
        ("行政复议", ["review:administrative_review"]),
        ("行政诉讼", ["review:行政诉讼"]),
        ("商业企业", ["applicants:commercial_enterprise"]),
        ("结转下年度继续办理", ["applications:carried_forward"]),
        ("无法提供", ["applications:无法提供"]),
        ("行政处罚", ["active:administrative_penalty"]),
        ("规范性文件", ["active:normative_documents"]),
        ("結轉下年度繼續辦理", ["applications:carried_forward"]),  # traditional characters
        ("不予公开 OR 行政复议", ["applications:不予公开", "review:administrative_review"]),
        ("扶贫", []),
        ("或", []),
    ],
)
def test_template_words_name_their_figures(query, keys):
    assert [f.key for f in figures_named(query)] == keys


def test_every_label_of_the_templates_names_a_figure():
    for row in APPLICATION_ROWS_2021:
        label = re.sub(r"（[^）]*）$", "", row.label)
        assert figures_named(label), row.key
    for _key, label in [*APPLICANT_COLUMNS[:-1], *REVIEW_ROWS]:
        assert figures_named(label), label
    assert len({f.key for f in FIGURES}) == len(FIGURES)
    assert all(f.columns and f.names for f in FIGURES)


# ----------------------------------------------------------------------------- the page


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    fixture = build_archive(tmp_path_factory.mktemp("searchpage"), n_reports=18, seed=21)
    server = Server(["--db", str(fixture.db_path)])
    conn = sqlite3.connect(fixture.db_path)
    conn.row_factory = sqlite3.Row
    yield fixture, server, conn
    conn.close()
    server.stop()


def _page(server, **params) -> str:
    r = httpx.get(server.url + "/archive/search", params=params, timeout=60)
    assert r.status_code == 200, r.text[:300]
    return r.text


def _figure(html: str, key: str) -> str:
    m = re.search(rf'<section class="nianbao-figure-result" data-figure="{re.escape(key)}">(.*?)</section>', html, re.S)
    assert m, f"no figure {key}"
    return m[1]


def _cell_values(conn, rows: list[str], col: str = "total", where: str = "1", params=()) -> dict[int, float]:
    marks = ", ".join("?" for _ in rows)
    got = conn.execute(
        f"SELECT c.report_id, sum(c.value) FROM cells c JOIN reports r ON r.id = c.report_id "
        f"LEFT JOIN portals p ON p.id = r.portal WHERE r.is_current = 1 AND c.table_name = 'applications' "
        f'AND c.col = ? AND c."row" IN ({marks}) AND {where} GROUP BY c.report_id',
        [col, *rows, *params],
    ).fetchall()
    return dict(got)


def test_a_row_of_the_template_answers_with_its_figures(site):
    fixture, server, conn = site
    html = _page(server, q="国家秘密")
    figure = _figure(html, "applications:denied_state_secret")
    values = _cell_values(conn, ["denied_state_secret"])
    assert f"{len(values):,} 份报告有此数值" in figure
    rows = re.findall(r'<tr><td class="nianbao-figure-report"><a href="/archive/-/report/(\d+)">.*?</tr>', figure, re.S)
    shown = [values[int(r)] for r in rows]  # the reports with the largest totals, largest first
    assert len(rows) == min(10, len(values)) and shown == sorted(values.values(), key=lambda v: -(v or 0))[:10]
    # every value links to its cell's provenance page, and is that cell's value
    for rid in rows[:3]:
        [(cell_id, value)] = conn.execute(
            "SELECT id, value FROM cells WHERE report_id = ? AND table_name = 'applications' "
            "AND row = 'denied_state_secret' AND col = 'total'",
            (int(rid),),
        ).fetchall()
        assert f'href="/archive/-/cell/{cell_id}" title="查看出处">{int(value)}</a>' in figure
    link = re.search(r'<a class="nianbao-view-link" href="([^"]+)">', figure)[1]
    url = urlsplit(link.replace("&amp;", "&"))
    assert tilde_decode(url.path) == "/archive/依申请办理情况"
    assert parse_qs(url.query) == {"_sort_desc": ["不予公开_属于国家秘密"]}
    assert httpx.get(server.url + link.replace("&amp;", "&"), timeout=60, follow_redirects=True).status_code == 200


def test_a_group_of_rows_sums_them_and_links_the_ranking(site):
    fixture, server, conn = site
    figure = _figure(_page(server, q="不予公开"), "applications:不予公开")
    values = _cell_values(conn, DENIED)
    total = sum(v or 0 for v in values.values())
    assert f"{len(values):,} 份报告有此数值，不予公开合计 {int(total)}。" in figure
    assert "不予公开理由排行" in figure and "<th>属于国家秘密</th>" in figure


def test_filters_narrow_the_figures_and_the_text(site):
    fixture, server, conn = site
    year = max(r.sample.year for r in fixture.reports if r.sample.template in ("2019", "2021"))
    level = conn.execute("SELECT level FROM reports WHERE year = ? AND level IS NOT NULL LIMIT 1", (year,)).fetchone()[
        0
    ]
    html = _page(server, q="不予公开", year=str(year), level=LEVEL_LABELS[level])
    values = _cell_values(conn, DENIED, where="r.year = ? AND coalesce(r.level, p.level) = ?", params=(year, level))
    assert f"{len(values):,} 份报告有此数值" in _figure(html, "applications:不予公开")
    assert f"<option selected>{year}</option>" in html and f"<option selected>{LEVEL_LABELS[level]}</option>" in html
    county = fixture.reports[0].county
    html = _page(server, q="复议", county=county)
    expected = _text_count(conn, ["复议"], county)
    assert 0 < expected < _text_count(conn, ["复议"])
    assert f"正文 Text（{expected:,} 处）" in html


def _text_count(conn, terms: list[str], county: str | None = None) -> int:
    """Current reports' sections that contain any of ``terms`` (simplified and traditional alike)."""
    sql = (
        "SELECT s.heading, s.text FROM sections s JOIN reports r ON r.id = s.report_id "
        "LEFT JOIN portals p ON p.id = r.portal WHERE r.is_current = 1"
    )
    rows = conn.execute(sql + (" AND p.county = ?" if county else ""), [county] if county else []).fetchall()
    texts = [normalise(f"{h or ''} {t or ''}") for h, t in rows]
    return sum(1 for text in texts if any(normalise(term) in text for term in terms))


def test_text_hits_are_counted_marked_and_paged(site):
    fixture, server, conn = site
    html = _page(server, q="公开")
    n = _text_count(conn, ["公开"])
    assert n > 20 and f"正文 Text（{n:,} 处）" in html
    assert html.count('<p class="nianbao-snippet">') == 20 and "<mark>公开</mark>" in html
    second = _page(server, q="公开", start="20")
    assert (
        second.count('<p class="nianbao-snippet">') == min(20, n - 20)
        and '<ol class="nianbao-hits" start="21">' in second
    )


def test_or_finds_either_and_says_so(site):
    fixture, server, conn = site
    html = _page(server, q="复议 OR 低保")
    n = _text_count(conn, ["复议", "低保"])
    assert n > max(_text_count(conn, ["复议"]), _text_count(conn, ["低保"]))
    assert f"正文 Text（{n:,} 处）" in html and "按“或”检索" in html
    assert f"正文 Text（{n:,} 处）" in _page(server, q="复议 或 低保")


def test_nothing_found_suggests_views_and_words(site):
    fixture, server, conn = site
    html = _page(server, q="量子计算")
    assert "没有找到“量子计算”" in html and "去掉筛选" not in html
    for view in ("依申请办理情况", "不予公开理由排行", "校验未通过"):
        assert f">{view}</a>" in html
    assert 'href="/archive/search?q=%E5%9B%BD%E5%AE%B6%E7%A7%98%E5%AF%86">国家秘密</a>' in html
    filtered = _page(server, q="量子计算", year="2019")
    assert "去掉筛选再找" in filtered


def test_the_page_explains_its_syntax_in_chinese_without_datasette_jargon(site):
    fixture, server, conn = site
    for html in (_page(server), _page(server, q="国家秘密")):
        text = re.sub(r"<[^>]+>", " ", html)
        assert "检索语法" in text and "OR" in text and "英文双引号" in text
        for jargon in ("Custom SQL query", "Run SQL", "SQL query", "Show SQL"):
            assert jargon not in text
        assert not re.search(r"<label[^>]*>\s*q\s*</label>", html)
    assert "检索语法" in _page(server) and '<details class="nianbao-syntax" open>' in _page(server)


def test_title_hits_and_traditional_queries(site):
    fixture, server, conn = site
    report = fixture.reports[0]
    organ = conn.execute("SELECT organ FROM reports WHERE id = ?", (report.id,)).fetchone()[0]
    html = _page(server, q=organ[:4])
    titles = re.search(r'<ul class="nianbao-title-hits">(.*?)</ul>', html, re.S)
    assert titles and normalise(organ[:4]) in normalise(titles[1])

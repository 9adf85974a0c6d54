"""Report ingestion: carrier choice, metadata merge, versions (new/unchanged/duplicate/changed/removed).

Real report bytes: sample reports rendered in the official table layouts
(``fixtures.archive.pages``) and the real 西岩镇 2019 report text; real SQLite files.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

import pytest
from fixtures.archive.pages import XIYAN_TEXT, edited, page_shell, report_body, report_page, sample, stub_page

from archive.store.db import connect
from archive.store.ingest import (
    IngestInput,
    _Extracted,
    choose_carrier,
    doc_key,
    ingest_report,
    mark_removed,
    organ_level,
    url_kind,
)
from extract import extract_document
from extract.model import Cell, Check, Report, Section

BASE = "http://www.cbx.gov.cn/zfxxgk/zfxxgknb"
HTML = "text/html; charset=utf-8"


@pytest.fixture()
def conn(tmp_path: Path) -> sqlite3.Connection:
    c = connect(tmp_path / "data" / "nianbao.db")
    yield c
    c.close()


def page_input(
    url: str, data: bytes, fetched: str = "2025-03-01T08:00:00Z", snapshot_id: int | None = None
) -> IngestInput:
    return IngestInput(url=url, data=data, content_type=HTML, snapshot_id=snapshot_id, fetched=fetched)


def rows(conn: sqlite3.Connection, sql: str, *params) -> list[tuple]:
    return [tuple(r) for r in conn.execute(sql, params)]


def one(conn: sqlite3.Connection, sql: str, *params) -> tuple:
    return tuple(conn.execute(sql, params).fetchone())


def count(conn: sqlite3.Connection, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        t: count(conn, t)
        for t in ("reports", "report_urls", "attachments", "cells", "checks", "sections", "warnings", "fetch_errors")
    }


# --------------------------------------------------------------------------- identity


@pytest.mark.parametrize(
    "url, key",
    [
        ("http://www.cbx.gov.cn/zfxxgk/zfxxgknb/202001/t20200120_80576.html", "http://www.cbx.gov.cn/zfxxgk/zfxxgknb/202001/t20200120_80576.html"),
        ("http://www.cbx.gov.cn/zfxxgk/zfxxgknb/202001/t20200120_80576_wap.html", "http://www.cbx.gov.cn/zfxxgk/zfxxgknb/202001/t20200120_80576.html"),
        ("HTTP://WWW.CBX.GOV.CN:80/a/t1.htm#top", "http://www.cbx.gov.cn/a/t1.htm"),
        ("https://www.pingtan.gov.cn:443/x/t2.htm?isMobile=false", "https://www.pingtan.gov.cn/x/t2.htm"),
        ("https://www.pingtan.gov.cn/x/t2.htm?IsMobile=true&id=3", "https://www.pingtan.gov.cn/x/t2.htm?id=3"),
        ("http://122.137.242.24:8080/xxgk/t3.html", "http://122.137.242.24:8080/xxgk/t3.html"),
        ("http://gk.ziyang.gov.cn/year_details.aspx?dept=58&year=2022", "http://gk.ziyang.gov.cn/year_details.aspx?dept=58&year=2022"),
        ("http://www.zoucheng.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=11370883004325769B&fbtime=2010",
         "http://www.zoucheng.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=11370883004325769B&fbtime=2010"),
        ("http://www.yongding.gov.cn/xxgk/wap_intro.html", "http://www.yongding.gov.cn/xxgk/wap_intro.html"),
    ],
)  # fmt: skip
def test_doc_key(url: str, key: str) -> None:
    assert doc_key(url) == key
    assert doc_key(key) == key  # idempotent


@pytest.mark.parametrize(
    "organ, level",
    [
        ("西岩镇人民政府", "town"), ("威溪乡人民政府", "town"), ("金紫街道办事处", "town"), ("西岩镇", "town"),
        ("城步苗族自治县人民政府", "county"), ("黄岛区人民政府", "county"), ("邵阳市人民政府", "city"),
        ("湖南省人民政府", "province"), ("城步苗族自治县教育局", "department"),
        ("上海市人民政府办公厅", "department"), ("平潭综合实验区地方税务局", "department"),
        ("城步苗族自治县发展和改革委员会", "department"), (None, None), ("某某", None),
    ],
)  # fmt: skip
def test_organ_level(organ: str | None, level: str | None) -> None:
    assert organ_level(organ) == level


def test_url_kind() -> None:
    assert url_kind("http://a.gov.cn/P020200115_1.pdf") == "pdf"
    assert url_kind("http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=2104.docx") == "docx"
    assert url_kind("http://a.gov.cn/file?id=3", "application/vnd.ms-excel") == "xls"
    assert url_kind("http://a.gov.cn/file?id=3") == "other"


# --------------------------------------------------------------------------- new reports


def test_new_report_from_an_html_page(conn: sqlite3.Connection) -> None:
    report = sample(21, "2021", level="town")
    data = report_page(report)
    url = f"{BASE}/202201/t20220110_1.html"
    result = ingest_report(conn, page=page_input(url, data), attachments=[], portal="430529", run_id=None)
    assert (result.status, result.report_id, result.version, result.carrier, result.cell_count) == (
        "new",
        1,
        1,
        "html",
        200,
    )
    extracted = extract_document(data, content_type=HTML, url=url)
    failed = sum(1 for c in extracted.checks if not c.ok)
    assert result.checks_failed == failed and result.errors == []
    row = conn.execute("SELECT * FROM reports").fetchone()
    sha = hashlib.sha256(data).hexdigest()
    assert dict(row) | {"content_sha256": None} == {
        "id": 1, "url": url, "title": report.title, "organ": report.organ, "year": report.year,
        "template": "2021", "published": report.published.isoformat(), "fetched": "2025-03-01T08:00:00Z",
        "sha256": sha, "portal": "430529", "doc_key": url, "version": 1, "is_current": 1, "supersedes": None,
        "edited": 0, "removed_at": None, "page_sha256": sha, "snapshot_id": None, "source_snapshot_id": None,
        "carrier": "html", "content_type": HTML, "canonical_url": None, "level": "town", "cell_count": 200,
        "checks_failed": failed, "warning_count": 0, "last_seen": "2025-03-01T08:00:00Z", "run_id": None,
        "content_sha256": None, "year_source": "title",
    }  # fmt: skip
    assert len(row["content_sha256"]) == 64
    stored = {
        (r["table_name"], r["row"], r["col"]): (r["value"], r["raw"], r["unit"])
        for r in conn.execute('SELECT table_name, "row", col, value, raw, unit FROM cells WHERE report_id = 1')
    }
    expected = {k: (c.value, c.raw, c.unit) for k, c in report.expected_cells().items()}
    assert stored == expected
    checks = conn.execute(
        'SELECT rule, "column", ok, expected, actual, table_name, detail FROM checks ORDER BY id'
    ).fetchall()
    assert [tuple(c) for c in checks] == [
        (c.rule, c.column, int(c.ok), c.expected, c.actual, c.table, c.detail) for c in extracted.checks
    ]
    assert {c.rule for c in extracted.checks if c.rule in ("R1", "R2", "R3", "R4") and not c.ok} == set()
    headings = [
        r[0] for r in conn.execute("SELECT heading FROM sections WHERE report_id = 1 AND number > 0 ORDER BY number")
    ]
    assert headings == [h for h, _ in report.sections]
    assert rows(conn, "SELECT report_id, url, first_seen, url_key FROM report_urls") == [
        (1, url, "2025-03-01T08:00:00Z", url)
    ]


def test_values_from_a_text_attachment_metadata_from_the_page(conn: sqlite3.Connection) -> None:
    text = XIYAN_TEXT.read_bytes()
    page = stub_page(
        "西岩镇2019年政府信息公开工作年度报告",
        "西岩镇人民政府",
        "2020-01-15",
        [("P020200115_1.txt", "西岩镇2019年年报")],
    )
    result = ingest_report(
        conn,
        page=page_input(f"{BASE}/202001/t20200115_1.html", page, snapshot_id=None),
        attachments=[
            IngestInput(
                f"{BASE}/202001/P020200115_1.txt", text, "text/plain", None, "2025-03-01T08:00:01Z", "西岩镇2019年年报"
            )
        ],
        portal=None,
        run_id=None,
    )
    assert (result.status, result.carrier, result.cell_count, result.carrier_url) == (
        "new",
        "text",
        198,
        f"{BASE}/202001/P020200115_1.txt",
    )
    row = conn.execute(
        "SELECT title, organ, year, template, published, sha256, page_sha256, carrier, level FROM reports"
    ).fetchone()
    assert tuple(row) == (
        "西岩镇政府信息公开工作年度报告",  # the document's own title
        "西岩镇人民政府",
        2019,
        "2019",
        "2020-01-15",  # the date the page shows
        hashlib.sha256(text).hexdigest(),  # the bytes the values come from
        hashlib.sha256(page).hexdigest(),
        "text",
        "town",
    )
    att = conn.execute("SELECT url, link_text, sha256, kind, used_for_values, error FROM attachments").fetchall()
    assert [tuple(a) for a in att] == [
        (f"{BASE}/202001/P020200115_1.txt", "西岩镇2019年年报", hashlib.sha256(text).hexdigest(), "text", 1, None)
    ]
    # the 198 cells of the real report (spot checks)
    value = {(r[0], r[1], r[2]): r[3] for r in conn.execute('SELECT table_name, "row", col, value FROM cells')}
    assert value[("active_disclosure", "normative_documents", "new_made")] == 15
    assert len(value) == 198
    headings = [r[0] for r in conn.execute("SELECT heading FROM sections WHERE number BETWEEN 1 AND 6 ORDER BY number")]
    assert headings[0] == "一、总体情况" and len(headings) == 6


def test_a_corrupt_attachment_is_recorded_without_losing_the_report(conn: sqlite3.Connection) -> None:
    report = sample(22, "2019", level="county")
    page = report_page(report, [("P1_fj.pdf", "全真版")])
    broken = b"%PDF-1.4\n%not really a pdf\n" + bytes(range(256)) * 4
    pdf_url = f"{BASE}/202001/P1_fj.pdf"
    result = ingest_report(
        conn,
        page=page_input(f"{BASE}/202001/t1.html", page),
        attachments=[IngestInput(pdf_url, broken, "application/pdf", None, "2025-03-01T08:00:02Z", "全真版")],
        portal="430529",
        run_id=7,
    )
    assert result.status == "new" and result.carrier == "html" and result.cell_count == 198
    assert [u for u, _ in result.errors] == [pdf_url]
    att = conn.execute("SELECT kind, used_for_values, error FROM attachments WHERE url = ?", (pdf_url,)).fetchone()
    assert att["kind"] == "pdf" and att["used_for_values"] == 0 and att["error"].startswith("ExtractionError")
    err = conn.execute("SELECT run_id, portal, url, at, kind, status, reason FROM fetch_errors").fetchone()
    assert tuple(err) == (7, "430529", pdf_url, "2025-03-01T08:00:02Z", "extract", None, att["error"])


def test_a_report_whose_only_file_is_unreadable_is_still_archived(conn: sqlite3.Connection) -> None:
    page = stub_page("茅坪镇2018年政府信息公开工作年度报告", "茅坪镇人民政府", "2019-01-20", [("P2.pdf", "附件")])
    result = ingest_report(
        conn,
        page=page_input(f"{BASE}/201901/t2.html", page),
        attachments=[
            IngestInput(
                f"{BASE}/201901/P2.pdf", b"%PDF-1.7 truncated", "application/pdf", None, "2025-03-01T08:00:00Z", "附件"
            )
        ],
    )
    assert result.status == "new" and result.cell_count == 0
    row = conn.execute("SELECT title, organ, year, published, carrier, sha256 FROM reports").fetchone()
    assert tuple(row) == (
        "茅坪镇2018年政府信息公开工作年度报告",
        "茅坪镇人民政府",
        2018,
        "2019-01-20",
        "html",
        hashlib.sha256(page).hexdigest(),
    )
    assert count(conn, "fetch_errors") == 1


def test_writes_are_one_transaction(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TRIGGER fail_sections BEFORE INSERT ON sections BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    data = report_page(sample(23, "2021"))
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        ingest_report(conn, page=page_input(f"{BASE}/t3.html", data), attachments=[])
    assert counts(conn) == dict.fromkeys(counts(conn), 0)
    conn.execute("DROP TRIGGER fail_sections")
    result = ingest_report(conn, page=page_input(f"{BASE}/t3.html", data), attachments=[])
    assert result.status == "new" and result.report_id == 1 and count(conn, "cells") == 200


# --------------------------------------------------------------------------- versions


def test_same_bytes_again_is_unchanged(conn: sqlite3.Connection) -> None:
    data = report_page(sample(24, "2021"))
    url = f"{BASE}/t4.html"
    first = ingest_report(conn, page=page_input(url, data), attachments=[])
    before = counts(conn)
    again = ingest_report(conn, page=page_input(url, data, fetched="2025-04-01T08:00:00Z"), attachments=[])
    assert (again.status, again.report_id, again.version) == ("unchanged", first.report_id, 1)
    assert counts(conn) == before
    assert one(conn, "SELECT fetched, last_seen FROM reports") == ("2025-03-01T08:00:00Z", "2025-04-01T08:00:00Z")
    # an older fetch replayed later does not move last_seen back
    ingest_report(conn, page=page_input(url, data, fetched="2025-03-15T08:00:00Z"), attachments=[])
    assert conn.execute("SELECT last_seen FROM reports").fetchone()[0] == "2025-04-01T08:00:00Z"


def test_page_chrome_changes_do_not_make_a_version(conn: sqlite3.Connection) -> None:
    report = sample(25, "2021")
    url = f"{BASE}/t5.html"
    a = page_shell(report.title, report.organ, report.published.isoformat(), report_body(report), chrome="访问量：1203")
    b = page_shell(report.title, report.organ, report.published.isoformat(), report_body(report), chrome="访问量：1251")
    assert a != b
    ingest_report(conn, page=page_input(url, a), attachments=[])
    result = ingest_report(conn, page=page_input(url, b, fetched="2025-04-01T08:00:00Z"), attachments=[])
    assert result.status == "unchanged" and count(conn, "reports") == 1
    assert conn.execute("SELECT page_sha256 FROM reports").fetchone()[0] == hashlib.sha256(a).hexdigest()


def test_wap_twin_and_repost_are_duplicates(conn: sqlite3.Connection) -> None:
    report = sample(26, "2019", level="town")
    data = report_page(report)
    url = f"{BASE}/202001/t20200120_6.html"
    ingest_report(conn, page=page_input(url, data), attachments=[])
    wap = ingest_report(
        conn,
        page=page_input(f"{BASE}/202001/t20200120_6_wap.html", data, fetched="2025-03-01T08:01:00Z"),
        attachments=[],
    )
    assert (wap.status, wap.report_id, wap.doc_key) == ("duplicate", 1, url)
    mobile = ingest_report(
        conn, page=page_input(url + "?isMobile=true", data, fetched="2025-03-01T08:02:00Z"), attachments=[]
    )
    assert mobile.status == "duplicate"
    # the same report re-posted under another column: other page chrome, same content
    repost_url = "http://www.cbx.gov.cn/xxgk/xzxxgk/xyz/202001/t20200121_9.html"
    repost = page_shell(
        report.title, report.organ, report.published.isoformat(), report_body(report), chrome="乡镇信息公开"
    )
    result = ingest_report(conn, page=page_input(repost_url, repost, fetched="2025-03-01T08:03:00Z"), attachments=[])
    assert (result.status, result.report_id) == ("duplicate", 1)
    assert count(conn, "reports") == 1
    urls = [r[0] for r in conn.execute("SELECT url FROM report_urls WHERE report_id = 1 ORDER BY first_seen")]
    assert urls == [url, f"{BASE}/202001/t20200120_6_wap.html", url + "?isMobile=true", repost_url]
    # seen again under a known URL: unchanged
    assert (
        ingest_report(conn, page=page_input(repost_url, repost, fetched="2025-04-01T08:00:00Z"), attachments=[]).status
        == "unchanged"
    )


def test_same_attachment_linked_from_two_pages_is_a_duplicate(conn: sqlite3.Connection) -> None:
    text = XIYAN_TEXT.read_bytes()
    att = IngestInput(f"{BASE}/202001/P020200115_1.txt", text, "text/plain", None, "2025-03-01T08:00:00Z", "附件")
    for n, (title, col) in enumerate(
        [("西岩镇2019年政府信息公开工作年度报告", "zfxxgknb"), ("西岩镇2019年信息公开年报", "xzjd")]
    ):
        page = stub_page(title, "西岩镇人民政府", "2020-01-15", [("P020200115_1.txt", "附件")], chrome=col)
        result = ingest_report(conn, page=page_input(f"http://www.cbx.gov.cn/{col}/t{n}.html", page), attachments=[att])
        assert result.status == ("new", "duplicate")[n]
    assert count(conn, "reports") == 1 and count(conn, "report_urls") == 2


def test_an_edited_report_is_a_new_version(conn: sqlite3.Connection) -> None:
    report = sample(27, "2021")
    url = f"{BASE}/t7.html"
    v1 = ingest_report(conn, page=page_input(url, report_page(report)), attachments=[])
    corrected = edited(report)
    v2 = ingest_report(
        conn, page=page_input(url, report_page(corrected), fetched="2025-04-01T08:00:00Z"), attachments=[]
    )
    assert (v2.status, v2.version, v2.supersedes, v2.report_id) == ("changed", 2, v1.report_id, 2)
    rows = conn.execute(
        "SELECT id, version, is_current, edited, supersedes, fetched FROM reports ORDER BY id"
    ).fetchall()
    assert [tuple(r) for r in rows] == [
        (1, 1, 0, 1, None, "2025-03-01T08:00:00Z"),
        (2, 2, 1, 1, 1, "2025-04-01T08:00:00Z"),
    ]
    key = ("review_litigation", "administrative_review", "pending")
    values = dict(
        conn.execute(
            'SELECT report_id, value FROM cells WHERE table_name = ? AND "row" = ? AND col = ?', key
        ).fetchall()
    )
    assert values == {1: report.cells[key].value, 2: corrected.cells[key].value}
    assert count(conn, "cells") == 400  # both versions keep all their cells
    # the corrected bytes again: unchanged (against the current version)
    again = ingest_report(
        conn, page=page_input(url, report_page(corrected), fetched="2025-05-01T08:00:00Z"), attachments=[]
    )
    assert (again.status, again.report_id) == ("unchanged", 2)
    # back to the first text: a third version, history kept
    v3 = ingest_report(conn, page=page_input(url, report_page(report), fetched="2025-06-01T08:00:00Z"), attachments=[])
    assert (v3.status, v3.version, v3.supersedes) == ("changed", 3, 2)
    assert [r[0] for r in conn.execute("SELECT id FROM reports WHERE is_current = 1")] == [3]


def test_a_replaced_attachment_makes_a_new_version(conn: sqlite3.Connection) -> None:
    text = XIYAN_TEXT.read_bytes()
    page = stub_page("西岩镇2019年政府信息公开工作年度报告", "西岩镇人民政府", "2020-01-15", [("P1.txt", "附件")])
    purl, aurl = f"{BASE}/t8.html", f"{BASE}/P1.txt"
    ingest_report(
        conn,
        page=page_input(purl, page),
        attachments=[IngestInput(aurl, text, "text/plain", None, "2025-03-01T08:00:00Z")],
    )
    fixed = text.replace("共公开政府信息15条".encode(), "共公开政府信息16条".encode())
    result = ingest_report(conn, page=page_input(purl, page, fetched="2025-04-01T08:00:00Z"),
                           attachments=[IngestInput(aurl, fixed, "text/plain", None, "2025-04-01T08:00:01Z")])  # fmt: skip
    assert (result.status, result.version, result.sha256) == ("changed", 2, hashlib.sha256(fixed).hexdigest())
    assert [tuple(r) for r in conn.execute("SELECT report_id, sha256 FROM attachments ORDER BY report_id")] == [
        (1, hashlib.sha256(text).hexdigest()),
        (2, hashlib.sha256(fixed).hexdigest()),
    ]


def test_removed_report_stays_and_comes_back(conn: sqlite3.Connection) -> None:
    report = sample(28, "2021")
    url = f"{BASE}/t9.html"
    ingest_report(conn, page=page_input(url, report_page(report)), attachments=[])
    ingest_report(
        conn, page=page_input(url, report_page(edited(report)), fetched="2025-04-01T08:00:00Z"), attachments=[]
    )
    assert mark_removed(conn, doc_key(url), "2025-05-01T08:00:00Z") == 2  # every version
    assert mark_removed(conn, url.replace(".html", "_wap.html"), "2025-06-01T08:00:00Z") == 0  # already marked
    assert [tuple(r) for r in conn.execute("SELECT id, removed_at FROM reports")] == [
        (1, "2025-05-01T08:00:00Z"),
        (2, "2025-05-01T08:00:00Z"),
    ]
    assert count(conn, "cells") == 400  # nothing deleted
    back = ingest_report(
        conn, page=page_input(url, report_page(edited(report)), fetched="2025-07-01T08:00:00Z"), attachments=[]
    )
    assert back.status == "unchanged"
    assert [r[0] for r in conn.execute("SELECT removed_at FROM reports")] == [None, None]


def test_not_a_report_gets_a_warning(conn: sqlite3.Connection) -> None:
    notice = page_shell(
        "关于做好2019年政府信息公开工作年度报告的通知",
        "城步县政务公开办",
        "2019-12-20",
        "<p>各乡镇人民政府：请于1月31日前发布年度报告。</p>",
    )
    result = ingest_report(conn, page=page_input(f"{BASE}/t10.html", notice), attachments=[])
    assert result.status == "new" and result.cell_count == 0
    assert any("does not look like an annual report" in w for w in result.warnings)
    assert conn.execute("SELECT warning_count FROM reports").fetchone()[0] == len(result.warnings)


# --------------------------------------------------------------------------- carrier choice


def _rep(carrier: str, cells: int, failed: int = 0, text: str = "") -> Report:
    rep = Report(source="x", sha256="0" * 64, carrier=carrier, template="2021" if cells else "none")
    rep.cells = [Cell("applications", f"r{i}", "total", i, str(i), None, "", "") for i in range(cells)]
    rep.checks = [Check("R1", f"c{i}", i >= failed, 0, 0) for i in range(max(failed, 1))]
    rep.sections = [Section(1, "一、总体情况", text)] if text else []
    return rep


def _cands(*reports: Report | None) -> list[_Extracted]:
    return [
        _Extracted(i, IngestInput(f"http://a.gov.cn/{i}", bytes([i])), r, None if r else "broken")
        for i, r in enumerate(reports)
    ]


def test_carrier_choice() -> None:
    # the most structured complete carrier wins
    c = _cands(_rep("html", 200), _rep("pdf", 200), _rep("xlsx", 200))
    assert choose_carrier(c).index == 0
    c = _cands(_rep("html", 0, text="详见附件"), _rep("pdf", 200), _rep("xls", 200))
    assert choose_carrier(c).index == 2
    c = _cands(_rep("html", 0), _rep("image", 200), _rep("pdf", 200))
    assert choose_carrier(c).index == 2
    c = _cands(_rep("html", 0), _rep("doc", 198), _rep("pdf", 200))
    assert choose_carrier(c).index == 1  # 198 of 200 counts as complete
    # a partial table in the page does not beat a complete file
    c = _cands(_rep("html", 22), _rep("pdf", 200))
    assert choose_carrier(c).index == 1
    # equal carriers: fewer failed checks, then more cells, then the page
    c = _cands(_rep("html", 200, failed=3), _rep("docx", 200, failed=0))
    assert choose_carrier(c).index == 1
    c = _cands(_rep("html", 200), _rep("docx", 200))
    assert choose_carrier(c).index == 0
    # no cells anywhere: the page when it carries the text, else the document with most text
    c = _cands(_rep("html", 0, text="一" * 300), _rep("pdf", 0, text="二" * 500))
    assert choose_carrier(c).index == 0
    c = _cands(_rep("html", 0, text="详见附件"), _rep("pdf", 0, text="二" * 500))
    assert choose_carrier(c).index == 1
    c = _cands(None, None)
    assert choose_carrier(c).index == 0


def test_a_check_that_cannot_run_is_stored_as_not_checkable(conn: sqlite3.Connection) -> None:
    """A leaf row of 三 missing: R3 is stored with ok NULL and its reason, and is no failure."""
    report = sample(23, "2021", level="town")
    html = report_page(report).decode("utf-8")
    cut = re.search(r"<tr[^>]*>(?:(?!</tr>).)*重复申请(?:(?!</tr>).)*</tr>", html, flags=re.S)
    assert cut is not None
    data = (html[: cut.start()] + html[cut.end() :]).encode("utf-8")
    url = f"{BASE}/202201/t20220110_9.html"
    result = ingest_report(conn, page=page_input(url, data), attachments=[], portal="430529", run_id=None)
    r3 = rows(conn, "SELECT ok, detail FROM checks WHERE rule = 'R3'")
    assert len(r3) == 7 and all(ok is None and detail.startswith("不可校验：缺少行 ") for ok, detail in r3)
    assert result.checks_failed == rows(conn, "SELECT count(*) FROM checks WHERE ok = 0")[0][0]
    assert rows(conn, "SELECT checks_failed FROM reports") == [(result.checks_failed,)]

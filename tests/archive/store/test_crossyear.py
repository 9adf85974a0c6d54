"""R5–R7 across years: the same office's reports compared, kept current by ingest and by publishing.

Real report pages (sample reports in the official layouts, ``fixtures.archive.pages``) ingested into
real SQLite archives; the office keys come from the names and, when publishing has matched the
offices to the register, from ``office_divisions``.
"""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path

import pytest
from fixtures.archive.pages import report_page, sample
from portalgen.sample import SampleCell, SampleReport, continue_from

from archive.store.crossyear import normalise_organ, rebuild_cross_year, update_cross_year
from archive.store.db import connect
from archive.store.ingest import IngestInput, ingest_report

HTML = "text/html; charset=utf-8"
BASE = "http://www.cbx.gov.cn/zfxxgk/zfxxgknb"


@pytest.fixture()
def conn(tmp_path: Path) -> sqlite3.Connection:
    c = connect(tmp_path / "data" / "nianbao.db")
    yield c
    c.close()


def office_years(seed: int, organ: str, short: str, years: list[tuple[int, str]]) -> list[SampleReport]:
    """Reports of one office over ``years`` ((year, template)), consistent across years."""
    out: list[SampleReport] = []
    for i, (year, template) in enumerate(years):
        r = sample(seed + i, template, year=year, level="town", organ=organ, short_name=short)
        r.title = f"{short}{year}年政府信息公开工作年度报告"
        if out:
            continue_from(out[-1], r)
        out.append(r)
    return out


def ingest(conn: sqlite3.Connection, report: SampleReport, url: str, portal: str = "430529") -> int:
    page = IngestInput(url=url, data=report_page(report), content_type=HTML, fetched="2025-03-01T08:00:00Z")
    return ingest_report(conn, page=page, attachments=[], portal=portal).report_id


def checks(conn: sqlite3.Connection, rid: int, rule: str | None = None) -> list[tuple]:
    sql = 'SELECT rule, "column", ok, expected, actual, compared_report_id, detail FROM checks WHERE report_id = ?'
    args: list = [rid]
    if rule:
        sql += " AND rule = ?"
        args.append(rule)
    return [tuple(r) for r in conn.execute(sql + " ORDER BY id", args)]


def cross(conn: sqlite3.Connection) -> list[tuple]:
    return sorted(
        tuple(r)
        for r in conn.execute(
            'SELECT report_id, rule, "column", ok, expected, actual, compared_report_id, detail FROM checks '
            "WHERE rule IN ('R5', 'R6', 'R7')"
        )
    )


def set_cell(report: SampleReport, key: tuple[str, str, str], value: int) -> None:
    report.cells[key] = SampleCell(str(value), value)


def test_organ_names_are_normalised_for_comparing_years():
    assert normalise_organ("西岩镇人民政府") == normalise_organ("西岩镇政府") == "西岩镇政府"
    assert normalise_organ("金紫街道办事处") == normalise_organ(" 金紫街道 ") == "金紫街道"
    assert normalise_organ("城步苗族自治县人民政府办公室") == "城步苗族自治县政府"
    assert normalise_organ(None) == ""


def test_consecutive_years_of_one_office_pass_r5_and_r6(conn):
    reports = office_years(11, "西岩镇人民政府", "西岩镇", [(2021, "2021"), (2022, "2021"), (2023, "2021")])
    ids = [ingest(conn, r, f"{BASE}/t{r.year}.html") for r in reports]
    assert checks(conn, ids[0], "R5") == []  # no 2020 report archived: nothing to compare
    for prev, rid in zip(ids, ids[1:]):
        r5 = checks(conn, rid, "R5")
        assert [c[1] for c in r5] == ["natural_person", "commercial_enterprise", "research_institution",
                                      "social_welfare_org", "legal_service_org", "other_org", "total"]  # fmt: skip
        assert all(c[2] == 1 and c[5] == prev for c in r5)
        r6 = checks(conn, rid, "R6")
        assert [(c[1], c[2]) for c in r6] == [("regulations", 1), ("normative_documents", 1)]
    assert not checks(conn, ids[1], "R7")  # R7 is the 2019 template's


def test_a_carry_over_mismatch_fails_r5_with_both_figures(conn):
    a, b = office_years(21, "儒林镇人民政府", "儒林镇", [(2021, "2021"), (2022, "2021")])
    set_cell(a, ("applications", "carried_forward", "natural_person"), 3)
    set_cell(a, ("applications", "new_received", "natural_person"),
             a.cells[("applications", "total", "natural_person")].value + 3 - a.cells[("applications", "carried_over", "natural_person")].value)  # fmt: skip
    first = ingest(conn, a, f"{BASE}/a.html")
    b.organ = "儒林镇政府"  # the same office, its name written differently
    set_cell(b, ("applications", "carried_over", "natural_person"), 1)
    second = ingest(conn, b, f"{BASE}/b.html")
    (bad,) = [c for c in checks(conn, second, "R5") if c[2] == 0]
    assert bad[:6] == ("R5", "natural_person", 0, 3, 1, first)
    assert "上年结转1件" in bad[6] and "结转下年度继续办理3件" in bad[6] and f"#{first}" in bad[6]
    failed = conn.execute("SELECT checks_failed FROM reports WHERE id = ?", (second,)).fetchone()[0]
    assert failed == conn.execute("SELECT count(*) FROM checks WHERE report_id = ? AND ok = 0", (second,)).fetchone()[0]
    assert failed >= 1


def test_the_later_year_arriving_first_is_checked_when_the_earlier_one_comes(conn):
    a, b = office_years(31, "丹口镇人民政府", "丹口镇", [(2021, "2021"), (2022, "2021")])
    second = ingest(conn, b, f"{BASE}/b.html")
    assert checks(conn, second, "R5") == []
    first = ingest(conn, a, f"{BASE}/a.html")
    assert {c[5] for c in checks(conn, second, "R5")} == {first}
    assert checks(conn, first, "R5") == []


def test_a_new_version_of_the_earlier_report_redoes_the_later_reports_checks(conn):
    a, b = office_years(41, "五团镇人民政府", "五团镇", [(2021, "2021"), (2022, "2021")])
    first = ingest(conn, a, f"{BASE}/a.html")
    second = ingest(conn, b, f"{BASE}/b.html")
    assert all(c[2] == 1 for c in checks(conn, second, "R5"))
    corrected = copy.deepcopy(a)
    forward = corrected.cells[("applications", "carried_forward", "other_org")].value or 0
    set_cell(corrected, ("applications", "carried_forward", "other_org"), forward + 2)
    set_cell(corrected, ("applications", "new_received", "other_org"),
             (corrected.cells[("applications", "new_received", "other_org")].value or 0) + 2)  # fmt: skip
    corrected.sections[0] = (corrected.sections[0][0], corrected.sections[0][1] + "（更正）")
    newer = ingest(conn, corrected, f"{BASE}/a.html")
    assert newer != first
    r5 = {c[1]: c for c in checks(conn, second, "R5")}
    assert r5["other_org"][2] == 0 and r5["other_org"][5] == newer and r5["other_org"][3] == forward + 2
    assert checks(conn, first) and not checks(conn, first, "R5")


def test_the_2019_template_is_checked_by_r7(conn):
    a, b = office_years(51, "茅坪镇人民政府", "茅坪镇", [(2019, "2019"), (2020, "2019")])
    ingest(conn, a, f"{BASE}/a.html")
    second = ingest(conn, b, f"{BASE}/b.html")
    r7 = checks(conn, second, "R7")
    assert [c[1] for c in r7] == ["administrative_licensing", "other_management_services", "administrative_penalty",
                                  "administrative_coercion", "administrative_fees"]  # fmt: skip
    assert all(c[2] == 1 for c in r7)
    assert checks(conn, second, "R6") == []


def test_two_candidates_of_the_previous_year_are_not_checkable(conn):
    a, b = office_years(61, "威溪乡人民政府", "威溪乡", [(2021, "2021"), (2022, "2021")])
    ingest(conn, a, f"{BASE}/a.html")
    twin = copy.deepcopy(a)
    twin.organ = "威溪乡人民政府"
    twin.sections[0] = (twin.sections[0][0], "另一份：" + twin.sections[0][1])
    twin.title = "威溪乡2021年度政府信息公开工作报告（修订稿）"
    ingest(conn, twin, f"{BASE}/a2.html")
    second = ingest(conn, b, f"{BASE}/b.html")
    (r5,) = checks(conn, second, "R5")
    assert r5[2] is None and r5[1] is None and "2份报告可能属于同一机关" in r5[6]


def test_other_offices_and_portals_are_not_compared(conn):
    (a,) = office_years(71, "汀坪乡人民政府", "汀坪乡", [(2021, "2021")])
    (b,) = office_years(72, "长安营镇人民政府", "长安营镇", [(2022, "2021")])
    ingest(conn, a, f"{BASE}/a.html")
    assert checks(conn, ingest(conn, b, f"{BASE}/b.html"), "R5") == []
    (c,) = office_years(73, "汀坪乡人民政府", "汀坪乡", [(2022, "2021")])
    assert checks(conn, ingest(conn, c, "http://other.example/c.html", portal="430500"), "R5") == []


def test_publishing_matches_offices_through_the_register_and_the_result_is_the_full_recomputation(conn):
    (a,) = office_years(81, "五团乡人民政府", "五团乡", [(2021, "2021")])
    (b,) = office_years(82, "五团镇人民政府", "五团镇", [(2022, "2021")])  # the township became a town
    continue_from(a, b)
    first = ingest(conn, a, f"{BASE}/a.html")
    second = ingest(conn, b, f"{BASE}/b.html")
    assert checks(conn, second, "R5") == []  # by name alone they are two offices
    with conn:
        conn.executemany(
            "INSERT INTO office_divisions (portal, organ, code, office_level, method, matched) VALUES (?, ?, ?, ?, ?, ?)",
            [("430529", "五团乡人民政府", "430529104", "town", "town_short_name", "五团镇"),
             ("430529", "五团镇人民政府", "430529104", "town", "town_name", "五团镇")],
        )  # fmt: skip
        assert update_cross_year(conn) == 2
    assert {c[5] for c in checks(conn, second, "R5")} == {first}
    with conn:
        assert update_cross_year(conn) == 0  # nothing changed since
    incremental = cross(conn)
    with conn:
        rebuild_cross_year(conn)
    assert cross(conn) == incremental

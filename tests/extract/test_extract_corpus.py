"""Extraction over the real reports of the corpus (a copy of ../shared/corpus under tests/fixtures)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from paths import FIXTURES

from extract import extract_document
from extract.schema import APPLICANT_KEYS, canonical_keys

CORPUS = FIXTURES / "corpus"


def load(rel: str, content_type: str | None = None):
    path = CORPUS / rel
    return extract_document(path.read_bytes(), content_type=content_type, source=str(path))


# --------------------------------------------------------------------------- 西岩镇 2019 (text)


def test_xiyan_every_cell():
    r = load("reports/xiyan-town-2019.txt")
    assert r.template == "2019"
    assert r.title == "西岩镇政府信息公开工作年度报告"
    assert r.organ == "西岩镇人民政府"
    assert r.year == 2019
    got = {c.key(): c for c in r.cells}
    assert len(r.cells) == 198 == len(got)
    assert set(got) == set(canonical_keys("2019"))
    nonzero = {
        ("active_disclosure", "normative_documents", col): 15
        for col in ("new_made", "new_published", "total_published")
    }
    blank = {("applications", "carried_forward", "commercial_enterprise")}
    for key, cell in got.items():
        if key in blank:
            assert cell.value is None and cell.raw == ""
        else:
            assert cell.value == nonzero.get(key, 0), key
            assert cell.raw == str(cell.value)
        assert cell.unit is None
    assert got[("applications", "denied_state_secret", "natural_person")].label == "（三）不予公开 1.属于国家秘密"
    assert got[("active_disclosure", "regulations", "new_made")].label == "规章"


def test_xiyan_checks_and_sections():
    r = load("reports/xiyan-town-2019.txt")
    rules = {c.rule for c in r.checks}
    assert {"R1", "R2", "R3", "R4", "R8"} <= rules
    assert all(c.ok for c in r.checks)
    assert len([c for c in r.checks if c.rule == "R1"]) == 7
    assert len([c for c in r.checks if c.rule == "R2"]) == 23
    assert len([c for c in r.checks if c.rule == "R4"]) == 3
    assert [(s.number, s.heading) for s in r.sections] == [
        (1, "一、总体情况"),
        (2, "二、主动公开政府信息情况"),
        (3, "三、收到和处理政府信息公开申请情况"),
        (4, "四、政府信息公开行政复议、行政诉讼情况"),
        (5, "五、存在的主要问题及改进情况"),
        (6, "六、其他需要报告的事项"),
    ]
    assert r.sections[0].text.startswith("（一）加强领导，信息公开推进有序")
    assert r.sections[5].text == "2019年度西岩镇无其他需要报告的事项。"
    assert not r.warnings


# --------------------------------------------------------------------------- 平潭 2024 (HTML slice)

PINGTAN_ACTIVE = {
    ("regulations", "issued"): 0,
    ("regulations", "repealed"): 0,
    ("regulations", "in_force"): 0,
    ("normative_documents", "issued"): 62,
    ("normative_documents", "repealed"): 33,
    ("normative_documents", "in_force"): 440,
    ("administrative_licensing", "decisions"): 4529,
    ("administrative_penalty", "decisions"): 1100,
    ("administrative_coercion", "decisions"): 65,
    ("administrative_fees", "fee_amount"): 18651.06,
}
# 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计 — as on the page
PINGTAN_APPS = {
    "new_received": [217, 1, 0, 0, 0, 0, 218],
    "carried_over": [0, 0, 0, 0, 0, 0, 0],
    "granted": [71, 0, 0, 0, 0, 0, 71],
    "partially_granted": [29, 0, 0, 0, 0, 0, 29],
    "denied_state_secret": [4, 0, 0, 0, 0, 0, 4],
    "denied_prohibited_by_law": [0, 0, 0, 0, 0, 0, 0],
    "denied_security_stability": [0, 0, 0, 0, 0, 0, 0],
    "denied_third_party": [3, 0, 0, 0, 0, 0, 3],
    "denied_internal_affairs": [32, 0, 0, 0, 0, 0, 32],
    "denied_process_information": [0, 0, 0],  # the slice ends inside this row
}


def test_pingtan_2024_html_slice_every_cell_present():
    r = load("portal-pages/pingtan-2024-detail.partial.html", "text/html; charset=utf-8")
    assert r.template == "2021"
    assert r.title == "平潭综合实验区2024年度政府信息公开工作年度报告"
    assert r.year == 2024
    assert r.published == "2025-03-10"
    assert r.organ == "平潭综合实验区"
    expected = {("active_disclosure", row, col): v for (row, col), v in PINGTAN_ACTIVE.items()}
    for row, values in PINGTAN_APPS.items():
        for col, v in zip(APPLICANT_KEYS, values):
            expected[("applications", row, col)] = v
    got = {c.key(): c.value for c in r.cells}
    assert got == expected
    fee = r.cell_map()[("active_disclosure", "administrative_fees", "fee_amount")]
    assert fee.unit == "万元" and fee.raw == "18651.06" and isinstance(fee.value, float)
    assert r.cell_map()[("applications", "granted", "natural_person")].where == "t1/r5/c2"
    assert any("ends inside this row" in w for w in r.warnings)
    assert [s.number for s in r.sections] == [0, 1, 2, 3]
    assert "统计期限为2024年1月1日至2024年12月31日" in r.sections[0].text


def test_pingtan_2024_text_dump_never_reads_run_together_digits():
    r = load("reports/pingtan-2024.txt")
    assert r.cells == []
    assert r.template == "2021"  # from the labels of the flattened tables
    assert r.year == 2024 and r.published == "2025-03-10"
    flat = [w for w in r.warnings if "without cell boundaries" in w]
    assert len(flat) == 3
    assert [s.number for s in r.sections] == [0, 1, 2, 3, 4, 5, 6]
    assert r.sections[6].text == "2024年，无收取信息处理费情况。"


@pytest.mark.parametrize(
    "name,year,organ",
    [
        ("pingtan-county-2011.txt", 2011, "平潭县人民政府"),
        ("pingtan-county-2013.txt", 2013, "平潭县人民政府"),
        ("pingtan-2017.txt", 2017, "平潭综合实验区管委会"),
    ],
)
def test_pre2019_dumps_with_flattened_statistics(name, year, organ):
    r = load(f"reports/{name}")
    assert r.template == "pre2019"
    assert r.year == year
    assert r.organ == organ
    assert r.cells == []
    assert any("legacy_indicators" in w and "without cell boundaries" in w for w in r.warnings)
    numbers = [s.number for s in r.sections]
    assert numbers[:2] == [0, 1] and numbers == sorted(numbers)


def test_prose_only_department_report():
    r = load("reports/pingtan-dishuiju-2013.txt")
    assert r.template == "none" and r.cells == [] and r.year == 2013
    assert r.organ == "平潭综合实验区地方税务局"
    assert [s.heading for s in r.sections[1:]] == [
        "一、概述",
        "二、主动公开政府信息情况",
        "三、依申请公开、不予公开及咨询政府信息情况",
        "四、审批事项",
        "五、申请行政复议、提起行政诉讼和申诉的情况",
        "六、工作人员及信息公开事务支出情况",
    ]


def test_pingtan_2011_old_statistics_table_html():
    r = load("portal-pages/pingtan-county-2011-detail-oldtable.partial.html", "text/html")
    assert r.template == "pre2019"
    got = {c.key(): (c.value, c.unit, c.label) for c in r.cells}
    assert got == {
        ("legacy_indicators", "主动公开信息数", "value"): (425, "条", "主动公开信息数"),
        ("legacy_indicators", "主动公开信息数", "cumulative"): (1516, "条", "主动公开信息数"),
        ("legacy_indicators", "主动公开信息数/1.网站公开", "value"): (418, "条", "其中：1.网站公开"),
        ("legacy_indicators", "主动公开信息数/1.网站公开", "cumulative"): (1509, "条", "其中：1.网站公开"),
    }


def test_list_page_is_not_a_report():
    r = load("portal-pages/pingtan-annual-report-list.partial.html", "text/html")
    assert not r.is_report and r.cells == []


@pytest.mark.parametrize(
    "name,title,organ,year",
    [
        ("fuxian-zhangjiawanzhen-2021", "张家湾镇2021年政府信息公开工作年度报告", "张家湾镇人民政府", 2021),
        ("wqx-zhouwanzhen-2021", "周湾镇2021年政府信息公开工作年度报告", "周湾镇人民政府", 2021),
        (
            "hrbdl-jingweijiedao-2022",
            "道里区经纬街道办事处2022年政府信息公开工作年度报告",
            "道里区经纬街道办事处",
            2022,
        ),
        ("pingli-zhengyangzhen-2021", "平利县正阳镇2021年度政府信息公开工作年度报告", "平利县正阳镇人民政府", 2021),
        ("qdncg-longtianzhen-2021", "龙田镇人民政府2021年政府信息公开工作年度报告", "龙田镇人民政府", 2021),
        ("taojiang-songmutang-2022", "2022年政府信息公开工作年度报告", "桃江县松木塘镇人民政府", 2022),
        ("tianmen-hushi-2019", "胡市镇人民政府2019年政府信息公开工作年度报告", "胡市镇人民政府", 2019),
        ("xianning-gxq-2020-prose", "咸宁高新区2020年度政府信息公开工作年度报告", "咸宁高新区", 2020),
        ("xixianxinqu-taiping-2022", "太平镇人民政府2022年政府信息公开工作年度报告", "太平镇人民政府", 2022),
        ("yj-nongyeju-2010", "永嘉县农业局2010年度政府信息公开工作年度报告", "永嘉县农业局", 2010),
        ("zoucheng-tangcunzhen-2010", "唐村镇2010年政府信息公开工作年度报告", "唐村镇人民政府", 2010),
        ("changanqu-paolijiedao-2022", None, None, 2022),
        ("minhou-shuilij-2010", None, None, 2010),
        ("songyang-dadongbazhen-2021", None, None, 2021),
    ],
)
def test_excerpt_metadata(name, title, organ, year):
    r = load(f"excerpts/{name}.txt")
    assert (r.title, r.organ, r.year) == (title, organ, year)


@pytest.mark.parametrize(
    "name,published",
    [
        ("qdncg-longtianzhen-2021", "2022-01-29"),
        ("pingli-zhengyangzhen-2021", "2022-01-26"),
        ("yj-nongyeju-2010", "2011-03-25"),
        ("xianning-gxq-2020-prose", "2021-01-14"),
        ("sxjiaxian-xizhen-2022-old-template", "2023-01-31"),
    ],
)
def test_excerpt_publication_dates(name, published):
    assert load(f"excerpts/{name}.txt").published == published


def test_2021_report_on_2019_tables_keeps_2019_template():
    # 螅镇 2022 publishes the 2019 form: template from labels, never from the year
    r = load("excerpts/sxjiaxian-xizhen-2022-old-template.txt")
    assert r.year == 2022
    r = load("excerpts/weishan-liangcheng-2020.txt")
    assert r.template == "2019"
    got = r.cell_map()
    # the truncated header "本年新 | 本年新" is resolved by position
    assert got[("active_disclosure", "regulations", "new_made")].value == 0
    assert got[("active_disclosure", "regulations", "new_published")].value == 0
    assert got[("active_disclosure", "centralized_procurement", "procurement_amount")].value == 0


def test_traditional_mirror_labels_and_extra_rows():
    r = load("excerpts/wuhan-sthjj-2020-hubei-variant.txt")
    got = r.cell_map()
    assert got[("active_disclosure", "normative_documents", "total_published")].value == 19
    assert got[("active_disclosure", "extra:其他主动公开文件", "new_made")].value == 186
    assert any("extra:其他主动公开文件" in w for w in r.warnings)
    assert got[("active_disclosure", "administrative_coercion", "decisions")].value is None
    assert got[("active_disclosure", "administrative_coercion", "decisions")].raw == "-"


def test_cli_json_matches_contract(tmp_path):
    src = CORPUS / "reports" / "xiyan-town-2019.txt"
    out = subprocess.run(
        [sys.executable, "-m", "archive", "extract", str(src), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    for key in ("source", "sha256", "template", "title", "organ", "year", "sections", "cells", "checks", "warnings"):
        assert key in data
    assert data["source"] == str(src)
    assert len(data["cells"]) == 198
    cell = data["cells"][0]
    assert set(cell) == {"table", "row", "col", "value", "raw", "unit", "label", "where"}
    check = data["checks"][0]
    assert {"rule", "column", "ok", "expected", "actual"} <= set(check)


def test_cli_table_format_shows_the_tables():
    src = CORPUS / "reports" / "xiyan-town-2019.txt"
    out = subprocess.run(
        [sys.executable, "-m", "archive", "extract", str(src), "--format", "table"],
        capture_output=True,
        text=True,
        check=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert "西岩镇人民政府" in out.stdout
    assert "normative_documents" in out.stdout and "15" in out.stdout
    assert "checks: 43 passed, 0 failed" in out.stdout


def test_cli_reports_unreadable_input(tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF garbage")
    out = subprocess.run([sys.executable, "-m", "archive", "extract", str(bad)], capture_output=True, text=True)
    assert out.returncode == 1
    data = json.loads(out.stdout)
    assert data["error"] and data["cells"] == []

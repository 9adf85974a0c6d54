"""The portal registry (crawler/portals.toml) and `nianbao portals list|show|add`."""

from __future__ import annotations

import json

import pytest

from archive.cli import main as nianbao
from crawler.registry import (
    DEFAULT_REGISTRY,
    Portal,
    RegistryError,
    adhoc_portal,
    is_denied,
    load_registry,
    normalise_host,
    url_host,
)

# codes named in the brief and in docs/portals.md / the corpus excerpts
KNOWN = {
    "350128": ("平潭", "www.pingtan.gov.cn"),
    "430529": ("城步苗族自治县", None),
    "610626": ("吴起县", "wqx.gov.cn"),
    "610628": ("富县", "www.fuxian.gov.cn"),
    "331124": ("松阳县", "www.songyang.gov.cn"),
    "331004": ("路桥区", "www.luqiao.gov.cn"),
    "230102": ("道里区", "hrbdl.gov.cn"),
    "610116": ("长安区", "www.changanqu.gov.cn"),
    "220106": ("绿园区", "zwgk.changchun.gov.cn"),
    "420107": ("青山区", "www.qingshan.gov.cn"),
    "440104": ("越秀区", "www.yuexiu.gov.cn"),
    "370211": ("黄岛区", "www.xihaian.gov.cn"),
    "370883": ("邹城市", "www.zoucheng.gov.cn"),
    "330324": ("永嘉县", "www.yj.gov.cn"),
    "350121": ("闽侯县", "minhou.gov.cn"),
    "321283": ("泰兴市", "www.taixing.gov.cn"),
    "360429": ("湖口县", "www.hukou.gov.cn"),
}


def test_bundled_registry_is_valid_and_keyed_by_codes():
    reg = load_registry(DEFAULT_REGISTRY, strict_ids=True)
    assert len(reg.portals) >= 40
    for code, (name, host) in KNOWN.items():
        portal = reg.get(code)
        assert portal.code == code
        assert name in portal.name
        if host:
            assert host in portal.hosts
        assert portal.level in ("province", "city", "county", "town", "department")
        assert portal.parent_code and portal.parent_code[:2] == code[:2]
    for portal in reg.portals.values():
        assert all(url_host(u) in portal.hosts for u in portal.start_urls)
        assert all(h.endswith(".gov.cn") or h[0].isdigit() for h in portal.hosts), portal.hosts
    assert "moonvisionstudio.com" in reg.deny_hosts and "zwinkt.com" in reg.deny_hosts


def test_round_trip_and_validation(tmp_path):
    path = tmp_path / "portals.toml"
    reg = load_registry(path)
    assert reg.portals == {}
    reg.deny_hosts = ["eshutan.com"]
    portal = Portal(
        id="430529",
        code="430529",
        name="城步苗族自治县人民政府",
        level="county",
        parent_code="430500",
        hosts=["WWW.Chengbu.gov.cn:80"],
        start_urls=["http://www.chengbu.gov.cn/"],
        platform="trs",
    )
    portal.hosts = [normalise_host(h) for h in portal.hosts]
    reg.add(portal)
    reg.save(path)
    again = load_registry(path, strict_ids=True)
    assert again.get("430529").hosts == ["www.chengbu.gov.cn"]
    assert again.get("430529").row()["start_urls"] == ["http://www.chengbu.gov.cn/"]
    assert "eshutan.com" in again.deny_hosts and "zwinkt.com" in again.deny_hosts
    with pytest.raises(RegistryError, match="already registered"):
        again.add(portal)
    with pytest.raises(RegistryError, match="not on the portal's hosts"):
        again.add(Portal(id="430530", name="x", hosts=["a.gov.cn"], start_urls=["http://b.gov.cn/"]))
    with pytest.raises(RegistryError, match="spam mirrors"):
        again.add(Portal(id="430531", name="x", hosts=["www.eshutan.com"], start_urls=["http://www.eshutan.com/"]))
    with pytest.raises(RegistryError, match="行政区划代码"):
        again.add(Portal(id="chengbu", name="x", hosts=["a.gov.cn"], start_urls=["http://a.gov.cn/"]))
    with pytest.raises(RegistryError, match="level"):
        again.add(Portal(id="430532", name="x", level="village", hosts=["a.gov.cn"], start_urls=["http://a.gov.cn/"]))
    with pytest.raises(RegistryError, match="no portal"):
        again.get("999999")


def test_bad_registry_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[[portal]]\nid = "1"\nname = "x"\nhosts = ["a.gov.cn"]\nstart_urls = ["http://a.gov.cn/"]\ncolour = "red"\n'
    )
    with pytest.raises(RegistryError, match="unknown keys"):
        load_registry(path)
    path.write_text("[[portal]\n")
    with pytest.raises(RegistryError, match="not valid TOML"):
        load_registry(path)


def test_hosts_and_adhoc_portals():
    assert url_host("http://127.0.0.1:8080/a") == "127.0.0.1:8080"
    assert url_host("https://WWW.X.gov.cn:443/") == "www.x.gov.cn"
    assert is_denied("www.moonvisionstudio.com", ["moonvisionstudio.com"])
    assert not is_denied("www.gz.gov.cn", ["moonvisionstudio.com"])
    portal = adhoc_portal("http://127.0.0.1:5000/index.html")
    assert portal.id == "127.0.0.1:5000" and portal.hosts == ["127.0.0.1:5000"]


def test_portals_cli(tmp_path, capsys):
    path = tmp_path / "reg.toml"
    args = ["portals", "--registry", str(path)]
    assert (
        nianbao(
            args
            + [
                "add",
                "350128",
                "--name",
                "平潭县",
                "--level",
                "county",
                "--parent-code",
                "350100",
                "--start-url",
                "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/",
                "--platform",
                "trs_dynamic",
            ]
        )
        == 0
    )
    assert (
        nianbao(
            args
            + [
                "add",
                "350128-dsj",
                "--name",
                "平潭县地方税务局",
                "--level",
                "department",
                "--start-url",
                "https://www.pingtan.gov.cn/dsj/",
            ]
        )
        == 0
    )
    assert nianbao(args + ["add", "350128", "--name", "again", "--start-url", "https://www.pingtan.gov.cn/"]) == 2
    assert nianbao(args + ["add", "350129", "--name", "镜像", "--start-url", "http://www.btfghg.com/"]) == 2
    capsys.readouterr()
    assert nianbao(args + ["list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["350128", "350128-dsj"]
    assert nianbao(args + ["list", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert (
        rows[0]["hosts"] == ["www.pingtan.gov.cn"]
        and rows[0]["platform"] == "trs_dynamic"
        and rows[1]["code"] == "350128"
    )
    assert nianbao(args + ["show", "350128-dsj"]) == 0
    shown = capsys.readouterr().out
    assert "平潭县地方税务局" in shown and "department" in shown
    assert nianbao(args + ["show", "000000"]) == 1

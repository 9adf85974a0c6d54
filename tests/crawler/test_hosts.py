"""Hosts that prove to be a portal's own (crawler/hosts.py): intensive platforms in, mirrors and
neighbours out."""

from __future__ import annotations

from crawler.hosts import HostScope, government_host, name_forms
from crawler.registry import Portal

WWW = "www.chengbu.gov.cn"
PLATFORM = "zwgk.hunan.gov.cn"


def scope() -> HostScope:
    portal = Portal(id="430529", name="城步苗族自治县人民政府", code="430529", county="城步苗族自治县",
                    hosts=[WWW], start_urls=[f"http://{WWW}/"])  # fmt: skip
    found = HostScope(portal, ["moonvisionstudio.com"])
    found.learn({"SiteIDCode": "4305290001", "SiteName": "城步苗族自治县人民政府"}, "")
    return found


def test_names_and_hosts():
    assert name_forms("城步苗族自治县人民政府") == {"城步苗族自治县", "城步", "城步县"}
    assert name_forms("漳县") == {"漳县"} and "平昌" in name_forms("平昌县人民政府")
    assert government_host("zwgk.hunan.gov.cn") and government_host("122.137.242.24:8080")
    assert not government_host("www.moonvisionstudio.com") and not government_host("gov.cn.example.com")


def test_a_platform_linked_as_disclosure_is_probed_and_admitted_by_its_site_code():
    s = scope()
    entry = f"http://{PLATFORM}/site/430529/bmxxgk/index.html"
    assert not s.allows(entry, "area")
    assert not s.consider(entry, "area", from_own_page=False)  # only the portal's own pages vouch for a link
    assert not s.consider(f"http://{PLATFORM}/x/", "detail", from_own_page=True)  # only navigation
    assert s.consider(entry, "area", from_own_page=True) and s.allows(entry, "area")
    assert s.scope_of(entry) == "/site/430529/"
    assert s.belongs(entry, {"SiteIDCode": "4305290001"}, "") is True
    assert PLATFORM in s.portal.hosts  # recorded among the portal's hosts (the portals row)
    # navigation stays inside the county's folder; documents, files and list APIs may be anywhere
    assert s.allows(f"http://{PLATFORM}/site/430529/bm01/c123/index.html", "column")
    assert not s.allows(f"http://{PLATFORM}/site/430528/bm01/index.html", "area")  # the neighbour county
    assert s.allows(f"http://{PLATFORM}/upload/202401/a.docx", "attachment")
    assert s.allows(f"http://{PLATFORM}/api/jyh/list", "api")
    assert s.foreign(f"http://{PLATFORM}/site/430528/a.shtml", {"SiteIDCode": "4305280001"})
    assert not s.foreign(f"http://{PLATFORM}/site/430529/a.shtml", {"SiteIDCode": "4305290001"})


def test_without_a_site_code_the_county_named_on_the_page_decides():
    s = scope()
    entry = f"http://{PLATFORM}/c0529/xzxxgk/index.html"
    assert s.consider(entry, "area", True) and s.scope_of(entry) == "/c0529/"
    page = "<title>乡镇信息公开_湖南省政务公开平台</title><div class='crumbs'>首页 &gt; 城步县 &gt; 乡镇信息公开</div>"
    assert s.belongs(entry, {"SiteName": "湖南省政务公开平台"}, page) is True


def test_mirrors_and_other_governments_are_refused():
    s = scope()
    assert not s.consider("http://www.moonvisionstudio.com/zwgk/", "area", True)  # a known mirror
    assert not s.consider("http://copy.example.com/zwgk/", "area", True)  # not a government host
    mirror = "http://10.1.2.3/zfxxgk/index.html"
    assert s.consider(mirror, "area", True)
    # a copy of the county's page: it names the county, but its SiteDomain is another host
    assert s.belongs(mirror, {"SiteDomain": WWW, "SiteName": "城步苗族自治县人民政府"}, "城步") is False
    assert not s.allows(mirror, "area") and not s.consider(mirror, "area", True)
    other = f"http://{PLATFORM}/site/431000/index.html"
    assert s.consider(other, "area", True)
    assert s.belongs(other, {"SiteIDCode": "4310000001"}, "城步县") is False  # another government's code wins

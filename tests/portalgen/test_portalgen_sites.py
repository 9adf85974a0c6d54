"""The demo and test portals over real HTTP: list structures per CMS family, detail pages, GBK,
robots.txt, hazards, conditional requests, mutations, loopback-only binding, the CLI."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import lxml.html
import pytest
from paths import REPO
from portals import (
    FAMILIES,
    WAF_COOKIE,
    apply_season_changes,
    demo_expected_reports,
    requests_to,
    start_demo_county,
    start_site,
)

from archive.sample.static import Sample
from portalgen.portal import PortalServer, ensure_loopback
from portalgen.sites import build_site

READ_ONLY = pytest.mark.xdist_group("demo_portal_read_only")

# ----------------------------------------------------------------------------- helpers


def client() -> httpx.Client:
    return httpx.Client(timeout=20, follow_redirects=False, trust_env=False)


def decode(resp: httpx.Response) -> str:
    """Decode like a crawler: HTTP charset, else <meta> charset; any GB label as gb18030."""
    ctype = resp.headers.get("content-type", "")
    m = re.search(r"charset=([\w-]+)", ctype, re.I)
    label = m.group(1) if m else None
    if label is None:
        m = re.search(rb'charset=["\']?([\w-]+)', resp.content[:1024], re.I)
        label = m.group(1).decode() if m else "utf-8"
    if label.lower().startswith("gb"):
        label = "gb18030"
    return resp.content.decode(label)


def metas(html: str) -> dict[str, str]:
    doc = lxml.html.fromstring(html)
    return {m.get("name"): m.get("content") for m in doc.xpath("//meta[@name]")}


def hrefs(html: str, base: str, xpath: str = "//a[@href]") -> list[str]:
    doc = lxml.html.fromstring(html)
    return [urljoin(base, a.get("href")) for a in doc.xpath(xpath)]


# ------------------------------------------------------------ enumerating each family's lists


def enumerate_trs(c: httpx.Client, site) -> set[str]:
    """Follow sub-columns and ``createPageHTML(N, cur, "index", "html")`` pagers (no next links)."""
    found: set[str] = set()
    queue, seen = [site.base_url + "/zfxxgk/zfxxgknb/"], set()
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        resp = c.get(url)
        assert resp.status_code == 200, url
        html = decode(resp)
        queue += hrefs(html, url, "//div[@class='sub_column']//a | //ul[@class='xxgk_nav_list']//a")
        m = re.search(r'createPageHTML\((\d+), (\d+), "(\w+)", "(\w+)"\)', html)
        if not m:
            continue
        assert not re.search(r">\s*(下一页|下页|尾页)\s*</a>", html)  # paging only through the script
        count, current, prefix, ext = int(m[1]), int(m[2]), m[3], m[4]
        if current == 0:
            queue += [urljoin(url, f"{prefix}_{i}.{ext}") for i in range(1, count)]
        found |= set(hrefs(html, url, "//ul[@class='list_ul']//a"))
    return found


def enumerate_trs_dynamic(c: httpx.Client, site) -> set[str]:
    """Static page 1, then ``POST /fjdzapp/search`` by channel for the rest."""
    url = site.base_url + "/zwgk/zfxxgk/zfxxgknb/"
    html = decode(c.get(url))
    static = hrefs(html, url, "//div[@ms-visible='showStatic']//a")
    record_count = int(re.search(r"recordCount: '(\d+)'", html)[1])
    prepage = int(re.search(r"prepage: (\d+)", html)[1])
    search_id = re.search(r'searchId: "(\d+)"', html)[1]
    classsql = re.search(r'"" \|\| "(chnlid=\d+)"', html)[1]
    assert len(static) == min(prepage, record_count)
    assert c.get(url + "index_1.htm").status_code == 404  # never a static page 2
    found = set(static)
    for page in range(2, math.ceil(record_count / prepage) + 1):
        resp = c.post(
            site.base_url + "/fjdzapp/search",
            data={
                "channelid": search_id,
                "classsql": classsql,
                "sortfield": "-docorderpri,-docreltime",
                "page": page,
                "prepage": prepage,
            },
        )
        body = resp.json()
        assert body["total"] == record_count
        found |= {row["chnldocurl"] for row in body["data"]}
    assert len(found) == record_count
    return found


def parse_jpage(html: str) -> tuple[list[str], dict]:
    """(hrefs of the embedded CDATA records, the jpage config)."""
    xml = re.search(r'<script type="text/xml">(.*?)</script>', html, re.S)[1]
    records = re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", xml, re.S)
    links = [re.search(r'href="([^"]+)"', r)[1] for r in records]
    config = {
        "total": int(re.search(r"totalRecord: (\d+)", html)[1]),
        "per_page": int(re.search(r"perPage: (\d+)", html)[1]),
        "proxy": re.search(r"proxyUrl: '([^']+)'", html)[1],
        "form": dict(re.findall(r"(\w+):'?([^,'}]*)'?", re.search(r"ajaxParam: \{(.*?)\}", html)[1])),
        "nextgroup": re.search(r'<nextgroup><!\[CDATA\[<a href="([^"]+)"', xml)[1],
    }
    return links, config


def enumerate_hanweb(c: httpx.Client, site) -> set[str]:
    """CDATA records of each column, the rest via POST dataproxy.jsp; then the annual-report module."""
    found: set[str] = set()
    for path in site.site.start_paths()[2:4]:  # the two jpage report columns
        url = site.base_url + path
        html = decode(c.get(url))
        links, cfg = parse_jpage(html)
        found |= {urljoin(url, h) for h in links}
        if cfg["total"] > len(links):
            q = f"?startrecord={len(links) + 1}&endrecord={cfg['total']}&perpage={cfg['per_page']}"
            resp = c.post(urljoin(url, cfg["proxy"] + q), data=cfg["form"])
            assert resp.status_code == 200
            xml = resp.text
            assert int(re.search(r"<totalrecord>(\d+)</totalrecord>", xml)[1]) == cfg["total"]
            found |= {urljoin(url, h) for h in re.findall(r'href="([^"]+)"', xml)}
    directory = site.base_url + site.site.start_paths()[4]
    for unit_url in hrefs(decode(c.get(directory)), directory, "//ul[@class='unit_list']//a"):
        for year_url in hrefs(decode(c.get(unit_url)), unit_url, "//div[@class='nb_years']//a"):
            resp = c.get(year_url)
            assert resp.status_code == 200
            if lxml.html.fromstring(decode(resp)).xpath("//div[@class='nb_title']"):
                found.add(year_url)
    return found


def enumerate_gkmlpt(c: httpx.Client, site) -> set[str]:
    """``window._CONFIG`` (SID, TREE) of each SPA, then the JSON list API until post_count."""
    found: set[str] = set()
    for index in site.start_urls[1:]:
        html = decode(c.get(index))
        config = json.loads(re.search(r"window\._CONFIG = (\{.*?\});\n", html)[1])
        node = next(ch for top in config["TREE"] for ch in top["children"] if ch["name"] == "政府信息公开年报")
        collected: list[str] = []
        page = 1
        while len(collected) < node["post_count"]:
            api = urljoin(index, f"{config['APP_URL']}/gkmlpt/api/all/{node['id']}?page={page}&sid={config['SID']}")
            body = c.get(api).json()
            assert body["classify"]["post_count"] == node["post_count"]
            assert body["articles"], f"API ran dry at page {page}"
            collected += [a["url"] for a in body["articles"]]
            page += 1
        found |= set(collected)
    return found


def enumerate_generic(c: httpx.Client, site) -> set[str]:
    """VSB lists (下页 counting down to ``1.htm``) and the ``?page=N`` list (下一页)."""
    found: set[str] = set()
    for start, item_xpath, next_label in (
        (site.base_url + "/xxgk/zfxxgknb.htm", "//ul[@class='list']//a", "下页"),
        (site.base_url + "/xzjdnb/index.jsp?page=1", "//table[@class='list_table']//a", "下一页"),
    ):
        url, pages = start, 0
        while url:
            html = decode(c.get(url))
            found |= set(hrefs(html, url, item_xpath))
            nxt = [a for a in lxml.html.fromstring(html).xpath("//a[@href]") if a.text_content().strip() == next_label]
            url = urljoin(url, nxt[0].get("href")) if nxt else None
            pages += 1
        assert pages >= 2
    return found


ENUMERATORS = {
    "trs": enumerate_trs,
    "trs_dynamic": enumerate_trs_dynamic,
    "hanweb": enumerate_hanweb,
    "gkmlpt": enumerate_gkmlpt,
    "generic": enumerate_generic,
}
BODY_MARKERS = {
    "trs": 'class="TRS_Editor"',
    "trs_dynamic": "class=TRS_Editor",
    "hanweb": "<!--ZJEG_RSS.content.begin-->",
    "gkmlpt": 'class="article-content"',
    "generic": "",
}

CONTAINERS = {
    "trs": "//div[@class='TRS_Editor']",
    "trs_dynamic": "//div[@class='TRS_Editor']",
    "hanweb": "//div[@id='zoom']",
    "gkmlpt": "//div[@class='article-content']",
    "generic": "//div[@class='v_news_content'] | //div[@id='detailContent']",
}


@pytest.fixture(scope="module")
def sites():
    """One default site per family (attachments rendered), shared by the read-only tests."""
    started = {family: start_site(family) for family in FAMILIES}
    yield started
    for site in started.values():
        site.stop()


# ----------------------------------------------------------------------------- structure per family


@READ_ONLY
@pytest.mark.parametrize("family", FAMILIES)
def test_lists_enumerate_exactly_the_column_items(sites, family):
    site = sites[family]
    with client() as c:
        found = ENUMERATORS[family](c, site)
    reports = {r.url for r in site.expected_reports}
    others = {n.url for n in site.non_report_items if n.in_report_column}
    assert len(reports) >= 10
    assert {"notice", "interpretation", "news"} <= {n.kind for n in site.non_report_items if n.in_report_column}
    assert found == reports | others
    assert not site.mirror.request_log  # the mirror is never touched by following the portal


@READ_ONLY
@pytest.mark.parametrize("family", FAMILIES)
def test_detail_pages_carry_meta_body_and_attachments(sites, family):
    site = sites[family]
    carriers = set()
    with client() as c:
        for rep in site.expected_reports:
            resp = c.get(rep.url)
            assert resp.status_code == 200, rep.url
            html = decode(resp)
            meta = metas(html)
            assert meta["ArticleTitle"] == rep.title
            assert meta["Url"] == rep.url
            assert meta["ColumnName"] == "政府信息公开年报"
            assert meta["PubDate"].startswith(rep.published.isoformat())
            assert meta["SiteDomain"] == site.host
            assert f"<title>{rep.title}" in html
            if "module/xxgk" in rep.url:
                assert 'id="zoom"' in html
            elif family == "generic":
                assert ('class="v_news_content"' in html) != ('id="detailContent"' in html)
            else:
                assert BODY_MARKERS[family] in html
            if family == "hanweb" and "module/xxgk" not in rep.url:
                assert html.index("<!--ZJEG_RSS.content.begin-->") < html.index("<!--ZJEG_RSS.content.end-->")
            (body,) = lxml.html.fromstring(html).xpath(CONTAINERS[family])
            text = re.sub(r"\s+", "", body.text_content())
            if rep.carrier in ("html", "html+pdf", "html+docx"):
                assert len(text) > 400 and str(rep.year) in text  # the report itself is on the page
            else:
                assert len(text) < 200 and "附件" in text  # only an intro and the file
            links = set(hrefs(html, rep.url))
            links |= {
                urljoin(rep.url, parse_qs(urlsplit(u).query)["file"][0]) for u in links if "viewer.html?file=" in u
            }
            for att in rep.attachments:
                assert att.url in links, (rep.url, att.url)
                data = c.get(att.url)
                assert data.status_code == 200
                assert data.content[:4] == (b"%PDF" if att.kind == "pdf" else b"PK\x03\x04")
            carriers.add(rep.carrier)
    assert {"html", "html+pdf", "pdf", "docx"} <= carriers
    if family == "generic":  # VSB keeps the old .doc name for uploaded DOCX files
        assert any(
            a.filename.endswith(".doc") and a.kind == "docx" for r in site.expected_reports for a in r.attachments
        )


@READ_ONLY
@pytest.mark.parametrize("family", FAMILIES)
def test_served_report_pages_extract_to_their_sample(sites, family):
    """End to end: the bytes served for each report page and file give exactly the sample's cells."""
    from extract import extract_document

    site = sites[family]
    checked = 0
    with client() as c:
        for rep in site.expected_reports:
            for att in rep.attachments:  # PDF and DOCX files (names and Content-Type may lie; bytes decide)
                data = c.get(att.url).content
                got = {
                    (cell.table, cell.row, cell.col): cell.value for cell in extract_document(data, url=att.url).cells
                }
                assert got == {k: v.value for k, v in att.sample.expected_cells().items()}, att.url
            if rep.carrier not in ("html", "html+pdf", "html+docx"):
                continue
            resp = c.get(rep.url)
            report = extract_document(resp.content, content_type=resp.headers["content-type"], url=rep.url)
            want = rep.sample.expected_cells()
            got = {(cell.table, cell.row, cell.col): cell for cell in report.cells}
            assert set(got) == set(want), rep.url
            assert all((got[k].value, got[k].unit) == (want[k].value, want[k].unit) for k in want), rep.url
            assert (report.title, report.year, report.template) == (rep.title, rep.year, rep.template)
            assert report.organ == rep.organ
            checked += 1
    assert checked >= 6


@READ_ONLY
@pytest.mark.parametrize("family", [f for f in FAMILIES if f != "gkmlpt"])
def test_gbk_pages_decode_and_declare_their_charset(sites, family):
    site = sites[family]
    gbk = [r for r in site.expected_reports if r.is_gbk]
    assert gbk
    with client() as c:
        for rep in gbk:
            resp = c.get(rep.url)
            with pytest.raises(UnicodeDecodeError):
                resp.content.decode("utf-8")
            text = resp.content.decode("gb18030")
            assert rep.title in text
            header_says = "charset=GBK" in resp.headers["content-type"]
            meta_says = bool(re.search(r'<meta http-equiv="Content-Type" content="text/html; charset=gb2312"', text))
            assert (header_says, meta_says) == {"header": (True, False), "meta": (False, True), "both": (True, True)}[
                rep.charset_declared
            ]
            assert metas(text)["ArticleTitle"] == rep.title


def test_trs_page_extension_follows_the_seed(portal_factory):
    for seed, ext in ((1, "htm"), (2, "shtml")):
        site = portal_factory("trs", seed=seed, attachments=False, mirror=False)
        with client() as c:
            found = enumerate_trs(c, site)
        assert found == {r.url for r in site.expected_reports} | {
            n.url for n in site.non_report_items if n.in_report_column
        }
        assert {u.rsplit(".", 1)[1] for u in found} == {ext, "htm"}  # tnull_{id}.htm keeps its broken name
        with client() as c:
            assert c.get(site.base_url + f"/zfxxgk/zfxxgknb/index.{ext}").status_code == 200


@READ_ONLY
def test_hanweb_module_pages_without_report_are_empty(sites):
    site = sites["hanweb"]
    module = [r for r in site.expected_reports if "xxgkAnnualReport.jsp" in r.url]
    assert len(module) >= 3
    area = parse_qs(urlsplit(module[0].url).query)["area"][0]
    with client() as c:
        empty = decode(c.get(f"{site.base_url}/module/xxgk/xxgkAnnualReport.jsp?area={area}&fbtime=2010"))
        assert "暂无信息" in empty and "ArticleTitle" not in empty
        both = decode(c.get(f"{site.base_url}/module/xxgk/xxgkAnnualReport.jsp?fbtime={module[0].year}&area={area}"))
        assert metas(both)["ArticleTitle"] == module[0].title  # parameter order does not matter


@READ_ONLY
def test_hanweb_dataproxy_is_post_only_and_checks_the_form(sites):
    site = sites["hanweb"]
    url = site.base_url + site.site.start_paths()[2]
    with client() as c:
        links, cfg = parse_jpage(decode(c.get(url)))
        assert cfg["total"] > len(links) == cfg["per_page"] * 2  # a group of pages embedded, the rest by POST
        assert c.get(urljoin(url, cfg["nextgroup"])).status_code == 405
        assert (
            c.post(
                site.base_url + "/module/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15", data=cfg["form"]
            ).status_code
            == 404
        )
        wrong = dict(cfg["form"], unitid="1")
        xml = c.post(urljoin(url, cfg["proxy"]) + "?startrecord=1&endrecord=45&perpage=15", data=wrong).text
        assert "<totalrecord>0</totalrecord>" in xml and "<record>" not in xml
        full = c.post(
            urljoin(url, cfg["proxy"]) + f"?startrecord=1&endrecord={cfg['total']}&perpage={cfg['per_page']}",
            data=cfg["form"],
        ).text
        assert re.findall(r'href="([^"]+)"', full)[: len(links)] == links
        assert f"<totalpage>{math.ceil(cfg['total'] / cfg['per_page'])}</totalpage>" in full
        download = next(a for r in site.expected_reports for a in r.attachments)
        resp = c.get(download.url)
        assert resp.headers["content-type"] == "application/octet-stream"  # the name and type lie; bytes tell
        assert "attachment;" in resp.headers["content-disposition"]


@READ_ONLY
def test_trs_dynamic_search_api(sites):
    site = sites["trs_dynamic"]
    with client() as c:
        api = site.base_url + "/fjdzapp/search"
        assert c.get(api).status_code == 405
        assert c.post(api, data={"channelid": "1", "page": 1}).json()["code"] == 500
        everything = c.post(api, data={"channelid": "200210", "page": 1, "prepage": 500}).json()
        chnls = {row["chnlid"] for row in everything["data"]}
        assert chnls == {1813, 1700}  # without classsql the whole site index comes back
        assert everything["pageCount"] == 1


@READ_ONLY
def test_gkmlpt_api_wants_the_site_id(sites):
    site = sites["gkmlpt"]
    with client() as c:
        ok = c.get(site.base_url + "/xfxrmzf/gkmlpt/api/all/2845?page=1&sid=763001")
        assert ok.status_code == 200 and ok.json()["articles"]
        assert c.get(site.base_url + "/xfxrmzf/gkmlpt/api/all/2845?page=1&sid=1").status_code == 400
        beyond = c.get(site.base_url + "/xfxrmzf/gkmlpt/api/all/2845?page=99&sid=763001").json()
        assert beyond["articles"] == [] and beyond["classify"]["post_count"] > 0
        post = ok.json()["articles"][0]
        detail = decode(c.get(post["url"]))
        embedded = json.loads(re.search(r"window\._CONFIG\.DETAIL = (\{.*?\});\n", detail)[1])
        assert embedded["id"] == post["id"] and embedded["title"] == post["title"]
        assert re.search(r"/content/\d+/\d+/post_\d+\.html$", post["url"])
        i = post["id"]
        assert post["url"].endswith(f"/content/{i // 10**6}/{i // 10**3}/post_{i}.html")


@READ_ONLY
@pytest.mark.parametrize("family", FAMILIES)
def test_robots_txt_and_the_disallowed_report_looking_page(sites, family):
    site = sites[family]
    with client() as c:
        robots = c.get(site.base_url + "/robots.txt")
        assert robots.status_code == 200
        assert "User-agent: *\nDisallow: /preview/\n" in robots.text
        (preview,) = site.robots_disallowed
        home = decode(c.get(site.start_urls[0]))
        assert preview in hrefs(home, site.start_urls[0])  # linked, so only robots.txt keeps a crawler out
        page = decode(c.get(preview))
        assert "年度报告" in metas(page)["ArticleTitle"]
        assert preview not in {u for r in site.expected_reports for u in r.urls}
        mirror_links = [u for u in hrefs(home, site.start_urls[0]) if u.startswith(site.mirror.base_url)]
        assert mirror_links and urlsplit(mirror_links[0]).netloc != site.host
    assert not site.mirror.request_log


@READ_ONLY
def test_mirror_copies_a_report_in_traditional_characters(sites):
    site = sites["trs"]
    with httpx.Client(trust_env=False) as c:
        home = c.get(site.mirror.base_url + "/index.html").text
        copy_url = urljoin(site.mirror.base_url, re.search(r'href="(/news/\d+\.html)"', home)[1])
        copy = c.get(copy_url).text
    assert "365體育官網" in copy and "政府信息公开" not in copy
    assert site.host not in copy  # host names rewritten
    site.mirror.clear_log()


@READ_ONLY
def test_request_log_records_every_request(sites):
    site = sites["generic"]
    site.clear_log()
    with client() as c:
        c.get(site.base_url + "/xxgk.htm", headers={"User-Agent": "nianbao-test/1"})
        c.post(site.base_url + "/xxgk.htm", data={"a": "1"})
        c.get(site.base_url + "/nope.htm")
    log = site.request_log
    assert [(r.method, r.path, r.status) for r in log] == [
        ("GET", "/xxgk.htm", 200),
        ("POST", "/xxgk.htm", 405),
        ("GET", "/nope.htm", 404),
    ]
    assert log[0].headers["user-agent"] == "nianbao-test/1"
    assert log[1].body == b"a=1"
    assert log[0].host == site.host and log[0].time <= log[2].time


# ----------------------------------------------------------------------------- the bundled demo county


@READ_ONLY
def test_demo_county_content():
    demo = start_demo_county()
    try:
        reports = demo_expected_reports(demo)
        assert len(reports) >= 30
        assert {r.year for r in reports} == set(range(2013, 2026))
        assert {r.level for r in reports} == {"county", "town", "department"}
        assert {"html", "html+pdf", "pdf", "docx"} <= {r.carrier for r in reports}
        assert {"pre2019", "none", "2019", "2021"} <= {r.template for r in reports}
        assert any(r.year >= 2021 and r.template == "2019" for r in reports)  # 2021 report on 2019 tables
        assert {r.charset_declared for r in reports if r.is_gbk} == {"meta", "header", "both"}
        assert [s.family for s in (demo, *demo.extra)] == ["trs", "hanweb"]
        kinds = {n.kind for s in (demo, *demo.extra) for n in s.non_report_items}
        assert {"notice", "format", "interpretation", "statistics", "letter", "news"} <= kinds
        assert demo.host != demo.extra[0].host != demo.mirror.host
        assert len({r.url for r in reports}) == len(reports)
        with client() as c:
            for rep in reports:
                resp = c.get(rep.url)
                assert resp.status_code == 200
                assert metas(decode(resp))["ArticleTitle"] == rep.title
                for att in rep.attachments:
                    assert c.get(att.url).content[:4] in (b"%PDF", b"PK\x03\x04")
        assert not demo.mirror.request_log
    finally:
        demo.stop()


def _free_port_block(n: int) -> int:
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + n >= 65535:
            continue
        try:
            socks = []
            for i in range(n):
                t = socket.socket()
                socks.append(t)
                t.bind(("127.0.0.1", base + i))
            return base
        except OSError:
            continue
        finally:
            for t in socks:
                t.close()
    raise RuntimeError("no free port block")


def test_cli_demo_portal_serves_until_terminated():
    port = _free_port_block(3)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "archive", "demo-portal", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )
    try:
        lines = []
        while True:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            lines.append(line)
            if "Ctrl-C to stop" in line:
                break
        out = "".join(lines)
        assert (
            f"http://127.0.0.1:{port}/" in out
            and f"http://127.0.0.1:{port + 1}/" in out
            and f"http://127.0.0.1:{port + 2}/" in out
        )
        total = int(re.search(r"^(\d+) reports", lines[-1])[1])
        assert total >= 30
        # it serves the shipped static copy (archive/sample), the hosts substituted
        hosts = {key: f"127.0.0.1:{port + i}" for i, key in enumerate(("trs", "hanweb", "mirror"))}
        shipped = Sample.load().bind(hosts)
        with client() as c:
            home = c.get(f"http://127.0.0.1:{port}/")
            assert "城步苗族自治县" in decode(home)
            assert home.content == shipped["trs"].answer("GET", "/", {}).body
            assert (
                c.get(f"http://127.0.0.1:{port + 1}/index.html").content
                == shipped["hanweb"].answer("GET", "/index.html", {}).body
            )
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/", trust_env=False)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_refuses_a_non_loopback_host():
    proc = subprocess.run(
        [sys.executable, "-m", "archive", "demo-portal", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "only loopback addresses" in proc.stderr


def test_server_refuses_non_loopback_addresses():
    site = build_site("generic", attachments=False)
    for host in ("0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.org", ""):
        with pytest.raises(ValueError, match="only loopback"):
            PortalServer(site, host=host)
    assert ensure_loopback("localhost") == "127.0.0.1"
    assert ensure_loopback("127.0.0.2") == "127.0.0.2"
    assert ensure_loopback("::1") == "::1"
    server = PortalServer(site, host="127.0.0.1")
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


# ----------------------------------------------------------------------------- determinism


def test_same_seed_same_site_other_seed_other_site():
    def pages(seed: int) -> dict[str, bytes]:
        site = build_site("trs", seed=seed, attachments=False, duplicates=True, soft404=True)
        site.bind("http://127.0.0.1:8000")
        return {p: r.body for p, r in site.routes.items() if r.body is not None}

    first, again, other = pages(3), pages(3), pages(4)
    assert first == again
    assert set(first) != set(other)


def test_unknown_options_and_families_are_refused():
    with pytest.raises(TypeError, match="unknown site option"):
        build_site("trs", flakey=3)
    with pytest.raises(ValueError, match="unknown portal family"):
        build_site("wordpress")
    with pytest.raises(ValueError, match="flaky_mode"):
        build_site("trs", flaky=1, flaky_mode="sometimes")


# ----------------------------------------------------------------------------- hazards


def test_hazards_are_off_by_default_except_robots(portal_factory):
    site = portal_factory("trs", attachments=False)
    assert site.hazard_urls == {}
    with client() as c:
        for url in site.start_urls:
            assert c.get(url).status_code == 200
        assert c.get(site.base_url + "/calendar/2026/03.html").status_code == 404
        assert c.get(site.base_url + "/robots.txt").status_code == 200
    no_robots = portal_factory("trs", attachments=False, robots=False)
    with client() as c:
        assert c.get(no_robots.base_url + "/robots.txt").status_code == 404


def test_flaky_503_then_success(portal_factory):
    site = portal_factory("trs", attachments=False, flaky=2)
    url, list_url = site.hazard_urls["flaky"]
    assert "index_1.html" in list_url
    with client() as c:
        assert [c.get(url).status_code for _ in range(3)] == [503, 503, 200]
        assert [c.get(list_url).status_code for _ in range(3)] == [503, 503, 200]
    statuses = [r.status for r in requests_to(site, urlsplit(url).path)]
    assert statuses == [503, 503, 200]


def test_flaky_drop_and_timeout(portal_factory):
    site = portal_factory("generic", attachments=False, flaky=1, flaky_mode="drop")
    url = site.hazard_urls["flaky"][0]
    with client() as c:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            c.get(url)
    with client() as c:
        assert c.get(url).status_code == 200
    assert [r.status for r in requests_to(site, urlsplit(url).path)] == [None, 200]
    slow = portal_factory("generic", attachments=False, flaky=1, flaky_mode="timeout", hang_seconds=1.5)
    url = slow.hazard_urls["flaky"][0]
    with httpx.Client(timeout=0.5, trust_env=False) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.get(url)
    with client() as c:
        assert c.get(url).status_code == 200


def test_throttle_429_with_retry_after(portal_factory):
    site = portal_factory("hanweb", attachments=False, throttle=1, retry_after=7)
    url = site.hazard_urls["throttle"][0]
    with client() as c:
        first = c.get(url)
        assert first.status_code == 429 and first.headers["retry-after"] == "7"
        assert c.get(url).status_code == 200


def test_waf_521_cookie_challenge_and_block_page(portal_factory):
    site = portal_factory("trs_dynamic", attachments=False, waf=3, block_page=1)
    (waf_url,) = site.hazard_urls["waf"]
    (blocked_url,) = site.hazard_urls["block_page"]
    with client() as c:
        challenge = c.get(waf_url)
        assert challenge.status_code == 521
        cookie = re.search(r"document\.cookie=\('(\w+)'\)\+'='\+\('(\w+)'\)", challenge.text)
        assert cookie[1] == WAF_COOKIE
        solved = c.get(waf_url, headers={"Cookie": f"{cookie[1]}={cookie[2]}"})
        assert solved.status_code == 200 and "ArticleTitle" in decode(solved)
        blocked = c.get(blocked_url)
        assert blocked.status_code == 200 and "访问受限" in blocked.text and "拦截" in blocked.text
        assert "ArticleTitle" not in blocked.text
        assert "ArticleTitle" in decode(c.get(blocked_url))
        assert [c.get(waf_url).status_code for _ in range(3)] == [521, 521, 200]  # gives up after N


def test_soft_404s_are_listed_but_empty(portal_factory):
    site = portal_factory("trs", attachments=False, soft404=True)
    deleted, refresh = site.hazard_urls["soft404"]
    with client() as c:
        resp = c.get(deleted)
        assert resp.status_code == 200 and "该信息已删除" in decode(resp)
        stub = c.get(refresh)
        assert stub.status_code == 200 and stub.text == '<meta http-equiv="refresh" content="0;URL=../" />'
        assert {deleted, refresh} <= enumerate_trs(c, site)  # listed like any report
    kinds = {n.url: n.kind for n in site.non_report_items}
    assert kinds[deleted] == "soft404" and kinds[refresh] == "refresh"
    assert deleted not in {r.url for r in site.expected_reports}


def test_oversized_response_streams_its_length(portal_factory):
    site = portal_factory("trs", attachments=False, oversized=True, oversized_bytes=3_000_000)
    (url,) = site.hazard_urls["oversized"]
    news = next(n for n in site.non_report_items if n.kind == "news")
    with client() as c:
        assert url in hrefs(decode(c.get(news.url)), news.url)
        head = c.head(url)
        assert head.headers["content-length"] == "3000000" and head.content == b""
        size = 0
        with c.stream("GET", url) as resp:
            for chunk in resp.iter_bytes():
                size += len(chunk)
        assert size == 3_000_000


def test_crawler_traps_never_end(portal_factory):
    site = portal_factory("gkmlpt", attachments=False, trap=True)
    calendar, search = site.hazard_urls["trap"]
    with client() as c:
        home = decode(c.get(site.start_urls[0]))
        assert calendar in hrefs(home, site.start_urls[0])
        url, seen = calendar, set()
        for _ in range(30):
            seen.add(url)
            html = decode(c.get(url))
            url = hrefs(html, url, "//a[@class='next']")[0]
        assert len(seen) == 30 and "/calendar/2028/" in url
        url = search
        for _ in range(20):
            html = decode(c.get(url))
            url = [
                u
                for u, a in zip(hrefs(html, url), lxml.html.fromstring(html).xpath("//a[@href]"))
                if a.text_content() == "下一页"
            ][0]
        assert url.endswith("page=21")


def test_duplicate_urls_of_one_report(portal_factory):
    site = portal_factory("trs", attachments=False, duplicates=True)
    dups = [r for r in site.expected_reports if r.alt_urls]
    kinds = {("wap" if "_wap." in u else "mobile" if "isMobile" in u else "column") for r in dups for u in r.alt_urls}
    assert kinds == {"wap", "mobile", "column"}
    with client() as c:
        for rep in dups:
            for alt in rep.alt_urls:
                html = decode(c.get(alt))
                assert metas(html)["Url"] == rep.url and metas(html)["ArticleTitle"] == rep.title
            mobile = [u for u in rep.alt_urls if "isMobile" in u]
            if mobile:
                assert c.get(mobile[0]).content == c.get(rep.url).content
        found = enumerate_trs(c, site)
    assert {u for r in dups for u in r.alt_urls if "_wap." not in u} <= found  # listed under a second URL


def test_slow_response(portal_factory):
    site = portal_factory("generic", attachments=False, slow=0.4)
    (url,) = site.hazard_urls["slow"]
    with client() as c:
        started = time.monotonic()
        assert c.get(url).status_code == 200
        assert time.monotonic() - started >= 0.4
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(url, timeout=0.1, trust_env=False)


# ----------------------------------------------------------------------------- conditional requests


@READ_ONLY
@pytest.mark.parametrize("family", FAMILIES)
def test_conditional_requests_get_304(sites, family):
    site = sites[family]
    rep = next(r for r in site.expected_reports if r.attachments)
    with client() as c:
        for url in (rep.url, rep.attachments[0].url, site.start_urls[-1]):
            first = c.get(url)
            etag, modified = first.headers["etag"], first.headers["last-modified"]
            again = c.get(url, headers={"If-None-Match": etag})
            assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
            assert c.get(url, headers={"If-Modified-Since": modified}).status_code == 304
            assert c.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200
            assert c.get(url, headers={"If-None-Match": '"stale"', "If-Modified-Since": modified}).status_code == 200
            assert c.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200


# ----------------------------------------------------------------------------- mutations


def _etags(c: httpx.Client, urls: list[str]) -> dict[str, str]:
    return {u: c.get(u).headers["etag"] for u in urls}


def test_add_edit_remove_change_exactly_what_they_say(portal_factory):
    site = portal_factory("trs", attachments=False)
    reports = site.expected_reports
    edited, removed = reports[0], reports[1]
    others = [r.url for r in reports[2:]]
    with client() as c:
        before = _etags(c, others)
        column = site.base_url + "/zfxxgk/zfxxgknb/xzjd/2025n/"
        assert c.get(column).status_code == 404
        added = site.add_report(level="town", year=2025)
        assert added.url in hrefs(decode(c.get(column)), column)
        assert metas(decode(c.get(added.url)))["ArticleTitle"] == added.title
        assert added.published > max(r.published for r in reports)

        old_page = c.get(edited.url)
        new = site.edit_report(edited.doc_id)
        assert new.version == edited.version + 1 and new.url == edited.url
        old_cells, new_cells = edited.sample.expected_cells(), new.sample.expected_cells()
        changed = {k for k in old_cells.keys() | new_cells.keys() if old_cells.get(k) != new_cells.get(k)}
        if old_cells:
            assert len(changed) == 1  # exactly one cell
        else:  # a prose-only report: the change is a sentence of its last section
            assert new.sample.sections[-1] != edited.sample.sections[-1]
        assert new.sample.sections[0][1] != edited.sample.sections[0][1]
        edited_page = c.get(edited.url, headers={"If-None-Match": old_page.headers["etag"]})
        assert edited_page.status_code == 200 and "更正" in decode(edited_page)

        site.remove_report(removed.doc_id)
        assert c.get(removed.url).status_code == 404
        assert removed.url not in {r.url for r in site.expected_reports}
        assert [r.url for r in site.removed_reports] == [removed.url]
        assert _etags(c, others) == before  # every other detail page is byte-identical
        for url in others:
            assert c.get(url, headers={"If-None-Match": before[url]}).status_code == 304
    assert len(site.expected_reports) == len(reports)


@pytest.mark.parametrize("family", FAMILIES)
def test_a_season_of_changes_is_visible_to_conditional_requests(portal_factory, family):
    site = portal_factory(family, mirror=False)
    before = {r.doc_id: r for r in site.expected_reports}
    with client() as c:
        etags = {u: c.get(u).headers["etag"] for r in before.values() for u in [r.url, *r.attachment_urls]}
        changes = apply_season_changes(site)

        def revalidate(url: str) -> httpx.Response:
            return c.get(url, headers={"If-None-Match": etags[url]})

        assert all(revalidate(u).status_code == 304 for r in changes.unchanged for u in [r.url, *r.attachment_urls])
        new_page = revalidate(changes.edited.url)
        assert new_page.status_code == 200 and "更正" in decode(new_page)
        assert revalidate(changes.removed.url).status_code == 404
        blocked = revalidate(changes.blocked.url)
        assert blocked.status_code == 200 and "访问受限" in blocked.text
        if changes.replaced:
            url = changes.replaced.attachment_urls[0]
            fresh = revalidate(url)
            assert fresh.status_code == 200 and fresh.content[:4] in (b"%PDF", b"PK\x03\x04")
            assert changes.replaced.attachments[0].sample != before[changes.replaced.doc_id].attachments[0].sample
        assert c.get(changes.added.url).status_code == 200
    ids = {r.doc_id for r in site.expected_reports}
    assert ids == (set(before) - {changes.removed.doc_id}) | {changes.added.doc_id}
    assert changes.blocked.doc_id in ids  # a block page is not a removal
    assert changes.replaced is not None


def test_edit_relists_the_report_at_the_top(portal_factory):
    site = portal_factory("hanweb", attachments=False)
    target = next(r for r in reversed(site.expected_reports) if "/art/" in r.url)
    site.edit_report(target.doc_id)
    with client() as c:
        for path in site.site.start_paths()[2:4]:
            links, _ = parse_jpage(decode(c.get(site.base_url + path)))
            if urlsplit(target.url).path in links:
                assert links[0] == urlsplit(target.url).path
                break
        else:
            raise AssertionError("edited report not listed on page 1")


def test_replace_attachment_keeps_the_url_and_changes_the_bytes(portal_factory):
    site = portal_factory("trs")
    rep = next(r for r in site.expected_reports if r.carrier == "docx")
    url = rep.attachments[0].url
    with client() as c:
        old = c.get(url)
        old_page = c.get(rep.url).content
        new = site.replace_attachment(rep.doc_id)
        assert new.attachment_urls == rep.attachment_urls
        fresh = c.get(url, headers={"If-None-Match": old.headers["etag"]})
        assert fresh.status_code == 200 and fresh.content != old.content and fresh.content[:2] == b"PK"
        assert fresh.content == site.attachment_bytes(url)
        assert c.get(rep.url).content != old_page  # the page notes the update


def test_block_and_unblock_a_path(portal_factory):
    site = portal_factory("gkmlpt", attachments=False)
    rep = site.expected_reports[0]
    prefix = urlsplit(rep.url).path.rsplit("/", 2)[0] + "/"
    with client() as c:
        site.block(prefix)
        page = c.get(rep.url)
        assert page.status_code == 200 and "访问受限" in page.text and "ArticleTitle" not in page.text
        assert c.get(site.start_urls[0]).status_code == 200
        site.block("/xfxrmzf/gkmlpt/api/", kind="521")
        assert c.get(site.base_url + "/xfxrmzf/gkmlpt/api/all/2845?page=1&sid=763001").status_code == 521
        site.unblock()
        assert "ArticleTitle" in decode(c.get(rep.url))


def test_go_dead_refused_then_revive_and_5xx(portal_factory):
    site = portal_factory("generic", attachments=False)
    url = site.start_urls[0]
    with client() as keep_alive:
        assert keep_alive.get(url).status_code == 200
        site.go_dead("refused")
        with pytest.raises((httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError)):
            keep_alive.get(url)  # an open keep-alive connection dies with the portal too
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, trust_env=False, timeout=5)
    site.revive()
    assert httpx.get(url, trust_env=False, timeout=5).status_code == 200
    site.go_dead("5xx")
    with client() as c:
        assert c.get(url).status_code == 502
        assert c.get(site.base_url + "/robots.txt").status_code == 502
    site.revive()
    with client() as c:
        assert c.get(url).status_code == 200


def test_portal_entry_lists_every_host_of_the_demo_county():
    demo = start_demo_county(prerender=False, attachments=False)
    try:
        entry = demo.portal_entry()
        assert entry["hosts"] == [demo.host, demo.extra[0].host]
        assert demo.mirror.host not in entry["hosts"]
        assert entry["platform"] == "trs" and entry["county"] == "城步苗族自治县"
        assert set(entry["start_urls"]) == set(demo.start_urls + demo.extra[0].start_urls)
    finally:
        demo.stop()

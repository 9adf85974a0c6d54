"""Atom feeds (new reports, corrected reports, failed checks) per archive, county and office; the
about page; the citation line of every report page — on a served archive."""

from __future__ import annotations

import re
import sqlite3
from html.parser import HTMLParser
from urllib.parse import urljoin
from xml.etree import ElementTree as ET

import feedparser
import httpx
import pytest
from fixtures.archive.site import T_RUN1, T_RUN2, RunningSite, build_site, crawl, edit_report, report_keys
from publish_fixtures import COUNTIES, PORTAL_CODES, Server, build_archive

from archive.publish.rules import RULES
from archive.store.session import ArchiveSession

pytestmark = pytest.mark.xdist_group("feeds")

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
KINDS = ("reports", "corrections", "checks")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The publishing fixture (5 counties, reports with failed checks), served."""
    fixture = build_archive(tmp_path_factory.mktemp("feeds") / "data", n_reports=18, seed=5)
    server = Server(["--db", str(fixture.db_path)])
    yield fixture, server
    server.stop()


@pytest.fixture(scope="module")
def corrected(tmp_path_factory):
    """A crawled archive in which a portal corrected a published report (version 2), served."""
    root = tmp_path_factory.mktemp("corrected") / "data"
    site = RunningSite(build_site())
    try:
        with ArchiveSession(root) as s:
            crawl(s, site, start=T_RUN1)
            edit_report(site.site)
            crawl(s, site, start=T_RUN2, mode="incremental", known_reports=report_keys(s))
    finally:
        site.stop()
    server = Server(["--db", str(root / "nianbao.db")])
    yield root / "nianbao.db", server
    server.stop()


def rows(db, sql: str, *args) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def valid_atom(body: bytes) -> ET.Element:
    """The feed, after checking it against RFC 4287 (and a real feed parser)."""
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    root = ET.fromstring(body)
    assert root.tag == ATOM + "feed"
    for tag in ("id", "title", "updated"):
        assert len(root.findall(ATOM + tag)) == 1, tag
    assert RFC3339.match(root.findtext(ATOM + "updated"))
    assert [link.get("rel") for link in root.findall(ATOM + "link")].count("self") == 1
    feed_author = root.find(ATOM + "author") is not None
    ids = []
    for entry in root.findall(ATOM + "entry"):
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(ATOM + tag)) == 1, tag
        assert RFC3339.match(entry.findtext(ATOM + "updated"))
        if entry.find(ATOM + "published") is not None:
            assert RFC3339.match(entry.findtext(ATOM + "published"))
        assert any(link.get("rel") == "alternate" and link.get("href") for link in entry.findall(ATOM + "link"))
        assert feed_author or entry.find(ATOM + "author") is not None
        ids.append(entry.findtext(ATOM + "id"))
    assert len(ids) == len(set(ids))
    return root


def entries(root: ET.Element) -> list[dict]:
    out = []
    for e in root.findall(ATOM + "entry"):
        alternate = next(link.get("href") for link in e.findall(ATOM + "link") if link.get("rel") == "alternate")
        out.append({"id": e.findtext(ATOM + "id"), "title": e.findtext(ATOM + "title"), "link": alternate,
                    "summary": e.findtext(ATOM + "summary"), "report": int(alternate.rsplit("/", 1)[1])})  # fmt: skip
    return out


def get_feed(client: httpx.Client, path: str, **params) -> ET.Element:
    r = client.get(path, params=params)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "application/atom+xml; charset=utf-8"
    return valid_atom(r.content)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.feeds: list[dict] = []
        self.in_head = False

    def handle_starttag(self, tag, attrs):
        if tag == "head":
            self.in_head = True
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "alternate" and a.get("type") == "application/atom+xml":
            assert self.in_head, "feed links belong in <head>"
            self.feeds.append(a)

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False


def feed_links(html: str) -> list[dict]:
    parser = _Links()
    parser.feed(html)
    return parser.feeds


def test_feeds_of_the_archive_a_county_and_an_office(served):
    fixture, server = served
    db = fixture.db_path
    with httpx.Client(base_url=server.url, timeout=30) as client:
        root = get_feed(client, "/archive/-/feeds/reports.atom", _size="500")
        got = entries(root)
        first_versions = rows(db, "SELECT id FROM reports WHERE version = 1 ORDER BY fetched DESC, id DESC")
        assert [e["report"] for e in got] == [r[0] for r in first_versions]
        assert root.find(ATOM + "link[@rel='self']").get("href") == server.url + "/archive/-/feeds/reports.atom"
        for e in got[:3]:
            assert client.get(e["link"]).status_code == 200  # the entry opens its report page
        title = dict(rows(db, "SELECT id, title FROM reports"))
        assert all(e["title"] == title[e["report"]] for e in got)
        assert len(get_feed(client, "/archive/-/feeds/reports.atom", _size="2").findall(ATOM + "entry")) == 2
        # one county, by name and by its division code: the reports of that county's portal only
        county = COUNTIES[0][0]
        in_county = {r[0] for r in rows(db, "SELECT r.id FROM reports r JOIN portals p ON p.id = r.portal "
                                            "WHERE p.county = ? AND r.version = 1", county)}  # fmt: skip
        assert in_county and len(in_county) < len(first_versions)
        by_name = entries(get_feed(client, "/archive/-/feeds/reports.atom", county=county))
        by_code = entries(get_feed(client, "/archive/-/feeds/reports.atom", county=PORTAL_CODES[county]))
        assert {e["report"] for e in by_name} == {e["report"] for e in by_code} == in_county
        # one office
        organ, count = rows(db, "SELECT organ, count(*) FROM reports GROUP BY organ ORDER BY 2 DESC LIMIT 1")[0]
        of_office = entries(get_feed(client, "/archive/-/feeds/reports.atom", organ=organ))
        organ_of = dict(rows(db, "SELECT id, organ FROM reports"))
        assert len(of_office) == count and {organ_of[e["report"]] for e in of_office} == {organ}
        # failed checks: every current report with a failing check, what failed in the summary
        failing = rows(db, "SELECT DISTINCT r.id FROM reports r JOIN checks c ON c.report_id = r.id "
                           "WHERE c.ok = 0 AND r.is_current = 1")  # fmt: skip
        assert failing
        checks = entries(get_feed(client, "/archive/-/feeds/checks.atom"))
        assert {e["report"] for e in checks} == {r[0] for r in failing}
        for e in checks:
            rules = {r[0] for r in rows(db, "SELECT rule FROM checks WHERE report_id = ? AND ok = 0", e["report"])}
            assert all(rule in e["title"] and rule in e["summary"] for rule in rules)
            assert "校验未通过" in e["summary"]
        # no corrections in this archive: a valid, empty feed
        assert entries(get_feed(client, "/archive/-/feeds/corrections.atom", county=county)) == []
        assert client.get("/archive/-/feeds/everything.atom").status_code == 404
        assert client.get("/archive/-/feeds/reports.atom", params={"_size": "x"}).status_code == 400
        assert client.get("/nosuchdb/-/feeds/reports.atom").status_code == 404


def test_feed_of_corrected_reports(corrected):
    db, server = corrected
    with httpx.Client(base_url=server.url, timeout=30) as client:
        got = entries(get_feed(client, "/nianbao/-/feeds/corrections.atom", county="城步苗族自治县"))
        new_versions = rows(db, "SELECT id, version, title FROM reports WHERE version > 1")
        assert new_versions and sorted(e["report"] for e in got) == sorted(r[0] for r in new_versions)
        changes = dict(rows(db, "SELECT report_id, cells_changed FROM report_changes"))
        for e in got:
            assert e["title"].startswith("更正（第2版）") and f"改动单元格 {changes[e['report']]} 个" in e["summary"]
            assert e["id"].endswith(":v2")
        # the first version stays an entry of the new-reports feed, under an id of its own
        news = entries(get_feed(client, "/nianbao/-/feeds/reports.atom"))
        assert not {e["id"] for e in news} & {e["id"] for e in got}
        assert {e["id"] for e in news} == {e["id"] for e in entries(get_feed(client, "/nianbao/-/feeds/reports.atom"))}


def test_pages_announce_their_feeds(served):
    fixture, server = served
    db = fixture.db_path
    rid, organ, county = rows(db, "SELECT r.id, r.organ, p.county FROM reports r JOIN portals p ON p.id = r.portal "
                                  "WHERE r.is_current = 1 ORDER BY r.id LIMIT 1")[0]  # fmt: skip
    with httpx.Client(base_url=server.url, timeout=30) as client:
        page = server.url + f"/archive/-/report/{rid}"
        links = feed_links(client.get(page).text)
        assert len(links) == 6
        organ_feeds = [urljoin(page, a["href"]) for a in links if organ in a["title"]]
        county_feeds = [urljoin(page, a["href"]) for a in links if a["title"].startswith(county + "：")]
        assert len(organ_feeds) == len(county_feeds) == 3
        for href in organ_feeds:
            root = valid_atom(client.get(href).content)
            assert all(e["report"] in {r[0] for r in rows(db, "SELECT id FROM reports WHERE organ = ?", organ)}
                       for e in entries(root))  # fmt: skip
        assert rid in {e["report"] for e in entries(valid_atom(client.get(county_feeds[0]).content))}
        chart = client.get("/archive/-/chart", params={"county": county}).text
        assert {a["href"] for a in feed_links(chart)} == {href.removeprefix(server.url) for href in county_feeds}
        listing = client.get("/archive/-/feeds").text
        assert len(feed_links(listing)) == 3
        for c, _province, _city in COUNTIES:
            assert c in listing
        one = client.get("/archive/-/feeds", params={"county": county}).text
        assert organ in one and 'class="nianbao-feed-office"' in one


def test_report_page_carries_a_citation(served):
    fixture, server = served
    db = fixture.db_path
    rid, organ, title, year, url, fetched, published, snapshot = rows(
        db, "SELECT id, organ, title, year, url, fetched, published, snapshot_id FROM reports WHERE is_current = 1 "
            "AND published IS NOT NULL ORDER BY id LIMIT 1")[0]  # fmt: skip
    html = httpx.get(server.url + f"/archive/-/report/{rid}", timeout=30).text
    lines = re.findall(r'<p class="nianbao-citation" lang="(zh|en)">(.*?)</p>', html, re.S)
    cite = {lang: text.replace("&amp;", "&") for lang, text in lines}
    snapshot_url = f"{server.url}/archive/-/snapshot/{snapshot}"
    for part in (organ, title, f"{year}年度", url, published, f"存档于 {fetched[:10]}", snapshot_url):
        assert part in cite["zh"], part
    for part in (
        organ,
        title,
        f"annual report for {year}",
        url,
        f"Archived by nianbao on {fetched[:10]}",
        snapshot_url,
    ):
        assert part in cite["en"], part
    assert httpx.get(snapshot_url, timeout=30).status_code == 200  # the citation's snapshot opens


def test_about_page(served):
    fixture, server = served
    db = fixture.db_path
    about = httpx.get(server.url + "/-/about", timeout=30, follow_redirects=True)
    assert about.status_code == 200 and str(about.url) == server.url + "/archive/-/about"
    text = about.text
    headings = re.findall(r"<h2 id=\"(\w+)\">(.*?)</h2>", text)
    assert [h for h, _ in headings] == ["archived", "coverage", "checks", "cite", "licence", "follow"]
    assert all(re.match(r"[\u4e00-\u9fff]", title) for _, title in headings)  # Chinese first
    reports = rows(db, "SELECT count(*) FROM reports WHERE is_current = 1")[0][0]
    assert f"报告（当前版本）Reports</th><td>{reports:,}</td>" in text
    assert 'href="/archive/-/rules"' in text and 'href="/archive/-/coverage"' in text
    assert "https://creativecommons.org/licenses/by/4.0/" in text and "CC BY 4.0" in text
    for rule in RULES:
        assert f'href="/archive/-/rules#{rule.rule}">{rule.rule}</a>' in text and rule.zh in text
    failing = rows(db, "SELECT count(DISTINCT c.report_id) FROM checks c JOIN reports r ON r.id = c.report_id "
                       "WHERE c.ok = 0 AND c.rule = 'R2' AND r.is_current = 1")[0][0]  # fmt: skip
    r2 = re.search(r'#R2">R2</a>.*?</tr>', text, re.S)
    checked = rows(db, "SELECT count(DISTINCT c.report_id) FROM checks c JOIN reports r ON r.id = c.report_id "
                       "WHERE c.rule = 'R2' AND r.is_current = 1")[0][0]  # fmt: skip
    assert r2 and f"{checked} 份报告已校验，{failing} 份未通过" in r2.group(0) and failing > 0
    assert '<blockquote class="nianbao-citation">' in text and "[EB/OL]" in text
    home = httpx.get(server.url + "/", timeout=30).text
    assert 'href="/archive/-/about"' in home and 'href="/archive/-/feeds"' in home

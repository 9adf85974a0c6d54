"""Every platform parser (crawler.platforms.PARSERS) on the list pages of the generated portals
(tests/portalgen, served in-process): it recognises its own family's lists and no other family's,
and walking a column with it alone — its further pages and API answers — reaches every report
the column lists, in as many list pages as the lists state."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from portalgen.sites import FAMILIES as SITE_FAMILIES
from portalgen.sites import Request, Site, build_site

from archive.store.urls import canonical_url
from crawler.discovery import Fetch, Page, report_candidates
from crawler.frontier import folder_key, request_key
from crawler.platforms import FAMILIES, GENERIC, PARSERS, PlatformParser, parser_named


@pytest.fixture(scope="module")
def sites() -> dict[str, Site]:
    """One generated site per family, answering in-process (no server, no attachments rendered)."""
    out = {}
    for family in SITE_FAMILIES:
        site = build_site(family)
        site.bind(f"http://{family.replace('_', '-')}.example.gov.cn")
        out[family] = site
    return out


def fetch(site: Site, f: Fetch) -> Page:
    parts = urlsplit(f.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {k.lower(): v for k, v in f.headers.items()}
    reply = site.handle(Request(f.method, target, headers, (f.body or "").encode()))
    assert reply.status == 200, (f.method, f.url, reply.status)
    return Page(f.url, reply.body.decode("utf-8"), reply.status, fragment=parts.fragment)


def report_columns(site: Site) -> list[str]:
    """The site's annual-report columns that list documents themselves (not only sub-columns)."""
    return [key for key, col in site.columns.items() if col.reports and site.listed(key)]


def listed_reports(site: Site, column: str) -> set[str]:
    return {canonical_url(site.url(path)) for doc, path in site.listed(column) if doc.is_report}


def entries(site: Site, parser: PlatformParser, column: str) -> list[Fetch]:
    """Where a crawl enters a column: the site's start URLs on the column's path, and the links of
    the parser's family (module unit pages) on the start pages; else the column's path."""
    path = site.columns[column].path
    starts = [Fetch(site.url(p), "column") for p in site.start_paths()]
    linked = [f for start in starts for f in parser.extra_links(fetch(site, start)) if f.role == "column"]
    found = [f for f in starts + linked if urlsplit(f.url).path == path]
    return found or [Fetch(site.url(path), "column")]


def walk(site: Site, parser: PlatformParser, column: str) -> tuple[set[str], int, int | None]:
    """Walk a column with ``parser`` alone: the detail URLs found (the parser's items and, on HTML
    pages, the report links), the list pages read (that listed items or stated a count), and the
    page count the list states."""
    queue = entries(site, parser, column)
    seen: set[tuple] = set()
    found: set[str] = set()
    pages_read, stated = 0, None
    while queue:
        f = queue.pop(0)
        folder = folder_key(f.url) if f.method == "GET" else None
        if request_key(f) in seen or (folder is not None and ("folder", folder) in seen):
            continue
        seen |= {request_key(f), ("folder", folder)}
        page = fetch(site, f)
        if f.role == "api":
            assert f.platform == parser.name
            result = parser.answer(page, f.data)
        else:
            result = parser.list_page(page, f.data)
            assert result is not None, f"{parser.name} read nothing on {f.url}"
            found |= {canonical_url(x.url) for x in report_candidates(page, True)}
        found |= {canonical_url(x.url) for x in result.items}
        if result.items or result.stated_pages:
            pages_read += 1
        if result.stated_pages:
            stated = max(stated or 0, result.stated_pages)
        queue += result.pages + result.columns
    return found, pages_read, stated


def test_one_list_of_families():
    assert FAMILIES == tuple(p.name for p in PARSERS) and len(set(FAMILIES)) == len(FAMILIES)
    assert PARSERS[-1] is GENERIC  # the generic pager reads every page, after the families
    assert all(parser_named(name).name == name for name in FAMILIES) and parser_named("lonsun") is None


@pytest.mark.parametrize("family", FAMILIES)
def test_platform_parser(sites, family):
    parser = parser_named(family)
    assert parser is not None
    # detect(): every report column of its own family, none of the other families' (generic: all)
    for other, site in sites.items():
        columns = report_columns(site)
        assert columns, other
        for column in columns:
            page = fetch(site, Fetch(site.url(site.columns[column].path), "column"))
            expected = family == GENERIC.name or other == family
            assert parser.detect(page) == expected, (family, other, column)
    if family not in sites:
        return  # a family of the varied portals only (tests/crawler/test_sweep.py)
    # list_page()/answer(): its further pages and API answers reach every listed report
    site = sites[family]
    for column in report_columns(site):
        found, pages_read, stated = walk(site, parser, column)
        missing = listed_reports(site, column) - found
        assert not missing, (column, sorted(missing))
        if stated is not None:
            assert pages_read == stated, (column, pages_read, stated)


def test_api_answers_are_refused_by_parsers_without_an_api():
    page = Page("http://x.gov.cn/api", "{}")
    for parser in PARSERS:
        if parser.name in ("trs", "generic"):
            with pytest.raises(ValueError):
                parser.answer(page, {})

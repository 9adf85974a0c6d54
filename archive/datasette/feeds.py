"""Atom feeds (RFC 4287) of new reports, corrected reports and failed checks, for the whole
archive, a county or an office, so a reporter can follow a county in a feed reader; and the page
that lists them (``/{database}/-/feeds``).

``/{database}/-/feeds/{kind}.atom[?county=…][&organ=…]`` where ``kind`` is ``reports``,
``corrections`` or ``checks`` (:data:`archive.publish.feeds.FEED_KINDS`).  Pages about a county or
an office (report, trend chart) announce their feeds with ``<link rel="alternate"
type="application/atom+xml">`` (:func:`feed_links`).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode
from xml.etree import ElementTree as ET

from datasette.utils.asgi import BadRequest, NotFound, Response

from archive import __version__
from archive.publish.feeds import (
    DEFAULT_LIMIT,
    FEED_KINDS,
    FeedEntry,
    FeedScope,
    feed_entries,
    followable,
    last_change,
)

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"
FEEDS_PATH = "/-/feeds"
SHORT_KINDS = {"reports": "新报告", "corrections": "修改", "checks": "校验未通过"}

ET.register_namespace("", ATOM_NS)


def feed_path(db_url: str, kind: str, county: str | None = None, organ: str | None = None) -> str:
    """The path of a feed (under ``db_url``, the database's URL path)."""
    params = [(k, v) for k, v in (("county", county), ("organ", organ)) if v]
    return f"{db_url}{FEEDS_PATH}/{kind}.atom" + ("?" + urlencode(params) if params else "")


def feed_links(db_url: str, county: str | None = None, organ: str | None = None) -> list[dict]:
    """``<link rel="alternate">`` targets for a page about a county and/or an office: each kind of
    feed for the office, then for the county; the whole archive's for a page about neither."""
    scopes = [s for s in ((None, organ), (county, None)) if s[0] or s[1]] or [(None, None)]
    links = []
    for scope_county, scope_organ in scopes:
        who = scope_organ or scope_county or "全部"
        for kind, (zh, _en) in FEED_KINDS.items():
            href = feed_path(db_url, kind, scope_county, scope_organ)
            links.append({"href": href, "title": f"{who}：{zh}", "who": who, "short": SHORT_KINDS[kind]})
    return links


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = text
    return el


def _feed_id(kind: str, scope: FeedScope) -> str:
    parts = [f"urn:nianbao:feed:{kind}"]
    if scope.county:
        parts.append("county:" + quote(scope.county, safe=""))
    if scope.organ:
        parts.append("organ:" + quote(scope.organ, safe=""))
    return ":".join(parts)


def _published(date: str | None) -> str | None:
    """A portal's date (YYYY-MM-DD, Beijing time) as an RFC 3339 date-time."""
    if date and len(date) == 10 and date[4] == "-" and date[7] == "-" and date.replace("-", "").isdigit():
        return f"{date}T00:00:00+08:00"
    return None


def atom_xml(
    kind: str,
    scope: FeedScope,
    entries: list[FeedEntry],
    *,
    self_url: str,
    page_url: str,
    report_url,
    updated: str,
) -> bytes:
    """The Atom document of one feed; ``report_url(entry)`` is the absolute URL of its report page."""
    zh, en = FEED_KINDS[kind]
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "zh-CN"})
    _el(feed, "id", _feed_id(kind, scope))
    _el(feed, "title", f"{scope.label()} · {zh} — nianbao 年报档案")
    _el(feed, "subtitle", f"{en}: {scope.county or ''} {scope.organ or ''}".strip(" :") + " (nianbao)")
    _el(feed, "updated", entries[0].updated if entries else updated)
    _el(feed, "link", rel="self", type=ATOM_TYPE, href=self_url)
    _el(feed, "link", rel="alternate", type="text/html", href=page_url)
    author = _el(feed, "author")
    _el(author, "name", "nianbao 年报档案")
    _el(feed, "generator", "nianbao", version=__version__)
    _el(feed, "rights", "整理数据 CC BY 4.0；原文为行政机关主动公开的政府信息")
    for entry in entries:
        item = _el(feed, "entry")
        _el(item, "id", entry.id)
        _el(item, "title", entry.title)
        _el(item, "updated", entry.updated)
        if _published(entry.published):
            _el(item, "published", _published(entry.published))
        _el(item, "link", rel="alternate", type="text/html", href=report_url(entry))
        _el(item, "link", rel="via", href=entry.url)
        if entry.organ:
            _el(_el(item, "author"), "name", entry.organ)
        for term in entry.categories:
            _el(item, "category", term=term)
        _el(item, "summary", entry.summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _scope(request) -> FeedScope:
    county = (request.args.get("county") or "").strip() or None
    organ = (request.args.get("organ") or "").strip() or None
    if any(v and len(v) > 200 for v in (county, organ)):
        raise BadRequest("county and organ are names of at most 200 characters")
    return FeedScope(county, organ)


def _limit(request) -> int:
    text = (request.args.get("_size") or "").strip()
    if not text:
        return DEFAULT_LIMIT
    if not text.isdigit() or int(text) < 1:
        raise BadRequest("_size must be a positive whole number")
    return int(text)


async def feed_response(datasette, request, name: str, db) -> Response:
    """The Atom feed of ``request`` (kind in the URL, scope in the query) for database ``name``."""
    kind = request.url_vars["kind"]
    if kind not in FEED_KINDS:
        raise NotFound(f"no such feed: {kind}")
    scope, limit = _scope(request), _limit(request)
    entries, updated = await db.execute_fn(lambda conn: (feed_entries(conn, kind, scope, limit), last_change(conn)))
    db_url = datasette.urls.database(name)
    base = datasette.absolute_url(request, "/")
    absolute = lambda path: base.rstrip("/") + path
    page = f"{db_url}{FEEDS_PATH}" + (f"?{urlencode({'county': scope.county})}" if scope.county else "")
    body = atom_xml(
        kind,
        scope,
        entries,
        self_url=absolute(feed_path(db_url, kind, scope.county, scope.organ)),
        page_url=absolute(page),
        report_url=lambda e: absolute(f"{db_url}/-/report/{e.report_id}"),
        updated=updated,
    )
    return Response(body, content_type=f"{ATOM_TYPE}; charset=utf-8", headers={"Cache-Control": "max-age=300"})


async def feeds_context(datasette, name: str, db, county: str | None) -> dict:
    """The page of feeds: the archive's, then every county's with its offices (of one county when
    ``county`` is given)."""
    counties = await db.execute_fn(lambda conn: followable(conn, county))
    db_url = datasette.urls.database(name)
    kinds = [{"kind": k, "zh": zh, "en": en} for k, (zh, en) in FEED_KINDS.items()]
    for c in counties:
        c["feeds"] = {k: feed_path(db_url, k, c["county"] or c["code"]) for k in FEED_KINDS}
        for office in c.get("offices", []):
            office["feeds"] = {k: feed_path(db_url, k, None, office["organ"]) for k in FEED_KINDS}
    return {
        "kinds": kinds,
        "all_feeds": {k: feed_path(db_url, k) for k in FEED_KINDS},
        "counties": counties,
        "county": county or "",
        "feed_links": feed_links(db_url, county=county),
    }

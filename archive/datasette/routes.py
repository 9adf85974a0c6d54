"""The plugin's pages: report, cell provenance, snapshot viewer and archived bytes, trend chart,
crawl health, dump downloads (registered by the ``register_routes`` hook)."""

from __future__ import annotations

import markupsafe
from datasette.utils.asgi import BadRequest, Forbidden, NotFound, Response

from archive.datasette import about, coverage_pages, feeds, pages, refusal_pages, search_page, sources
from archive.datasette.archives import DUMPS_ROUTE, archive_dir, archives, dumps_dir
from archive.datasette.compat import ensure_can_view_table
from archive.datasette.downloads import RangedFile
from archive.datasette.snapshots import (
    SECURITY_HEADERS,
    SnapshotError,
    download_filename,
    load_snapshot,
    raw_headers,
)
from archive.ops.monitors import DEFAULT_BASELINE_RUNS, DEFAULT_STALE_RUNS, MONITORS, alerts, portal_health
from archive.publish.dump import SUMS_NAME, read_sums
from archive.publish.views import CARRIER_LABELS, TEMPLATE_LABELS

DUMP_TYPES = {".db": "application/vnd.sqlite3", ".wacz": "application/wacz+zip"}


async def _archive_db(datasette, request, table: str):
    """(name, Database) of the archive in the URL, after permission checks; 404 otherwise."""
    if request.method not in ("GET", "HEAD"):
        raise Forbidden("read-only")
    route = request.url_vars["database"]
    try:
        db = datasette.get_database(route=route)
    except KeyError:
        raise NotFound(f"database not found: {route}") from None
    if db.name not in archives(datasette).by_name:
        raise NotFound(f"not an archive database: {db.name}")
    await ensure_can_view_table(datasette, request.actor, db.name, table)
    return db.name, db


def _id(request) -> int:
    return int(request.url_vars["id"])


async def _page(datasette, request, template: str, context: dict) -> Response:
    return Response.html(await datasette.render_template(template, context, request=request))


async def _context_page(datasette, request, table: str, load, template: str, missing: str) -> Response:
    """A page of one archive row (report, cell, snapshot): its context from ``load(db, id)``."""
    name, db = await _archive_db(datasette, request, table)
    context = await load(db, _id(request))
    if context is None:
        raise NotFound(missing)
    context.update(database=name, db_url=datasette.urls.database(name))
    return await _page(datasette, request, template, context)


async def report_page(datasette, request):
    async def load(db, report_id: int) -> dict | None:
        context = await pages.report_context(db, report_id)
        if context is not None:  # codes as words: 2021年版, 2019年前, 未识别; 网页, PDF, Word …
            report, db_url = context["report"], datasette.urls.database(db.name)
            snapshot = report.get("snapshot_id")
            snapshot_url = datasette.absolute_url(request, f"{db_url}/-/snapshot/{snapshot}") if snapshot else None
            context["template_label"] = TEMPLATE_LABELS.get(report.get("template") or "", report.get("template"))
            context["carrier_label"] = CARRIER_LABELS.get(report.get("carrier") or "", report.get("carrier"))
            context["citation"] = about.citation(report, snapshot_url)
            context["feed_links"] = feeds.feed_links(db_url, county=report.get("county"), organ=report.get("organ"))
        return context

    return await _context_page(datasette, request, "reports", load, "nianbao_report.html", "report not found")


async def about_page(datasette, request):
    name, db = await _archive_db(datasette, request, "reports")
    context = await about.about_context(db)
    db_url = datasette.urls.database(name)
    example = context.get("example")
    if example:
        snapshot = example.get("snapshot_id")
        link = datasette.absolute_url(request, f"{db_url}/-/snapshot/{snapshot}") if snapshot else None
        context["example_citation"] = about.citation(example, link)
    context.update(database=name, db_url=db_url, feed_links=feeds.feed_links(db_url))
    return await _page(datasette, request, "nianbao_about.html", context)


async def about_redirect(datasette, request):
    found = sorted(archives(datasette).by_name)
    if not found:
        raise NotFound("no archive database")
    return Response.redirect(datasette.urls.database(found[0]) + "/-/about")


async def cell_page(datasette, request):
    base = datasette.urls.database(request.url_vars["database"])

    async def load(db, cell_id: int) -> dict | None:
        context = await pages.cell_context(db, cell_id)
        if context is not None:
            context["source_view"] = sources.source_view(context["cell"], context["report"], context["snapshot"], base)
        return context

    return await _context_page(datasette, request, "cells", load, "nianbao_cell.html", "cell not found")


async def cell_source(datasette, request):
    """The cell's source page as PNG, its box outlined: the excerpt around it, or ``?page=1`` the
    whole page (:mod:`archive.datasette.sources`); a plain-text reason when it cannot be shown."""
    name, db = await _archive_db(datasette, request, "cells")
    context = await pages.cell_context(db, _id(request))
    if context is None:
        raise NotFound("cell not found")
    snap = context["snapshot"]
    if snap is None:
        return Response.text("没有数值来源文件的存档快照 (no archived source)", status=404)

    async def load() -> bytes:
        try:
            record = await load_snapshot(
                archive_dir(datasette, name), snap["warc_file"], int(snap["warc_offset"]), snap["url"], snap["sha256"]
            )
        except SnapshotError as exc:
            raise sources.RenderError(f"存档内容无法读取 (archived content unavailable): {exc}") from None
        return record.payload

    variant = "page" if request.args.get("page") else "cell"
    try:
        png = await sources.renderer_for(datasette).image(snap["sha256"], context["cell"]["where"] or "", variant, load)
    except sources.RenderError as exc:
        return Response.text(str(exc), status=503 if "busy" in str(exc) else 404)
    return Response(png, status=200, content_type="image/png", headers={"cache-control": "private, max-age=86400"})


async def snapshot_page(datasette, request):
    return await _context_page(
        datasette, request, "snapshots", pages.snapshot_context, "nianbao_snapshot.html", "snapshot not found"
    )


async def snapshot_raw(datasette, request):
    name, db = await _archive_db(datasette, request, "snapshots")
    snap = await pages.snapshot_row(db, _id(request))
    if snap is None:
        raise NotFound("snapshot not found")
    try:
        record = await load_snapshot(
            archive_dir(datasette, name), snap["warc_file"], int(snap["warc_offset"]), snap["url"], snap["sha256"]
        )
    except SnapshotError as exc:
        return Response.text(
            f"存档内容无法读取 (archived content unavailable): {exc}", status=502, headers=dict(SECURITY_HEADERS)
        )
    content_type, headers = raw_headers(
        record.content_type or snap["content_type"], download_filename(snap["url"], snap["content_type"], snap["id"])
    )
    return Response(record.payload, status=200, headers=headers, content_type=content_type)


async def feed_atom(datasette, request):
    name, db = await _archive_db(datasette, request, "reports")
    return await feeds.feed_response(datasette, request, name, db)


async def feeds_page(datasette, request):
    name, db = await _archive_db(datasette, request, "reports")
    county = (request.args.get("county") or "").strip() or None
    context = await feeds.feeds_context(datasette, name, db, county)
    context.update(database=name, db_url=datasette.urls.database(name))
    return await _page(datasette, request, "nianbao_feeds.html", context)


async def search(datasette, request):
    """The search page: the template's figures a query names, report titles, report text."""
    name, db = await _archive_db(datasette, request, "sections")
    base = datasette.urls.database(name)
    context = await search_page.search_context(db, request.args, base, lambda table: datasette.urls.table(name, table))
    context.update(database=name, db_url=base)
    return await _page(datasette, request, "nianbao_search.html", context)


async def chart_page(datasette, request):
    name, db = await _archive_db(datasette, request, "reports")
    organ = (request.args.get("organ") or "").strip() or None
    county = (request.args.get("county") or "").strip() or None
    province = (request.args.get("province") or "").strip() or None
    data = await pages.chart_data(db, organ=organ, county=county, province=province)
    data.update(await refusal_pages.rate_chart(db, organ=organ, county=county, province=province))
    if county and not organ:
        data.update(await refusal_pages.county_ranking(db, county, province))
    if organ:
        data["organ_ranks"] = await refusal_pages.organ_ranks(db, organ)
    if request.url_vars.get("format") == "json":
        return Response.json({k: v for k, v in data.items() if not k.endswith("svg")})
    context = dict(data, **await pages.chart_options(db), **await refusal_pages.places(db))
    context.update(organ=organ or "", county=county or "", province=province or "")
    context["feed_links"] = feeds.feed_links(datasette.urls.database(name), county=county, organ=organ)
    context["svg"] = markupsafe.Markup(data["svg"])
    context["rate_svg"] = markupsafe.Markup(data["rate_svg"])
    context.update(database=name, db_url=datasette.urls.database(name))
    return await _page(datasette, request, "nianbao_chart.html", context)


def _count_arg(request, name: str, default: int) -> int:
    text = (request.args.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise BadRequest(f"{name} must be a positive whole number")
    return int(text)


async def status_page(datasette, request):
    name, db = await _archive_db(datasette, request, "crawl_portal_stats")
    stale = _count_arg(request, "stale_runs", DEFAULT_STALE_RUNS)
    baseline = _count_arg(request, "runs", DEFAULT_BASELINE_RUNS)
    rows = await db.execute_fn(lambda conn: portal_health(conn, stale, baseline))
    fired = alerts(rows)
    if request.url_vars.get("format") == "json":
        return Response.json(
            {"healthy": not fired, "portals": rows, "alerts": fired, "stale_runs": stale, "baseline_runs": baseline}
        )
    context = {"portals": rows, "alerts": fired, "labels": {m.id: m.label for m in MONITORS}, "stale_runs": stale,
               "baseline_runs": baseline, "database": name, "db_url": datasette.urls.database(name)}  # fmt: skip
    return await _page(datasette, request, "nianbao_status.html", context)


async def coverage_page(datasette, request):
    name, db = await _archive_db(datasette, request, "coverage_divisions")
    code = request.url_vars.get("code")
    if code:
        context = await coverage_pages.province_context(db, code.ljust(6, "0"))
        if context is None:
            raise NotFound("no such province in the coverage table")
        template = "nianbao_coverage_province.html"
    else:
        context = await coverage_pages.national_context(db)
        template = "nianbao_coverage.html"
    if request.url_vars.get("format") == "json":
        return Response.json(context, default=str)
    context.update(database=name, db_url=datasette.urls.database(name), page_url=request.url)
    return await _page(datasette, request, template, context)


async def rules_page(datasette, request):
    name, db = await _archive_db(datasette, request, "checks")
    context = await pages.rules_context(db)
    if request.url_vars.get("format") == "json":
        return Response.json(context)
    context.update(database=name, db_url=datasette.urls.database(name))
    return await _page(datasette, request, "nianbao_rules.html", context)


async def dump_download(datasette, request):
    if request.method not in ("GET", "HEAD"):
        raise Forbidden("read-only")
    name = request.url_vars["name"]
    folder = dumps_dir(datasette)
    if folder is None:
        raise NotFound("no dumps published")
    digests = {f.name: f.sha256 for f in read_sums(folder)}
    if name == SUMS_NAME:
        return RangedFile(folder / name, "text/plain; charset=utf-8", "", request.method, dict(request.headers))
    if name not in digests:
        raise NotFound("no such dump file")
    suffix = name[name.rfind(".") :] if "." in name else ""
    content_type = DUMP_TYPES.get(suffix, "application/octet-stream")
    return RangedFile(folder / name, content_type, digests[name], request.method, dict(request.headers), name)


ROUTES = [
    (rf"^{DUMPS_ROUTE}(?P<name>[A-Za-z0-9_.-]+)$", dump_download),
    (r"^/(?P<database>[^/]+)/search$", search),  # the page; /{db}/search.json stays the canned query
    (r"^/(?P<database>[^/]+)/-/report/(?P<id>\d+)$", report_page),
    (r"^/(?P<database>[^/]+)/-/cell/(?P<id>\d+)$", cell_page),
    (r"^/(?P<database>[^/]+)/-/cell/(?P<id>\d+)/source\.png$", cell_source),
    (r"^/(?P<database>[^/]+)/-/snapshot/(?P<id>\d+)$", snapshot_page),
    (r"^/(?P<database>[^/]+)/-/snapshot/(?P<id>\d+)/raw$", snapshot_raw),
    (r"^/(?P<database>[^/]+)/-/chart(\.(?P<format>json))?$", chart_page),
    (r"^/(?P<database>[^/]+)/-/feeds$", feeds_page),
    (r"^/-/about$", about_redirect),
    (r"^/(?P<database>[^/]+)/-/about$", about_page),
    (r"^/(?P<database>[^/]+)/-/feeds/(?P<kind>[a-z]+)\.atom$", feed_atom),
    (r"^/(?P<database>[^/]+)/-/status(\.(?P<format>json))?$", status_page),
    (r"^/(?P<database>[^/]+)/-/rules(\.(?P<format>json))?$", rules_page),
    (r"^/(?P<database>[^/]+)/-/coverage(\.(?P<format>json))?$", coverage_page),
    (r"^/(?P<database>[^/]+)/-/coverage/(?P<code>\d\d(?:0000)?)(\.(?P<format>json))?$", coverage_page),
]

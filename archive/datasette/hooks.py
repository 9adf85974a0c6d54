"""The nianbao Datasette plugin (entry point ``nianbao`` in pyproject.toml).

* ``escape_fts`` override (registered ``trylast`` so it replaces Datasette's own), the
  ``nianbao_snippet`` and ``nianbao_tokenize`` SQL functions (search.md);
* metadata of every archive database (titles, descriptions, units, facets, canned queries);
* pages: report (``/{db}/-/report/{id}``), cell provenance (``/{db}/-/cell/{id}``), snapshot
  viewer (``/{db}/-/snapshot/{id}``) and the archived bytes (``…/raw``, sandboxed), trend chart
  (``/{db}/-/chart``), crawl health with the monitors (``/{db}/-/status``, ``.json``: HTTP 200
  when healthy, the same JSON as ``nianbao status --json``), bundled assets (``/-/nianbao/static/…``), dumps (``/-/nianbao/dumps/…``);
* links from cells to those pages, snippets with highlighted matches, download links on the
  home page, menu links;
* read-only hygiene: ``meta`` values are not readable through SQL, blank ``_search`` arguments
  are dropped (an empty search box shows every row instead of failing), facet suggestion off.

An *archive database* is any attached SQLite file with ``reports`` and ``sections`` tables.
Plugin configuration (``plugins: nianbao:``): ``archive_dir`` (a path, or ``{db: path}``) and
``dumps_dir``; ``nianbao serve`` sets both.
"""

from __future__ import annotations

import re
import sqlite3
import weakref
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import markupsafe
from datasette import hookimpl
from datasette.utils.asgi import AsgiFileDownload, BadRequest, Forbidden, NotFound, Response
from jinja2 import ChoiceLoader, FileSystemLoader

from archive.datasette import STATIC_DIR, TEMPLATES_DIR, pages
from archive.datasette.metadata import VIEWS, build_metadata
from archive.datasette.snapshots import (
    SECURITY_HEADERS,
    SnapshotError,
    download_filename,
    load_snapshot,
    raw_headers,
)
from archive.publish.dump import SUMS_NAME, read_sums
from archive.publish.search import INDEXES, register_functions, snippet_html

PLUGIN = "nianbao"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
SNIPPET_COLUMNS = frozenset({"摘要"})
REPORT_LINK_COLUMNS = frozenset({"报告ID", "上一版本ID"})
SNAPSHOT_LINK_COLUMNS = frozenset({"存档快照", "数据来源快照", "旧版快照", "新版快照"})
CELL_LINK_COLUMNS = frozenset({"单元格ID"})
TABLE_SNAPSHOT_COLUMNS = {
    ("reports", "snapshot_id"),
    ("reports", "source_snapshot_id"),
    ("attachments", "snapshot_id"),
    ("fetches", "snapshot_id"),
}


# ----------------------------------------------------------------------------- state


@dataclass
class ArchiveDb:
    """An attached archive database."""

    name: str
    path: Path
    meta_archive_dir: str | None


class _State:
    def __init__(self) -> None:
        self.key: tuple = ()
        self.count = 0
        self.names: list[str] = []
        self.archives: dict[str, ArchiveDb] = {}
        self.metadata: dict | None = None


_STATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _inspect(name: str, path: Path) -> ArchiveDb | None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        if not {"reports", "sections"} <= names:
            return None
        archive_dir = None
        if "meta" in names:
            row = conn.execute("SELECT value FROM meta WHERE key = 'archive_dir'").fetchone()
            archive_dir = row[0] if row and row[0] else None
        return ArchiveDb(name, path, archive_dir)
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def state(datasette) -> _State:
    """The archive databases attached to ``datasette`` (re-detected when databases change)."""
    st = _STATES.get(datasette)
    if st is None:
        st = _State()
        _STATES[datasette] = st
    databases = datasette.databases
    if st.key and len(databases) == st.count and all(name in databases for name in st.names):
        return st
    key = tuple(sorted((name, str(db.path)) for name, db in databases.items() if db.path))
    st.count = len(databases)
    st.names = [name for name, _ in key]
    if key != st.key:
        archives = {}
        for name, path in key:
            found = _inspect(name, Path(path))
            if found:
                archives[name] = found
        st.archives = archives
        st.metadata = build_metadata(sorted(archives)) if archives else None
        st.key = key
    return st


CONFIG_ATTRIBUTE = "nianbao_config"


def _config(datasette) -> dict:
    """Plugin configuration: set on the instance by ``nianbao serve`` (kept out of
    ``/-/metadata.json``, it holds server paths), else ``plugins: nianbao:`` in metadata."""
    return getattr(datasette, CONFIG_ATTRIBUTE, None) or datasette.plugin_config(PLUGIN) or {}


def archive_dir(datasette, name: str) -> Path:
    """Where the WARC files of archive database ``name`` live."""
    archive = state(datasette).archives[name]
    configured = _config(datasette).get("archive_dir")
    if isinstance(configured, dict):
        configured = configured.get(name)
    if configured:
        return Path(configured)
    if archive.meta_archive_dir:
        return Path(archive.meta_archive_dir)
    return archive.path.resolve().parent


def dumps_dir(datasette) -> Path | None:
    """The directory holding the published dumps (with ``SHA256SUMS``), if any."""
    configured = _config(datasette).get("dumps_dir")
    candidates = [Path(configured)] if configured else []
    for archive in state(datasette).archives.values():
        parent = archive.path.resolve().parent
        candidates += [parent / "dumps", parent]
    for folder in candidates:
        if (folder / SUMS_NAME).is_file():
            return folder
    return None


def dump_files(datasette) -> list[dict]:
    folder = dumps_dir(datasette)
    if folder is None:
        return []
    return [
        {"name": f.name, "size": f.size, "sha256": f.sha256, "url": datasette.urls.path(f"/-/nianbao/dumps/{f.name}")}
        for f in read_sums(folder)
    ] + [
        {
            "name": SUMS_NAME,
            "size": (folder / SUMS_NAME).stat().st_size,
            "sha256": "",
            "url": datasette.urls.path(f"/-/nianbao/dumps/{SUMS_NAME}"),
        }
    ]


# ----------------------------------------------------------------------------- SQL


def _authorizer(action, arg1, arg2, db_name, trigger):
    # meta holds server settings (archive paths): its values read as NULL through Datasette
    if action == sqlite3.SQLITE_READ and arg1 == "meta" and arg2 == "value":
        return sqlite3.SQLITE_IGNORE
    return sqlite3.SQLITE_OK


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette):
    register_functions(conn)
    if database in state(datasette).archives:
        conn.set_authorizer(_authorizer)


# Datasette counts a search as ``select count(*) from T where pk in (select rowid from T_fts where
# T_fts match escape_fts(:search))``: a b-tree lookup in T for every match (25 ms for 60,000 hits).
# Our indexes hold exactly one row per row of T (written by archive.publish.search), so the count of the
# index match alone is the same number, from the index only (1–2 ms).
_SEARCH_COUNT_RE = re.compile(
    r"^select count\(\*\) from (?P<t>\w+) where (?:rowid|id) in \(select rowid from (?P<f>\w+) where "
    r"(?P=f) match escape_fts\(:search\)\) ?$"
)


SEARCH_TABLES = {index.name for index in INDEXES}


def _fast_search_count(db) -> None:
    """Answer the table page's search count from the full-text index alone (same number, faster)."""
    if getattr(db, "_nianbao_fast_count", False):
        return
    execute = db.execute

    async def counted(sql, params=None, *args, **kwargs):
        m = _SEARCH_COUNT_RE.match(sql) if isinstance(sql, str) and sql.startswith("select count(*)") else None
        if m and m.group("f") == f"{m.group('t')}_fts" and m.group("f") in SEARCH_TABLES:
            sql = f"select count(*) from {m.group('f')} where {m.group('f')} match escape_fts(:search)"
        return await execute(sql, params, *args, **kwargs)

    db.execute = counted
    db._nianbao_fast_count = True


@hookimpl
def startup(datasette):
    st = state(datasette)
    for name in st.archives:
        _fast_search_count(datasette.databases[name])
    settings = getattr(datasette, "_settings", None)
    if isinstance(settings, dict):
        settings["suggest_facets"] = False


@hookimpl
def get_metadata(datasette, key, database, table):
    return state(datasette).metadata


# ----------------------------------------------------------------------------- templates


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES_DIR)), env.loader])
    env.filters["nianbao_value"] = pages.fmt_value


@hookimpl
def extra_css_urls(template, database, table, columns, view_name, request, datasette):
    return [datasette.urls.path("/-/nianbao/static/nianbao.css")]


@hookimpl
def extra_template_vars(template, database, table, columns, view_name, request, datasette):
    st = state(datasette)
    if not st.archives:
        return {}
    if template in ("index.html", "database.html"):
        names = sorted(st.archives)
        return {
            "nianbao": {
                "archives": [
                    {
                        "name": n,
                        "url": datasette.urls.database(n),
                        "views": [
                            {"name": v, "url": datasette.urls.table(n, v), "description": VIEWS[v]["description"]}
                            for v in VIEWS
                        ],
                    }
                    for n in names
                ],
                "dumps": dump_files(datasette),
                "is_archive": database in st.archives if database else True,
            }
        }
    return {}


@hookimpl
def menu_links(datasette, actor, request):
    st = state(datasette)
    if not st.archives:
        return []
    name = sorted(st.archives)[0]
    base = datasette.urls.database(name)
    return [
        {"href": base + "/search", "label": "全文检索 Search"},
        {"href": base + "/-/chart", "label": "趋势图 Trends"},
        {"href": base + "/-/status", "label": "抓取健康状况 Crawl health"},
        {"href": datasette.urls.path("/") + "#downloads", "label": "下载 Downloads"},
    ]


# ----------------------------------------------------------------------------- cells


def _int(value) -> int | None:
    if isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _link(href: str, text: str, title: str | None = None) -> markupsafe.Markup:
    attr = f' title="{markupsafe.escape(title)}"' if title else ""
    return markupsafe.Markup(f'<a href="{markupsafe.escape(href)}"{attr}>{markupsafe.escape(text)}</a>')


def _row_id(row) -> int | None:
    try:
        return _int(row["id"])
    except (IndexError, KeyError, TypeError):
        return None


LINKED_COLUMNS = SNIPPET_COLUMNS | REPORT_LINK_COLUMNS | SNAPSHOT_LINK_COLUMNS | CELL_LINK_COLUMNS
LINKED_TABLE_COLUMNS = TABLE_SNAPSHOT_COLUMNS | {("reports", "title"), ("snapshots", "sha256"), ("cells", "where")}


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if column not in LINKED_COLUMNS and (table, column) not in LINKED_TABLE_COLUMNS:
        return None  # fast path: called for every cell of every page
    if database not in state(datasette).archives:
        return None
    base = datasette.urls.database(database)
    if column in SNIPPET_COLUMNS and isinstance(value, str):
        return markupsafe.Markup('<span class="nianbao-snippet">' + snippet_html(value) + "</span>")
    if column in REPORT_LINK_COLUMNS and (n := _int(value)) is not None:
        return _link(f"{base}/-/report/{n}", str(n), "打开报告页（数值、校验、章节、存档）")
    if column in SNAPSHOT_LINK_COLUMNS and (n := _int(value)) is not None:
        return _link(f"{base}/-/snapshot/{n}", f"存档 #{n}", "查看存档快照")
    if column in CELL_LINK_COLUMNS and (n := _int(value)) is not None:
        return _link(f"{base}/-/cell/{n}", str(n), "查看出处")
    if table is None:
        return None
    if (table, column) in TABLE_SNAPSHOT_COLUMNS and (n := _int(value)) is not None:
        return _link(f"{base}/-/snapshot/{n}", f"存档 #{n}", "查看存档快照")
    if table == "reports" and column == "title" and isinstance(value, str) and (n := _row_id(row)) is not None:
        return _link(f"{base}/-/report/{n}", value, "打开报告页")
    if table == "snapshots" and column == "sha256" and isinstance(value, str) and (n := _row_id(row)) is not None:
        return _link(f"{base}/-/snapshot/{n}", value[:16] + "…", value)
    if table == "cells" and column == "where" and (n := _row_id(row)) is not None:
        return _link(f"{base}/-/cell/{n}", value if isinstance(value, str) and value else "出处", "查看出处")
    return None


# ----------------------------------------------------------------------------- ASGI


def _drop_blank_search(query_string: bytes) -> bytes | None:
    if b"_search" not in query_string:
        return None
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    kept = [(k, v) for k, v in pairs if not (k.startswith("_search") and k != "_searchmode" and not v.strip())]
    if len(kept) == len(pairs):
        return None
    return urlencode(kept, encoding="latin-1").encode("latin-1")


HIDDEN_PATHS = frozenset({"/-/databases", "/-/databases.json"})  # they list server file paths


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def nianbao_asgi(scope, receive, send):
            if scope.get("type") == "http" and scope.get("path") in HIDDEN_PATHS:
                await Response.text("Not found", status=404).asgi_send(send)
                return
            if scope.get("type") == "http" and scope.get("query_string"):
                cleaned = _drop_blank_search(scope["query_string"])
                if cleaned is not None:
                    scope = dict(scope, query_string=cleaned)
            await app(scope, receive, send)

        return nianbao_asgi

    return wrap


# ----------------------------------------------------------------------------- routes


async def _archive_db(datasette, request, table: str):
    """(name, Database) of the archive in the URL, after permission checks; 404 otherwise."""
    if request.method not in ("GET", "HEAD"):
        raise Forbidden("read-only")
    route = request.url_vars["database"]
    try:
        db = datasette.get_database(route=route)
    except KeyError:
        raise NotFound(f"database not found: {route}") from None
    if db.name not in state(datasette).archives:
        raise NotFound(f"not an archive database: {db.name}")
    await datasette.ensure_permissions(
        request.actor, [("view-table", (db.name, table)), ("view-database", db.name), "view-instance"]
    )
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
    return await _context_page(
        datasette, request, "reports", pages.report_context, "nianbao_report.html", "report not found"
    )


async def cell_page(datasette, request):
    return await _context_page(datasette, request, "cells", pages.cell_context, "nianbao_cell.html", "cell not found")


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


async def chart_page(datasette, request):
    name, db = await _archive_db(datasette, request, "reports")
    organ = (request.args.get("organ") or "").strip() or None
    county = (request.args.get("county") or "").strip() or None
    data = await pages.chart_data(db, organ=organ, county=county)
    if request.url_vars.get("format") == "json":
        return Response.json({k: v for k, v in data.items() if k != "svg"})
    context = dict(data, **await pages.chart_options(db), organ=organ or "", county=county or "")
    context["svg"] = markupsafe.Markup(data["svg"])
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
    from archive.ops.monitors import DEFAULT_BASELINE_RUNS, DEFAULT_STALE_RUNS, MONITORS, alerts, portal_health

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


async def static_file(request):
    name = request.url_vars["path"]
    path = STATIC_DIR / name
    if "/" in name or name.startswith(".") or path.suffix not in STATIC_TYPES or not path.is_file():
        raise NotFound("no such asset")
    return Response(
        path.read_bytes(), content_type=STATIC_TYPES[path.suffix], headers={"cache-control": "max-age=3600"}
    )


async def dump_download(datasette, request):
    name = request.url_vars["name"]
    folder = dumps_dir(datasette)
    if folder is None:
        raise NotFound("no dumps published")
    allowed = {f.name for f in read_sums(folder)} | {SUMS_NAME}
    if name not in allowed:
        raise NotFound("no such dump file")
    if name == SUMS_NAME:
        return Response((folder / name).read_text(encoding="utf-8"), content_type="text/plain; charset=utf-8")
    content_type = (
        "application/vnd.sqlite3"
        if name.endswith(".db")
        else "application/wacz+zip"
        if name.endswith(".wacz")
        else "application/octet-stream"
    )
    return AsgiFileDownload(folder / name, filename=name, content_type=content_type)


@hookimpl
def register_routes(datasette):
    return [
        (r"^/-/nianbao/static/(?P<path>[A-Za-z0-9_.-]+)$", static_file),
        (r"^/-/nianbao/dumps/(?P<name>[A-Za-z0-9_.-]+)$", dump_download),
        (r"^/(?P<database>[^/]+)/-/report/(?P<id>\d+)$", report_page),
        (r"^/(?P<database>[^/]+)/-/cell/(?P<id>\d+)$", cell_page),
        (r"^/(?P<database>[^/]+)/-/snapshot/(?P<id>\d+)$", snapshot_page),
        (r"^/(?P<database>[^/]+)/-/snapshot/(?P<id>\d+)/raw$", snapshot_raw),
        (r"^/(?P<database>[^/]+)/-/chart(\.(?P<format>json))?$", chart_page),
        (r"^/(?P<database>[^/]+)/-/status(\.(?P<format>json))?$", status_page),
    ]

"""The plugin hooks (Datasette imports them from the package :mod:`archive.datasette`)."""

from __future__ import annotations

import sqlite3
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response

from archive.datasette import cells, compat, errors, limits, pages, routes, search_page
from archive.datasette.archives import PLUGIN, archives, dump_files
from archive.datasette.facets import YearFacet
from archive.datasette.metadata import VIEWS
from archive.publish.search import register_functions

# ----------------------------------------------------------------------------- SQL


# Columns that read as NULL through Datasette: meta holds server settings (archive paths), the
# table-valued pragma_database_list the database file's path (Datasette's own ``PRAGMA
# database_list`` statement is not a read of it and keeps working).
HIDDEN_COLUMNS = frozenset({("meta", "value"), ("pragma_database_list", "file")})


def _authorizer(action, arg1, arg2, db_name, trigger):
    if action == sqlite3.SQLITE_READ and (arg1, arg2) in HIDDEN_COLUMNS:
        return sqlite3.SQLITE_IGNORE
    return sqlite3.SQLITE_OK


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette):
    limits.bound_connection(conn)
    register_functions(conn)
    if database in archives(datasette).by_name:
        conn.set_authorizer(_authorizer)


@hookimpl
def get_metadata(datasette, key, database, table):
    return archives(datasette).metadata  # Datasette 0.65 (1.0 has no such hook: see startup)


@hookimpl
def register_facet_classes():
    return [YearFacet]


@hookimpl
def startup(datasette):
    async def publish():
        if compat.is_datasette_1(datasette):
            for name in archives(datasette).by_name:
                await compat.publish_metadata(datasette, name)

    return publish


# ----------------------------------------------------------------------------- templates


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["nianbao_value"] = pages.fmt_value
    env.filters["nianbao_snippet"] = search_page.snippet_markup


@hookimpl
def extra_css_urls(template, database, table, columns, view_name, request, datasette):
    return [datasette.urls.static_plugins(PLUGIN, "nianbao.css")]


@hookimpl
def extra_template_vars(template, database, table, columns, view_name, request, datasette):
    found = archives(datasette).by_name
    if not found or template not in ("index.html", "database.html"):
        return {}
    return {
        "nianbao": {
            "archives": [
                {
                    "name": name,
                    "url": datasette.urls.database(name),
                    "views": [
                        {"name": v, "url": datasette.urls.table(name, v), "description": VIEWS[v]["description"]}
                        for v in VIEWS
                    ],
                }
                for name in sorted(found)
            ],
            "dumps": dump_files(datasette),
            "is_archive": database in found if database else True,
        }
    }


@hookimpl
def menu_links(datasette, actor, request):
    found = archives(datasette).by_name
    if not found:
        return []
    base = datasette.urls.database(sorted(found)[0])
    return [
        {"href": base + "/search", "label": "检索 Search"},
        {"href": base + "/-/chart", "label": "趋势图 Trends"},
        {"href": base + "/-/status", "label": "抓取健康状况 Crawl health"},
        {"href": datasette.urls.path("/") + "#downloads", "label": "下载 Downloads"},
        {"href": base + "/-/feeds", "label": "订阅 Feeds"},
        {"href": base + "/-/about", "label": "关于 About"},
    ]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if not cells.is_linked(column, table):
        return None  # fast path: called for every cell of every page
    if database not in archives(datasette).by_name:
        return None
    return cells.cell_html(row, value, column, table, datasette.urls.database(database))


# ----------------------------------------------------------------------------- requests


def _drop_blank_search(query_string: bytes) -> bytes | None:
    if b"_search" not in query_string:
        return None
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    kept = [(k, v) for k, v in pairs if not (k.startswith("_search") and k != "_searchmode" and not v.strip())]
    if len(kept) == len(pairs):
        return None
    return urlencode(kept, encoding="latin-1").encode("latin-1")


# Datasette's debugging and account pages: file paths (databases), the server's threads and tasks,
# the permission checks made, the actor; none is for the public.  Each with or without ``.json``.
HIDDEN_PAGES = frozenset(
    {
        "/-/databases",
        "/-/threads",
        "/-/messages",
        "/-/patterns",
        "/-/actor",
        "/-/allow-debug",
        "/-/permissions",
        "/-/allowed",
        "/-/rules",
        "/-/check",
        "/-/actions",
        "/-/create-token",
        "/-/auth-token",
        "/-/logout",
        "/-/debug",
    }
)


def is_hidden(path: str) -> bool:
    """Whether ``path`` is one of :data:`HIDDEN_PAGES` (or below one, or its ``.json``)."""
    base = path.rstrip("/").removesuffix(".json")
    return base in HIDDEN_PAGES or any(base.startswith(p + "/") for p in HIDDEN_PAGES)


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        sql_gate = limits.QueryGate(limits.MAX_CONCURRENT_QUERIES)
        data_gate = limits.QueryGate(limits.MAX_CONCURRENT_DATA_PAGES)

        async def nianbao_asgi(scope, receive, send):
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return
            send = limits.with_csp(send)
            path = scope.get("path") or ""
            if is_hidden(path):
                await Response.text("Not found", status=404).asgi_send(send)
                return
            query = scope.get("query_string") or b""
            if query:
                cleaned = _drop_blank_search(query)
                if cleaned is not None:
                    scope = dict(scope, query_string=cleaned)
            kind = limits.request_kind(path, query)
            if kind == "light":
                await app(scope, receive, send)
                return
            gates = [sql_gate, data_gate] if kind == "sql" else [data_gate]
            held: list[limits.QueryGate] = []
            for gate in gates:
                if not await gate.acquire():
                    for other in held:
                        other.release()
                    busy = Response.text("Too many queries are running; try again in a few seconds.", status=503)
                    busy.headers["Retry-After"] = "5"
                    await busy.asgi_send(send)
                    return
                held.append(gate)
            try:
                await app(scope, receive, send)
            finally:
                for gate in held:
                    gate.release()

        return nianbao_asgi

    return wrap


@hookimpl
def register_routes(datasette):
    return routes.ROUTES


@hookimpl(hookwrapper=True)
def handle_exception(datasette, request, exception):
    # A wrapper around every handle_exception implementation: the error is answered by nianbao's
    # handler alone, so Datasette's default one (rich tracebacks, see errors.py) does not run.
    outcome = yield

    async def respond():
        return await errors.error_response(datasette, request, exception)

    outcome.force_result([respond])

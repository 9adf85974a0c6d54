"""The nianbao Datasette plugin (entry point ``nianbao = "archive.datasette"`` in pyproject.toml).

Datasette registers this package: the hooks (:mod:`archive.datasette.hooks`), the templates in
``templates/`` (they override Datasette's ``index.html`` and ``database.html`` by name and add the
plugin's pages) and the assets in ``static/`` (served at ``/-/static-plugins/nianbao/…``).

* ``escape_fts`` override (registered ``trylast`` so it replaces Datasette's own), the
  ``nianbao_snippet`` and ``nianbao_tokenize`` SQL functions (docs: search design);
* metadata of every archive database (titles, descriptions, units, facets, canned queries);
* pages (:mod:`archive.datasette.routes`): search (``/{db}/search``: the template's figures a
  query names, titles, ranked text, :mod:`archive.datasette.search_page`), report
  (``/{db}/-/report/{id}``), cell provenance (``/{db}/-/cell/{id}``, with the source page of a PDF
  or Word cell outlined: ``…/source.png``, :mod:`archive.datasette.sources`), snapshot viewer (``/{db}/-/snapshot/{id}``) and the archived bytes
  (``…/raw``, sandboxed), trend chart (``/{db}/-/chart``), crawl health with the monitors
  (``/{db}/-/status``, ``.json``: the same JSON as ``nianbao status --json``), dumps
  (``/-/nianbao/dumps/…``);
* links from cells to those pages, snippets with highlighted matches, download links on the
  home page, menu links;
* read-only hygiene: ``meta`` values and ``pragma_database_list.file`` are not readable through
  SQL, Datasette's debugging and account pages (``/-/databases``, ``/-/threads`` …) are not served,
  data pages are gated so report pages always find an SQL thread (:mod:`archive.datasette.limits`), blank ``_search`` arguments are dropped (an empty search box shows every
  row instead of failing); error pages without rich tracebacks (:mod:`archive.datasette.errors`).

Plugin configuration (``plugins: nianbao:``): ``archive_dir`` (a path, or ``{db: path}``) and
``dumps_dir`` (:mod:`archive.datasette.archives`).  ``nianbao serve`` (:mod:`archive.datasette.server`)
also sets Datasette's limits (``suggest_facets`` off among them: facet suggestion dominates page
time on large tables; pass ``--setting suggest_facets off`` when running ``datasette`` directly)
and attaches the archive as a :class:`~archive.datasette.database.SearchCountDatabase`.

Runs on Datasette 0.65 and 1.0 (alpha); what differs between them is in :mod:`archive.datasette.compat`
(on 1.0 the table settings — facets, sort, search of views, hidden tables — come from the
configuration ``nianbao serve`` passes; a plain ``datasette`` needs them in ``datasette.yaml``).
"""

from archive.datasette.hooks import (
    asgi_wrapper,
    extra_css_urls,
    extra_template_vars,
    get_metadata,
    handle_exception,
    menu_links,
    prepare_connection,
    prepare_jinja2_environment,
    register_facet_classes,
    register_routes,
    render_cell,
    startup,
)

__all__ = [
    "asgi_wrapper",
    "extra_css_urls",
    "extra_template_vars",
    "get_metadata",
    "handle_exception",
    "menu_links",
    "prepare_connection",
    "prepare_jinja2_environment",
    "register_facet_classes",
    "register_routes",
    "render_cell",
    "startup",
]

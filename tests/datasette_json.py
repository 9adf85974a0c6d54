"""Datasette's JSON API as the tests read it, the same on Datasette 0.65 and Datasette 1.0 (alpha).

1.0 returns a table's count, facets and suggestions only when asked (``?_extra=``), nests the facet
results, caps counts at 10,000, answers ``?sql=`` at ``/DB/-/query.json`` (``/DB.json?sql=``
redirects there), keeps metadata in its internal database (no ``/-/metadata.json``; a table's at
``?_extra=metadata``) and the plugin configuration in ``/-/config.json``.
"""

from __future__ import annotations

import httpx
from datasette.utils import tilde_encode

TABLE_EXTRAS = "count,facet_results,suggested_facets"
PUBLIC_PATHS = (
    "/-/metadata.json",
    "/-/config.json",
    "/-/settings.json",
    "/-/plugins.json",
    "/-/versions.json",
    "/.json",
)


def table(client: httpx.Client, path: str, **params) -> dict:
    """A table or view as JSON: ``rows``, ``count`` (rows matching the filters), ``facets``
    ({name: facet}) and ``suggested_facets``."""
    r = client.get(path, params={**params, "_extra": TABLE_EXTRAS})
    assert r.status_code == 200, r.text[:300]
    data = r.json()
    facets = data.get("facet_results") or {}
    if set(facets) == {"results", "timed_out"} and isinstance(facets["results"], dict):  # Datasette 1.0
        facets = facets["results"]
    count = data["filtered_table_rows_count"] if "filtered_table_rows_count" in data else data["count"]
    return {"rows": data["rows"], "count": count, "facets": facets, "suggested_facets": data["suggested_facets"]}


def count(client: httpx.Client, path: str, **params) -> int:
    """The number of rows of a table or view matching ``params`` (``_search`` …)."""
    return table(client, path, _size=0, **params)["count"]


def query(client: httpx.Client, database: str, sql: str, **params) -> httpx.Response:
    """``sql`` run by Datasette on ``database`` (JSON)."""
    return client.get(f"/{database}.json", params={"sql": sql, **params}, follow_redirects=True)


def table_metadata(client: httpx.Client, database: str, name: str) -> dict:
    """The metadata Datasette shows for table or view ``name`` (``description``, ``columns`` …)."""
    r = client.get("/-/metadata.json")
    if r.status_code == 200:  # Datasette 0.65
        return r.json()["databases"][database]["tables"].get(name, {})
    r = client.get(f"/{database}/{tilde_encode(name)}.json", params={"_extra": "metadata", "_size": 0})
    assert r.status_code == 200, r.text[:300]
    return r.json()["metadata"]


def plugin_config(client: httpx.Client, name: str) -> dict:
    """The configuration of plugin ``name`` as Datasette publishes it (``$env`` values unresolved)."""
    r = client.get("/-/metadata.json")
    if r.status_code != 200:  # Datasette 1.0
        r = client.get("/-/config.json")
    return r.json()["plugins"][name]


def public_texts(client: httpx.Client) -> str:
    """Everything the instance-wide JSON endpoints publish (to check no server path leaks)."""
    return "\n".join(r.text for r in (client.get(p) for p in PUBLIC_PATHS) if r.status_code == 200)

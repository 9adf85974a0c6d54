"""What differs between Datasette 0.65 and Datasette 1.0 (alpha) for the plugin, in one place.

Checked by feature on the instance, never by version number:

* permissions: 0.65 ``ensure_permissions(actor, [...])``; 1.0 ``ensure_permission(action=,
  resource=TableResource(...), actor=)``;
* metadata: 0.65 asks the ``get_metadata`` hook; 1.0 keeps metadata in its internal database
  (``set_*_metadata``), canned queries as stored queries (``add_query``) and table settings
  (facets, sort, search, hidden) in ``datasette.yaml`` only — :func:`datasette_arguments` puts them
  there for ``nianbao serve``;
* plugin configuration: 0.65 in the metadata, 1.0 in the configuration.
"""

from __future__ import annotations

import importlib
from importlib.util import find_spec
from typing import Any

from archive.datasette.archives import PLUGIN
from archive.datasette.metadata import TABLE_SETTINGS, build_metadata, table_settings

# Datasette 1.0 checks permissions on resources; Datasette 0.65 has no datasette.resources
TableResource: Any = (
    importlib.import_module("datasette.resources").TableResource if find_spec("datasette.resources") else None
)


def is_datasette_1(datasette_or_class) -> bool:
    """Whether this Datasette (instance or class) keeps metadata in its internal database (1.0)."""
    return hasattr(datasette_or_class, "set_instance_metadata")


async def ensure_can_view_table(datasette, actor, database: str, table: str) -> None:
    """Raise Forbidden unless ``actor`` may view ``table`` (and its database and the instance)."""
    if TableResource is not None and hasattr(datasette, "ensure_permission"):
        resource = TableResource(database=database, table=table)
        await datasette.ensure_permission(action="view-table", resource=resource, actor=actor)
    else:
        await datasette.ensure_permissions(
            actor, [("view-table", (database, table)), ("view-database", database), "view-instance"]
        )


async def publish_metadata(datasette, database: str) -> None:
    """Datasette 1.0: the metadata of archive database ``database`` into Datasette's internal
    tables, its canned queries as stored queries."""
    metadata = build_metadata([database])
    for key, value in metadata.items():
        if key != "databases":
            await datasette.set_instance_metadata(key, value)
    described = metadata["databases"][database]
    for key, value in described.items():
        if key not in ("tables", "queries"):
            await datasette.set_database_metadata(database, key, value)
    for table, meta in described["tables"].items():
        for key, value in meta.items():
            if key != "columns" and key not in TABLE_SETTINGS:
                await datasette.set_resource_metadata(database, table, key, str(value))
        for column, description in meta.get("columns", {}).items():
            await datasette.set_column_metadata(database, table, column, "description", description)
    for name, query in described["queries"].items():
        await datasette.add_query(
            database,
            name,
            query["sql"],
            title=query.get("title"),
            description=query.get("description"),
            hide_sql=bool(query.get("hide_sql")),
        )


def datasette_arguments(datasette_class, database: str, plugin: dict) -> dict:
    """Constructor arguments for serving archive database ``database`` with plugin configuration
    ``plugin``: Datasette 1.0 takes the plugin configuration and the table settings as ``config``,
    Datasette 0.65 the plugin configuration as ``metadata`` (the rest comes from the hooks)."""
    if is_datasette_1(datasette_class):
        config: dict = {"databases": {database: {"tables": table_settings()}}}
        if plugin:
            config["plugins"] = {PLUGIN: plugin}
        return {"config": config}
    return {"metadata": {"plugins": {PLUGIN: plugin}}} if plugin else {}

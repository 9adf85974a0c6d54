"""Datasette on an archive database, as ``nianbao serve`` runs it: read-only limits, the plugin
configuration, the index-only search count, uvicorn on a socket bound beforehand."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import uvicorn
from datasette.app import Datasette

from archive.datasette.archives import ARCHIVE_DIR_ENV, DUMPS_DIR_ENV
from archive.datasette.compat import datasette_arguments
from archive.datasette.database import SearchCountDatabase
from archive.datasette.limits import SQL_THREADS

# Read-only serving: no write endpoints exist in Datasette core or in the nianbao plugin; the file
# is opened with mode=ro.  Limits keep one visitor from hogging the server.
SETTINGS = {
    "sql_time_limit_ms": 3000,
    "max_returned_rows": 2000,
    "facet_time_limit_ms": 500,
    "facet_suggest_time_limit_ms": 50,
    "suggest_facets": False,
    "allow_download": False,
    "allow_csv_stream": True,
    "max_csv_mb": 100,
    "truncate_cells_html": 400,
    "num_sql_threads": SQL_THREADS,  # see archive.datasette.limits: one stays free for report pages
    "cache_size_kb": 32768,  # SQLite page cache per connection: search counts seek many rows
    "default_cache_ttl": 60,
    "template_debug": False,
    "trace_debug": False,
}


def plugin_configuration(archive_dir: Path | None = None, dumps_dir: Path | None = None) -> dict:
    """The ``nianbao`` plugin configuration for these directories.

    The paths go through environment variables (Datasette's ``{"$env": …}`` secret values), so
    ``/-/metadata.json`` shows the variable names, never the server paths.
    """
    config: dict = {}
    for key, env, path in (("archive_dir", ARCHIVE_DIR_ENV, archive_dir), ("dumps_dir", DUMPS_DIR_ENV, dumps_dir)):
        if path:
            os.environ[env] = str(Path(path).resolve())
            config[key] = {"$env": env}
    return config


def build_datasette(
    db_path: Path, archive_dir: Path | None = None, dumps_dir: Path | None = None, settings: dict | None = None
) -> Datasette:
    """A Datasette instance serving ``db_path`` (read-only) with the nianbao plugin configured."""
    name = Path(db_path).stem
    plugin = plugin_configuration(archive_dir, dumps_dir)
    ds = Datasette(settings={**SETTINGS, **(settings or {})}, **datasette_arguments(Datasette, name, plugin))
    ds.remove_database("_memory")  # Datasette attaches an in-memory database when given no files
    ds.add_database(SearchCountDatabase(ds, path=str(db_path)), name=name)
    return ds


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free port); OSError when it cannot bind."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP: asyncio only sets TCP_NODELAY on such sockets (with proto 0,
    # every keep-alive response waits ~40 ms for a delayed ACK)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    return sock


def serve(ds: Datasette, sock: socket.socket) -> None:
    """Serve ``ds`` on ``sock`` until interrupted (then close the socket)."""
    server = uvicorn.Server(uvicorn.Config(ds.app(), log_level="warning", lifespan="on", access_log=False))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()

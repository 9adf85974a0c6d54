"""``nianbao serve``: Datasette on the archive (read-only, Chinese search, views, snapshots)."""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

from archive.publish.prepare import PublishError, prepare_for_serving
from archive.store.paths import DEFAULT_DB

DEFAULT_PORT = 8001

# Read-only serving: no write endpoints exist in Datasette 0.65 core or in the nianbao plugin;
# the file is opened with mode=ro.  Limits keep one visitor from hogging the server.
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
    "num_sql_threads": 3,
    "cache_size_kb": 32768,  # SQLite page cache per connection: search counts seek many rows
    "default_cache_ttl": 60,
    "template_debug": False,
    "trace_debug": False,
}


def build_datasette(db_path: Path, archive_dir: Path | None = None, dumps_dir: Path | None = None):
    """A Datasette instance serving ``db_path`` with the nianbao plugin configuration."""
    from datasette.app import Datasette

    from archive.datasette.hooks import CONFIG_ATTRIBUTE

    config: dict = {"archive_dir": str(Path(archive_dir).resolve())} if archive_dir else {}
    if dumps_dir:
        config["dumps_dir"] = str(Path(dumps_dir).resolve())
    ds = Datasette(files=[str(db_path)], settings=dict(SETTINGS))
    setattr(ds, CONFIG_ATTRIBUTE, config)  # server paths stay out of /-/metadata.json
    return ds


def _quiet_rich_tracebacks() -> None:
    """Stop Datasette 0.65 from printing a rich traceback (with local variables) for every
    error page.  Besides megabytes of log noise per timed-out query, rich raises outside an
    ``except`` block, which turns every 404 of an unmatched path into a 500.  Real errors (500)
    are still printed to stderr by the stdlib traceback module."""
    import datasette.handle_exception as handler

    handler.rich = None


def run_server(
    db_path: Path | str = DEFAULT_DB,
    port: int = DEFAULT_PORT,
    host: str = "127.0.0.1",
    archive_dir: Path | str | None = None,
    dumps_dir: Path | str | None = None,
    prepare: bool = True,
) -> int:
    """Prepare the archive (search index, views) and serve it until interrupted.

    ``port`` 0 picks a free port; the line ``nianbao serve: listening on http://host:port/`` is
    printed (and flushed) once the socket is bound.
    """
    import uvicorn

    db = Path(db_path)
    if not db.is_file():
        print(f"nianbao serve: archive database not found: {db}", file=sys.stderr)
        return 2
    if prepare:
        try:
            stats = prepare_for_serving(db)
            print(
                f"nianbao serve: search index {stats.search.mode} "
                f"({stats.search.sections_indexed} sections, {stats.search.reports_indexed} titles), "
                f"{len(stats.views)} views, {stats.seconds:.1f} s",
                flush=True,
            )
        except PublishError as exc:
            print(f"nianbao serve: {exc}", file=sys.stderr)
            return 2
    archive = Path(archive_dir) if archive_dir else None
    dumps = Path(dumps_dir) if dumps_dir else None
    if dumps is None and (db.resolve().parent / "dumps").is_dir():
        dumps = db.resolve().parent / "dumps"
    ds = build_datasette(db, archive, dumps)
    _quiet_rich_tracebacks()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP: asyncio only sets TCP_NODELAY on such sockets (with proto 0,
    # every keep-alive response waits ~40 ms for a delayed ACK)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        print(f"nianbao serve: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        sock.close()
        return 2
    sock.listen(128)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    print(f"nianbao serve: listening on http://{shown}:{bound}/", flush=True)
    server = uvicorn.Server(uvicorn.Config(ds.app(), log_level="warning", lifespan="on", access_log=False))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0


def _run(args: argparse.Namespace) -> int:
    return run_server(args.db, args.port, args.host, args.archive, args.dumps, prepare=not args.no_prepare)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "serve",
        help="serve the archive in Datasette (read-only, Chinese full-text search)",
        description="Start Datasette on the archive: Chinese full-text search, journalist views, "
        "archived snapshots, trend charts, dump downloads.",
    )
    p.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"archive database (default: {DEFAULT_DB})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT}; 0 = any free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument(
        "--archive",
        type=Path,
        default=None,
        help="archive directory with the WARC files (default: DB meta or the DB's directory)",
    )
    p.add_argument(
        "--dumps", type=Path, default=None, help="directory written by `nianbao dump` (default: DB_DIR/dumps)"
    )
    p.add_argument("--no-prepare", action="store_true", help="do not update the search index and views before serving")
    p.set_defaults(func=_run)

"""``nianbao serve``: Datasette on the archive (read-only, Chinese search, views, snapshots)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.publish.dump import SUMS_NAME, find_dumps
from archive.publish.prepare import PublishError, prepare_for_serving
from archive.store.paths import DEFAULT_DB
from crawler.registry import RegistryError, load_registry

DEFAULT_PORT = 8001


def registry_rows() -> list[tuple[str, str | None, str | None]] | None:
    """The crawl registry's portals (id, code, name) for the coverage tables (None when unreadable)."""
    try:
        registry = load_registry()
    except RegistryError as exc:
        print(f"nianbao serve: portal registry not read ({exc})", file=sys.stderr)
        return None
    return [(p.id, p.code, p.name) for p in registry.portals.values()]


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
    db = Path(db_path)
    if not db.is_file():
        print(f"nianbao serve: archive database not found: {db}", file=sys.stderr)
        return 2
    if prepare:
        try:
            stats = prepare_for_serving(db, registry=registry_rows())
            if stats.register_error:
                print(
                    f"nianbao serve: no coverage against the division register: {stats.register_error}", file=sys.stderr
                )
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
    dumps = Path(dumps_dir) if dumps_dir else None  # else the plugin finds the latest dump per request
    downloads = dumps or find_dumps(db)
    if downloads is not None and (downloads / SUMS_NAME).is_file():
        print(f"nianbao serve: downloads from {downloads}", flush=True)
    else:
        print("nianbao serve: no downloads yet (`nianbao dump` writes them into DB_DIR/dumps)", flush=True)
    # imported here: Datasette and uvicorn take 0.5–1 s to import, and every `nianbao` command
    # imports this module to register its options
    from archive.datasette import server

    ds = server.build_datasette(db, archive, dumps)
    try:
        sock = server.listen(host, port)
    except OSError as exc:
        print(f"nianbao serve: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        return 2
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    print(f"nianbao serve: listening on http://{shown}:{bound}/", flush=True)
    server.serve(ds, sock)
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
        "--dumps",
        type=Path,
        default=None,
        help="directory written by `nianbao dump` (default: where the last dump went, else DB_DIR/dumps)",
    )
    p.add_argument("--no-prepare", action="store_true", help="do not update the search index and views before serving")
    p.set_defaults(func=_run)

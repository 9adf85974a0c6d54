"""The `nianbao` command line.

Each sub-command lives in its own module under :mod:`archive.cli.commands` and exposes
``register(subparsers)``; the module's function set as ``func`` default receives the parsed
arguments and returns the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from archive.cli import commands as _commands_pkg
from archive.cli.errors import quiet_logs, run_command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nianbao",
        description="Archive of Chinese government information-disclosure annual reports "
        "(政府信息公开工作年度报告): crawl, extract, archive, publish.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(_commands_pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"archive.cli.commands.{info.name}")
        module.register(sub)
    for command in sub.choices.values():  # `nianbao COMMAND --debug` too
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; a failure prints one line (:mod:`archive.cli.errors`), ``--debug`` a traceback."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    debug = bool(getattr(args, "debug", False))
    with quiet_logs(debug=debug, verbose=bool(getattr(args, "verbose", False))):
        return run_command(args.command, lambda: int(args.func(args) or 0), debug=debug, db=getattr(args, "db", None))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""One line instead of a traceback: how every ``nianbao`` command reports what went wrong.

A command that fails prints ``nianbao COMMAND: what is wrong`` on standard error and exits
non-zero (2: bad input — a path, a database, an option; 1: the work itself failed).  Commands
raise :class:`CommandError` for failures they explain themselves; :func:`one_line` turns the
other known exceptions (files, SQLite, archives, documents) into one line, and anything else
into a line naming the exception.  ``nianbao --debug COMMAND`` shows the traceback instead.

Logged tracebacks (Scrapy, Twisted, uvicorn) are shortened the same way while a command runs
(:func:`quiet_logs`): the record keeps its message plus ``(ExceptionType: message)``.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.publish.prepare import PublishError
from archive.store.rebuild import ArchiveBusy
from archive.store.schema import SchemaError
from archive.store.warc import WarcError
from extract.model import ExtractionError

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
# Scrapy's start-up and shutdown dumps (settings, middlewares, stats): shown with --verbose
NOISY_LOGGERS = (
    "scrapy.addons",
    "scrapy.core.engine",
    "scrapy.crawler",
    "scrapy.extensions.logstats",
    "scrapy.extensions.telnet",
    "scrapy.middleware",
    "scrapy.statscollectors",
    "scrapy.utils.log",
)


class CommandError(Exception):
    """A failure the command explains: the message is the line shown, ``exit_code`` the status."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _first_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else ""


def one_line(exc: BaseException, db: Path | str | None = None) -> tuple[str, int]:
    """``(message, exit code)`` for ``exc``; ``db`` names the database a SQLite error is about."""
    if isinstance(exc, CommandError):
        return _first_line(str(exc)), exc.exit_code
    if isinstance(exc, sqlite3.Error):
        what = f"{db} is not a usable nianbao archive database" if db else "database error"
        return f"{what} ({_first_line(str(exc)) or type(exc).__name__})", EXIT_BAD_INPUT
    if isinstance(exc, OSError):
        if exc.strerror and exc.filename:
            other = f" → {exc.filename2}" if exc.filename2 else ""
            return f"{exc.strerror}: {exc.filename}{other}", EXIT_BAD_INPUT
        return _first_line(str(exc)) or type(exc).__name__, EXIT_BAD_INPUT
    if isinstance(exc, (ArchiveBusy, PublishError, SchemaError, WarcError, ExtractionError)):
        return _first_line(str(exc)), EXIT_BAD_INPUT if not isinstance(exc, ExtractionError) else EXIT_FAILED
    if isinstance(exc, MemoryError):
        return "out of memory", EXIT_FAILED
    detail = _first_line(str(exc))
    return (
        f"unexpected error {type(exc).__name__}{': ' + detail if detail else ''} (run with --debug for the traceback)",
        EXIT_FAILED,
    )


@contextmanager
def quiet_logs(*, debug: bool = False, verbose: bool = False) -> Iterator[None]:
    """While the block runs, logged tracebacks become a ``(Type: message)`` suffix (unless
    ``debug``) and Scrapy's start-up/shutdown dumps drop to DEBUG (unless ``verbose``)."""
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.exc_info and not debug:
            exc = record.exc_info[1]
            try:
                message = record.getMessage()
            except Exception:  # a record that cannot format keeps its own message
                message = str(record.msg)
            if exc is not None:
                detail = _first_line(str(exc))
                message += f" ({type(exc).__name__}{': ' + detail if detail else ''})"
            record.msg, record.args = message, ()
            record.exc_info, record.exc_text = None, None
        if not verbose and record.levelno == logging.INFO and record.name.startswith(NOISY_LOGGERS):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return record

    logging.setLogRecordFactory(factory)
    try:
        yield
    finally:
        logging.setLogRecordFactory(previous)


def run_command(command: str, func: Callable[[], int], *, debug: bool, db: Path | str | None = None) -> int:
    """Run a command's function: its exit code, or one line on standard error and a non-zero code."""
    try:
        return func()
    except KeyboardInterrupt:
        print(f"nianbao {command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if debug:
            raise
        message, code = one_line(exc, db)
        print(f"nianbao {command}: {message}", file=sys.stderr)
        return code

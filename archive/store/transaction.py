"""Transactions on an archive connection, and the sqlite-utils view of that connection.

Archive connections are opened in autocommit mode (:func:`archive.store.db.connect`);
:func:`transaction` groups writes with ``BEGIN IMMEDIATE`` … ``COMMIT`` (nested calls become
savepoints).  ``IMMEDIATE`` takes the write lock at the start, so what a transaction reads
cannot change before it writes (a crawl, ``nianbao serve`` and ``nianbao status`` may open the
same archive).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count

from sqlite_utils import Database

_savepoints = count()


def database(conn: sqlite3.Connection) -> Database:
    """The sqlite-utils :class:`~sqlite_utils.Database` over ``conn``, leaving its settings alone.

    No plugins and no ``recursive_triggers``: the connection behaves as it was opened.
    """
    return Database(conn, recursive_triggers=False, execute_plugins=False)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (rollback on error); a savepoint when already inside one."""
    if conn.in_transaction:
        name = f"sp{next(_savepoints)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")

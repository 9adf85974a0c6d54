"""Tie every office (an organ on a portal) to a division of the register, with the method used.

Run at publish time (:func:`match_offices`, from ``prepare_for_serving``), not at ingest: the
register can be loaded or upgraded, and a code history imported, after the reports were
archived, and a rebuilt archive gets the same matches without replaying anything.  Matching is
incremental — only offices not matched yet — and starts over when the register's sources or
the portals' codes change (their digest is kept in ``meta.office_divisions_basis``).

The organ's name is read within the portal's division (``scope``):

- ``county_name`` / ``city_name``: on a province or city portal, the organ names a division below
  it (``南京市玄武区人民政府`` on the 南京市 portal) — the scope narrows to that division;
- ``town_name``: the organ holds the full name of a town of the scope (``儒林镇人民政府``);
- ``town_short_name``: the town's name without 镇/乡/街道/苏木, followed by one of those words or
  by 办事处/人民政府 (``五团乡人民政府`` for the town now called 五团镇), one town only;
- ``portal_division``: a government or department of the scope that names it
  (``城步苗族自治县教育局``);
- ``portal``: nothing in the name places it: the office is tied to the portal's division (a
  department named without its county, or a town the register does not know there);
- ``none``: the portal has no code the register knows.

``office_level`` is the division's level for its own government (county, city …), ``town`` for a
town government (also when the town was not found: ``code`` is then the county's), and
``department`` for a department of the division.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from archive.store.divisions import Division
from archive.store.regions import Register, loaded_sources
from archive.store.transaction import transaction

BASIS_KEY = "office_divisions_basis"
METHODS = ("county_name", "city_name", "town_name", "town_short_name", "portal_division", "portal", "none")
METHOD_LABELS = {
    "county_name": "机关名称含县级区划名",
    "city_name": "机关名称含地级区划名",
    "town_name": "机关名称含乡镇街道全称",
    "town_short_name": "机关名称含乡镇街道简称",
    "portal_division": "机关名称含门户所在区划名",
    "portal": "按门户所在区划",
    "none": "门户无区划代码",
}
_GOVERNMENT = re.compile(r"(人民政府(办公室|办公厅)?|政府办公室|办事处|管理委员会|管委会|行政公署|行政委员会)$")
_TOWN_GOVERNMENT = re.compile(r"(镇|乡|街道|苏木)(人民政府|办事处|政府)?$|街道办事处$|街道办$")
_TOWN_SUFFIXES = ("街道", "镇", "乡", "苏木")
_AFTER_SHORT = ("镇", "乡", "街道", "苏木", "办事处", "人民政府")


@dataclass(frozen=True)
class Match:
    """Where an office belongs."""

    code: str | None
    office_level: str | None
    method: str
    matched: str | None = None


def _clean(organ: str) -> str:
    return re.sub(r"[\s（）()【】\[\]]", "", organ)


def _short(name: str) -> str | None:
    for suffix in _TOWN_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


def _longest(candidates: list[Division]) -> Division | None:
    """The candidate with the longest name, when no other has a name that long."""
    if not candidates:
        return None
    best = max(len(d.name) for d in candidates)
    top = {d.code: d for d in candidates if len(d.name) == best}
    return next(iter(top.values())) if len(top) == 1 else None


class OfficeMatcher:
    """Matches organ names against one register (caching each scope's divisions)."""

    def __init__(self, register: Register):
        self.register = register
        self._cache: dict[tuple[str, str], list[Division]] = {}

    def _within(self, code: str, level: str) -> list[Division]:
        key = (code, level)
        if key not in self._cache:
            self._cache[key] = self.register.within(code, level)
        return self._cache[key]

    def _town(self, scope: Division, organ: str) -> tuple[Division, str] | None:
        towns = self._within(scope.code, "town")
        full = _longest([t for t in towns if t.name in organ])
        if full is not None:
            return full, "town_name"
        short = []
        for town in towns:
            core = _short(town.name)
            if core and any(core + after in organ for after in _AFTER_SHORT):
                short.append(town)
        if len({t.code for t in short}) == 1:
            return short[0], "town_short_name"
        return None

    def match(self, portal_code: str | None, organ: str) -> Match:
        """The division of ``organ`` published on the portal of ``portal_code``."""
        portal = self.register.get(portal_code) if portal_code else None
        if portal is None:
            return Match(None, None, "none")
        name = _clean(organ)
        scope, method, matched = portal, "portal", None
        if portal.level in ("province", "city") and name:
            below = [d for lvl in ("city", "county") for d in self._within(portal.code, lvl) if d.name in name]
            found = _longest(below)
            if found is not None:
                scope, method, matched = found, f"{found.level}_name", found.name
        if scope.level in ("city", "county") and name:
            town = self._town(scope, name)
            if town is not None:
                return Match(town[0].code, "town", town[1], town[0].name)
        if method == "portal" and name and scope.name in name:
            method, matched = "portal_division", scope.name
        if _TOWN_GOVERNMENT.search(name) and scope.level != "town":
            level = "town"
        elif not name or _GOVERNMENT.search(name):
            level = scope.level
        else:
            level = "department"
        return Match(scope.code, level, method, matched)


def _portal_codes(conn: sqlite3.Connection) -> dict[str, str | None]:
    """Portal id → its 行政区划代码 (the ``code`` column, else the id's leading digits)."""
    out: dict[str, str | None] = {}
    for pid, code in conn.execute("SELECT id, code FROM portals"):
        head = str(pid).split("-")[0]
        out[pid] = code or (head if head.isdigit() and len(head) in (6, 9) else None)
    return out


def _basis(conn: sqlite3.Connection, portals: dict[str, str | None]) -> str:
    digest = hashlib.sha256(json.dumps(sorted(portals.items())).encode()).hexdigest()[:16]
    return json.dumps({"register": loaded_sources(conn), "portals": digest}, sort_keys=True)


def match_offices(conn: sqlite3.Connection, register: Callable[[], Register]) -> int:
    """Match the offices not matched yet (all of them when the basis changed); returns how many.

    ``register`` is called only when there is something to match."""
    portals = _portal_codes(conn)
    basis = _basis(conn, portals)
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (BASIS_KEY,)).fetchone()
    with transaction(conn):
        if row is None or row[0] != basis:
            conn.execute("DELETE FROM office_divisions")
        todo = conn.execute(
            "SELECT DISTINCT coalesce(r.portal, ''), coalesce(r.organ, '') FROM reports r "
            "WHERE NOT EXISTS (SELECT 1 FROM office_divisions o "
            "WHERE o.portal = coalesce(r.portal, '') AND o.organ = coalesce(r.organ, ''))"
        ).fetchall()
        if not todo:
            return 0
        matcher = OfficeMatcher(register())
        rows = []
        for portal, organ in todo:
            m = matcher.match(portals.get(portal), organ)
            rows.append((portal, organ, m.code, m.office_level, m.method, m.matched))
        conn.executemany(
            "INSERT OR REPLACE INTO office_divisions (portal, organ, code, office_level, method, matched) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (BASIS_KEY, basis))
    return len(rows)

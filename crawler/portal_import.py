"""Portals from the division register: ``nianbao portals add CODE`` and ``nianbao portals import FILE.csv``.

A portal registered by code takes its name, level, parent and place names from the register
(:class:`archive.store.regions.Register`).  A CSV file lists one portal per row, with the columns
``code`` and ``start_url`` and optionally ``id`` (default: the code), ``name``, ``hosts`` (separated
by spaces or ``;``; default: the start URL's host), ``platform`` and ``note``.  A file is taken
whole or not at all: every row is checked first (a code the register knows and still uses, the
start URL on the portal's own hosts, no host of another division's portal, no spam mirror, no portal twice)
and every problem is reported with its line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from archive.store.divisions import Division, RegionsError, normalise_code
from archive.store.regions import Register
from crawler.registry import Portal, Registry, RegistryError, is_denied, normalise_host, url_host

CSV_COLUMNS = ("code", "start_url", "id", "name", "hosts", "platform", "note")
REQUIRED_COLUMNS = ("code", "start_url")


class PortalImportError(RegistryError):
    """Rows of a portal list that cannot be registered (``problems``: one line each)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(problems[0] + more)


def government_name(division: Division, register: Register) -> str:
    """How the division's government is named (长春市绿园区人民政府, 城步苗族自治县人民政府, 金紫街道办事处)."""
    if division.level == "town" and division.name.endswith("街道"):
        return division.name + "办事处"
    name = division.name
    if division.kind == "市辖区" and division.parent_code:
        parent = register.get(division.parent_code)
        if parent is not None and parent.level == "city":
            name = parent.name + name
    return name + "人民政府"


def _current_division(register: Register, code_text: str) -> Division:
    division = register.lookup(code_text)
    if division.status != "current":
        later = ", ".join(f"{c} {register.name_of(c) or ''}".strip() for c in division.successors)
        hint = f" (successors: {later})" if later else ""
        raise RegionsError(
            f"{division.code} {division.name} is no longer in use since {division.valid_to or 'an unknown year'}{hint}"
        )
    return division


def portal_for_division(
    register: Register,
    portal_id: str,
    start_urls: list[str],
    *,
    hosts: Iterable[str] = (),
    name: str | None = None,
    level: str | None = None,
    platform: str | None = None,
    note: str | None = None,
) -> Portal:
    """A portal of the division whose code ``portal_id`` starts with (``code`` or ``code-suffix``):
    name, level, parent and place names from the register unless given.  A department portal
    (an id with a suffix) needs its ``name``."""
    code_text, _, suffix = portal_id.partition("-")
    division = _current_division(register, code_text)
    if suffix and not name:
        raise RegistryError(f"portal {portal_id}: a department portal needs its name (--name)")
    chain = {d.level: d for d in [division, *register.ancestors(division)]}
    province, city, county = chain.get("province"), chain.get("city"), chain.get("county")
    return Portal(
        id=f"{division.code}-{suffix}" if suffix else division.code,
        name=name or government_name(division, register),
        code=division.code,
        level=level or ("department" if suffix else division.level),
        parent_code=division.code if suffix else division.parent_code,
        province=province.name if province else None,
        city=city.name if city else None,
        county=county.name if county else None,
        hosts=[normalise_host(h) for h in hosts] or list(dict.fromkeys(url_host(u) for u in start_urls)),
        start_urls=list(start_urls),
        platform=platform,
        note=note,
    )


def _host_owners(registry: Registry) -> dict[str, str]:
    return {host: p.id for p in registry.portals.values() for host in p.hosts}


def check_hosts(portal: Portal, registry: Registry, owners: dict[str, str] | None = None) -> None:
    """Refuse hosts that are spam mirrors or belong to the portal of another division."""
    owners = _host_owners(registry) if owners is None else owners
    denied = [h for h in portal.hosts if is_denied(h, registry.deny_hosts)]
    if denied:
        raise RegistryError(f"portal {portal.id}: {', '.join(denied)} is a known spam mirror")
    for host in portal.hosts:
        owner = owners.get(host)
        # a division's portal and its departments' portals (code-suffix) may share hosts
        if owner is not None and owner.split("-")[0] != portal.id.split("-")[0]:
            raise RegistryError(f"portal {portal.id}: host {host} is already portal {owner}'s")


def read_portal_csv(path: Path, register: Register, registry: Registry, *, replace: bool = False) -> list[Portal]:
    """The portals of a CSV list, every row checked (see the module docstring); raises
    :class:`PortalImportError` listing every problem, :class:`RegistryError` for an unreadable file."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise RegistryError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError:
        raise RegistryError(f"{path}: not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    if missing or unknown:
        wrong = f"missing columns {', '.join(missing)}" if missing else f"unknown columns {', '.join(unknown)}"
        raise RegistryError(f"{path}: {wrong} (columns: {', '.join(CSV_COLUMNS)}; code and start_url required)")
    owners = _host_owners(registry)
    seen: dict[str, int] = {}
    portals: list[Portal] = []
    problems: list[str] = []
    for line, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        try:
            code = normalise_code(row.get("code", ""))
            portal_id = row.get("id") or code
            if not portal_id.startswith(code):
                raise RegistryError(f"id {portal_id} does not start with its code {code}")
            if portal_id in seen:
                raise RegistryError(f"portal {portal_id} is listed twice (line {seen[portal_id]})")
            seen[portal_id] = line
            if portal_id in registry.portals and not replace:
                raise RegistryError(f"portal {portal_id} is already registered (import with --replace)")
            portal = portal_for_division(
                register,
                portal_id,
                [row["start_url"]] if row.get("start_url") else [],
                hosts=row.get("hosts", "").replace(";", " ").split(),
                name=row.get("name") or None,
                platform=row.get("platform") or None,
                note=row.get("note") or None,
            )
            portal.validate()
            check_hosts(portal, registry, owners)
        except (RegistryError, RegionsError) as exc:
            problems.append(f"{path}:{line}: {exc}")
            continue
        for host in portal.hosts:
            owners[host] = portal.id
        portals.append(portal)
    if problems:
        raise PortalImportError(problems)
    if not portals:
        raise RegistryError(f"{path}: no portals")
    return portals

"""The portal registry: which portals to crawl, keyed by 行政区划代码 (``crawler/portals.toml``).

Each entry is a ``[[portal]]`` table with ``id`` (the code, or code + "-" + suffix for a
department portal), ``code``, ``name``, ``level`` (province | city | county | town |
department), ``parent_code``, ``province``, ``city``, ``county``, ``hosts`` (the portal's own
hosts only: its ``*.gov.cn`` names and legacy IP hosts, optionally with ``:port``),
``start_urls``, ``platform`` (a hint: one of :data:`crawler.platforms.FAMILIES`, or another CMS
name such as lonsun, vsb) and an optional ``note``.  Hosts listed under ``[mirrors] deny`` are never
crawled, whatever an entry says; :func:`crawl_target` is the check every crawl passes.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w

DEFAULT_REGISTRY = Path(__file__).with_name("portals.toml")
LEVELS = ("province", "city", "county", "town", "department")
# spam mirrors that copy government report pages (docs/portals.md §6, corpus excerpts): never crawled
KNOWN_MIRRORS = ("moonvisionstudio.com", "zwinkt.com", "eshutan.com", "btfghg.com", "021jzzz.com", "newton.com.tw",
                 "lfrdys.com", "williamhillcn.org", "6505pj.com")  # fmt: skip
_ID_RE = re.compile(r"^\d{6}(?:\d{3})?(?:-[a-z0-9_]+)?$")
_FIELDS = (
    "id",
    "code",
    "name",
    "level",
    "parent_code",
    "province",
    "city",
    "county",
    "hosts",
    "start_urls",
    "platform",
    "note",
)


class RegistryError(ValueError):
    """A registry file or entry that does not hold together."""


def normalise_host(host: str) -> str:
    """``host[:port]`` lower-cased, default ports dropped (``WWW.X.gov.cn:80`` → ``www.x.gov.cn``)."""
    host = host.strip().lower().rstrip(".")
    if "://" in host:
        host = urlsplit(host).netloc
    if host.endswith((":80", ":443")):
        host = host.rsplit(":", 1)[0]
    return host


def url_host(url: str) -> str:
    """The ``host[:port]`` of a URL (default ports dropped)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        return f"{host}:{port}"
    return host


@dataclass
class Portal:
    """One registry entry."""

    id: str
    name: str
    code: str | None = None
    level: str | None = None
    parent_code: str | None = None
    province: str | None = None
    city: str | None = None
    county: str | None = None
    hosts: list[str] = field(default_factory=list)
    start_urls: list[str] = field(default_factory=list)
    platform: str | None = None
    note: str | None = None

    def validate(self, strict_id: bool = True) -> None:
        """Raise :class:`RegistryError` when the entry is unusable."""
        if not self.id:
            raise RegistryError("a portal needs an id")
        if strict_id and not _ID_RE.match(self.id):
            raise RegistryError(
                f"portal id {self.id!r} must be a 行政区划代码 (6 or 9 digits), optionally with -suffix"
            )
        if not self.name:
            raise RegistryError(f"portal {self.id}: a name is required")
        if self.level is not None and self.level not in LEVELS:
            raise RegistryError(f"portal {self.id}: level must be one of {', '.join(LEVELS)}, not {self.level!r}")
        if not self.hosts:
            raise RegistryError(f"portal {self.id}: at least one host is required")
        if not self.start_urls:
            raise RegistryError(f"portal {self.id}: at least one start URL is required")
        for url in self.start_urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise RegistryError(f"portal {self.id}: start URL {url!r} is not an http(s) URL")
            if url_host(url) not in self.hosts:
                raise RegistryError(f"portal {self.id}: start URL {url} is not on the portal's hosts {self.hosts}")

    def row(self) -> dict:
        """The ``portals`` table row (what :meth:`archive.store.session.ArchiveSession.upsert_portal` takes)."""
        out = {k: getattr(self, k) for k in _FIELDS if getattr(self, k) not in (None, [])}
        out["hosts"] = list(self.hosts)
        out["start_urls"] = list(self.start_urls)
        return out

    def toml_table(self) -> dict:
        return {k: getattr(self, k) for k in _FIELDS if getattr(self, k) not in (None, [], "")}


def portal_from_dict(data: dict) -> Portal:
    """A :class:`Portal` from a registry table (hosts normalised, unknown keys rejected)."""
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise RegistryError(f"portal {data.get('id')!r}: unknown keys {unknown}")
    values: dict[str, Any] = {k: data.get(k) for k in _FIELDS if k in data}
    values["id"] = str(values.get("id") or "")
    for key in ("code", "parent_code"):
        if values.get(key) is not None:
            values[key] = str(values[key])
    values["hosts"] = [normalise_host(h) for h in data.get("hosts", [])]
    values["start_urls"] = list(data.get("start_urls", []))
    return Portal(**values)


@dataclass
class Registry:
    """The portals of a registry file and its mirror deny-list."""

    portals: dict[str, Portal]
    deny_hosts: list[str]
    path: Path | None = None

    def get(self, portal_id: str) -> Portal:
        try:
            return self.portals[portal_id]
        except KeyError:
            raise RegistryError(f"no portal {portal_id!r} in the registry {self.path}") from None

    def add(self, portal: Portal, replace: bool = False, strict_id: bool = True) -> None:
        portal.validate(strict_id=strict_id)
        denied = [h for h in portal.hosts if is_denied(h, self.deny_hosts)]
        if denied:
            raise RegistryError(f"portal {portal.id}: hosts {denied} are known spam mirrors")
        if portal.id in self.portals and not replace:
            raise RegistryError(f"portal {portal.id} is already registered (use replace)")
        self.portals[portal.id] = portal

    def save(self, path: Path | None = None) -> Path:
        """Write the registry (sorted by id) to ``path`` (default: where it was read from)."""
        target = Path(path or self.path or DEFAULT_REGISTRY)
        doc = {
            "mirrors": {"deny": sorted(self.deny_hosts)},
            "portal": [self.portals[k].toml_table() for k in sorted(self.portals)],
        }
        text = HEADER + tomli_w.dumps(doc)
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
        self.path = target
        return target


HEADER = """# nianbao portal registry: one [[portal]] per government portal, keyed by 行政区划代码.
# Fields: id, code, name, level, parent_code, province, city, county, hosts (own hosts only),
# start_urls, platform (hint), note.  Edit by hand or with `nianbao portals add`.

"""


def is_denied(host: str, deny: list[str]) -> bool:
    """Whether ``host`` is, or is under, a denied (spam mirror) domain."""
    name = normalise_host(host).split(":")[0]
    return any(name == d or name.endswith("." + d) for d in deny)


def registry_path(value: str | Path | None = None) -> Path:
    """The registry file to use: ``value``, then ``$NIANBAO_REGISTRY``, then the bundled one."""
    if value:
        return Path(value)
    env = os.environ.get("NIANBAO_REGISTRY")
    return Path(env) if env else DEFAULT_REGISTRY


def _bundled_text() -> str | None:
    """The bundled registry read as package data (the crawler runs from a zipped egg under Scrapyd)."""
    try:
        return resources.files("crawler").joinpath("portals.toml").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return None


def load_registry(path: str | Path | None = None, strict_ids: bool = False) -> Registry:
    """Read and validate a registry file (a missing file is an empty registry)."""
    target = registry_path(path)
    text = _bundled_text() if target == DEFAULT_REGISTRY and not target.exists() else None
    if text is None and not target.exists():
        return Registry({}, sorted(KNOWN_MIRRORS), target)
    try:
        data = tomllib.loads(text if text is not None else target.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{target}: not valid TOML ({exc})") from exc
    deny = sorted({normalise_host(h) for h in data.get("mirrors", {}).get("deny", [])} | set(KNOWN_MIRRORS))
    portals: dict[str, Portal] = {}
    for table in data.get("portal", []):
        portal = portal_from_dict(table)
        portal.validate(strict_id=strict_ids)
        if portal.id in portals:
            raise RegistryError(f"{target}: portal {portal.id} is listed twice")
        bad = [h for h in portal.hosts if is_denied(h, deny)]
        if bad:
            raise RegistryError(f"{target}: portal {portal.id} lists spam mirror hosts {bad}")
        portals[portal.id] = portal
    return Registry(portals, deny, target)


def adhoc_portal(start_url: str, portal_id: str | None = None, name: str | None = None) -> Portal:
    """An unregistered portal crawled from one URL: its own host only."""
    host = url_host(start_url)
    if not host:
        raise RegistryError(f"not an http(s) URL: {start_url!r}")
    return Portal(id=portal_id or host, name=name or host, hosts=[host], start_urls=[start_url])


def crawl_target(
    registry: Registry,
    portal_id: str | None = None,
    start_url: str | None = None,
    *,
    adhoc_id: str | None = None,
    name: str | None = None,
) -> Portal:
    """The portal a crawl covers: a registered one (from ``start_url`` when given, which must be on
    its hosts) or, from ``start_url`` alone, an unregistered one; never one on a spam mirror."""
    if portal_id:
        portal = registry.get(portal_id)
        if start_url:
            if url_host(start_url) not in portal.hosts:
                raise RegistryError(f"start URL {start_url} is not on portal {portal.id}'s hosts {portal.hosts}")
            portal = replace(portal, start_urls=[start_url])
    elif start_url:
        portal = adhoc_portal(start_url, adhoc_id, name)
    else:
        raise RegistryError("give a portal (-a portal=ID) or a start URL (-a start_url=URL)")
    denied = [h for h in portal.hosts if is_denied(h, registry.deny_hosts)]
    if denied:
        raise RegistryError(f"portal {portal.id}: {', '.join(denied)} is a known spam mirror; refusing to crawl it")
    return portal

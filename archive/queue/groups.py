"""Host groups: portals that share a host are crawled by one job, one after the other.

A job is the unit of politeness: only one job of a group runs at a time (an RQ rate limit and a
lease, :mod:`archive.queue.lease`), and its portals' crawls never overlap, so a host sees one
request at a time however many workers run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from crawler.registry import Portal, RegistryError, crawl_target, load_registry


@dataclass
class PortalJob:
    """One portal of a job: a registered portal (its registry entry travels with the job) or a start URL."""

    portal_id: str
    hosts: list[str]
    entry: dict | None = None  # the registry table of a registered portal
    start_url: str | None = None
    name: str | None = None

    def as_dict(self) -> dict:
        return {"portal_id": self.portal_id, "hosts": self.hosts, "entry": self.entry,
                "start_url": self.start_url, "name": self.name}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict) -> PortalJob:
        return cls(data["portal_id"], list(data["hosts"]), data.get("entry"), data.get("start_url"), data.get("name"))


@dataclass
class HostGroup:
    """Portals sharing hosts (transitively) and the hosts they cover."""

    hosts: list[str]
    portals: list[PortalJob] = field(default_factory=list)

    @property
    def key(self) -> str:
        """A stable id of the group (its hosts): the job id and lease key derive from it."""
        return "g-" + hashlib.sha1(",".join(sorted(self.hosts)).encode()).hexdigest()[:16]

    @property
    def label(self) -> str:
        return ",".join(sorted(self.hosts))


def portal_jobs(
    portal_ids: list[str],
    start_urls: list[str],
    *,
    registry: Path | str | None = None,
    all_portals: bool = False,
    name: str | None = None,
) -> list[PortalJob]:
    """The portals to crawl: registered ids (or every registered portal), and unregistered start URLs."""
    reg = load_registry(registry)
    if all_portals:
        portal_ids = sorted(reg.portals)
    if not portal_ids and not start_urls:
        raise RegistryError("name at least one portal, or give --start-url")
    out: list[PortalJob] = []
    for pid in portal_ids:
        portal: Portal = crawl_target(reg, pid)
        out.append(PortalJob(portal.id, list(portal.hosts), entry=portal.toml_table()))
    for url in start_urls:
        portal = crawl_target(reg, None, url, name=name)
        out.append(PortalJob(portal.id, list(portal.hosts), start_url=url, name=name))
    return out


def host_groups(portals: list[PortalJob]) -> list[HostGroup]:
    """Group portals that share a host (directly or through another portal), in the order given."""
    groups: list[HostGroup] = []
    for portal in portals:
        joined = [g for g in groups if set(g.hosts) & set(portal.hosts)]
        merged = HostGroup(sorted({h for g in joined for h in g.hosts} | set(portal.hosts)))
        for g in joined:
            merged.portals += g.portals
        if any(p.portal_id == portal.portal_id for p in merged.portals):
            continue  # named twice
        merged.portals.append(portal)
        first = min((groups.index(g) for g in joined), default=len(groups))
        groups = [g for g in groups if g not in joined]
        groups.insert(min(first, len(groups)), merged)
    return groups

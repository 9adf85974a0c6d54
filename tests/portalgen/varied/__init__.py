"""Generated portals that vary what real portals vary, for the crawler's sweep (issue 10).

``build(family, seed)`` plans a portal of one CMS family — its county, units, reports (titles with
and without a year), pages about reports, traps, markup (:class:`~portalgen.varied.markup.Look`),
and for intensive platforms a second host shared with a neighbour county — and
:func:`serve` starts one loopback server per host and writes the pages.  The ground truth is
:class:`~portalgen.varied.model.VariedPortal` (``truths``, ``about``, ``trap_markers``,
``forbidden``, ``own_hosts``).  :mod:`portalgen.varied.sweep` crawls many of them and scores the
crawler.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

from portalgen.portal import PortalServer
from portalgen.varied.api_families import GkmlptBuilder, HanwebBuilder, TrsDynamicBuilder
from portalgen.varied.base import Builder, Options
from portalgen.varied.model import VariedPortal
from portalgen.varied.script_families import JyhBuilder, LonsunBuilder
from portalgen.varied.static_families import PlainBuilder, TrsBuilder, VsbBuilder

BUILDERS: dict[str, type[Builder]] = {
    b.family: b
    for b in (
        TrsBuilder,
        TrsDynamicBuilder,
        HanwebBuilder,
        GkmlptBuilder,
        LonsunBuilder,
        JyhBuilder,
        VsbBuilder,
        PlainBuilder,
    )
}
FAMILIES: tuple[str, ...] = tuple(BUILDERS)

__all__ = ["BUILDERS", "FAMILIES", "Options", "ServedPortal", "VariedPortal", "build", "serve", "served"]


def build(family: str, seed: int, options: Options | None = None) -> Builder:
    """A planned portal of ``family`` (deterministic for the seed); :func:`serve` it."""
    try:
        cls = BUILDERS[family]
    except KeyError:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(FAMILIES)}") from None
    builder = cls(seed, options)
    builder.build()
    return builder


class QuietServer(PortalServer):
    """A portal server that does not print the connections a crawler closes at the end of a crawl."""

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


_ADDRESSES = itertools.count(1)


def next_loopback() -> str:
    """A loopback address of its own for each host served (127.1.0.1, 127.1.0.2 …): Scrapy keeps one
    download slot per host name, so hosts on one address would be crawled one request at a time."""
    n = next(_ADDRESSES)
    return f"127.{1 + n // 62500}.{n // 250 % 250}.{n % 250 + 1}"


class ServedPortal:
    """A portal whose hosts are served on loopback ports (``stop()`` when done)."""

    def __init__(self, builder: Builder) -> None:
        self.builder = builder
        self.portal: VariedPortal = builder.portal
        self.servers: list[PortalServer] = []
        try:
            for host in builder.hosts.values():
                server = QuietServer(host, next_loopback())  # type: ignore[arg-type]  # anything with handle(request)
                self.servers.append(server)
                host.bind(server.origin)
            builder.render()
            for server in self.servers:
                _start(server)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        self.servers = []


def _start(server: PortalServer) -> None:
    import threading

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    server._thread = thread


def serve(builder: Builder) -> ServedPortal:
    return ServedPortal(builder)


@contextmanager
def served(family: str, seed: int, options: Options | None = None) -> Iterator[VariedPortal]:
    """Build and serve one portal for the duration of a ``with`` block."""
    running = serve(build(family, seed, options))
    try:
        yield running.portal
    finally:
        running.stop()

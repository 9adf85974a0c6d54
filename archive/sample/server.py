"""Serve the sample portal on the loopback interface: one threaded HTTP server per site.

:func:`start_sample` binds the TRS portal, the Hanweb platform and the spam mirror to three
loopback ports (``port``, ``port + 1``, ``port + 2``, or free ports for 0), substitutes their
addresses into the stored pages and answers from :mod:`archive.sample.static`.  The sample
imitates government sites, so anything but a loopback address is refused.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from archive.sample.static import SITE_DIR, BoundSite, Sample

LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def ensure_loopback(host: str) -> str:
    """The address to bind for ``host`` if it is a loopback address; otherwise ``ValueError``."""
    if host in LOOPBACK_NAMES:
        return "127.0.0.1"
    refusal = f"refusing to bind the demo portal to {host!r}: only loopback addresses (127.0.0.0/8, ::1) are allowed"
    try:
        addr = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise ValueError(refusal) from None
    if not addr.is_loopback:
        raise ValueError(refusal)
    return str(addr)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no delayed-ACK stalls
    server_version = "nginx"
    sys_version = ""
    server: SampleServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        answer = self.server.site.answer(self.command, self.path, headers, body)
        self.send_response(answer.status)
        for name, value in answer.headers:
            self.send_header(name, value)
        if answer.status != 304:
            self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command == "HEAD" or answer.status == 304:
            return
        try:
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = _serve


class SampleServer(ThreadingHTTPServer):
    """A threaded HTTP server for one site of the sample, bound to a loopback address only."""

    daemon_threads = True
    allow_reuse_address = True
    site: BoundSite

    def __init__(self, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        self.bind_host = ensure_loopback(host)
        if ":" in self.bind_host:
            self.address_family = socket.AF_INET6
        self.verbose = verbose
        super().__init__((self.bind_host, port), _Handler)
        self.port = int(self.server_address[1])
        self.host = f"[{self.bind_host}]:{self.port}" if ":" in self.bind_host else f"{self.bind_host}:{self.port}"
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def track(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._connections.add(conn)

    def untrack(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._connections.discard(conn)

    def start(self, site: BoundSite) -> None:
        """Answer for ``site`` in a background thread."""
        self.site = site
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True, name=f"sample-{self.port}"
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, cut open keep-alive connections, close the listening socket."""
        if self._thread is not None:
            self.shutdown()
        with self._conn_lock:
            conns, self._connections = list(self._connections), set()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.server_close()


@dataclass
class RunningSample:
    """The sample portal being served: its sites' servers (by key), addresses and ``stop()``."""

    sample: Sample
    servers: dict[str, SampleServer]

    @property
    def hosts(self) -> dict[str, str]:
        """``host:port`` of every site, by key (trs, hanweb, mirror)."""
        return {key: server.host for key, server in self.servers.items()}

    def base_url(self, key: str) -> str:
        return f"http://{self.servers[key].host}"

    def start_urls(self, key: str) -> list[str]:
        return [self.base_url(key) + p for p in self.sample.site(key).start_paths]

    def portal_entry(self) -> dict:
        """The county's registry entry (its hosts and start URLs; never the mirror)."""
        return self.sample.portal_entry(self.hosts)

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def __enter__(self) -> RunningSample:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_sample(
    host: str = "127.0.0.1", port: int = 0, verbose: bool = False, directory: Path = SITE_DIR
) -> RunningSample:
    """Serve the sample portal: site *i* of the manifest on ``port + i`` (free ports when 0).

    ``ValueError`` for a non-loopback host or an unreadable sample, ``OSError`` for a busy port.
    """
    ensure_loopback(host)
    sample = Sample.load(directory)
    servers: dict[str, SampleServer] = {}
    try:
        for i, site in enumerate(sample.sites):
            servers[site.key] = SampleServer(host, port + i if port else 0, verbose)
        bound = sample.bind({key: server.host for key, server in servers.items()})
        for key, server in servers.items():
            server.start(bound[key])
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return RunningSample(sample, servers)

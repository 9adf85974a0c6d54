"""Serve demo/test portal sites over HTTP on the loopback interface.

One :class:`PortalServer` (a ``ThreadingHTTPServer``) per :class:`~portalgen.sites.Site`, each
on its own port, so "another host" is another ``host:port``.  Servers refuse to bind to anything
but a loopback address.  :func:`serve_site` returns a :class:`RunningSite` (context manager) with
the site's ground truth and request log; :func:`start_family` and :func:`start_demo` start a
family site (with its spam mirror) or the bundled two-platform demo county.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from archive.sample.server import ensure_loopback
from portalgen.sites import (
    ExpectedReport,
    LoggedRequest,
    MirrorSite,
    NonReport,
    Reply,
    Request,
    Site,
    SiteOptions,
    build_demo_county,
    build_site,
    copy_to_demo_mirror,
)
from portalgen.stories import Story


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP requests into :class:`Request` objects and writes the site's :class:`Reply`."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes; no 40 ms delayed-ACK stalls
    server_version = "nginx"
    sys_version = ""
    server: PortalServer

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
        req = Request(self.command, self.path, headers, body)
        try:
            reply = self.server.site.handle(req)
        except Exception as exc:  # a broken renderer must show up as a 500, not a dropped connection
            self.log_error("error answering %s: %r", self.path, exc)
            reply = Reply(
                500, [("Content-Type", "text/plain; charset=utf-8")], f"500 Internal Server Error: {exc!r}".encode()
            )
        try:
            if reply.delay:
                time.sleep(reply.delay)
            if reply.action == "drop":
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            self.send_response(reply.status)
            size = reply.stream_size or len(reply.body)
            for name, value in reply.headers:
                self.send_header(name, value)
            if reply.status != 304:
                self.send_header("Content-Length", str(size))
            self.end_headers()
            if self.command == "HEAD" or reply.status == 304:
                return
            try:
                if reply.stream_size:
                    chunk = (b"PK\x03\x04" + bytes(range(256)) * 256)[: 1 << 16]
                    left = reply.stream_size
                    while left > 0:
                        part = chunk[: min(left, len(chunk))]
                        self.wfile.write(part)
                        left -= len(part)
                else:
                    self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
        finally:
            if reply.logged is not None:
                reply.logged.answered = time.time()

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = _serve


class PortalServer(ThreadingHTTPServer):
    """A threaded HTTP server for one site, bound to a loopback address only."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, site: Site, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        self.bind_host = ensure_loopback(host)
        if ":" in self.bind_host:
            self.address_family = socket.AF_INET6
        self.site = site
        self.verbose = verbose
        super().__init__((self.bind_host, port), _Handler)
        self.port = self.server_address[1]
        host_part = f"[{self.bind_host}]" if ":" in self.bind_host else self.bind_host
        self.origin = f"http://{host_part}:{self.port}"
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()

    def track(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._connections.add(conn)

    def untrack(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._connections.discard(conn)

    def close_connections(self) -> None:
        """Cut every open (keep-alive) connection, so a stopped site really stops answering."""
        with self._conn_lock:
            conns, self._connections = list(self._connections), set()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self) -> None:
        """Stop accepting, cut open connections, close the listening socket."""
        self.shutdown()
        self.close_connections()
        self.server_close()


@dataclass
class RunningSite:
    """A site being served: its URLs, ground truth, request log, mutations, and ``stop()``."""

    site: Site
    server: PortalServer | None
    mirror: RunningSite | None = None
    extra: list[RunningSite] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bind_host = self.server.bind_host if self.server else "127.0.0.1"
        self.port = self.server.port if self.server else 0
        self._lock = threading.Lock()
        self.site.on_dead_change(self._dead_changed)

    # -------------------------------------------------------------- addresses
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` of this site."""
        return self.site.origin

    @property
    def host(self) -> str:
        """``host:port`` of this site (what a crawler must stay on)."""
        return self.site.host

    @property
    def family(self) -> str:
        return self.site.family

    @property
    def start_urls(self) -> list[str]:
        return self.site.start_urls

    # -------------------------------------------------------------- ground truth
    @property
    def expected_reports(self) -> list[ExpectedReport]:
        """Ground truth: every report currently published (see :class:`ExpectedReport`)."""
        return self.site.expected_reports

    @property
    def removed_reports(self) -> list[ExpectedReport]:
        return self.site.removed_reports

    @property
    def non_reports(self) -> list[str]:
        """URLs of the pages that are not reports."""
        return self.site.non_reports

    @property
    def non_report_items(self) -> list[NonReport]:
        return self.site.non_report_items

    @property
    def hazard_urls(self) -> dict[str, list[str]]:
        return self.site.hazard_urls

    @property
    def robots_disallowed(self) -> list[str]:
        return self.site.robots_disallowed

    @property
    def request_log(self) -> list[LoggedRequest]:
        """Every request this site received (method, path, headers, time, status)."""
        return self.site.request_log

    def clear_log(self) -> None:
        self.site.clear_log()

    def portal_entry(self) -> dict:
        """A registry entry for this site (the shape of the ``portals`` table)."""
        hosts = [self.host] + [s.host for s in self.extra]
        starts = self.start_urls + [u for s in self.extra for u in s.start_urls]
        return {
            "id": f"{self.site.region}-{self.family}",
            "code": self.site.region,
            "name": self.site.site_name,
            "level": "county",
            "province": self.site.profile["province"],
            "city": self.site.profile["city"],
            "county": self.site.county,
            "hosts": hosts,
            "start_urls": starts,
            "platform": self.family,
        }

    # -------------------------------------------------------------- mutations (see Site.add_report …)
    def add_report(self, **kwargs) -> ExpectedReport:
        return self.site.add_report(**kwargs)

    def edit_report(self, doc_id: str | int, **kwargs) -> ExpectedReport:
        return self.site.edit_report(doc_id, **kwargs)

    def remove_report(self, doc_id: str | int, **kwargs) -> ExpectedReport:
        return self.site.remove_report(doc_id, **kwargs)

    def replace_attachment(self, doc_id: str | int, **kwargs) -> ExpectedReport:
        return self.site.replace_attachment(doc_id, **kwargs)

    def block(self, path_prefix: str, kind: str = "page") -> None:
        self.site.block(path_prefix, kind)

    def unblock(self, path_prefix: str | None = None) -> None:
        self.site.unblock(path_prefix)

    def go_dead(self, mode: str = "refused") -> None:
        self.site.go_dead(mode)

    def revive(self) -> None:
        self.site.revive()

    def attachment_bytes(self, url: str) -> bytes:
        return self.site.attachment_bytes(url)

    # -------------------------------------------------------------- lifecycle
    def _start_thread(self) -> None:
        assert self.server is not None
        thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.1},
            daemon=True,
            name=f"portal-{self.family}-{self.port}",
        )
        thread.start()
        self.server._thread = thread

    def _shutdown_server(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            server.stop()

    def _dead_changed(self, mode: str | None) -> None:
        with self._lock:
            if mode == "refused":
                self._shutdown_server()
            elif mode is None and self.server is None and not getattr(self, "_stopped", False):
                self.server = PortalServer(self.site, self.bind_host, self.port)
                self._start_thread()

    def stop(self) -> None:
        """Stop this site, its mirror and the other sites started with it."""
        with self._lock:
            self._stopped = True
            self._shutdown_server()
        for other in [*self.extra, *([self.mirror] if self.mirror else [])]:
            other.stop()

    def __enter__(self) -> RunningSite:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_site(site: Site, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> RunningSite:
    """Bind ``site`` to a loopback port, build its pages and serve it in a background thread."""
    server = PortalServer(site, host, port, verbose)
    site.bind(server.origin)
    running = RunningSite(site, server)
    running._start_thread()
    return running


def start_family(
    family: str, host: str = "127.0.0.1", port: int = 0, mirror: bool = True, verbose: bool = False, **options
) -> RunningSite:
    """Start a site of ``family`` (plus its spam mirror on another port, which copies one report)."""
    mirror_run = None
    if mirror:
        mirror_run = serve_site(MirrorSite(SiteOptions(robots=False)), host, 0, verbose)
        options = {**options, "mirror_origin": mirror_run.base_url}
    try:
        site = build_site(family, **options)
        running = serve_site(site, host, port, verbose)
    except BaseException:
        if mirror_run:
            mirror_run.stop()
        raise
    running.mirror = mirror_run
    if mirror_run and site.expected_reports:
        mirror_run.site.add_copy(site, site.expected_reports[0].doc_id)
    return running


def start_demo(seed: int = 0, host: str = "127.0.0.1", port: int = 0, verbose: bool = False, **options) -> RunningSite:
    """The bundled demo county: its TRS portal (returned) with its Hanweb platform in ``extra``.

    ``port`` 0 picks free ports; otherwise the TRS portal gets ``port``, the Hanweb platform
    ``port + 1`` and the spam mirror ``port + 2``.
    """
    mirror_run = serve_site(MirrorSite(SiteOptions(robots=False)), host, port + 2 if port else 0, verbose)
    try:
        trs, hanweb = build_demo_county(seed, mirror_origin=mirror_run.base_url, **options)
        trs_run = serve_site(trs, host, port, verbose)
        try:
            hanweb_run = serve_site(hanweb, host, port + 1 if port else 0, verbose)
        except BaseException:
            trs_run.stop()
            raise
    except BaseException:
        mirror_run.stop()
        raise
    trs_run.extra.append(hanweb_run)
    trs_run.mirror = mirror_run
    copy_to_demo_mirror(trs, mirror_run.site)
    return trs_run


def demo_stories(running: RunningSite) -> list[Story]:
    """The stories planted in a demo county's reports (portalgen.stories)."""
    return list(running.site.stories)


def demo_expected_reports(running: RunningSite) -> list[ExpectedReport]:
    """Ground truth of a demo county: the reports of every platform started together."""
    out = list(running.expected_reports)
    for other in running.extra:
        out += other.expected_reports
    return out

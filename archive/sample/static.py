"""The pre-rendered sample portal: its manifest, its files, and the answer to one request.

``site/manifest.json`` lists the sites of the sample county (the TRS WCM portal, the Hanweb
信息公开 platform and the spam mirror), each with its routes: method, path, the query (and form)
fields that select a dynamic answer, status, headers and the body file in ``site/files/``.  The
bodies were rendered by the test generator (``tests/portalgen/export.py``, ``make sample-site``);
wherever a page names a site by its address they hold a placeholder host (``trs.sample.invalid``
…) that :meth:`Sample.bind` replaces with the real ``host:port``.

A bound site answers like the generator does: a path whose answer ignores the query answers any
query; a dynamic endpoint answers the requests the sample's own pages make (the jpage record
ranges, the annual-report module's unit and year links, the download links); everything else
gets the site's 404 page, a wrong method 405.  Every 200 answer carries ``ETag`` (a hash of the
body as served) and ``Last-Modified``, and a matching conditional GET gets 304.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

SITE_DIR = Path(__file__).parent / "site"
MANIFEST = "manifest.json"
FORMAT = 1
TEXT_TYPES = ("text/", "application/javascript", "application/json", "application/xml")


@dataclass(frozen=True)
class Answer:
    """What to send: status, headers (without ``Content-Length``) and body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""


@dataclass(frozen=True)
class Route:
    """One manifest entry; ``query``/``form`` hold the selecting fields (absent ones are missing)."""

    method: str  # GET (answers HEAD too) | POST
    path: str
    status: int
    headers: list[tuple[str, str]]
    body: str  # file name in site/files/
    validators: bool  # ETag/Last-Modified, conditional GET
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SampleSite:
    """One site of the sample as stored: placeholder host, routes, dynamic selectors, 404 page."""

    key: str  # trs | hanweb | mirror
    family: str
    name: str
    placeholder: str  # the host the stored bodies use
    start_paths: list[str]
    selectors: dict[str, tuple[list[str], list[str]]]  # path -> (query fields, form fields)
    routes: list[Route]
    not_found: Route


@dataclass
class Sample:
    """The stored sample portal (see the module docstring)."""

    directory: Path
    sites: list[SampleSite]
    portal: dict  # the registry entry of the county (placeholder hosts)
    summary: dict  # reports, attachment_files, first_year, last_year, other_items

    @classmethod
    def load(cls, directory: Path = SITE_DIR) -> Sample:
        """Read ``manifest.json`` (``ValueError`` when it is missing or of another format)."""
        path = Path(directory) / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read the sample portal manifest {path}: {exc}") from None
        if data.get("format") != FORMAT:
            raise ValueError(f"{path} is of format {data.get('format')!r}; this nianbao reads format {FORMAT}")
        try:
            sites = [_site(s) for s in data["sites"]]
            return cls(Path(directory), sites, data["portal"], data["summary"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path} is not a sample portal manifest: {exc!r}") from None

    def site(self, key: str) -> SampleSite:
        """The site stored under ``key`` (trs, hanweb, mirror)."""
        for site in self.sites:
            if site.key == key:
                return site
        raise KeyError(f"the sample portal has no site {key!r}")

    def substitutions(self, hosts: Mapping[str, str]) -> list[tuple[str, str]]:
        """(placeholder, real host) for every site; ``hosts`` maps site keys to ``host:port``."""
        missing = [s.key for s in self.sites if s.key not in hosts]
        if missing:
            raise ValueError(f"no host given for the sample site(s) {', '.join(missing)}")
        return [(s.placeholder, hosts[s.key]) for s in self.sites]

    def bind(self, hosts: Mapping[str, str]) -> dict[str, BoundSite]:
        """Every site ready to answer, its bodies naming the real hosts."""
        subs = self.substitutions(hosts)
        files: dict[str, bytes] = {}

        def body(route: Route) -> bytes:
            if route.body not in files:
                files[route.body] = (self.directory / "files" / route.body).read_bytes()
            data = files[route.body]
            return substitute(data, subs) if _is_text(route.headers) else data

        return {s.key: BoundSite(s, subs, body) for s in self.sites}

    def portal_entry(self, hosts: Mapping[str, str]) -> dict:
        """The county's registry entry with the real hosts."""
        subs = self.substitutions(hosts)
        return json.loads(substitute(json.dumps(self.portal, ensure_ascii=False).encode(), subs))


class BoundSite:
    """A site of the sample bound to its real host: :meth:`answer` one request."""

    def __init__(self, site: SampleSite, subs: list[tuple[str, str]], body: Callable[[Route], bytes]) -> None:
        self.site = site
        self.host = dict(subs)[site.placeholder]
        self.methods: dict[str, set[str]] = {}
        self.answers: dict[tuple, tuple[Route, Answer]] = {}
        for route in site.routes:
            self.methods.setdefault(route.path, set()).update(("GET", "HEAD") if route.method == "GET" else ("POST",))
            self.answers[self._key(route.method, route.path, route.query, route.form)] = (
                route,
                _answer(route, subs, body),
            )
        self.not_found = _answer(site.not_found, subs, body)

    def _key(self, method: str, path: str, query: Mapping[str, str], form: Mapping[str, str]) -> tuple:
        fields_q, fields_f = self.site.selectors.get(path, ([], []))
        return (
            "POST" if method == "POST" else "GET",
            path,
            tuple(query.get(n) for n in fields_q),
            tuple(form.get(n) for n in fields_f),
        )

    def answer(self, method: str, target: str, headers: Mapping[str, str], body: bytes = b"") -> Answer:
        """The answer to ``method target`` (``headers`` with lower-cased names, ``body`` the POST form)."""
        parts = urlsplit(target)
        path = parts.path or "/"
        allowed = self.methods.get(path)
        if allowed is None:
            return self.not_found
        if method not in allowed:
            allow = "GET, HEAD" if "GET" in allowed else "POST"
            return Answer(405, [("Content-Type", "text/plain"), ("Allow", allow)], b"405 Method Not Allowed")
        query = _fields(parts.query)
        form = _fields(body.decode("utf-8", errors="replace")) if method == "POST" else {}
        found = self.answers.get(self._key(method, path, query, form))
        if found is None:
            return self.not_found
        route, answer = found
        if route.validators and answer.status == 200 and method in ("GET", "HEAD"):
            validators = [(k, v) for k, v in answer.headers if k in ("ETag", "Last-Modified")]
            if not_modified(headers, dict(validators)):
                return Answer(304, validators)
        return answer


def substitute(data: bytes, subs: list[tuple[str, str]]) -> bytes:
    """``data`` with every placeholder host replaced (hosts are ASCII: safe in GBK pages too)."""
    for placeholder, host in subs:
        data = data.replace(placeholder.encode("ascii"), host.encode("ascii"))
    return data


def etag(body: bytes) -> str:
    """The entity tag the sample (and its generator) sends for a body."""
    return f'"{hashlib.sha1(body).hexdigest()[:20]}"'


def not_modified(headers: Mapping[str, str], validators: Mapping[str, str]) -> bool:
    """Conditional GET: If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2)."""
    tag = validators.get("ETag", "")
    inm = headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or tag in tags or f"W/{tag}" in tags
    ims, modified = headers.get("if-modified-since"), validators.get("Last-Modified")
    if not ims or not modified:
        return False
    try:
        since = parsedate_to_datetime(ims)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return parsedate_to_datetime(modified) <= since


def _answer(route: Route, subs: list[tuple[str, str]], body: Callable[[Route], bytes]) -> Answer:
    data = body(route)
    headers = [(k, substitute(v.encode("utf-8"), subs).decode("utf-8")) for k, v in route.headers]
    if route.validators:
        last_modified = [(k, v) for k, v in headers if k == "Last-Modified"]
        headers = [(k, v) for k, v in headers if k != "Last-Modified"] + [("ETag", etag(data)), *last_modified]
    return Answer(route.status, headers, data)


def _is_text(headers: list[tuple[str, str]]) -> bool:
    ctype = next((v for k, v in headers if k.lower() == "content-type"), "").lower()
    return ctype.startswith(TEXT_TYPES) or "xml" in ctype


def _fields(text: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


def _route(r: dict) -> Route:
    return Route(
        method=r["method"],
        path=r["path"],
        status=r["status"],
        headers=[(k, v) for k, v in r["headers"]],
        body=r["body"],
        validators=r["validators"],
        query=dict(r.get("query") or {}),
        form=dict(r.get("form") or {}),
    )


def _site(s: dict) -> SampleSite:
    return SampleSite(
        key=s["key"],
        family=s["family"],
        name=s["name"],
        placeholder=s["placeholder"],
        start_paths=list(s["start_paths"]),
        selectors={p: (list(q), list(f)) for p, (q, f) in s["selectors"].items()},
        routes=[_route(r) for r in s["routes"]],
        not_found=_route(s["not_found"]),
    )

"""Export the bundled sample portal: the demo county (seed 0) rendered by the generator and
written as the static copy the product serves (``archive/sample/site/``, read by
:mod:`archive.sample.static`).

``python -m portalgen.export [DEST]`` (``make sample-site``) renders the TRS portal, the Hanweb
platform and the spam mirror bound to placeholder hosts, answers every route of each site plus
the dynamic requests the sites' own pages make (the jpage record ranges POSTed to
``dataproxy.jsp``, the annual-report module's unit and year links, the ``downfile.jsp`` links),
and writes ``manifest.json`` and the bodies (``files/<sha1>.<ext>``).

Deterministic: the same generator gives the same files byte for byte.  Rendered attachments
(PDF printed by LibreOffice, DOCX) carry their render key in the manifest; a re-export takes a
file from the existing copy when its key (the report, the style, the renderer sources) is
unchanged and renders it anew (through the generator's render cache) otherwise.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

from archive.sample.static import FORMAT, MANIFEST, SITE_DIR, etag
from portalgen.sample import SampleReport
from portalgen.sites import (
    AttachmentRenderer,
    HanwebSite,
    MirrorSite,
    Reply,
    Request,
    Site,
    SiteOptions,
    build_demo_county,
    copy_to_demo_mirror,
)

SEED = 0
PLACEHOLDERS = {"trs": "trs.sample.invalid", "hanweb": "hanweb.sample.invalid", "mirror": "mirror.sample.invalid"}
# the fields each dynamic endpoint of the generator reads to choose its answer (query, form)
SELECTORS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    HanwebSite.proxy_path: (("startrecord", "endrecord", "perpage"), ("columnid", "unitid", "webid")),
    HanwebSite.module_path: (("area", "fbtime"), ()),
    "/module/download/downfile.jsp": (("filename",), ()),
}
EXTENSIONS = {
    "text/html": ".html",
    "text/xml": ".xml",
    "text/plain": ".txt",
    "application/javascript": ".js",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
_LINK_RE = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""", re.I)
_JPAGE_RE = re.compile(r"\.jpage\(\{(.*?)\}\);", re.S)
_AJAX_RE = re.compile(r"ajaxParam\s*:\s*\{([^}]*)\}")
_PAIR_RE = re.compile(r"""(\w+)\s*:\s*(?:'([^']*)'|([^,}\s]+))""")


class ReusingRenderer(AttachmentRenderer):
    """The generator's attachment renderer, taking files the existing copy holds (by render key)."""

    def __init__(self, known: dict[str, bytes]) -> None:
        super().__init__()
        self.known = known
        self.keys: dict[str, str] = {}  # sha1 of the bytes -> render key

    def render(self, sample: SampleReport, kind: str, style: str = "official") -> bytes:
        key = self.key(sample, kind, style)
        data = self.known[key] if key in self.known else super().render(sample, kind, style)
        self.keys[hashlib.sha1(data).hexdigest()] = key
        return data

    def render_batch(self, jobs: list[tuple[SampleReport, str, str]]) -> None:
        super().render_batch([job for job in jobs if self.key(*job) not in self.known])
        for job in jobs:
            self.render(*job)


def demo_sites(seed: int = SEED) -> dict[str, Site]:
    """The demo county as ``start_demo`` wires it, bound to the placeholder hosts."""
    mirror = MirrorSite(SiteOptions(robots=False))
    mirror.bind("http://" + PLACEHOLDERS["mirror"])
    trs, hanweb = build_demo_county(seed, mirror_origin=mirror.origin)
    trs.bind("http://" + PLACEHOLDERS["trs"])
    hanweb.bind("http://" + PLACEHOLDERS["hanweb"])
    copy_to_demo_mirror(trs, mirror)
    return {"trs": trs, "hanweb": hanweb, "mirror": mirror}


def shipped_renderer(copy: Path = SITE_DIR) -> ReusingRenderer:
    """A renderer that serves the attachments of an exported copy (by render key)."""
    return ReusingRenderer(_known_renders(Path(copy)))


def export(dest: Path = SITE_DIR, seed: int = SEED, reuse: Path | None = None) -> dict:
    """Write the sample portal to ``dest`` (``manifest.json`` + ``files/``); returns the manifest.

    Rendered attachments are taken from the copy in ``reuse`` (default: ``dest`` itself) when
    their render key matches.
    """
    dest = Path(dest)
    renderer = shipped_renderer(dest if reuse is None else reuse)
    sites = demo_sites(seed)
    for site in sites.values():
        site.renderer = renderer
        site.prerender_attachments()
    files: dict[str, bytes] = {}
    manifest_sites = [_export_site(key, site, files) for key, site in sites.items()]
    reports = [r for site in sites.values() for r in site.expected_reports]
    trs, hanweb = sites["trs"], sites["hanweb"]
    portal = {
        "id": f"{trs.region}-{trs.family}",
        "code": trs.region,
        "name": trs.site_name,
        "level": "county",
        "province": trs.profile["province"],
        "city": trs.profile["city"],
        "county": trs.county,
        "hosts": [trs.host, hanweb.host],
        "start_urls": trs.start_urls + hanweb.start_urls,
        "platform": trs.family,
    }
    rendered = {
        name: renderer.keys[hashlib.sha1(data).hexdigest()]
        for name, data in sorted(files.items())
        if hashlib.sha1(data).hexdigest() in renderer.keys
    }
    manifest = {
        "format": FORMAT,
        "about": "The bundled sample portal (the demo county, seed 0), exported by tests/portalgen/export.py "
        "(make sample-site); bodies name each site by its placeholder host.",
        "seed": seed,
        "portal": portal,
        "summary": {
            "reports": len(reports),
            "attachment_files": sum(len(r.attachments) for r in reports),
            "first_year": min(r.year for r in reports),
            "last_year": max(r.year for r in reports),
            "other_items": sum(len(site.non_reports) for site in sites.values()),
        },
        "sites": manifest_sites,
        "rendered": rendered,
    }
    _write(dest, manifest, files)
    return manifest


def _export_site(key: str, site: Site, files: dict[str, bytes]) -> dict:
    """A site's manifest entry: every static route, then the dynamic answers its pages ask for."""
    handlers = sorted(path for path, route in site.routes.items() if route.handler is not None)
    unknown = [path for path in handlers if path not in SELECTORS]
    if unknown or site.prefix_handlers:
        raise RuntimeError(f"{key}: dynamic endpoints the export does not know: {unknown or site.prefix_handlers}")
    routes: dict[tuple, dict] = {}
    pending: list[Request] = [
        Request("GET", path, {}) for path, route in sorted(site.routes.items()) if route.handler is None
    ]
    while pending:
        req = pending.pop(0)
        entry = _entry(site, req, files, handlers)
        ident = (entry["method"], entry["path"], tuple(sorted(entry.get("query", {}).items())))
        ident += (tuple(sorted(entry.get("form", {}).items())),)
        if ident in routes:
            continue
        routes[ident] = entry
        if entry["body"].endswith((".html", ".xml")):
            pending += _requests_made_by(site, req.path, files[entry["body"]], handlers)
    return {
        "key": key,
        "family": site.family,
        "name": site.site_name,
        "placeholder": site.host,
        "start_paths": site.start_paths(),
        "selectors": {path: [list(q), list(f)] for path, (q, f) in SELECTORS.items() if path in handlers},
        "not_found": _entry(site, Request("GET", "/nianbao-sample/not-found", {}), files, handlers),
        "routes": [routes[ident] for ident in sorted(routes)],
    }


def _entry(site: Site, req: Request, files: dict[str, bytes], handlers: list[str]) -> dict:
    """Ask the generator and describe its reply as a manifest route."""
    reply: Reply = site.handle(req)
    if reply.action != "send" or reply.stream_size or reply.delay:
        raise RuntimeError(f"{site.host}{req.target}: the sample must answer plainly, not {reply}")
    headers = [(k, v) for k, v in reply.headers if k != "ETag"]
    tags = [v for k, v in reply.headers if k == "ETag"]
    if tags and tags != [etag(reply.body)]:
        raise RuntimeError(f"{site.host}{req.target}: ETag {tags} is not the hash of the body")
    ctype = next(v for k, v in reply.headers if k == "Content-Type")
    name = _store(reply.body, ctype, files)
    entry: dict = {"method": req.method, "path": req.path}
    if req.path in handlers:
        query_fields, form_fields = SELECTORS[req.path]
        entry["query"] = {k: v for k, v in req.query.items() if k in query_fields}
        if form_fields:
            entry["form"] = {k: v for k, v in req.form().items() if k in form_fields}
    entry |= {"status": reply.status, "headers": headers, "body": name, "validators": bool(tags)}
    return entry


def _store(body: bytes, ctype: str, files: dict[str, bytes]) -> str:
    base = ctype.split(";")[0].strip().lower()
    ext = EXTENSIONS.get(base) or (".pdf" if body.startswith(b"%PDF") else ".docx" if body[:2] == b"PK" else ".bin")
    text = base.startswith("text/") or "xml" in base or "javascript" in base
    if not text and any(p.encode() in body for p in PLACEHOLDERS.values()):
        raise RuntimeError(f"a {ctype} body names a placeholder host: it would not be substituted")
    name = hashlib.sha1(body).hexdigest()[:16] + ext
    files[name] = body
    return name


def _requests_made_by(site: Site, path: str, body: bytes, handlers: list[str]) -> list[Request]:
    """The requests to dynamic endpoints a page makes: its links, its jpage record ranges."""
    text = body.decode("utf-8", errors="replace")  # links are ASCII, in GBK pages too
    base = site.origin + path
    out = []
    for href in _LINK_RE.findall(text):
        parts = urlsplit(urljoin(base, html.unescape(href)))
        if parts.netloc == site.host and parts.path in handlers and parts.path != HanwebSite.proxy_path:
            out.append(Request("GET", parts.path + ("?" + parts.query if parts.query else ""), {}))
    for config in _JPAGE_RE.findall(text):
        out += _jpage_requests(base, config)
    return out


def _jpage_requests(base: str, config: str) -> list[Request]:
    """The POSTs a jpage column makes for its records, one per group (``perPage × groupSize``)."""
    numbers = {
        k: int(m.group(1))
        for k in ("totalRecord", "perPage", "groupSize")
        if (m := re.search(rf"{k}:\s*(\d+)", config))
    }
    proxy = re.search(r"proxyUrl:\s*'([^']+)'", config)
    ajax = _AJAX_RE.search(config)
    if len(numbers) < 3 or not proxy or not ajax:
        raise RuntimeError(f"a jpage call the export cannot read: {config[:200]}")
    form = urlencode([(k, q or bare) for k, q, bare in _PAIR_RE.findall(ajax.group(1))])
    path = urlsplit(urljoin(base, proxy.group(1))).path
    total, per, step = numbers["totalRecord"], numbers["perPage"], numbers["perPage"] * numbers["groupSize"]
    headers = {"content-type": "application/x-www-form-urlencoded"}
    return [
        Request(
            "POST", f"{path}?startrecord={s}&endrecord={min(total, s + step - 1)}&perpage={per}", headers, form.encode()
        )
        for s in range(1, total + 1, step)
    ]


def _known_renders(dest: Path) -> dict[str, bytes]:
    """Render key -> bytes of the attachments the existing copy holds."""
    try:
        manifest = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    known = {}
    for name, key in manifest.get("rendered", {}).items():
        path = dest / "files" / name
        if path.is_file():
            known[key] = path.read_bytes()
    return known


def _write(dest: Path, manifest: dict, files: dict[str, bytes]) -> None:
    """Replace ``dest``'s manifest and files (stale files go)."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".sample-export-") as tmp:
        staging = Path(tmp) / "files"
        staging.mkdir()
        for name, data in sorted(files.items()):
            (staging / name).write_bytes(data)
        if (dest / "files").exists():
            shutil.rmtree(dest / "files")
        staging.rename(dest / "files")
    (dest / MANIFEST).write_text(_json(manifest) + "\n", encoding="utf-8")


def _json(value: object, indent: str = "") -> str:
    """JSON with one line per route (readable diffs); nested dicts and lists of dicts spread out."""
    inner = indent + " "
    if isinstance(value, dict) and "method" not in value:
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}" if items else "{}"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "[\n" + ",\n".join(inner + _json(v, inner) for v in value) + f"\n{indent}]"
    return json.dumps(value, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    dest = Path(args[0]) if args else SITE_DIR
    manifest = export(dest)
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    routes = sum(len(s["routes"]) for s in manifest["sites"])
    print(
        f"sample portal exported to {dest}: {routes} routes, {len(manifest['rendered'])} rendered files, {size / 1e6:.2f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The bundled sample portal (``archive/sample``) against its generator: the shipped copy is what
a fresh export writes, and the static server answers every request as the generator does."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from archive.sample.server import start_sample
from archive.sample.static import MANIFEST, SITE_DIR, etag
from portalgen.export import export, shipped_renderer
from portalgen.portal import start_demo

COMPARED_HEADERS = ("content-type", "content-disposition", "last-modified", "allow", "server")


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


def test_shipped_sample_is_a_fresh_export(tmp_path):
    fresh = tmp_path / "site"
    export(fresh, reuse=SITE_DIR)  # attachments rendered from unchanged sources come from the copy
    shipped, exported = _tree(SITE_DIR), _tree(fresh)
    differing = sorted(k for k in shipped.keys() | exported.keys() if shipped.get(k) != exported.get(k))
    assert not differing, f"archive/sample/site is stale ({len(differing)} files differ): run `make sample-site`"
    manifest = json.loads((SITE_DIR / MANIFEST).read_text(encoding="utf-8"))
    # what the demo promises: both platforms, every year, every carrier, GBK pages, the mirror
    assert [s["key"] for s in manifest["sites"]] == ["trs", "hanweb", "mirror"]
    assert manifest["summary"]["reports"] >= 30 and manifest["summary"]["attachment_files"] >= 6
    assert (manifest["summary"]["first_year"], manifest["summary"]["last_year"]) == (2013, 2025)
    types = {v for s in manifest["sites"] for r in s["routes"] for k, v in r["headers"] if k == "Content-Type"}
    assert {"text/html; charset=GBK", "application/pdf", "text/xml;charset=UTF-8"} <= types
    assert sum(p.stat().st_size for p in SITE_DIR.rglob("*") if p.is_file()) < 5_000_000


def _requests(site) -> list[tuple[str, str, dict, bytes]]:
    """(method, target, headers, body) for every route of a stored site, plus the edge cases."""
    out = []
    for route in site.routes:
        target = route.path + (f"?{urlencode(route.query)}" if route.query else "")
        if route.method == "POST":
            form = urlencode(route.form).encode()
            out.append(("POST", target, {"content-type": "application/x-www-form-urlencoded"}, form))
            out.append(("GET", target, {}, b""))  # 405
            continue
        out += [("GET", target, {}, b""), ("HEAD", target, {}, b""), ("POST", target, {}, b"a=1")]
    out += [("GET", "/no/such/page.html", {}, b""), ("GET", "/robots.txt", {}, b"")]
    return out


def _same_answer(static: httpx.Response, live: httpx.Response, hosts: list[tuple[str, str]]) -> None:
    where = f"{static.request.method} {static.request.url}"
    assert static.status_code == live.status_code, where
    body = live.content
    for live_host, static_host in hosts:
        body = body.replace(live_host.encode(), static_host.encode())
    assert static.content == body, where
    for name in COMPARED_HEADERS:
        assert static.headers.get(name) == live.headers.get(name), (where, name)
    if static.request.method != "HEAD":
        assert static.headers["content-length"] == str(len(static.content)), where
    if static.status_code == 200 and static.request.method == "GET":
        assert static.headers["etag"] == etag(static.content), where
        assert live.headers["etag"] == etag(live.content), where


@pytest.mark.timeout(180)
def test_static_sample_answers_like_the_generator():
    static = start_sample()
    live = start_demo(seed=0)
    try:
        for site in (live.site, live.extra[0].site):
            site.renderer = shipped_renderer()  # the generator's attachments as shipped (LibreOffice output varies)
        live_hosts = {"trs": live.host, "hanweb": live.extra[0].host, "mirror": live.mirror.host}
        hosts = [(live_hosts[key], static.hosts[key]) for key in live_hosts]
        with httpx.Client(trust_env=False, timeout=20) as c:
            for site in static.sample.sites:
                requests = _requests(site)
                for method, target, headers, body in requests:
                    a = c.request(method, static.base_url(site.key) + target, headers=headers, content=body)
                    b = c.request(method, f"http://{live_hosts[site.key]}" + target, headers=headers, content=body)
                    _same_answer(a, b, hosts)
                    if a.status_code == 200 and method == "GET":
                        head = c.head(static.base_url(site.key) + target)
                        assert head.content == b"" and head.headers["content-length"] == str(len(a.content))
                        assert head.headers["etag"] == a.headers["etag"]
                        for revalidate in (
                            {"if-none-match": a.headers["etag"]},
                            {"if-modified-since": a.headers["last-modified"]},
                        ):
                            again = c.get(static.base_url(site.key) + target, headers=revalidate)
                            assert again.status_code == 304 and not again.content, (target, revalidate)
                        stale = c.get(static.base_url(site.key) + target, headers={"if-none-match": '"other"'})
                        assert stale.status_code == 200 and stale.content == a.content
                assert sum(1 for r in requests if r[0] == "GET") >= len(site.routes)
        assert static.portal_entry() == json.loads(
            json.dumps(live.portal_entry())
            .replace(live_hosts["trs"], static.hosts["trs"])
            .replace(live_hosts["hanweb"], static.hosts["hanweb"])
        )
    finally:
        static.stop()
        live.stop()

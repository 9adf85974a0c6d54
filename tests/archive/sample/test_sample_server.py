"""The bundled sample portal as the product serves it: loopback only, real hosts in every page,
the sites' own requests answered, anything else the 404 page, and a clear error for a broken copy."""

from __future__ import annotations

import json
import re
import socket
from urllib.parse import urlencode

import httpx
import pytest

from archive.sample.server import ensure_loopback, start_sample
from archive.sample.static import SITE_DIR, Sample


def client() -> httpx.Client:
    return httpx.Client(trust_env=False, timeout=20)


def _free_block(n: int) -> int:
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        socks = []
        try:
            for i in range(n):
                socks.append(socket.socket())
                socks[-1].bind(("127.0.0.1", base + i))
            return base
        except OSError:
            continue
        finally:
            for t in socks:
                t.close()
    raise RuntimeError("no free block of ports")


def test_refuses_anything_but_loopback():
    for host in ("0.0.0.0", "::", "192.168.1.10", "example.org", ""):
        with pytest.raises(ValueError, match="only loopback addresses"):
            start_sample(host=host)
    assert ensure_loopback("localhost") == "127.0.0.1"
    assert ensure_loopback("127.0.0.2") == "127.0.0.2"
    assert ensure_loopback("[::1]") == "::1"


def test_sites_on_consecutive_ports_with_their_real_hosts_in_every_page():
    port = _free_block(3)
    with start_sample(port=port) as running, client() as c:
        assert running.hosts == {
            "trs": f"127.0.0.1:{port}",
            "hanweb": f"127.0.0.1:{port + 1}",
            "mirror": f"127.0.0.1:{port + 2}",
        }
        entry = running.portal_entry()
        assert entry["hosts"] == [running.hosts["trs"], running.hosts["hanweb"]]
        assert entry["start_urls"][0] == f"http://127.0.0.1:{port}/"
        mentioned, domains = set(), set()
        for site in running.sample.sites:
            for route in site.routes:
                if route.method != "GET" or route.query:
                    continue
                resp = c.get(running.base_url(site.key) + route.path)
                assert resp.status_code == 200, route.path
                assert b".sample.invalid" not in resp.content, route.path
                mentioned |= set(re.findall(rb"http://127\.0\.0\.1:(\d+)", resp.content))
                domains |= {(site.key, d) for d in re.findall(rb'name="SiteDomain" content="([^"]+)"', resp.content)}
        assert {str(p).encode() for p in (port, port + 1, port + 2)} <= mentioned  # pages link across sites
        assert domains == {(key, host.encode()) for key, host in running.hosts.items()}  # <meta name="SiteDomain">
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/", trust_env=False, timeout=5)


def test_gbk_pages_keep_their_bytes_and_charset():
    sample = Sample.load()
    gbk = [r for s in sample.sites for r in s.routes if ("Content-Type", "text/html; charset=GBK") in r.headers]
    assert gbk
    with start_sample() as running, client() as c:
        for route in gbk:
            site = next(s.key for s in sample.sites if route in s.routes)
            resp = c.get(running.base_url(site) + route.path + (f"?{urlencode(route.query)}" if route.query else ""))
            assert resp.headers["content-type"] == "text/html; charset=GBK"
            text = resp.content.decode("gbk")
            assert "政府信息公开" in text
            with pytest.raises(UnicodeDecodeError):
                resp.content.decode("utf-8")


def test_dynamic_endpoints_answer_what_the_pages_ask_and_404_otherwise():
    sample = Sample.load()
    hanweb = sample.site("hanweb")
    proxy = next(r for r in hanweb.routes if r.method == "POST")
    module = next(r for r in hanweb.routes if "fbtime" in r.query)
    with start_sample() as running, client() as c:
        base = running.base_url("hanweb")
        url = f"{base}{proxy.path}?{urlencode(proxy.query)}"
        form = {"col": "1", "appid": "1", **proxy.form, "path": "/", "permissiontype": "0"}
        ok = c.post(url, data=form)
        assert ok.status_code == 200 and b"<datastore>" in ok.content and b"<record>" in ok.content
        assert c.post(url, data={**form, "unitid": "1"}).status_code == 404  # not a request the pages make
        assert c.post(f"{base}{proxy.path}?startrecord=99&endrecord=120&perpage=3", data=form).status_code == 404
        wrong_method = c.get(url)
        assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
        year = c.get(f"{base}{module.path}?{urlencode(module.query)}&extra=ignored")
        assert year.status_code == 200 and "etag" in year.headers
        missing = c.get(f"{base}{module.path}?area={module.query['area']}&fbtime=1999")
        assert missing.status_code == 404 and "页面不存在" in missing.text
        assert c.post(base + "/index.html", data={"a": "1"}).status_code == 405
        assert c.get(base + "/index.html?from=somewhere").content == c.get(base + "/index.html").content
        assert c.get(running.base_url("mirror") + "/robots.txt").status_code == 404
        assert "Disallow: /preview/" in c.get(running.base_url("trs") + "/robots.txt").text


def test_conditional_requests_and_head():
    with start_sample() as running, client() as c:
        url = running.base_url("trs") + "/zfxxgk/zfxxgknb/"
        first = c.get(url)
        assert c.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
        assert c.get(url, headers={"If-Modified-Since": first.headers["last-modified"]}).status_code == 304
        assert c.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200
        head = c.head(url)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(first.content))


def test_a_broken_copy_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="cannot read the sample portal manifest"):
        start_sample(directory=tmp_path)
    manifest = json.loads((SITE_DIR / "manifest.json").read_text(encoding="utf-8"))
    (tmp_path / "manifest.json").write_text(json.dumps({**manifest, "format": 99}), encoding="utf-8")
    with pytest.raises(ValueError, match="format 99"):
        start_sample(directory=tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({**manifest, "sites": [{"key": "trs"}]}), encoding="utf-8")
    with pytest.raises(ValueError, match="is not a sample portal manifest"):
        start_sample(directory=tmp_path)

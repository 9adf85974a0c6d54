"""Document identity (archive.store.urls): the crawler's canonical URL and the archive's doc_key
are one normalisation, and give exactly what the two functions they replaced gave."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from archive.store.ingest import doc_key as ingest_doc_key
from archive.store.urls import canonical_url, doc_key, is_twin

_MOBILE = {"ismobile", "is_mobile", "mobile"}


def old_canonical_url(url: str) -> str:
    """crawler.detection.canonical_url as it was before the two were merged (verbatim)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    if parts.username:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    path = re.sub(r"_wap(\.[A-Za-z0-9]+)$", r"\1", parts.path or "/")
    query = parts.query
    if query and any(k.lower() in _MOBILE for k, _ in parse_qsl(query, keep_blank_values=True)):
        kept = [p for p in query.split("&") if p.split("=", 1)[0].lower() not in _MOBILE]
        query = "&".join(kept)
    return urlunsplit((scheme, netloc, path, query, ""))


def old_doc_key(url: str) -> str:
    """archive.store.ingest.doc_key as it was before the two were merged (verbatim)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host
    if port is not None and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{host}:{port}"
    path = parts.path or "/"
    path = re.sub(r"_wap(\.[A-Za-z0-9]+)$", r"\1", path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in _MOBILE]
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def outcome(fn, url: str) -> tuple[str, str]:
    try:
        return ("ok", fn(url))
    except ValueError as exc:
        return ("ValueError", type(exc).__name__)


_piece = st.sampled_from(
    ["a", "B", "0", "_", "-", ".", "%20", "%E5%B9%B4", "年报", "+", "=", "&", "?", "#", "@", ":", ";", "/", "~", " "]
)
_text = st.lists(_piece, max_size=6).map("".join)
_param = st.tuples(
    st.sampled_from(
        ["isMobile", "ISMOBILE", "is_mobile", "mobile", "mobile2", "page", "id", "fbtime", "", "%69sMobile"]
    ),
    st.sampled_from(["", "=", "=false", "=1", "=年", "=a%26b", "=a+b"]),
).map("".join)
_url = st.builds(
    lambda scheme, user, host, port, path, wap, ext, params, frag, pad: (
        f"{pad}{scheme}://{user}{host}{port}/{path}{wap}{ext}{'?' + '&'.join(params) if params else ''}{frag}{pad}"
    ),
    st.sampled_from(["http", "HTTP", "https", "Https", "ftp"]),
    st.sampled_from(["", "user@", "u:p@"]),
    st.sampled_from(["www.Example.gov.cn", "127.0.0.1", "X.GOV.CN.", "[::1]", "xn--fiqs8s.cn"]),
    st.sampled_from(["", ":80", ":443", ":8080", ":0", ":65535", ":65536", ":abc", ":"]),
    _text,
    st.sampled_from(["", "_wap", "_WAP", "_wap_wap"]),
    st.sampled_from(["", ".html", ".shtml", ".htm", ".pdf", "/", ".HTML"]),
    st.lists(_param, max_size=4),
    st.sampled_from(["", "#", "#top", "#120"]),
    st.sampled_from(["", " ", "\t"]),
)


@settings(max_examples=3000, deadline=None)
@given(_url)
@example("http://www.x.gov.cn/col/t20200120_80576_wap.html?isMobile=false&a=1#frag")
@example("HTTP://WWW.X.GOV.CN:80/a/b.html?b=2&a=1&mobile")
@example("https://x.gov.cn:443/?q=%E5%B9%B4+%E6%8A%A5&isMobile=true")
@example("http://x.gov.cn:99999/a.html")
def test_doc_key_and_canonical_url_unchanged(url: str) -> None:
    assert outcome(doc_key, url) == outcome(old_doc_key, url)
    assert outcome(canonical_url, url) == outcome(old_canonical_url, url)
    assert outcome(ingest_doc_key, url) == outcome(old_doc_key, url)


@settings(max_examples=2000, deadline=None)
@given(st.text(max_size=60))
def test_unchanged_on_any_text(url: str) -> None:
    assert outcome(doc_key, url) == outcome(old_doc_key, url)
    assert outcome(canonical_url, url) == outcome(old_canonical_url, url)


@pytest.mark.parametrize(
    "url, canonical, key",
    [
        (
            "HTTP://WWW.X.gov.cn:80/a/t20200120_1_wap.html?isMobile=false&b=%E5%B9%B4#top",
            "http://www.x.gov.cn/a/t20200120_1.html?b=%E5%B9%B4",
            "http://www.x.gov.cn/a/t20200120_1.html?b=%E5%B9%B4",
        ),
        ("http://u@x.gov.cn/a?b=c d", "http://u@x.gov.cn/a?b=c d", "http://x.gov.cn/a?b=c+d"),
        ("https://x.gov.cn:8443", "https://x.gov.cn:8443/", "https://x.gov.cn:8443/"),
    ],
)
def test_one_normalisation_two_forms(url: str, canonical: str, key: str) -> None:
    assert canonical_url(url) == canonical and doc_key(url) == key
    assert doc_key(canonical_url(url)) == doc_key(url)


def test_twins() -> None:
    assert is_twin("http://x.gov.cn/a/t20200120_1_wap.html")
    assert is_twin("http://x.gov.cn/a/t20200120_1.html?isMobile=false")
    assert not is_twin("http://x.gov.cn/a/t20200120_1.html")
    with pytest.raises(ValueError):
        doc_key("http://x.gov.cn:abc/a.html")
    assert canonical_url("http://x.gov.cn:abc/a.html") == "http://x.gov.cn/a.html"

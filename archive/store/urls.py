"""Document identity: one URL normalisation for what the crawler requests and what the archive keys.

:func:`canonical_url` is the URL a crawl asks for (fragment dropped, scheme and host lower-cased,
default port dropped, TRS ``_wap`` mobile twins and ``isMobile``-style parameters folded, the rest
of the query kept as written).  :func:`doc_key` is the stable identity of a report document in the
archive: the same normalisation without credentials, its query re-encoded (``reports.doc_key``
values are a compatibility contract: an archive's keys never change).
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

MOBILE_PARAMS = frozenset({"ismobile", "is_mobile", "mobile"})
_WAP_RE = re.compile(r"_wap(\.[A-Za-z0-9]+)$")


class _Normalised(NamedTuple):
    parts: SplitResult
    scheme: str
    host: str  # host[:port], the port only when it is not the scheme's default
    path: str  # the mobile twin folded


def _normalise(url: str, strict_port: bool) -> _Normalised:
    """Scheme, host, port and path in canonical form; an invalid port raises ``ValueError`` when
    ``strict_port``, else it is dropped."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        if strict_port:
            raise
        port = None
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return _Normalised(parts, scheme, host, _WAP_RE.sub(r"\1", parts.path or "/"))


def _is_mobile(key: str) -> bool:
    return key.lower() in MOBILE_PARAMS


def canonical_url(url: str) -> str:
    """The URL to request for a document: fragment dropped, host lower-cased, default port
    dropped, TRS ``_wap`` twins and ``isMobile``-style parameters folded.  Other query text
    (and any ``user@``) is kept as written."""
    n = _normalise(url, strict_port=False)
    netloc = n.host
    if n.parts.username:
        netloc = n.parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    query = n.parts.query
    if query and any(_is_mobile(k) for k, _ in parse_qsl(query, keep_blank_values=True)):
        query = "&".join(p for p in query.split("&") if not _is_mobile(p.split("=", 1)[0]))
    return urlunsplit((n.scheme, netloc, n.path, query, ""))


def doc_key(url: str) -> str:
    """The stable identity of a report document: its URL in canonical form (:func:`canonical_url`'s
    normalisation), without credentials, the query re-encoded without ``isMobile``-style parameters.

    The scheme is kept (an http and an https copy are matched by content).  An invalid port
    raises ``ValueError``.
    """
    n = _normalise(url, strict_port=True)
    query = [(k, v) for k, v in parse_qsl(n.parts.query, keep_blank_values=True) if not _is_mobile(k)]
    return urlunsplit((n.scheme, n.host, n.path, urlencode(query), ""))


def is_twin(url: str) -> bool:
    """A mobile twin (``_wap``) or mobile variant (``?isMobile=false``) of another URL."""
    parts = urlsplit(url)
    return bool(re.search(r"_wap\.[A-Za-z0-9]+$", parts.path)) or any(
        _is_mobile(k) for k, _ in parse_qsl(parts.query, keep_blank_values=True)
    )

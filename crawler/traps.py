"""Crawler traps: URLs that lead nowhere a report can be, without end (docs/portals.md §6).

* 领导活动 **calendars** (``rili.jsp?date=2024-01-15`` linking day to day and month to month);
* **site search** result pages (``search.jsp?keyword=…&page=N``, ``/jrobot/``, ``/so/``);
* **print and share** variants of pages (``print.jsp?id=``, ``?print=1``, ``share.jsp?url=``);
* **session ids** in links (``;jsessionid=…``, ``?PHPSESSID=…``): the same page under endless
  names — they are cut off (:func:`clean_url`), not refused.

The frontier asks :func:`trap_reason` about every URL before it becomes a request.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.detection import looks_like_search_url

_SESSION_PATH_RE = re.compile(r";(?:jsessionid|phpsessid|sessionid|sid)=[^/?#;]*", re.I)
SESSION_PARAMS = frozenset({"jsessionid", "phpsessid", "sessionid", "session_id", "sessid", "aspsessionid"})
_CALENDAR_PATH_RE = re.compile(r"rili|calendar|/richeng|schedule\.|/ldhd/.*\.(?:jsp|do|php|aspx?)$", re.I)
_DATE_VALUE_RE = re.compile(r"^(?:19|20)\d{2}[-/.]?\d{1,2}(?:[-/.]?\d{1,2})?$")
_DATE_PARAMS = frozenset({"date", "day", "rq", "riqi", "ymd", "selectdate", "curdate", "month", "yearmonth"})
_PRINT_PATH_RE = re.compile(
    r"(?:^|/)(?:print|printpage|print_page|printview|share|fenxiang)(?:\.\w+)?$|/print/|/share/", re.I
)
_PRINT_PARAMS = frozenset({"print", "isprint", "printpage", "printable", "share", "fenxiang"})


def clean_url(url: str) -> str:
    """``url`` without session ids (``;jsessionid=…`` in the path, ``PHPSESSID=…`` in the query)."""
    parts = urlsplit(url)
    path = _SESSION_PATH_RE.sub("", parts.path)
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [
            (k, v) for k, v in pairs if k.lower() not in SESSION_PARAMS and not k.lower().startswith("aspsessionid")
        ]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    if path == parts.path and query == parts.query:
        return url
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


_SESSION_TEXT_RE = re.compile(r";(?:jsessionid|phpsessid|sessionid|sid)=[^/?#;\"'\s<>]*", re.I)


def strip_sessions(text: str) -> str:
    """A page's text with the ``;jsessionid=…`` of its links removed (so links read as their URLs)."""
    return _SESSION_TEXT_RE.sub("", text) if ";" in text else text


def trap_reason(url: str) -> str | None:
    """Why ``url`` is a trap (calendar, site search, print or share variant), or None."""
    parts = urlsplit(url)
    path = parts.path
    params = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    if _CALENDAR_PATH_RE.search(path):
        return "calendar"
    if any(k in _DATE_PARAMS and _DATE_VALUE_RE.match(v.strip()) for k, v in params.items()):
        return "calendar"
    if looks_like_search_url(url):
        return "site search"
    if _PRINT_PATH_RE.search(path) or any(k in _PRINT_PARAMS for k in params):
        return "print or share variant"
    return None

"""Intensive platforms (集约化) and any list a page script loads by ``POST``: the call is read from the
script (``$.ajax({url, type: 'POST', data: {…}})``, ``$.post(url, {…})``, ``fetch(url, {method:
'POST', body: JSON.stringify({…})})``, ``axios.post(url, {…})``), asked page by page with the
script's own parameters, and its JSON answer read wherever the records are (``list``,
``data.records``, ``rows`` …; ``total``/``totalCount``/``pages`` for the page count).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import urlencode, urljoin

from crawler.discovery import Fetch, ListResult, Page
from crawler.jsdata import InlineDataError, call_argument, parse_literal, script_bodies
from crawler.platforms.base import PlatformParser, UnreadablePage

PAGE_KEYS = ("pageNo", "pageIndex", "pageNum", "page", "currentPage", "current", "curPage", "pn", "pageNumber")
SIZE_KEYS = ("pageSize", "size", "rows", "limit", "perPage", "pagesize", "ps")
TITLE_KEYS = ("title", "doctitle", "docTitle", "name", "articleTitle", "contentTitle", "subject")
URL_KEYS = ("url", "link", "href", "docUrl", "docpuburl", "chnldocurl", "articleUrl", "detailUrl", "path")
TOTAL_KEYS = ("total", "totalCount", "totalRecord", "recordCount", "count", "totalElements", "totalNum", "totalRow")
PAGES_KEYS = ("pages", "totalPage", "totalPages", "pageCount", "pageTotal")
_CALL_RE = re.compile(r"(\$\.ajax|jQuery\.ajax|\$\.post|jQuery\.post|axios\.post|fetch)\s*\(", re.I)
_FIRST_STRING_RE = re.compile(r"""\s*(['"])([^'"]+)\1\s*,\s*""")
MAX_PAGES = 200


def script_calls(page: Page) -> list[dict]:
    """The POST list calls the page's scripts make: ``{url, data, json}`` (URL absolute)."""
    out = []
    for script in script_bodies(page.text):
        for m in _CALL_RE.finditer(script):
            call = _read_call(m.group(1).lower(), script[m.end() :])
            if call is not None and any(k in call["data"] for k in PAGE_KEYS):
                call["url"] = urljoin(page.url, call["url"])
                out.append(call)
    return out


def _read_call(kind: str, rest: str) -> dict | None:
    """The URL and data of one call (``rest``: the source after its opening parenthesis)."""
    try:
        if kind.endswith("ajax"):
            options = parse_literal(rest) if rest.lstrip().startswith("{") else None
            if not isinstance(options, dict) or not isinstance(options.get("url"), str):
                return None
            method = str(options.get("type") or options.get("method") or "GET").upper()
            data = options.get("data")
            if method != "POST" or not isinstance(data, dict):
                return None
            is_json = "json" in str(options.get("contentType") or "").lower()
            return {"url": options["url"], "data": data, "json": is_json}
        first = _FIRST_STRING_RE.match(rest)
        if first is None:
            return None
        after = rest[first.end() :]
        if kind == "fetch":
            if not re.match(r"\s*\{[^{}]{0,300}?method\s*:\s*['\"]POST['\"]", after, re.I):
                return None
            data = call_argument(after, "JSON.stringify")
            return {"url": first.group(2), "data": data, "json": True} if isinstance(data, dict) else None
        data = parse_literal(after) if after.lstrip().startswith("{") else None
        return {"url": first.group(2), "data": data, "json": kind == "axios.post"} if isinstance(data, dict) else None
    except InlineDataError:
        return None


def call_fetch(call: dict, page_no: int) -> Fetch:
    data = dict(call["data"])
    key = next(k for k in PAGE_KEYS if k in data)
    data[key] = page_no
    if call["json"]:
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        headers = {"Content-Type": "application/json;charset=UTF-8", "Accept": "application/json, */*"}
    else:
        body = urlencode({k: v for k, v in data.items() if isinstance(v, (str, int, float))})
        headers = {"Accept": "application/json, text/javascript, */*; q=0.01"}
    return Fetch(call["url"], "api", method="POST", body=body, platform="jyh", headers=headers,
                 data={"call": call, "page": page_no})  # fmt: skip


def _records(node: Any, depth: int = 0) -> tuple[list[dict], dict] | None:
    """The first list of records (dicts with a title and a URL) in an answer, and the object holding it."""
    if depth > 4:
        return None
    if isinstance(node, dict):
        for value in node.values():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                if any(_pick(v, TITLE_KEYS) and _pick(v, URL_KEYS) for v in value):
                    return value, node
        for value in node.values():
            found = _records(value, depth + 1)
            if found is not None:
                return found
    return None


def _pick(obj: dict, keys: tuple[str, ...]) -> Any:
    return next((obj[k] for k in keys if obj.get(k) not in (None, "")), None)


def _number(obj: dict, keys: tuple[str, ...]) -> int | None:
    value = _pick(obj, keys)
    return int(value) if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()) else None


class JyhParser(PlatformParser):
    """Lists a page script asks for by POST (see the module documentation)."""

    name = "jyh"

    def detect(self, page: Page) -> bool:
        return bool(_CALL_RE.search(page.text)) and any(k in page.text for k in PAGE_KEYS)

    def list_page(self, page: Page, data: dict) -> ListResult | None:
        calls = script_calls(page)
        if not calls:
            return None
        return ListResult(
            self.name,
            pages=[call_fetch(c, int(c["data"][next(k for k in PAGE_KEYS if k in c["data"])] or 1)) for c in calls],
        )

    def answer(self, page: Page, data: dict) -> ListResult:
        try:
            body = json.loads(page.text)
        except ValueError as exc:
            raise UnreadablePage(self.name, f"the list answer is not JSON ({exc})") from None
        found = _records(body)
        result = ListResult(self.name)
        if found is None:
            return result  # an empty list (no records, or a message instead)
        records, holder = found
        for rec in records:
            url, title = _pick(rec, URL_KEYS), _pick(rec, TITLE_KEYS)
            if isinstance(url, str) and url.strip():
                result.items.append(Fetch(urljoin(page.url, url.strip()), "detail", title=str(title or ""),
                                          data={"in_column": True}))  # fmt: skip
        call, page_no = data.get("call") or {}, int(data.get("page") or 1)
        pages = _number(holder, PAGES_KEYS) or (_number(body, PAGES_KEYS) if isinstance(body, dict) else None)
        total = _number(holder, TOTAL_KEYS) or (_number(body, TOTAL_KEYS) if isinstance(body, dict) else None)
        size = next((call.get("data", {}).get(k) for k in SIZE_KEYS if call.get("data", {}).get(k)), None) or len(
            records
        )
        if not pages and total and size:
            pages = math.ceil(int(total) / int(size))
        result.stated_pages = pages
        if pages and page_no == 1 and call:
            result.pages = [call_fetch(call, n) for n in range(2, min(pages, MAX_PAGES) + 1)]
        return result

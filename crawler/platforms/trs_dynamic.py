"""TRS "动静结合" lists (Fujian platform, list2.trsapi): page 1 static, the rest from the
site's document search (``POST /fjdzapp/search`` with ``channelid``, ``classsql=chnlid=N``),
docs/portals.md §2.2.  Never stop at the static page: every page the record count implies is asked for.
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import urlencode, urljoin

from crawler.discovery import Fetch, ListResult, Page
from crawler.jsdata import assigned_scalar
from crawler.platforms.base import PlatformParser, UnreadablePage

_SEARCH_ID_RE = re.compile(r"['\"]?searchId['\"]?\s*:\s*['\"]?(\d+)")
_SEARCH_URL_RE = re.compile(r"['\"]?searchUrl['\"]?\s*:\s*['\"]([^'\"]+)['\"]")
_CHANNEL_RE = re.compile(r"['\"]?channelid['\"]?\s*:\s*['\"]?(\d+)")
_CLASSSQL_RE = re.compile(r"['\"]?classsql['\"]?\s*:\s*([^\n]+)")
_SORT_RE = re.compile(r"['\"]?sortfield['\"]?\s*:\s*['\"]([^'\"]*)['\"]")
_PREPAGE_RE = re.compile(r"['\"]?prepage['\"]?\s*:\s*['\"]?(\d+)")
_RECORDS_RE = re.compile(r"['\"]?recordCount['\"]?\s*:\s*['\"]?(\d+)")
DEFAULT_SEARCH_PATH = "/fjdzapp/search"
RECORD_KEYS = ("data", "docs", "list", "datas", "records")


def search_config(page: Page) -> dict | None:
    """The list2.trsapi arguments of a column page (channel, filter, sort, page size, record count)."""
    text = page.text
    channel = None
    m = _CHANNEL_RE.search(text)
    if m:
        channel = m.group(1)
    else:
        m = _SEARCH_ID_RE.search(text)
        channel = m.group(1) if m else None
    if channel is None:
        return None
    classsql = ""
    m = _CLASSSQL_RE.search(text)
    if m:
        value = re.split(r",\s*['\"]?\w+['\"]?\s*:", m.group(1))[0]  # up to the next key (one-line configs)
        quoted = [q for q in re.findall(r"['\"]([^'\"]*)['\"]", value) if q]
        classsql = quoted[-1] if quoted else ""
        if classsql.endswith("=") and (var := re.search(r"\+\s*([A-Za-z_$][\w$]*)", value)):
            classsql += assigned_scalar(text, var.group(1)) or ""  # "chnlid=" + chnlid
    if (not classsql or classsql.endswith("=")) and page.meta.get("ChnlId"):
        classsql = f"chnlid={page.meta['ChnlId']}"
    m = _SEARCH_URL_RE.search(text)
    search_url = urljoin(page.url, m.group(1) if m else DEFAULT_SEARCH_PATH)
    sort = _SORT_RE.search(text)
    prepage = _PREPAGE_RE.search(text)
    records = _RECORDS_RE.search(text)
    return {
        "url": search_url,
        "channelid": channel,
        "classsql": classsql,
        "sortfield": sort.group(1) if sort else "-docorderpri,-docreltime",
        "prepage": int(prepage.group(1)) if prepage else 15,
        "records": int(records.group(1)) if records else None,
    }


def search_fetch(cfg: dict, page_no: int) -> Fetch:
    form = {
        "channelid": cfg["channelid"],
        "classsql": cfg["classsql"],
        "sortfield": cfg["sortfield"],
        "page": str(page_no),
        "prepage": str(cfg["prepage"]),
    }
    return Fetch(
        cfg["url"],
        "api",
        method="POST",
        body=urlencode(form),
        platform="trs_dynamic",
        data={"cfg": cfg, "page": page_no},
        headers={"Accept": "application/json, text/javascript, */*; q=0.01"},
    )


class TrsDynamicParser(PlatformParser):
    name = "trs_dynamic"

    def detect(self, page: Page) -> bool:
        return "list2.trsapi" in page.text or "动静结合" in page.text

    def list_page(self, page: Page, data: dict) -> ListResult | None:
        cfg = search_config(page)
        if cfg is None:
            if re.search(r"listModel\s*\(", page.text):
                raise UnreadablePage(self.name, "the list2.trsapi arguments name no channel id")
            return None
        if not cfg["records"]:  # no record count on the page: ask page 1, its answer states the rest
            cfg["planned"] = 1
            return ListResult(self.name, pages=[search_fetch(cfg, 1)])
        pages = max(1, math.ceil(cfg["records"] / cfg["prepage"]))
        cfg["planned"] = pages
        # page 1 is the static page itself; the search answers pages 2..N
        return ListResult(self.name, pages=[search_fetch(cfg, n) for n in range(2, pages + 1)], stated_pages=pages)

    def answer(self, page: Page, data: dict) -> ListResult:
        body = json.loads(page.text)
        if not isinstance(body, dict):
            raise ValueError("search answer is not a JSON object")
        records = next((body[k] for k in RECORD_KEYS if isinstance(body.get(k), list)), None)
        if records is None:
            raise ValueError(f"no record list in the search answer (keys: {sorted(body)[:8]})")
        items = []
        for rec in records:
            if not isinstance(rec, dict):
                continue
            url = rec.get("chnldocurl") or rec.get("docpuburl") or rec.get("url") or rec.get("docurl")
            title = rec.get("doctitle") or rec.get("title") or ""
            if url:
                items.append(Fetch(urljoin(page.url, str(url)), "detail", title=str(title), data={"in_column": True}))
        cfg = dict(data.get("cfg") or {})
        total_pages = body.get("pageCount") or body.get("totalPage")
        if not total_pages and body.get("total") and cfg.get("prepage"):
            total_pages = math.ceil(int(body["total"]) / int(cfg["prepage"]))
        result = ListResult(self.name, items=items, stated_pages=int(total_pages) if total_pages else None)
        planned = int(cfg.get("planned") or 1)
        if total_pages and int(total_pages) > planned and data.get("page") == min(2, planned) and cfg:
            result.pages = [
                search_fetch({**cfg, "planned": int(total_pages)}, n) for n in range(planned + 1, int(total_pages) + 1)
            ]
        return result

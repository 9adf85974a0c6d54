"""Which requests a portal's crawl makes, how far its lists were walked, and which requests led nowhere.

A :class:`Fetch` a parser or the discovery wants becomes a request once: per canonical URL (a
POST per URL and form) without session ids, a folder and its ``index.*`` page once, on the
portal's own hosts (and the platform hosts that prove to be its own, :mod:`crawler.hosts`), never into a trap (:mod:`crawler.traps`: calendars, site search, print and
share variants), within ``DEPTH_LIMIT`` navigation hops (a list's further pages stay at the
list's depth), at most ``NIANBAO_MAX_LIST_PAGES`` pages per list, and — in incremental runs — no
list that has been dormant for ``NIANBAO_DORMANT_DAYS``.  Each list's walk (pages walked, pages
its pager states, early stop) is kept here and published as ``nianbao/list_pages_expected`` and
``nianbao/list_pages_skipped``.

Every request remembers the request that led to it.  A request is **useful** when it, or a
request it led to, was a list showing documents (or a further page of one), a report or an
attachment; a document page
judged not to be a report is **checked**; the rest are **wasted** (``nianbao/wasted_requests``,
printed in the run summary: a crawl that walks into a calendar shows it there).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from archive.store.urls import canonical_url
from crawler.discovery import Fetch
from crawler.hosts import HostScope
from crawler.listings import RunMemory
from crawler.meta import CrawlMeta
from crawler.stats import CrawlStats
from crawler.traps import clean_url, trap_reason

logger = logging.getLogger(__name__)

LIST_ROLES = ("home", "area", "column", "page")  # folder URLs and their index pages are one list page
_INDEX_RE = re.compile(r"(?i)(index|default)\.(s?html?|jsp|php|aspx?)")


def folder_key(url: str) -> str | None:
    """``scheme://host/dir/`` for a folder URL or its ``index.*``/``default.*`` page (no query)."""
    parts = urlsplit(url)
    if parts.query:
        return None
    path = parts.path or "/"
    if not path.endswith("/"):
        head, _, last = path.rpartition("/")
        if not _INDEX_RE.fullmatch(last):
            return None
        path = head + "/"
    return f"{parts.scheme}://{parts.netloc.lower()}{path}"


def request_key(fetch: Fetch) -> tuple[str, str, str]:
    """What requests are deduplicated by: method, canonical URL (GET) or URL, form."""
    url = clean_url(fetch.url)
    url = url if fetch.method != "GET" else canonical_url(url)
    return (fetch.method, url, fetch.body or "")


@dataclass
class ListWalk:
    """One list's walk in this run."""

    walked: int = 0  # list pages read (that listed items or stated a page count)
    stated: int | None = None  # pages the list's pager states
    requested: int = 0  # pages asked for (capped)
    stopped: bool = False  # an incremental early stop ended the walk


class Frontier:
    """The requests of one portal's crawl (see the module documentation)."""

    def __init__(
        self,
        scope: HostScope,
        stats: CrawlStats,
        memory: RunMemory,
        *,
        depth_limit: int = 8,
        max_list_pages: int = 300,
    ) -> None:
        self.scope = scope
        self.stats = stats
        self.memory = memory
        self.depth_limit = depth_limit
        self.max_list_pages = max_list_pages
        self.seen: set[tuple[str, str, str]] = set()
        self.folders: set[str] = set()
        self.lists: dict[str, ListWalk] = {}
        self.parents: dict[int, int] = {}  # request node → the node that led to it (0: a start page)
        self.urls: dict[int, str] = {}
        self.useful_nodes: set[int] = set()
        self.checked_nodes: set[int] = set()
        self.lost = 0  # requests outside the tree that came to nothing (failed attachments)

    def admit(self, fetch: Fetch, depth: int, parent: CrawlMeta | None = None) -> CrawlMeta | None:
        """The meta data of a request for ``fetch``, or None when it is off the portal, already
        requested, too deep, past its list's cap, or a dormant list."""
        key = request_key(fetch)
        url = key[1]
        if not self.scope.allows(url, fetch.role):
            from_own = parent is not None and self.scope.own_host(parent.url)
            if not self.scope.consider(url, fetch.role, from_own):
                self.stats.inc("offsite")
                return None
            self.stats.inc("platform_links")
        if key in self.seen:
            return None
        trap = trap_reason(url) if fetch.role != "api" else None  # a platform's list API may be its search
        if trap is not None:
            self.stats.inc("traps_avoided")
            logger.debug("not following %s (%s)", url, trap)
            return None
        folder = folder_key(url) if fetch.method == "GET" and fetch.role in LIST_ROLES else None
        if folder is not None:
            if folder in self.folders:
                return None  # dir/ and dir/index.html are the same list page
            self.folders.add(folder)
        if fetch.role not in ("page", "api") and depth > self.depth_limit:
            self.stats.inc("too_deep")
            return None
        if fetch.role in ("column", "page") and fetch.method == "GET" and self.memory.dormant(url):
            self.stats.inc("dormant_lists")
            logger.debug("dormant list %s left to the next full walk", url)
            return None
        list_key = None
        if fetch.role in ("page", "api"):
            parent_list = parent.list_key if parent is not None else None
            parent_url = parent.url if parent is not None and parent.url else url
            list_key = fetch.data.get("list") or parent_list or canonical_url(parent_url)
            walk = self.lists.setdefault(list_key, ListWalk())
            if walk.requested >= self.max_list_pages:
                self.stats.inc("list_cap")
                return None
            walk.requested += 1
        elif fetch.role == "column":
            list_key = url
            self.lists.setdefault(list_key, ListWalk(requested=1))
        self.seen.add(key)
        self.stats.inc("requests")
        node = len(self.parents) + 1
        self.parents[node] = parent.node if parent is not None else 0
        self.urls[node] = url
        self._publish_waste()
        return CrawlMeta(
            node=node,
            role=fetch.role,
            url=url,
            depth=depth,
            area_depth=(parent.area_depth if parent is not None else 0) + (1 if fetch.role == "area" else 0),
            list_key=list_key,
            title=fetch.title,
            platform=fetch.platform,
            data=fetch.data,
            in_column=bool(fetch.data.get("in_column")) or fetch.role in ("column", "page", "api"),
            fragment=urlsplit(fetch.url).fragment,
        )

    # ------------------------------------------------------------------ what the requests led to

    def useful(self, meta: CrawlMeta) -> None:
        """The request of ``meta`` gave a list of documents, a report or an attachment: it and
        every request that led to it were useful."""
        node = meta.node
        while node and node not in self.useful_nodes:
            self.useful_nodes.add(node)
            node = self.parents.get(node, 0)
        self._publish_waste()

    def checked(self, meta: CrawlMeta) -> None:
        """The request of ``meta`` gave a document judged not to be a report (its verdict is kept)."""
        if meta.node:
            self.checked_nodes.add(meta.node)
            self._publish_waste()

    def forget(self, meta: CrawlMeta) -> None:
        """A request to be made again (a report waiting for its list): its URL may be admitted anew."""
        self.seen.discard(("GET", meta.url, ""))
        self.checked(meta)

    def came_to_nothing(self) -> None:
        """A request outside the tree (an attachment) failed."""
        self.lost += 1
        self._publish_waste()

    def wasted_urls(self) -> list[str]:
        """The URLs of the requests that led to nothing (in request order)."""
        settled = self.useful_nodes | self.checked_nodes
        return [self.urls[n] for n in sorted(self.parents) if n not in settled]

    def _publish_waste(self) -> None:
        settled = len(self.useful_nodes | self.checked_nodes)
        self.stats.set("wasted_requests", len(self.parents) - settled + self.lost)
        self.stats.set("checked_pages", len(self.checked_nodes - self.useful_nodes))

    def requested(self, fetch: Fetch) -> bool:
        return request_key(fetch) in self.seen

    def requested_urls(self) -> set[str]:
        """Every URL asked for (canonical for GET requests)."""
        return {url for _, url, _ in self.seen}

    # ------------------------------------------------------------------ the walks of the lists

    def list_page_read(self, list_key: str, stated: int | None) -> None:
        """A page of ``list_key`` was read (``stated``: the page count its pager states)."""
        self.stats.inc("list_pages")
        walk = self.lists.setdefault(list_key, ListWalk(requested=1))
        walk.walked += 1
        if stated:
            walk.stated = max(walk.stated or 0, stated)
        self._publish()

    def stop(self, list_key: str) -> None:
        """An incremental early stop: the rest of ``list_key`` is not walked."""
        self.stats.inc("early_stops")
        self.lists.setdefault(list_key, ListWalk(requested=1)).stopped = True
        self._publish()

    def walked_completely(self, list_key: str) -> bool | None:
        """Whether a list of this run was walked to its end (None: not a list of this run)."""
        walk = self.lists.get(list_key)
        return None if walk is None else not walk.stopped

    def short_walks(self) -> list[tuple[str, ListWalk]]:
        """Lists walked fewer pages than their pager states, without an early stop."""
        return [(k, w) for k, w in self.lists.items() if w.stated and w.walked < w.stated and not w.stopped]

    def _publish(self) -> None:
        stated = [w.stated or w.walked for w in self.lists.values() if w.walked or w.stated]
        self.stats.set("list_pages_expected", sum(stated) if stated else None)
        self.stats.set(
            "list_pages_skipped", sum(max(0, (w.stated or 0) - w.walked) for w in self.lists.values() if w.stopped)
        )

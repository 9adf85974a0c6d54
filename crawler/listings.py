"""Where items were listed, and what their list entries said: the memory of incremental runs.

Every list page a crawl walks is recorded (``ArchiveSession.record_listing`` → ``listings``): for
each item, in order, its canonical URL and its **entry** — the text of the list line that links
it (title, date …), read from the page around the link (:func:`entry_text`).  The next
incremental run compares:

* an archived item whose entry reads the same as last time is not asked for again, even on a list
  page that changed (its neighbours moved, a report was added above it); an item whose entry
  changed (a correction re-listed with a new date) is asked for, conditionally;
* with the early stop (``NIANBAO_EARLY_STOP``), a list page that shows nothing new ends the walk of
  its list, and only the archived reports that were listed **before** an item seen again on the
  walked pages, yet not seen themselves, are re-checked for removal
  (:meth:`ListMemory.vanished`); reports further down are left to the periodic full walk.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlsplit

from archive.store.urls import canonical_url
from crawler.discovery import Fetch
from crawler.traps import strip_sessions

ENTRY_MAX = 300  # characters of an entry kept
_WINDOW_MAX = 1500  # how far a list line may reach around its link
# a list line starts after the previous link or at its own element, and ends at the next link or its element's end
_START_RE = re.compile(r"<(?:li|tr|dl|record|article)\b|\{|</a>|</(?:li|tr|dl|dd|record|article|p|div)>", re.I)
_END_RE = re.compile(r"</(?:li|tr|dl|record|article)>|\}|<a\s", re.I)
_TAG_RE = re.compile(r"<[^>]+>|<!\[CDATA\[|\]\]>")
_URL_RE = re.compile(r"https?:(?:\\?/){2}[^\s\"'<>,]+")  # absolute URLs (also JSON-escaped): noise in an entry
_DATE_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_PAGE_PARAMS = ("page", "pageno", "page_no", "pageindex", "pagenum", "curpage", "currpage", "currentpage", "p", "pn",
                "startrecord", "start", "offset")  # fmt: skip
_PAGE_PATH_RE = re.compile(r"[_-](\d{1,4})\.[A-Za-z]{2,5}$")


def _needles(url: str) -> list[str]:
    parts = urlsplit(url)
    last = parts.path.rsplit("/", 1)[-1]
    if parts.query:
        query = parts.query
        return [f"{last}?{query}", f"{last}?{query.replace('&', '&amp;')}"]
    return [last] if last else []


def _squash(text: str) -> str:
    return " ".join(_URL_RE.sub(" ", html.unescape(_TAG_RE.sub(" ", text))).split())


def _line(text: str, at: int, needle: str) -> str:
    """The list line around the link at ``at``: from the previous link (or the line's element, or the
    JSON object) to the next link (or the element's end)."""
    start = max(0, at - 150)
    for m in _START_RE.finditer(text, max(0, at - _WINDOW_MAX), at):
        start = m.end() if m.group(0).startswith("</") else m.start()
    found = _END_RE.search(text, at + len(needle), at + len(needle) + _WINDOW_MAX)
    end = found.start() if found else at + len(needle) + 250
    return text[start:end]


def dates_in(text: str) -> list[str]:
    """The calendar dates written in ``text`` (2025-01-31, 2025/1/31, 2025年1月31日), as YYYY-MM-DD."""
    out = set()
    for y, m, d in _DATE_RE.findall(text):
        if 1 <= int(m) <= 12 and 1 <= int(d) <= 31:
            out.add(f"{y}-{int(m):02d}-{int(d):02d}")
    return sorted(out)


def entry_text(page_text: str, url: str, title: str = "") -> str:
    """What a list shows for the item at ``url``: its title and the dates on its list line(s).

    The same item reads the same in an HTML list and in a JSON list answer (title · dates), so it
    does not look changed when it moves from a portal's static first page to its API pages.  A line
    without any date is kept as text.  Deterministic: the same page bytes give the same entry.
    """
    lines: list[str] = []
    for needle in _needles(url):
        start = 0
        while len(lines) < 4:
            at = page_text.find(needle, start)
            if at == -1:
                break
            start = at + len(needle)
            before = page_text[at - 1] if at else "/"
            if before.isalnum() or before in "_-":
                continue  # the middle of a longer file name
            line = _squash(_line(page_text, at, needle))
            if line and line not in lines:
                lines.append(line)
        if lines:
            break
    name = " ".join(title.split())
    dates = dates_in(" ".join(lines))
    if dates:
        entry = f"{name} · {' '.join(dates)}"
    else:
        entry = f"{name} · {' | '.join(lines)}" if lines else name
    return entry[:ENTRY_MAX]


def page_number(url: str, body: str | None = None, data: dict | None = None) -> int | None:
    """A list page's number as the portal counts it (page, start record …), for ordering; None if unknown."""
    for key in ("page", "page_no", "pageNo", "start"):
        value = (data or {}).get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    params = [(k.lower(), v) for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)]
    params += [(k.lower(), v) for k, v in parse_qsl(body or "", keep_blank_values=True)]
    found = dict(reversed(params))
    for key in _PAGE_PARAMS:
        value = found.get(key, "")
        if value.isdigit():
            return int(value)
    m = _PAGE_PATH_RE.search(urlsplit(url).path)
    if m:
        return int(m.group(1)) + 1  # index_1.html is the second page of index.html
    return None


@dataclass(frozen=True)
class Placement:
    """Where an item was listed last: list page, page number and position, and its entry."""

    page_url: str | None
    page_no: int | None
    position: int
    entry: str | None

    def before(self, other: Placement) -> bool:
        """Whether this place comes before ``other`` in the same list (unknown order: False)."""
        if self.page_no is not None and other.page_no is not None:
            return (self.page_no, self.position) < (other.page_no, other.position)
        return self.page_url is not None and self.page_url == other.page_url and self.position < other.position


class ListMemory:
    """The ``listings`` of one portal as they stood before this run."""

    def __init__(self, rows: list[tuple]) -> None:
        """``rows``: ``(list_key, url, page_url, page_no, position, entry)`` tuples."""
        self.lists: dict[str, dict[str, Placement]] = {}
        self.entries: dict[str, set[str]] = {}
        self.where: dict[str, list[str]] = {}
        for list_key, url, page_url, page_no, position, entry in rows:
            self.lists.setdefault(list_key, {})[url] = Placement(page_url, page_no, int(position or 0), entry)
            if entry is not None:
                self.entries.setdefault(url, set()).add(entry)
            self.where.setdefault(url, []).append(list_key)

    def knows(self, url: str) -> bool:
        return url in self.where

    def newest_date(self, list_key: str) -> str | None:
        """The latest date any entry of a list showed (YYYY-MM-DD), None for lists without dates."""
        dates = [d for placed in self.lists.get(list_key, {}).values() for d in dates_in(placed.entry or "")]
        return max(dates) if dates else None

    def dormant(self, list_key: str, today: str, days: int) -> bool:
        """A list whose newest entry is older than ``days`` (a past year's folder, an old module page).

        Annual reports come once a year: an active column always shows an entry of the last
        ~13 months, so two years of silence means a closed list.  Incremental runs leave dormant
        lists to the periodic full walk.
        """
        newest = self.newest_date(list_key)
        if not newest or days <= 0:
            return False
        return date.fromisoformat(newest) < date.fromisoformat(today) - timedelta(days=days)

    def unchanged(self, list_key: str, url: str, entry: str) -> bool:
        """Whether the list showed this item with the same entry before (in this list, else in any)."""
        placed = self.lists.get(list_key, {}).get(url)
        if placed is not None:
            return placed.entry == entry
        return entry in self.entries.get(url, ())

    def lists_of(self, url: str) -> list[str]:
        """The lists an item was recorded in."""
        return list(self.where.get(url, ()))

    def vanished(self, list_key: str, url: str, seen_in_list: set[str], complete: bool) -> bool:
        """Whether an archived item of ``list_key`` that this run did not see should have been seen.

        After a complete walk: always.  After an early stop: when an item listed after it last
        time was seen again (it did not just move down past the walked pages; it left the list).
        """
        placed = self.lists.get(list_key, {}).get(url)
        if placed is None:
            return False
        if complete:
            return True
        prior = self.lists[list_key]
        return any(placed.before(prior[u]) for u in seen_in_list if u in prior and u != url)


class RunMemory:
    """What the archive remembers of a portal's lists, and what this run's lists show: which listed
    items an incremental run asks for, which lists it leaves dormant, which archived reports it
    re-checks after discovery."""

    def __init__(self, incremental: bool = False, today: str | None = None, dormant_days: int = 0) -> None:
        self.incremental = incremental
        self.today = today or date.today().isoformat()
        self.dormant_days = dormant_days
        self.lists = ListMemory([])
        self.archived: set[str] = set()  # URLs of this portal's archived reports
        self.known: set[str] = set()  # incremental: archived reports and detail pages
        self.removed: set[str] = set()  # incremental: archived reports marked removed (asked for again when listed)
        self.seen_in_list: dict[str, set[str]] = {}  # list key → canonical URLs its walked pages showed
        self.listed: set[str] = set()  # canonical URLs of every item the lists showed
        self.reported: set[str] = set()  # archived reports the lists showed, and reports found this run

    def load(self, rows: list[tuple], archived: set[str], known: set[str], removed: set[str]) -> None:
        """The portal's ``listings`` rows and archived URLs (``known``/``removed``: incremental runs)."""
        self.lists = ListMemory(rows)
        self.archived = archived
        self.known, self.removed = known, removed

    @property
    def reports_listed(self) -> int:
        return len(self.reported)

    # ------------------------------------------------------------------ this run's lists

    def note_listed(self, urls: list[str]) -> None:
        """Items a list showed (canonical URLs)."""
        for url in urls:
            self.listed.add(url)
            if url in self.archived:
                self.reported.add(url)

    def note_report(self, url: str) -> None:
        """A report page or file handed to the pipeline."""
        self.reported.add(canonical_url(url))

    def entries(self, page_text: str, list_key: str, items: list[Fetch]) -> dict[str, str]:
        """The entries of the items a list page shows, in order (:func:`entry_text`); the page's
        list counts as walked, even when it lists nothing now."""
        entries: dict[str, str] = {}
        page_text = strip_sessions(page_text) if items else page_text
        for fetch in items:
            url = canonical_url(fetch.url)
            if url not in entries:
                entries[url] = entry_text(page_text, fetch.url, fetch.title)
        self.seen_in_list.setdefault(list_key, set()).update(entries)
        return entries

    # ------------------------------------------------------------------ incremental decisions

    def dormant(self, url: str) -> bool:
        """Incremental runs: a closed list (a past year's folder), left to the periodic full walk."""
        return self.incremental and self.lists.dormant(url, self.today, self.dormant_days)

    def wanted(self, list_key: str, url: str, entries: dict[str, str], unchanged_page: bool) -> bool:
        """Incremental runs: whether a listed item must be asked for (new, changed entry, or back after removal)."""
        if url not in self.known or url in self.removed:
            return True
        if not self.lists.knows(url):
            return not unchanged_page  # archived before lists were recorded: an unchanged (304) page vouches
        return not self.lists.unchanged(list_key, url, entries.get(url, ""))

    def known_page(self, url: str) -> bool:
        """Incremental runs: an archived page that lists, not links on other documents, decide on."""
        url = canonical_url(url)
        return self.incremental and url in self.known and url not in self.removed

    def unlisted(self, current: list[str], requested: set[str]) -> list[str]:
        """The archived reports (``current``) neither requested nor listed this run."""
        seen = requested | self.listed
        return [u for u in current if canonical_url(u) not in seen]

    def left_list(self, url: str, walked_completely: Callable[[str], bool | None]) -> bool:
        """After an early stop: whether an archived report no list showed has left a list walked this
        run (complete walk, or an item listed after it was seen again), rather than moved down
        past the pages the walk stopped before.  ``walked_completely(list_key)``: None for a list
        that is not a report column of this run."""
        url = canonical_url(url)
        for list_key in self.lists.lists_of(url):
            complete = walked_completely(list_key)
            if complete is None or list_key not in self.seen_in_list:
                continue  # not a report column, or not walked this run
            if self.lists.vanished(list_key, url, self.seen_in_list[list_key], complete=complete):
                return True
        return False

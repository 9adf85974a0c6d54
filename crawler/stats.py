"""The statistics of a crawl: one set of keys, counted in Scrapy's stats collector (``crawler.stats``).

Every nianbao figure is a stats value under the ``nianbao/`` prefix (``nianbao/responses``,
``nianbao/error_http``, ``nianbao/platform/trs`` …), so Scrapy's own stats dump shows them next
to its ``downloader/…`` figures.  The spider, the middlewares and the pipeline count there; the
archive extension turns them into the portal's ``crawl_portal_stats`` row (:meth:`CrawlStats.portal_row`)
and the run's totals (:data:`RUN_TOTALS`), and the outcome of a portal and of a run is decided
here (:func:`portal_outcome`, :func:`run_outcome`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy.statscollectors import StatsCollector

PREFIX = "nianbao/"
# summed over the portals of a run (``crawl_runs.stats``), in the order they are written
RUN_TOTALS = ("requests", "responses", "not_modified", "list_pages", "list_pages_expected", "reports_seen", "new_reports",
              "changed_reports", "removed_reports", "attachments", "errors", "blocks", "early_stops", "rechecked",
              "wasted_requests", "checked_pages", "unreadable_pages")  # fmt: skip
# counted while crawling and stored per portal; the other per-portal figures describe the walk
COUNTERS = tuple(k for k in RUN_TOTALS if k != "list_pages_expected")
# the walk of the lists (kept up to date by the spider): pages the pagers state, pages an early
# stop left, archived reports the lists still show (None: no list stated anything)
WALK_FIGURES = ("list_pages_expected", "list_pages_skipped", "reports_listed")
PLATFORM_VOTE = "platform/"  # + family: list pages read as that family's
UNREADABLE = "unreadable/"  # + family: pages recognised as that family's whose data could not be read
SITE_NAME = "site_name"  # the portal's name as its pages state it (``<meta name="SiteName">``)
OUTCOMES = ("ok", "failed", "interrupted")


class CrawlStats:
    """The ``nianbao/`` values of one crawler's stats collector."""

    def __init__(self, collector: StatsCollector) -> None:
        self.collector = collector

    def inc(self, key: str, n: int = 1) -> None:
        self.collector.inc_value(PREFIX + key, n)

    def get(self, key: str, default: Any = 0) -> Any:
        return self.collector.get_value(PREFIX + key, default)

    def set(self, key: str, value: Any) -> None:
        self.collector.set_value(PREFIX + key, value)

    def vote(self, platform: str) -> None:
        """A list page was read as ``platform``'s."""
        self.inc(PLATFORM_VOTE + platform)

    def detected_platform(self) -> str | None:
        """The family most list pages were read as (a specific one before ``generic``)."""
        start = PREFIX + PLATFORM_VOTE
        votes = {k[len(start) :]: v for k, v in self.collector.get_stats().items() if k.startswith(start)}
        specific = {k: v for k, v in votes.items() if k != "generic"}
        if specific:
            return max(specific, key=lambda k: specific[k])
        return "generic" if votes else None

    def portal_row(self, reason: str, duration: float) -> dict:
        """The portal's ``crawl_portal_stats`` row after its spider closed for ``reason``."""
        row: dict[str, Any] = {k: int(self.get(k)) for k in COUNTERS}
        row["list_pages_expected"] = self.get("list_pages_expected", None)
        row["list_pages_skipped"] = int(self.get("list_pages_skipped"))
        row["reports_listed"] = int(self.get("reports_listed"))
        row["duration"] = round(duration, 3)
        row["outcome"] = portal_outcome(reason, int(self.get("ok_pages")))
        row["empty_reason"] = self.empty_reason() if not row["reports_seen"] and not row["reports_listed"] else None
        return row

    def unreadable_families(self) -> list[str]:
        start = PREFIX + UNREADABLE
        return sorted(k[len(start) :] for k in self.collector.get_stats() if k.startswith(start))

    def empty_reason(self) -> str:
        """Why the portal yielded no report, for an operator to act on."""
        if not self.get("ok_pages"):
            if self.get("blocks"):
                return "blocked: every page answered was a block or challenge page"
            if self.get("error_robots"):
                return "robots.txt refuses the pages the crawl needs"
            return "dead: no page could be read"
        if self.get("unreadable_pages"):
            return f"platform recognised but its data could not be read ({', '.join(self.unreadable_families())})"
        if not self.get("column_pages"):
            if not self.get("area_pages"):
                return "no disclosure area (政府信息公开) found from the start pages"
            return "no annual-report column (年报) found in the disclosure area"
        if not self.get("items_listed"):
            return "the annual-report columns list nothing"
        if self.get("checked_pages"):
            return "the columns list only pages about reports, no report"
        return "the listed documents could not be fetched (see fetch_errors)"


def portal_outcome(reason: str, ok_pages: int) -> str:
    """``interrupted`` (shut down), ``failed`` (no page could be read) or ``ok``."""
    if reason in ("shutdown", "cancelled"):
        return "interrupted"
    return "ok" if ok_pages else "failed"


def run_outcome(outcomes: Iterable[str]) -> str:
    """A run is interrupted when any portal was, failed when every portal failed (or none ran), else ok."""
    found = set(outcomes) or {"failed"}
    if "interrupted" in found:
        return "interrupted"
    if found <= {"failed"}:
        return "failed"
    return "ok"

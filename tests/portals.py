"""Local test portals for crawler tests: one real HTTP server per CMS family on 127.0.0.1.

Import from a test module (``tests/`` is on ``sys.path`` under pytest)::

    from portals import FAMILIES, start_site

    # the portal_factory fixture comes from tests/conftest.py

    def test_crawl(portal_factory, tmp_path):
        site = portal_factory("hanweb", flaky=2, duplicates=True)
        ...crawl site.start_urls, staying on site.host...
        assert {r.url for r in site.expected_reports} <= archived_urls
        assert not site.mirror.request_log            # never went to the spam mirror

A :class:`~portalgen.portal.RunningSite` gives ``base_url``, ``host`` (``127.0.0.1:PORT``),
``start_urls``, ``portal_entry()`` (a ``portals`` registry row), ``request_log`` (every request:
method, path, headers, time, status), ``expected_reports`` (canonical URL, alternative URLs, title,
year, organ, level, template, published, carrier, encoding/``is_gbk``, attachment URLs, the
:class:`~portalgen.sample.SampleReport` with every expected cell), ``non_reports`` (URLs of
items that are not reports) and ``non_report_items``, ``hazard_urls``, ``robots_disallowed``,
``mirror`` (the spam copy on another port), the mutations ``add_report``, ``edit_report``,
``remove_report``, ``replace_attachment``, ``block``/``unblock``, ``go_dead``/``revive``, and
``stop()``.  Site options (hazards …) are :class:`~portalgen.sites.SiteOptions`.

:func:`apply_season_changes` performs the scheduled-crawl scenario on a running site (one report
added, one edited, one removed, one attachment replaced, one page turned into a block page) and
returns the ground truth of the second run; call ``go_dead()`` on another site for a dead portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from portalgen.portal import RunningSite, demo_expected_reports, ensure_loopback, start_demo, start_family
from portalgen.sites import (
    FAMILIES,
    WAF_COOKIE,
    ExpectedAttachment,
    ExpectedReport,
    LoggedRequest,
    NonReport,
    SiteOptions,
)

__all__ = [
    "FAMILIES",
    "WAF_COOKIE",
    "ExpectedAttachment",
    "ExpectedReport",
    "LoggedRequest",
    "NonReport",
    "RunningSite",
    "SiteOptions",
    "demo_expected_reports",
    "ensure_loopback",
    "SeasonChanges",
    "apply_season_changes",
    "requests_to",
    "start_demo_county",
    "start_site",
]


def start_site(family: str, *, prerender: bool = True, mirror: bool = True, **options) -> RunningSite:
    """Start a site of ``family`` (and its spam mirror on another port); call ``.stop()`` after.

    ``prerender`` renders the PDF/DOCX attachments before returning (one LibreOffice batch, cached
    on disk), so no request waits on a renderer.  Usable as a context manager.
    """
    running = start_family(family, mirror=mirror, **options)
    if prerender:
        try:
            running.site.prerender_attachments()
        except BaseException:
            running.stop()
            raise
    return running


def start_demo_county(seed: int = 0, *, prerender: bool = True, **options) -> RunningSite:
    """The bundled demo county: the TRS portal, with the Hanweb platform in ``.extra``."""
    running = start_demo(seed, **options)
    if prerender:
        try:
            for site in [running, *running.extra]:
                site.site.prerender_attachments()
        except BaseException:
            running.stop()
            raise
    return running


def requests_to(site: RunningSite, path_prefix: str = "/", method: str | None = None) -> list[LoggedRequest]:
    """The logged requests whose path starts with ``path_prefix`` (optionally one method)."""
    return [r for r in site.request_log if r.path.startswith(path_prefix) and (method is None or r.method == method)]


@dataclass
class SeasonChanges:
    """What :func:`apply_season_changes` did: the ground truth of an incremental crawl."""

    added: ExpectedReport
    edited: ExpectedReport  # the new version (same URL, version + 1, one cell and a sentence changed)
    removed: ExpectedReport  # gone from every list; its page answers 404
    replaced: ExpectedReport | None  # same attachment URL, new bytes (None on a site without files)
    blocked: ExpectedReport  # its page now answers the 200 "访问受限" block page (neither removed nor changed)
    unchanged: list[ExpectedReport]  # every other report: byte-identical pages, 304 on revalidation


def apply_season_changes(site: RunningSite) -> SeasonChanges:
    """Change a running site between two crawls: one report added, one edited, one removed, one
    attachment replaced, one report page turned into a block page.  (Kill another portal with
    ``go_dead()`` for the "portal went dead" monitor.)"""
    reports = site.expected_reports
    with_file = [r for r in reports if r.attachments and r.carrier in ("pdf", "docx")]
    replaced = with_file[0] if with_file else None
    pages = [r for r in reports if r.carrier == "html" and not r.alt_urls and r is not replaced]
    if len(pages) < 3:
        raise ValueError("the site needs three plain HTML reports without duplicates for a season of changes")
    edited, removed, blocked = pages[:3]
    changes = SeasonChanges(
        added=site.add_report(level="town", year=2025),
        edited=site.edit_report(edited.doc_id),
        removed=site.remove_report(removed.doc_id),
        replaced=site.replace_attachment(replaced.doc_id) if replaced else None,
        blocked=blocked,
        unchanged=[
            r
            for r in reports
            if r.doc_id
            not in {edited.doc_id, removed.doc_id, blocked.doc_id} | ({replaced.doc_id} if replaced else set())
        ],
    )
    site.block(urlsplit(blocked.url).path)
    site.site.prerender_attachments()  # the replaced file is rendered now, not while a crawler waits
    return changes

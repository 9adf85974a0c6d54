"""Shared fixtures of the test suite.

``tests/`` is on ``sys.path`` (``pythonpath`` in pyproject.toml), so helper modules (``portals``,
``crawler_harness``, ``publish_fixtures``, ``carrier_fixtures``, ``portalgen``, ``gen``) import by name.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from portalgen.portal import RunningSite
from portals import FAMILIES, start_site


@pytest.fixture
def portal_factory() -> Iterator:
    """``factory(family, **options) -> RunningSite``; every site started is stopped after the test."""
    started: list[RunningSite] = []

    def factory(family: str, **options) -> RunningSite:
        site = start_site(family, **options)
        started.append(site)
        return site

    yield factory
    for site in started:
        site.stop()


@pytest.fixture(params=FAMILIES)
def family_site(request, portal_factory) -> RunningSite:
    """One default site per CMS family (parametrised over :data:`FAMILIES`)."""
    return portal_factory(request.param)

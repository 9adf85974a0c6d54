"""The generator of varied portals (tests/portalgen/varied): deterministic, and its ground truth is
what the servers answer."""

from __future__ import annotations

import urllib.request

from portalgen.varied import FAMILIES, build, served


def test_a_seed_gives_the_same_portal():
    for family in FAMILIES:
        a, b = build(family, 3).portal, build(family, 3).portal
        assert (a.county, a.features) == (b.county, b.features), family
        assert [d.title for d in build(family, 3).docs] == [d.title for d in build(family, 3).docs]
    assert (
        build("trs", 3).portal.features != build("trs", 4).portal.features
        or build("trs", 3).county != build("trs", 4).county
    )


def test_every_report_and_page_about_reports_is_served():
    for family in ("jyh", "lonsun", "gkmlpt"):
        with served(family, 5) as portal:
            assert portal.truths and portal.about
            for url in [t.url for t in portal.truths] + [a.url for a in portal.about]:
                with urllib.request.urlopen(url, timeout=10) as answer:
                    assert answer.status == 200 and answer.read(), url
            if family == "jyh":  # the county's departments and towns are on the platform host
                assert {t.url.split("/")[2] for t in portal.truths} == set(portal.own_hosts)
                assert portal.forbidden and portal.neighbour is not None
            # the ground truth has year-less titles whose year is elsewhere
            assert all(str(t.year) in t.title or t.year_from != "title" for t in portal.truths)

"""A facet of years listed by year (newest first), not by count.

Datasette's column facet orders its values by count, so a 年度 facet reads 2021, 2019, 2023, 2020 …
The metadata configures year columns as ``{"year": "年度"}`` (:func:`typed_facets`); this facet
runs Datasette's column facet and orders its values by year.
"""

from __future__ import annotations

from datasette.facets import ColumnFacet

YEAR_COLUMNS = frozenset({"年度", "year"})


def typed_facets(facets: list) -> list:
    """The metadata ``facets`` list with every year column as a :class:`YearFacet`."""
    return [{YearFacet.type: f} if isinstance(f, str) and f in YEAR_COLUMNS else f for f in facets]


def _year_key(value) -> tuple[int, str]:
    text = str(value)
    return (int(text), text) if text.lstrip("-").isdigit() else (-(10**9), text)


class YearFacet(ColumnFacet):
    """A column facet whose values are sorted by year, newest first."""

    type = "year"

    async def suggest(self):
        return []  # the column facet suggests the same columns

    async def facet_results(self):
        results, timed_out = await super().facet_results()
        for result in results:
            result["results"].sort(key=lambda r: _year_key(r["value"]), reverse=True)
            result["type"] = ColumnFacet.type  # shown as a plain column facet (no "(year)" after its name)
        return results, timed_out

"""The search page (``/{db}/search``): the template's figures a query names, and the text hits.

A query naming a row or column of the national templates (不予公开, 国家秘密, 行政复议, 商业企业 …,
:mod:`archive.publish.vocabulary`) answers with those figures across reports — values linked to
their provenance pages, reports to their pages, each figure to its journalist view — and, as any
query, with the report titles and report text (sections) that contain it, ranked, with snippets.
Filters: year, level, province, county, office.  No hit: the views and the template's words are
suggested.  Every statement is bounded: figures list the reports with the largest values first
(:data:`FIGURE_ROWS`), text hits are paged (:data:`PAGE_SIZE`), counts stop at :data:`COUNT_CAP`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import markupsafe
from datasette.database import QueryInterrupted

from archive.publish.search import query_alternatives, query_terms, snippet_html
from archive.publish.views import LEVEL_LABELS
from archive.publish.views import VIEWS as VIEW_LIST
from archive.publish.vocabulary import EXAMPLES, Figure, FigureColumn, figures_named

FIGURE_ROWS = 10
PAGE_SIZE = 20
TITLE_ROWS = 10
COUNT_CAP = 10_000
LEVEL_CODES = {label: code for code, label in LEVEL_LABELS.items()}
FILTER_NAMES = ("year", "level", "province", "county", "organ")


@dataclass
class Filters:
    """The filters of a search (as typed); ``where`` is their SQL over ``reports r`` and ``portals p``."""

    year: str = ""
    level: str = ""
    province: str = ""
    county: str = ""
    organ: str = ""

    @classmethod
    def from_args(cls, args) -> Filters:
        return cls(**{name: (args.get(name) or "").strip()[:100] for name in FILTER_NAMES})

    def any(self) -> bool:
        return any(getattr(self, name) for name in FILTER_NAMES)

    def sql(self) -> tuple[str, dict]:
        clauses = ["r.is_current = 1"]
        params: dict = {}
        if self.year.isdigit():
            clauses.append("r.year = :year")
            params["year"] = int(self.year)
        if self.level:
            clauses.append("coalesce(r.level, p.level) = :level")
            params["level"] = LEVEL_CODES.get(self.level, self.level)
        if self.province:
            clauses.append("p.province = :province")
            params["province"] = self.province
        if self.county:
            clauses.append("p.county = :county")
            params["county"] = self.county
        if self.organ:
            clauses.append("instr(r.organ, :organ) > 0")
            params["organ"] = self.organ
        return " AND ".join(clauses), params

    def args(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FILTER_NAMES if getattr(self, name)}


def snippet_markup(value: str | None) -> markupsafe.Markup:
    """A text hit's snippet as HTML: its matches (between « and ») marked."""
    return markupsafe.Markup(snippet_html(value or ""))


def _count_text(n: int) -> str:
    return f"{COUNT_CAP:,}+" if n > COUNT_CAP else f"{n:,}"


# ----------------------------------------------------------------------------- figures


def _sum_sql(column: FigureColumn, prefix: str) -> tuple[str, dict]:
    rows = ", ".join(f":{prefix}r{i}" for i in range(len(column.rows)))
    params = {f"{prefix}t": column.table, f"{prefix}c": column.col}
    params.update({f"{prefix}r{i}": row for i, row in enumerate(column.rows)})
    return (
        f"SELECT c.report_id AS rid, sum(c.value) AS v FROM cells c WHERE c.table_name = :{prefix}t "
        f'AND c.col = :{prefix}c AND c."row" IN ({rows}) GROUP BY c.report_id',
        params,
    )


async def _figure(db, figure: Figure, filters: Filters, table_url: Callable[[str], str]) -> dict:
    """The reports with the largest values of the figure's first column (with all its columns),
    how many reports have it, and its total over them."""
    where, params = filters.sql()
    values_sql, value_params = _sum_sql(figure.columns[0], "f")
    params = {**params, **value_params}
    ranked = (
        await db.execute(
            "SELECT r.id, r.title, r.organ, r.year, p.county, v.v, count(*) OVER () AS n, sum(v.v) OVER () AS total "
            f"FROM ({values_sql}) v JOIN reports r ON r.id = v.rid LEFT JOIN portals p ON p.id = r.portal "
            f"WHERE {where} ORDER BY v.v IS NULL, v.v DESC, r.year DESC, r.id LIMIT {FIGURE_ROWS}",
            params,
        )
    ).rows
    total = ranked[0] if ranked else None
    reports = [dict(r) for r in ranked]
    cells = await _cells_of(db, figure, [r["id"] for r in reports])
    for report in reports:
        report["shown"] = [_value(column, cells.get(report["id"], {})) for column in figure.columns]
    view_url = None
    if figure.view:
        view_url = table_url(figure.view) + ("?" + urlencode(figure.view_args) if figure.view_args else "")
    first = figure.columns[0].label
    return {
        "figure": figure,
        "total_label": "合计" if first == "总计" else first if first.endswith("合计") else first + "合计",
        "also": [{"name": v, "url": table_url(v)} for v in figure.also],
        "reports": reports,
        "count": total["n"] if total else 0,
        "total": total["total"] if total else None,
        "view_url": view_url,
    }


async def _cells_of(db, figure: Figure, report_ids: list[int]) -> dict[int, dict[tuple, dict]]:
    if not report_ids:
        return {}
    keys = {(c.table, row, c.col) for c in figure.columns for row in c.rows}
    tables = sorted({k[0] for k in keys})
    rows = sorted({k[1] for k in keys})
    cols = sorted({k[2] for k in keys})

    def marks(name: str, values: list) -> tuple[str, dict]:
        return ", ".join(f":{name}{i}" for i in range(len(values))), {f"{name}{i}": v for i, v in enumerate(values)}

    ids_sql, ids = marks("id", report_ids)
    tables_sql, tp = marks("t", tables)
    rows_sql, rp = marks("r", rows)
    cols_sql, cp = marks("c", cols)
    result = await db.execute(
        f'SELECT id, report_id, table_name, "row", col, value, raw FROM cells WHERE report_id IN ({ids_sql}) '
        f'AND table_name IN ({tables_sql}) AND "row" IN ({rows_sql}) AND col IN ({cols_sql})',
        {**ids, **tp, **rp, **cp},
    )
    out: dict[int, dict[tuple, dict]] = {}
    for row in result.rows:
        out.setdefault(row["report_id"], {})[(row["table_name"], row["row"], row["col"])] = dict(row)
    return out


def _value(column: FigureColumn, cells: dict[tuple, dict]) -> dict:
    """One shown value: a single cell (linked to its provenance) or a sum (nulls as 0)."""
    found = [cells[(column.table, row, column.col)] for row in column.rows if (column.table, row, column.col) in cells]
    if column.single:
        cell = found[0] if found else None
        return {
            "value": cell["value"] if cell else None,
            "cell_id": cell["id"] if cell else None,
            "present": bool(cell),
        }
    numbers = [c["value"] for c in found if isinstance(c["value"], (int, float))]
    return {"value": sum(numbers) if numbers else None, "cell_id": None, "present": bool(found)}


# ----------------------------------------------------------------------------- text hits


async def _sections(db, query: str, filters: Filters, start: int) -> tuple[list[dict], int]:
    where, params = filters.sql()
    params = {**params, "q": query}
    body = (
        "FROM sections_fts f JOIN sections s ON s.id = f.rowid JOIN reports r ON r.id = s.report_id "
        f"LEFT JOIN portals p ON p.id = r.portal WHERE sections_fts MATCH escape_fts(:q) AND {where}"
    )
    count = (await db.execute(f"SELECT count(*) AS n FROM (SELECT 1 {body} LIMIT {COUNT_CAP + 1})", params)).first()
    hits = await db.execute(
        f"SELECT s.id AS section_id, s.heading, r.id AS report_id, r.title, r.organ, r.year, p.county, "
        f"nianbao_snippet(s.text, :q, 45) AS snippet {body} ORDER BY f.rank LIMIT {PAGE_SIZE} OFFSET {int(start)}",
        params,
    )
    return [dict(r) for r in hits.rows], count["n"] if count else 0


async def _titles(db, query: str, filters: Filters) -> list[dict]:
    where, params = filters.sql()
    hits = await db.execute(
        "SELECT r.id, r.title, r.organ, r.year, p.county FROM reports_fts f JOIN reports r ON r.id = f.rowid "
        f"LEFT JOIN portals p ON p.id = r.portal WHERE reports_fts MATCH escape_fts(:q) AND {where} "
        f"ORDER BY f.rank LIMIT {TITLE_ROWS}",
        {**params, "q": query},
    )
    return [dict(r) for r in hits.rows]


# ----------------------------------------------------------------------------- the page


async def _choices(db) -> dict:
    """Values for the filter inputs: years (newest first), levels, provinces, counties."""
    years = [r[0] for r in (await db.execute(
        "SELECT DISTINCT year FROM reports WHERE is_current = 1 AND year IS NOT NULL ORDER BY year DESC"
    )).rows]  # fmt: skip
    provinces = [r[0] for r in (await db.execute(
        "SELECT DISTINCT province FROM portals WHERE province IS NOT NULL ORDER BY province"
    )).rows]  # fmt: skip
    counties = [r[0] for r in (await db.execute(
        "SELECT DISTINCT county FROM portals WHERE county IS NOT NULL ORDER BY county LIMIT 5000"
    )).rows]  # fmt: skip
    return {"years": years, "levels": list(LEVEL_LABELS.values()), "provinces": provinces, "counties": counties}


def _page_url(base: str, query: str, filters: Filters, start: int = 0) -> str:
    args = {"q": query, **filters.args()}
    if start:
        args["start"] = str(start)
    return f"{base}/search?" + urlencode(args)


async def search_context(db, args, base: str, table_url: Callable[[str], str]) -> dict:
    """Everything the search page shows for the request's arguments (``base``: the database's
    URL; ``table_url``: the URL of a table or view)."""
    query = (args.get("q") or "").strip()[:200]
    filters = Filters.from_args(args)
    start_text = (args.get("start") or "0").strip()
    start = min(int(start_text), COUNT_CAP) if start_text.isdigit() else 0
    context: dict = {
        "q": query,
        "filters": filters,
        "choices": await _choices(db),
        "figure_rows": FIGURE_ROWS,
        "examples": EXAMPLES,
        "views": [{"name": v.name, "description": v.description, "url": table_url(v.name)} for v in VIEW_LIST],
        "figures": [],
        "sections": [],
        "section_count": 0,
        "titles": [],
        "alternatives": [],
        "interrupted": [],
        "without_filters": _page_url(base, query, Filters()) if filters.any() else None,
    }
    if not query:
        return context
    if len(query_alternatives(query)) > 1:
        context["alternatives"] = query_alternatives(query)
    searchable = bool(query_terms(query))
    for figure in figures_named(query):
        try:
            context["figures"].append(await _figure(db, figure, filters, table_url))
        except QueryInterrupted:
            context["interrupted"].append(figure.title)
    if searchable:
        try:
            context["titles"] = await _titles(db, query, filters)
            context["sections"], context["section_count"] = await _sections(db, query, filters, start)
        except QueryInterrupted:
            context["interrupted"].append("正文检索")
    shown = start + len(context["sections"])
    context.update(
        start=start,
        section_count_text=_count_text(context["section_count"]),
        next_url=_page_url(base, query, filters, shown) if shown < min(context["section_count"], COUNT_CAP) else None,
        previous_url=_page_url(base, query, filters, max(0, start - PAGE_SIZE)) if start else None,
        nothing=not (context["figures"] or context["sections"] or context["titles"]),
        searchable=searchable,
    )
    return context

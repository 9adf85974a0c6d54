"""The refusal stories on the site: rates per year for the trend chart, an office's ranks, the
ranking of a county's offices, a report's rate and ranks (read from ``refusal_rates`` and
``refusal_summary``, which publishing keeps current: archive/publish/refusals.py).

Rates, not sums: a year's rate is Σ不予公开 ÷ Σ办理结果总计 over the reports that have a rate, so
it does not grow with the number of reports archived; the number of reports it rests on is given.
"""

from __future__ import annotations

from archive.datasette.chart import Series, trend_svg
from archive.publish.views import LEVEL_LABELS

RATE_SERIES = (("refusal_rate", "不予公开率"), ("unavailable_rate", "无法提供率"), ("not_processed_rate", "不予处理率"))
_SUMS = "sum(reports) AS reports, sum(handled) AS handled, sum(denied) AS denied, sum(unavailable) AS unavailable, sum(not_processed) AS not_processed"


def _pct(part, whole) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


async def _yearly(db, organ: str | None, county: str | None, province: str | None) -> tuple[str, list[dict]]:
    """(whose rates, one row per year: reports, sums and — for one summary row — the median)."""
    if organ:
        sql = (
            "SELECT year, count(*) AS reports, sum(handled) AS handled, sum(denied) AS denied, "
            "sum(unavailable) AS unavailable, sum(not_processed) AS not_processed, NULL AS median "
            "FROM refusal_rates WHERE organ = ? AND refusal_rate IS NOT NULL GROUP BY year ORDER BY year"
        )
        return organ, [dict(r) for r in (await db.execute(sql, [organ])).rows]
    if county:
        where, params, subject = "scope = 'county' AND county = ?", [county], county
        if province:
            where, params, subject = where + " AND province = ?", [county, province], f"{province}{county}"
    elif province:
        where, params, subject = "scope = 'province' AND province = ?", [province], province
    else:
        where, params, subject = "scope = 'country'", [], "全国"
    sql = (
        f"SELECT year, {_SUMS}, CASE WHEN count(*) = 1 THEN max(median_refusal_rate) END AS median "
        f"FROM refusal_summary WHERE {where} GROUP BY year ORDER BY year"
    )
    return subject, [dict(r) for r in (await db.execute(sql, params)).rows]


async def rate_chart(db, organ: str | None = None, county: str | None = None, province: str | None = None) -> dict:
    """The refusal, unavailable and not-processed rates per year (%) of an organ, a county, a
    province or the country, as points and an SVG bar chart."""
    subject, rows = await _yearly(db, organ, county, province)
    points = []
    for r in rows:
        point = {"year": int(r["year"]), "reports": r["reports"], "handled": r["handled"], "denied": r["denied"]}
        for key, _name in RATE_SERIES:
            part = {"refusal_rate": "denied", "unavailable_rate": "unavailable", "not_processed_rate": "not_processed"}
            point[key] = _pct(r[part[key]], r["handled"])
        point["median_refusal_rate"] = None if r["median"] is None else round(100.0 * r["median"], 1)
        points.append(point)
    years = [p["year"] for p in points]
    series = [Series(name, {p["year"]: p[key] for p in points}) for key, name in RATE_SERIES]
    title = f"{subject}：不予公开率、无法提供率、不予处理率（%，以办理结果总计为分母）"
    svg = trend_svg(years, series, title, unit="%", css_class="nianbao-rate-chart")
    return {"rate_subject": subject, "rate_title": title, "rate_points": points, "rate_svg": svg}


async def county_ranking(db, county: str, province: str | None = None, year: int | None = None) -> dict:
    """The offices of a county ranked by refusal rate in ``year`` (the latest year with rates)."""
    where, params = "county = ?", [county]
    if province:
        where, params = where + " AND province = ?", [county, province]
    if year is None:
        row = (
            await db.execute(f"SELECT max(year) FROM refusal_rates WHERE {where} AND refusal_rate IS NOT NULL", params)
        ).rows
        year = row[0][0] if row else None
    if year is None:
        return {"ranking_year": None, "ranking": []}
    sql = (
        "SELECT report_id, organ, level, handled, denied, refusal_rate, county_rank, county_offices, "
        f"province_rank, province_offices FROM refusal_rates WHERE {where} AND year = ? "
        "AND refusal_rate IS NOT NULL ORDER BY county_rank, report_id"
    )
    ranking = []
    for r in (await db.execute(sql, [*params, year])).rows:
        item = dict(r)
        item["percent"] = round(100.0 * item["refusal_rate"], 1)
        item["level_label"] = LEVEL_LABELS.get(item["level"] or "", item["level"] or "")
        ranking.append(item)
    return {"ranking_year": year, "ranking": ranking}


async def organ_ranks(db, organ: str) -> list[dict]:
    """An organ's rate and ranks (in its county, its province) per year and report."""
    sql = (
        "SELECT report_id, year, county, province, handled, denied, refusal_rate, county_rank, county_offices, "
        "province_rank, province_offices FROM refusal_rates WHERE organ = ? AND refusal_rate IS NOT NULL "
        "ORDER BY year, report_id"
    )
    out = []
    for r in (await db.execute(sql, [organ])).rows:
        item = dict(r)
        item["percent"] = round(100.0 * item["refusal_rate"], 1)
        out.append(item)
    return out


async def report_refusals(db, report_id: int) -> dict | None:
    """A report's refusal rate and ranks (None when it has no table 三)."""
    rows = (await db.execute("SELECT * FROM refusal_rates WHERE report_id = ?", [report_id])).rows
    if not rows:
        return None
    item = dict(rows[0])
    for key, _name in RATE_SERIES:
        item[key.replace("_rate", "_percent")] = None if item[key] is None else round(100.0 * item[key], 1)
    return item


async def places(db) -> dict:
    """Provinces with rates (for the chart form)."""
    sql = "SELECT DISTINCT province FROM refusal_summary WHERE scope = 'province' AND province != '' ORDER BY province"
    return {"provinces": [r[0] for r in (await db.execute(sql)).rows]}

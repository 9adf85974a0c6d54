"""Data of the coverage pages: the national table (``/DB/-/coverage``) and one province
(``/DB/-/coverage/CODE``), read from the summary table ``coverage_divisions`` built at publish time."""

from __future__ import annotations

from archive.publish.coverage import STATUS_LABELS

STATUS_MARKS = {"published": "✓", "not_published": "✗", "not_crawled": "?", "no_portal": "·", "not_due": "…"}
_PROVINCE_SQL = """SELECT code, name, year, status, portal, portal_status, government_reports, department_reports,
  town_reports, all_reports, counties, counties_published, towns, towns_reporting
FROM coverage_divisions WHERE level = 'province' ORDER BY code, year"""


def _rate(part: int | None, whole: int | None) -> float | None:
    return round(100.0 * part / whole, 2) if part is not None and whole else None


async def _meta(db) -> dict:
    """When the summary was built and from which register sources (``coverage_info``)."""
    rows = (await db.execute("SELECT built, register FROM coverage_info")).rows
    built, register = (rows[0]["built"], rows[0]["register"]) if rows else (None, None)
    return {"built": built, "sources": register or "（未载入区划名录）"}


def _summary(row: dict) -> dict:
    out = dict(row)
    out["status_label"] = STATUS_LABELS.get(row["status"], row["status"])
    out["counties_rate"] = _rate(row["counties_published"], row["counties"])
    out["towns_rate"] = _rate(row["towns_reporting"], row["towns"])
    return out


async def national_context(db) -> dict:
    """Every province and year: county-level governments and towns that published, of those existing."""
    rows = [_summary(dict(r)) for r in (await db.execute(_PROVINCE_SQL)).rows]
    years = sorted({r["year"] for r in rows})
    provinces: dict[str, dict] = {}
    for r in rows:
        entry = provinces.setdefault(r["code"], {"code": r["code"], "name": r["name"], "years": {}})
        entry["years"][r["year"]] = r
    return {"years": years, "provinces": list(provinces.values()), **(await _meta(db))}


async def province_context(db, code: str) -> dict | None:
    """One province: its summary per year and every prefecture and county-level unit per year."""
    rows = [
        dict(r)
        for r in (
            await db.execute("SELECT * FROM coverage_divisions WHERE province_code = ? ORDER BY code, year", [code])
        ).rows
    ]
    summary = [_summary(r) for r in rows if r["level"] == "province"]
    if not summary:
        return None
    years = sorted({r["year"] for r in rows})
    divisions: dict[str, dict] = {}
    for r in rows:
        if r["level"] == "province":
            continue
        entry = divisions.setdefault(
            r["code"], {"code": r["code"], "name": r["name"], "level": r["level"], "kind": r["kind"],
                        "city": r["city"], "portal": r["portal"], "years": {}},
        )  # fmt: skip
        entry["name"] = r["name"]  # the latest year's name
        entry["portal"] = r["portal"] or entry["portal"]
        r["status_label"] = STATUS_LABELS.get(r["status"], r["status"])
        r["mark"] = STATUS_MARKS.get(r["status"], "")
        entry["years"][r["year"]] = r
    return {
        "code": code,
        "name": summary[-1]["name"],
        "years": years,
        "summary": summary,
        "divisions": list(divisions.values()),
        "marks": [(STATUS_MARKS[k], v) for k, v in STATUS_LABELS.items()],
        **(await _meta(db)),
    }

"""The about page (``/{database}/-/about``: what is archived and how, coverage and its limits,
what each check means, how to cite, the licence) and the citation line of every report page.

Figures come from the archive itself (reports, offices, counties, years, crawls, checks), so the
page says what *this* archive holds; publishing counts them (:mod:`archive.publish.summary`).
The rules are those of :data:`archive.publish.rules.RULES`;
their full explanation is the rules page ``/{database}/-/rules`` (linked, not repeated here).
"""

from __future__ import annotations

from archive.datasette.metadata import LICENSE, LICENSE_URL, SOURCE
from archive.publish.summary import read_summary

RULES_PATH = "/-/rules"


def _date(timestamp: str | None) -> str:
    return (timestamp or "")[:10]


def citation(report: dict, snapshot_url: str | None) -> dict:
    """How to cite one report version: ``zh`` (GB/T 7714 电子资源 [EB/OL] style) and ``en``.

    Office, title, year covered, the portal's URL and date, when nianbao archived it, and the
    nianbao snapshot URL (the archived bytes, which stay citable when the portal changes).
    """
    organ = report.get("organ") or report.get("portal_name") or "（发布机关不详）"
    title = report.get("title") or report.get("url") or "（无标题）"
    year = report.get("year")
    published = report.get("published")
    archived = _date(report.get("fetched"))
    url = report.get("url") or ""
    year_zh = f"（{year}年度）" if year else ""
    when = f"({published})" if published else ""
    zh = f"{organ}. {title}{year_zh}[EB/OL]. {when}[存档于 {archived}]. {url}."
    if snapshot_url:
        zh += f" nianbao 年报档案存档快照：{snapshot_url}."
    year_en = f" (annual report for {year})" if year else ""
    published_en = f", published {published}" if published else ""
    en = f"{organ}. “{title}”{year_en}{published_en}. {url}. Archived by nianbao on {archived}"
    en += f": {snapshot_url}." if snapshot_url else "."
    return {"zh": zh, "en": en}


async def about_context(db) -> dict:
    """Everything the about page shows (a Datasette database)."""

    context = await db.execute_fn(read_summary)
    example = (
        await db.execute(
            "SELECT r.*, p.name AS portal_name FROM reports r LEFT JOIN portals p ON p.id = r.portal "
            "WHERE r.is_current = 1 ORDER BY r.year DESC, r.id LIMIT 1"
        )
    ).first()
    context.update(
        example=dict(example) if example is not None else None,
        source=SOURCE,
        license=LICENSE,
        license_url=LICENSE_URL,
        rules_path=RULES_PATH,
    )
    return context

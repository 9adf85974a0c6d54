"""The about page (``/{database}/-/about``: what is archived and how, coverage and its limits,
what each check means, how to cite, the licence) and the citation line of every report page.

Figures come from the archive itself (reports, offices, counties, years, crawls, checks), so the
page says what *this* archive holds.  The rules are those of :data:`archive.publish.views.RULES`;
their full explanation is the rules page ``/{database}/-/rules`` (linked, not repeated here).
"""

from __future__ import annotations

from archive.datasette.metadata import LICENSE, LICENSE_URL, SOURCE
from archive.publish.views import LEVEL_LABELS, RULES

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


def _one(conn, sql: str, args: tuple = ()):
    row = conn.execute(sql, args).fetchone()
    return row[0] if row is not None else None


def _has(conn, table: str) -> bool:
    return _one(conn, "SELECT count(*) FROM sqlite_master WHERE name = ?", (table,)) == 1


def archive_figures(conn) -> dict:
    """What this archive holds, in figures (a sqlite3 connection; read-only queries)."""
    one = lambda sql, *args: _one(conn, sql, args)
    figures = {
        "reports": one("SELECT count(*) FROM reports WHERE is_current = 1"),
        "versions": one("SELECT count(*) FROM reports"),
        "corrected": one("SELECT count(DISTINCT doc_key) FROM reports WHERE version > 1"),
        "with_cells": one("SELECT count(*) FROM reports WHERE is_current = 1 AND cell_count > 0"),
        "cells": one("SELECT count(*) FROM cells"),
        "offices": one("SELECT count(DISTINCT organ) FROM reports WHERE is_current = 1 AND organ IS NOT NULL"),
        "portals": one("SELECT count(*) FROM portals"),
        "counties": one("SELECT count(DISTINCT coalesce(code, id)) FROM portals"),
        "provinces": one("SELECT count(DISTINCT province) FROM portals WHERE province IS NOT NULL"),
        "first_year": one("SELECT min(year) FROM reports WHERE is_current = 1"),
        "last_year": one("SELECT max(year) FROM reports WHERE is_current = 1"),
        "no_year": one("SELECT count(*) FROM reports WHERE is_current = 1 AND year IS NULL"),
        "snapshots": one("SELECT count(*) FROM snapshots"),
        "fetch_errors": one("SELECT count(*) FROM fetch_errors"),
        "removed": one("SELECT count(*) FROM reports WHERE is_current = 1 AND removed_at IS NOT NULL"),
        "first_crawl": _date(one("SELECT min(started) FROM crawl_runs")),
        "last_crawl": _date(one("SELECT max(coalesce(ended, started)) FROM crawl_runs")),
        "runs": one("SELECT count(*) FROM crawl_runs"),
    }
    levels = conn.execute(
        "SELECT coalesce(level, ''), count(*) FROM reports WHERE is_current = 1 GROUP BY 1 ORDER BY 2 DESC"
    ).fetchall()
    figures["levels"] = [{"label": LEVEL_LABELS.get(k, k or "未识别"), "reports": n} for k, n in levels]
    carriers = conn.execute(
        "SELECT coalesce(carrier, ''), count(*) FROM reports WHERE is_current = 1 GROUP BY 1 ORDER BY 2 DESC"
    ).fetchall()
    figures["carriers"] = [{"carrier": k or "—", "reports": n} for k, n in carriers]
    figures["portals_empty"] = (
        one(
            "SELECT count(DISTINCT portal) FROM crawl_portal_stats WHERE empty_reason IS NOT NULL "
            "AND portal NOT IN (SELECT DISTINCT portal FROM reports WHERE portal IS NOT NULL)"
        )
        if _has(conn, "crawl_portal_stats")
        else 0
    )
    return figures


def check_figures(conn) -> list[dict]:
    """Each rule: its meaning and, for the rules this archive computes, how many current reports
    pass, fail or cannot be checked."""
    counts = {
        rule: (reports, failed, open_)
        for rule, reports, failed, open_ in conn.execute(
            """SELECT c.rule, count(DISTINCT c.report_id),
                count(DISTINCT CASE WHEN c.ok = 0 THEN c.report_id END),
                count(DISTINCT CASE WHEN c.ok IS NULL THEN c.report_id END)
            FROM checks c JOIN reports r ON r.id = c.report_id WHERE r.is_current = 1 GROUP BY c.rule"""
        ).fetchall()
    }
    out = []
    for rule in RULES:
        reports, failed, open_ = counts.get(rule.rule, (0, 0, 0))
        out.append({"rule": rule.rule, "zh": rule.zh, "en": rule.en, "status": rule.status,
                    "computed": rule.rule in counts, "reports": reports, "failed": failed, "open": open_})  # fmt: skip
    return out


async def about_context(db) -> dict:
    """Everything the about page shows (a Datasette database)."""

    def read(conn) -> dict:
        return {"figures": archive_figures(conn), "checks": check_figures(conn)}

    context = await db.execute_fn(read)
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

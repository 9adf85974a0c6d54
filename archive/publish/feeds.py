"""What the archive's Atom feeds list: new reports, corrected reports, failed checks — for the
whole archive, one county or one office (the plugin renders them: ``archive/datasette/feeds.py``).

* ``reports``: every report the archive found (first versions), newest archived first;
* ``corrections``: every new version of a report (the portal changed a published report), with
  what changed (``report_changes``);
* ``checks``: current reports with failed checks (``checks.ok = 0``), the rules and figures.

A county is named as the views name it (``portals.county``, e.g. 城步苗族自治县) or by its
6-digit division code (``portals.code``); an office by ``reports.organ``.  Entry ids are
``urn:nianbao:{kind}:{digest of doc_key}:v{version}``: stable across rebuilds and hosts.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass, field

from archive.publish.summary import read_summary
from archive.publish.views import LEVEL_LABELS, RULE_TEXT

FEED_KINDS = {
    "reports": ("新发布的年度报告", "New reports"),
    "corrections": ("发布后修改的报告（新版本）", "Corrected reports (new versions)"),
    "checks": ("未通过勾稽校验的报告", "Reports failing consistency checks"),
}
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
CHANGE_PLACES = {"page": "网页", "attachment": "附件", "both": "网页和附件", "content": "提取内容"}
_CODE_RE = re.compile(r"^\d{6}$")


class FeedError(ValueError):
    """A feed that does not exist (unknown kind)."""


@dataclass
class FeedEntry:
    """One entry of a feed, about one report version."""

    id: str
    report_id: int
    title: str
    updated: str  # UTC timestamp YYYY-MM-DDTHH:MM:SSZ (when the archive fetched it)
    published: str | None  # the date the portal shows (YYYY-MM-DD)
    organ: str | None
    county: str | None
    year: int | None
    url: str
    summary: str
    categories: list[str] = field(default_factory=list)


@dataclass
class FeedScope:
    """Which reports a feed follows: all, one county, one office (or one office of one county)."""

    county: str | None = None
    organ: str | None = None

    def label(self) -> str:
        return " · ".join(x for x in (self.county, self.organ) if x) or "全部"

    def where(self) -> tuple[str, list]:
        clauses, args = [], []
        if self.county:  # the county's portals first: the reports then come by (portal, fetched)
            column = "code" if _CODE_RE.match(self.county) else "county"
            clauses.append(f"r.portal IN (SELECT id FROM portals WHERE {column} = ?)")
            args.append(self.county)
        if self.organ:
            clauses.append("r.organ = ?")
            args.append(self.organ)
        return "".join(f" AND {c}" for c in clauses), args


def _rows(conn: sqlite3.Connection, sql: str, args: tuple | list = ()) -> list[sqlite3.Row]:
    """Rows by column name, without touching the connection's own row factory (Datasette's)."""
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor.execute(sql, tuple(args)).fetchall()


def entry_id(kind: str, doc_key: str | None, version: int | None, report_id: int) -> str:
    """A feed entry's permanent id (a URN of the report's identity and version)."""
    ident = hashlib.sha256((doc_key or f"report:{report_id}").encode("utf-8")).hexdigest()[:32]
    return f"urn:nianbao:{kind}:{ident}:v{version or 1}"


_SELECT = """SELECT r.id, r.doc_key, r.version, r.title, r.organ, r.year, r.url, r.fetched, r.published,
    coalesce(r.level, p.level) AS level, p.province, p.city, p.county"""
_FROM = "FROM reports r LEFT JOIN portals p ON p.id = r.portal"


def _categories(row: sqlite3.Row) -> list[str]:
    level = LEVEL_LABELS.get(row["level"] or "", row["level"])
    return [c for c in (row["province"], row["city"], row["county"], level, row["year"] and f"{row['year']}年度") if c]


def _entry(kind: str, row: sqlite3.Row, title: str, summary: str) -> FeedEntry:
    return FeedEntry(
        id=entry_id(kind, row["doc_key"], row["version"], row["id"]),
        report_id=row["id"],
        title=title,
        updated=row["fetched"] or "",
        published=row["published"],
        organ=row["organ"],
        county=row["county"],
        year=row["year"],
        url=row["url"],
        summary=summary,
        categories=_categories(row),
    )


def _where_of(row: sqlite3.Row) -> str:
    return "".join(x for x in (row["province"], row["city"], row["county"]) if x)


def _new_reports(conn: sqlite3.Connection, scope: FeedScope, limit: int) -> list[FeedEntry]:
    where, args = scope.where()
    rows = _rows(conn, f"{_SELECT} {_FROM} WHERE r.version = 1{where} ORDER BY r.fetched DESC, r.id DESC LIMIT ?",
                 (*args, limit))  # fmt: skip
    out = []
    for row in rows:
        summary = (
            f"{row['organ'] or '（未识别机关）'}发布的{row['year'] or '（年度未知）'}年度报告"
            f"{'（' + _where_of(row) + '）' if _where_of(row) else ''}，"
            f"门户发布日期 {row['published'] or '未知'}，存档于 {row['fetched']}。原文：{row['url']}"
        )
        out.append(_entry("report", row, row["title"] or row["url"], summary))
    return out


def _corrections(conn: sqlite3.Connection, scope: FeedScope, limit: int) -> list[FeedEntry]:
    where, args = scope.where()
    rows = _rows(
        conn,
        f"""{_SELECT}, c.kind AS change_kind, c.cells_changed, c.cells_added, c.cells_removed,
            c.sections_changed, c.detected, c.previous_id
        {_FROM} LEFT JOIN report_changes c ON c.report_id = r.id
        WHERE r.version > 1{where} ORDER BY r.fetched DESC, r.id DESC LIMIT ?""",
        (*args, limit),
    )
    out = []
    for row in rows:
        if row["change_kind"] is not None:
            change = (
                f"修改位置：{CHANGE_PLACES.get(row['change_kind'], row['change_kind'])}；改动单元格 {row['cells_changed']} 个，"
                f"新增 {row['cells_added']} 个，删除 {row['cells_removed']} 个，改动章节 {row['sections_changed']} 个。"
            )
        else:
            change = "与上一版本的差异未记录。"
        summary = (
            f"{row['organ'] or '（未识别机关）'}的{row['year'] or '（年度未知）'}年度报告发布后被修改，"
            f"存档于 {row['fetched']} 发现第 {row['version']} 版。{change}原文：{row['url']}"
        )
        title = f"更正（第{row['version']}版）：{row['title'] or row['url']}"
        out.append(_entry("correction", row, title, summary))
    return out


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _failure(check: sqlite3.Row) -> str:
    """One failed check in words: the rule, the column, expected and actual (or why)."""
    head = f"{check['rule']}（{RULE_TEXT.get(check['rule'], check['rule'])}）{check['column'] or ''}"
    if isinstance(check["expected"], (int, float)):
        return f"{head}：应为 {_fmt(check['expected'])}，实际 {_fmt(check['actual'])}"
    return f"{head}：{check['detail'] or check['expected'] or ''}（实际 {_fmt(check['actual'])}）"


def _failed_checks(conn: sqlite3.Connection, scope: FeedScope, limit: int) -> list[FeedEntry]:
    where, args = scope.where()
    rows = _rows(
        conn,
        f"""{_SELECT} {_FROM}
        WHERE +r.is_current = 1 AND EXISTS (SELECT 1 FROM checks c WHERE c.report_id = r.id AND c.ok = 0){where}
        ORDER BY r.fetched DESC, r.id DESC LIMIT ?""",
        (*args, limit),
    )
    out = []
    for row in rows:
        failed = _rows(
            conn,
            'SELECT rule, "column", expected, actual, detail FROM checks WHERE report_id = ? AND ok = 0 '
            "ORDER BY rule, id",
            (row["id"],),
        )
        rules = sorted({f["rule"] for f in failed})
        details = "；".join(_failure(f) for f in failed[:10])
        more = f"；另有 {len(failed) - 10} 项" if len(failed) > 10 else ""
        summary = f"{len(failed)} 项校验未通过：{details}{more}。"
        title = f"校验未通过（{'、'.join(rules)}）：{row['title'] or row['url']}"
        out.append(_entry("checks", row, title, summary))
    return out


def feed_entries(
    conn: sqlite3.Connection, kind: str, scope: FeedScope | None = None, limit: int = DEFAULT_LIMIT
) -> list[FeedEntry]:
    """The entries of feed ``kind`` (one of :data:`FEED_KINDS`) in ``scope``, newest first."""
    scope = scope or FeedScope()
    limit = max(1, min(int(limit), MAX_LIMIT))
    if kind == "reports":
        return _new_reports(conn, scope, limit)
    if kind == "corrections":
        return _corrections(conn, scope, limit)
    if kind == "checks":
        return _failed_checks(conn, scope, limit)
    raise FeedError(f"no such feed: {kind!r} (one of {', '.join(FEED_KINDS)})")


def last_change(conn: sqlite3.Connection) -> str:
    """When the archive last changed (its newest report or crawl), for a feed without entries."""
    row = conn.execute(
        "SELECT max(t) FROM (SELECT max(fetched) AS t FROM reports UNION ALL SELECT max(ended) FROM crawl_runs)"
    ).fetchone()
    return row[0] if row and row[0] else "1970-01-01T00:00:00Z"


def followable(conn: sqlite3.Connection, county: str | None = None) -> list[dict]:
    """The counties of the archive (from the publish-time summary), or only ``county`` (a name or
    code) with its offices and their current reports, for the page of feeds."""
    counties = read_summary(conn, ("counties",))["counties"]
    if not county:
        return counties
    chosen = [c for c in counties if county in (c["county"], c["code"])]
    for c in chosen:
        column, value = ("code", c["code"]) if c["code"] else ("county", c["county"])
        offices = _rows(
            conn,
            f"""SELECT r.organ, count(*) AS reports FROM reports r
            WHERE r.portal IN (SELECT id FROM portals WHERE {column} = ?) AND +r.is_current = 1 AND r.organ IS NOT NULL
            GROUP BY r.organ ORDER BY count(*) DESC, r.organ""",
            (value,),
        )
        c["offices"] = [{"organ": o["organ"], "reports": o["reports"]} for o in offices]
    return chosen

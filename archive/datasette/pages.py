"""Data of the plugin's pages: report, cell provenance, snapshot, trend chart.

Each function takes a Datasette :class:`~datasette.database.Database` and returns the template
context (plain dicts and lists), or None when the row does not exist.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from archive.datasette import refusal_pages
from archive.datasette.chart import Series, trend_svg
from archive.datasette.snapshots import is_inline, mime_of
from archive.publish.rules import CHECK_STATUS, OK_LABELS, RULE_TEXT, RULES, STATUS_MEANINGS
from archive.publish.views import (
    ACTIVE_COL_LABELS,
    ACTIVE_ROW_LABELS,
    APPLICATION_ROW_NAMES,
    CHECK_COLUMN_LABELS,
    DENIED_ROWS,
    LEVEL_LABELS,
    TABLE_LABELS,
)
from extract.schema import (
    ACTIVE_SUBTABLES,
    APPLICANT_COLUMNS,
    APPLICATION_GROUPS,
    APPLICATION_LEVEL1,
    APPLICATION_ROWS,
    REVIEW_COLUMNS,
    REVIEW_ROWS,
)

LEGACY_RECEIVED_ROW = "受理依申请公开信息总数"


def fmt_value(value) -> str:
    """A cell value as a person reads it (integers without ``.0``, empty for null)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _dict(row) -> dict | None:
    return dict(row) if row is not None else None


# ----------------------------------------------------------------------------- report


@dataclass
class GridRow:
    key: str
    label: str
    cells: list[dict | None] = field(default_factory=list)
    failed: bool = False
    depth: int = 0  # indentation under the form's parent rows
    heading: bool = False  # a parent row of the printed form (三、本年度办理结果, （三）不予公开 …): no cells


@dataclass
class Grid:
    table: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[GridRow] = field(default_factory=list)
    failed_columns: set[str] = field(default_factory=set)


def _template_of(template: str | None, rows: set[str]) -> str:
    if template in ("2019", "2021"):
        return template
    if rows & {"other_no_correction", "other_no_fee", "other_misc"}:
        return "2021"
    return "2019"


def _with_parent_rows(g: Grid, template: str) -> None:
    """Table 三 as printed: 三、本年度办理结果 above its rows, and （三）不予公开, （四）无法提供,
    （五）不予处理, (2021) （六）其他处理 above their numbered rows 1., 2. …, which are indented."""
    official = {r.key: r for r in APPLICATION_ROWS[template]}
    ordinals = {name: ordinal for ordinal, name in APPLICATION_GROUPS.items()}
    rows: list[GridRow] = []
    level1: str | None = None
    group: str | None = None
    for gr in g.rows:
        row = official.get(gr.key)
        if row is not None and row.level1 and row.level1 != level1:
            rows.append(GridRow(f"level1:{row.level1}", f"{row.level1}、{APPLICATION_LEVEL1}", heading=True))
        if row is not None and row.group and row.group != group:
            rows.append(GridRow(f"group:{row.group}", ordinals[row.group] + row.group, depth=1, heading=True))
        level1 = row.level1 if row is not None else None
        group = row.group if row is not None else None
        gr.depth = (1 if row.level1 else 0) + (1 if row.group else 0) if row is not None else 0
        rows.append(gr)
    g.rows = rows


def build_grids(template: str | None, cells: list[dict], checks: list[dict]) -> tuple[list[Grid], list[dict]]:
    """Lay the cells of a report out as its printed tables; returns (grids, cells left over)."""
    by_key = {(c["table_name"], c["row"], c["col"]): c for c in cells}
    used: set[int] = set()
    failed = [c for c in checks if not c["ok"]]
    grids: list[Grid] = []

    def grid(table: str, title: str, rows: list[tuple[str, str]], cols: list[tuple[str, str]]) -> Grid:
        g = Grid(table, title, cols)
        extra = sorted({r for (t, r, _c) in by_key if t == table and r.startswith("extra:")})
        for key, label in [*rows, *((k, k.split(":", 1)[1]) for k in extra)]:
            gr = GridRow(key, label)
            for col, _ in cols:
                cell = by_key.get((table, key, col))
                if cell is not None:
                    used.add(cell["id"])
                gr.cells.append(cell)
            if any(c is not None for c in gr.cells):
                g.rows.append(gr)
        return g

    rows_present = {r for (t, r, _c) in by_key}
    tpl = _template_of(template, rows_present)
    tables_present = {t for (t, _r, _c) in by_key}
    if "active_disclosure" in tables_present:
        for st in ACTIVE_SUBTABLES[tpl]:
            g = grid(
                "active_disclosure",
                f"{TABLE_LABELS['active_disclosure']} · {st.caption}",
                list(st.rows),
                list(st.columns),
            )
            if g.rows:
                grids.append(g)
    if "applications" in tables_present:
        rows = [(r.key, (r.ordinal or "") + r.label) for r in APPLICATION_ROWS[tpl]]
        g = grid("applications", TABLE_LABELS["applications"], rows, list(APPLICANT_COLUMNS))
        _with_parent_rows(g, tpl)
        for chk in failed:
            if chk["rule"] in ("R1", "R3"):
                g.failed_columns.add(chk["column"])
            elif chk["rule"] == "R2":
                for gr in g.rows:
                    if gr.key == chk["column"]:
                        gr.failed = True
        grids.append(g)
    if "review_litigation" in tables_present:
        g = grid("review_litigation", TABLE_LABELS["review_litigation"], list(REVIEW_ROWS), list(REVIEW_COLUMNS))
        for gr in g.rows:
            gr.failed = any(chk["rule"] == "R4" and chk["column"] == gr.key for chk in failed)
        grids.append(g)
    if "legacy_indicators" in tables_present:
        keys: list[str] = []
        for c in cells:
            if c["table_name"] == "legacy_indicators" and c["row"] not in keys:
                keys.append(c["row"])
        g = grid(
            "legacy_indicators",
            TABLE_LABELS["legacy_indicators"],
            [(k, k) for k in keys],
            [("value", "本期"), ("cumulative", "累计")],
        )
        grids.append(g)
    leftover = [c for c in cells if c["id"] not in used]
    return grids, leftover


def check_outcome(checks: list[dict]) -> str:
    """A report's 校验结果 in the site's one vocabulary (archive.publish.rules)."""
    if any(c["ok"] == 0 for c in checks):
        return CHECK_STATUS["fail"]
    if any(c["ok"] is None for c in checks):
        return CHECK_STATUS["open"]
    return CHECK_STATUS["pass"] if checks else CHECK_STATUS["none"]


async def section_copies(db, report_id: int) -> dict[int, list[dict]]:
    """Section id → the sections of other reports it nearly repeats (both directions of ``section_copies``)."""
    sql = """SELECT sc.section_id AS own, sc.other_section_id AS other_section, sc.other_report_id AS other_report,
  sc.similarity, sc.shared_chars, sc.same_office, r.organ, r.year, r.title
FROM section_copies sc JOIN reports r ON r.id = sc.other_report_id
WHERE sc.report_id = ? AND r.is_current = 1
UNION ALL
SELECT sc.other_section_id, sc.section_id, sc.report_id, sc.similarity, sc.shared_chars, sc.same_office,
  r.organ, r.year, r.title
FROM section_copies sc JOIN reports r ON r.id = sc.report_id
WHERE sc.other_report_id = ? AND r.is_current = 1
ORDER BY similarity DESC"""
    out: dict[int, list[dict]] = {}
    for row in (await db.execute(sql, [report_id, report_id])).rows:
        item = dict(row)
        item["percent"] = round(100 * item["similarity"], 1)
        out.setdefault(item["own"], []).append(item)
    return out


async def rules_context(db) -> dict:
    """The rules page: every rule R1–R9 and the four words of a check's result."""
    return {
        "rules": [dataclasses.asdict(r) for r in RULES],
        "statuses": [{"key": k, "label": CHECK_STATUS[k], "meaning": STATUS_MEANINGS[k]} for k in CHECK_STATUS],
        "failed_view": "校验未通过",
        "rule_column": "规则",
    }


async def report_context(db, report_id: int) -> dict | None:
    """Everything the report page shows."""
    report = _dict(
        (
            await db.execute(
                "SELECT r.*, p.name AS portal_name, p.province, p.city, p.county, p.level AS portal_level "
                "FROM reports r LEFT JOIN portals p ON p.id = r.portal WHERE r.id = ?",
                [report_id],
            )
        ).first()
    )
    if report is None:
        return None
    cells = [
        dict(r) for r in (await db.execute("SELECT * FROM cells WHERE report_id = ? ORDER BY id", [report_id])).rows
    ]
    checks = [
        dict(r) for r in (await db.execute("SELECT * FROM checks WHERE report_id = ? ORDER BY id", [report_id])).rows
    ]
    sections = [
        dict(r)
        for r in (await db.execute("SELECT * FROM sections WHERE report_id = ? ORDER BY number, id", [report_id])).rows
    ]
    attachments = [
        dict(r)
        for r in (await db.execute("SELECT * FROM attachments WHERE report_id = ? ORDER BY id", [report_id])).rows
    ]
    warnings = [
        r[0]
        for r in (await db.execute("SELECT message FROM warnings WHERE report_id = ? ORDER BY id", [report_id])).rows
    ]
    urls = [
        dict(r)
        for r in (await db.execute("SELECT * FROM report_urls WHERE report_id = ? ORDER BY url", [report_id])).rows
    ]
    versions = (
        [
            dict(r)
            for r in (
                await db.execute(
                    "SELECT id, version, is_current, fetched, edited FROM reports WHERE doc_key = ? ORDER BY version",
                    [report["doc_key"]],
                )
            ).rows
        ]
        if report.get("doc_key")
        else []
    )
    change = _dict(
        (
            await db.execute("SELECT * FROM report_changes WHERE report_id = ? ORDER BY id DESC LIMIT 1", [report_id])
        ).first()
    )
    cell_changes = (
        [
            dict(r)
            for r in (
                await db.execute("SELECT * FROM cell_changes WHERE change_id = ? ORDER BY id", [change["id"]])
            ).rows
        ]
        if change
        else []
    )
    for c in checks:
        c["rule_text"] = RULE_TEXT.get(c["rule"], "")
        c["column_label"] = CHECK_COLUMN_LABELS.get(c["column"] or "", c["column"] or "")
        c["status"] = OK_LABELS.get(c["ok"], OK_LABELS[None])
        try:
            c["difference"] = (
                fmt_value(c["actual"] - c["expected"]) if c["actual"] is not None and c["expected"] is not None else ""
            )
        except TypeError:
            c["difference"] = ""
    for c in cells:
        c["display"] = fmt_value(c["value"])
    grids, leftover = build_grids(report.get("template"), cells, checks)
    failed = [c for c in checks if c["ok"] == 0]  # ok NULL: not checkable, no failure
    not_checkable = [c for c in checks if c["ok"] is None]
    outcome = check_outcome(checks)
    copies = await section_copies(db, report_id)
    refusals = await refusal_pages.report_refusals(db, report_id)
    for s in sections:
        s["copies"] = copies.get(s["id"], [])
    level = report.get("level") or report.get("portal_level")
    return {
        "report": report,
        "level_label": LEVEL_LABELS.get(level or "", level or ""),
        "grids": grids,
        "leftover": leftover,
        "checks": checks,
        "failed_checks": failed,
        "open_checks": not_checkable,
        "check_outcome": outcome,
        "check_rules": sorted({c["rule"] for c in checks}),
        "copied_sections": sum(1 for s in sections if s["copies"]),
        "refusals": refusals,
        "sections": sections,
        "attachments": attachments,
        "warnings": warnings,
        "report_urls": urls,
        "versions": versions,
        "change": change,
        "cell_changes": cell_changes,
        "cell_count": len(cells),
    }


# ----------------------------------------------------------------------------- cell


def cell_labels(table: str, row: str, col: str) -> dict[str, str]:
    """Chinese labels of a cell's table, row and column keys."""
    if table == "applications":
        row_label = APPLICATION_ROW_NAMES.get(row, row)
        col_label = dict(APPLICANT_COLUMNS).get(col, col)
    elif table == "review_litigation":
        row_label = dict(REVIEW_ROWS).get(row, row)
        col_label = dict(REVIEW_COLUMNS).get(col, col)
    elif table == "active_disclosure":
        row_label = ACTIVE_ROW_LABELS.get(row, row)
        col_label = ACTIVE_COL_LABELS.get(col, col)
    else:
        row_label = row
        col_label = {"value": "本期", "cumulative": "累计"}.get(col, col)
    if row.startswith("extra:"):
        row_label = "表外新增行：" + row.split(":", 1)[1]
    return {"table": TABLE_LABELS.get(table, table), "row": row_label, "col": col_label}


async def cell_context(db, cell_id: int) -> dict | None:
    """Provenance of one cell: value, raw text, locator, report, source snapshot, related checks."""
    cell = _dict((await db.execute("SELECT * FROM cells WHERE id = ?", [cell_id])).first())
    if cell is None:
        return None
    report = _dict((await db.execute("SELECT * FROM reports WHERE id = ?", [cell["report_id"]])).first()) or {}
    snapshot_id = report.get("source_snapshot_id") or report.get("snapshot_id")
    snapshot = None
    if snapshot_id is not None:
        snapshot = _dict((await db.execute("SELECT * FROM snapshots WHERE id = ?", [snapshot_id])).first())
    checks = []
    if cell["table_name"] == "applications":
        sql = (
            "SELECT * FROM checks WHERE report_id = ? AND ((rule IN ('R1', 'R3') AND \"column\" = ?) "
            "OR (rule = 'R2' AND \"column\" = ?) OR (rule = 'R5' AND \"column\" = ? AND ? = 'carried_over')) "
            "UNION ALL SELECT * FROM checks WHERE rule = 'R5' AND compared_report_id = ? AND \"column\" = ? "
            "AND ? = 'carried_forward' ORDER BY rule"
        )
        args = [
            cell["report_id"],
            cell["col"],
            cell["row"],
            cell["col"],
            cell["row"],
            cell["report_id"],
            cell["col"],
            cell["row"],
        ]
        checks = [dict(r) for r in (await db.execute(sql, args)).rows]
    elif cell["table_name"] == "review_litigation":
        sql = "SELECT * FROM checks WHERE report_id = ? AND rule = 'R4' AND \"column\" = ?"
        checks = [dict(r) for r in (await db.execute(sql, [cell["report_id"], cell["row"]])).rows]
    for c in checks:
        c["rule_text"] = RULE_TEXT.get(c["rule"], "")
        c["status"] = OK_LABELS.get(c["ok"], OK_LABELS[None])
    return {
        "cell": cell,
        "display": fmt_value(cell["value"]),
        "labels": cell_labels(cell["table_name"], cell["row"], cell["col"]),
        "report": report,
        "snapshot": snapshot,
        "checks": checks,
    }


# ----------------------------------------------------------------------------- snapshot


async def snapshot_row(db, snapshot_id: int) -> dict | None:
    return _dict((await db.execute("SELECT * FROM snapshots WHERE id = ?", [snapshot_id])).first())


async def snapshot_context(db, snapshot_id: int) -> dict | None:
    """Metadata of a snapshot and the reports/attachments that use it."""
    snapshot = await snapshot_row(db, snapshot_id)
    if snapshot is None:
        return None
    reports = [
        dict(r)
        for r in (
            await db.execute(
                "SELECT id, title, organ, year FROM reports WHERE snapshot_id = ? OR source_snapshot_id = ? ORDER BY id",
                [snapshot_id, snapshot_id],
            )
        ).rows
    ]
    attachments = [
        dict(r)
        for r in (
            await db.execute(
                "SELECT a.id, a.report_id, a.link_text, r.title FROM attachments a JOIN reports r ON r.id = a.report_id "
                "WHERE a.snapshot_id = ? ORDER BY a.id",
                [snapshot_id],
            )
        ).rows
    ]
    return {
        "snapshot": snapshot,
        "mime": mime_of(snapshot.get("content_type")) or "application/octet-stream",
        "inline": is_inline(snapshot.get("content_type")),
        "reports": reports,
        "attachments": attachments,
    }


# ----------------------------------------------------------------------------- chart


def _chart_sql(where: str) -> str:
    denied = ", ".join(f"'{r}'" for r in DENIED_ROWS)
    return f"""SELECT r.year AS year, count(*) AS reports,
  sum((SELECT value FROM cells c WHERE c.report_id = r.id AND c.table_name = 'applications'
       AND c."row" = 'new_received' AND c.col = 'total')) AS received,
  sum((SELECT value FROM cells c WHERE c.report_id = r.id AND c.table_name = 'legacy_indicators'
       AND c."row" = '{LEGACY_RECEIVED_ROW}' AND c.col = 'value')) AS legacy_received,
  sum((SELECT sum(value) FROM cells c WHERE c.report_id = r.id AND c.table_name = 'applications'
       AND c."row" IN ({denied}) AND c.col = 'total')) AS refused
FROM reports r LEFT JOIN portals p ON p.id = r.portal
WHERE r.is_current = 1 AND r.year IS NOT NULL AND {where}
GROUP BY r.year ORDER BY r.year"""


async def chart_data(db, organ: str | None = None, county: str | None = None, province: str | None = None) -> dict:
    """Applications received and refused (不予公开) per year for an organ, a county or a province
    (sums over the reports archived: the number of reports is part of each point)."""
    if organ:
        where, params, subject = "r.organ = ?", [organ], organ
    elif county and province:
        where, params, subject = "p.county = ? AND p.province = ?", [county, province], f"{province}{county}"
    elif county:
        where, params, subject = "p.county = ?", [county], county
    elif province:
        where, params, subject = "p.province = ?", [province], province
    else:
        where, params, subject = "1", [], "全部机关"
    rows = (await db.execute(_chart_sql(where), params)).rows
    years = [int(r["year"]) for r in rows]
    received: dict[int, float | None] = {}
    refused: dict[int, float | None] = {}
    points = []
    for r in rows:
        rec = r["received"]
        if rec is None:
            rec = r["legacy_received"]
        received[int(r["year"])] = rec
        refused[int(r["year"])] = r["refused"]
        points.append({"year": int(r["year"]), "reports": r["reports"], "received": rec, "refused": r["refused"]})
    title = f"{subject}：收到申请与不予公开（件）"
    series = [Series("收到申请（本年新收）", received), Series("不予公开", refused)]
    return {"subject": subject, "title": title, "points": points, "svg": trend_svg(years, series, title)}


async def chart_options(db) -> dict:
    """Organs and counties that have current reports (for the chart form)."""
    organs = [
        r[0]
        for r in (
            await db.execute(
                "SELECT DISTINCT organ FROM reports WHERE is_current = 1 AND organ IS NOT NULL ORDER BY organ LIMIT 5000"
            )
        ).rows
    ]
    counties = [
        r[0]
        for r in (
            await db.execute(
                "SELECT DISTINCT p.county FROM reports r JOIN portals p ON p.id = r.portal "
                "WHERE r.is_current = 1 AND p.county IS NOT NULL ORDER BY p.county"
            )
        ).rows
    ]
    return {"organs": organs, "counties": counties}

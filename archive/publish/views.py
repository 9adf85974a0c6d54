"""The views a journalist opens first, as SQL views with Chinese column names.

:func:`create_views` (re)creates every view; it is idempotent and cheap, and it is re-run by
:func:`archive.publish.prepare.prepare_for_serving` after every change of the archive (the coverage view
has one column per year present in the archive).  Views show current report versions only
(``reports.is_current = 1``); the ``reports`` table keeps every version.

Province, city and county come from ``portals`` (joined on ``reports.portal``), the level from
``reports.level`` or else the portal's level.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass

from archive.ops.monitors import health_view_sql
from archive.publish.coverage import PORTAL_STATUS_LABELS, STATUS_LABELS, create_coverage_tables, reports_digest
from archive.publish.offices import METHOD_LABELS
from archive.publish.rules import CHECK_STATUS, RULE_TEXT
from archive.publish.summaries import refresh_summaries
from archive.store.transaction import database, transaction
from extract.quoted import KINDS as QUOTED_KINDS
from extract.schema import (
    ACTIVE_2019,
    ACTIVE_2021,
    APPLICANT_COLUMNS,
    APPLICATION_ROWS_2021,
    REVIEW_COLUMNS,
    REVIEW_ROWS,
)

# ----------------------------------------------------------------------------- labels

# Short Chinese column names of the `applications` rows (the official label is longer).
APPLICATION_ROW_NAMES: dict[str, str] = {
    "new_received": "本年新收申请",
    "carried_over": "上年结转申请",
    "granted": "予以公开",
    "partially_granted": "部分公开",
    "denied_state_secret": "不予公开_属于国家秘密",
    "denied_prohibited_by_law": "不予公开_法律行政法规禁止公开",
    "denied_security_stability": "不予公开_危及三安全一稳定",
    "denied_third_party": "不予公开_保护第三方合法权益",
    "denied_internal_affairs": "不予公开_三类内部事务信息",
    "denied_process_information": "不予公开_四类过程性信息",
    "denied_enforcement_files": "不予公开_行政执法案卷",
    "denied_query_matters": "不予公开_行政查询事项",
    "unavailable_not_held": "无法提供_本机关不掌握",
    "unavailable_needs_creation": "无法提供_需另行制作",
    "unavailable_unclear": "无法提供_补正后仍不明确",
    "not_processed_petition": "不予处理_信访举报投诉类申请",
    "not_processed_repeated": "不予处理_重复申请",
    "not_processed_publication": "不予处理_要求提供公开出版物",
    "not_processed_excessive": "不予处理_无正当理由大量反复申请",
    "not_processed_confirmation": "不予处理_要求确认或重新出具已获取信息",
    "other": "其他处理_2019",
    "other_no_correction": "其他处理_逾期不补正",
    "other_no_fee": "其他处理_逾期未缴费",
    "other_misc": "其他处理_其他",
    "total": "办理结果总计",
    "carried_forward": "结转下年度继续办理",
}
DENIED_ROWS = [k for k in APPLICATION_ROW_NAMES if k.startswith("denied_")]
UNAVAILABLE_ROWS = [k for k in APPLICATION_ROW_NAMES if k.startswith("unavailable_")]
NOT_PROCESSED_ROWS = [k for k in APPLICATION_ROW_NAMES if k.startswith("not_processed_")]
OTHER_ROWS = ["other", "other_no_correction", "other_no_fee", "other_misc"]

APPLICANT_LABELS = dict(APPLICANT_COLUMNS)
REVIEW_ROW_LABELS = {
    "administrative_review": "行政复议",
    "litigation_direct": "行政诉讼_未经复议直接起诉",
    "litigation_after_review": "行政诉讼_复议后起诉",
}
REVIEW_ROW_SHORT = {
    "administrative_review": "复议",
    "litigation_direct": "直接起诉",
    "litigation_after_review": "复议后起诉",
}
REVIEW_COLUMN_LABELS = dict(REVIEW_COLUMNS)

ACTIVE_ROW_LABELS: dict[str, str] = {}
ACTIVE_COL_LABELS: dict[str, str] = {}
ACTIVE_ITEM_OF_ROW: dict[str, str] = {}
for _st in ACTIVE_2019 + ACTIVE_2021:
    for _key, _label in _st.rows:
        ACTIVE_ROW_LABELS.setdefault(_key, _label)
        ACTIVE_ITEM_OF_ROW[_key] = f"第二十条第（{_st.item}）项"
    for _key, _label in _st.columns:
        ACTIVE_COL_LABELS.setdefault(_key, _label)
ACTIVE_ROW_LABELS["normative_documents"] = "（行政）规范性文件"
ACTIVE_COL_LABELS["decisions"] = "（本年）处理决定数量"

TABLE_LABELS = {
    "active_disclosure": "主动公开政府信息情况",
    "applications": "收到和处理政府信息公开申请情况",
    "review_litigation": "政府信息公开行政复议、行政诉讼情况",
    "legacy_indicators": "2019年以前的统计指标",
}

LEVEL_LABELS = {"province": "省级", "city": "市级", "county": "县级", "town": "乡镇（街道）", "department": "部门"}
TEMPLATE_LABELS = {"2019": "2019年版", "2021": "2021年版", "pre2019": "2019年前", "none": "未识别"}
CARRIER_LABELS = {
    "html": "网页",
    "text": "纯文本",
    "pdf": "PDF",
    "docx": "Word（docx）",
    "doc": "Word（doc）",
    "wps": "WPS",
    "xls": "Excel（xls）",
    "xlsx": "Excel（xlsx）",
    "image": "图片",
}


# Labels of checks.column values (applicant column keys, application row keys, review row keys).
CHECK_COLUMN_LABELS: dict[str, str] = {}
CHECK_COLUMN_LABELS.update({r.key: r.label for r in APPLICATION_ROWS_2021})
CHECK_COLUMN_LABELS["other"] = "其他处理"
CHECK_COLUMN_LABELS.update(dict(REVIEW_ROW_LABELS.items()))
CHECK_COLUMN_LABELS.update(APPLICANT_LABELS)
CHECK_COLUMN_LABELS.update({k: v for k, v in ACTIVE_ROW_LABELS.items() if k not in CHECK_COLUMN_LABELS})
CHECK_COLUMN_LABELS.update(QUOTED_KINDS)


# ----------------------------------------------------------------------------- SQL helpers


def _q(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _case(expr: str, mapping: dict[str, str], default: str = "NULL") -> str:
    whens = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in mapping.items())
    return f"CASE {expr} {whens} ELSE {default} END"


def _cell(report: str, table: str, row: str, col: str) -> str:
    """Scalar subquery: the value of one cell of a report."""
    return (
        f"(SELECT value FROM cells WHERE report_id = {report} AND table_name = {_lit(table)} "
        f'AND "row" = {_lit(row)} AND col = {_lit(col)})'
    )


def _cell_sum(report: str, table: str, rows: list[str], col: str) -> str:
    """Scalar subquery: sum of cells (nulls count as 0; NULL when none of the cells exists)."""
    in_list = ", ".join(_lit(r) for r in rows)
    return (
        f"(SELECT sum(value) FROM cells WHERE report_id = {report} AND table_name = {_lit(table)} "
        f'AND "row" IN ({in_list}) AND col = {_lit(col)})'
    )


def level_label(expr: str) -> str:
    """SQL: the Chinese label of the level code ``expr`` (县级, 乡镇（街道）, 部门 …)."""
    return _case(expr, LEVEL_LABELS, expr)


LEVEL_SQL = level_label("coalesce(r.level, p.level)")
TEMPLATE_SQL = _case("r.template", TEMPLATE_LABELS, "r.template")
REPORT_COLUMNS = f"""
    r.id AS 报告ID,
    r.title AS 标题,
    r.organ AS 发布机关,
    p.province AS 省份,
    p.city AS 城市,
    p.county AS 县区,
    {LEVEL_SQL} AS 层级,
    r.year AS 年度,
    {TEMPLATE_SQL} AS 模板"""
# the per-report figure views: who and when first, the figures, then the rest of the report's details
LEAD_COLUMNS = """
    r.id AS 报告ID,
    r.organ AS 发布机关,
    p.county AS 县区,
    r.year AS 年度"""
TAIL_COLUMNS = f"""
    r.title AS 标题,
    p.province AS 省份,
    p.city AS 城市,
    {LEVEL_SQL} AS 层级,
    {TEMPLATE_SQL} AS 模板"""
REPORT_FROM = "reports r LEFT JOIN portals p ON p.id = r.portal"
FAILED = "EXISTS (SELECT 1 FROM checks c WHERE c.report_id = r.id AND c.ok = 0)"
HAS_CHECKS = "EXISTS (SELECT 1 FROM checks c WHERE c.report_id = r.id)"
# a check stored as not checkable (ok NULL: a cell it needs is missing) is no failure, and no pass either
OPEN = "EXISTS (SELECT 1 FROM checks c WHERE c.report_id = r.id AND c.ok IS NULL)"
CHECK_OUTCOME_SQL = (
    f"CASE WHEN {FAILED} THEN {_lit(CHECK_STATUS['fail'])} WHEN {OPEN} THEN {_lit(CHECK_STATUS['open'])} "
    f"WHEN {HAS_CHECKS} THEN {_lit(CHECK_STATUS['pass'])} ELSE {_lit(CHECK_STATUS['none'])} END"
)
FAILED_RULES_SQL = (
    "(SELECT group_concat(rule, '、') FROM (SELECT DISTINCT c.rule FROM checks c "
    "WHERE c.report_id = r.id AND c.ok = 0 ORDER BY c.rule))"
)
COPIES_SQL = (
    "(SELECT count(*) FROM section_copies sc WHERE sc.report_id = r.id) + "
    "(SELECT count(*) FROM section_copies sc WHERE sc.other_report_id = r.id)"
)

# Statutory deadline (条例 2019 第四十九条; 2008 条例 第三十一条 for years before 2019).
DEADLINE_SQL = (
    "CASE WHEN r.year IS NULL THEN NULL "
    "WHEN r.year >= 2019 AND coalesce(r.level, p.level) IN ('department', 'town') "
    "THEN printf('%04d-01-31', r.year + 1) "
    "ELSE printf('%04d-03-31', r.year + 1) END"
)


# ----------------------------------------------------------------------------- views


def _report_overview() -> str:
    return f"""SELECT {REPORT_COLUMNS},
    r.published AS 发布日期,
    r.fetched AS 抓取时间,
    {CHECK_OUTCOME_SQL} AS 校验结果,
    (SELECT count(*) FROM checks c WHERE c.report_id = r.id AND c.ok = 0) AS 未通过校验数,
    {FAILED_RULES_SQL} AS 未通过规则,
    {COPIES_SQL} AS 雷同段落数,
    r.cell_count AS 数值单元格数,
    {_case("r.carrier", CARRIER_LABELS, "r.carrier")} AS 载体,
    r.url AS 原始链接,
    r.snapshot_id AS 存档快照,
    coalesce(r.source_snapshot_id, r.snapshot_id) AS 数据来源快照,
    r.version AS 版本,
    r.edited AS 有修改,
    r.removed_at AS 下线时间,
    r.portal AS 门户
FROM {REPORT_FROM}
WHERE r.is_current = 1"""


APPLICATION_SUBTOTALS = {
    "不予公开合计": DENIED_ROWS,
    "无法提供合计": UNAVAILABLE_ROWS,
    "不予处理合计": NOT_PROCESSED_ROWS,
    "其他处理合计": OTHER_ROWS,
}
# 依申请办理情况: the figures a reader compares first (received, granted, refused …), then every row
APPLICATION_KEY_COLUMNS = (
    "new_received",
    "carried_over",
    "granted",
    "partially_granted",
    "不予公开合计",
    "无法提供合计",
    "不予处理合计",
    "其他处理合计",
    "total",
    "carried_forward",
)


def _applications() -> str:
    def column(key: str) -> str:
        if key in APPLICATION_SUBTOTALS:
            return f"    {_cell_sum('r.id', 'applications', APPLICATION_SUBTOTALS[key], 'total')} AS {_q(key)}"
        return f"    {_cell('r.id', 'applications', key, 'total')} AS {_q(APPLICATION_ROW_NAMES[key])}"

    details = [k for k in APPLICATION_ROW_NAMES if k not in APPLICATION_KEY_COLUMNS]
    return _per_report([column(k) for k in (*APPLICATION_KEY_COLUMNS, *details)], "applications")


def _per_report(cols: list[str], table: str) -> str:
    """One row per current report that has cells of ``table``: who and when, ``cols``, the report's details."""
    body = ",\n".join(cols)
    return f"""SELECT {LEAD_COLUMNS},
{body},{TAIL_COLUMNS},
    r.url AS 原始链接,
    r.snapshot_id AS 存档快照,
    r.removed_at AS 下线时间
FROM {REPORT_FROM}
WHERE r.is_current = 1
  AND EXISTS (SELECT 1 FROM cells c WHERE c.report_id = r.id AND c.table_name = {_lit(table)})"""


def _refusal_grounds() -> str:
    """「不予公开理由排行」 over ``refusal_grounds`` (built and kept current by :mod:`archive.publish.refusals`)."""
    labels = {k: v.split("_", 1)[1] for k, v in APPLICATION_ROW_NAMES.items() if k in DENIED_ROWS}
    return f"""SELECT g.province AS 省份, g.county AS 县区, g.year AS 年度,
    g.rank AS 排名,
    {_case("g.ground", labels)} AS 不予公开理由,
    g.n AS 件数,
    g.share AS 占比百分比,
    g.reports AS 报告数,
    g.ground AS 行键
FROM refusal_grounds g
ORDER BY g.province, g.county, g.year DESC, g.rank"""


def _pct(expr: str) -> str:
    return f"round(100.0 * {expr}, 1)"


def _refusal_rates() -> str:
    grounds = ",\n".join(f"    rr.{k} AS {_q(APPLICATION_ROW_NAMES[k])}" for k in DENIED_ROWS)
    return f"""SELECT rr.report_id AS 报告ID,
    rr.organ AS 发布机关,
    rr.province AS 省份,
    rr.city AS 城市,
    rr.county AS 县区,
    {_case("rr.level", LEVEL_LABELS, "rr.level")} AS 层级,
    rr.year AS 年度,
    rr.handled AS 办理结果总计,
    rr.denied AS 不予公开,
    {_pct("rr.refusal_rate")} AS 不予公开率,
    rr.unavailable AS 无法提供,
    {_pct("rr.unavailable_rate")} AS 无法提供率,
    rr.not_processed AS 不予处理,
    {_pct("rr.not_processed_rate")} AS 不予处理率,
    rr.county_rank AS 县区内排名,
    rr.county_offices AS 县区内参与排名报告数,
    rr.province_rank AS 省内排名,
    rr.province_offices AS 省内参与排名报告数,
{grounds},
    rr.new_received AS 本年新收申请,
    rr.granted AS 予以公开,
    rr.partially_granted AS 部分公开
FROM refusal_rates rr"""


SCOPE_LABELS = {"country": "全国", "province": "省份", "county": "县区"}


def _refusal_summary() -> str:
    grounds = ",\n".join(f"    s.{k} AS {_q(APPLICATION_ROW_NAMES[k])}" for k in DENIED_ROWS)
    return f"""SELECT {_case("s.scope", SCOPE_LABELS)} AS 范围,
    s.province AS 省份,
    s.county AS 县区,
    s.year AS 年度,
    s.reports AS 报告数,
    s.handled AS 办理结果总计,
    s.denied AS 不予公开,
    {_pct("s.refusal_rate")} AS 不予公开率,
    {_pct("s.median_refusal_rate")} AS 不予公开率中位数,
    s.unavailable AS 无法提供,
    {_pct("s.unavailable_rate")} AS 无法提供率,
    s.not_processed AS 不予处理,
    {_pct("s.not_processed_rate")} AS 不予处理率,
{grounds}
FROM refusal_summary s"""


def _copied_sections() -> str:
    return """SELECT sc.id AS 编号,
    sc.report_id AS 报告ID,
    r.organ AS 发布机关,
    r.year AS 年度,
    p.province AS 省份,
    p.county AS 县区,
    s.heading AS 章节标题,
    sc.other_report_id AS 雷同报告ID,
    o.organ AS 雷同机关,
    o.year AS 雷同年度,
    os.heading AS 雷同章节标题,
    round(100.0 * sc.similarity, 1) AS 相似度,
    sc.shared_chars AS 相同段落字数,
    sc.shared AS 相同段落,
    CASE WHEN sc.same_office = 1 THEN '同一机关（另一年度）' ELSE '不同机关' END AS 关系,
    sc.section_id AS 章节ID,
    sc.other_section_id AS 雷同章节ID
FROM section_copies sc
JOIN reports r ON r.id = sc.report_id
JOIN reports o ON o.id = sc.other_report_id
JOIN sections s ON s.id = sc.section_id
JOIN sections os ON os.id = sc.other_section_id
LEFT JOIN portals p ON p.id = r.portal
WHERE r.is_current = 1 AND o.is_current = 1"""


def _review_litigation() -> str:
    """The three totals first (复议, 直接起诉, 复议后起诉), then every outcome of each."""
    cells = [(row, col) for row, _ in REVIEW_ROWS for col, _ in REVIEW_COLUMNS]
    ordered = [c for c in cells if c[1] == "total"] + [c for c in cells if c[1] != "total"]
    col_labels = dict(REVIEW_COLUMNS)
    cols = [
        f"    {_cell('r.id', 'review_litigation', row, col)} AS {_q(f'{REVIEW_ROW_SHORT[row]}_{col_labels[col]}')}"
        for row, col in ordered
    ]
    return _per_report(cols, "review_litigation")


def _active_disclosure() -> str:
    return f"""SELECT {REPORT_COLUMNS},
    {_case('c."row"', ACTIVE_ITEM_OF_ROW, default="''")} AS 第二十条项目,
    {_case('c."row"', ACTIVE_ROW_LABELS, default='c."row"')} AS 信息内容,
    {_case("c.col", ACTIVE_COL_LABELS, default="c.col")} AS 指标,
    c.value AS 数值,
    c.unit AS 单位,
    c.raw AS 原文,
    c.id AS 单元格ID
FROM cells c JOIN reports r ON r.id = c.report_id LEFT JOIN portals p ON p.id = r.portal
WHERE c.table_name = 'active_disclosure' AND r.is_current = 1"""


def _failed_checks() -> str:
    fallback = "'应为 ' || coalesce(ch.expected, '（空）') || '，实际 ' || coalesce(ch.actual, '（空）')"
    return f"""SELECT {REPORT_COLUMNS},
    ch.rule AS 规则,
    {_case("ch.rule", RULE_TEXT)} AS 规则说明,
    ch.table_name AS 表,
    ch."column" AS 列,
    {_case('ch."column"', CHECK_COLUMN_LABELS, default='ch."column"')} AS 列名,
    ch.expected AS 应为,
    ch.actual AS 实际,
    CASE WHEN typeof(ch.actual) IN ('integer', 'real') AND typeof(ch.expected) IN ('integer', 'real')
         THEN ch.actual - ch.expected END AS 差额,
    coalesce(ch.detail, {fallback}) AS 说明,
    ch.compared_report_id AS 对照报告ID,
    coalesce(r.source_snapshot_id, r.snapshot_id) AS 数据来源快照,
    r.url AS 原始链接
FROM checks ch JOIN reports r ON r.id = ch.report_id LEFT JOIN portals p ON p.id = r.portal
WHERE ch.ok = 0 AND r.is_current = 1"""


def _coverage(years: list[int]) -> str:
    year_cols = ",\n".join(f"    sum(CASE WHEN r.year = {y} THEN 1 ELSE 0 END) AS {_q(f'{y}年')}" for y in years)
    sep = ",\n" if year_cols else ""
    return f"""SELECT
    coalesce(r.organ, '（未识别机关）') AS 发布机关,
    p.province AS 省份,
    p.county AS 县区,
    {LEVEL_SQL} AS 层级,
    r.portal AS 门户,
    count(*) AS 报告数,
    count(DISTINCT r.year) AS 年份数,
    min(r.year) AS 最早年度,
    max(r.year) AS 最晚年度,
    (SELECT group_concat(y, ',') FROM (SELECT DISTINCT r2.year AS y FROM reports r2
        WHERE r2.is_current = 1 AND r2.portal IS r.portal AND coalesce(r2.organ, '（未识别机关）') = coalesce(r.organ, '（未识别机关）')
        AND r2.year IS NOT NULL ORDER BY y)) AS 已发布年度,
    (SELECT o.code FROM office_divisions o WHERE o.portal = coalesce(r.portal, '') AND o.organ = coalesce(r.organ, ''))
        AS 区划代码,
    (SELECT {_case("o.method", METHOD_LABELS, "o.method")} FROM office_divisions o
     WHERE o.portal = coalesce(r.portal, '') AND o.organ = coalesce(r.organ, '')) AS 区划匹配方式{sep}{year_cols}
FROM {REPORT_FROM}
WHERE r.is_current = 1
GROUP BY coalesce(r.organ, '（未识别机关）'), r.portal
ORDER BY 省份, 县区, 发布机关"""


def _late_reports() -> str:
    return f"""SELECT * FROM (
SELECT {REPORT_COLUMNS},
    r.published AS 发布日期,
    {DEADLINE_SQL} AS 法定截止日期,
    CAST(julianday(r.published) - julianday({DEADLINE_SQL}) AS INTEGER) AS 逾期天数,
    r.url AS 原始链接,
    r.snapshot_id AS 存档快照,
    r.removed_at AS 下线时间
FROM {REPORT_FROM}
WHERE r.is_current = 1 AND r.year IS NOT NULL AND julianday(r.published) IS NOT NULL
) WHERE 逾期天数 > 0"""


CHANGE_KIND_LABELS = {"page": "网页", "attachment": "附件", "both": "网页和附件", "content": "提取内容"}
CELL_CHANGE_LABELS = {"changed": "改", "added": "增", "removed": "删"}


def _edited_reports() -> str:
    summary = (
        "(SELECT group_concat(x, '；') FROM (SELECT cc.table_name || '/' || cc.\"row\" || '/' || cc.col || ' ' || "
        + _case("cc.change", CELL_CHANGE_LABELS, "''")
        + " || '：' || coalesce(cc.old_raw, '（无）') || ' → ' || coalesce(cc.new_raw, '（无）') AS x "
        "FROM cell_changes cc WHERE cc.change_id = rc.id ORDER BY cc.id))"
    )
    return f"""SELECT
    rc.report_id AS 报告ID,
    rc.previous_id AS 上一版本ID,
    r.title AS 标题,
    r.organ AS 发布机关,
    p.province AS 省份,
    p.city AS 城市,
    p.county AS 县区,
    {LEVEL_SQL} AS 层级,
    r.year AS 年度,
    old.version || ' → ' || r.version AS 版本,
    old.fetched AS 上一版本抓取时间,
    rc.detected AS 发现修改时间,
    {_case("rc.kind", CHANGE_KIND_LABELS, "rc.kind")} AS 修改位置,
    rc.cells_changed AS 改动单元格数,
    rc.cells_added AS 新增单元格数,
    rc.cells_removed AS 删除单元格数,
    rc.sections_changed AS 改动章节数,
    {summary} AS 单元格改动,
    rc.text_diff AS 正文差异,
    rc.fields AS 其他字段改动,
    r.url AS 原始链接,
    old.snapshot_id AS 旧版快照,
    r.snapshot_id AS 新版快照,
    r.is_current AS 当前版本,
    r.removed_at AS 下线时间,
    r.portal AS 门户
FROM report_changes rc
JOIN reports r ON r.id = rc.report_id
JOIN reports old ON old.id = rc.previous_id
LEFT JOIN portals p ON p.id = r.portal"""


DEADLINE_STATUS = {
    "on_time": "按时",
    "late": "逾期",
    "missing": "存档中未找到",
    "unknown": "发布日期不详",
    "not_crawled": "门户未抓取",
}


def _deadlines() -> str:
    """Per office (organ on a portal) and year, from its first archived report to the latest year
    whose statutory deadline has passed: on time, late (days), missing, or date unknown."""
    return f"""WITH office_reports AS (
    SELECT r.id, r.organ, r.portal, r.year, r.published, r.fetched, coalesce(r.level, p.level) AS level
    FROM reports r LEFT JOIN portals p ON p.id = r.portal
    WHERE r.is_current = 1 AND r.organ IS NOT NULL AND r.year BETWEEN 1990 AND 2100
),
office_levels AS (
    SELECT organ, portal, level, count(*) AS n, max(year) AS last_year, min(year) AS first_year
    FROM office_reports GROUP BY organ, portal, level
),
offices AS (  -- first year, and the level most of the office's reports have (the latest year breaks ties)
    SELECT organ, portal, first_year, level FROM (
        SELECT organ, portal, level, min(first_year) OVER office AS first_year,
            row_number() OVER (PARTITION BY organ, portal ORDER BY level IS NULL, n DESC, last_year DESC) AS k
        FROM office_levels WINDOW office AS (PARTITION BY organ, portal)
    ) WHERE k = 1
),
years(y) AS (
    SELECT min(first_year) FROM offices
    UNION ALL SELECT y + 1 FROM years WHERE y < CAST(strftime('%Y', 'now') AS INTEGER)
),
slots AS (
    SELECT o.organ, o.portal, o.level, y.y AS year,
        CASE WHEN y.y >= 2019 AND o.level IN ('department', 'town') THEN printf('%04d-01-31', y.y + 1)
             ELSE printf('%04d-03-31', y.y + 1) END AS deadline
    FROM offices o JOIN years y ON y.y >= o.first_year
),
firsts AS (  -- the office's first report of a year (earliest date shown, then the first archived)
    SELECT organ, portal, year, id, published, fetched FROM (
        SELECT organ, portal, year, id, published, fetched,
            row_number() OVER (PARTITION BY organ, portal, year ORDER BY coalesce(published, '9999'), id) AS k
        FROM office_reports
    ) WHERE k = 1
),
judged AS (
    SELECT s.*, f.id AS report_id, f.published AS published, substr(f.fetched, 1, 10) AS first_fetched
    FROM slots s LEFT JOIN firsts f ON f.organ = s.organ AND f.portal IS s.portal AND f.year = s.year
    WHERE s.deadline < date('now')
),
crawled AS (
    SELECT portal, max(t) AS last_crawled FROM (
        SELECT portal, max(max(coalesce(last_seen, ''), coalesce(fetched, ''))) AS t FROM reports GROUP BY portal
        UNION ALL
        SELECT s.portal, max(cr.started) FROM crawl_portal_stats s JOIN crawl_runs cr ON cr.id = s.run_id GROUP BY s.portal
    ) GROUP BY portal
)
SELECT
    j.organ AS 发布机关,
    j.portal AS 门户,
    p.province AS 省份,
    p.city AS 城市,
    p.county AS 县区,
    {level_label("j.level")} AS 层级,
    j.year AS 年度,
    j.deadline AS 法定截止日期,
    CASE WHEN j.report_id IS NULL AND coalesce(substr(c.last_crawled, 1, 10), '') <= j.deadline
              THEN {_lit(DEADLINE_STATUS["not_crawled"])}
         WHEN j.report_id IS NULL THEN {_lit(DEADLINE_STATUS["missing"])}
         WHEN j.published IS NULL AND j.first_fetched <= j.deadline THEN {_lit(DEADLINE_STATUS["on_time"])}
         WHEN j.published IS NULL THEN {_lit(DEADLINE_STATUS["unknown"])}
         WHEN j.published <= j.deadline THEN {_lit(DEADLINE_STATUS["on_time"])}
         ELSE {_lit(DEADLINE_STATUS["late"])} END AS 状态,
    CASE WHEN j.published > j.deadline THEN CAST(julianday(j.published) - julianday(j.deadline) AS INTEGER) END AS 逾期天数,
    j.published AS 发布日期,
    j.first_fetched AS 首次存档日期,
    j.report_id AS 报告ID,
    c.last_crawled AS 门户最近抓取
FROM judged j LEFT JOIN portals p ON p.id = j.portal LEFT JOIN crawled c ON c.portal IS j.portal
ORDER BY p.province, p.county, j.organ, j.year"""


COVERAGE_COLUMNS = """
    c.code AS 区划代码,
    c.name AS 名称,
    {level} AS 层级,
    c.kind AS 类型,
    c.year AS 年度,
    c.province AS 省份,
    c.city AS 地级,
    c.parent_code AS 上级代码,
    {status} AS 状态,
    c.portal AS 门户,
    {portal_status} AS 门户状态,
    c.last_crawled AS 门户最近抓取,
    c.deadline AS 法定截止日期,
    c.government_reports AS 本级政府报告,
    c.department_reports AS 部门报告,
    c.town_reports AS 乡镇街道报告,
    c.all_reports AS 报告合计,
    c.counties AS 县级单位数,
    c.counties_published AS 县级政府已发布数,
    c.towns AS 乡镇街道数,
    c.towns_reporting AS 已发布乡镇街道数,
    CASE WHEN c.towns > 0 THEN round(100.0 * c.towns_reporting / c.towns, 1) END AS 乡镇街道发布率"""


def _coverage_columns() -> str:
    return COVERAGE_COLUMNS.format(
        level=_case("c.level", {"province": "省级", "city": "地级", "county": "县级"}, "c.level"),
        status=_case("c.status", STATUS_LABELS, "c.status"),
        portal_status=_case("c.portal_status", PORTAL_STATUS_LABELS, "c.portal_status"),
    )


def _division_coverage() -> str:
    return f"""SELECT {_coverage_columns()}
FROM coverage_divisions c
ORDER BY c.code, c.year"""


def _province_coverage() -> str:
    return f"""SELECT {_coverage_columns()},
    round(100.0 * c.counties_published / nullif(c.counties, 0), 1) AS 县级政府发布率
FROM coverage_divisions c
WHERE c.level = 'province'
ORDER BY c.code, c.year"""


def _section_search() -> str:
    return f"""SELECT s.id AS 章节ID, {REPORT_COLUMNS},
    s.number AS 章节序号,
    s.heading AS 章节标题,
    s.text AS 正文
FROM sections s JOIN reports r ON r.id = s.report_id LEFT JOIN portals p ON p.id = r.portal"""


@dataclass(frozen=True)
class View:
    name: str
    title_en: str
    description: str


VIEWS: tuple[View, ...] = (
    View(
        "报告一览",
        "Reports",
        "每份报告（当前版本）一行：机关、地区、层级、年度、模板、校验结果（R1–R9：通过、未通过、不可校验、无校验）、"
        "未通过的规则、雷同段落数、原始链接与存档快照。",
    ),
    View(
        "依申请办理情况",
        "Applications handled",
        "每份报告一行、每种办理结果一列（表三“总计”列，单位：件），含不予公开、无法提供、不予处理、其他处理的小计。",
    ),
    View(
        "不予公开理由排行",
        "Top refusal grounds",
        "按县区和年度汇总表三“不予公开”各项理由的件数，排名第1的是该县区该年度最常用的理由（发布时汇总）。",
    ),
    View(
        "复议诉讼情况",
        "Review and litigation",
        "每份报告一行：因政府信息公开引起的行政复议、行政诉讼（未经复议直接起诉、复议后起诉）的结果（单位：件）。",
    ),
    View(
        "主动公开情况",
        "Active disclosure",
        "表二“主动公开政府信息情况”的每个数值一行：第二十条项目、信息内容、指标、数值与单位。",
    ),
    View(
        "校验未通过",
        "Failed checks",
        "未通过校验的每一项（R1–R9，含跨年度的 R5–R7 和正文与表格对照的 R9）：规则、失败的列、应为、实际、差额"
        "（实际 − 应为）与中文说明；规则的含义见规则说明页。",
    ),
    View("发布覆盖", "Coverage", "每个机关一行、每个年度一列（该年度报告数）：哪些机关发布了哪些年度的报告。"),
    View(
        "逾期发布",
        "Late reports",
        "发布日期晚于法定期限的报告：2019年起部门和乡镇街道为次年1月31日，各级人民政府为次年3月31日；2019年以前统一为次年3月31日。转载或补发的报告也会出现在这里。",
    ),
    View(
        "不予公开率",
        "Refusal rates",
        "每份报告一行：不予公开率（不予公开 ÷ 办理结果总计）、八项不予公开理由、无法提供率、不予处理率，"
        "以及在本县区、本省同年度报告中的排名（按不予公开率从高到低）。",
    ),
    View(
        "不予公开率汇总",
        "Refusal rates by year",
        "全国、各省、各县区每年一行：合并不予公开率（Σ不予公开 ÷ Σ办理结果总计）、各报告不予公开率的中位数、"
        "无法提供率、不予处理率与八项理由的件数；只算办理结果总计大于 0 的报告。",
    ),
    View(
        "雷同段落",
        "Copied sections",
        "不同报告中几乎相同的章节（相似度 ≥ 60%）：不同机关之间，或同一机关不同年度之间；列出相似度和两者共有的最长段落。",
    ),
    View("章节检索", "Section search", "报告各章节的正文，附报告信息；搜索框支持中文全文检索。"),
    View(
        "发布后修改的报告",
        "Reports edited after publication",
        "门户上的报告发布后又被修改：新旧两个版本、修改位置（网页或附件）、改动的单元格与正文差异。",
    ),
    View(
        "区划发布覆盖",
        "Coverage by division",
        "全国每个省、地级和县级行政区划每个年度一行（按区划代码名录）：登记门户及其抓取情况、本级政府报告是否发布"
        "（已发布、存档中未找到＝门户在截止日后抓取过但存档中没有报告、门户未抓取、无登记门户、未到期），本级政府、部门、乡镇街道报告数，"
        "下辖县级单位和乡镇街道中已发布的数量。",
    ),
    View(
        "省份发布覆盖",
        "Coverage by province",
        "每个省份每个年度一行：县级政府发布了多少、乡镇街道发布了多少（分母为该年度存在的区划），报告合计。",
    ),
    View(
        "年报期限",
        "Deadlines",
        "每个机关每个年度：报告按时、逾期（天数）、存档中未找到（门户在截止日后抓取过，存档中没有这份报告；不等于没有发布）"
        "还是门户未抓取（截止日后没有抓取过该门户，"
        "不能说没有发布）；法定期限：部门和乡镇街道次年1月31日，人民政府次年3月31日。",
    ),
    View(
        "抓取健康状况",
        "Crawl health",
        "每个门户最近一次抓取的情况与告警：无法访问、未发现报告、分页提前中断、错误率或拦截率突增、长期无新报告。",
    ),
)


def _years(conn: sqlite3.Connection) -> list[int]:
    row = conn.execute(
        "SELECT min(year), max(year) FROM reports WHERE is_current = 1 AND year BETWEEN 1990 AND 2100"
    ).fetchone()
    if not row or row[0] is None:
        return []
    return list(range(int(row[0]), int(row[1]) + 1))


def view_sql(conn: sqlite3.Connection) -> dict[str, str]:
    """The SELECT statement of every view, by view name."""
    return {
        "报告一览": _report_overview(),
        "依申请办理情况": _applications(),
        "不予公开理由排行": _refusal_grounds(),
        "复议诉讼情况": _review_litigation(),
        "主动公开情况": _active_disclosure(),
        "校验未通过": _failed_checks(),
        "发布覆盖": _coverage(_years(conn)),
        "逾期发布": _late_reports(),
        "不予公开率": _refusal_rates(),
        "不予公开率汇总": _refusal_summary(),
        "雷同段落": _copied_sections(),
        "章节检索": _section_search(),
        "发布后修改的报告": _edited_reports(),
        "年报期限": f"SELECT * FROM {DEADLINES_TABLE}",
        "区划发布覆盖": _division_coverage(),
        "省份发布覆盖": _province_coverage(),
        "抓取健康状况": health_view_sql(),
    }


SUPPORT_INDEXES = (
    # 「不予公开理由排行」 over refusal_grounds: its facets read indexes
    "CREATE INDEX IF NOT EXISTS publish_refusal_grounds_county ON refusal_grounds(county, year)",
    "CREATE INDEX IF NOT EXISTS publish_refusal_grounds_year ON refusal_grounds(year)",
    "CREATE INDEX IF NOT EXISTS publish_refusal_grounds_ground ON refusal_grounds(ground)",
    'CREATE INDEX IF NOT EXISTS publish_cells_lookup ON cells(report_id, table_name, "row", col)',
    "CREATE INDEX IF NOT EXISTS publish_checks_report_rule ON checks(report_id, rule, ok)",
    "CREATE INDEX IF NOT EXISTS publish_reports_current ON reports(is_current, year)",
    # the Atom feeds (archive/publish/feeds.py): newest first, for the archive, a county's portals, an office
    "CREATE INDEX IF NOT EXISTS publish_reports_fetched ON reports(fetched)",
    "CREATE INDEX IF NOT EXISTS publish_reports_portal_fetched ON reports(portal, fetched)",
    "CREATE INDEX IF NOT EXISTS publish_reports_organ_fetched ON reports(organ, fetched)",
)


DEADLINES_TABLE = "deadline_status"
DEADLINES_BASIS_KEY = "deadline_status_basis"
DEADLINE_FACETS = ("状态", "县区", "层级", "年度")


def _deadlines_basis(conn: sqlite3.Connection) -> str:
    parts = [
        reports_digest(conn),
        conn.execute("SELECT count(*), max(id), max(started) FROM crawl_runs").fetchone(),
        conn.execute("SELECT count(*) FROM crawl_portal_stats").fetchone(),
        conn.execute(
            "SELECT group_concat(id || ':' || coalesce(province, '') || coalesce(city, '') || coalesce(county, '') "
            "|| coalesce(level, ''), ',') FROM portals"
        ).fetchone(),
        conn.execute("SELECT date('now')").fetchone(),
    ]
    return hashlib.sha256(repr([p if isinstance(p, str) else tuple(p) for p in parts]).encode()).hexdigest()


def build_deadline_table(conn: sqlite3.Connection) -> bool:
    """Fill ``deadline_status`` (what the view 年报期限 shows) when its basis changed: one pass over
    the reports at publish time instead of on every request.  Returns whether it was rebuilt."""
    basis = _deadlines_basis(conn)
    if database(conn).table("meta").exists():
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (DEADLINES_BASIS_KEY,)).fetchone()
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (DEADLINES_TABLE,)).fetchone()
        if row is not None and row[0] == basis and exists:
            return False
    with transaction(conn):
        conn.execute(f"DROP VIEW IF EXISTS {_q('年报期限')}")
        conn.execute(f"DROP TABLE IF EXISTS {DEADLINES_TABLE}")
        conn.execute(f"CREATE TABLE {DEADLINES_TABLE} AS {_deadlines()}")
        conn.execute(f"CREATE INDEX {DEADLINES_TABLE}_place ON {DEADLINES_TABLE}(省份, 县区, 年度)")
        for column in DEADLINE_FACETS:  # the view's facets: a GROUP BY reads an index, not the table
            conn.execute(f"CREATE INDEX {DEADLINES_TABLE}_{column} ON {DEADLINES_TABLE}({column})")
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (DEADLINES_BASIS_KEY, basis))
    return True


def summary_definitions(conn: sqlite3.Connection, statements: dict[str, str] | None = None) -> dict[str, str]:
    """The views' definitions as :func:`archive.publish.summaries.refresh_summaries` takes them."""
    return dict(statements or view_sql(conn))


def create_views(conn: sqlite3.Connection) -> list[str]:
    """(Re)create every journalist view (and the indexes and summary tables they rely on); returns the view names."""
    statements = view_sql(conn)
    create_coverage_tables(conn)
    build_deadline_table(conn)
    with conn:
        for sql in SUPPORT_INDEXES:
            conn.execute(sql)
    materialized, _ = refresh_summaries(conn, summary_definitions(conn, statements))
    statements.update(materialized)
    with conn:
        for name, select in statements.items():
            conn.execute(f"DROP VIEW IF EXISTS {_q(name)}")
            conn.execute(f"CREATE VIEW {_q(name)} AS\n{select}")
    return list(statements)

"""Crawl health per portal and the monitors that raise alerts (issue 6).

One SQL query (:func:`health_sql`) over ``crawl_portal_stats`` / ``crawl_runs`` / ``reports``
computes, for every portal, its latest finished run and the monitors; ``nianbao status``
(:func:`portal_health`), the Datasette view 「抓取健康状况」 (:func:`health_view_sql`) and the
status page ``/{db}/-/status`` all read it, so they always agree.

Monitors (on the portal's latest run):

``dead``             the run got no usable page: every request failed (outcome ``failed``);
``zero_reports``     the portal answered, but its lists showed no report;
``pagination_short`` fewer list pages walked than the pagers state (pages an incremental early
                     stop left out on purpose are not missing);
``error_rate_jump``  errors / requests > max(20 %, 3 × the median rate of the previous N runs);
``block_rate_jump``  the same rule for blocks (WAF and challenge pages);
``stale``            N runs in a row (default 12) without a new report;
``unreadable_platform`` pages recognised as a platform's (gkmlpt, TRS, Hanweb …) whose inline data
                     could not be read: the portal's lists are out of reach until the parser learns it.

Each row also carries ``empty_reason`` — why a portal yielded no report (dead, blocked, platform
unreadable, no disclosure area, no 年报 column, empty columns …) — and ``wasted_requests``, the
requests that led to no list, report or attachment.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

DEFAULT_STALE_RUNS = 12
DEFAULT_BASELINE_RUNS = 5
RATE_FLOOR = 0.2
RATE_FACTOR = 3


@dataclass(frozen=True)
class Monitor:
    """One alert rule."""

    id: str
    label: str  # Chinese name shown in Datasette
    rule: str  # what fires it (English, for operators)


MONITORS: tuple[Monitor, ...] = (
    Monitor("dead", "门户无法访问", "the latest run got no usable page: every request failed"),
    Monitor("zero_reports", "未发现报告", "the portal answered, but its lists showed no report"),
    Monitor("pagination_short", "分页提前中断", "fewer list pages walked than the pagers state (early stops excepted)"),
    Monitor(
        "error_rate_jump",
        "错误率突增",
        f"errors/requests > max({RATE_FLOOR:.0%}, {RATE_FACTOR} x median of the previous runs)",
    ),
    Monitor(
        "block_rate_jump",
        "拦截率突增",
        f"blocks/requests > max({RATE_FLOOR:.0%}, {RATE_FACTOR} x median of the previous runs)",
    ),
    Monitor("stale", "长期无新报告", "N runs in a row without a new report"),
    Monitor(
        "unreadable_platform",
        "平台数据无法读取",
        "the latest run recognised a platform's pages but could not read their data (gkmlpt _CONFIG, list APIs …)",
    ),
)
MONITOR_BY_ID = {m.id: m for m in MONITORS}


def _median(column: str, rank: str) -> str:
    return f"avg(CASE WHEN {rank} IN ((k + 1) / 2, (k + 2) / 2) THEN {column} END)"


def health_sql(stale_runs: int = DEFAULT_STALE_RUNS, baseline_runs: int = DEFAULT_BASELINE_RUNS) -> str:
    """One row per portal with a finished run: its latest run, figures, and one 0/1 column per monitor."""
    if stale_runs < 1 or baseline_runs < 1:
        raise ValueError("stale_runs and baseline_runs must be at least 1")
    floor, factor = RATE_FLOOR, RATE_FACTOR
    return f"""WITH s AS (
    SELECT cps.*, cr.started AS started, cr.ended AS ended, cr.mode AS mode,
        row_number() OVER (PARTITION BY cps.portal ORDER BY cps.run_id DESC) AS rn,
        CAST(coalesce(cps.errors, 0) AS REAL) / max(coalesce(cps.requests, 0), 1) AS error_rate,
        CAST(coalesce(cps.blocks, 0) AS REAL) / max(coalesce(cps.requests, 0), 1) AS block_rate
    FROM crawl_portal_stats cps JOIN crawl_runs cr ON cr.id = cps.run_id
    WHERE cr.outcome != 'running'
),
prev AS (
    SELECT portal, error_rate, block_rate, count(*) OVER (PARTITION BY portal) AS k,
        row_number() OVER (PARTITION BY portal ORDER BY error_rate) AS ie,
        row_number() OVER (PARTITION BY portal ORDER BY block_rate) AS ib
    FROM s WHERE rn BETWEEN 2 AND {1 + baseline_runs}
),
base AS (
    SELECT portal, {_median("error_rate", "ie")} AS error_base, {_median("block_rate", "ib")} AS block_base,
        count(*) AS history
    FROM prev GROUP BY portal
),
runs AS (
    SELECT portal, count(*) AS n_runs, min(CASE WHEN coalesce(new_reports, 0) > 0 THEN rn END) AS rn_new
    FROM s GROUP BY portal
),
arch AS (
    SELECT portal, count(DISTINCT doc_key) AS archived,
        count(DISTINCT CASE WHEN removed_at IS NOT NULL THEN doc_key END) AS removed,
        count(DISTINCT CASE WHEN edited = 1 THEN doc_key END) AS edited
    FROM reports WHERE is_current = 1 GROUP BY portal
),
firsts AS (SELECT portal, max(fetched) AS last_new FROM reports WHERE version = 1 GROUP BY portal),
h AS (
    SELECT s.portal AS portal, p.name AS name, s.run_id AS run_id, s.started AS started, s.ended AS ended,
        s.mode AS mode, s.outcome AS outcome, coalesce(s.requests, 0) AS requests,
        coalesce(s.responses, 0) AS responses, coalesce(s.not_modified, 0) AS not_modified,
        coalesce(s.new_reports, 0) AS new_reports, coalesce(s.changed_reports, 0) AS changed_reports,
        coalesce(s.removed_reports, 0) AS removed_reports, coalesce(s.errors, 0) AS errors,
        coalesce(s.blocks, 0) AS blocks, s.duration AS duration, coalesce(s.list_pages, 0) AS list_pages,
        s.list_pages_expected AS list_pages_expected, coalesce(s.list_pages_skipped, 0) AS list_pages_skipped,
        coalesce(s.reports_listed, s.reports_seen, 0) AS reports_listed, coalesce(arch.archived, 0) AS reports_archived,
        coalesce(arch.removed, 0) AS reports_removed, coalesce(arch.edited, 0) AS reports_edited,
        firsts.last_new AS last_new_report,
        CASE WHEN runs.rn_new IS NULL THEN runs.n_runs ELSE runs.rn_new - 1 END AS runs_without_new,
        runs.n_runs AS runs,
        round(s.error_rate, 4) AS error_rate, round(coalesce(base.error_base, 0), 4) AS error_baseline,
        round(s.block_rate, 4) AS block_rate, round(coalesce(base.block_base, 0), 4) AS block_baseline,
        coalesce(base.history, 0) AS baseline_runs,
        coalesce(s.unreadable_pages, 0) AS unreadable_pages, coalesce(s.wasted_requests, 0) AS wasted_requests,
        s.empty_reason AS empty_reason
    FROM s
    LEFT JOIN portals p ON p.id = s.portal
    LEFT JOIN base ON base.portal = s.portal
    LEFT JOIN runs ON runs.portal = s.portal
    LEFT JOIN arch ON arch.portal = s.portal
    LEFT JOIN firsts ON firsts.portal = s.portal
    WHERE s.rn = 1
)
SELECT h.*,
    CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END AS dead,
    CASE WHEN outcome != 'failed' AND reports_listed = 0 THEN 1 ELSE 0 END AS zero_reports,
    CASE WHEN list_pages_expected IS NOT NULL AND list_pages + list_pages_skipped < list_pages_expected
        THEN 1 ELSE 0 END AS pagination_short,
    CASE WHEN outcome != 'failed' AND error_rate > max({floor}, {factor} * error_baseline) THEN 1 ELSE 0 END AS error_rate_jump,
    CASE WHEN block_rate > max({floor}, {factor} * block_baseline) THEN 1 ELSE 0 END AS block_rate_jump,
    CASE WHEN runs_without_new >= {int(stale_runs)} THEN 1 ELSE 0 END AS stale,
    CASE WHEN unreadable_pages > 0 THEN 1 ELSE 0 END AS unreadable_platform
FROM h
ORDER BY portal"""


def health_view_sql() -> str:
    """The Datasette view 「抓取健康状况」: :func:`health_sql` with Chinese column names."""
    flags = " || ".join(f"CASE WHEN {m.id} = 1 THEN '{m.label}；' ELSE '' END" for m in MONITORS)
    any_flag = " + ".join(m.id for m in MONITORS)
    return f"""SELECT
    portal AS 门户,
    name AS 门户名称,
    CASE WHEN {any_flag} > 0 THEN '告警' ELSE '正常' END AS 状态,
    rtrim({flags}, '；') AS 告警,
    run_id AS 最近批次,
    started AS 开始时间,
    CASE mode WHEN 'full' THEN '全量' WHEN 'incremental' THEN '增量' ELSE mode END AS 抓取方式,
    CASE outcome WHEN 'ok' THEN '成功' WHEN 'failed' THEN '失败' WHEN 'interrupted' THEN '中断'
        WHEN 'running' THEN '进行中' ELSE outcome END AS 结果,
    requests AS 请求数,
    not_modified AS 未修改响应数,
    new_reports AS 新报告,
    changed_reports AS 修改的报告,
    removed_reports AS 下线的报告,
    errors AS 错误数,
    blocks AS 拦截数,
    duration AS 耗时秒,
    list_pages AS 列表页,
    list_pages_expected AS 分页应有页数,
    list_pages_skipped AS 提前停止未抓页数,
    reports_listed AS 列表中的报告,
    reports_archived AS 存档报告数,
    reports_edited AS 有修改的报告数,
    reports_removed AS 已下线报告数,
    last_new_report AS 最近新报告时间,
    runs_without_new AS 连续无新报告批次,
    error_rate AS 错误率,
    error_baseline AS 错误率基线,
    block_rate AS 拦截率,
    block_baseline AS 拦截率基线,
    unreadable_pages AS 无法读取的平台页,
    wasted_requests AS 无效请求数,
    empty_reason AS 无报告原因
FROM ({health_sql()})"""


def portal_health(
    conn: sqlite3.Connection, stale_runs: int = DEFAULT_STALE_RUNS, baseline_runs: int = DEFAULT_BASELINE_RUNS
) -> list[dict]:
    """Health rows of every crawled portal; ``monitors`` lists the ids of the monitors that fire."""
    cur = conn.execute(health_sql(stale_runs, baseline_runs))
    names = [d[0] for d in cur.description]
    out = []
    for values in cur.fetchall():
        row = dict(zip(names, values))
        row["monitors"] = [m.id for m in MONITORS if row.pop(m.id)]
        out.append(row)
    return out


def alerts(rows: list[dict]) -> list[dict]:
    """One alert per (portal, monitor) that fires: portal, monitor id, label, rule and why (the portal's
    ``empty_reason`` for ``zero_reports`` and ``dead``)."""
    return [
        {"portal": r["portal"], "name": r["name"], "monitor": m, "label": MONITOR_BY_ID[m].label, "rule": MONITOR_BY_ID[m].rule,
         "run_id": r["run_id"], "why": r.get("empty_reason") if m in ("zero_reports", "dead") else None}
        for r in rows
        for m in r["monitors"]
    ]  # fmt: skip

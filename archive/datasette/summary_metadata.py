"""Datasette metadata of the summary tables built when publishing (:mod:`archive.publish.summaries`)."""

from __future__ import annotations

from archive.publish.summaries import BLOCK, MATERIALIZED

_FACET_COLUMNS = {
    "view": "视图名",
    "col": "列名（空 = 该视图的行数）",
    "value": "该列的取值",
    "n": "行数",
}

LISTS: dict[str, dict] = {
    "summary_dirty": {
        "title": "summary_dirty：待更新的报告",
        "description": "上次发布以来写入或修改的报告（触发器记录），下次发布时据此更新汇总表后清空。",
        "hidden": True,
        "columns": {"report_id": "报告编号"},
    },
    "summary_dirty_portals": {
        "title": "summary_dirty_portals：待更新的门户",
        "description": "上次发布以来地区信息有变化（places = 1）或机关区划匹配有变化（places = 0）的门户。",
        "hidden": True,
        "columns": {"portal": "门户编号", "places": "1 = 门户的省份、城市、县区或层级有变化"},
    },
    "summary_facets": {
        "title": "summary_facets：视图的行数与分面计数",
        "description": "未加筛选时各视图的行数和各分面取值的行数，发布时更新，页面直接读取而不必每次数全部行。",
        "hidden": True,
        "columns": _FACET_COLUMNS,
    },
    "summary_facet_blocks": {
        "title": "summary_facet_blocks：分块计数",
        "description": f"同上，按每 {BLOCK} 个报告编号一块分别计数；有报告变化的块重新计数，总数按差额调整。",
        "hidden": True,
        "columns": {**_FACET_COLUMNS, "block": f"报告编号 ÷ {BLOCK}（取整）"},
    },
}


def tables(views: dict[str, dict]) -> dict[str, dict]:
    """Metadata of every summary table, the materialized views' tables described by their views' columns."""
    out = dict(LISTS)
    for spec in MATERIALIZED:
        out[spec.table] = {
            "title": f"{spec.table}：{spec.view}（汇总表）",
            "description": f"视图“{spec.view}”的内容，发布时生成并按变化的报告增量更新，以免每次访问都重新计算。",
            "hidden": True,
            "columns": views[spec.view]["columns"],
        }
    return out

"""Table cells as links: report ids to the report page, snapshot ids to the snapshot viewer, cell
ids and locators to the provenance page; search snippets with their matches highlighted."""

from __future__ import annotations

import re

import markupsafe

from archive.publish.rules import RULE_BY_ID, RULES_PATH
from archive.publish.search import snippet_html

SNIPPET_COLUMNS = frozenset({"摘要"})
REPORT_LINK_COLUMNS = frozenset({"报告ID", "上一版本ID", "对照报告ID", "雷同报告ID"})
RULE_LINK_COLUMNS = frozenset({"规则", "未通过规则"})
SNAPSHOT_LINK_COLUMNS = frozenset({"存档快照", "数据来源快照", "旧版快照", "新版快照"})
CELL_LINK_COLUMNS = frozenset({"单元格ID"})
TABLE_SNAPSHOT_COLUMNS = {
    ("reports", "snapshot_id"),
    ("reports", "source_snapshot_id"),
    ("attachments", "snapshot_id"),
    ("fetches", "snapshot_id"),
}
LINKED_COLUMNS = SNIPPET_COLUMNS | REPORT_LINK_COLUMNS | SNAPSHOT_LINK_COLUMNS | CELL_LINK_COLUMNS | RULE_LINK_COLUMNS
LINKED_TABLE_COLUMNS = TABLE_SNAPSHOT_COLUMNS | {
    ("reports", "title"),
    ("snapshots", "sha256"),
    ("cells", "where"),
    ("checks", "rule"),
    ("checks", "compared_report_id"),
}
_RULE_ID = re.compile(r"R[1-9]")


def is_linked(column: str, table: str | None) -> bool:
    """Whether :func:`cell_html` may render this column (the fast path for every other cell)."""
    return column in LINKED_COLUMNS or (table, column) in LINKED_TABLE_COLUMNS


def _int(value) -> int | None:
    if isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _link(href: str, text: str, title: str | None = None) -> markupsafe.Markup:
    attr = f' title="{markupsafe.escape(title)}"' if title else ""
    return markupsafe.Markup(f'<a href="{markupsafe.escape(href)}"{attr}>{markupsafe.escape(text)}</a>')


def rule_links(value: str, base: str) -> markupsafe.Markup:
    """Rule ids (``R5`` or ``R1、R5``) as links to their explanation on the rules page."""
    out = []
    last = 0
    for m in _RULE_ID.finditer(value):
        out.append(markupsafe.escape(value[last : m.start()]))
        rule = RULE_BY_ID.get(m.group(0))
        out.append(_link(f"{base}{RULES_PATH}#{m.group(0)}", m.group(0), rule.zh if rule else None))
        last = m.end()
    out.append(markupsafe.escape(value[last:]))
    return markupsafe.Markup("".join(out))


def _row_id(row) -> int | None:
    try:
        return _int(row["id"])
    except (IndexError, KeyError, TypeError):
        return None


def cell_html(row, value, column: str, table: str | None, base: str) -> markupsafe.Markup | None:
    """The cell as HTML (``base``: the database URL), or None for Datasette's own rendering."""
    if column in SNIPPET_COLUMNS and isinstance(value, str):
        return markupsafe.Markup('<span class="nianbao-snippet">' + snippet_html(value) + "</span>")
    if column in REPORT_LINK_COLUMNS and (n := _int(value)) is not None:
        return _link(f"{base}/-/report/{n}", str(n), "打开报告页（数值、校验、章节、存档）")
    if column in SNAPSHOT_LINK_COLUMNS and (n := _int(value)) is not None:
        return _link(f"{base}/-/snapshot/{n}", f"存档 #{n}", "查看存档快照")
    if column in CELL_LINK_COLUMNS and (n := _int(value)) is not None:
        return _link(f"{base}/-/cell/{n}", str(n), "查看出处")
    if column in RULE_LINK_COLUMNS and isinstance(value, str) and _RULE_ID.search(value):
        return rule_links(value, base)
    if table is None:
        return None
    if table == "checks" and column == "rule" and isinstance(value, str) and _RULE_ID.search(value):
        return rule_links(value, base)
    if table == "checks" and column == "compared_report_id" and (n := _int(value)) is not None:
        return _link(f"{base}/-/report/{n}", str(n), "打开对照的上一年度报告")
    if (table, column) in TABLE_SNAPSHOT_COLUMNS and (n := _int(value)) is not None:
        return _link(f"{base}/-/snapshot/{n}", f"存档 #{n}", "查看存档快照")
    if table == "reports" and column == "title" and isinstance(value, str) and (n := _row_id(row)) is not None:
        return _link(f"{base}/-/report/{n}", value, "打开报告页")
    if table == "snapshots" and column == "sha256" and isinstance(value, str) and (n := _row_id(row)) is not None:
        return _link(f"{base}/-/snapshot/{n}", value[:16] + "…", value)
    if table == "cells" and column == "where" and (n := _row_id(row)) is not None:
        return _link(f"{base}/-/cell/{n}", value if isinstance(value, str) and value else "出处", "查看出处")
    return None

"""The report page lays table 三 out as the printed form: parent rows kept, children indented."""

from __future__ import annotations

from archive.datasette.pages import build_grids
from extract.schema import APPLICANT_KEYS, APPLICATION_ROWS


def _cells(template: str, skip: frozenset[str] = frozenset()) -> list[dict]:
    rows = [r.key for r in APPLICATION_ROWS[template] if r.key not in skip]
    return [
        {"id": i, "table_name": "applications", "row": row, "col": col, "value": 1, "raw": "1"}
        for i, (row, col) in enumerate((row, col) for row in rows for col in APPLICANT_KEYS)
    ]


def _layout(template: str, skip: frozenset[str] = frozenset()) -> list[tuple[int, bool, str]]:
    grids, leftover = build_grids(template, _cells(template, skip), [])
    [grid] = [g for g in grids if g.table == "applications"]
    assert leftover == []
    return [(row.depth, row.heading, row.label) for row in grid.rows]


def test_table_three_keeps_its_parent_rows_2021():
    layout = _layout("2021")
    headings = [(depth, label) for depth, heading, label in layout if heading]
    assert headings == [(0, "三、本年度办理结果"), (1, "（三）不予公开"), (1, "（四）无法提供"), (1, "（五）不予处理"),
                        (1, "（六）其他处理")]  # fmt: skip
    labels = [label for _d, _h, label in layout]
    assert labels[:5] == ["一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "三、本年度办理结果",
                          "（一）予以公开", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"]  # fmt: skip
    secret = labels.index("1.属于国家秘密")
    assert labels[secret - 1] == "（三）不予公开" and layout[secret][0] == 2
    assert labels[-2:] == ["（七）总计", "四、结转下年度继续办理"] and [d for d, _h, _l in layout[-2:]] == [1, 0]
    assert (
        labels[labels.index("（六）其他处理") + 1] == "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    )


def test_2019_other_is_a_row_of_its_own_and_a_missing_group_gets_no_heading():
    layout = _layout(
        "2019", skip=frozenset(k for k in (r.key for r in APPLICATION_ROWS["2019"]) if k.startswith("unavailable_"))
    )
    labels = [label for _d, heading, label in layout if heading]
    assert labels == ["三、本年度办理结果", "（三）不予公开", "（五）不予处理"]
    assert (1, False, "（六）其他处理") in layout

"""The national templates' own words as search terms: which table figures a query names.

A journalist types 不予公开, 国家秘密, 行政复议, 商业企业 or 结转下年度继续办理 — words of the row and
column labels of the 2019/2021 templates (:mod:`extract.schema`, docs/contract.md §1).  Each
:class:`Figure` is what such a word names: table rows or a column, as columns of values per report
(a column may sum rows: 不予公开 = its eight grounds), with the journalist view that shows them.
:func:`figures_named` finds the figures a query names; the search page
(:mod:`archive.datasette.search_page`) shows them next to the text hits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from archive.publish.search import normalise
from archive.publish.views import (
    ACTIVE_COL_LABELS,
    APPLICATION_ROW_NAMES,
    APPLICATION_SUBTOTALS,
    DENIED_ROWS,
    REVIEW_ROW_SHORT,
)
from extract.schema import (
    ACTIVE_2019,
    ACTIVE_2021,
    APPLICANT_COLUMNS,
    APPLICATION_GROUPS,
    APPLICATION_ROWS_2019,
    APPLICATION_ROWS_2021,
    REVIEW_COLUMNS,
    REVIEW_ROWS,
)

MAX_FIGURES = 6
OR_WORDS = frozenset({"or", "或", "|"})


@dataclass(frozen=True)
class FigureColumn:
    """One column of a figure: the cells ``table``/``rows``/``col`` of a report, summed
    (nulls as 0; null when the report has none of them)."""

    label: str
    table: str
    rows: tuple[str, ...]
    col: str

    @property
    def single(self) -> bool:
        return len(self.rows) == 1


@dataclass(frozen=True)
class Figure:
    """Table figures a word of the templates names; ``names`` are the labels that name it."""

    key: str
    title: str
    names: tuple[str, ...]
    columns: tuple[FigureColumn, ...]
    view: str | None = None
    view_args: tuple[tuple[str, str], ...] = ()
    also: tuple[str, ...] = ()  # other views that show it
    note: str = ""
    normalised: tuple[str, ...] = field(default=(), compare=False)


def _bare(label: str) -> str:
    """A label without its enumerator and annotation: ``（二）部分公开（区分处理的…）`` → ``部分公开``."""
    text = re.sub(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)", "", label)
    return re.sub(r"（[^）]*）$", "", text).strip()


def fold(text: str) -> str:
    """A label or a query word as they are compared: normalised, without spaces or punctuation."""
    return re.sub(r"[\W_]+", "", normalise(text))


def _figure(key: str, title: str, names: list[str], columns: list[FigureColumn], **extra) -> Figure:
    names = list(dict.fromkeys(n for n in names if n))
    folded = tuple(dict.fromkeys(fold(n) for n in names))
    return Figure(key, title, tuple(names), tuple(columns), normalised=folded, **extra)


def _applicant_columns(rows: tuple[str, ...]) -> list[FigureColumn]:
    ordered = [APPLICANT_COLUMNS[-1], *APPLICANT_COLUMNS[:-1]]  # 总计 first
    return [FigureColumn(label, "applications", rows, col) for col, label in ordered]


def _application_figures() -> list[Figure]:
    out = []
    seen: set[str] = set()
    for row in APPLICATION_ROWS_2021 + APPLICATION_ROWS_2019:
        if row.key in seen or row.key == "other":  # the 2019 row （六）其他处理: a column of the group's figure
            continue
        seen.add(row.key)
        short = APPLICATION_ROW_NAMES[row.key]
        label = _bare(row.label) if row.key != "total" else "办理结果总计"
        group = f"{row.group}：" if row.group else ""
        names = [label, short.split("_", 1)[-1], short]
        if row.key == "total":
            names = ["办理结果总计", "（七）总计"]
        title = f"表三 {group}{row.ordinal or ''}{_bare(row.label)}（件）"
        out.append(
            _figure(
                f"applications:{row.key}",
                title,
                names,
                _applicant_columns((row.key,)),
                view="依申请办理情况",
                view_args=(("_sort_desc", short),),
            )
        )
    for ordinal, group in APPLICATION_GROUPS.items():
        subtotal = f"{group}合计"
        rows = tuple(APPLICATION_SUBTOTALS[subtotal])
        columns = [FigureColumn(f"{group}合计", "applications", rows, "total")]
        columns += [
            FigureColumn(APPLICATION_ROW_NAMES[r].split("_", 1)[-1], "applications", (r,), "total")
            for r in rows
            if r != "other"
        ]
        if group == "其他处理":
            columns.append(FigureColumn("其他处理（2019年版为一行）", "applications", ("other",), "total"))
        extra = {}
        if rows == tuple(DENIED_ROWS):
            extra["also"] = ("不予公开理由排行",)
        out.append(
            _figure(
                f"applications:{group}",
                f"表三 {ordinal}{group}：合计与各项（总计列，件）",
                [group, ordinal + group],
                columns,
                view="依申请办理情况",
                view_args=(("_sort_desc", subtotal),),
                **extra,
            )
        )
    received = ("new_received",)
    for col, label in APPLICANT_COLUMNS[:-1]:
        columns = [
            FigureColumn("本年新收申请", "applications", received, col),
            FigureColumn("予以公开", "applications", ("granted",), col),
            FigureColumn("部分公开", "applications", ("partially_granted",), col),
            FigureColumn("不予公开合计", "applications", tuple(DENIED_ROWS), col),
            FigureColumn("办理结果总计", "applications", ("total",), col),
        ]
        out.append(
            _figure(
                f"applicants:{col}",
                f"表三 申请人：{label}（件）",
                ["其他组织"] if col == "other_org" else [label],
                columns,
                view="cells",
                view_args=(("table_name", "applications"), ("col", col)),
            )
        )
    return out


def _review_figures() -> list[Figure]:
    out = []
    for row, label in REVIEW_ROWS:
        columns = [FigureColumn(col_label, "review_litigation", (row,), col) for col, col_label in REVIEW_COLUMNS]
        columns = [columns[-1], *columns[:-1]]  # 总计 first
        out.append(
            _figure(
                f"review:{row}",
                f"表四 {'行政诉讼 ' if row != 'administrative_review' else ''}{label}（件）",
                [label] + (["行政诉讼" + label] if row != "administrative_review" else []),
                columns,
                view="复议诉讼情况",
                view_args=(("_sort_desc", f"{REVIEW_ROW_SHORT[row]}_总计"),),
            )
        )
    litigation = ("litigation_direct", "litigation_after_review")
    columns = [
        FigureColumn(f"诉讼{col_label}", "review_litigation", litigation, col) for col, col_label in REVIEW_COLUMNS
    ]
    out.append(
        _figure(
            "review:行政诉讼",
            "表四 行政诉讼（未经复议直接起诉与复议后起诉之和，件）",
            ["行政诉讼"],
            [columns[-1], *columns[:-1]],
            view="复议诉讼情况",
            view_args=(("_sort_desc", "直接起诉_总计"),),
        )
    )
    for col, col_label in REVIEW_COLUMNS[:-1]:
        out.append(
            _figure(
                f"review-col:{col}",
                f"表四 {col_label}（件）",
                [col_label],
                [
                    FigureColumn(f"{REVIEW_ROW_SHORT[row]}{col_label}", "review_litigation", (row,), col)
                    for row, _ in REVIEW_ROWS
                ],
                view="复议诉讼情况",
            )
        )
    return out


def _active_figures() -> list[Figure]:
    rows: dict[str, tuple[str, list[str]]] = {}
    cols: dict[str, list[str]] = {}
    for st in ACTIVE_2021 + ACTIVE_2019:
        for row, label in st.rows:
            entry = rows.setdefault(row, (label, []))
            entry[1].extend(c for c, _ in st.columns if c not in entry[1])
            for col, _ in st.columns:
                cols.setdefault(col, [])
                if row not in cols[col]:
                    cols[col].append(row)
    out = []
    for row, (label, row_cols) in rows.items():
        names = [label, _bare(label)] + (["规范性文件"] if row == "normative_documents" else [])
        columns = [FigureColumn(_bare(ACTIVE_COL_LABELS.get(c, c)), "active_disclosure", (row,), c) for c in row_cols]
        out.append(
            _figure(
                f"active:{row}",
                f"表二 {label}",
                names,
                columns,
                view="主动公开情况",
                view_args=(("信息内容", label),),
                note="件数单位为件，收费金额单位为万元，采购总金额的单位见单元格。",
            )
        )
    labels = {c: _bare(label) for st in ACTIVE_2021 + ACTIVE_2019 for c, label in st.columns}
    for col, col_rows in cols.items():
        row_labels = {r: rows[r][0] for r in col_rows}
        out.append(
            _figure(
                f"active-col:{col}",
                f"表二 {labels[col]}",
                [labels[col]],
                [FigureColumn(row_labels[r], "active_disclosure", (r,), col) for r in col_rows],
                view="主动公开情况",
            )
        )
    return out


FIGURES: tuple[Figure, ...] = tuple(_application_figures() + _review_figures() + _active_figures())
EXAMPLES = ("不予公开", "国家秘密", "行政复议", "行政诉讼", "商业企业", "结转下年度继续办理", "行政处罚")


def _score(term: str, name: str) -> int:
    """How well a query term names a label: 4 the label itself, 3 the label within the term,
    2 the label's beginning or end, 1 inside it (terms of two characters or more)."""
    if term == name:
        return 4
    if len(name) >= 2 and name in term:
        return 3
    if len(term) >= 2 and (name.startswith(term) or name.endswith(term)):
        return 2
    if len(term) >= 2 and term in name:
        return 1
    return 0


def query_words(query: str | None) -> list[str]:
    """The words of a query as they name labels: quotes and operators dropped, normalised."""
    words = []
    for quoted, bare in re.findall(r'"([^"]*)"?|(\S+)', query or ""):
        if not quoted and bare.lower() in OR_WORDS:
            continue
        word = fold(quoted or bare)
        if word:
            words.append(word)
    return words


def figures_named(query: str | None, limit: int = MAX_FIGURES) -> list[Figure]:
    """The figures whose labels the query's words name, best first (at most ``limit``): for each
    word the figures it names best."""
    chosen: dict[str, tuple[int, int, Figure]] = {}
    for order, word in enumerate(query_words(query)):
        scored = [(max(_score(word, n) for n in f.normalised), f) for f in FIGURES]
        best = max((s for s, _f in scored), default=0)
        if best == 0:
            continue
        for score, figure in scored:
            if score == best and figure.key not in chosen:
                chosen[figure.key] = (-score, order, figure)
    ranked = sorted(chosen.values(), key=lambda t: (t[0], t[1]))
    return [figure for _s, _o, figure in ranked[:limit]]

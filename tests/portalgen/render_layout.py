"""Layout of a sample report's body: paragraphs and tables as physical rows of cells with spans.

Shared by :mod:`portalgen.render_html` and :mod:`portalgen.render_text`.  The layout
decides *what* is printed where (labels and their variants, row/column spans, split tables, page
break repetitions); the renderers decide the markup.  Every value cell carries the key
``(table, row, col)`` of the :class:`~portalgen.sample.SampleCell` it prints, so tests can
check a rendering against :meth:`SampleReport.expected_cells`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from extract.schema import (
    ACTIVE_SUBTABLES,
    APPLICANT_COLUMNS,
    APPLICATION_GROUPS,
    APPLICATION_ROWS,
    REVIEW_COLUMNS,
    AppRow,
    SubTable,
)
from portalgen.sample import ExtraRow, Key, SampleCell, SampleReport

if TYPE_CHECKING:  # pragma: no cover - typing only
    from portalgen.render_html import MarkupStyle

NBSP = "\u00a0"
IDEOGRAPHIC_SPACE = "\u3000"


@dataclass
class LCell:
    """One physical cell: ``lines`` of text (a label broken over lines) and its spans."""

    lines: list[str]
    rowspan: int = 1
    colspan: int = 1
    role: str = "label"  # caption | header | label | value | blank
    key: Key | None = None  # value cells: the expected (table, row, col)

    @property
    def text(self) -> str:
        """The cell's text with its lines joined by nothing (as label normalisation does)."""
        return "".join(self.lines)


@dataclass
class LTable:
    """A published table: physical rows of :class:`LCell`."""

    rows: list[list[LCell]]
    section: int  # 2, 3, 4, or 0 for a pre-2019 statistics table
    header_rows: int = 0  # leading rows that form the header (for <thead>)

    def width(self) -> int:
        """Grid width of the first row (every row has the same width, see :func:`grid`)."""
        return sum(c.colspan for c in self.rows[0]) if self.rows else 0


@dataclass
class LPara:
    """A paragraph of body text; ``kind`` is title | preamble | heading | text | intro | signature | appendix."""

    text: str
    kind: str = "text"


Block = LPara | LTable


@dataclass
class Layout:
    """The body of a report in document order."""

    blocks: list[Block] = field(default_factory=list)

    def tables(self) -> list[LTable]:
        return [b for b in self.blocks if isinstance(b, LTable)]

    def value_cells(self) -> list[LCell]:
        """Every value cell in document order."""
        return [c for t in self.tables() for row in t.rows for c in row if c.key is not None]


def grid(table: LTable) -> list[list[LCell | None]]:
    """Expand spans to a full grid (each position holds the cell covering it).

    Raises ``ValueError`` when the spans do not add up to a rectangle.
    """
    out: list[list[LCell | None]] = []
    for r, row in enumerate(table.rows):
        while len(out) <= r:
            out.append([])
        x = 0
        for cell in row:
            while x < len(out[r]) and out[r][x] is not None:
                x += 1
            for dy in range(cell.rowspan):
                while len(out) <= r + dy:
                    out.append([])
                line = out[r + dy]
                while len(line) < x + cell.colspan:
                    line.append(None)
                for dx in range(cell.colspan):
                    if line[x + dx] is not None:
                        raise ValueError(f"overlapping spans at row {r + dy}, column {x + dx}")
                    line[x + dx] = cell
            x += cell.colspan
    widths = {len(line) for line in out}
    if len(widths) != 1 or any(c is None for line in out for c in line) or len(out) != len(table.rows):
        raise ValueError(f"table is not rectangular: row widths {[len(line) for line in out]}")
    return out


# ----------------------------------------------------------------------------- labels

# Hubei 2019/2020 annotated labels (docs/report-format.md §8.2); {prev}/{year} filled in.
_HUBEI_ROWS = {
    "规章": "（设区的市、自治州人民政府应提供相关数据）",
    "规范性文件": (
        "（行政机关制定发布的决定、公告、通告、意见、通知，以及标题采用“规定”“办法”“细则”“规范”“规程”“规则”"
        "等字样的公文，一般情况下属于规范性文件）"
    ),
    "行政规范性文件": "（行政机关制定发布的决定、公告、通告、意见、通知等，一般情况下属于行政规范性文件）",
    "其他对外管理服务事项": (
        "（指行政许可证以外的政务服务事项，含行政确认、行政奖励、行政裁决、行政给付、行政处罚、行政强制、"
        "行政检查、行政征收和其他类，以及公共服务事项）"
    ),
}
_HUBEI_COLUMNS = {
    "上一年项目数量": "（指{prev}年事项数）",
    "本年增/减": "（指{year}年增加或减少的事项数，减用负值表示，如-8）",
    "处理决定数量": "（指{year}年办件量）",
    "采购项目数量": "（指{year}年采购项目数）",
}
# Where a broken label breaks (else in the middle).
_BREAKS = {
    "本年新制作数量": ["本年新", "制作数量"],
    "本年新公开数量": ["本年新", "公开数量"],
    "对外公开总数量": ["对外公开", "总数量"],
    "上一年项目数量": ["上一年", "项目数量"],
    "处理决定数量": ["处理决定", "数量"],
    "本年处理决定数量": ["本年处理", "决定数量"],
    "本年制发件数": ["本年制发", "件数"],
    "本年废止件数": ["本年废止", "件数"],
    "现行有效件数": ["现行有效", "件数"],
    "商业企业": ["商业", "企业"],
    "科研机构": ["科研", "机构"],
    "社会公益组织": ["社会", "公益", "组织"],
    "法律服务机构": ["法律", "服务", "机构"],
    "法人或其他组织": ["法人或其", "他组织"],
    "三、本年度办理结果": ["三、本", "年度办", "理结果"],
    "未经复议直接起诉": ["未经复议", "直接起诉"],
    "计量单位": ["计量", "单位"],
    "历年累计": ["历年", "累计"],
}


def _fold(text: str, style: MarkupStyle) -> str:
    """Character-level label variants: half-width brackets, straight quotes."""
    if style.halfwidth_brackets:
        text = text.replace("（", "(").replace("）", ")").replace("：", ":")
    if style.straight_quotes:
        text = text.replace("“", '"').replace("”", '"')
    return text


class Labels:
    """Label texts of one report under one style."""

    def __init__(self, report: SampleReport, style: MarkupStyle):
        self.report = report
        self.style = style

    def _cell(self, text: str, role: str = "label", breakable: bool = True, **spans: int) -> LCell:
        text = _fold(text, self.style)
        lines = self._lines(text) if breakable else [text]
        return LCell(lines, role=role, **spans)

    def _lines(self, text: str) -> list[str]:
        style = self.style
        if style.label_breaks != "none":
            if text in _BREAKS:
                lines = list(_BREAKS[text])
            elif len(text) > 16:
                cut = len(text) // 2
                lines = [text[:cut], text[cut:]]
            else:
                lines = [text]
        else:
            lines = [text]
        if style.nbsp_in_labels and len(text) >= 4:
            if len(lines) > 1:
                lines = [ln + NBSP for ln in lines[:-1]] + [lines[-1]]
            else:
                cut = len(text) // 2
                lines = [text[:cut] + NBSP + text[cut:]]
            lines[0] = NBSP + lines[0]
        return lines

    def caption(self, caption: str, **spans: int) -> LCell:
        if self.style.caption_space:
            caption = caption.replace("第二十条第", "第二十条 第")
        return self._cell(caption, "caption", breakable=False, **spans)

    def header(self, label: str, **spans: int) -> LCell:
        return self._cell(label, "header", **spans)

    def active_column(self, sub: SubTable, col: str, label: str, **spans: int) -> LCell:
        style, year = self.style, self.report.year
        if style.truncated_headers and col in ("new_made", "new_published"):
            return self._cell("本年新", "header", breakable=False, **spans)
        note = ""
        if style.annotations and self.report.template == "2019" and label in _HUBEI_COLUMNS:
            note = _HUBEI_COLUMNS[label].format(prev=year - 1, year=year)
        if style.synonyms and label == "本年增/减":
            label = "本年增减"
        return self._cell(label + note, "header", **spans)

    def row_label(self, label: str, **spans: int) -> LCell:
        """A row label cell (其他 spelt 其它 when the style says so)."""
        if self.style.other_spelling:
            label = label.replace("其他", "其它")
        return self._cell(label, **spans)

    def active_row(self, label: str, **spans: int) -> LCell:
        if self.style.annotations and label in _HUBEI_ROWS:
            label = label + _HUBEI_ROWS[label]
        return self.row_label(label, **spans)

    def applicant_column(self, label: str, **spans: int) -> LCell:
        if self.style.synonyms:
            label = {"总计": "合计", "其他": "其它"}.get(label, label)
        return self._cell(label, "header", **spans)

    def app_row(self, row: AppRow, with_group: bool = False) -> str:
        """The printed label of an applications row (ordinal + text), optionally glued to its group."""
        ordinal = row.ordinal or ""
        if self.style.enumerator_mix and row.group in ("不予公开", "其他处理") and ordinal.endswith("."):
            ordinal = ordinal[:-1] + "、"
        text = row.label
        if self.style.synonyms and text == "总计":
            text = "合计"
        if self.style.other_spelling:
            text = text.replace("其他", "其它")
        label = ordinal + text
        if with_group and row.group:
            label = self.group_label(row.group) + label
        return label

    def group_label(self, group: str) -> str:
        ordinal = next(o for o, name in APPLICATION_GROUPS.items() if name == group)
        label = ordinal + group
        return label.replace("其他", "其它") if self.style.other_spelling else label

    def review_column(self, label: str, **spans: int) -> LCell:
        if self.style.synonyms and label == "总计":
            label = "合计"
        return self._cell(label, "header", **spans)


# ----------------------------------------------------------------------------- values


def value_cell(cell: SampleCell, key: Key | None, style: MarkupStyle, rng: random.Random, **spans: int) -> LCell:
    """A value cell printing ``cell.raw``, with the style's padding and blank markup."""
    text = cell.raw
    if text == "" and style.blank_markup == "nbsp":
        text = NBSP
    elif text and style.value_padding == "nbsp":
        text = rng.choice([NBSP + text, text + NBSP, NBSP * 2 + text])
    elif text and style.value_padding == "ideographic":
        text = rng.choice([IDEOGRAPHIC_SPACE + text, IDEOGRAPHIC_SPACE * 2 + text, " " + text])
    return LCell([text], role="value", key=key, **spans)


def _parts(n: int, total: int, rng: random.Random, uneven: bool) -> list[int]:
    """Colspans of ``n`` cells filling ``total`` grid columns."""
    if not uneven:
        return [1] * (n - 1) + [total - n + 1]
    cuts = sorted(rng.sample(range(1, total), n - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total])]


# ----------------------------------------------------------------------------- section 二


def _active_tables(report: SampleReport, style: MarkupStyle, rng: random.Random) -> list[Block]:
    """Section 二: one table, one per caption (``split_active``), or captions as paragraphs."""
    labels = Labels(report, style)
    subs = ACTIVE_SUBTABLES[report.template]
    extras: dict[str, list[ExtraRow]] = {}
    for extra in report.extra_rows:
        extras.setdefault(extra.after, []).append(extra)
    uneven = style.active_layout == "shanghai"
    tables: list[LTable] = []
    rows: list[list[LCell]] = []
    for sub in subs:
        n = len(sub.columns)
        if style.split_active or style.active_captions == "paragraph":
            value_width = 4 if uneven else n
        else:
            value_width = 4 if uneven else max(len(s.columns) for s in subs)
        width = 1 + value_width
        block: list[list[LCell]] = [[labels.caption(sub.caption, colspan=width)]]
        header = [labels.header("信息内容")]
        for (col, label), span in zip(sub.columns, _parts(n, value_width, rng, uneven)):
            header.append(labels.active_column(sub, col, label, colspan=span))
        block.append(header)
        printed: list[tuple[str, str, list[SampleCell], list[Key]]] = []
        for row, label in sub.rows:
            keys = [("active_disclosure", row, col) for col, _ in sub.columns]
            printed.append((label, row, [report.cells[k] for k in keys], keys))
            for extra in extras.get(row, []):
                ekeys = [("active_disclosure", extra.key, col) for col in extra.columns]
                printed.append((extra.label, extra.key, extra.values, ekeys))
        for label, _row, cells, keys in printed:
            line = [labels.active_row(label)]
            for cell, key, span in zip(cells, keys, _parts(n, value_width, rng, uneven)):
                line.append(value_cell(cell, key, style, rng, colspan=span))
            block.append(line)
        if style.active_captions == "paragraph":
            tables.append(LPara(block[0][0].text, "caption"))
            tables.append(LTable(block[1:], 2, header_rows=1))
        elif style.split_active:
            tables.append(LTable(block, 2, header_rows=2))
        else:
            if rows and style.empty_rows:
                rows.append([LCell([""], role="blank", colspan=width)])
            rows.extend(block)
    if rows:
        tables.append(LTable(rows, 2, header_rows=2))
    return tables


# ----------------------------------------------------------------------------- section 三

APPS_CAPTION = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def _apps_header(labels: Labels, style: MarkupStyle) -> list[list[LCell]]:
    cols = [label for _, label in APPLICANT_COLUMNS]
    orgs = [labels.applicant_column(c) for c in cols[1:6]] + ([labels.header("小计")] if style.apps_subtotal else [])
    if style.apps_header == "one_row":
        return [
            [labels.header("", colspan=3), labels.applicant_column("自然人"), *orgs, labels.applicant_column("总计")]
        ]
    if style.apps_header == "unmerged":  # no rowspans: blank cells where the merged ones would reach
        blank = lambda **spans: LCell([""], role="blank", **spans)
        return [
            [labels.header(APPS_CAPTION, colspan=3), labels.header("申请人情况", colspan=len(orgs) + 2)],
            [
                blank(colspan=3),
                labels.applicant_column("自然人"),
                labels.header("法人或其他组织", colspan=len(orgs)),
                labels.applicant_column("总计"),
            ],
            [blank(colspan=3), blank(), *orgs, blank()],
        ]
    caption = "" if style.apps_header == "no_caption" else APPS_CAPTION
    return [
        [labels.header(caption, rowspan=3, colspan=3), labels.header("申请人情况", colspan=len(orgs) + 2)],
        [
            labels.applicant_column("自然人", rowspan=2),
            labels.header("法人或其他组织", colspan=len(orgs)),
            labels.applicant_column("总计", rowspan=2),
        ],
        orgs,
    ]


def _apps_rows(report: SampleReport, rows: list[AppRow], style: MarkupStyle, rng: random.Random) -> list[list[LCell]]:
    """Physical rows for a run of application rows (spans computed within the run)."""
    labels = Labels(report, style)
    in_three = [r for r in rows if r.level1 == "三"]
    out: list[list[LCell]] = []
    seen_level1 = False
    group_seen: dict[str, int] = {}
    for r in rows:
        line: list[LCell] = []
        if r.level1 != "三":
            line.append(labels._cell(labels.app_row(r), colspan=3))
        else:
            if style.level1_label == "rowspan":
                if not seen_level1:
                    line.append(labels._cell("三、本年度办理结果", rowspan=len(in_three)))
            elif style.level1_label == "repeated" or not seen_level1:
                line.append(labels._cell("三、本年度办理结果"))
            else:
                line.append(LCell([""], role="blank"))
            seen_level1 = True
            if r.group is None:
                line.append(labels._cell(labels.app_row(r), colspan=2))
            else:
                first = r.group not in group_seen
                group_seen[r.group] = group_seen.get(r.group, 0) + 1
                mode = style.group_labels
                if mode == "missing":
                    line.append(labels._cell(labels.app_row(r), colspan=2))
                elif mode == "glued":
                    line.append(labels._cell(labels.app_row(r, with_group=True), colspan=2))
                else:
                    if mode == "rowspan":
                        if first:
                            span = sum(1 for x in rows if x.group == r.group)
                            line.append(labels._cell(labels.group_label(r.group), rowspan=span))
                    elif mode == "repeated" or first:
                        line.append(labels._cell(labels.group_label(r.group)))
                    else:
                        line.append(LCell([""], role="blank"))
                    line.append(labels._cell(labels.app_row(r)))
        for col, _ in APPLICANT_COLUMNS:
            key = ("applications", r.key, col)
            if col == "total" and style.apps_subtotal:
                line.append(_subtotal(report, r.key, style, rng))
            line.append(value_cell(report.cells[key], key, style, rng))
        out.append(line)
    return out


def _subtotal(report: SampleReport, row: str, style: MarkupStyle, rng: random.Random) -> LCell:
    """The 小计 of the five organisation columns: printed, never a canonical cell (key None)."""
    total = sum(report.cells[("applications", row, col)].value or 0 for col, _ in APPLICANT_COLUMNS[1:6])
    return value_cell(SampleCell(str(total), total), None, style, rng)


def _apps_tables(report: SampleReport, style: MarkupStyle, rng: random.Random) -> list[LTable]:
    labels = Labels(report, style)
    rows = list(APPLICATION_ROWS[report.template])
    header = _apps_header(labels, style)
    nh = len(header)
    if style.apps_break == "none":
        return [LTable(header + _apps_rows(report, rows, style, rng), 3, nh)]
    # a page break inside 三、本年度办理结果: the level-1 (and group) labels are printed again
    first3 = next(i for i, r in enumerate(rows) if r.level1 == "三")
    last3 = max(i for i, r in enumerate(rows) if r.level1 == "三")
    cut = rng.randint(first3 + 1, last3)
    seg1 = _apps_rows(report, rows[:cut], style, rng)
    seg2 = _apps_rows(report, rows[cut:], style, rng)
    again = _apps_header(labels, style)
    footer = (
        [[LCell([f"- {rng.randint(3, 9)} -"], role="blank", colspan=10 + int(style.apps_subtotal))]]
        if style.page_footer
        else []
    )
    if style.apps_break == "table":
        return [LTable(header + seg1 + footer, 3, nh), LTable(seg2, 3, 0)]
    if style.apps_break == "table_header":
        return [LTable(header + seg1 + footer, 3, nh), LTable(again + seg2, 3, nh)]
    if style.apps_break == "inline_header":
        return [LTable(header + seg1 + footer + again + seg2, 3, nh)]
    return [LTable(header + seg1 + footer + seg2, 3, nh)]  # inline_level1


# ----------------------------------------------------------------------------- section 四


def _review_tables(report: SampleReport, style: MarkupStyle, rng: random.Random) -> list[LTable]:
    labels = Labels(report, style)
    cols = [label for _, label in REVIEW_COLUMNS]

    def values(row: str) -> list[LCell]:
        return [
            value_cell(report.cells[("review_litigation", row, col)], ("review_litigation", row, col), style, rng)
            for col, _ in REVIEW_COLUMNS
        ]

    def heads(n: int, **spans: int) -> list[LCell]:
        return [labels.review_column(c, **spans) for _ in range(n) for c in cols]

    if style.review_layout == "rows":  # transposed: one row per kind (never split)
        return [
            LTable(
                [
                    [labels.header("", colspan=2)] + heads(1),
                    [labels._cell("行政复议", colspan=2)] + values("administrative_review"),
                    [labels._cell("行政诉讼", rowspan=2), labels._cell("未经复议直接起诉")]
                    + values("litigation_direct"),
                    [labels._cell("复议后起诉")] + values("litigation_after_review"),
                ],
                4,
                1,
            )
        ]
    kinds = [labels.header("未经复议直接起诉", colspan=5), labels.header("复议后起诉", colspan=5)]
    litigation = values("litigation_direct") + values("litigation_after_review")
    if style.split_review:
        first = LTable([[labels.header("行政复议", colspan=5)], heads(1), values("administrative_review")], 4, 2)
        if style.review_layout == "two_row":  # the 行政诉讼 level left out
            return [first, LTable([kinds, heads(2), litigation], 4, 2)]
        return [first, LTable([[labels.header("行政诉讼", colspan=10)], kinds, heads(2), litigation], 4, 3)]
    if style.review_layout == "two_row":
        return [
            LTable(
                [
                    [labels.header("行政复议", colspan=5), *kinds],
                    heads(3),
                    values("administrative_review") + litigation,
                ],
                4,
                2,
            )
        ]
    if style.review_layout == "unmerged":  # as the 西岩镇 copy shows: blank cells under the review labels
        rows = [
            [labels.header("行政复议", colspan=5), labels.header("行政诉讼", colspan=10)],
            heads(1) + kinds,
            [LCell([""], role="blank") for _ in cols] + heads(2),
            values("administrative_review") + litigation,
        ]
        return [LTable(rows, 4, 3)]
    rows = [
        [labels.header("行政复议", colspan=5), labels.header("行政诉讼", colspan=10)],
        heads(1, rowspan=2) + kinds,
        heads(2),
        values("administrative_review") + litigation,
    ]
    return [LTable(rows, 4, 3)]


# ----------------------------------------------------------------------------- pre-2019


def _legacy_table(report: SampleReport, style: MarkupStyle, rng: random.Random) -> LTable:
    labels = Labels(report, style)
    year_lines = [report.legacy_value_header]
    if style.label_breaks != "none" and report.legacy_value_header.endswith("年度"):
        year_lines = [report.legacy_value_header[:-2], "年度"]
    code = [labels.header("代码")] if report.legacy_codes else []
    rows = [
        [
            labels.header("指标名称"),
            labels.header("计量单位"),
            *code,
            LCell([_fold(x, style) for x in year_lines], role="header"),
        ]
        + [labels.header(report.legacy_cumulative_header)]
    ]
    for n, row in enumerate(report.legacy_rows, start=1):
        rows.append(
            [labels.row_label(row.label), LCell([row.unit])]
            + ([LCell([f"{n:02d}"])] if report.legacy_codes else [])
            + [
                value_cell(row.value, ("legacy_indicators", row.key, "value"), style, rng),
                value_cell(row.cumulative, ("legacy_indicators", row.key, "cumulative"), style, rng),
            ]
        )
    return LTable(rows, 0, 1)


# ----------------------------------------------------------------------------- body

RARE_CONTACT = "联系人：王喆、刘堃。"  # characters in GBK but not in GB2312 (end of section 一)

INTROS = {
    2: "本年度主动公开政府信息情况如下表所示：",
    3: "本年度收到和处理政府信息公开申请情况统计如下：",
    4: "（统计数据见下表）",
}


def _signature_date(report: SampleReport) -> str:
    d = report.published
    return f"{d.year}年{d.month}月{d.day}日"


def layout_report(report: SampleReport, style: MarkupStyle) -> Layout:
    """The body of ``report`` under ``style``: title?, preamble, sections with their tables, signature."""
    rng = random.Random(style.seed)
    out = Layout()
    add = out.blocks.append
    if style.title_in_body:
        add(LPara(report.title, "title"))
    preamble = report.preamble
    if style.wrong_basis and report.template in ("2019", "2021"):
        other = "国办公开办函〔2019〕60号" if report.template == "2021" else "国办公开办函〔2021〕30号"
        preamble = f"本报告依据《中华人民共和国政府信息公开条例》和{other}文件要求编制。" + preamble
    add(LPara(preamble, "preamble"))
    missing = {"none": set(), "two": {2}, "three": {3}, "both": {2, 3}}[style.missing_headings]
    tables_for = {}
    if report.template in ("2019", "2021"):
        tables_for = {
            2: _active_tables(report, style, rng),
            3: _apps_tables(report, style, rng),
            4: _review_tables(report, style, rng),
        }
        for blocks in tables_for.values():
            for table in (b for b in blocks if isinstance(b, LTable)):
                _decorate(table, style)
    for number, (heading, text) in enumerate(report.sections, start=1):
        if style.heading_variants and report.template in ("2019", "2021"):
            heading = HEADING_VARIANTS.get(number, heading)
        if number not in missing or number not in tables_for:
            add(LPara(heading, "heading"))
        if number == 1 and style.rare_chars:
            text += RARE_CONTACT
        for para in (p for p in text.split("\n") if p):
            add(LPara(para, "text"))
        if number in tables_for:
            if style.intro_sentence:
                add(LPara(INTROS[number], "intro"))
            out.blocks.extend(tables_for[number])
    legacy = report.template == "pre2019" and report.legacy_rows
    legacy_table = _decorate(_legacy_table(report, style, rng), style) if legacy else None
    if legacy_table and style.legacy_placement == "section":
        n = len(report.sections) + 1
        add(LPara(f"{_cn(n)}、政府信息公开情况统计表", "heading"))
        add(legacy_table)
    if style.signature:
        add(LPara(report.organ, "signature"))
        add(LPara(_signature_date(report), "signature"))
    if legacy_table and style.legacy_placement == "appendix":
        add(LPara(f"附件1：{report.short_name}{report.year}年政府信息公开情况统计表", "appendix"))
        add(legacy_table)
    return out


def _decorate(table: LTable, style: MarkupStyle) -> LTable:
    """Empty trailing column / empty last row, as Word tables pasted with a spare column or row carry."""
    if style.empty_rows and table.section != 2:
        table.rows.append([LCell([""], role="blank") for _ in range(table.width())])
    if style.trailing_empty_column:
        for row in table.rows:
            row.append(LCell([""], role="blank"))
    return table


# Headings as other reports word them (docs/report-format.md §2).
HEADING_VARIANTS = {
    1: "一、工作基本情况",
    4: "四、因政府信息公开工作被申请行政复议和提起行政诉讼情况",
    5: "五、政府信息公开工作存在的主要问题及改进情况",
}


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九十"
    return digits[n] if n <= 10 else "十" + digits[n - 10]

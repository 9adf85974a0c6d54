"""Render a :class:`SampleReport` the way offices write it: a Word document (DOCX).

The tables follow the official merged layout of docs/report-format.md §3–§4 (``w:gridSpan`` for
column merges, ``w:vMerge`` for row merges, the narrow level-1 column holding
``三、本年度办理结果`` that prints as a vertical label, repeated header rows, caption rows
``第二十条第（一）项``).  The layout is first described as :class:`TableSpec` — HTML-like rows
of cells with spans — so tests can compare a parser's grid with what was written.

Styles (``style=``):

``official``   one table per section, the official merges, applications header repeated on
               every page (``w:tblHeader``).
``split``      section 二 as one table per caption, section 四 as two tables (行政复议 / 行政诉讼).
``vertical``   like ``official`` but the level-1 label is written top to bottom (``tbRlV``).
``rotated``    like ``official`` but the level-1 label is rotated to read bottom to top (``btLr``).
``noborders``  like ``official`` without any table borders (PDF gets no ruling lines).
``large``      like ``official`` with large fonts: labels wrap and tables cross more pages.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, time

from docx import Document as new_document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from extract.schema import (
    ACTIVE_SUBTABLES,
    APPLICANT_COLUMNS,
    APPLICATION_GROUPS,
    APPLICATION_ROWS,
    REVIEW_COLUMNS,
    REVIEW_ROWS,
)
from portalgen.sample import SampleReport

STYLES = ("official", "split", "vertical", "rotated", "noborders", "large")

APPLICATIONS_CAPTION = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
LEVEL1_LABEL = "三、本年度办理结果"


@dataclass
class SpecCell:
    """One written cell: text (``"\\n"`` = paragraph break), spans and looks."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    vertical: bool = False


@dataclass
class TableSpec:
    """A table as written: physical rows of cells (covered positions omitted, as in HTML)."""

    rows: list[list[SpecCell]]
    widths_cm: list[float]
    header_rows: int = 0  # rows repeated at the top of every page
    section: str = ""  # "二" | "三" | "四"
    legacy: bool = False

    @property
    def columns(self) -> int:
        return len(self.widths_cm)


@dataclass
class DocxStyle:
    """Resolved look of one rendering."""

    name: str = "official"
    body_pt: float = 12.0
    table_pt: float = 9.0
    borders: bool = True
    text_direction: str | None = None  # w:textDirection of the level-1 label
    split: bool = False
    landscape: bool = False
    extra: dict = field(default_factory=dict)


def resolve_style(style: str) -> DocxStyle:
    """The :class:`DocxStyle` for a style name of :data:`STYLES`."""
    if style not in STYLES:
        raise ValueError(f"unknown DOCX style {style!r}; expected one of {', '.join(STYLES)}")
    look = DocxStyle(name=style)
    if style == "split":
        look.split = True
    elif style == "vertical":
        look.text_direction = "tbRlV"
    elif style == "rotated":
        look.text_direction = "btLr"
    elif style == "noborders":
        look.borders = False
    elif style == "large":
        look.body_pt, look.table_pt = 15.0, 12.0
    return look


# ----------------------------------------------------------------------------- table specs


def _raw(report: SampleReport, key: tuple[str, str, str]) -> str:
    cell = report.cells.get(key)
    return cell.raw if cell is not None else ""


def active_rows(report: SampleReport, items: tuple[str, ...] | None = None) -> list[list[SpecCell]]:
    """Rows of section 二 on a 4-column grid (caption, header, data rows per sub-table)."""
    rows: list[list[SpecCell]] = []
    for st in ACTIVE_SUBTABLES[report.template]:
        if items is not None and st.item not in items:
            continue
        rows.append([SpecCell(st.caption, colspan=4, header=True)])
        n = len(st.columns)
        # the last header/data cell absorbs the grid columns the sub-table does not use
        spans = [1] * (n - 1) + [4 - n]
        rows.append(
            [SpecCell("信息内容", header=True)]
            + [SpecCell(label, colspan=s, header=True) for (_, label), s in zip(st.columns, spans)]
        )
        for row_key, row_label in st.rows:
            rows.append(
                [SpecCell(row_label)]
                + [
                    SpecCell(_raw(report, ("active_disclosure", row_key, col)), colspan=s)
                    for (col, _), s in zip(st.columns, spans)
                ]
            )
            for extra in report.extra_rows:
                if extra.table == "active_disclosure" and extra.after == row_key:
                    by_col = dict(zip(extra.columns, extra.values))
                    rows.append(
                        [SpecCell(extra.label)]
                        + [
                            SpecCell(by_col[col].raw if col in by_col else "", colspan=s)
                            for (col, _), s in zip(st.columns, spans)
                        ]
                    )
    return rows


def applications_rows(report: SampleReport, look: DocxStyle) -> list[list[SpecCell]]:
    """Rows of section 三 on the official 10-column grid (3 label columns + 7 value columns)."""
    rows: list[list[SpecCell]] = [
        [
            SpecCell(APPLICATIONS_CAPTION, rowspan=3, colspan=3, header=True),
            SpecCell("申请人情况", colspan=7, header=True),
        ],
        [
            SpecCell("自然人", rowspan=2, header=True),
            SpecCell("法人或其他组织", colspan=5, header=True),
            SpecCell("总计", rowspan=2, header=True),
        ],
        [SpecCell(label, header=True) for _, label in APPLICANT_COLUMNS[1:6]],
    ]
    app_rows = APPLICATION_ROWS[report.template]
    level1_rows = sum(1 for r in app_rows if r.level1 == "三")
    group_sizes: dict[str, int] = {}
    for r in app_rows:
        if r.group:
            group_sizes[r.group] = group_sizes.get(r.group, 0) + 1
    group_ordinal = {label: ordinal for ordinal, label in APPLICATION_GROUPS.items()}
    seen_groups: set[str] = set()
    first_level1 = True
    for r in app_rows:
        values = [SpecCell(_raw(report, ("applications", r.key, col))) for col, _ in APPLICANT_COLUMNS]
        label = (r.ordinal or "") + r.label
        lead: list[SpecCell] = []
        if r.level1 == "三" and first_level1:
            lead.append(SpecCell(LEVEL1_LABEL, rowspan=level1_rows, vertical=look.text_direction is not None))
            first_level1 = False
        if r.level1 is None:
            lead.append(SpecCell(label, colspan=3))
        elif r.group is None:
            lead.append(SpecCell(label, colspan=2))
        else:
            if r.group not in seen_groups:
                seen_groups.add(r.group)
                lead.append(SpecCell(group_ordinal[r.group] + r.group, rowspan=group_sizes[r.group]))
            lead.append(SpecCell(label))
        rows.append(lead + values)
    return rows


def review_rows(report: SampleReport, part: str | None = None) -> list[list[SpecCell]]:
    """Rows of section 四 (15 value columns); ``part`` "review"/"litigation" gives half of it."""
    sub = [SpecCell(label, header=True) for _, label in REVIEW_COLUMNS]
    values = [
        SpecCell(_raw(report, ("review_litigation", row, col))) for row, _ in REVIEW_ROWS for col, _ in REVIEW_COLUMNS
    ]
    if part == "review":
        return [[SpecCell("行政复议", colspan=5, header=True)], sub, values[:5]]
    if part == "litigation":
        return [
            [SpecCell("行政诉讼", colspan=10, header=True)],
            [SpecCell("未经复议直接起诉", colspan=5, header=True), SpecCell("复议后起诉", colspan=5, header=True)],
            [SpecCell(c.text, header=True) for c in sub] * 2,
            values[5:],
        ]
    return [
        [SpecCell("行政复议", colspan=5, header=True), SpecCell("行政诉讼", colspan=10, header=True)],
        [SpecCell(c.text, rowspan=2, header=True) for c in sub]
        + [SpecCell("未经复议直接起诉", colspan=5, header=True), SpecCell("复议后起诉", colspan=5, header=True)],
        [SpecCell(c.text, header=True) for c in sub] * 2,
        values,
    ]


def legacy_rows(report: SampleReport) -> list[list[SpecCell]]:
    """The pre-2019 statistics table (指标名称 | 计量单位 | [代码] | 本年 | 累计)."""
    code = ["代码"] if report.legacy_codes else []
    header = ["指标名称", "计量单位", *code, report.legacy_value_header, report.legacy_cumulative_header]
    rows = [[SpecCell(t, header=True) for t in header]]
    for n, r in enumerate(report.legacy_rows, start=1):
        codes = [SpecCell(f"{n:02d}")] if report.legacy_codes else []
        rows.append([SpecCell(r.label), SpecCell(r.unit), *codes, SpecCell(r.value.raw), SpecCell(r.cumulative.raw)])
    return rows


def report_tables(report: SampleReport, style: str = "official") -> dict[str, list[TableSpec]]:
    """The tables written after each section heading, keyed "二"/"三"/"四" (pre-2019: "附表")."""
    look = resolve_style(style)
    width = 24.7 if look.landscape else 16.0
    if report.template not in ("2019", "2021"):
        if not report.legacy_rows:
            return {}
        widths = [5.6, 2.0, 1.6, 3.4, 3.4] if report.legacy_codes else [6.4, 2.4, 3.6, 3.6]
        return {"附表": [TableSpec(legacy_rows(report), widths, header_rows=1, legacy=True)]}
    active_widths = [4.6, 3.8, 3.8, 3.8]
    if look.split:
        active = [
            TableSpec(active_rows(report, (st.item,)), active_widths, section="二")
            for st in ACTIVE_SUBTABLES[report.template]
        ]
        review = [
            TableSpec(review_rows(report, "review"), [width / 5] * 5, section="四"),
            TableSpec(review_rows(report, "litigation"), [width / 10] * 10, section="四"),
        ]
    else:
        active = [TableSpec(active_rows(report), active_widths, section="二")]
        review = [TableSpec(review_rows(report), [width / 15] * 15, header_rows=3, section="四")]
    value_w = 1.33 if look.table_pt < 11 else 1.5
    label_w = [0.9, 1.6, width - 0.9 - 1.6 - 7 * value_w]
    apps = [TableSpec(applications_rows(report, look), label_w + [value_w] * 7, header_rows=3, section="三")]
    return {"二": active, "三": apps, "四": review}


# ----------------------------------------------------------------------------- DOCX writing


def _el(tag: str, **attrs: str):
    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)
    return el


def _fonts(run, east_asia: str, size_pt: float, bold: bool = False) -> None:
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    run.font.name = "Times New Roman"
    r_pr = run._element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, r_fonts)
    r_fonts.set(qn("w:eastAsia"), east_asia)


def _cell_xml(
    text: str,
    width_cm: float,
    look: DocxStyle,
    *,
    span: int = 1,
    vmerge: str | None = None,
    header: bool = False,
    direction: str | None = None,
):
    """One ``w:tc``: width, gridSpan, vMerge, borders, centred paragraphs of ``text``."""
    tc = _el("w:tc")
    pr = _el("w:tcPr")
    pr.append(_el("w:tcW", w=str(int(width_cm * 567)), type="dxa"))
    if span > 1:
        pr.append(_el("w:gridSpan", val=str(span)))
    if vmerge == "restart":
        pr.append(_el("w:vMerge", val="restart"))
    elif vmerge == "continue":
        pr.append(_el("w:vMerge"))
    borders = _el("w:tcBorders")
    for edge in ("top", "left", "bottom", "right"):
        if look.borders:
            borders.append(_el(f"w:{edge}", val="single", sz="4", space="0", color="000000"))
        else:
            borders.append(_el(f"w:{edge}", val="nil"))
    pr.append(borders)
    if direction:
        pr.append(_el("w:textDirection", val=direction))
    pr.append(_el("w:vAlign", val="center"))
    tc.append(pr)
    bold = header and look.name != "large"
    size = str(int(look.table_pt * 2))
    for part in text.split("\n") if text else [""]:
        p = _el("w:p")
        ppr = _el("w:pPr")
        ppr.append(_el("w:spacing", before="0", after="0", line="240", lineRule="auto"))
        ppr.append(_el("w:jc", val="center"))
        p.append(ppr)
        if part:
            r = _el("w:r")
            rpr = _el("w:rPr")
            rpr.append(_el("w:rFonts", ascii="Times New Roman", hAnsi="Times New Roman", eastAsia="宋体"))
            if bold:
                rpr.append(_el("w:b"))
            rpr.append(_el("w:sz", val=size))
            rpr.append(_el("w:szCs", val=size))
            r.append(rpr)
            t = _el("w:t")
            t.text = part
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            r.append(t)
            p.append(r)
        tc.append(p)
    return tc


def grid_positions(rows: list[list[SpecCell]]) -> list[list[tuple[int, int, SpecCell]]]:
    """(row, col, cell) of each written cell on the full grid, HTML rules for spans."""
    taken: set[tuple[int, int]] = set()
    out: list[list[tuple[int, int, SpecCell]]] = []
    for r, row in enumerate(rows):
        placed = []
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            placed.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
        out.append(placed)
    return out


def _add_table(doc, spec: TableSpec, look: DocxStyle) -> None:
    """The table as WordprocessingML: one ``w:tc`` per grid slot run, ``w:gridSpan`` for
    column spans, ``w:vMerge`` restart/continue for row spans (as Word writes merged cells)."""
    table = doc.add_table(rows=0, cols=spec.columns)
    table.autofit = False
    if look.borders:
        table.style = "Table Grid"
    for i, col in enumerate(table.columns):
        col.width = Cm(spec.widths_cm[i])
    tbl = table._tbl
    starts: dict[tuple[int, int], SpecCell] = {}
    covering: dict[tuple[int, int], tuple[int, int, SpecCell]] = {}
    for placed in grid_positions(spec.rows):
        for r, c, cell in placed:
            starts[(r, c)] = cell
            for dr in range(1, cell.rowspan):
                covering[(r + dr, c)] = (r, c, cell)
    for r in range(len(spec.rows)):
        tr = _el("w:tr")
        if r < spec.header_rows:
            tr_pr = _el("w:trPr")
            tr_pr.append(_el("w:tblHeader"))
            tr.append(tr_pr)
        c = 0
        while c < spec.columns:
            width = lambda cs: sum(spec.widths_cm[c : c + cs])  # noqa: B023 (called within the iteration)
            if (r, c) in starts:
                cell = starts[(r, c)]
                vmerge = "restart" if cell.rowspan > 1 else None
                tr.append(
                    _cell_xml(
                        cell.text,
                        width(cell.colspan),
                        look,
                        span=cell.colspan,
                        vmerge=vmerge,
                        header=cell.header,
                        direction=look.text_direction if cell.vertical else None,
                    )
                )
                c += cell.colspan
            elif (r, c) in covering:
                _, _, cell = covering[(r, c)]
                tr.append(
                    _cell_xml(
                        "",
                        width(cell.colspan),
                        look,
                        span=cell.colspan,
                        vmerge="continue",
                        direction=look.text_direction if cell.vertical else None,
                    )
                )
                c += cell.colspan
            else:
                tr.append(_cell_xml("", width(1), look))
                c += 1
        tbl.append(tr)


def _paragraph(
    doc, text: str, look: DocxStyle, *, bold: bool = False, center: bool = False, indent: bool = True
) -> None:
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(4)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif indent:
        fmt.first_line_indent = Pt(look.body_pt * 2)
    _fonts(p.add_run(text), "黑体" if bold else "仿宋", look.body_pt + (4 if center else 0), bold=bold)


def render_docx(report: SampleReport, style: str = "official") -> bytes:
    """The report as a DOCX file: title, preamble, the six sections with their tables."""
    look = resolve_style(style)
    doc = new_document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    if look.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.5)
    _page_number_footer(section)
    props = doc.core_properties
    props.title = report.title
    props.author = props.last_modified_by = report.organ
    props.created = props.modified = datetime.combine(report.published, time(9, 0))
    props.revision = 1
    tables = report_tables(report, style)
    _paragraph(doc, report.title, look, bold=True, center=True)
    _paragraph(doc, report.preamble, look)
    for heading, text in report.sections:
        _paragraph(doc, heading, look, bold=True)
        if text:
            _paragraph(doc, text, look)
        key = heading.split("、", 1)[0]
        for spec in tables.get(key, []):
            _add_table(doc, spec, look)
            _paragraph_gap(doc)
    for spec in tables.get("附表", []):
        _paragraph(doc, "附表：政府信息公开情况统计表", look, bold=True, indent=False)
        _add_table(doc, spec, look)
    buf = io.BytesIO()
    doc.save(buf)
    return _fixed_times(buf.getvalue(), datetime.combine(report.published, time(9, 0)))


def _fixed_times(docx: bytes, when: datetime) -> bytes:
    """The package with every member dated ``when``: python-docx dates them at the time of saving,
    so the same report would give other bytes every run (and the shipped sample would go stale)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _paragraph_gap(doc) -> None:
    """An empty paragraph after a table (Word needs one between consecutive tables)."""
    p = doc.add_paragraph()
    p.paragraph_format.space_after = Pt(0)


def _page_number_footer(section) -> None:
    """Footer ``- N -`` centred, as government documents print it."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("- ")
    run = p.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._element.append(el)
    p.add_run(" -")

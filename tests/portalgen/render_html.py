"""Render a :class:`~portalgen.sample.SampleReport` as HTML in many real-world markup styles.

* :func:`render_body` — the article body fragment (paragraphs + tables in document order, the
  six section headings as paragraphs), free of page chrome, for the CMS page shells.
* :func:`render_page` / :func:`render_standalone_page` — a minimal but realistic whole detail
  page (meta tags, ``<title>``, metadata box, the body inside a real content container), encoded
  in UTF-8 or a GB encoding with the charset declared in a meta tag and/or the HTTP header.
* :class:`MarkupStyle` — independent switches (docs/report-format.md §8, docs/portals.md §3);
  :func:`random_style` draws any combination, :func:`realistic_style` draws from
  :data:`PRESETS`, styles modelled on real portals (for benchmarks).

The text of every value cell is the :class:`~portalgen.sample.SampleCell` ``raw`` (plus
whitespace padding when the style asks for it), so extraction must return exactly
:meth:`SampleReport.expected_cells`.
"""

from __future__ import annotations

import html
import random
import re
import zlib
from dataclasses import dataclass, fields, replace

from portalgen.render_layout import NBSP, LCell, LPara, LTable, layout_report
from portalgen.sample import SampleReport

# Allowed values of every switch; the first one is the plainest (the default).
STYLE_CHOICES: dict[str, tuple] = {
    # cell and table markup
    "cell_markup": (
        "plain",
        "trs",
        "word",
    ),  # bare text | TRS editor <p style="text-indent: 0em;"> | Word-pasted MsoNormal
    "header_tag": ("td", "th"),
    "row_groups": ("none", "tbody", "thead"),
    "upper_tags": (False, True),  # <TABLE><TR><TD COLSPAN=2> (old IE/Word exports)
    "first_row_class": (False, True),  # <tr class="firstRow"> (UEditor)
    "nbsp_runs": (False, True),  # stray "\n &nbsp; &nbsp; …" runs inside label cells (TRS)
    "word_spacer_row": (False, True),  # Word's <![if !supportMisalignedColumns]> row of empty cells
    # table layout
    "active_layout": ("uniform", "shanghai"),  # 二: narrow sub-tables widened by one colspan | colspans differ per row
    "split_active": (False, True),  # 二 as one table per caption
    "split_review": (False, True),  # 四 as 行政复议 / 行政诉讼 tables
    "review_layout": (
        "official",
        "two_row",
        "rows",
        "unmerged",
    ),  # 四: §3.3 | no 行政诉讼 level | transposed | no rowspans
    "active_captions": ("row", "paragraph"),  # 二 captions as full-width rows | as paragraphs before each table
    "apps_subtotal": (False, True),  # an extra 小计 column after 其他 (never emitted)
    "empty_rows": (False, True),  # blank spacer rows between sub-tables / after the last row
    "trailing_empty_column": (False, True),  # a spare empty column at the right of every table
    "apps_header": (
        "official",
        "one_row",
        "no_caption",
        "unmerged",
    ),  # 三 header block; unmerged: blanks instead of rowspans
    "apps_break": ("none", "table", "table_header", "inline_header", "inline_level1"),
    "level1_label": ("rowspan", "repeated", "blank"),  # 三、本年度办理结果
    "group_labels": ("rowspan", "repeated", "blank", "missing", "glued"),  # （三）不予公开 …
    # label variants
    "label_breaks": ("none", "br", "p"),  # 本年新<br />制作数量 | 本年新</p><p>制作数量
    "nbsp_in_labels": (False, True),  # 社会公益&nbsp;组织, leading &nbsp;
    "enumerator_mix": (False, True),  # 1、 next to 1.
    "halfwidth_brackets": (False, True),  # (一) ( ) :
    "straight_quotes": (False, True),  # "三安全一稳定"
    "truncated_headers": (False, True),  # 本年新 | 本年新 (2019)
    "synonyms": (False, True),  # 合计 for 总计, column 其它 for 其他, 本年增减
    "other_spelling": (False, True),  # 其它 for 其他 inside row labels: 其它对外管理服务事项, 3.其它, 6.其它形式申请数
    "annotations": (False, True),  # Hubei: 规章（设区的市…）, 上一年项目数量（指2019年事项数）…
    "caption_space": (False, True),  # 第二十条 第（一）项
    "inline_wrappers": (False, True),  # cell text in <span style=…>/<font>, headers in <strong>
    "colgroup": (False, True),  # <colgroup><col width=…> (UEditor)
    "named_entities": (False, True),  # &ldquo; &rdquo; &mdash; &hellip; instead of the characters
    "inline_css": (False, True),  # a <style> block at the top of the body (TRS_Editor P{…})
    # values
    "blank_markup": ("empty", "nbsp", "br"),  # blank cell as <td></td>, &nbsp; or UEditor's <p><br/></p>
    "value_padding": ("none", "nbsp", "ideographic"),
    # document
    "title_in_body": (False, True),
    "intro_sentence": (False, True),  # a sentence between heading and table
    "missing_headings": ("none", "two", "three", "both"),  # headings 二/三 left out
    "heading_markup": ("plain", "strong", "span_font"),
    "para_markup": ("p", "div", "br"),  # paragraphs as <p>, as <div>, or lines of one <p> split by <br>
    "para_indent": (False, True),  # paragraphs and headings start with two U+3000
    "blank_paragraphs": (False, True),  # <p>&nbsp;</p> and <p><br/></p> between blocks
    "seal_image": (False, True),  # an <img> of the seal beside the signature
    "attachment_link": (False, True),  # a 附件 link to the same report as PDF after the body
    "body_script": (False, True),  # a <script> inside the body (share counters, document.write)
    "wrong_basis": (False, True),  # the preamble cites the other template's 通知 (template comes from labels)
    "page_footer": (False, True),  # a PDF page footer row "- 5 -" where 三 breaks across pages
    "heading_variants": (
        False,
        True,
    ),  # 一、工作基本情况, 四、因政府信息公开工作被申请行政复议…, 五、政府信息公开工作存在的…
    "signature": (True, False),
    "legacy_placement": ("appendix", "section"),  # pre-2019 统计表 as 附件1 or as last section
    # standalone page only
    "container": (
        "trs_editor",
        "zoom",
        "zjeg_rss",
        "v_news_content",
        "detail_content",
        "trs_ueditor",
        "article_content",
    ),
    "charset_decl": ("meta", "http_equiv", "header", "both"),
    "gb_label": ("exact", "gb2312"),  # GBK/GB18030 bytes declared as GB2312 (common; decode as GB18030)
    "rare_chars": (False, True),  # GBK-only characters (喆, 堃) in the preamble
    "meta_box": ("div", "table"),  # metadata box (索引号/发布机构/发布日期) as <div>s or as a layout <table>
    "page_title": (
        "meta",
        "title_tag",
        "heading",
    ),  # title from ArticleTitle | only <title>标题_栏目_站点 | only a heading
    "page_meta": ("full", "minimal"),  # ContentSource + metadata box | only a 发布时间 line (organ from the text)
}


@dataclass(frozen=True)
class MarkupStyle:
    """Independent markup switches; see :data:`STYLE_CHOICES` for the values of each."""

    cell_markup: str = "plain"
    header_tag: str = "td"
    row_groups: str = "none"
    upper_tags: bool = False
    first_row_class: bool = False
    nbsp_runs: bool = False
    word_spacer_row: bool = False
    inline_wrappers: bool = False
    colgroup: bool = False
    named_entities: bool = False
    inline_css: bool = False
    active_layout: str = "uniform"
    split_active: bool = False
    split_review: bool = False
    review_layout: str = "official"
    active_captions: str = "row"
    apps_subtotal: bool = False
    empty_rows: bool = False
    trailing_empty_column: bool = False
    apps_header: str = "official"
    apps_break: str = "none"
    level1_label: str = "rowspan"
    group_labels: str = "rowspan"
    label_breaks: str = "none"
    nbsp_in_labels: bool = False
    enumerator_mix: bool = False
    halfwidth_brackets: bool = False
    straight_quotes: bool = False
    truncated_headers: bool = False
    synonyms: bool = False
    other_spelling: bool = False
    annotations: bool = False
    caption_space: bool = False
    blank_markup: str = "empty"
    value_padding: str = "none"
    title_in_body: bool = False
    intro_sentence: bool = False
    missing_headings: str = "none"
    heading_markup: str = "plain"
    para_markup: str = "p"
    para_indent: bool = False
    heading_variants: bool = False
    blank_paragraphs: bool = False
    seal_image: bool = False
    attachment_link: bool = False
    body_script: bool = False
    wrong_basis: bool = False
    page_footer: bool = False
    signature: bool = True
    legacy_placement: str = "appendix"
    container: str = "trs_editor"
    charset_decl: str = "meta"
    gb_label: str = "exact"
    rare_chars: bool = False
    meta_box: str = "div"
    page_title: str = "meta"
    page_meta: str = "full"
    seed: int = 0  # drives layout details (uneven colspans, where a page break falls, padding)

    def __post_init__(self) -> None:
        for name, choices in STYLE_CHOICES.items():
            if getattr(self, name) not in choices:
                raise ValueError(f"MarkupStyle.{name}={getattr(self, name)!r}; choose one of {choices}")

    def switches(self) -> dict[str, object]:
        """The switches that differ from the default (for test ids and failure messages)."""
        base = MarkupStyle()
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) != getattr(base, f.name)}


# Switches that make the body refer to other resources (a PDF, an image): a site serving the body
# must provide them, so random_style leaves them off (tests switch them on explicitly).
REFERENCING_SWITCHES = ("attachment_link", "seal_image")


def random_style(rng: random.Random) -> MarkupStyle:
    """Any combination of switches, each drawn uniformly (except :data:`REFERENCING_SWITCHES`, off)."""
    drawn = {name: rng.choice(choices) for name, choices in STYLE_CHOICES.items()}
    drawn.update(dict.fromkeys(REFERENCING_SWITCHES, False))
    return MarkupStyle(**drawn, seed=rng.randrange(2**31))


# Styles modelled on real pages (docs/portals.md, docs/report-format.md §8); realistic_style perturbs them.
PRESETS: dict[str, MarkupStyle] = {
    # 平潭 2024 (TRS WCM + UEditor): <p>-wrapped cells, split header words, stray &nbsp;
    "trs_ueditor": MarkupStyle(
        cell_markup="trs",
        first_row_class=True,
        nbsp_runs=True,
        label_breaks="p",
        row_groups="tbody",
        heading_markup="span_font",
        container="article_content",
    ),
    # 平潭县 2011: Word-pasted old statistics table
    "word_pasted": MarkupStyle(
        cell_markup="word",
        upper_tags=True,
        row_groups="tbody",
        label_breaks="p",
        word_spacer_row=True,
        blank_markup="nbsp",
        container="trs_editor",
        charset_decl="http_equiv",
    ),
    # 上海市人民政府办公厅 2019: colspans differ between header and data rows, <br> in headers
    "shanghai": MarkupStyle(
        active_layout="shanghai", label_breaks="br", header_tag="th", row_groups="thead", container="detail_content"
    ),
    # Hubei 2019/2020 annotated labels, Hanweb JCMS page
    "hubei_hanweb": MarkupStyle(annotations=True, container="zjeg_rss", meta_box="table", value_padding="nbsp"),
    # town reports copied from Word into a VSB page, unmerged label areas, blanks for zeros
    "town_unmerged": MarkupStyle(
        level1_label="repeated",
        group_labels="repeated",
        blank_markup="nbsp",
        container="v_news_content",
        enumerator_mix=True,
        split_active=True,
        split_review=True,
    ),
    # PDF-to-HTML conversions: page breaks inside 三, header repeated
    "page_breaks": MarkupStyle(apps_break="table_header", level1_label="blank", group_labels="blank", container="zoom"),
    # 微山 2020: truncated 本年新 headers, missing headings, GBK page
    "weishan": MarkupStyle(
        truncated_headers=True, missing_headings="both", intro_sentence=True, charset_decl="both", container="zoom"
    ),
}


def realistic_style(rng: random.Random) -> MarkupStyle:
    """A preset (see :data:`PRESETS`) with a few label/value switches flipped and a fresh seed."""
    base = PRESETS[rng.choice(sorted(PRESETS))]
    flips = {}
    for name in rng.sample(
        ["nbsp_in_labels", "halfwidth_brackets", "straight_quotes", "synonyms", "caption_space", "title_in_body"], 2
    ):
        flips[name] = rng.random() < 0.5
    return replace(base, **flips, seed=rng.randrange(2**31))


# ----------------------------------------------------------------------------- text escaping


_ENTITIES = {
    "“": "&ldquo;",
    "”": "&rdquo;",
    "‘": "&lsquo;",
    "’": "&rsquo;",
    "—": "&mdash;",
    "…": "&hellip;",
    "·": "&middot;",
}


def _esc(text: str, entities: bool = False) -> str:
    """Escape for HTML text; U+00A0 as ``&nbsp;`` (so GB encodings never meet it); named entities on request."""
    out = html.escape(text, quote=False).replace(NBSP, "&nbsp;")
    if entities:
        for ch, ent in _ENTITIES.items():
            out = out.replace(ch, ent)
    return out


_DIGITS = re.compile(r"([0-9０-９.,+\-%／/]+)")


def _word_runs(text: str, entities: bool = False) -> str:
    """Word-pasted text: ASCII/full-width digit runs in ``<span lang=EN-US>``, the rest in 宋体 spans."""
    out = []
    for part in _DIGITS.split(text):
        if not part:
            continue
        if _DIGITS.fullmatch(part):
            pieces = [part[:1], part[1:]] if len(part) >= 3 else [part]
            out.extend(
                f"<span lang=EN-US style='font-size:10.5pt;font-family:\"Times New Roman\"'>{_esc(x)}</span>"
                for x in pieces
            )
        else:
            out.append(
                f"<span style='font-size:10.5pt;font-family:宋体;mso-ascii-font-family:\"Times New Roman\"'>{_esc(part, entities)}</span>"
            )
    return "".join(out)


# ----------------------------------------------------------------------------- paragraphs

INDENT = "\u3000\u3000"
_WORD_PREAMBLE = (
    "<!--[if gte mso 9]><xml><w:WordDocument><w:View>Normal</w:View><w:Zoom>0</w:Zoom>"
    "<w:PunctuationKerning/><w:DrawingGridVerticalSpacing>7.8 磅</w:DrawingGridVerticalSpacing>"
    "</w:WordDocument></xml><![endif]--><!--StartFragment-->\n"
)
_TRS_CSS = (
    '<style type="text/css">.TRS_Editor P{margin-top:0px;margin-bottom:12px;line-height:1.8;font-family:宋体;font-size:12pt;}'
    ".TRS_Editor DIV{margin-top:0px;margin-bottom:12px;line-height:1.8;font-family:宋体;font-size:12pt;}"
    ".TRS_Editor TD{margin-top:0px;margin-bottom:12px;line-height:1.8;font-family:宋体;font-size:12pt;}</style>\n"
)


def _para_inner(p: LPara, style: MarkupStyle) -> str:
    """The inline content of one paragraph (heading emphasis, Word spans, entities, indent)."""
    text = (INDENT + p.text) if (style.para_indent and p.kind in ("text", "heading", "preamble", "intro")) else p.text
    if style.cell_markup == "word":
        inner = _word_runs(text, style.named_entities)
        return f"<b>{inner}</b>" if p.kind == "heading" else inner
    inner = _esc(text, style.named_entities)
    if p.kind in ("heading", "appendix", "title"):
        if style.heading_markup == "strong":
            inner = f"<strong>{inner}</strong>"
        elif style.heading_markup == "span_font":
            inner = f'<span style="font-family: 黑体, SimHei;">{inner}&nbsp;</span>'
    return inner


def _para_attrs(p: LPara, style: MarkupStyle) -> str:
    if style.cell_markup == "word":
        if p.kind == "title":
            return " class=MsoNormal align=center style='text-align:center'"
        if p.kind == "signature":
            return " class=MsoNormal align=right style='text-align:right'"
        return " class=MsoNormal style='text-indent:32.0pt;mso-char-indent-count:2.0'"
    if p.kind == "title":
        return ' style="text-align: center;"'
    if p.kind == "signature":
        return ' style="text-align: right;"'
    return ' style="text-indent: 2em;"' if style.cell_markup == "trs" else ""


SEAL = '<p style="text-align: right;"><img src="/images/seal.png" alt="" width="120" height="120" /></p>\n'
BLANKS = ("<p>&nbsp;</p>\n", "<p><br/></p>\n")


def _paras(paras: list[LPara], style: MarkupStyle) -> str:
    """A run of consecutive paragraphs (between tables)."""
    tail = "<span lang=EN-US><o:p></o:p></span>" if style.cell_markup == "word" else ""
    if style.para_markup == "br":
        return "<p>" + "<br />\n".join(_para_inner(p, style) for p in paras) + "</p>\n"
    tag = "div" if style.para_markup == "div" else "p"
    out = []
    for n, p in enumerate(paras):
        if p.kind == "signature" and style.seal_image and (n == 0 or paras[n - 1].kind != "signature"):
            out.append(SEAL)
        out.append(f"<{tag}{_para_attrs(p, style)}>{_para_inner(p, style)}{tail}</{tag}>\n")
        if style.blank_paragraphs and p.kind in ("heading", "text"):
            out.append(BLANKS[n % 2])
    return "".join(out)


# ----------------------------------------------------------------------------- tables

_TRS_TD = 'style="padding: 0px 4px; border: 1px solid windowtext; word-break: break-all;" valign="center"'
_WORD_TD = (
    "style='BORDER-BOTTOM: windowtext 1.5pt solid; BORDER-LEFT: windowtext 1.5pt solid; PADDING-BOTTOM: 0cm; "
    "PADDING-LEFT: 5.4pt; PADDING-RIGHT: 5.4pt; BORDER-TOP: windowtext 1.5pt solid; BORDER-RIGHT: windowtext 1.5pt solid; "
    "PADDING-TOP: 0cm; mso-border-alt: solid windowtext .5pt'"
)


def _tag(name: str, style: MarkupStyle) -> str:
    return name.upper() if style.upper_tags else name


def _wrap(text_html: str, cell: LCell, style: MarkupStyle) -> str:
    """Inline wrappers around one line of a cell (``inline_wrappers``)."""
    if not style.inline_wrappers or not text_html:
        return text_html
    if cell.role in ("header", "caption"):
        return f'<strong><span style="font-family: 仿宋_GB2312; font-size: 16px;">{text_html}</span></strong>'
    if cell.role == "value":
        return f'<font face="宋体" size="2">{text_html}</font>'
    return f'<span style="font-family: 仿宋_GB2312; font-size: 16px;">{text_html}</span>'


def _is_blank(cell: LCell) -> bool:
    return cell.text.strip(" " + NBSP) == ""


def _cell_inner(cell: LCell, style: MarkupStyle) -> str:
    lines = cell.lines
    label = cell.role in ("label", "header")
    ents = style.named_entities
    if cell.role == "value" and _is_blank(cell) and style.blank_markup == "br":
        return '<p style="text-indent: 0em;"><br/></p>' if style.cell_markup == "trs" else "<p><br/></p>"
    if style.cell_markup == "word":
        if _is_blank(cell):
            return "<p class=MsoNormal align=center style='text-align:center'><span lang=EN-US><o:p>&nbsp;</o:p></span></p>"
        if style.label_breaks == "br" and len(lines) > 1:
            body = "<br>".join(_word_runs(ln, ents) for ln in lines)
            return f"<p class=MsoNormal align=center style='text-align:center;mso-pagination:widow-orphan'>{body}<span lang=EN-US><o:p></o:p></span></p>"
        return "".join(
            f"<p class=MsoNormal align=center style='text-align:center;mso-pagination:widow-orphan'>{_word_runs(ln, ents)}"
            "<span lang=EN-US><o:p></o:p></span></p>"
            for ln in lines
        )
    esc = [_wrap(_esc(ln, ents), cell, style) for ln in lines]
    if style.cell_markup == "trs" and cell.role != "caption":
        run = (
            "\n &nbsp; &nbsp; &nbsp; &nbsp; &nbsp; &nbsp; &nbsp; &nbsp;"
            if (style.nbsp_runs and label and len(lines) > 1)
            else ""
        )
        if style.label_breaks == "br" and len(lines) > 1:
            return '<p style="text-indent: 0em;">' + "<br />".join(esc) + run + "</p>"
        return "".join(
            '<p style="text-indent: 0em;">'
            + (f'<span style="text-indent: 0em;">{e}</span>{run}' if (run and i > 0) else e)
            + "</p>"
            for i, e in enumerate(esc)
        )
    if len(lines) > 1:
        if style.label_breaks == "p":
            return "".join(f"<p>{e}</p>" for e in esc)
        return "<br />".join(esc)
    return esc[0]


def _cell(cell: LCell, style: MarkupStyle, in_header: bool) -> str:
    name = _tag(
        "th" if (style.header_tag == "th" and (in_header or cell.role in ("header", "caption"))) else "td", style
    )
    attrs = []
    for attr, n in (("rowspan", cell.rowspan), ("colspan", cell.colspan)):
        if n > 1:
            attrs.append(f"{attr.upper()}={n}" if style.upper_tags else f'{attr}="{n}"')
    if style.cell_markup == "trs":
        attrs.append(_TRS_TD)
    elif style.cell_markup == "word":
        attrs.append("valign=top " + _WORD_TD)
    a = (" " + " ".join(attrs)) if attrs else ""
    return f"<{name}{a}>{_cell_inner(cell, style)}</{name}>"


def _table(table: LTable, style: MarkupStyle) -> str:
    t = lambda n: _tag(n, style)
    if style.cell_markup == "trs":
        open_ = f'<{t("table")} style="font-family: \'Times New Roman\';font-size: 13px;border-collapse: collapse;border: none;width: auto !important;margin: 0 auto;" cellspacing="0" align="center" border="1">'
    elif style.cell_markup == "word":
        open_ = (
            f"<{t('table')} class=MsoNormalTable border=0 cellspacing=0 cellpadding=0 width=580 "
            "style='WIDTH: 435.25pt; BORDER-COLLAPSE: collapse; mso-yfti-tbllook:1184; mso-padding-alt:0cm 5.4pt 0cm 5.4pt'>"
        )
    else:
        open_ = f'<{t("table")} border="1" cellspacing="0" cellpadding="0">'
    if style.colgroup:
        width = table.width()
        open_ += "<colgroup>" + "".join(f'<col width="{120 if x == 0 else 64}"/>' for x in range(width)) + "</colgroup>"
    rows = []
    for i, row in enumerate(table.rows):
        cls = ' class="firstRow"' if (style.first_row_class and i == 0) else ""
        if style.cell_markup == "word":
            cls += f" style='mso-yfti-irow:{i};height:19.85pt'"
        in_header = i < table.header_rows
        rows.append(f"<{t('tr')}{cls}>" + "".join(_cell(c, style, in_header) for c in row) + f"</{t('tr')}>")
    if style.word_spacer_row:
        cells = "".join(f"<{t('td')} width=60 style='border:none'></{t('td')}>" for _ in range(table.width()))
        rows.append(f"<![if !supportMisalignedColumns]><{t('tr')} height=0>{cells}</{t('tr')}><![endif]>")
    if style.row_groups == "tbody":
        body = f"<{t('tbody')}>" + "".join(rows) + f"</{t('tbody')}>"
    elif style.row_groups == "thead" and table.header_rows:
        h = table.header_rows
        body = (
            f"<{t('thead')}>"
            + "".join(rows[:h])
            + f"</{t('thead')}><{t('tbody')}>"
            + "".join(rows[h:])
            + f"</{t('tbody')}>"
        )
    else:
        body = "".join(rows)
    return open_ + body + f"</{t('table')}>\n"


def render_body(report: SampleReport, style: MarkupStyle) -> str:
    """The article body of ``report`` as an HTML fragment (no page chrome)."""
    out = []
    if style.inline_css:
        out.append(_TRS_CSS)
    if style.cell_markup == "word":
        out.append(_WORD_PREAMBLE)
    run: list[LPara] = []
    for block in layout_report(report, style).blocks:
        if isinstance(block, LPara):
            run.append(block)
            continue
        if run:
            out.append(_paras(run, style))
            run = []
        out.append(_table(block, style))
        if style.blank_paragraphs:
            out.append(BLANKS[0])
    if run:
        out.append(_paras(run, style))
    if style.body_script:
        out.append(
            '<script type="text/javascript">var pageSize = 20; var readCount = 1356;'
            " document.write('<span class=\"read\">阅读次数：' + readCount + '</span>');</script>\n"
        )
    if style.attachment_link:
        name = _esc(report.title)
        out.append(f'<p>附件：<a href="./P020250110{report.year}.pdf" title="{name}.pdf">{name}.pdf</a></p>\n')
    return "".join(out)


# ----------------------------------------------------------------------------- whole page


@dataclass(frozen=True)
class RenderedPage:
    """A detail page as a server would send it."""

    data: bytes
    content_type: str  # the HTTP Content-Type (charset only when the style declares it there)
    encoding: str  # the codec the bytes are in


ENCODINGS = ("utf-8", "gbk", "gb2312", "gb18030")


def _site(report: SampleReport) -> tuple[str, str]:
    """(site name, host) of the portal that publishes ``report``."""
    organ = report.organ
    cut = organ.find("县")
    county = organ[: cut + 1] if cut > 0 else organ.replace("人民政府", "")
    return f"{county}人民政府", "www.example-county.gov.cn"


def _container(body: str, kind: str) -> str:
    if kind == "trs_editor":
        return f'<div class="article-content"><div class="TRS_Editor">{body}</div></div>'
    if kind == "trs_ueditor":
        return f'<div class="view TRS_UEDITOR trs_paper_default trs_web">{body}</div>'
    if kind == "article_content":
        return (
            f'<div class="article_content article_content_01 font_family_cn"><div class=TRS_Editor>{body}</div></div>'
        )
    if kind == "zoom":
        return f'<div id="zoom" class="zoom">{body}</div>'
    if kind == "zjeg_rss":
        return (
            '<table width="100%" border="0" cellspacing="0" cellpadding="0"><tr><td class="bt_content">'
            f'<div id="zoom"><!--ZJEG_RSS.content.begin--><meta name="ContentStart">{body}'
            '<meta name="ContentEnd"><!--ZJEG_RSS.content.end--></div></td></tr></table>'
        )
    if kind == "v_news_content":
        return f'<form name="_newscontent_fromname"><div id="vsb_content"><div class="v_news_content">{body}</div></div></form>'
    return f'<div class="detail-box"><div id="detailContent">{body}</div></div>'


def _meta_box(report: SampleReport, style: MarkupStyle, date: str) -> str:
    items = [
        ("索引号", f"{zlib.crc32(report.organ.encode()) % 10**9:09d}/{report.year + 1}-00012"),
        ("主题分类", "政务公开"),
        ("发布机构", report.organ),
        ("发布日期", date),
        ("名称", report.title),
    ]
    if style.meta_box == "table":
        cells = "".join(f"<tr><th>{_esc(k)}：</th><td>{_esc(v)}</td></tr>" for k, v in items)
        return f'<table class="xxgk_table" width="100%">{cells}</table>'
    return (
        '<div class="xxgk-info">'
        + "".join(f'<div class="item"><span>{_esc(k)}：</span>{_esc(v)}</div>' for k, v in items)
        + "</div>"
    )


def render_page(report: SampleReport, style: MarkupStyle, encoding: str = "utf-8") -> RenderedPage:
    """A whole detail page for ``report`` in ``encoding`` (one of :data:`ENCODINGS`, any case)."""
    codec = encoding.lower()
    if codec not in ENCODINGS:
        raise ValueError(f"unsupported encoding {encoding!r}; choose one of {ENCODINGS}")
    label = {"utf-8": "UTF-8", "gbk": "GBK", "gb2312": "GB2312", "gb18030": "GB18030"}[codec]
    if codec != "utf-8" and style.gb_label == "gb2312":
        label = "GB2312"
    site, host = _site(report)
    d = report.published
    pub = f"{d.isoformat()} {9 + d.day % 8:02d}:{(d.day * 7) % 60:02d}"
    meta_charset = ""
    if style.charset_decl in ("meta", "both"):
        meta_charset = f'<meta charset="{label}">\n'
    elif style.charset_decl == "http_equiv":
        meta_charset = f'<meta http-equiv="Content-Type" content="text/html; charset={label}" />\n'
    content_type = f"text/html; charset={label}" if style.charset_decl in ("header", "both") else "text/html"
    title = _esc(report.title)
    article_title = f'<meta name="ArticleTitle" content="{title}">\n' if style.page_title == "meta" else ""
    page_title = f"{title}_政府信息公开年报_{_esc(site)}" if style.page_title != "heading" else _esc(site)
    heading = f'<h1 class="article_title">{title}</h1>' if style.page_title != "title_tag" else ""
    if style.page_meta == "full":
        source = f'<meta name="ContentSource" content="{_esc(report.organ)}">\n'
        box = _meta_box(report, style, pub[:10])
        extend = f'<span class="article_source">来源：{_esc(report.organ)}</span> <span class="article_time">时间：{pub}</span>'
    else:
        source = box = ""
        extend = f'<span class="article_time">发布时间：{pub}</span>'
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{meta_charset}<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="SiteName" content="{_esc(site)}">
<meta name="SiteDomain" content="{host}">
<meta name="ColumnName" content="政府信息公开年报">
<meta name="ColumnType" content="政府信息公开年报">
{article_title}<meta name="PubDate" content="{pub}">
{source}<title>{page_title}</title>
<link rel="stylesheet" href="/css/article.css">
</head>
<body>
<div class="top-bar"><a href="javascript:void(0)">无障碍</a> | <a href="javascript:void(0)">长者模式</a> | <a href="/">{_esc(site)}</a></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/zfxxgk/">政府信息公开</a> &gt; <a href="/zwgk/zfxxgk/zfxxgknb/">政府信息公开年报</a></div>
{box}
<div class="article">
{heading}
<div class="article_extend">{extend}</div>
{_container(render_body(report, style), style.container)}
</div>
<div class="share">分享到：<a href="javascript:void(0)">微信</a> <a href="javascript:void(0)">微博</a></div>
<div class="footer"><p>主办单位：{_esc(site)}办公室　网站标识码：3500000001</p><p>闽ICP备05000000号-1</p></div>
</body>
</html>
"""
    return RenderedPage(page.encode(codec, errors="xmlcharrefreplace"), content_type, codec)


def render_standalone_page(report: SampleReport, style: MarkupStyle, encoding: str = "utf-8") -> bytes:
    """The bytes of :func:`render_page`; pass ``render_page(...).content_type`` when the style
    declares the charset only in the HTTP header (``charset_decl="header"``)."""
    return render_page(report, style, encoding).data

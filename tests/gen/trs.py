"""Pages of a TRS WCM portal in the Fujian "动静结合" shape, generated from seeds.

The shapes are those such portals serve (see docs/portals.md §2.2 and docs/report-format.md §8):

* :func:`detail_page` — a report's detail page: the article component (title, 来源, 时间, the
  全真版/文字版 tabs), a ``div.TRS_Editor`` body written with UEditor (``tr.firstRow``, every
  cell's text in ``<p style="text-indent: 0em;">``, header words split over several ``<p>``,
  rowspans, stray ``&nbsp;`` runs), whole or as a *slice* cut off inside a tag of a section 三 row;
* :func:`statistics_slice` — the 附件1 heading and the first rows of a pre-2019 政府信息公开情况
  统计表 pasted from Word (``BORDER-*: windowtext 1.5pt solid``, multi-``<p>`` header cells);
* :func:`list_page` — the annual-report column's list page: the static entries with dates, the
  hidden template the loader fills, the page bar, and the closing ``list2.trsapi`` script that
  loads later pages from the site search.

Each returns what a reader must find (cells with their locators, titles, entries, loader arguments).
"""

from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass, replace
from datetime import date

from portalgen.render_html import MarkupStyle, random_style, render_body
from portalgen.render_layout import LTable, layout_report
from portalgen.sample import TOWNS, Key, LegacyRow, SampleCell, SampleReport, generate_report

HOST = "www.example-zone.gov.cn"
COLUMN_PATH = "/zwgk/zfxxgk/zfxxgknb/"
# Comprehensive zones publish as their 管委会 but title reports with the zone's name
ZONES = ("海坛综合实验区", "东澳综合实验区", "青峰综合实验区")


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _doc_url(published: date, rng: random.Random) -> str:
    return f"https://{HOST}{COLUMN_PATH}{published:%Y%m}/t{published:%Y%m%d}_{rng.randint(10000, 99999)}.htm"


# ----------------------------------------------------------------------------- detail page


@dataclass
class DetailPage:
    """A generated detail page and what extraction must return from it."""

    html: str
    url: str
    report: SampleReport
    expected: dict[Key, SampleCell]  # every cell on the page (those before the cut when sliced)
    wheres: dict[Key, str]  # the locator of each expected cell, ``t{table}/r{row}/c{col}``
    sliced: bool
    cut_row: str | None  # the section 三 row the slice ends inside
    cut_values: int  # how many of that row's values are on the page
    encoding: str


def _trs_style(rng: random.Random) -> MarkupStyle:
    """Any combination of the generic switches, with the TRS editor's own cell markup."""
    return replace(
        random_style(rng),
        cell_markup="trs",
        upper_tags=False,
        word_spacer_row=False,
        first_row_class=rng.random() < 0.8,
        row_groups=rng.choice(("tbody", "tbody", "none")),
        label_breaks=rng.choice(("p", "p", "br", "none")),
        nbsp_runs=rng.random() < 0.7,
        heading_markup=rng.choice(("span_font", "span_font", "strong", "plain")),
        para_markup=rng.choice(("p", "p", "div")),
        apps_break="none",  # one table for section 三, so the slice point is in it
        page_footer=False,
        missing_headings="none",
        heading_variants=False,
        title_in_body=False,
    )


def _report(rng: random.Random, template: str) -> SampleReport:
    modern = template in ("2019", "2021")
    values = rng.choice(("plain", "plain", "thousands", "fullwidth", "blank_zeros", "units")) if modern else "plain"
    extras = (
        tuple(rng.sample(("inspection", "confirmation", "other_documents"), rng.choice((0, 0, 1)))) if modern else ()
    )
    legacy = rng.choice(("fujian2011", "fujian2017", "short"))
    zone = rng.choice(ZONES) if rng.random() < 0.3 else None  # the title names the zone, its 管委会 publishes
    return generate_report(
        random.Random(rng.randrange(2**32)),
        template,
        style=values,
        extras=extras,
        organ=zone,
        short_name=zone,
        level="county" if zone else None,
        legacy=legacy,
    )


def _article(report: SampleReport, pub: str, rng: random.Random) -> tuple[str, str]:
    """The page around the body: (everything before the body, everything after it)."""
    source = rng.choice((f"{report.organ}办公室", report.organ, f"{report.organ}政务公开办"))
    source_label = rng.choice(("来源：", "信息来源：", "来源: "))
    time_label = rng.choice(("时间：", "发布时间：", "时间: "))
    viewer = rng.random() < 0.7
    tabs = (
        '<div class="tabs tab_base_01"><div class="tabs_hd" ms-controller="QzbView" ms-visible="qzbFile!=\'\'">'
        '<ul><li ms-click="$togs(0)" ms-class="on:show==0"><a href="javascript:;">全真版</a></li>'
        '<li ms-click="$togs(1)" ms-class="on:show==1"><a href="javascript:;">文字版</a></li></ul>'
        '<a ms-attr-href="qzbFile" title="文件下载" ms-attr-download="qzbFileName" class="download">'
        '<i class="trt-iconfont trt-icon-pdf"></i>文件下载</a></div>\n'
        '<div class="tabs_content tabs_bd"><div class="pic_con" ms-controller="QzbView" ms-visible="show==0&&qzbFile!=\'\'">'
        '<iframe class="isofd" ms-attr-src="/generic2/web/viewer.html?file={{qzbFile}}" frameborder="0" scrolling="no">'
        "</iframe></div>\n"
        if viewer
        else ""
    )
    share = "".join(
        f'<a href="javascript:void(0);" title="分享到{name}"><i class="trt-iconfont trt-icon-{icon}"></i>{name}</a>'
        for name, icon in (("微信", "weixin1"), ("微博", "weibo"), ("QQ空间", "kongjian"))
    )
    before = (
        '<div class="article_component" ms-controller="windowRoot">\n'
        '  <div class="article_title_group">\n'
        f'    <div class="article_title text_align_center">\n      {_esc(report.title)}\n    </div>\n  </div>\n'
        '  <div class="article_extend pad_base mar_t_base"><div class="trt-row"><div class="trt-col-16">\n'
        f'    <span class="article_source">{source_label}{_esc(source)}</span>\n'
        f'    <span class="article_time bf-pass">{time_label}{pub}</span>\n'
        f'  </div><div class="trt-col-8 function_icon"><span class="share">{share}</span></div></div></div>\n'
        + tabs
        + '<div class="word_con" ms-controller="QzbView" ms-visible="show==1||qzbFile==\'\'">\n'
        '<div class="article_area" ms-class="font{{detailFont}}">\n'
        '<div class="article_content article_content_01 font_family_cn">\n'
        "<div class=TRS_Editor>"
    )
    after = (
        "</div>\n</div>\n</div>\n</div>\n"
        + ("</div></div>\n" if viewer else "")
        + '<div class="relnews"><span>相关链接：</span></div>\n</div>\n'
    )
    return before, after


def _head(report: SampleReport, pub: str, encoding: str, rng: random.Random) -> str:
    charset = {"utf-8": "UTF-8", "gbk": "GBK", "gb18030": "GB18030"}[encoding]
    meta = (
        f'<meta name="ArticleTitle" content="{_esc(report.title)}">\n<meta name="PubDate" content="{pub}">\n'
        if rng.random() < 0.5
        else ""
    )
    return (
        f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="{charset}">\n{meta}'
        f"<title>{_esc(report.title)}_政府信息公开年报</title>\n</head>\n<body>\n"
        '<div class="content_bg_02"><div class="trt-container"><div class="mar_t_large">\n'
    )


def _cell_tags(fragment: str, start: int) -> list[re.Match[str]]:
    """The opening tags of the cells of the table starting at ``start`` (no nested tables)."""
    end = fragment.lower().find("</table", start)
    return list(re.finditer(r"<t[dh]\b[^>]*>", fragment[start:end], re.I))


def _locators(table: LTable, index: int) -> dict[int, str]:
    """``id(cell)`` → ``t{index}/r{row}/c{n}``: the n-th cell written in its row (as the markup numbers it)."""
    return {id(cell): f"t{index}/r{r}/c{n}" for r, row in enumerate(table.rows) for n, cell in enumerate(row)}


def detail_page(
    seed: int, template: str | None = None, sliced: bool | None = None, report: SampleReport | None = None
) -> DetailPage:
    """A report detail page, whole or (2019/2021 tables only) sliced inside a section 三 row.

    ``template`` "2019", "2021" or "pre2019" (a 统计表 as 附件1 or as the last section), or the
    page of a given ``report``.
    """
    rng = random.Random(seed)
    if report is None:
        report = _report(rng, template or rng.choice(("2021", "2021", "2019")))
    if report.template not in ("2019", "2021"):
        sliced = False
    sliced = rng.random() < 0.6 if sliced is None else sliced
    style = _trs_style(rng)
    if sliced:
        style = replace(style, signature=False)
    encoding = "utf-8" if sliced else rng.choice(("utf-8", "utf-8", "gbk", "gb18030"))
    d = report.published
    pub = f"{d.isoformat()} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"
    body = render_body(report, style)
    layout = layout_report(report, style)
    tables = layout.tables()
    table_starts = [m.start() for m in re.finditer(r"<table\b", body, re.I)]
    assert len(table_starts) == len(tables), "every layout table is one <table> of the body"
    located: dict[Key, str] = {}
    for index, table in enumerate(tables):
        where = _locators(table, index)
        for row in table.rows:
            for cell in row:
                if cell.key is not None:
                    located[cell.key] = where[id(cell)]
    expected = report.expected_cells()
    cut_row, cut_values = None, 0
    if sliced:
        index = next(i for i, t in enumerate(tables) if t.section == 3)
        apps = tables[index]
        cells = [c for row in apps.rows for c in row]
        tags = _cell_tags(body, table_starts[index])
        assert len(tags) == len(cells), "one <td> per layout cell"
        candidates = []
        for row in apps.rows[apps.header_rows :]:
            values = [c for c in row if c.role == "value"]
            if len(values) >= 7:
                candidates += [(values, k) for k in range(1, 7)]
        values, k = rng.choice(candidates)
        tag = tags[next(i for i, c in enumerate(cells) if c is values[k])]
        inside = tag.group(0)
        attrs = inside.find(" ")
        offset = rng.randint(attrs + 1, len(inside) - 2) if attrs > 0 else len(inside) - 1
        body = body[: table_starts[index] + tag.start() + offset]
        printed = [c for t in tables[: index + 1] for row in t.rows for c in row]  # document order
        cut = next(i for i, c in enumerate(printed) if c is values[k])
        before = {c.key for c in printed[:cut] if c.key is not None}
        expected = {key: cell for key, cell in expected.items() if key in before}
        cut_row, cut_values = values[0].key[1] if values[0].key else None, k
    located = {key: w for key, w in located.items() if key in expected}
    before, after = _article(report, pub, rng)
    page = before + body
    if sliced:  # a slice starts inside some tag of the page layout and ends where it was cut
        prefix = '<div class="trt-row" ms-controller="relnews"><div class="trt-col-sm-24 slb-trt-col-24">\n'
        page = prefix[rng.randint(1, 30) :] + page
    else:
        page = _head(report, pub, encoding, rng) + page + after + "</div></div></div>\n</body>\n</html>\n"
    return DetailPage(
        page, _doc_url(report.published, rng), report, expected, located, sliced, cut_row, cut_values, encoding
    )


# ----------------------------------------------------------------------------- old statistics table


@dataclass
class StatisticsSlice:
    """The 附件1 heading and the first rows of a Word-pasted pre-2019 统计表."""

    html: str
    report: SampleReport
    rows: list[LegacyRow]  # the rows on the page
    expected: dict[Key, tuple[int | float | None, str | None, str]]  # key → (value, unit, label)


_WORD_P = (
    "<p style=\"text-align:{align};TEXT-JUSTIFY: inter-ideograph; MARGIN: 0cm 0cm 0pt; FONT-FAMILY: 'Times New Roman'; "
    'FONT-SIZE: 10.5pt">{inner}</p>'
)


def _word_span(text: str, font: str, size: str, color: str) -> str:
    return f'<span style="FONT-FAMILY: {font}; COLOR: {color}; FONT-SIZE: {size}">{_esc(text)}</span>'


def _word_cell(lines: list[str], width: float, first_col: bool, top: bool, font: str, rng: random.Random) -> str:
    border = rng.choice(("1.5pt", "1pt", "0.5pt"))
    left = f"windowtext {border} solid" if first_col else "medium none"
    top_border = f"windowtext {border} solid" if top else "medium none"
    style = (
        f"BORDER-BOTTOM: windowtext {border} solid; BORDER-LEFT: {left}; PADDING-BOTTOM: 0cm; PADDING-LEFT: 5.4pt; "
        f"WIDTH: {width}pt; PADDING-RIGHT: 5.4pt; BORDER-TOP: {top_border}; BORDER-RIGHT: windowtext {border} solid; "
        "PADDING-TOP: 0cm"
    )
    color = rng.choice(("black", "black", "#444444"))
    size = rng.choice(("16pt", "14pt", "12pt"))
    inner = "".join(
        _WORD_P.format(align="center", inner=_word_span(line, font, size, color)) for line in lines if line is not None
    )
    valign = ' valign="top"' if rng.random() < 0.3 else ""
    return f'<td style="{style}"{valign} width="{round(width * 4 / 3)}">{inner}</td>'


def statistics_slice(seed: int) -> StatisticsSlice:
    """The heading and the first 1–5 rows of a Fujian-style 统计表 as pasted from Word."""
    rng = random.Random(seed)
    legacy = rng.choice(("fujian2011", "fujian2011", "fujian2017", "short"))
    report = generate_report(random.Random(rng.randrange(2**32)), "pre2019", legacy=legacy)
    rows = report.legacy_rows[: rng.randint(1, 5)]
    widths = (199.3, 45.05, 80.5, 110.4)
    split = rng.random() < 0.7
    value_header = report.legacy_value_header
    header = [
        ["指标名称"],
        ["计量", "单位"] if split else ["计量单位"],
        [value_header[:-2], "年度"] if split and value_header.endswith("年度") else [value_header],
        [report.legacy_cumulative_header],
    ]
    heading_font = rng.choice(("仿宋_GB2312", "宋体"))
    heading = _WORD_P.format(
        align="left",
        inner=_word_span(f"附件1：{report.organ}{report.year}年政府信息公开情况统计表", heading_font, "16pt", "black"),
    )
    blank = _WORD_P.format(align="left", inner='<span style="FONT-FAMILY: 宋体; COLOR: #444444">&nbsp; </span>')
    first_row = ' class="firstRow"' if rng.random() < 0.7 else ""
    trs = [
        f"<tr{first_row}>"
        + "".join(_word_cell(lines, w, i == 0, True, "黑体", rng) for i, (lines, w) in enumerate(zip(header, widths)))
        + "</tr>"
    ]
    for row in rows:
        texts = [[row.label], [row.unit], [row.value.raw], [row.cumulative.raw]]
        trs.append(
            "<tr>"
            + "".join(
                _word_cell(lines, w, i == 0, False, "仿宋_GB2312", rng)
                for i, (lines, w) in enumerate(zip(texts, widths))
            )
            + "</tr>"
        )
    table = (
        '<table style="WIDTH: 435.25pt; BORDER-COLLAPSE: collapse" border="0" cellspacing="0" cellpadding="0" '
        'width="580"><tbody>' + "".join(trs)
    )
    if rng.random() < 0.5:
        table += "</tbody></table>"  # whole table; otherwise the slice ends after a row
    expected: dict[Key, tuple[int | float | None, str | None, str]] = {}
    for row in rows:
        for col, cell in (("value", row.value), ("cumulative", row.cumulative)):
            expected[("legacy_indicators", row.key, col)] = (cell.value, cell.unit, row.label)
    return StatisticsSlice(heading + blank + table, report, rows, expected)


# ----------------------------------------------------------------------------- list page


@dataclass
class ListPage:
    """A column list page and what a reader must find on it."""

    html: str  # the page, its ``SiteInfo`` script included
    url: str
    reports: list[tuple[str, str]]  # (absolute URL, title) of every report entry, in page order
    notices: list[str]  # absolute URLs of entries that are notices about reports, not reports
    search_id: str
    classsql: str
    sortfield: str
    prepage: int
    records: int

    @property
    def search_url(self) -> str:
        return f"https://{HOST}/fjdzapp/search"


def _entry(href: str, title: str, day: date, indent: str) -> str:
    return (
        f"{indent}<dl>\n"
        f'{indent}    <dd class="trt-col-sm-24 slb-trt-col-24 text_align_left">\n'
        f'{indent}        <a href="{href}" target="_blank" title="{_esc(title)}">{_esc(title)}</a>\n'
        f"{indent}    </dd>\n"
        f'{indent}    <dd class="trt-col-4 trt-col-sm-24 slb-trt-col-24 text_align_left">\n'
        f"{indent}        {day.isoformat()}\n"
        f"{indent}    </dd>\n"
        f"{indent}</dl>\n"
    )


def list_page(seed: int) -> ListPage:
    """Page 1 of a 政府信息公开年报 column: static entries, and a loader for the other pages."""
    rng = random.Random(seed)
    prepage = rng.choice((10, 15, 20))
    records = rng.randint(prepage + 1, 4 * prepage)
    organ = rng.choice((*ZONES, *(t + "人民政府" for t in TOWNS[:4])))
    last_year = rng.randint(2020, 2025)
    url = f"https://{HOST}{COLUMN_PATH}"
    reports: list[tuple[str, str]] = []
    notices: list[str] = []
    entries = []
    year = last_year
    notice_at = rng.randint(1, prepage - 1) if rng.random() < 0.5 else -1
    for n in range(prepage):
        day = date(year + 1, rng.randint(1, 3), rng.randint(1, 28))
        path = f"{day:%Y%m}/t{day:%Y%m%d}_{rng.randint(10000, 99999)}.htm"
        href = rng.choice(("./", "")) + path
        if n == notice_at:
            title = f"关于做好{year}年政府信息公开工作年度报告的通知"
            notices.append(url + path)
        else:
            title = rng.choice(("{o}{y}年度政府信息公开工作年度报告", "{o}{y}年政府信息公开工作年度报告")).format(
                o=organ, y=year
            )
            reports.append((url + path, title))
            year -= 1
        entries.append(_entry(href, title, day, " " * 40))
    search_id = str(rng.randint(100000, 999999))
    site_id = rng.randint(1, 40)
    chnl = rng.randint(1000, 9999)
    classsql = f"chnlid={chnl}"
    classsql_js = rng.choice((f'"" || "{classsql}"', f'"{classsql}"', f"'{classsql}'"))
    sortfield = rng.choice(("-docorderpri,-docreltime", "-docreltime"))
    count_js = rng.choice((f"'{records}'", str(records)))
    site_info = (
        f'<script>var SiteInfo = {{ siteId: "{site_id}", searchId: "{search_id}", siteDomain: "{HOST}" }};</script>\n'
    )
    page = (
        f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>政府信息公开年报_{_esc(organ)}</title>\n'
        f'<meta name="ColumnName" content="政府信息公开年报">\n{site_info}</head>\n<body>\n'
        '                        <div class="trt-col-19 trt-col-sm-24 slb-trt-col-24">\n'
        '                            <div class="tabs info_tabs" ms-controller="list">\n'
        '                                <div class="tabs_header"><ul><li class="on">'
        '<a class="cur_def" href="javascript:;">政府信息公开年报</a></li></ul></div>\n'
        '                                <div class="rules_tabs_01 none_sm slb_none rules_tabs_no_bg"><dl>\n'
        '                                    <dt class="trt-col-sm-24 slb-trt-col-24">标题</dt>\n'
        '                                    <dt class="trt-col-4 trt-col-sm-24 slb-trt-col-24 text_align_left">发布日期</dt>\n'
        "                                </dl></div>\n"
        '                                <div class="rules_tabs_01 rules_tabs_no_bg" ms-visible="showStatic">\n'
        + "".join(entries)
        + "                                </div>\n"
        '                                <div class="rules_tabs_01 rules_tabs_no_bg" ms-visible="!showStatic" style="display: none">\n'
        '                                    <div ms-if="list.length==0"><div ms-if="!error" class="loading"></div></div>\n'
        f'                                    <dl ms-if="list.length>0" ms-repeat="list" ms-if-loop="$index<{prepage}">\n'
        '                                        <dd class="trt-col-sm-24 slb-trt-col-24 text_align_left">\n'
        '                                            <a ms-attr-href="el.chnldocurl" ms-attr-title="el.doctitle" '
        'ms-text="el.doctitle|html" target="_blank"></a>\n'
        "                                        </dd>\n"
        '                                        <dd class="trt-col-4" ms-text="el.docreltime|date(\'yyyy-MM-dd\')"></dd>\n'
        "                                    </dl>\n"
        "                                </div>\n"
        '                                <div class="page_base mar_t_base" ms-controller="list_pagebar" '
        'ms-include-src="pgTemp" ms-if="pageCount>0"></div>\n'
        "                            </div>\n"
        "                        </div>\n"
        '    <script type="text/javascript" src="/images/info_public_js.js"></script>\n'
        "    <script>\n"
        '        require(["list2.trsapi", "tools"], function(listModel, tools) {\n'
        "            listModel({\n"
        '                quickMode: "动静结合",\n'
        "                maxStaticIndex: 1,\n"
        "                listArgs: {\n"
        "                    channelid: SiteInfo.searchId,\n"
        f"                    classsql: {classsql_js},\n"
        f'                    sortfield: "{sortfield}"\n'
        "                },\n"
        "                pagebar: {\n"
        f"                    prepage: {prepage},\n"
        f"                    recordCount: {count_js},\n"
        '                    pgTemp: "pgBar_xxgk.html",\n'
        '                    pgCountMode: "recordCount",\n'
        "                    displayNum: 2\n"
        "                }\n"
        "            });\n"
        "        });\n"
        "    </script>\n"
        "</body>\n</html>\n"
    )
    return ListPage(page, url, reports, notices, search_id, classsql, sortfield, prepage, records)

"""Openings of report pages as a text store keeps them, generated from seeds.

A store of page texts keeps the first ~2,000 characters of a report page: full-width punctuation
folded to ASCII, tables flattened (one cell per line, or ``a | b | c`` rows padded with empty
cells to the table's width, spans lost), sometimes a ``SOURCE:`` line naming the page, and
sometimes the page came from a mirror site that converted it to traditional characters.

* :func:`metadata_excerpt` — the title, issuing body, year and publication date written the many
  ways report pages write them (title forms, organ lines, date lines, metadata boxes, breadcrumbs,
  doc-number lines, no title at all);
* :func:`table_excerpt` — section 二 (and the start of 三) of a report on the 2019 tables as
  ``|`` rows: truncated ``本年新`` headers, Hubei annotations, extra rows, traditional mirrors;
* :func:`labels_excerpt` — a 2021+ report still printing the 2019 form, its tables as one label
  per line with the values lost.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from urllib.parse import quote

from opencc import OpenCC
from portalgen.render_html import MarkupStyle
from portalgen.render_layout import LTable, layout_report
from portalgen.sample import COUNTIES, DEPARTMENTS, PHRASES, TOWNS, Key, SampleCell, SampleReport, generate_report

MIRROR = "wiki.example-mirror.com"
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_DISTRICTS = ("南城区", "东湖区", "北塘区", "西林区")
_STREETS = ("春风街道", "花园街道", "新桥街道", "金湖街道")
_ZONES = ("江城高新区", "临港经济开发区", "东湖新区")


def fold(text: str) -> str:
    """Full-width ASCII forms (，：（）) as ASCII, as the store keeps them."""
    return text.translate(_FULLWIDTH)


def to_traditional(text: str, swap_words: bool) -> str:
    """A mirror's conversion: traditional characters, and with ``swap_words`` 文件 as 檔案."""
    out = OpenCC("s2t").convert(text)
    return out.replace("文件", "檔案") if swap_words else out


def _body(rng: random.Random, year: int, name: str, heading: str) -> list[str]:
    lines = [heading, f"{year}年,{name}" + "。".join(rng.sample(PHRASES, 3)) + "。"]
    for n, topic in enumerate(("主动公开情况", "依申请公开情况", "政府信息管理", "平台建设"), start=1):
        cn = "一二三四"[n - 1]
        lines.append(f"({cn}){topic}。" + "。".join(rng.sample(PHRASES, 2)) + "。")
    return lines


def _cut(lines: list[str], rng: random.Random) -> str:
    """The opening ~2,000 characters, cut wherever they end."""
    text = "\n".join(lines)
    return text[: rng.randint(1800, 2100)]


# ----------------------------------------------------------------------------- metadata


@dataclass
class Excerpt:
    """An excerpt and the metadata a reader must take from it (None: the excerpt does not say)."""

    text: str
    title: str | None
    organ: str | None
    year: int
    published: str | None
    kind: str  # how the page names itself (see :data:`EXCERPT_KINDS`)
    date_form: str  # how it states its publication date (see :data:`DATE_FORMS`)

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


# How report pages name themselves, each with the title and organ a reader must find.
EXCERPT_KINDS = (
    "town",  # 张家湾镇2021年…, organ 张家湾镇人民政府
    "county_town",  # 平利县正阳镇2021年度…, organ 平利县正阳镇人民政府
    "organ_title",  # 龙田镇人民政府2021年…
    "bare_title",  # 2022年…年度报告 / 桃江县松木塘镇人民政府 / 2022年…年度报告: title 桃江县松木塘镇人民政府2022年…
    "street_office",  # 道里区经纬街道办事处2022年…
    "zone_box",  # a metadata box: 名 称: 咸宁高新区2020年度… 发布日期: 2021年01月14日
    "department",  # 永嘉县农业局2010年度…
    "no_title_preamble",  # the page starts with 根据《条例》…现公布…年度报告
    "no_title_docno",  # a doc-number line (侯水利〔2011〕47号 签发人:…), then the preamble
    "no_title_compiled",  # 本年度报告根据《条例》要求,汇总…编制而成
)


DATE_FORMS = ("none", "plain", "clock", "seconds", "font", "source", "visits", "box")


def _date_line(rng: random.Random, published: date, short: str) -> tuple[str, str | None]:
    """How the page states its publication date (a form of :data:`DATE_FORMS`) and the line, if any."""
    iso = published.isoformat()
    clock = f"{rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"
    form = rng.choice(("none", *DATE_FORMS[:-1]))
    line = {
        "none": None,
        "plain": f"发布时间:{iso}",
        "clock": f"发布时间: {iso} {clock}",
        "seconds": f"发布时间:{iso} {clock}:{rng.randint(10, 59)}",
        "font": f"发布时间: {iso} {clock} 字体:[]",
        "source": f"信息来源:{short} 作者:佚名 发布时间:{iso} {clock} 【 字体:",
        "visits": f"来源:原创     发布时间:{iso} {clock}    浏览次数:次    ",
    }[form]
    return form, line


def _chrome(rng: random.Random, year: int) -> list[str]:
    form = rng.choice(("none", "none", "crumbs", "font", "source"))
    if form == "crumbs":
        return [f"首页/ 政府信息公开 / 政府信息公开年报 / {rng.choice(('乡镇', '镇街', '部门'))} / {year} / 正文", ""]
    if form == "font":
        return ["【字体:      】  打印"]
    if form == "source":
        return [
            f"SOURCE: http://www.example-county.gov.cn/zfxxgk/zfxxgknb/{year + 1}/{rng.randint(10**6, 10**7)}.html",
            "----",
        ]
    return []


def metadata_excerpt(seed: int, kind: str | None = None) -> Excerpt:
    """The opening of a report page naming itself one of the :data:`EXCERPT_KINDS` ways."""
    rng = random.Random(seed)
    kind = kind or rng.choice(EXCERPT_KINDS)
    county = rng.choice(COUNTIES)[0]
    town = rng.choice([t for t in TOWNS if not t.endswith("街道")])
    year = rng.randint(2010, 2018) if kind in ("department", "no_title_docno") else rng.randint(2019, 2023)
    published = date(year + 1, 1, 10) + timedelta(days=rng.randint(0, 70))
    niandu = rng.choice(("年", "年度"))
    period = rng.choice(
        (
            f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。",
            f"本年度报告所列数据统计期限为{year}年1月1日至{year}年12月31日。",
        )
    )
    heading = rng.choice(("一、总体情况", "一、概述", "一、工作基本情况"))
    head: list[str] = _chrome(rng, year)
    title: str | None
    organ: str | None
    if kind == "town":
        title, organ, name = f"{town}{year}{niandu}政府信息公开工作年度报告", f"{town}人民政府", town
        if rng.random() < 0.3:  # a broken period sentence: the year comes from the title
            period = f"本报告中所列数据的统计期限自{year}11日起至{year}1230日止。"
    elif kind == "county_town":
        title, organ, name = f"{county}{town}{year}{niandu}政府信息公开工作年度报告", f"{county}{town}人民政府", town
    elif kind == "organ_title":
        organ = name = f"{town}人民政府"
        title = f"{organ}{year}年政府信息公开工作年度报告"
    elif kind == "street_office":
        street = rng.choice(_STREETS)
        organ = name = f"{rng.choice(_DISTRICTS)}{street}办事处"
        title = f"{organ}{year}年政府信息公开工作年度报告"
    elif kind == "bare_title":
        title, organ, name = f"{year}年政府信息公开工作年度报告", f"{county}{town}人民政府", town
    elif kind == "zone_box":
        zone = rng.choice(_ZONES)
        title, organ, name = f"{zone}{year}年度政府信息公开工作年度报告", zone, zone
    elif kind == "department":
        organ = name = county + rng.choice(DEPARTMENTS)
        title = f"{organ}{year}{niandu}政府信息公开工作年度报告"
    else:
        title = organ = None
        name = rng.choice(_STREETS) if kind == "no_title_preamble" else town
        district = rng.choice(_DISTRICTS)
        if kind == "no_title_preamble":  # 现公布南城区春风街道2022年…: the street's office
            organ = f"{district}{name}办事处"
        elif kind == "no_title_compiled":  # 汇总2021年度大东坝镇人民政府的…年度报告
            organ = f"{name}人民政府"
    date_form, date_line = _date_line(rng, published, name)
    preamble = (
        f"根据《中华人民共和国政府信息公开条例》(以下简称《条例》)规定,现通过政府门户网向社会公布{year}年度"
        f"{organ or name}政府信息公开工作年度报告。{period}"
    )
    if kind == "zone_box":
        head += [
            "索引号 : 文 号 : 无",
            "主题分类: 发文单位: 无",
            f"名 称: {title} 发布日期: {published.year}年{published.month:02d}月{published.day:02d}日",
            "有效性: 发文日期:",
        ]
        date_form, date_line = "box", None
        preamble = f"{name}根据《中华人民共和国政府信息公开条例》(以下简称《条例》)有关要求,编制本报告。{period}"
    elif kind == "bare_title":
        head += [title, organ, title]
        title = organ + title  # the organ line and the bare title under it are one title
    elif kind == "no_title_preamble":
        preamble = (
            f"根据《中华人民共和国政府信息公开条例》(以下简称《条例》)的规定,现公布{district}{name}"
            f"{year}年政府信息公开工作年度报告,本年度报告中所列数据的统计期限自{year}年1月1日起至12月31日止。"
        )
    elif kind == "no_title_docno":
        head.append(f"{county[:1]}{rng.choice(DEPARTMENTS)[:1]}〔{year + 1}〕{rng.randint(2, 90)}号 签发人:王某某")
        preamble = (
            f"根据《中华人民共和国政府信息公开条例》有关规定,特向社会公布我局{year}年度信息公开工作年度报告。"
            f"本报告中所列数据的统计期限自 {year} 年 1 月 1 日起至 {year} 年 12 月 31 日 止。"
        )
    elif kind == "no_title_compiled":
        preamble = (
            f"本年度报告根据《中华人民共和国政府信息公开条例》(以下简称《条例》)要求,汇总{year}年度{name}人民政府的"
            f"政务公开年度报告编制而成。报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
        )
    else:
        head.append(title or "")
    if date_line:
        head += ["", date_line, ""] if rng.random() < 0.5 else [date_line]
    stated = None if date_form == "none" else published.isoformat()
    lines = [*head, preamble, *_body(rng, year, name, heading)]
    return Excerpt(_cut([fold(x) for x in lines], rng), title, organ, year, stated, kind, date_form)


# ----------------------------------------------------------------------------- tables


@dataclass
class TableExcerpt:
    """An excerpt with flattened tables and the cells a reader must take from it."""

    text: str
    report: SampleReport
    expected: dict[Key, SampleCell]
    traditional: bool

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


def _pipe_rows(table: LTable, pad: int) -> list[str]:
    """The store's ``|`` rows: the cells written in a row, then empty cells up to the table width."""
    width = table.width() + pad
    out = []
    for row in table.rows:
        texts = [" ".join(c.lines) for c in row] + [""] * max(0, width - len(row))
        out.append("".join(f"{t} | " if t else "|" for t in texts).rstrip())
    return out


def table_excerpt(seed: int) -> TableExcerpt:
    """Section 二 and the first rows of 三 of a report on the 2019 tables, as ``|`` rows."""
    rng = random.Random(seed)
    year = rng.choice((2019, 2020, 2020, rng.randint(2021, 2023)))
    hubei = rng.random() < 0.4
    traditional = hubei and rng.random() < 0.7
    values = "plain" if traditional else rng.choice(("plain", "plain", "blank_zeros"))
    report = generate_report(
        random.Random(rng.randrange(2**32)),
        "2019",
        year=year,
        style=values,
        extras=("other_documents",) if hubei else (),
    )
    if traditional:  # numbers only: a mirror's converter would turn 无/减 into 無/減
        for key, cell in report.cells.items():
            if any(ch in cell.raw for ch in "增减无"):
                report.cells[key] = SampleCell(str(cell.value), cell.value, cell.unit)
    style = MarkupStyle(
        truncated_headers=not hubei and rng.random() < 0.5,
        annotations=hubei,
        label_breaks=rng.choice(("none", "none", "br")),
        trailing_empty_column=rng.random() < 0.5,
        seed=rng.randrange(2**31),
    )
    layout = layout_report(report, style)
    active = next(t for t in layout.tables() if t.section == 2)
    apps = next(t for t in layout.tables() if t.section == 3)
    pad = rng.choice((0, 1))
    complete = rng.randint(0, 2)  # data rows of 三 printed whole before the excerpt ends
    opening = (
        f"根据《{report.organ}关于做好{year}年政府信息公开工作年度报告编制和发布工作的通知》有关要求,"
        f"现将我单位{year}年度政府信息公开情况报告如下。"
    )
    lines = [
        opening if hubei else "一、总体情况",
        report.preamble,
        report.sections[0][1],
        "二、主动公开政府信息情况",
        *_pipe_rows(active, pad),
        "三、收到和处理政府信息公开申请情况",
        *_pipe_rows(apps, pad)[: apps.header_rows + complete],
    ]
    partial = apps.rows[apps.header_rows + complete]
    labels = [" ".join(c.lines) for c in partial if c.role != "value"]
    lines.append("".join(f"{t} | " for t in labels))  # the excerpt ends after the row's labels
    expected = {k: c for k, c in report.expected_cells().items() if k[0] == "active_disclosure"}
    for row in apps.rows[apps.header_rows : apps.header_rows + complete]:
        for cell in row:
            if cell.key is not None:
                expected[cell.key] = report.cells[cell.key]
    text = "\n".join(fold(x) for x in lines)
    head = ""
    if traditional:
        text = to_traditional(text, swap_words=rng.random() < 0.7)
        head = f"SOURCE: https://{MIRROR}/wiki/{quote(to_traditional(report.title, False))}/{rng.randint(10**7, 10**8)}\n----\n"
    elif rng.random() < 0.5:
        head = f"SOURCE: http://www.example-county.gov.cn/module/xxgk/xxgkAnnualReport.jsp?fbtime={year}\n----\n"
    return TableExcerpt(head + text, report, expected, traditional)


@dataclass
class LabelsExcerpt:
    """A 2021+ report printing the 2019 form: its tables' labels one per line, values lost."""

    text: str
    report: SampleReport
    published: str

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


def labels_excerpt(seed: int) -> LabelsExcerpt:
    rng = random.Random(seed)
    year = rng.randint(2021, 2024)
    report = generate_report(random.Random(rng.randrange(2**32)), "2019", year=year, level="town")
    title = rng.choice((f"{year}年度{report.short_name}政府信息公开工作年度报告", report.title))
    report = replace(report, title=title)
    layout = layout_report(report, MarkupStyle(seed=rng.randrange(2**31)))
    clock = f"{rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"
    lines = [
        "【字体:      】  打印",
        title,
        f"来源:原创     发布时间:{report.published.isoformat()} {clock}    浏览次数:次",
        "",
    ]
    lines += [report.sections[0][0], "", report.sections[0][1], "", report.sections[1][0], ""]
    for table in layout.tables()[:2]:
        if table.section == 3:
            lines += [report.sections[2][0], ""]
        for row in table.rows:
            for cell in row:
                if cell.role != "value" and cell.text.strip():
                    lines += ["".join(cell.lines), ""]
    return LabelsExcerpt(_cut([fold(x) for x in lines], rng), report, report.published.isoformat())

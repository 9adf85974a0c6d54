"""Documents in the shapes real reports take where extraction used to go wrong (issue 11), each
with what a reader must take from it.

Seeded generators, one per class of failure:

``vertical``  PDFs whose section-三 group labels are printed vertically: WPS-like (the label's
              characters inside the boxes of the rows beside it), stacked, vertical font, rotated;
``misspelt``  canonical labels misspelt (a character or a few missing or wrong), rows beyond the
              template (行政检查) beside them, in HTML and PDF;
``prose``     pages of prose that a reader sees as tables: framed PDF pages, layout tables in HTML;
``year``      the year only in the 统计期限 sentence (over several years), a bare 1月1日至12月31日
              range, a title quoted in the body, a title line deep in the page, a late repost;
``office``    the office only in the opening sentence, the signature, as 我镇/本局 beside the page's
              发布机构, under navigation bullets ("•乡镇人民政府"); titles over two lines or ending in "|";
``blank``     rows whose cells are all blank (HTML, PDF, text);
``checks``    a leaf row of 三 missing: R3 is not checkable (and says why);
``flat``      page dumps whose tables ran together, some without their header rows;
``lines``     tables printed one cell per line: complete (read), blank cells lost (warned, kept out);
``html``      realistic detail pages (the existing generator), the reference.

:func:`corpus` mixes them; :mod:`gen.accuracy` measures extraction over it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date

from portalgen.render_html import MarkupStyle, realistic_style, render_body, render_page
from portalgen.render_layout import LPara, LTable, layout_report
from portalgen.sample import Key, SampleCell, SampleReport, generate_report

from extract.schema import APPLICANT_KEYS, APPLICATION_ROWS
from gen.dumps import report_dump
from gen.pdfdraw import LOOKS, draw_report

CLASSES = ("vertical", "misspelt", "prose", "year", "office", "blank", "checks", "flat", "lines", "html")
HTML_TYPE = "text/html; charset=utf-8"


@dataclass
class Case:
    """One document and what extraction must return for it (None: not judged for this case)."""

    name: str
    klass: str
    carrier: str  # html | pdf | text
    data: bytes
    content_type: str
    report: SampleReport
    expected: dict[Key, SampleCell] | None  # every cell (None: the tables are not judged)
    template: str | None
    year: int | None
    organ: str | None
    title: str | None = None
    sections: tuple[int, ...] = ()  # section numbers that must be found, in order
    section_texts: dict[int, str] = field(default_factory=dict)  # a sentence each section must hold
    warnings: tuple[str, ...] = ()  # substrings some warning must contain
    no_cells_for: tuple[str, ...] = ()  # tables that must have no cells
    not_checkable: tuple[str, ...] = ()  # rules that must be stored as not checkable


# ----------------------------------------------------------------------------- helpers


def _report(rng: random.Random, template: str | None = None, **kw) -> SampleReport:
    template = template or rng.choice(("2019", "2021", "2021"))
    return generate_report(random.Random(rng.randrange(2**32)), template, **kw)


def _page(
    body: str,
    page_title: str,
    *,
    heading: str = "",
    box: str = "",
    nav: bool = True,
    signature: list[str] | None = None,
    lead: str = "",
) -> bytes:
    """A detail page around ``body`` with its chrome: navigation bullets, metadata box, heading."""
    menu = ""
    if nav:
        items = ("•乡镇人民政府", "•县直部门", "•政府信息公开指南", "•政府信息公开年报", "•街道办事处")
        menu = '<div class="left-nav"><ul>' + "".join(f"<li>{i}</li>" for i in items) + "</ul></div>"
    sig = "".join(f'<p style="text-align:right">{line}</p>' for line in (signature or []))
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>'
        + page_title
        + "</title></head><body>"
        + menu
        + box
        + '<div class="article">'
        + heading
        + '<div class="TRS_Editor">'
        + lead
        + body
        + sig
        + "</div></div>"
        + '<div class="footer"><p>主办单位：县人民政府办公室</p></div></body></html>'
    ).encode("utf-8")


def _style(rng: random.Random, **kw) -> MarkupStyle:
    return replace(MarkupStyle(seed=rng.randrange(2**31)), signature=False, title_in_body=False, **kw)


def _date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _sections(report: SampleReport) -> tuple[int, ...]:
    return tuple(range(1, len(report.sections) + 1))


# ----------------------------------------------------------------------------- classes


def vertical_case(seed: int) -> Case:
    rng = random.Random(seed)
    report = _report(rng, style=rng.choice(("plain", "plain", "blank_zeros")))
    look = LOOKS[seed % len(LOOKS)]
    data = draw_report(report, look, seed)
    return Case(
        f"vertical-{look}-{seed}",
        "vertical",
        "pdf",
        data,
        "application/pdf",
        report,
        report.expected_cells(),
        report.template,
        report.year,
        report.organ,
        report.title,
        _sections(report),
    )


def _typo(rng: random.Random, label: str) -> str:
    """A misspelling a reader still recognises: one character dropped or replaced, a few dropped
    from a long label."""
    core = label
    if len(core) >= 12 and rng.random() < 0.5:
        i = rng.randrange(2, len(core) - 4)
        return core[:i] + core[i + rng.choice((2, 3)) :]
    i = rng.randrange(1, len(core) - 1)
    if rng.random() < 0.5:
        return core[:i] + core[i + 1 :]
    return core[:i] + rng.choice("的之和与及") + core[i + 1 :]


# labels long enough to be read when misspelt (the official wording; enumerators kept by the layout)
MISSPELLABLE = (
    "其他法律行政法规禁止公开",
    "没有现成信息需要另行制作",
    "补正后申请内容仍不明确",
    "要求行政机关确认或重新出具已获取信息",
    "无正当理由大量反复申请",
    "本机关不掌握相关政府信息",
    "属于四类过程性信息",
    "属于三类内部事务信息",
    "保护第三方合法权益",
    "其他对外管理服务事项",
    "行政事业性收费",
)


def misspelt_case(seed: int) -> Case:
    rng = random.Random(seed)
    report = _report(rng, extras=tuple(rng.sample(["inspection", "confirmation"], rng.choice((0, 1)))))
    labels = [lab for lab in MISSPELLABLE if lab != "其他对外管理服务事项" or report.template == "2019"]
    relabel = {lab: _typo(rng, lab) for lab in rng.sample(labels, rng.randint(1, 3))}
    if rng.random() < 0.5:
        data = draw_report(report, rng.choice(("word", "wps")), seed, relabel=relabel)
        carrier, ctype = "pdf", "application/pdf"
    else:
        html = render_page(report, realistic_style(rng), "utf-8").data.decode("utf-8")
        relabel = {old: new for old, new in relabel.items() if old in html}  # labels split by markup stay
        for old, new in relabel.items():
            html = html.replace(old, new)
        carrier, ctype, data = "html", HTML_TYPE, html.encode("utf-8")
    return Case(
        f"misspelt-{carrier}-{seed}",
        "misspelt",
        carrier,
        data,
        ctype,
        report,
        report.expected_cells(),
        report.template,
        report.year,
        report.organ,
        warnings=tuple(relabel.values()) + tuple(e.key for e in report.extra_rows),
    )


def prose_case(seed: int) -> Case:
    rng = random.Random(seed)
    report = _report(rng)
    six = report.sections[5][1]
    if seed % 2 == 0:
        data = draw_report(report, rng.choice(("word", "stacked")), seed, frame=True)
        carrier, ctype = "pdf", "application/pdf"
    else:
        style = _style(rng)
        blocks = layout_report(report, style).blocks
        parts: list[str] = []
        run: list[str] = []
        for block in blocks:
            if isinstance(block, LPara):
                run.append(f"<p>{block.text}</p>")
                continue
            if run:  # prose pasted into a one-cell layout table
                parts.append('<table width="100%" border="0"><tr><td>' + "".join(run) + "</td></tr></table>")
                run = []
            parts.append(_one_table(report, block, style))
        if run:
            parts.append('<table width="100%" border="0"><tr><td>' + "".join(run) + "</td></tr></table>")
        heading = f"<h1>{report.title}</h1>"
        data = _page("".join(parts), report.title, heading=heading)
        carrier, ctype = "html", HTML_TYPE
    return Case(
        f"prose-{carrier}-{seed}",
        "prose",
        carrier,
        data,
        ctype,
        report,
        report.expected_cells(),
        report.template,
        report.year,
        report.organ,
        report.title,
        _sections(report),
        {1: report.sections[0][1][:12], 6: six[:12]},
    )


def _one_table(report: SampleReport, table: LTable, style: MarkupStyle) -> str:
    from portalgen.render_html import _table

    return _table(table, style)


YEAR_KINDS = ("multi_period", "bare_range", "quoted_title", "deep_title", "broken_period")


def year_case(seed: int) -> Case:
    rng = random.Random(seed)
    kind = YEAR_KINDS[seed % len(YEAR_KINDS)]
    report = _report(rng)
    y = report.year
    name = report.short_name
    repost = date(y + rng.randint(2, 5), rng.randint(1, 12), rng.randint(1, 28))
    title = f"{name}政府信息公开工作年度报告"
    contact = f"如对本报告有疑问，请与{report.organ}办公室联系。"
    page_title = "政府信息公开年报"
    lead = ""
    if kind == "multi_period":
        preamble = f"本报告根据《中华人民共和国政府信息公开条例》编制，所列数据的统计期限自{y - rng.randint(3, 6)}年至{y}年止。"
    elif kind == "bare_range":
        preamble = f"本报告所列数据为{y}年1月1日至{y}年12月31日期间的数据。"
    elif kind == "quoted_title":
        title = ""
        preamble = f"根据《中华人民共和国政府信息公开条例》规定，现将《{name}{y}年政府信息公开工作年度报告》予以公布。"
    elif kind == "deep_title":
        title = ""
        lead = "".join(f"<p>{x}</p>" for x in ("首页", "政务公开", "政府信息公开", "信息公开指南", "信息公开目录"))
        lead += "".join(f"<p>{n}年度报告</p>" for n in ("法定主动公开内容", "部门信息", "乡镇信息"))
        lead += f"<p>{name}{y}年政府信息公开工作年度报告</p>"
        preamble = "本报告根据《中华人民共和国政府信息公开条例》编制。"
    else:
        preamble = f"本报告中所列数据的统计期限自{y}11日起至{y}1231日止。"
    report = replace(report, preamble=preamble + contact, title=title or report.title)
    body = lead + render_body(report, _style(rng))
    heading = f"<h1>{title}</h1>" if title else ""
    box = f'<div class="article_extend">发布时间：{repost.isoformat()}</div>'
    data = _page(body, page_title if not title else title + "_" + page_title, heading=heading, box=box)
    return Case(
        f"year-{kind}-{seed}",
        "year",
        "html",
        data,
        HTML_TYPE,
        report,
        report.expected_cells(),
        report.template,
        y,
        report.organ,
    )


OFFICE_KINDS = ("opening", "signature", "self_meta", "split_title", "pipe_title", "organ_line")


def office_case(seed: int) -> Case:
    rng = random.Random(seed)
    kind = OFFICE_KINDS[seed % len(OFFICE_KINDS)]
    level = rng.choice(("town", "town", "county", "department"))
    report = _report(rng, level=level)
    y, name, organ = report.year, report.short_name, report.organ
    period = f"本报告所列数据统计期限为{y}年1月1日至{y}年12月31日。"
    full_title = f"{name}{y}年政府信息公开工作年度报告"
    heading = ""
    page_title = "政府信息公开年报_" + rng.choice(("县人民政府门户网站", "政务公开"))
    box = ""
    signature: list[str] | None = None
    expected_title: str | None = None
    self_word = {"town": "我镇", "county": "我县", "department": "我局"}[level]
    if name.endswith("街道"):
        self_word = "我街道"
    if kind == "opening":
        preamble = f"根据《中华人民共和国政府信息公开条例》规定，现公布{name}{y}年政府信息公开工作年度报告。{period}"
    elif kind == "signature":
        preamble = f"本报告根据《中华人民共和国政府信息公开条例》编制。{period}"
        signature = [organ, _date(report.published)]
    elif kind == "self_meta":
        preamble = (
            f"根据《中华人民共和国政府信息公开条例》规定，现将{self_word}{y}年政府信息公开工作情况报告如下。{period}"
        )
        box = f'<div class="meta-box"><span>发布机构：{organ}</span> <span>发布日期：{report.published.isoformat()}</span></div>'
    elif kind == "split_title":
        preamble = f"本报告根据《中华人民共和国政府信息公开条例》编制。{period}"
        if rng.random() < 0.5:
            heading = f'<p class="title">{organ}</p><p class="title">{y}年政府信息公开工作年度报告</p>'
            expected_title = f"{organ}{y}年政府信息公开工作年度报告"
        else:
            heading = f'<p class="title">{name}{y}年政府信息公开</p><p class="title">工作年度报告</p>'
            expected_title = full_title
    elif kind == "pipe_title":
        preamble = f"本报告根据《中华人民共和国政府信息公开条例》编制。{period}"
        heading = f"<h1>{full_title} |</h1>"
        page_title = f"{full_title}|"
        expected_title = full_title
    else:  # an organ line under a bare title
        preamble = f"本报告根据《中华人民共和国政府信息公开条例》编制。{period}"
        heading = f"<h1>{y}年政府信息公开工作年度报告</h1><p>{organ}</p>"
    first = (self_word + "，") if kind == "self_meta" else ""
    sections = list(report.sections)
    sections[0] = (sections[0][0], f"{y}年，{first}" + sections[0][1].split("，", 1)[-1])
    report = replace(report, preamble=preamble, sections=sections, title=expected_title or report.title)
    body = render_body(report, _style(rng))
    inside = kind == "organ_line" or (kind == "split_title" and rng.random() < 0.5)  # lines in the body
    data = _page(
        body,
        page_title,
        heading="" if inside else heading,
        lead=heading if inside else "",
        box=box,
        signature=signature,
    )
    return Case(
        f"office-{kind}-{seed}",
        "office",
        "html",
        data,
        HTML_TYPE,
        report,
        report.expected_cells(),
        report.template,
        y,
        organ,
        expected_title,
    )


def _blank_rows(rng: random.Random, report: SampleReport) -> None:
    rows = [r.key for r in APPLICATION_ROWS[report.template]]
    for row in rng.sample(rows, 3):
        for col in APPLICANT_KEYS:
            report.cells[("applications", row, col)] = SampleCell(rng.choice(("", "", " ")), None)
    if rng.random() < 0.5:
        for key in list(report.cells):
            if key[0] == "review_litigation":
                report.cells[key] = SampleCell("", None)


def blank_case(seed: int) -> Case:
    rng = random.Random(seed)
    report = _report(rng)
    _blank_rows(rng, report)
    carrier = ("html", "pdf", "text")[seed % 3]
    if carrier == "html":
        data, ctype = render_page(report, realistic_style(rng), "utf-8").data, HTML_TYPE
    elif carrier == "pdf":
        data, ctype = draw_report(report, rng.choice(LOOKS), seed), "application/pdf"
    else:
        from portalgen.render_text import render_text

        data, ctype = render_text(report).encode("utf-8"), "text/plain; charset=utf-8"
    return Case(
        f"blank-{carrier}-{seed}",
        "blank",
        carrier,
        data,
        ctype,
        report,
        report.expected_cells(),
        report.template,
        report.year,
        report.organ,
    )


def checks_case(seed: int) -> Case:
    """A report whose 三 table lost a leaf row (R3 cannot run) — never a clean report."""
    rng = random.Random(seed)
    report = _report(rng)
    style = _style(rng, level1_label="repeated", group_labels="repeated")
    leaf = rng.choice(
        [r for r in APPLICATION_ROWS[report.template] if r.group and "“" not in r.label and len(r.label) >= 6]
    )
    html = render_body(report, style)
    rows = re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S)
    victim = next(r for r in rows if leaf.label[:6] in re.sub(r"<[^>]+>|&nbsp;|\s", "", r))
    html = html.replace(victim, "", 1)
    expected = {k: v for k, v in report.expected_cells().items() if not (k[0] == "applications" and k[1] == leaf.key)}
    data = _page(html, report.title, heading=f"<h1>{report.title}</h1>")
    return Case(
        f"checks-{seed}",
        "checks",
        "html",
        data,
        HTML_TYPE,
        report,
        expected,
        report.template,
        report.year,
        report.organ,
        not_checkable=("R3",),
    )


def flat_case(seed: int) -> Case:
    rng = random.Random(seed)
    dump = report_dump(rng.randrange(2**32), rng.choice(("2019", "2021")))
    text = dump.text
    if rng.random() < 0.5:  # the header rows of 三 (and 四) lost: only the rows ran together
        text = re.sub(r"\(?（?本列数据的勾稽关系[^\n]*?总计", "", text)
        text = re.sub(r"申请人情况|自然人|法人或其他组织|商业企业|科研机构|社会公益组织|法律服务机构", "", text)
    tables = ("active_disclosure", "applications", "review_litigation")
    return Case(
        f"flat-{seed}",
        "flat",
        "text",
        text.encode("utf-8"),
        "text/plain; charset=utf-8",
        dump.report,
        None,
        dump.report.template,
        dump.report.year,
        dump.report.organ,
        warnings=tuple(f"table {t} is published without cell boundaries" for t in tables),
        no_cells_for=tables,
    )


def _cell_lines(table: LTable) -> list[str]:
    out = []
    for row in table.rows:
        for cell in row:
            if cell.role == "blank":
                continue
            text = "".join(cell.lines).strip()
            if text:
                out += [text, ""]
    return out


def lines_case(seed: int) -> Case:
    """A report whose tables are printed one cell per line (a mobile page copied as text)."""
    rng = random.Random(seed)
    lossy = seed % 3 == 2
    report = _report(rng, style="blank_zeros" if lossy else "plain")
    style = _style(rng)
    lines = [report.title, "", report.preamble, ""]
    for block in layout_report(report, style).blocks:
        if isinstance(block, LPara):
            lines += [block.text, ""]
        else:
            lines += _cell_lines(block)
    expected: dict[Key, SampleCell] = report.expected_cells()
    no_cells: list[str] = []
    warnings: list[str] = []
    for table in ("active_disclosure", "applications", "review_litigation"):
        # a row that lost some (not all) of its blank cells cannot be placed: the table is kept out
        rows: dict[str, list[bool]] = {}
        for k, c in expected.items():
            if k[0] == table:
                rows.setdefault(k[1] if table != "review_litigation" else "", []).append(c.raw.strip() == "")
        if any(any(lost) and not all(lost) for lost in rows.values()):
            no_cells.append(table)
            warnings.append(f"table {table} is printed one cell per line")
        elif rows and all(all(lost) for lost in rows.values()):
            no_cells.append(table)  # not one value line: labels only (values lost or all blank), no cells
    expected = {k: c for k, c in expected.items() if k[0] not in no_cells}
    return Case(
        f"lines-{'lossy' if lossy else 'whole'}-{seed}",
        "lines",
        "text",
        "\n".join(lines).encode("utf-8"),
        "text/plain; charset=utf-8",
        report,
        expected,
        report.template,
        report.year,
        report.organ,
        warnings=tuple(warnings),
        no_cells_for=tuple(no_cells),
    )


def html_case(seed: int) -> Case:
    rng = random.Random(seed)
    report = _report(rng, template=rng.choice(("2019", "2021", "2021", "pre2019")))
    page = render_page(report, realistic_style(rng), rng.choice(("utf-8", "gbk")))
    return Case(
        f"html-{seed}",
        "html",
        "html",
        page.data,
        page.content_type,
        report,
        report.expected_cells(),
        report.template,
        report.year,
        report.organ,
    )


GENERATORS = {
    "vertical": vertical_case,
    "misspelt": misspelt_case,
    "prose": prose_case,
    "year": year_case,
    "office": office_case,
    "blank": blank_case,
    "checks": checks_case,
    "flat": flat_case,
    "lines": lines_case,
    "html": html_case,
}


def corpus(per_class: int, seed: int = 0, classes: tuple[str, ...] = CLASSES) -> Iterator[Case]:
    """``per_class`` documents of every class, seeded."""
    for k, klass in enumerate(classes):
        for i in range(per_class):
            yield GENERATORS[klass](seed * 100_003 + k * 10_007 + i)

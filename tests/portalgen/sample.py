"""Sample annual reports: random but internally consistent content (R1–R4 hold).

Used by the bundled demo portal, the benchmarks and the tests.  A :class:`SampleReport` holds
what a report *says* (metadata, sections, every table cell as published and the value the
extractor must return); renderers in :mod:`portalgen` turn it into HTML, text, DOCX, PDF …
in many markup styles.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from extract.schema import (
    ACTIVE_SUBTABLES,
    APPLICANT_KEYS,
    APPLICATION_ROWS,
    R3_LEAVES,
    REVIEW_COLUMNS,
    REVIEW_ROWS,
)

Number = int | float
Key = tuple[str, str, str]


@dataclass
class SampleCell:
    """A published cell: ``raw`` as printed, ``value``/``unit`` what extraction must return."""

    raw: str
    value: Number | None
    unit: str | None = None


@dataclass
class LegacyRow:
    """A row of a pre-2019 statistics table (指标名称 | 计量单位 | 本年 | 累计)."""

    label: str  # as printed, e.g. "其中：1.网站公开"
    key: str  # the row key the extractor must produce (normalised label path)
    unit: str
    value: SampleCell
    cumulative: SampleCell


@dataclass
class ExtraRow:
    """A row beyond the template (kept as ``extra:`` + normalised label)."""

    table: str
    after: str  # canonical row key it is printed after
    label: str  # as printed
    key: str  # expected row key, "extra:…"
    values: list[SampleCell]  # in column order of the sub-table / applicant columns
    columns: list[str]  # col keys the values belong to


@dataclass
class SampleReport:
    template: str  # "2019" | "2021" | "pre2019" | "none"
    organ: str  # the issuing body, e.g. "西岩镇人民政府"
    short_name: str  # as in the title, e.g. "西岩镇"
    level: str  # county | town | department
    year: int  # year covered
    published: date
    title: str
    preamble: str
    sections: list[tuple[str, str]]  # (heading as printed, text); tables go after 二/三/四 headings
    cells: dict[Key, SampleCell] = field(default_factory=dict)
    extra_rows: list[ExtraRow] = field(default_factory=list)
    legacy_rows: list[LegacyRow] = field(default_factory=list)
    legacy_value_header: str = ""  # e.g. "2011年度"
    legacy_cumulative_header: str = "历年累计"  # or "本年累计"
    legacy_codes: bool = False  # a 代码 column between 计量单位 and the values (定西)

    def expected_cells(self) -> dict[Key, SampleCell]:
        """Every cell extraction must return, extra rows included."""
        out = dict(self.cells)
        for extra in self.extra_rows:
            for col, cell in zip(extra.columns, extra.values):
                out[(extra.table, extra.key, col)] = cell
        for row in self.legacy_rows:
            out[("legacy_indicators", row.key, "value")] = row.value
            out[("legacy_indicators", row.key, "cumulative")] = row.cumulative
        return out


# ----------------------------------------------------------------------------- names

COUNTIES = [
    ("城步苗族自治县", "湖南省", "邵阳市"),
    ("平潭县", "福建省", "福州市"),
    ("吴起县", "陕西省", "延安市"),
    ("松阳县", "浙江省", "丽水市"),
    ("微山县", "山东省", "济宁市"),
]
TOWNS = [
    "西岩镇",
    "儒林镇",
    "丹口镇",
    "白毛坪镇",
    "五团镇",
    "茅坪镇",
    "威溪乡",
    "汀坪乡",
    "长安营镇",
    "蒋坊乡",
    "金紫街道",
    "潭城镇",
    "周湾镇",
    "两城镇",
]
DEPARTMENTS = [
    "发展和改革局",
    "教育局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "卫生健康局",
    "市场监督管理局",
    "应急管理局",
    "医疗保障局",
    "退役军人事务局",
    "林业局",
]

PHRASES = [
    "坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》",
    "围绕精准扶贫、低保评议、扶贫资金使用等重点领域加大公开力度",
    "依托政府门户网站、政务新媒体和公开栏及时发布政策文件",
    "严格落实信息发布审核制度，坚持“先审查、后公开”原则",
    "规范依申请公开办理流程，按时答复申请人，未发生行政复议和行政诉讼",
    "做好12345热线、信访举报投诉类诉求的分类处理与转办",
    "加强政策解读，通过图解、视频、访谈等形式解读重要政策",
    "推进财政预决算、“三公”经费和政府采购信息公开",
    "开展政务公开培训，提升工作人员业务能力",
    "完善政府信息公开指南和目录，动态更新主动公开事项",
    "落实乡村振兴、城乡低保、临时救助等民生信息公开",
    "及时回应社会关切，积极做好政务舆情回应工作",
]
PROBLEMS = [
    "公开内容的深度和广度有待拓展",
    "政策解读形式较为单一，解读质量有待提高",
    "工作人员业务水平参差不齐，培训力度不够",
    "基层政务公开标准化规范化建设仍需加强",
]


def _paragraph(rng: random.Random, n: int, extra: str = "") -> str:
    picks = rng.sample(PHRASES, k=min(n, len(PHRASES)))
    text = "；".join(picks) + "。"
    return (extra + text) if extra else text


VALUE_STYLES = ("plain", "blank_zeros", "fullwidth", "thousands", "units")


def _styles(style: str) -> set[str]:
    """The value styles of ``style``: one name or several joined by ``+`` (``blank_zeros+units``)."""
    names = set(style.split("+"))
    unknown = names - set(VALUE_STYLES)
    if unknown:
        raise ValueError(f"unknown value style {sorted(unknown)}; known: {', '.join(VALUE_STYLES)}")
    return names


def _without_units(style: str) -> str:
    """``style`` minus ``units`` (money columns carry their own unit, never 件)."""
    return "+".join(s for s in style.split("+") if s != "units") or "plain"


def _raw_int(rng: random.Random, v: int, style: str) -> SampleCell:
    """Render an integer as a publisher would."""
    styles = _styles(style)
    if v == 0 and "blank_zeros" in styles and rng.random() < 0.5:
        return SampleCell(rng.choice(["", "", "-", "—", "/", "无"]), None)
    if "fullwidth" in styles and rng.random() < 0.3:
        return SampleCell("".join(chr(ord(ch) + 0xFEE0) for ch in str(v)), v)
    if "thousands" in styles and v >= 1000:
        return SampleCell(f"{v:,}", v)
    if "units" in styles and rng.random() < 0.2:
        return SampleCell(f"{v}件", v, "件")
    return SampleCell(str(v), v)


def _raw_signed(rng: random.Random, v: int, style: str) -> SampleCell:
    if v > 0 and rng.random() < 0.3:
        return SampleCell(rng.choice([f"+{v}", f"增{v}"]), v)
    if v < 0 and rng.random() < 0.3:
        return SampleCell(f"减{-v}", v)
    return _raw_int(rng, v, style if v != 0 else "plain")


def _small(rng: random.Random, zero_bias: float = 0.6, top: int = 40) -> int:
    if rng.random() < zero_bias:
        return 0
    return rng.choice([rng.randint(1, 5), rng.randint(1, top), rng.randint(1, top * 10)])


def generate_values(rng: random.Random, template: str, style: str = "plain") -> dict[Key, SampleCell]:
    """Random cells of the three tables on ``template`` ("2019"/"2021") with R1–R4 holding.

    ``style`` shapes the raw text: ``plain``, ``blank_zeros`` (zeros sometimes blank/-/—),
    ``fullwidth``, ``thousands``, ``units``, or several joined by ``+`` (``blank_zeros+units``).
    """
    cells: dict[Key, SampleCell] = {}
    # -- active_disclosure
    for st in ACTIVE_SUBTABLES[template]:
        for row, _ in st.rows:
            for col, _ in st.columns:
                if col == "change":
                    v = rng.choice([0, 0, rng.randint(-20, 30)])
                    cells[("active_disclosure", row, col)] = _raw_signed(rng, v, style)
                elif col == "procurement_amount":
                    cents = rng.choice([0, rng.randint(100, 99_999_999)])
                    if cents == 0:
                        cells[("active_disclosure", row, col)] = _raw_int(rng, 0, _without_units(style))
                    elif rng.random() < 0.5:
                        v = round(cents / 100, 2)
                        cells[("active_disclosure", row, col)] = SampleCell(f"{v}元", v, "元")
                    else:
                        v = cents // 100
                        cells[("active_disclosure", row, col)] = SampleCell(f"{v}", v)
                elif col == "fee_amount":
                    v = rng.choice([0, round(rng.uniform(0.1, 30000), rng.choice([2, 4, 6]))])
                    # the header says 本年收费金额（单位：万元）: the unit of every fee cell is 万元
                    if v:
                        cells[("active_disclosure", row, col)] = SampleCell(repr(v), v, "万元")
                    else:
                        zero = _raw_int(rng, 0, _without_units(style))
                        cells[("active_disclosure", row, col)] = SampleCell(
                            zero.raw, zero.value, "万元" if zero.value is not None else None
                        )
                else:
                    top = 5 if row == "regulations" else 400
                    v = 0 if (row == "regulations" and rng.random() < 0.8) else _small(rng, 0.4, top)
                    cells[("active_disclosure", row, col)] = _raw_int(rng, v, style)
    # -- applications: per applicant column, leaves → total, then carried values
    rows = APPLICATION_ROWS[template]
    leaves = R3_LEAVES[template]
    table: dict[str, dict[str, int]] = {r.key: {} for r in rows}
    for col in APPLICANT_KEYS[:-1]:
        busy = rng.random() < (0.7 if col == "natural_person" else 0.25)
        for leaf in leaves:
            table[leaf][col] = _small(rng, 0.75, 30) if busy else 0
        total = sum(table[leaf][col] for leaf in leaves)
        table["total"][col] = total
        carried_forward = rng.randint(0, 3) if busy and rng.random() < 0.3 else 0
        carried_over = rng.randint(0, min(3, total + carried_forward)) if busy and rng.random() < 0.3 else 0
        table["carried_forward"][col] = carried_forward
        table["carried_over"][col] = carried_over
        table["new_received"][col] = total + carried_forward - carried_over
    for r in rows:
        table[r.key]["total"] = sum(table[r.key][c] for c in APPLICANT_KEYS[:-1])
        for col in APPLICANT_KEYS:
            cells[("applications", r.key, col)] = _raw_int(rng, table[r.key][col], style)
    # -- review_litigation
    for row, _ in REVIEW_ROWS:
        parts = [(_small(rng, 0.8, 6)) for _ in range(4)]
        for (col, _), v in zip(REVIEW_COLUMNS, parts + [sum(parts)]):
            cells[("review_litigation", row, col)] = _raw_int(rng, v, style)
    return cells


def _organ(rng: random.Random, level: str) -> tuple[str, str, str]:
    """(organ, short name as in the title, county)."""
    county, _prov, _city = rng.choice(COUNTIES)
    if level == "town":
        town = rng.choice(TOWNS)
        suffix = "街道办事处" if town.endswith("街道") else "人民政府"
        organ = town[:-2] + suffix if town.endswith("街道") else town + suffix
        return organ, town, county
    if level == "department":
        dept = county + rng.choice(DEPARTMENTS)
        return dept, dept, county
    return county + "人民政府", county + "人民政府", county


def generate_report(
    rng: random.Random,
    template: str = "2021",
    year: int | None = None,
    level: str | None = None,
    style: str = "plain",
    organ: str | None = None,
    short_name: str | None = None,
    extras: Sequence[str] = (),
    legacy: str = "short",
    title_form: str = "plain",
) -> SampleReport:
    """A complete random report on ``template`` ("2019", "2021", "pre2019" or "none").

    ``extras`` adds rows beyond the template to section 二 (kinds of :data:`EXTRA_ROW_KINDS`;
    2019/2021 only); ``legacy`` picks the pre-2019 statistics table (:data:`LEGACY_TABLES`);
    ``title_form`` the wording of the title (:data:`TITLE_FORMS`; ``no_year`` leaves the year to
    the 统计期限 sentence).
    """
    if title_form not in TITLE_FORMS:
        raise ValueError(f"unknown title form {title_form!r}; known: {', '.join(TITLE_FORMS)}")
    if extras and template not in ("2019", "2021"):
        raise ValueError(f"extra rows need a 2019 or 2021 report, not {template!r}")
    unknown = [k for k in extras if k not in EXTRA_ROW_KINDS]
    if unknown:
        raise ValueError(f"unknown extra row kinds {unknown}; known: {', '.join(EXTRA_ROW_KINDS)}")
    if legacy not in LEGACY_TABLES:
        raise ValueError(f"unknown legacy table {legacy!r}; known: {', '.join(LEGACY_TABLES)}")
    if year is None:
        year = {"2019": rng.choice([2019, 2020]), "2021": rng.randint(2021, 2025)}.get(
            template, rng.randint(2013, 2018)
        )
    level = level or rng.choice(["county", "town", "town", "department"])
    gen_organ, gen_short, _county = _organ(rng, level)
    organ = organ or gen_organ
    short_name = short_name or gen_short
    deadline_month = 3 if level == "county" else 1
    published = date(year + 1, deadline_month, 1) + timedelta(days=rng.randint(-20, 25))
    title = TITLE_FORMS[title_form].format(name=short_name, year=year)
    preamble = (
        f"本报告根据《中华人民共和国政府信息公开条例》编制。本报告所列数据统计期限为{year}年1月1日至{year}年12月31日。"
        f"如对本报告有疑问，请与{organ}办公室联系。"
    )
    if template in ("2019", "2021"):
        sections = [
            ("一、总体情况", f"{year}年，{short_name}" + _paragraph(rng, 4)),
            ("二、主动公开政府信息情况", ""),
            ("三、收到和处理政府信息公开申请情况", ""),
            ("四、政府信息公开行政复议、行政诉讼情况", ""),
            (
                "五、存在的主要问题及改进情况",
                "存在的主要问题：" + "；".join(rng.sample(PROBLEMS, 2)) + "。下一步将" + _paragraph(rng, 2),
            ),
            (
                "六、其他需要报告的事项",
                f"{year}年度，{short_name}未收取信息处理费。"
                if template == "2021"
                else f"{year}年度{short_name}无其他需要报告的事项。",
            ),
        ]
        report = SampleReport(template, organ, short_name, level, year, published, title, preamble, sections)
        report.cells = generate_values(rng, template, style)
        for kind in extras:
            report.extra_rows.append(_extra_row(rng, template, kind, style))
        return report
    received = rng.randint(0, 9)
    sections = [
        ("一、概述", f"{year}年，{short_name}" + _paragraph(rng, 3)),
        ("二、主动公开政府信息情况", _paragraph(rng, 2)),
        ("三、依申请公开政府信息情况", f"{year}年共受理政府信息公开申请{received}件。"),
        ("四、政府信息公开的收费及减免情况", "未收取任何费用。"),
        (
            "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
            "未发生因政府信息公开申请行政复议、提起行政诉讼的情况。",
        ),
        ("六、政府信息公开工作存在的主要问题和改进措施", "；".join(rng.sample(PROBLEMS, 2)) + "。"),
        ("七、其他需要报告的事项", "无。"),
    ]
    report = SampleReport(template, organ, short_name, level, year, published, title, preamble, sections)
    if template == "pre2019":
        report.legacy_value_header = f"{year}年度"
        report.legacy_rows = LEGACY_TABLES[legacy](rng, style)
        if legacy == "dingxi":
            report.legacy_value_header, report.legacy_cumulative_header, report.legacy_codes = (
                "本期实际",
                "本年累计",
                True,
            )
        _agree_on_received(report, received)
    return report


_LEGACY_RECEIVED = re.compile(r"^受理.*申请.*(总数|数)$")


def _agree_on_received(report: SampleReport, received: int) -> None:
    """The text and the statistics table state the same number of applications (R9 holds): a
    table row without parts takes the text's figure, a row split into parts gives the text its own."""
    rows = [r for r in report.legacy_rows if _LEGACY_RECEIVED.match(r.key)]
    if len(rows) != 1:
        return
    row = rows[0]
    if any(r.key.startswith(row.key + "/") for r in report.legacy_rows):
        said = int(row.value.value or 0)
    else:
        said = received
        row.value = SampleCell(str(received), received, row.unit)
        row.cumulative = SampleCell(
            str(max(received, int(row.cumulative.value or 0))), max(received, int(row.cumulative.value or 0)), row.unit
        )
    report.sections = [
        (h, f"{report.year}年共受理政府信息公开申请{said}件。" if h.startswith("三、依申请公开") else t)
        for h, t in report.sections
    ]


# Title wordings seen on portals (docs/report-format.md §8.7, docs/portals.md §6).
TITLE_FORMS = {
    "plain": "{name}{year}年政府信息公开工作年度报告",
    "niandu": "{name}{year}年度政府信息公开工作年度报告",
    "guanyu": "{name}关于{year}年政府信息公开工作的年度报告",
    "nianbao": "{name}{year}年政府信息公开年报",
    "no_year": "{name}政府信息公开工作年度报告",
}


def _legacy_short(rng: random.Random, style: str) -> list[LegacyRow]:
    active = rng.randint(20, 900)
    web = rng.randint(0, active)
    rows = [
        ("主动公开信息数", "主动公开信息数", active, active * rng.randint(2, 6)),
        ("其中：1.网站公开", "主动公开信息数/1.网站公开", web, web * 3),
        ("2.政府公报公开", "主动公开信息数/2.政府公报公开", active - web, (active - web) * 3),
        ("受理依申请公开信息总数", "受理依申请公开信息总数", 0, rng.randint(0, 20)),
        ("行政复议数", "行政复议数", 0, 0),
        ("行政诉讼数", "行政诉讼数", 0, 0),
    ]
    return [_legacy_row(label, key, "条", v, cum) for label, key, v, cum in rows]


def _legacy_row(label: str, key: str, unit: str, v: int, cum: int, raw_v: SampleCell | None = None) -> LegacyRow:
    """A statistics row; every cell with a number carries the row's 计量单位 as its unit."""
    value = raw_v or SampleCell(str(v), v)
    if value.value is not None:
        value.unit = unit
    return LegacyRow(label, key, unit, value, SampleCell(str(cum), cum, unit))


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` cut into ``parts`` random non-negative integers."""
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total])]


def _legacy_fujian(rng: random.Random, style: str, variant: str) -> list[LegacyRow]:
    """The Fujian 政府信息公开情况统计表 as 平潭县 printed it in 2011 (``1.``) or 2017 (``1、``)."""
    if variant == "2011":
        sep, unit2 = ".", "条"
        groups = [
            ("主动公开信息数", ["网站公开", "政府公报公开"]),
            (
                "受理依申请公开信息总数",
                ["当面申请数", "传真申请数", "电子邮件申请数", "网上申请数", "信函申请数", "其他形式申请数"],
            ),
            ("对申请的答复数", ["同意公开答复数", "同意部分公开答复数", "否决公开答复数"]),
        ]
        singles = [("行政复议数", "条"), ("行政诉讼数", "条"), ("行政申诉数", "条")]
    else:
        sep, unit2 = "、", "件"
        groups = [
            ("主动公开文件数", ["政府网站公开数", "政府公报公开数"]),
            ("受理政府信息依申请公开总数", ["当面申请数", "网上申请数", "信函、传真申请数"]),
            ("对申请的答复总数", ["同意公开答复数", "同意部分公开答复数", "不予公开答复数", "其他类型答复数"]),
        ]
        singles = [("接受行政诉讼、举报数", unit2), ("行政复议数", unit2), ("行政诉讼数", unit2)]
    style = _without_units(style)  # the unit is printed in 计量单位, never in the value cells
    rows: list[LegacyRow] = []
    received = rng.choice([0, 0, rng.randint(1, 30)])
    for parent, children in groups:
        total = rng.randint(20, 3000) if parent.startswith("主动公开") else received
        parts = _split(rng, total, len(children))
        rows.append(_legacy_row(parent, parent, "条", total, total * rng.randint(1, 8), _raw_int(rng, total, style)))
        for n, (child, v) in enumerate(zip(children, parts), start=1):
            label = f"{'其中：' if n == 1 else ''}{n}{sep}{child}"
            key = f"{parent}/{n}.{child}"
            rows.append(_legacy_row(label, key, "条", v, v * rng.randint(1, 8), _raw_int(rng, v, style)))
    for label, unit in singles:
        v = rng.choice([0, 0, 0, rng.randint(1, 3)])
        rows.append(_legacy_row(label, label, unit, v, v + rng.randint(0, 5), _raw_int(rng, v, style)))
    return rows


# pre-2019 statistics tables: name -> builder(rng, value style) -> rows
LEGACY_TABLES = {
    "short": _legacy_short,
    "fujian2011": lambda rng, style: _legacy_fujian(rng, style, "2011"),
    "fujian2017": lambda rng, style: _legacy_fujian(rng, style, "2017"),
    # 定西: 指标名称 | 计量单位 | 代码 | 本期实际 | 本年累计 (rows as in the Fujian table)
    "dingxi": lambda rng, style: _legacy_fujian(rng, style, "2011"),
}

# ----------------------------------------------------------------------------- extra rows

HUBEI_OTHER_DOCUMENTS = (
    "其他主动公开文件（含以本单位或本单位办公室名义正式签发的、除规范性文件以外的主动公开文件，"
    "可参考本单位政府信息公开平台“其他主动公开文件”栏目数据）"
)
# kind -> (label as printed, expected row key, sub-table item it is printed in)
EXTRA_ROW_KINDS: dict[str, tuple[str, str, str]] = {
    "inspection": ("行政检查", "extra:行政检查", "五"),
    "confirmation": ("行政确认", "extra:行政确认", "五"),
    "other_documents": (HUBEI_OTHER_DOCUMENTS, "extra:其他主动公开文件", "一"),
}


def _extra_row(rng: random.Random, template: str, kind: str, style: str) -> ExtraRow:
    """A row beyond the template, printed after the last row of its sub-table."""
    label, key, item = EXTRA_ROW_KINDS[kind]
    sub = next(st for st in ACTIVE_SUBTABLES[template] if st.item == item)
    values: list[SampleCell] = []
    for col, _ in sub.columns:
        if col == "change":
            values.append(_raw_signed(rng, rng.choice([0, rng.randint(-9, 20)]), style))
        else:
            values.append(_raw_int(rng, _small(rng, 0.4, 200), style))
    return ExtraRow("active_disclosure", sub.rows[-1][0], label, key, values, [c for c, _ in sub.columns])


# ----------------------------------------------------------------------------- across years


def set_value(report: SampleReport, key: Key, value: Number) -> None:
    """Print ``value`` in the cell ``key`` (plainly)."""
    report.cells[key] = SampleCell(str(value), value)


def value_of(report: SampleReport, key: Key) -> Number:
    """The value of the cell ``key`` (a blank or missing cell counts as 0)."""
    cell = report.cells.get(key)
    return 0 if cell is None or cell.value is None else cell.value


def set_carried(report: SampleReport, row: str, col: str, value: int) -> None:
    """Set 上年结转 (``carried_over``) or 结转下年度继续办理 (``carried_forward``) of one applicant
    column with R1–R3 kept: 本年新收 follows, and when it would be negative 予以公开 and the
    办理结果总计 take up the difference."""
    set_value(report, ("applications", row, col), value)
    total = value_of(report, ("applications", "total", col))
    new = (
        total
        + value_of(report, ("applications", "carried_forward", col))
        - value_of(report, ("applications", "carried_over", col))
    )
    if new < 0:
        set_value(report, ("applications", "granted", col), value_of(report, ("applications", "granted", col)) - new)
        set_value(report, ("applications", "total", col), total - new)
        new = 0
    set_value(report, ("applications", "new_received", col), new)
    for r in ("new_received", "carried_over", "carried_forward", "granted", "total"):
        set_value(
            report,
            ("applications", r, "total"),
            sum(value_of(report, ("applications", r, c)) for c in APPLICANT_KEYS[:-1]),
        )


def continue_from(previous: SampleReport, report: SampleReport) -> None:
    """Make ``report`` (year N) consistent with ``previous`` (year N−1) of the same office, as R5–R7
    expect: 上年结转 = last year's 结转下年度继续办理 (本年新收 adjusted so that R1 and R2 still hold),
    2021 现行有效件数 = last year's + 本年制发 − 本年废止, 2019 上一年项目数量 = last year's + 本年增/减.
    Changes cells of ``report`` only, without drawing random numbers."""
    if report.template not in ("2019", "2021") or previous.template not in ("2019", "2021"):
        return
    for col in APPLICANT_KEYS[:-1]:
        carried = value_of(previous, ("applications", "carried_forward", col))
        total = value_of(report, ("applications", "total", col))
        forward = value_of(report, ("applications", "carried_forward", col))
        if total + forward - carried < 0:  # more came over than was handled: the rest goes forward again
            forward = carried - total
            set_value(report, ("applications", "carried_forward", col), forward)
        set_value(report, ("applications", "carried_over", col), carried)
        set_value(report, ("applications", "new_received", col), total + forward - carried)
    for row in ("new_received", "carried_over", "carried_forward"):
        set_value(
            report,
            ("applications", row, "total"),
            sum(value_of(report, ("applications", row, c)) for c in APPLICANT_KEYS[:-1]),
        )
    if report.template == "2021" and previous.template == "2021":
        for row in ("regulations", "normative_documents"):
            before = value_of(previous, ("active_disclosure", row, "in_force"))
            issued = value_of(report, ("active_disclosure", row, "issued"))
            repealed = min(value_of(report, ("active_disclosure", row, "repealed")), before + issued)
            set_value(report, ("active_disclosure", row, "repealed"), repealed)
            set_value(report, ("active_disclosure", row, "in_force"), before + issued - repealed)
    if report.template == "2019" and previous.template == "2019":
        for st in ACTIVE_SUBTABLES["2019"]:
            if not any(col == "previous_count" for col, _ in st.columns):
                continue
            for row, _ in st.rows:
                before = value_of(previous, ("active_disclosure", row, "previous_count"))
                change = value_of(previous, ("active_disclosure", row, "change"))
                set_value(report, ("active_disclosure", row, "previous_count"), max(before + change, 0))
                if before + change < 0:  # a decrease larger than the count: last year's change is capped
                    set_value(previous, ("active_disclosure", row, "change"), -before)

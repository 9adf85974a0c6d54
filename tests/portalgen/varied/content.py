"""What a varied portal publishes: reports (titles with and without a year, the year in the title,
the 统计期限 sentence, elsewhere in the text or nowhere), their files, and pages about reports.

A :class:`Doc` is one published item with its rendered body; the family builders place it (URL,
lists) and write its pages.  Reports come from :func:`portalgen.sample.generate_report` and
:func:`portalgen.render_html.render_body`; files from the DOCX/PDF renderers (PDFs through the
shared on-disk cache).
"""

from __future__ import annotations

import dataclasses
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from portalgen.render_html import random_style, realistic_style, render_body
from portalgen.sample import SampleReport, generate_report
from portalgen.sites import attachment_renderer
from portalgen.varied.model import AboutPage, County, Unit

YEAR_TITLES = (
    "{name}{year}年政府信息公开工作年度报告",
    "{name}{year}年度政府信息公开工作年度报告",
    "{name}{year}年政府信息公开年度报告",
    "{name}{year}年信息公开年报",
    "{name}{year}年政府信息公开年度工作报告",
    "{name}关于{year}年政府信息公开工作的年度报告",
    "{year}年{name}政府信息公开工作年度报告",
    "{name}{year}年度政府信息公开年报",
)
YEARLESS_TITLES = ("{organ}政府信息公开工作年度报告", "{name}政府信息公开工作年度报告", "{organ}政府信息公开年度报告")
# where the year of a year-less title is to be read (the detail page then shows no date for list/url)
YEAR_MODES = ("period", "period", "body", "list_date", "url_date")


@dataclass
class Doc:
    """A published item: a report or a page about reports."""

    doc_id: int
    kind: str  # report | infographic | interpretation | notice | arrangement | publishing | training | summary
    title: str
    unit: Unit
    published: datetime
    body: str  # HTML fragment
    sample: SampleReport | None = None
    carrier: str = "html"  # html | html+docx | html+pdf | docx
    year: int | None = None
    year_from: str = "title"
    show_date: bool = True  # the detail page shows its publication date
    files: list[tuple[str, str, str]] = field(default_factory=list)  # (path, link text, kind) once placed
    path: str = ""  # canonical page path once placed (file path for docx-only)
    host: str = "www"
    wap_path: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def is_report(self) -> bool:
        return self.kind == "report"


def strip_years(text: str, year: int) -> str:
    """Text with every mention of the year covered (and the next) replaced by words without a number."""
    text = re.sub(rf"本报告所列数据统计期限为{year}年1月1日至{year}年12月31日。", "", text)
    for y in (year, year + 1):
        text = text.replace(f"{y}年度", "本年度").replace(f"{y}年", "本年")
    return text


def _year_text(sample: SampleReport, mode: str) -> None:
    """Rewrite a sample so that its year is only where ``mode`` says (period: the 统计期限 sentence)."""
    y = sample.year
    if mode == "period":
        return
    sample.preamble = strip_years(sample.preamble, y)
    sample.sections = [(h, strip_years(t, y)) for h, t in sample.sections]
    if mode == "body":
        sample.preamble += f"现将{y}年度政府信息公开工作情况报告如下。"


class Content:
    """The content generator of one portal (its own random stream)."""

    def __init__(self, rng: random.Random, county: County, *, pdf: bool = False) -> None:
        self.rng = rng
        self.county = county
        self.pdf = pdf
        self._next = 10_000 + rng.randint(0, 5000)

    def new_id(self) -> int:
        self._next += self.rng.randint(1, 37)
        return self._next

    def when(self, year: int, level: str) -> datetime:
        """A publication time: January (units) or March (the county) of the next year, some reports late."""
        rng = self.rng
        month = 3 if level == "county" else 1
        day = date(year + 1, month, 1) + timedelta(days=rng.randint(0, 27))
        return datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59))

    def report(self, unit: Unit, year: int, *, yearless: bool | None = None, carrier: str | None = None) -> Doc:
        """A report of ``unit`` on ``year``: template by year, title with or without the year, body, carrier."""
        rng = self.rng
        template = "pre2019" if year < 2019 else ("2019" if year < 2021 else "2021")
        if year < 2019 and rng.random() < 0.4:
            template = "none"
        sample = generate_report(
            rng,
            template=template,
            year=year,
            level=unit.level,
            style=rng.choice(["plain", "plain", "blank_zeros", "thousands"]),
            organ=unit.name,
            short_name=unit.short,
        )
        if yearless is None:
            yearless = rng.random() < 0.3
        mode = "title"
        if yearless and template in ("2019", "2021"):
            mode = rng.choice(YEAR_MODES)
            form = rng.choice(YEARLESS_TITLES)
            sample.title = form.format(organ=unit.name, name=unit.short)
            _year_text(sample, "none" if mode in ("list_date", "url_date") else mode)
        else:
            sample.title = rng.choice(YEAR_TITLES).format(name=unit.short, year=year)
        published = self.when(year, unit.level)
        sample.published = published.date()
        style = realistic_style(rng) if rng.random() < 0.7 else random_style(rng)
        style = dataclasses.replace(style, attachment_link=False)
        carrier = carrier or rng.choice(("html",) * 6 + ("html+docx", "docx") + (("html+pdf",) if self.pdf else ()))
        if carrier == "docx" and mode != "title":
            carrier = "html"  # a file linked straight from a list carries its year in its title
        body = render_body(sample, style)
        if carrier == "docx":
            body = ""
        return Doc(
            self.new_id(),
            "report",
            sample.title,
            unit,
            published,
            body,
            sample=sample,
            carrier=carrier,
            year=year,
            year_from=mode,
            show_date=mode not in ("list_date", "url_date"),
        )

    def file_bytes(self, doc: Doc, kind: str) -> bytes:
        assert doc.sample is not None
        return attachment_renderer(None).render(doc.sample, kind, "official")

    # ------------------------------------------------------------------ pages about reports

    def about(self, unit: Unit, year: int, kind: str) -> Doc:
        """A page about reports: it names a report, but is none."""
        rng = self.rng
        name = unit.short
        county = self.county.name
        report = f"{name}{year}年政府信息公开工作年度报告"
        title, body = {
            "infographic": (
                rng.choice([f"一图读懂《{report}》", f"图解：{report}", f"【图解】{report}", f"一图看懂{report}"]),
                "".join(
                    f'<p style="text-align:center"><img src="/images/tj{year}{i}.png" alt="图解{year}年度报告（{i}）"></p>'
                    for i in range(1, rng.randint(2, 4))
                )
                + f"<p>（来源：{unit.name}）</p>",
            ),
            "interpretation": (
                rng.choice([f"《{report}》解读", f"{report}政策解读", f"文字解读：{report}"]),
                f"<p>近日，{unit.name}发布了《{report}》。现将主要内容解读如下：</p><p>一、主动公开方面。全年主动公开政府信息"
                f"{rng.randint(90, 900)}条。</p><p>二、依申请公开方面。全年受理申请{rng.randint(1, 30)}件，均按期答复。</p>"
                "<p>三、下一步工作。进一步提升政务公开质量。</p>",
            ),
            "publishing": (
                f"关于{report}发布情况的说明",
                f"<p>根据《中华人民共和国政府信息公开条例》规定，{unit.name}已于{year + 1}年1月31日前在政府门户网站"
                f"“政府信息公开年报”栏目发布《{report}》，欢迎社会各界监督。</p><p>特此说明。</p>",
            ),
            "arrangement": (
                f"关于做好{year}年度政府信息公开工作年度报告编制工作的安排",
                f"<p>各乡镇、县直各单位：</p><p>为做好{year}年度政府信息公开工作年度报告编制发布工作，现将有关事项安排如下："
                "一是按新格式编制；二是数据准确；三是按期发布。</p>",
            ),
            "notice": (
                f"关于报送{year}年政府信息公开工作年度报告的通知",
                f"<p>各单位：</p><p>请于{year + 1}年1月20日前报送本单位{year}年政府信息公开工作年度报告。</p>",
            ),
            "summary": (
                rng.choice(
                    [f"{county}{year}年度政府信息公开工作年度报告汇总", f"{county}{year}年政府信息公开工作年度报告目录"]
                ),
                "",
            ),
            "training": (
                f"{county}举办{year}年度政府信息公开工作年度报告编制培训会",
                f"<p>{year + 1}年1月8日，{county}举办政府信息公开工作年度报告编制培训会，各乡镇、县直单位分管领导和"
                "业务人员共80余人参加培训。会议解读了年度报告格式，要求各单位按时高质量完成年度报告编制发布工作。</p>",
            ),
        }[kind]
        month = {"infographic": 2, "interpretation": 2, "publishing": 2, "arrangement": 12, "notice": 12, "training": 1,
                 "summary": 4}  # fmt: skip
        y = year if kind in ("arrangement", "notice") else year + 1
        when = datetime(y, month[kind], rng.randint(1, 27), rng.randint(8, 17), rng.randint(0, 59))
        return Doc(self.new_id(), kind, title, unit, when, body, extra={"year": year})


def about_page(doc: Doc, url: str) -> AboutPage:
    return AboutPage(url, doc.title, doc.kind)

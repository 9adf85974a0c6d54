"""Text dumps of report pages, generated from seeds: what a page-saving tool writes for a page.

A header the tool writes (标题, 发布时间, 文号, 发布机构, 栏目, 原文链接 …), a ``==== 正文 ====``
line, then the text of the page with every tag dropped.  Table cells run together: the digits of
neighbouring cells are glued (``规章000行政规范性文件6233440``), so no number may be read from it.

* :func:`report_dump` — a 2019/2021 report (three flattened tables) or a pre-2019 report whose
  统计表 sits in 附件1 or in the last section (one flattened table);
* :func:`prose_dump` — a department's pre-2019 report in prose only, numbered parts worded as
  such reports word them.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta

import lxml.html
from portalgen.sample import COUNTIES, DEPARTMENTS, PHRASES, PROBLEMS, SampleReport

from gen.trs import ZONES, detail_page

RULE = "=" * 20


@dataclass
class Dump:
    """A page dump and what extraction must find in it."""

    text: str
    report: SampleReport
    flattened: int  # statistical tables printed in it (each one without cell boundaries)
    glued: bool  # paragraphs run together without a space (an editor that writes no newlines)

    @property
    def headings(self) -> list[str]:
        """The numbered headings as a reader finds them."""
        return [HEADING_AS_READ.get(h, h) for h, _ in self.report.sections]

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


def page_text(page: str, glued: bool) -> str:
    """The text of a page's body as the tool saved it: tags, scripts and styles dropped, every run
    of whitespace one space, and with ``glued`` no newline between tags to begin with."""
    if glued:
        page = re.sub(r">\s*\n\s*<", "><", page)
    root = lxml.html.document_fromstring(page)
    for node in root.xpath("//script|//style|//head"):
        node.drop_tree()
    return " ".join(root.text_content().split())


def _header(report: SampleReport, url: str, rng: random.Random) -> str:
    pub = (
        f"{report.published.isoformat()} {rng.choice(('00:00', f'{rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}'))}"
    )
    publisher = rng.choice(("", report.organ, f"{report.organ}办公室"))
    path = url.split("://", 1)[1].split("/", 1)[1].rsplit(".", 1)[0]
    fields = [
        ("标题", report.title),
        ("发布时间", pub),
        ("文号", ""),
        ("发布机构", publisher),
        ("栏目", "政府信息公开年报"),
        ("原文链接", url),
        ("本地目录", f"{path}_{report.title}"),
    ]
    lines = [f"{name}: {value}" for name, value in fields if value or rng.random() < 0.7]
    if rng.random() < 0.5:
        lines.append("页面链接与图片详见 links.tsv(同目录)")
    return "\n".join(lines) + f"\n{RULE} 正文 {RULE}\n"


def report_dump(seed: int, template: str | None = None) -> Dump:
    """The dump of a generated detail page (:func:`gen.trs.detail_page`) of a report on ``template``."""
    rng = random.Random(seed)
    template = template or rng.choice(("2021", "2019", "pre2019"))
    page = detail_page(rng.randrange(2**32), template, sliced=False)
    glued = template != "pre2019" and rng.random() < 0.5
    text = _header(page.report, page.url, rng) + page_text(page.html, glued) + "\n"
    return Dump(text, page.report, 3 if template in ("2019", "2021") else 1, glued)


# ----------------------------------------------------------------------------- prose reports

# Numbered parts of a pre-2019 department report, worded as such reports word them.
PROSE_PARTS = (
    ("一、概述", "一、基本情况", "一、工作概述"),
    ("二、主动公开政府信息情况", "二、主动公开政府信息的情况"),
    (
        "三、依申请公开政府信息情况",
        "三、依申请公开、不予公开及咨询政府信息情况",
        "三、政府信息依申请公开办理情况",
    ),
    ("四、审批事项", "四、审批事项及处理情况", "四、政府信息公开的收费及减免情况"),
    (
        "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
        "五、申请行政复议、提起行政诉讼和申诉的情况",
    ),
    (
        "六、工作人员及信息公开事务支出情况",
        "六、政府信息公开工作存在的主要问题和改进措施",
        "六、存在的问题及改进措施",
    ),
    ("七、其他需要报告的事项",),
)
# Headings a reader cuts short: a part's heading ends at its first 事项/情况/措施 … word
# ("四、审批事项及处理情况" is read as "四、审批事项", docs/report-format.md §2).
HEADING_AS_READ = {"四、审批事项及处理情况": "四、审批事项"}
_DEPARTMENT_WORK = (
    "主动公开了机构职能、办事指南、行政收费标准等信息",
    "在办事大厅设立政务公开栏，及时更新公开内容",
    "通过部门网站、公开栏和咨询台等渠道发布政策法规",
    "落实专人负责信息公开工作，建立信息发布审核制度",
    "按照“一个窗口受理、一次性告知、限时办结”的要求办理审批事项",
)
_TITLE_FORMS = (
    "{organ}{year}年信息公开年度报告",
    "{organ}{year}年政府信息公开工作年度报告",
    "{organ}{year}年度政府信息公开年报",
)


def _prose(rng: random.Random, year: int, n: int) -> str:
    parts = rng.sample(PHRASES, k=min(n, len(PHRASES))) + rng.sample(_DEPARTMENT_WORK, k=2)
    rng.shuffle(parts)
    return "。".join(parts) + "。"


def _prose_sections(rng: random.Random, year: int, organ: str) -> list[tuple[str, str]]:
    count = rng.choice((6, 6, 7))
    sections = []
    for number, variants in enumerate(PROSE_PARTS[:count], start=1):
        heading = rng.choice(variants)
        if number == 3:
            text = (
                f"（一）申请情况。{year}年1月1日至12月31日期间未收到政府信息公开申请。"
                f"（二）咨询情况。{year}年共接待咨询{rng.randint(100, 5000)}人次，其中现场咨询"
                f"{rng.randint(10, 90)}人次。"
            )
        elif number == 5:
            text = f"{year}年，未发生因政府信息公开申请行政复议、提起行政诉讼的情况。"
        elif "问题" in heading:
            text = "存在的主要问题：" + "；".join(rng.sample(PROBLEMS, 2)) + "。下一步，" + _prose(rng, year, 1)
        else:
            items = [f"{k}、{_prose(rng, year, 1)}" for k in range(1, rng.randint(2, 4))]
            text = f"{year}年，{organ}" + _prose(rng, year, 2) + " " + " ".join(items)
        sections.append((heading, text))
    return sections


def prose_report(rng: random.Random) -> SampleReport:
    """A department's pre-2019 report in prose only (template ``none``)."""
    year = rng.randint(2009, 2018)
    place = rng.choice((*ZONES, *(c for c, _, _ in COUNTIES)))
    organ = place + rng.choice((*DEPARTMENTS, "地方税务局", "国家税务局"))
    title = rng.choice(_TITLE_FORMS).format(organ=organ, year=year)
    published = date(year + 1, rng.randint(1, 3), 1) + timedelta(days=rng.randint(0, 27))
    preamble = (
        f"根据《中华人民共和国政府信息公开条例》以及有关规定，特向社会公布{year}年度{organ}信息公开年度报告。"
        f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
    )
    sections = _prose_sections(rng, year, organ)
    return SampleReport("none", organ, organ, "department", year, published, title, preamble, sections)


def prose_dump(seed: int) -> Dump:
    """The dump of a department's prose-only report page."""
    rng = random.Random(seed)
    page = detail_page(rng.randrange(2**32), report=prose_report(rng))
    text = _header(page.report, page.url, rng) + page_text(page.html, glued=False) + "\n"
    return Dump(text, page.report, 0, False)

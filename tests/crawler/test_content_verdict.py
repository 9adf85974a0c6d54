"""Whether a page is a report, decided by its content (crawler/content.py): reports with and
without a year in the title, and the pages about reports that name one (图解, 解读, notes,
汇总 lists) — each decision with its reason."""

from __future__ import annotations

import random

import pytest
from portalgen.varied.content import Content
from portalgen.varied.model import COUNTIES, unit_of

from crawler.content import file_verdict, report_verdict
from crawler.discovery import Page

COUNTY = COUNTIES[0]
TOWN = unit_of(COUNTY, "town", "儒林镇", "xz01")


def page_of(
    title: str, body: str, url: str = "http://www.x.gov.cn/zfxxgk/nb/202401/t20240115_1.html"
) -> tuple[Page, bytes]:
    html = f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1><div class="TRS_Editor">{body}</div></body></html>'
    return Page(url, html), html.encode("utf-8")


def judge(title: str, body: str, link_title: str = ""):
    page, data = page_of(title, body)
    return report_verdict(page, data, "text/html; charset=utf-8", link_title or title, True)


@pytest.fixture(scope="module")
def content() -> Content:
    return Content(random.Random(5), COUNTY)


def test_a_report_is_told_by_its_template_sections_and_tables(content):
    doc = content.report(TOWN, 2023, yearless=False, carrier="html")
    verdict = judge(doc.title, doc.body)
    assert verdict.is_report and verdict.year == 2023
    assert verdict.reason.startswith("report content:") and "template sections" in verdict.reason


def test_a_title_without_a_year_is_a_report_when_its_content_is_one(content):
    for _ in range(6):
        doc = content.report(TOWN, 2022, yearless=True, carrier="html")
        if doc.year_from != "title":
            break
    assert "2022" not in doc.title
    verdict = judge(doc.title, doc.body)
    assert verdict.is_report, verdict.reason


@pytest.mark.parametrize("kind", ["infographic", "interpretation", "publishing", "arrangement", "notice", "training"])
def test_pages_about_reports_are_not_reports_whatever_their_titles_say(content, kind):
    doc = content.about(TOWN, 2023, kind)
    verdict = judge(doc.title, doc.body)
    assert not verdict.is_report and verdict.reason, (doc.title, verdict)


def test_an_infographic_and_a_report_in_images_differ_by_title():
    images = "".join(f'<p><img src="/images/{i}.png"></p>' for i in range(3))
    assert not judge("一图读懂《儒林镇2023年政府信息公开工作年度报告》", images).is_report
    picture = judge("儒林镇2023年政府信息公开工作年度报告（图片版）", images)
    assert picture.is_report and "图片版" in picture.reason


def test_a_summary_list_is_not_a_report():
    rows = "".join(f'<li><a href="/r/{i}.html">儒林镇{2019 + i}年政府信息公开工作年度报告</a></li>' for i in range(2))
    verdict = judge("城步苗族自治县2023年度政府信息公开工作年度报告汇总", f"<p>现汇总如下：</p><ul>{rows}</ul>")
    assert not verdict.is_report and "汇总" in verdict.reason


def test_a_page_that_only_links_its_report_file(content):
    doc = content.report(TOWN, 2021, yearless=False, carrier="html")
    intro = f"<p>根据《中华人民共和国政府信息公开条例》规定，现将《{doc.title}》予以公开，全文详见附件。</p>"
    link = f'<p>附件：<a href="./P020220110.pdf">{doc.title}.pdf</a></p>'
    verdict = judge(doc.title, intro + link)
    assert verdict.is_report and verdict.reason.startswith("published as a file")
    assert [f.url for f in verdict.files] == ["http://www.x.gov.cn/zfxxgk/nb/202401/P020220110.pdf"]
    assert not judge(doc.title, intro).is_report  # the same page without its file says nothing


def test_a_file_linked_from_a_list(content):
    from portalgen.render_docx import render_docx

    doc = content.report(TOWN, 2021, yearless=False, carrier="html")
    assert doc.sample is not None
    data = render_docx(doc.sample)
    verdict = file_verdict(data, None, "http://www.x.gov.cn/uploads/2022/a.docx", doc.title)
    assert verdict.is_report and verdict.year == 2021

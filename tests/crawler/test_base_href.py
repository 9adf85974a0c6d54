"""``<base href>`` on an archived page never moves its links off the portal (issue 12)."""

from __future__ import annotations

from crawler.discovery import Page
from extract.html import parse_html

PAGE = "http://www.xx.gov.cn/zwgk/nb/202401/t20240115_1.html"


def _html(base: str) -> str:
    return (
        f"<html><head><base href='{base}'></head><body><div id='zoom'><p>2023年度报告</p>"
        "<a href='P020240115.pdf'>附件：2023年度报告.pdf</a></div></body></html>"
    )


def test_a_base_off_the_portal_is_ignored():
    page = Page(PAGE, _html("http://mirror.example.com/copy/"), hosts=["www.xx.gov.cn"])
    assert page.base_url == PAGE
    assert [link.url for link in page.links] == ["http://www.xx.gov.cn/zwgk/nb/202401/P020240115.pdf"]


def test_a_base_on_the_portals_hosts_is_followed():
    page = Page(PAGE, _html("http://xx.gov.cn/files/"), hosts=["www.xx.gov.cn", "xx.gov.cn"])
    assert [link.url for link in page.links] == ["http://xx.gov.cn/files/P020240115.pdf"]
    relative = Page(PAGE, _html("/upload/"))
    assert [link.url for link in relative.links] == ["http://www.xx.gov.cn/upload/P020240115.pdf"]


def test_extracted_attachments_stay_on_the_page_host():
    off = parse_html(_html("http://mirror.example.com/copy/").encode(), "text/html; charset=utf-8", PAGE)
    assert [a.url for a in off.attachments] == ["http://www.xx.gov.cn/zwgk/nb/202401/P020240115.pdf"]
    on = parse_html(_html("/upload/").encode(), "text/html; charset=utf-8", PAGE)
    assert [a.url for a in on.attachments] == ["http://www.xx.gov.cn/upload/P020240115.pdf"]

"""The one extension → kind table (extract.sniff) and what a URL or Content-Type says."""

from __future__ import annotations

import pytest

from extract import extract_document
from extract.sniff import (
    ATTACHMENT_KINDS,
    KIND_OF_EXTENSION,
    NOT_REPORT_EXTENSIONS,
    REPORT_FILE_EXTENSIONS,
    REPORT_FILE_KINDS,
    extension_of,
    kind_of_url,
    sniff_kind,
)


@pytest.mark.parametrize(
    "url,content_type,kind",
    [
        ("http://a.gov.cn/P020200115_1.pdf", None, "pdf"),
        ("http://a.gov.cn/P020200115_1.PDF?t=3", None, "pdf"),
        ("http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=2104.docx", None, "docx"),
        ("http://a.gov.cn/module/download/downfile.jsp?filename=2104.et&classid=0", None, "xls"),
        ("http://a.gov.cn/file?id=3", "application/vnd.ms-excel", "xls"),
        (
            "http://a.gov.cn/file?id=3",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        ("http://a.gov.cn/file?id=3", "text/plain; charset=gbk", "text"),
        ("http://a.gov.cn/file?id=3", None, "other"),
        ("http://a.gov.cn/art/2022/1/6/art_1_2.html", "application/pdf", "html"),  # the name first
        ("http://a.gov.cn/upload/nb.rar", None, "rar"),
        ("http://a.gov.cn/upload/nb.ofd", None, "ofd"),
        ("http://a.gov.cn/upload/scan.JPEG", None, "image"),
        ("http://a.gov.cn/upload/nb.txt", None, "text"),
        ("http://a.gov.cn/list.jsp?id=3", "text/html", "html"),  # a dynamic page names no kind
    ],
)
def test_kind_of_url(url, content_type, kind):
    assert kind_of_url(url, content_type) == kind


def test_the_derived_sets_follow_the_table():
    assert set(REPORT_FILE_EXTENSIONS) == {"pdf", "doc", "docx", "wps", "xls", "xlsx", "et"}
    assert {KIND_OF_EXTENSION[e] for e in REPORT_FILE_EXTENSIONS} == REPORT_FILE_KINDS
    assert not NOT_REPORT_EXTENSIONS & set(REPORT_FILE_EXTENSIONS)
    assert {"zip", "rar", "7z", "ofd", "txt", "jpg", "png", "tif", "css", "js", "json"} <= NOT_REPORT_EXTENSIONS
    assert not {"htm", "html", "shtml"} & NOT_REPORT_EXTENSIONS  # pages are judged by their content
    assert "html" not in ATTACHMENT_KINDS and REPORT_FILE_KINDS | {"image", "zip", "text"} <= ATTACHMENT_KINDS
    for kind in REPORT_FILE_KINDS:  # every report-file kind is also a carrier sniff_kind knows by name
        assert kind in KIND_OF_EXTENSION.values()


def test_extension_of_reads_paths_and_file_parameters():
    assert extension_of("http://a.gov.cn/x/NB.PDF#p=2") == "pdf"
    assert extension_of("http://a.gov.cn/down?fileName=年报.DOCX&x=1") == "docx"
    assert extension_of("http://a.gov.cn/x/") is None
    assert extension_of(None) is None


def test_sniff_kind_trusts_bytes_then_the_name():
    assert sniff_kind(b"%PDF-1.7 ...", "text/html", "http://a.gov.cn/x.html") == "pdf"
    assert sniff_kind("一、总体情况".encode(), None, "http://a.gov.cn/x.shtml") == "html"
    assert sniff_kind("一、总体情况".encode(), None, "http://a.gov.cn/x.txt") == "text"


def test_attachment_links_get_their_kind_from_the_table():
    links = {
        "/module/download/downfile.jsp?classid=0&filename=abc.pdf": "pdf",
        "/upload/nb.ET": "xls",
        "/upload/scan.png": "image",
        "/upload/nb.txt": "text",
        "/upload/all.rar": "rar",
        "/download.jsp?id=7": "other",  # a download endpoint that names nothing
    }
    body = "".join(f"<a href='{href}'>附件{i}</a>" for i, href in enumerate(links))
    page = (
        "<html><head><meta charset='utf-8'><title>某县2022年政府信息公开工作年度报告</title></head><body>"
        f"<div id='zoom'><p>一、总体情况</p>{body}<a href='/art/2022/1/1/art_2_3.html'>上一篇</a></div></body></html>"
    )
    r = extract_document(page.encode(), content_type="text/html", url="http://www.x.gov.cn/art/2023/1/1/art_1_2.html")
    assert {a.url.removeprefix("http://www.x.gov.cn"): a.kind for a in r.attachments} == links

"""Platform parsers and discovery on generated portal markup (:mod:`gen.trs`) and on markup built from docs/portals.md."""

from __future__ import annotations

import json
import math
import re
from urllib.parse import parse_qs

import pytest
from gen.trs import detail_page, list_page

from crawler import discovery
from crawler.discovery import Link, Page
from crawler.platforms.gkmlpt import GkmlptParser
from crawler.platforms.hanweb import HanwebParser, jpage_config, record_links
from crawler.platforms.trs import TrsParser, trs_pages
from crawler.platforms.trs_dynamic import TrsDynamicParser, search_config


@pytest.mark.parametrize("seed", range(8))
def test_trs_dynamic_list_page_static_items_and_search_api(seed):
    generated = list_page(seed)
    page = Page(generated.url, generated.html)
    parser = TrsDynamicParser()
    assert parser.detect(page)
    assert not TrsParser().detect(page)
    cfg = search_config(page)
    assert cfg == {
        "url": generated.search_url,
        "channelid": generated.search_id,
        "classsql": generated.classsql,
        "sortfield": generated.sortfield,
        "prepage": generated.prepage,
        "records": generated.records,
    }
    result = parser.list_page(page, {})
    pages = math.ceil(generated.records / generated.prepage)
    assert result.stated_pages == pages
    assert [(f.method, f.url) for f in result.pages] == [("POST", generated.search_url)] * (pages - 1)
    assert parse_qs(result.pages[0].body) == {
        "channelid": [generated.search_id],
        "classsql": [generated.classsql],
        "sortfield": [generated.sortfield],
        "page": ["2"],
        "prepage": [str(generated.prepage)],
    }
    items = discovery.report_candidates(page, in_column=True)
    assert [(f.url, f.title) for f in items] == generated.reports
    assert not {f.url for f in items} & set(generated.notices)
    assert discovery.page_role(page, "list") == "list"


def test_trs_dynamic_answer_pages_and_records():
    answer = {
        "code": 200,
        "total": 25,
        "pageCount": 3,
        "data": [
            {
                "doctitle": "平潭县2015年政府信息公开工作年度报告",
                "chnldocurl": "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/201601/t20160112_80887.htm",
            },
            {
                "doctitle": "关于做好2019年政府信息公开工作年度报告的通知",
                "docpuburl": "/zwgk/zfxxgk/zfxxgknb/201912/t20191206_80955.htm",
            },
        ],
    }
    cfg = {
        "url": "https://www.pingtan.gov.cn/fjdzapp/search",
        "channelid": "200210",
        "classsql": "chnlid=1813",
        "sortfield": "x",
        "prepage": 10,
        "planned": 2,
    }
    page = Page("https://www.pingtan.gov.cn/fjdzapp/search", json.dumps(answer, ensure_ascii=False))
    result = TrsDynamicParser().answer(page, {"cfg": cfg, "page": 2})
    assert [f.url for f in result.items] == [
        "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/201601/t20160112_80887.htm",
        "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/201912/t20191206_80955.htm",
    ]
    assert result.stated_pages == 3
    assert [parse_qs(f.body)["page"] for f in result.pages] == [["3"]]  # the record count on the page was stale


def test_trs_create_page_html_variants():
    page = Page("http://www.x.gov.cn/zfxxgk/zfxxgknb/", '<script>createPageHTML(10, 0, "index", "html");</script>')
    urls, count = trs_pages(page)
    assert count == 10 and len(urls) == 9
    assert urls[0] == "http://www.x.gov.cn/zfxxgk/zfxxgknb/index_1.html" and urls[-1].endswith("/index_9.html")
    later = Page(
        "http://www.x.gov.cn/zfxxgk/zfxxgknb/index_3.shtml",
        "<script>createPageHTML('page_div',5,3,'index','shtml',87);</script>",
    )
    urls, count = trs_pages(later)
    assert count == 5
    assert urls == [f"http://www.x.gov.cn/zfxxgk/zfxxgknb/index{s}.shtml" for s in ("", "_1", "_2", "_3", "_4")]
    folder = Page("http://www.x.gov.cn/zfxxgk/zfxxgknb", '<script>createPageHTML(2, 0, "list", "htm");</script>')
    assert trs_pages(folder)[0] == ["http://www.x.gov.cn/zfxxgk/zfxxgknb/list_1.htm"]
    result = TrsParser().list_page(page, {})
    assert result.stated_pages == 10 and len(result.pages) == 9


HANWEB_COLUMN = """<html><head><meta name="ColumnName" content="政府信息公开年报"/></head><body>
<div class="default_pgContainer" id="7386466"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3016&path=/&columnid=1229358718&unitid=7386466&webname=%E6%9D%BE%E9%98%B3%E5%8E%BF&permissiontype=0"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2022/1/11/art_1229358718_4858173.html" title="大东坝镇2021年政府信息公开工作年度报告">大东坝镇2021年政府信息公开...</a><span>2022-01-11</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2021/12/9/art_1229358718_4858100.html">关于做好2021年政府信息公开工作年度报告的通知</a><span>2021-12-09</span></li>]]></record>
</recordset></datastore></script></div>
<script>$('#7386466').jpage({ dataStore: $('#7386466 > script').html(), totalRecord: 7, perPage: 1, groupSize: 2,
 proxyUrl: '/module/web/jpage/dataproxy.jsp', ajaxParam: {col:1,appid:1,webid:3016,path:'/',columnid:1229358718,sourceContentType:1,unitid:'7386466',webname:'松阳县人民政府',permissiontype:0} });</script>
</body></html>"""


def test_hanweb_datastore_and_dataproxy_posts():
    page = Page("https://www.songyang.gov.cn/col/col1229358718/index.html", HANWEB_COLUMN)
    parser = HanwebParser()
    assert parser.detect(page)
    links = record_links(page.text, page.url)
    assert [link.label for link in links] == [
        "大东坝镇2021年政府信息公开工作年度报告",
        "关于做好2021年政府信息公开工作年度报告的通知",
    ]
    cfg = jpage_config(page)
    assert cfg["totalRecord"] == 7 and cfg["perPage"] == 1 and cfg["groupSize"] == 2
    assert cfg["form"] == {
        "col": "1",
        "appid": "1",
        "webid": "3016",
        "path": "/",
        "columnid": "1229358718",
        "sourceContentType": "1",
        "unitid": "7386466",
        "webname": "松阳县人民政府",
        "permissiontype": "0",
    }
    result = parser.list_page(page, {})
    assert result.stated_pages == 4  # requests: the column page + POSTs for records 3–4, 5–6, 7
    assert [f.url for f in result.pages] == [
        "https://www.songyang.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=4&perpage=1",
        "https://www.songyang.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=5&endrecord=6&perpage=1",
        "https://www.songyang.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=7&endrecord=7&perpage=1",
    ]
    assert all(f.method == "POST" and "columnid=1229358718" in f.body for f in result.pages)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>7</totalrecord><totalpage>7</totalpage><recordset>'
        '<record><![CDATA[<li><a href="/art/2019/2/24/art_1229358718_4858483.html">松阳县2018年信息公开年报</a></li>]]></record>'
        "</recordset></datastore>"
    )
    answer = parser.answer(Page(result.pages[0].url, xml), result.pages[0].data)
    assert [f.url for f in answer.items] == ["https://www.songyang.gov.cn/art/2019/2/24/art_1229358718_4858483.html"]
    assert answer.stated_pages is None and answer.pages == []  # the column page already stated the requests


def test_hanweb_annual_report_module():
    unit = Page(
        "http://www.zoucheng.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=11370883004325769B",
        '<div class="nb_years"><a href="?area=11370883004325769B&fbtime=2011">2011年</a>'
        '<a href="?area=11370883004325769B&fbtime=2010">2010年</a></div>',
    )
    result = HanwebParser().list_page(unit, {})
    assert [f.url for f in result.items] == [
        "http://www.zoucheng.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=11370883004325769B&fbtime=2011",
        "http://www.zoucheng.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=11370883004325769B&fbtime=2010",
    ]
    bare = Page("http://www.yj.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=001008003014074", "<p>请选择年度</p>")
    years = [f.url.rsplit("=", 1)[1] for f in HanwebParser().list_page(bare, {}).items]
    assert years[-1] == "2008" and "2010" in years and len(years) >= 17


def test_gkmlpt_tree_and_api():
    shell = (
        '<script>window._CONFIG = {"SID": "200008", "APP_URL": "/gzyxbyj", "TREE": [{"id": 1, "name": "政府信息公开", '
        '"children": [{"id": 2, "name": "政府信息公开指南"}, {"id": 7, "name": "政府信息公开年报"}]}]};</script>'
    )
    page = Page("http://www.yuexiu.gov.cn/gzyxbyj/gkmlpt/index", shell, fragment="")
    parser = GkmlptParser()
    assert parser.detect(page)
    result = parser.list_page(page, {})
    assert [f.url for f in result.pages] == ["http://www.yuexiu.gov.cn/gzyxbyj/gkmlpt/api/all/7?page=1&sid=200008"]
    body = {
        "classify": {"id": 7, "post_count": 23},
        "articles": [
            {
                "title": "越秀区白云街道2022年政府信息公开工作年度报告",
                "url": "http://www.yuexiu.gov.cn/gzyxbyj/gkmlpt/content/8/8766/post_8766914.html",
            }
        ]
        * 10,
    }
    answer = parser.answer(Page(result.pages[0].url, json.dumps(body, ensure_ascii=False)), result.pages[0].data)
    assert answer.stated_pages == 3
    assert [f.url for f in answer.pages] == [
        f"http://www.yuexiu.gov.cn/gzyxbyj/gkmlpt/api/all/7?page={n}&sid=200008" for n in (2, 3)
    ]
    assert answer.items[0].title.startswith("越秀区白云街道2022年")


def test_generic_pagers():
    vsb = Page(
        "http://www.x.gov.cn/xxgk/zfxxgknb.htm",
        '<div class="pb_sys_common"><span class="p_t">共9条</span>'
        '<span class="p_next p_fun"><a href="zfxxgknb/1.htm">下页</a></span><span class="p_last"><a href="zfxxgknb/1.htm">尾页</a></span>'
        '<span class="p_t">1/2</span></div>',
    )
    pages, stated = discovery.generic_pager(vsb)
    assert {f.url for f in pages} == {"http://www.x.gov.cn/xxgk/zfxxgknb/1.htm"} and stated == 2
    dyn = Page(
        "http://www.x.gov.cn/xzjdnb/index.jsp?page=2",
        '<div class="pagination"><a href="?page=1">首页</a> <a href="?page=1">上一页</a> '
        '<a href="?page=3">下一页</a> <a href="?page=7">尾页</a> <span>第2页/共7页</span></div>',
    )
    pages, stated = discovery.generic_pager(dyn)
    assert {f.url for f in pages} == {
        "http://www.x.gov.cn/xzjdnb/index.jsp?page=1",
        "http://www.x.gov.cn/xzjdnb/index.jsp?page=3",
        "http://www.x.gov.cn/xzjdnb/index.jsp?page=7",
    }
    assert stated == 7


HOME = """<html><head><meta name="SiteName" content="某县人民政府"></head><body>
<a href="/zwgk/">政务公开</a> <a href="/xxgk/zfxxgk/">政府信息公开</a> <a href="/zwgk/zfxxgkzn/">政府信息公开指南</a>
<a href="/xxgk/zfxxgknb/">政府信息公开年报</a> <a href="/col/col123/index.html">信息公开年度报告</a>
<a href="/hukou/flx/zfxxgknb_171215/">付垅乡</a> <a href="/search?q=%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A">站内搜索：年度报告</a>
<a href="/xxgk/zfxxgknb/202001/t20200120_80576.htm">某县2019年政府信息公开工作年度报告</a>
<a href="/xxgk/zfxxgknb/201912/t20191206_1.htm">关于做好2019年政府信息公开工作年度报告的通知</a>
<a href="/zwgk/2024/t20240301_9.htm">2024年某县政府工作报告</a>
<a href="http://mirror.example.com/news/0001.html">政务公开资讯网</a>
</body></html>"""


def test_discovery_on_a_home_page():
    page = Page("http://www.x.gov.cn/", HOME)
    columns = {f.url for f in discovery.column_links(page)}
    assert columns == {
        "http://www.x.gov.cn/xxgk/zfxxgknb/",
        "http://www.x.gov.cn/col/col123/index.html",
        "http://www.x.gov.cn/hukou/flx/zfxxgknb_171215/",
    }
    areas = {f.url for f in discovery.area_links(page)}
    assert areas == {"http://www.x.gov.cn/zwgk/", "http://www.x.gov.cn/xxgk/zfxxgk/"}
    items = discovery.report_candidates(page, in_column=False)
    assert [f.url for f in items] == ["http://www.x.gov.cn/xxgk/zfxxgknb/202001/t20200120_80576.htm"]


def test_sub_columns_below_a_column():
    page = Page(
        "http://www.x.gov.cn/zfxxgk/zfxxgknb/index.html",
        '<a href="./xzf/">县政府</a><a href="./bm/">部门</a><a href="./xzjd/2021n/">2021年</a>'
        '<a href="./202001/t20200120_1.html">某县2019年政府信息公开工作年度报告</a><a href="../zfxxgkzn/">指南</a>'
        '<a href="index_1.html">下一页</a>',
    )
    pager = {f.url for f in discovery.generic_pager(page)[0]}
    subs = {f.url for f in discovery.sub_columns(page, pager)}
    assert subs == {
        "http://www.x.gov.cn/zfxxgk/zfxxgknb/xzf/",
        "http://www.x.gov.cn/zfxxgk/zfxxgknb/bm/",
        "http://www.x.gov.cn/zfxxgk/zfxxgknb/xzjd/2021n/",
    }


@pytest.mark.parametrize("seed", range(8))
def test_trs_detail_page_is_a_report(seed):
    generated = detail_page(seed)
    page = Page(generated.url, generated.html)
    assert discovery.page_role(page, "detail") == "detail"
    assert discovery.decide_report(page, "", in_column=True) == ("report", generated.report.title)


def test_notice_page_is_not_a_report_even_from_a_report_link():
    page = Page(
        "http://www.x.gov.cn/zfxxgknb/201912/t20191206_1.htm",
        '<meta name="ArticleTitle" content="关于做好2019年政府信息公开工作年度报告的通知"><h1>关于做好2019年政府信息公开工作年度报告的通知</h1>',
    )
    assert discovery.decide_report(page, "某县2019年政府信息公开工作年度报告", True) == (
        "not_report",
        "关于做好2019年政府信息公开工作年度报告的通知",
    )


def test_a_page_whose_titles_say_nothing_is_undecided():
    """Titles that say nothing (or a report title without a year) leave it to the content (crawler.content)."""
    page = Page(
        "http://www.x.gov.cn/public/1741/23672205.html",
        "<title>详细信息</title><h1>详细信息</h1><div id='zoom'><p>……</p></div>",
    )
    assert discovery.decide_report(page, "北城街道", True) == ("unknown", "详细信息")
    assert discovery.decide_report(page, "北城街道", False) == ("unknown", "详细信息")
    yearless = Page("http://www.x.gov.cn/a/1.html", "<h1>城关镇人民政府政府信息公开工作年度报告</h1>")
    assert discovery.decide_report(yearless, "", False) == ("unknown", "城关镇人民政府政府信息公开工作年度报告")


def test_attachment_links():
    page = Page(
        "http://www.x.gov.cn/zfxxgknb/202001/t20200120_1.html",
        '<a href="./P020200120.pdf">某县2019年年报.pdf</a><a href="/generic2/web/viewer.html?file=/zfxxgknb/202001/P020200120.pdf">全真版</a>'
        '<a href="/module/download/downfile.jsp?classid=0&filename=abc.docx">下载</a><a href="./pic.jpg">图</a>'
        '<a href="http://other.example.com/x.pdf">镜像.pdf</a>',
    )
    links = discovery.attachment_links(page)
    assert [link.url for link in links] == [
        "http://www.x.gov.cn/zfxxgknb/202001/P020200120.pdf",
        "http://www.x.gov.cn/module/download/downfile.jsp?classid=0&filename=abc.docx",
        "http://other.example.com/x.pdf",
    ]


def test_link_label_prefers_full_title_attribute():
    link = Link(
        "http://x/a.html",
        "城步苗族自治县2015年度政府信息公开工作年...",
        "城步苗族自治县2015年度政府信息公开工作年度报告",
    )
    assert link.label == "城步苗族自治县2015年度政府信息公开工作年度报告"
    assert discovery.scope_of("http://x/a/zfxxgknb/index_2.html") == "/a/zfxxgknb/"
    assert discovery.scope_of("http://x/xxgk/zfxxgknb.htm") == "/xxgk/zfxxgknb/"
    assert discovery.scope_of("http://x/col/col123/index.html") == "/col/col123/"


def test_hanweb_form_from_the_page_when_ajax_param_is_missing():
    html = HANWEB_COLUMN.replace(
        "ajaxParam: {col:1,appid:1,webid:3016,path:'/',columnid:1229358718,sourceContentType:1,unitid:'7386466',webname:'松阳县人民政府',permissiontype:0}",
        "x: 1",
    )
    html = re.sub(r"<nextgroup>.*?</nextgroup>", "", html, flags=re.S)
    assert "dataproxy.jsp?" not in html
    html = html.replace("proxyUrl: '/module/web/jpage/dataproxy.jsp',", "")
    cfg = jpage_config(Page("https://www.songyang.gov.cn/col/col1229358718/index.html", html))
    assert cfg["proxy"] == "https://www.songyang.gov.cn/module/web/jpage/dataproxy.jsp"
    assert cfg["form"]["columnid"] == "1229358718" and cfg["form"]["unitid"] == "7386466"

"""Report vs non-report titles, URL shapes, canonical URLs, attachments, block pages and soft 404s."""

from __future__ import annotations

import pytest

from archive.store.urls import canonical_url, is_twin
from crawler import detection
from crawler.detection import NOT_REPORT, REPORT, UNKNOWN, title_verdict

REPORT_TITLES = [
    "平潭综合实验区2024年度政府信息公开工作年度报告",
    "西岩镇2019年政府信息公开工作年度报告",
    "关于2022年政府信息公开工作的年度报告",  # docs/portals.md: this one IS a report
    "松阳县2018年信息公开年报",
    "某某局2018年政府信息公开年度工作报告",
    "某某县2020年政府信息公开重点工作年度报告",
    "某某县2020年政府信息公开工作年度报告（图片版）",
    "二〇一九年政府信息公开工作年度报告",
    "城步苗族自治县人民政府2013年政务公开年报",
]
NOT_REPORT_TITLES = [
    "关于做好2019年政府信息公开工作年度报告的通知",
    "关于做好2016年政府信息公开年度报告编制公布工作的通知",
    "关于做好2017年政务公开工作要点落实情况自查及政府信息公开工作年度报告编制发布有关事项的通知",
    "国务院办公厅政府信息与政务公开办公室关于印发《中华人民共和国政府信息公开工作年度报告格式》的通知",
    "关于2014年政府信息公开工作要点落实情况的函",
    "文字解读：城步苗族自治县2023年政府信息公开工作年度报告",
    "城步苗族自治县政府信息公开统计制度",
    "城步苗族自治县召开2024年政务公开工作推进会",
    "2024年城步苗族自治县政府工作报告",  # a 政府工作报告 is another kind of document
    "城步苗族自治县2023年法治政府建设年度报告",
    "政府信息公开年报",  # a column name, no year
]


@pytest.mark.parametrize("title", REPORT_TITLES)
def test_report_titles(title):
    assert title_verdict(title) == REPORT


@pytest.mark.parametrize("title", NOT_REPORT_TITLES)
def test_not_report_titles(title):
    assert title_verdict(title) == NOT_REPORT
    assert title_verdict(title, in_column=True) == NOT_REPORT


def test_bare_year_report_title_only_counts_inside_a_column():
    assert title_verdict("2021年度报告") == NOT_REPORT
    assert title_verdict("2021年度报告", in_column=True) == REPORT


def test_truncated_titles_are_undecided():
    assert title_verdict("城步苗族自治县2015年度政府信息公开工作年...") == UNKNOWN
    assert title_verdict("城步苗族自治县2015年度政府信息公开工作年…") == UNKNOWN
    assert title_verdict("关于做好政务公开工作的通...") == NOT_REPORT
    assert title_verdict("") == UNKNOWN


def test_year_of_title():
    assert detection.year_of("西岩镇2019年政府信息公开工作年度报告") == 2019
    assert detection.year_of("二〇一九年政府信息公开工作年度报告") == 2019


@pytest.mark.parametrize(
    "url, canonical",
    [
        (
            "https://WWW.Pingtan.gov.cn:443/zwgk/zfxxgk/zfxxgknb/202001/t20200120_80576_wap.htm#top",
            "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202001/t20200120_80576.htm",
        ),
        ("http://www.x.gov.cn:80/info/1050/64946.htm?isMobile=false", "http://www.x.gov.cn/info/1050/64946.htm"),
        (
            "http://127.0.0.1:8080/a/b.html?id=3&ismobile=true&x=%E5%B9%B4",
            "http://127.0.0.1:8080/a/b.html?id=3&x=%E5%B9%B4",
        ),
        (
            "http://www.x.gov.cn/module/download/downfile.jsp?classid=0&filename=ab.pdf",
            "http://www.x.gov.cn/module/download/downfile.jsp?classid=0&filename=ab.pdf",
        ),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


def test_twins():
    assert is_twin("http://x.gov.cn/a/t20200120_1_wap.html")
    assert is_twin("http://x.gov.cn/a/t20200120_1.html?isMobile=false")
    assert not is_twin("http://x.gov.cn/a/t20200120_1.html")


@pytest.mark.parametrize(
    "url",
    [
        "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202001/t20200120_80576.htm",
        "http://www.yongding.gov.cn/xxgk/zfxxgkzl/szfxxgk/zfxxgknb/tnull_1353447.htm",
        "https://www.songyang.gov.cn/art/2022/1/11/art_1229358718_4858173.html",
        "https://www.taixing.gov.cn/zwgk/xzxxgk/shz/xxgknb/art/2023/art_45605c064ac74bb1a36c8dd722d7ac47.html",
        "http://www.yuexiu.gov.cn/gzyxbyj/gkmlpt/content/8/8766/post_8766914.html",
        "http://www.suixi.gov.cn/gzzwz/jxzrmzf/zwgk/xxgknb/content/post_67513.html",
        "http://www.shangluo.gov.cn/info/1677/56001.htm",
        "http://www.huichang.gov.cn/hcxxxgk/hc1554/202101/157a95c3e64f41039bb3beb14dbc7638.shtml",
        "http://hrbdl.gov.cn/hebdlq/c111239/202301/c01_868731.shtml",
        "https://huarong.gov.cn/33082/content_2161917.html",
        "http://www.fuxian.gov.cn/zfxxgk/zfxxgknb/xz/2021/1571424084523327490.html",
        "http://www.changanqu.gov.cn/zwgk/xxgknb/jbxxgknb/63ae9ee5f8fd1c4c2133970d.html",
        "https://www.lixia.gov.cn/gongkai/site_lixiaqulxqdmhjdbscaf/channel_63899ae537599182826222fc/doc_641d4d4d749a4723fdc77fb7.html",
        "https://www.ningshan.gov.cn/Content-2790280.html",
        "http://www.quxian.gov.cn/xxgk-show-43894.html",
        "https://www.np.gov.cn/cms/html/npszf/2013-01-25/1779102018.html",
        "https://lzq.gov.cn/gongkai/show/20200117172136613.html",
        "http://gk.ziyang.gov.cn/year_details.aspx?dept=58&year=2022",
        "http://www.bengbu.gov.cn/public/21981/23672221.html",
        "https://www.xuanzhou.gov.cn/XxgkAnnualReport/show/4570.html",
        "http://www.zoucheng.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=11370883004325769B&fbtime=2010",
    ],
)
def test_detail_url_shapes_of_portals_md(url):
    assert detection.looks_like_detail_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/",
        "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/index_1.htm",
        "http://www.nbjb.gov.cn/col/col1229214366/index.html",
        "http://www.zoucheng.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=11370883004325769B",
        "http://www.shangluo.gov.cn/xxgk/zfxxgknb.htm",
    ],
)
def test_list_urls_are_not_details(url):
    assert not detection.looks_like_detail_url(url)


@pytest.mark.parametrize(
    "url, text, kind",
    [
        ("http://x.gov.cn/a/202001/P020200120.pdf", "", "pdf"),
        ("http://x.gov.cn/a/report.DOCX", "", "docx"),
        ("http://x.gov.cn/a/report.wps", "", "wps"),
        ("http://x.gov.cn/a/table.xls", "", "xls"),
        (
            "http://x.gov.cn/module/download/downfile.jsp?classid=0&showname=%E5%B9%B4%E6%8A%A5.pdf&filename=9f3.pdf",
            "年报.pdf",
            "pdf",
        ),
        (
            "http://x.gov.cn/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1&wbfileid=77",
            "某镇2021年报告.docx",
            "docx",
        ),
        ("http://x.gov.cn/a/t20200120_1.html", "报告.pdf", None),
        ("http://x.gov.cn/a/photo.jpg", "", None),
        ("http://x.gov.cn/a/big.zip", "", None),
    ],
)
def test_attachment_kind(url, text, kind):
    assert detection.attachment_kind(url, text) == kind


def test_viewer_target():
    assert (
        detection.viewer_target("http://x.gov.cn/generic2/web/viewer.html?file=/zwgk/202001/P0.pdf")
        == "http://x.gov.cn/zwgk/202001/P0.pdf"
    )
    assert detection.viewer_target("http://x.gov.cn/a/b.html?file=x.pdf") is None


def test_search_urls():
    assert detection.looks_like_search_url("http://x.gov.cn/search?q=%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A&page=1")
    assert detection.looks_like_search_url("http://x.gov.cn/jrobot/search.do?webid=1")
    assert not detection.looks_like_search_url("http://x.gov.cn/zfxxgk/zfxxgknb/")


CHROME = (
    "<div class='nav'>首页 政务公开 新闻中心 办事服务</div>"
    + "<p>主办单位：某县人民政府办公室 网站标识码：4305290001</p>" * 3
)


@pytest.mark.parametrize(
    "status, html, kind",
    [
        (
            521,
            "<html><body><script>document.cookie=('__jsl_clearance_s')+'='+('x');location.href=location.pathname</script></body></html>",
            "block",
        ),
        (
            200,
            "<html><body><script>document.cookie=('__jsl_clearance_s')+'='+('x');location.href=location.pathname</script></body></html>",
            "block",
        ),
        (403, "<h1>403 Forbidden</h1>", "block"),
        (
            200,
            f"<html><body>{CHROME}<h2>访问受限</h2><p>您的访问请求已被网站安全防护系统拦截</p></body></html>",
            "block",
        ),
        (200, f"<html><body>{CHROME}<p class='tips'>该信息已删除或已过期！</p></body></html>", "soft404"),
        (200, '<meta http-equiv="refresh" content="0;URL=../" />', "soft404"),
        (200, '<meta http-equiv="refresh" content="0;URL=/zwgk/index.html" />', "redirect"),
        (
            200,
            "<html><body><h1>某县2019年政府信息公开工作年度报告</h1>"
            + "<p>本报告根据条例编制。</p>" * 200
            + "</body></html>",
            "ok",
        ),
        (404, "<h1>404</h1>", "ok"),
    ],
)
def test_classify_page(status, html, kind):
    verdict = detection.classify_page(status, html, "http://x.gov.cn/zfxxgknb/202001/t20200120_1.html", "text/html")
    assert verdict.kind == kind, verdict


def test_a_long_report_mentioning_deletion_is_not_a_soft_404():
    body = (
        "<h1>某县2019年政府信息公开工作年度报告</h1><p>该信息已删除的情况说明。</p>"
        + "<p>主动公开政府信息情况。</p>" * 300
    )
    assert detection.classify_page(200, body, "http://x.gov.cn/a/t1.html", "text/html").kind == "ok"


def test_is_ancestor():
    assert detection.is_ancestor("http://x/a/", "http://x/a/b/t1.htm")
    assert not detection.is_ancestor("http://x/index.htm", "http://x/")
    assert not detection.is_ancestor("http://x/zwgk/", "http://x/index.html")
    assert not detection.is_ancestor("http://y/a/", "http://x/a/b/t1.htm")

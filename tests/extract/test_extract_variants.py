"""Hand-made pages for markup the generators do not produce: each test is one deviation."""

from __future__ import annotations

import json

from extract import extract_document
from extract.schema import APPLICANT_KEYS, APPLICATION_ROWS_2021

REVIEW_HEADER = (
    "<tr><td colspan=5>行政复议</td><td colspan=10>行政诉讼</td></tr>"
    "<tr><td rowspan=2>结果维持</td><td rowspan=2>结果纠正</td><td rowspan=2>其他结果</td><td rowspan=2>尚未审结</td>"
    "<td rowspan=2>总计</td><td colspan=5>未经复议直接起诉</td><td colspan=5>复议后起诉</td></tr>"
    "<tr>" + "".join(f"<td>{w}</td>" for w in ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2) + "</tr>"
)


def page(body: str, title: str = "某镇2022年政府信息公开工作年度报告", charset: str = "utf-8") -> bytes:
    html = (
        f'<html><head><meta charset="{charset}"><title>{title}_政府信息公开年报</title></head>'
        f'<body><div class="TRS_Editor"><p>{title}</p>{body}</div></body></html>'
    )
    return html.encode(charset)


def apps_table(rows: list[tuple[str, list[str]]], header_extra: str = "", cols: int = 7) -> str:
    head = (
        "<tr><td colspan=3 rowspan=3>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"
        f"<td colspan={cols}>申请人情况</td></tr>"
        f"<tr><td rowspan=2>自然人</td><td colspan={cols - 2}>法人或其他组织</td><td rowspan=2>总计</td></tr>"
        "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td>"
        + header_extra
        + "</tr>"
    )
    body = "".join(
        f"<tr><td colspan=3>{label}</td>" + "".join(f"<td>{v}</td>" for v in values) + "</tr>" for label, values in rows
    )
    return f"<table>{head}{body}</table>"


def test_reworded_leaf_labels_resolve_by_their_distinctive_words():
    rows = [
        ("（三）不予公开 1.涉及国家秘密的", ["1", "0", "0", "0", "0", "0", "1"]),
        ("4.涉及第三方合法权益", ["2", "0", "0", "0", "0", "0", "2"]),
        ("（四）无法提供 1.本行政机关不掌握相关信息", ["3", "1", "0", "0", "0", "0", "4"]),
        ("（六）其他处理 1.申请人无正当理由逾期不补正", ["5", "0", "0", "0", "0", "0", "5"]),
    ]
    r = extract_document(page("<p>三、收到和处理政府信息公开申请情况</p>" + apps_table(rows)), content_type="text/html")
    got = {(c.row, c.col): c.value for c in r.cells}
    assert got[("denied_state_secret", "natural_person")] == 1
    assert got[("denied_third_party", "total")] == 2
    assert got[("unavailable_not_held", "commercial_enterprise")] == 1
    assert got[("other_no_correction", "natural_person")] == 5
    assert not any(k[0].startswith("extra:") for k in got)


def test_subtotal_column_is_accepted_and_never_emitted():
    rows = [("一、本年新收政府信息公开申请数量", ["3", "1", "0", "0", "0", "1", "2", "5"])]
    html = apps_table(rows, header_extra="<td>小计</td>", cols=8)
    r = extract_document(page(html), content_type="text/html")
    got = {(c.row, c.col): c.value for c in r.cells}
    assert got == {
        ("new_received", "natural_person"): 3,
        ("new_received", "commercial_enterprise"): 1,
        ("new_received", "research_institution"): 0,
        ("new_received", "social_welfare_org"): 0,
        ("new_received", "legal_service_org"): 0,
        ("new_received", "other_org"): 1,
        ("new_received", "total"): 5,
    }


def test_review_table_split_in_two_and_transposed_layout():
    split = (
        "<table><tr><td colspan=5>行政复议</td></tr><tr><td>结果维持</td><td>结果纠正</td><td>其他结果</td>"
        "<td>尚未审结</td><td>总计</td></tr><tr><td>1</td><td>0</td><td>0</td><td>1</td><td>2</td></tr></table>"
        "<table><tr><td colspan=10>行政诉讼</td></tr><tr><td colspan=5>未经复议直接起诉</td><td colspan=5>复议后起诉</td></tr>"
        "<tr>"
        + "".join(f"<td>{w}</td>" for w in ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2)
        + "</tr>"
        "<tr>" + "".join(f"<td>{v}</td>" for v in [0, 1, 0, 0, 1, 2, 0, 0, 0, 2]) + "</tr></table>"
    )
    r = extract_document(page(split), content_type="text/html")
    got = {(c.row, c.col): c.value for c in r.cells}
    assert got[("administrative_review", "pending")] == 1
    assert got[("litigation_direct", "corrected")] == 1
    assert got[("litigation_after_review", "total")] == 2
    assert len(got) == 15 and all(c.ok for c in r.checks if c.rule == "R4")

    transposed = (
        "<table><tr><td></td><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td></tr>"
        "<tr><td>行政复议</td><td>1</td><td>2</td><td>0</td><td>0</td><td>3</td></tr>"
        "<tr><td>行政诉讼（未经复议直接起诉）</td><td>0</td><td>0</td><td>0</td><td>1</td><td>1</td></tr>"
        "<tr><td>行政诉讼（复议后起诉）</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr></table>"
    )
    r = extract_document(page("<p>四、政府信息公开行政复议、行政诉讼情况</p>" + transposed), content_type="text/html")
    got = {(c.row, c.col): c.value for c in r.cells}
    assert got[("administrative_review", "corrected")] == 2
    assert got[("litigation_direct", "pending")] == 1
    assert got[("litigation_after_review", "total")] == 0
    assert len(got) == 15


def test_review_official_header_maps_fifteen_values_in_order():
    html = "<table>" + REVIEW_HEADER + "<tr>" + "".join(f"<td>{i}</td>" for i in range(15)) + "</tr></table>"
    r = extract_document(page(html), content_type="text/html")
    got = {(c.row, c.col): c.value for c in r.cells}
    assert got[("administrative_review", "upheld")] == 0
    assert got[("litigation_direct", "upheld")] == 5
    assert got[("litigation_after_review", "total")] == 14
    assert [c.ok for c in r.checks if c.rule == "R4"] == [False, False, False]  # 0+1+2+3 ≠ 4 …


def test_gkmlpt_detail_config_object():
    content = "<p>一、总体情况</p><p>正文。</p>" + apps_table(
        [("一、本年新收政府信息公开申请数量", ["1", "0", "0", "0", "0", "0", "1"])]
    )
    detail = {
        "title": "白云街2022年政府信息公开工作年度报告",
        "publisher": "广州市越秀区人民政府白云街道办事处",
        "date": 1673827200,
        "content": content,
    }
    html = (
        "<html><head><title>白云街</title></head><body><div id='app'></div><script>"
        f"window._CONFIG = {{}}; _CONFIG.DETAIL = {json.dumps(detail, ensure_ascii=False)};</script></body></html>"
    )
    r = extract_document(
        html.encode(),
        content_type="text/html",
        url="http://www.yuexiu.gov.cn/gzyxbyj/gkmlpt/content/8/8766/post_8766914.html",
    )
    assert r.title == "白云街2022年政府信息公开工作年度报告"
    assert r.published == "2023-01-16"
    assert r.cell_map()[("applications", "new_received", "total")].value == 1
    assert r.year == 2022


def test_hanweb_markers_and_attachment_links():
    html = (
        "<html><head><meta charset='utf-8'><meta name='ArticleTitle' content='松阳县民政局2021年政府信息公开工作年度报告'>"
        "<meta name='PubDate' content='2022-01-11 09:00'></head><body><div class='nav'>首页 &gt; 信息公开</div>"
        "<!--ZJEG_RSS.content.begin--><p>一、总体情况</p><p>2021年，我局……</p><!--ZJEG_RSS.content.end-->"
        "<a href='/module/download/downfile.jsp?classid=0&filename=abc.pdf'>附件：年报.pdf</a>"
        "<a href='/generic2/web/viewer.html?file=/upload/2022/nb.pdf'>全真版</a>"
        "<a href='http://other.example.com/x.html'>链接</a></body></html>"
    )
    r = extract_document(
        html.encode(), content_type="text/html", url="https://www.songyang.gov.cn/art/2022/1/11/art_1_2.html"
    )
    assert r.title == "松阳县民政局2021年政府信息公开工作年度报告"
    assert r.published == "2022-01-11"
    assert r.organ == "松阳县民政局"
    assert [s.heading for s in r.sections] == ["一、总体情况"]
    urls = [a.url for a in r.attachments]
    assert urls == [
        "https://www.songyang.gov.cn/module/download/downfile.jsp?classid=0&filename=abc.pdf",
        "https://www.songyang.gov.cn/upload/2022/nb.pdf",
    ]


def test_gbk_bytes_with_charset_only_in_http_header_and_wrong_latin1_header():
    body = apps_table([("一、本年新收政府信息公开申请数量", ["1", "0", "0", "0", "0", "0", "1"])])
    html = f"<html><head><title>西岩镇2019年政府信息公开工作年度报告</title></head><body><div id='zoom'>{body}</div></body></html>"
    data = html.encode("gbk")
    for ctype in ("text/html; charset=GB2312", "text/html; charset=iso-8859-1", None):
        r = extract_document(data, content_type=ctype)
        assert r.title == "西岩镇2019年政府信息公开工作年度报告", ctype
        assert r.encoding == "gb18030"
        assert r.cell_map()[("applications", "new_received", "natural_person")].value == 1


def test_layout_table_around_the_report_and_wrong_container():
    inner = apps_table([("二、上年结转政府信息公开申请数量", ["2", "0", "0", "0", "0", "0", "2"])])
    html = (
        "<html><body><div class='content'>网站导航 首页 政务公开</div>"
        f"<table><tr><td><p>某县2020年政府信息公开工作年度报告</p><p>一、总体情况</p>{inner}</td></tr></table></body></html>"
    )
    r = extract_document(html.encode(), content_type="text/html")
    assert r.cell_map()[("applications", "carried_over", "total")].value == 2


def test_image_only_tables_are_detected():
    html = (
        "<html><body><div class='TRS_Editor'><p>某镇2021年政府信息公开工作年度报告（图片版）</p>"
        "<p>二、主动公开政府信息情况</p><img src='/a/1.jpg'><p>三、收到和处理政府信息公开申请情况</p><img src='/a/2.jpg'>"
        "</div></body></html>"
    )
    r = extract_document(html.encode(), content_type="text/html", url="http://x.gov.cn/a/t.html")
    assert r.cells == []
    assert any(w.startswith("tables are images") for w in r.warnings)


def test_notice_about_reports_is_not_a_report():
    html = (
        "<html><head><meta name='ArticleTitle' content='关于做好2019年政府信息公开工作年度报告编制发布工作的通知'></head>"
        "<body><div class='TRS_Editor'><p>各乡镇人民政府：现将有关事项通知如下。</p></div></body></html>"
    )
    assert not extract_document(html.encode(), content_type="text/html").is_report


def test_values_with_units_signs_and_annotations_in_headers():
    html = (
        "<table><tr><td colspan=4>第二十条第（五）项</td></tr>"
        "<tr><td>信息内容</td><td>上一年项目数量（指2019年事项数）</td><td>本年增/减（减用负值表示，如-8）</td><td>处理决定数量</td></tr>"
        "<tr><td>行政许可</td><td>12项</td><td>减4</td><td>1,234</td></tr>"
        "<tr><td>其他对外管理服务事项</td><td>３</td><td>增15</td><td>—</td></tr>"
        "<tr><td>行政检查</td><td>2</td><td>+1</td><td>见附件</td></tr>"
        "<tr><td colspan=4>第二十条第（九）项</td></tr><tr><td>信息内容</td><td>采购项目数量</td><td colspan=2>采购总金额（万元）</td></tr>"
        "<tr><td>政府集中采购</td><td>6</td><td colspan=2>75.5</td></tr></table>"
    )
    r = extract_document(page(html), content_type="text/html")
    got = r.cell_map()
    assert (
        got[("active_disclosure", "administrative_licensing", "previous_count")].value,
        got[("active_disclosure", "administrative_licensing", "previous_count")].unit,
    ) == (12, "项")
    assert got[("active_disclosure", "administrative_licensing", "change")].value == -4
    assert got[("active_disclosure", "administrative_licensing", "decisions")].value == 1234
    assert got[("active_disclosure", "other_management_services", "previous_count")].value == 3
    assert got[("active_disclosure", "other_management_services", "change")].value == 15
    assert got[("active_disclosure", "other_management_services", "decisions")].value is None
    assert got[("active_disclosure", "extra:行政检查", "change")].value == 1
    assert got[("active_disclosure", "extra:行政检查", "decisions")].raw == "见附件"
    assert got[("active_disclosure", "centralized_procurement", "procurement_amount")].unit == "万元"
    assert any("见附件" in w for w in r.warnings) and any("extra:行政检查" in w for w in r.warnings)
    assert r.template == "2019"


def test_2021_apps_group_row_on_its_own_carries_no_numbers():
    labels = [
        "（六）其他处理",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "3.其他",
    ]
    rows = [(labels[0], [""] * 7)] + [(lab, [str(i)] * 6 + [str(6 * i)]) for i, lab in enumerate(labels[1:], 1)]
    r = extract_document(page(apps_table(rows)), content_type="text/html")
    keys = {c.row for c in r.cells}
    assert keys == {"other_no_correction", "other_no_fee", "other_misc"}
    assert r.table_templates.get("applications") == "2021"


def test_every_2021_leaf_is_known():
    for row in APPLICATION_ROWS_2021:
        assert row.key in {"new_received", "carried_over", "total", "carried_forward", "other"} or row.label
    assert len(APPLICANT_KEYS) == 7


def test_section_two_header_without_xinxi_neirong_and_units_in_brackets():
    html = (
        "<table><tr><td colspan=4>第二十条第（一）项</td></tr>"
        "<tr><td>项目</td><td>本年新制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td></tr>"
        "<tr><td>规章</td><td>零</td><td>0（件）</td><td>0</td></tr>"
        "<tr><td>规范性文件</td><td>1</td><td>2（件）</td><td>3</td></tr></table>"
    )
    r = extract_document(page(html), content_type="text/html")
    got = {(c.row, c.col): (c.value, c.unit) for c in r.cells}
    assert r.template == "2019"
    assert got == {
        ("regulations", "new_made"): (0, None),
        ("regulations", "new_published"): (0, "件"),
        ("regulations", "total_published"): (0, None),
        ("normative_documents", "new_made"): (1, None),
        ("normative_documents", "new_published"): (2, "件"),
        ("normative_documents", "total_published"): (3, None),
    }

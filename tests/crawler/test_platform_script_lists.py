"""Lists a page script asks for by POST (crawler/platforms/jyh.py), and platform pages whose data
cannot be read: an error of the run, never an empty list."""

from __future__ import annotations

import json

import pytest

from crawler.discovery import Page
from crawler.platforms import read_list
from crawler.platforms.base import UnreadablePage
from crawler.platforms.gkmlpt import GkmlptParser
from crawler.platforms.jyh import JyhParser, script_calls
from crawler.platforms.trs import TrsParser

BASE = "http://zwgk.x.gov.cn"
CALLS = {
    "ajax": "$.ajax({ url: '/api/list', type: 'POST', dataType: 'json', data: { siteCode: '4305290001', columnId: 123, "
    "pageNo: 1, pageSize: 10 },\n success: function(res) {\n render(res);\n } });",
    "post": "$.post('/api/list', { siteCode: \"4305290001\", columnId: 123, pageNo: 1, pageSize: 10, }, function(r){}, 'json');",
    "fetch": "fetch('/api/list', { method: 'POST', headers: { 'Content-Type': 'application/json' },\n  body: JSON.stringify({\n"
    "    siteCode: '4305290001', columnId: 123, pageNo: 1, pageSize: 10,\n  }) }).then(function(r) { return r.json(); });",
}


@pytest.mark.parametrize("style", sorted(CALLS))
def test_the_post_call_of_a_page_script_becomes_the_list_request(style):
    page = Page(f"{BASE}/site/430529/bm01/c123/index.html", f'<ul id="list"></ul><script>{CALLS[style]}</script>')
    (call,) = script_calls(page)
    assert call["url"] == f"{BASE}/api/list" and call["json"] == (style == "fetch")
    assert call["data"] == {"siteCode": "4305290001", "columnId": 123, "pageNo": 1, "pageSize": 10}
    result = read_list(page, {})
    assert result.platform == "jyh"
    (request,) = result.pages
    assert request.method == "POST" and request.role == "api"
    if style == "fetch":
        assert json.loads(request.body or "")["pageNo"] == 1 and "json" in request.headers["Content-Type"]
    else:
        assert request.body == "siteCode=4305290001&columnId=123&pageNo=1&pageSize=10"


@pytest.mark.parametrize(
    "answer",
    [
        {
            "code": 0,
            "total": 23,
            "list": [
                {"title": "儒林镇2023年政府信息公开工作年度报告", "url": "/a/1.shtml", "publishTime": "2024-01-05"}
            ],
        },
        {
            "code": 200,
            "data": {
                "records": [{"title": "儒林镇2023年政府信息公开工作年度报告", "url": "/a/1.shtml"}],
                "total": 23,
                "pages": 3,
            },
        },
        {
            "success": True,
            "rows": [{"name": "儒林镇2023年政府信息公开工作年度报告", "link": "/a/1.shtml"}],
            "totalCount": 23,
        },
    ],
)
def test_answers_are_read_wherever_their_records_are(answer):
    page = Page(f"{BASE}/site/430529/bm01/c123/index.html", f"<script>{CALLS['post']}</script>")
    call = script_calls(page)[0]
    result = JyhParser().answer(Page(f"{BASE}/api/list", json.dumps(answer)), {"call": call, "page": 1})
    assert [f.url for f in result.items] == [f"{BASE}/a/1.shtml"]
    assert result.stated_pages == 3 and [f.body for f in result.pages] == [
        "siteCode=4305290001&columnId=123&pageNo=2&pageSize=10",
        "siteCode=4305290001&columnId=123&pageNo=3&pageSize=10",
    ]
    empty = JyhParser().answer(
        Page(f"{BASE}/api/list", '{"code": 1, "msg": "无数据", "total": 0}'), {"call": call, "page": 1}
    )
    assert empty.items == [] and empty.pages == []


def test_a_recognised_platform_page_that_cannot_be_read_is_reported():
    broken = Page(f"{BASE}/gkmlpt/index", "<script>window._CONFIG = { SID:'755031', TREE:[ {id: 2848, name: ")
    with pytest.raises(UnreadablePage, match="gkmlpt page recognised but its data cannot be read"):
        GkmlptParser().list_page(broken, {})
    result = read_list(broken, {})
    assert result.unreadable and result.unreadable_family == "gkmlpt" and not result.pages
    no_sid = Page(f"{BASE}/gkmlpt/index", "<script>window._CONFIG = { TREE: [] };</script>")
    with pytest.raises(UnreadablePage, match="SID"):
        GkmlptParser().list_page(no_sid, {})
    trs = Page(f"{BASE}/zfxxgk/nb/index.html", '<script>createPageHTML(countPage, 0, "index", "html");</script>')
    with pytest.raises(UnreadablePage, match="countPage"):
        TrsParser().list_page(trs, {})


def test_platform_configs_in_javascript_syntax():
    gk = Page(f"{BASE}/bm01/gkmlpt/index#2848", "<script>window._CONFIG = {SID:'755031', APP_URL: location.pathname.split('/gkmlpt')[0] + '/gkmlpt',"
              " TREE:[{id:2845, name:'政府信息公开', children:[{id:2848, name:'政府信息公开年度报告',},],},], MODE: a ? 'x' : 'y',};</script>")  # fmt: skip
    (request,) = GkmlptParser().list_page(gk, {}).pages
    assert request.url == f"{BASE}/bm01/gkmlpt/api/all/2848?page=1&sid=755031"
    trs = Page(
        f"{BASE}/zfxxgk/nb/",
        'var countPage = 3//共多少页\nvar currentPage = 0;\ncreatePageHTML(countPage, currentPage, "index", "shtml");',
    )
    result = TrsParser().list_page(trs, {})
    assert [f.url for f in result.pages] == [f"{BASE}/zfxxgk/nb/index_1.shtml", f"{BASE}/zfxxgk/nb/index_2.shtml"]

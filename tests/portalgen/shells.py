"""Page shells of the demo portals, one set per CMS family (docs/portals.md §2–§4).

Pure string builders: they take already-rendered article bodies and plain data and return whole
HTML documents with the chrome, meta tags, metadata boxes, list markup and pagination scripts of
the real platforms:

* TRS WCM static (``trs_*``): ``createPageHTML(N, cur, "index", "html")`` pagers, ``div.TRS_Editor``.
* TRS 动静结合 (``pingtan_*``): static page 1 + the ``list2.trsapi`` loader script.
* Hanweb JCMS (``hanweb_*``): ``<script type="text/xml"><datastore>`` CDATA records, jpage config,
  ``<!--ZJEG_RSS.content.begin-->`` bodies, the ``xxgkAnnualReport.jsp`` module.
* Guangdong gkmlpt (``gkmlpt_*``): SPA shell with ``window._CONFIG``, detail pages with ``DETAIL``.
* VSB / generic (``vsb_*``, ``generic_*``): count-down lists, 下一页/尾页 pagers, ``#vsb_content``.

Nothing here knows about ports or reports; :mod:`portalgen.sites` supplies the data.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from html import escape

# ----------------------------------------------------------------------------- common


def esc(text: object) -> str:
    """HTML-escape text for element content and attribute values."""
    return escape(str(text), quote=True)


def rel(from_path: str, target: str) -> str:
    """Relative link from the page at ``from_path`` to ``target`` (both site-absolute paths).

    Keeps a trailing slash of directory targets and writes same-folder links as ``./x``, the way
    TRS templates do.
    """
    if "?" in target:
        base, query = target.split("?", 1)
        return rel(from_path, base) + "?" + query
    start = posixpath.dirname(from_path) or "/"
    out = posixpath.relpath(target, start)
    if target.endswith("/") and not out.endswith("/"):
        out += "/"
    if out == "./" or out == "./.":
        out = "./"
    if not out.startswith("."):
        out = "./" + out
    return out


@dataclass
class Chrome:
    """What every page of one site shares: names, codes, navigation, footer, off-site links."""

    site_name: str  # SiteName, e.g. 城步苗族自治县人民政府
    domain: str  # SiteDomain (the host the site is served on)
    site_code: str  # SiteIDCode, 10 digits
    site_id: str = "1"  # TRS SiteId
    icp: str = "湘ICP备05001234号"
    police: str = "湘公网安备 43052902000123号"
    host_org: str = ""  # 主办单位
    nav: list[tuple[str, str]] = field(default_factory=list)  # (label, site-absolute href)
    friend_links: list[tuple[str, str]] = field(default_factory=list)  # off-site links


@dataclass
class ListEntry:
    """One line of a column list."""

    title: str
    href: str  # as written in the list (relative or absolute)
    date: str  # YYYY-MM-DD


@dataclass
class DetailDoc:
    """Everything a detail page shows about one document."""

    title: str
    pub_datetime: str  # "YYYY-MM-DD HH:MM"
    column_name: str
    column_type: str
    url: str  # canonical URL (meta Url)
    doc_id: str
    body_html: str
    organ: str = ""  # 发布机构
    source: str = ""  # 来源 / ContentSource
    index_no: str = ""  # 索引号
    topic: str = "综合政务\\政务公开"  # 主题分类
    doc_no: str = ""  # 文号
    written_date: str = ""  # 成文日期
    chnl_id: str = ""
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (label, href)
    viewer_href: str = ""  # pdf.js viewer link (全真版)
    wap_href: str = ""  # link to the mobile twin
    canonical_href: str = ""  # (wap pages) link back to the desktop page
    keywords: str = ""


def charset_tag(charset: str | None) -> str:
    """The charset declaration in ``<head>``; ``None`` when only the HTTP header declares it."""
    if charset is None:
        return ""
    if charset.lower() in ("utf-8", "utf8"):
        return '<meta charset="utf-8" />\n'
    return f'<meta http-equiv="Content-Type" content="text/html; charset={esc(charset)}" />\n'


def government_meta(chrome: Chrome, doc: DetailDoc, *, trs_ids: bool) -> str:
    """The 政府网站发展指引 meta set of a detail page (docs/portals.md §3)."""
    meta = [
        ("SiteName", chrome.site_name),
        ("SiteDomain", chrome.domain),
        ("SiteIDCode", chrome.site_code),
        ("ColumnName", doc.column_name),
        ("ColumnType", doc.column_type),
        ("ArticleTitle", doc.title),
        ("PubDate", doc.pub_datetime),
        ("ContentSource", doc.source),
        ("KeyWords", doc.keywords),
        ("Author", doc.organ or chrome.site_name),
        ("Description", ""),
        ("Image", ""),
        ("Url", doc.url),
    ]
    if trs_ids:
        meta += [("DocId", doc.doc_id), ("ChnlId", doc.chnl_id), ("SiteId", chrome.site_id)]
    return "".join(f'<meta name="{name}" content="{esc(value)}"/>\n' for name, value in meta)


def footer(chrome: Chrome) -> str:
    """Footer: friend links (off-site), 主办单位, ICP/公安 备案, accessibility links."""
    links = "".join(f'<a href="{esc(href)}" target="_blank">{esc(label)}</a>\n' for label, href in chrome.friend_links)
    return f"""<div class="footer">
  <div class="friend_links"><span>友情链接：</span>
{links}  </div>
  <p>主办单位：{esc(chrome.host_org or chrome.site_name + "办公室")}　网站标识码：{esc(chrome.site_code)}</p>
  <p><a href="https://beian.miit.gov.cn/" target="_blank">{esc(chrome.icp)}</a>　{esc(chrome.police)}</p>
  <p><a href="javascript:void(0);" id="barrierFreeBtn">无障碍浏览</a>　<a href="javascript:void(0);">长者模式</a>　<a href="javascript:void(0);">关怀版</a></p>
</div>
"""


def _nav(chrome: Chrome) -> str:
    items = "".join(f'<li><a href="{esc(href)}">{esc(label)}</a></li>' for label, href in chrome.nav)
    return f'<div class="menu_base"><ul class="clearflx" role="navigation" des="站点主目录">{items}</ul></div>\n'


def metadata_box(doc: DetailDoc) -> str:
    """The 信息公开 metadata table shown above the title."""
    rows = [
        ("索引号", doc.index_no, "主题分类", doc.topic),
        ("发布机构", doc.organ, "成文日期", doc.written_date or doc.pub_datetime[:10]),
        ("文号", doc.doc_no, "发布日期", doc.pub_datetime[:10]),
        ("名称", doc.title, "有效性", "有效"),
    ]
    cells = "".join(f"<tr><th>{a}：</th><td>{esc(b)}</td><th>{c}：</th><td>{esc(d)}</td></tr>\n" for a, b, c, d in rows)
    return f'<div class="xxgk_table"><table class="table_xxgk">\n{cells}</table></div>\n'


def attachment_links_trs(doc: DetailDoc) -> str:
    """TRS attachment list: relative links with the ``OLDSRC`` attribute TRS writes."""
    if not doc.attachments:
        return ""
    items = "".join(
        f'<p><a href="{esc(href)}" OLDSRC="/protect/{esc(posixpath.basename(href))}">{esc(label)}</a></p>\n'
        for label, href in doc.attachments
    )
    return f'<div class="fjxz"><p class="fjxz_tit">附件：</p>\n{items}</div>\n'


def breadcrumb_html(crumbs: list[tuple[str, str]]) -> str:
    """当前位置 breadcrumb (ends with 正文 on detail pages)."""
    parts = "".join(f'<li><a href="{esc(href)}" class="CurrChnlCls">{esc(label)}</a></li>' for label, href in crumbs)
    return f'<div class="breadcrumb"><span>当前位置：</span><ul>{parts}<li>正文</li></ul></div>\n'


def page(head_title: str, head_extra: str, body: str, charset: str | None, lang_attrs: str = "") -> str:
    """A whole HTML document."""
    return (
        f"<!DOCTYPE html>\n<html{lang_attrs}>\n<head>\n{charset_tag(charset)}"
        '<meta http-equiv="X-UA-Compatible" content="IE=edge" />\n'
        f"{head_extra}<title>{esc(head_title)}</title>\n"
        '<link rel="stylesheet" type="text/css" href="/images/common.css" />\n'
        f"</head>\n<body>\n{body}</body>\n</html>\n"
    )


# ----------------------------------------------------------------------------- generic pages


def block_page(charset: str | None = "utf-8") -> str:
    """The 200 page a WAF serves instead of content (访问受限/拦截)."""
    body = """<div class="waf_box">
<h2>访问受限</h2>
<p>您的访问请求已被网站安全防护系统拦截，可能原因：访问频率过高或请求包含非法参数。</p>
<p>事件编号：WAF-20260315-000318　如有疑问请联系网站管理员。</p>
</div>
"""
    return page("访问受限", "", body, charset)


def waf_challenge(cookie_name: str, cookie_value: str) -> str:
    """HTTP 521 body of a 加速乐-style JavaScript cookie challenge."""
    return (
        "<html><body><script>document.cookie=('"
        + cookie_name
        + "')+'='+('"
        + cookie_value
        + "')+';max-age=3600;path=/';location.href=location.pathname+location.search</script></body></html>"
    )


def deleted_page(charset: str | None = "utf-8") -> str:
    """A soft 404: status 200, no content."""
    body = '<div class="error_box"><p class="tips">该信息已删除或已过期！</p><p><a href="/">返回首页</a></p></div>\n'
    return page("提示信息", "", body, charset)


def refresh_stub(target: str) -> str:
    """The tiny meta-refresh page TRS serves for a removed document (to its parent column)."""
    return f'<meta http-equiv="refresh" content="0;URL={esc(target)}" />'


def not_found_page() -> str:
    """A plain 404 page."""
    return page("404 Not Found", "", "<h1>404 Not Found</h1><p>页面不存在</p>\n", "utf-8")


def pdf_viewer_page() -> str:
    """The pdf.js viewer shell (``/generic2/web/viewer.html?file=…``)."""
    body = (
        '<div id="outerContainer"><div id="mainContainer"><div id="viewerContainer">'
        '<div id="viewer" class="pdfViewer"></div></div></div></div>\n'
        '<script src="build/pdf.js"></script><script src="viewer.js"></script>\n'
    )
    return page("PDF.js viewer", "", body, "utf-8")


def calendar_page(year: int, month: int, prev_href: str, next_href: str, day_hrefs: list[tuple[str, str]]) -> str:
    """A 日历 page of an events module: an endless chain of month links (a crawler trap)."""
    days = "".join(f'<td><a href="{esc(href)}">{esc(label)}</a></td>' for label, href in day_hrefs)
    body = (
        f'<div class="calendar"><h3>{year}年{month}月 政务活动日历</h3>\n'
        f'<a href="{esc(prev_href)}" class="prev">上个月</a> <a href="{esc(next_href)}" class="next">下个月</a>\n'
        f"<table><tr>{days}</tr></table></div>\n"
    )
    return page(f"政务活动日历 {year}年{month}月", "", body, "utf-8")


def search_page(query: str, page_no: int, results: list[ListEntry], next_href: str) -> str:
    """A site-search result page whose 下一页 never ends (a crawler trap)."""
    rows = "".join(
        f'<li><a href="{esc(r.href)}" target="_blank">{esc(r.title)}</a><span>{esc(r.date)}</span></li>\n'
        for r in results
    )
    body = (
        f'<div class="search_result"><p>搜索“{esc(query)}”，第{page_no}页</p><ul>\n{rows}</ul>\n'
        f'<div class="page"><a href="{esc(next_href)}">下一页</a></div></div>\n'
    )
    return page(f"{query}_站内搜索", "", body, "utf-8")


# ----------------------------------------------------------------------------- TRS WCM (static)


def _trs_header(chrome: Chrome) -> str:
    return f"""<div class="header">
  <div class="logo"><a href="/"><img src="/images/site_logo.png" alt="{esc(chrome.site_name)}" /></a></div>
  <div class="header_link"><a href="javascript:;" class="none_sm">移动版</a> <a href="javascript:void(0);" id="WzaStatus">无障碍浏览</a> <a href="javascript:void(0);">长者模式</a></div>
  <div class="search_area"><form method="get" action="/search" target="_blank"><input type="text" name="q" placeholder="请输入搜索内容" /><button>搜索</button></form></div>
</div>
{_nav(chrome)}"""


def trs_home(chrome: Chrome, blocks: list[tuple[str, list[ListEntry]]], quick_links: list[tuple[str, str]]) -> str:
    """Home page of a TRS county portal: news blocks, 政府信息公开 entrance, footer."""
    parts = []
    for heading, entries in blocks:
        lis = "".join(
            f'<li><a href="{esc(e.href)}" target="_blank" title="{esc(e.title)}">{esc(e.title)}</a><span>{esc(e.date)}</span></li>\n'
            for e in entries
        )
        parts.append(
            f'<div class="index_block"><div class="block_hd"><h3>{esc(heading)}</h3></div><ul>\n{lis}</ul></div>\n'
        )
    quick = "".join(f'<a href="{esc(href)}" target="_blank">{esc(label)}</a>\n' for label, href in quick_links)
    body = (
        f'<div class="warp">\n{_trs_header(chrome)}<div class="main index_main">\n{"".join(parts)}'
        f'<div class="index_xxgk"><h3>政务公开</h3>\n{quick}</div>\n</div>\n{footer(chrome)}</div>\n'
    )
    return page(chrome.site_name, f'<meta name="SiteName" content="{esc(chrome.site_name)}"/>\n', body, "utf-8")


def trs_channel(
    chrome: Chrome, title: str, crumbs: list[tuple[str, str]], links: list[tuple[str, str]], charset: str = "utf-8"
) -> str:
    """A channel (栏目) overview page: a grid of sub-column links."""
    lis = "".join(f'<li><a href="{esc(href)}" title="{esc(label)}">{esc(label)}</a></li>\n' for label, href in links)
    body = (
        f'<div class="warp">\n{_trs_header(chrome)}<div class="main">\n{breadcrumb_html(crumbs).replace("<li>正文</li>", "")}'
        f'<div class="xxgk_nav"><div class="xxgk_nav_tit">{esc(title)}</div><ul class="xxgk_nav_list">\n{lis}</ul></div>\n'
        f"</div>\n{footer(chrome)}</div>\n"
    )
    head = (
        f'<meta name="ColumnName" content="{esc(title)}"/>\n<meta name="SiteName" content="{esc(chrome.site_name)}"/>\n'
    )
    return page(f"{title}_{chrome.site_name}", head, body, charset)


TRS_PAGE_JS = """function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  if(nCurrIndex == 0) document.write("<span>首页</span>&nbsp;<span>上一页</span>&nbsp;");
  else {
    document.write("<a href=\\"" + _sPageName + "." + _sPageExt + "\\">首页</a>&nbsp;");
    document.write("<a href=\\"" + _sPageName + (nCurrIndex-1 == 0 ? "" : "_" + (nCurrIndex-1)) + "." + _sPageExt + "\\">上一页</a>&nbsp;");
  }
  if(nCurrIndex == _nPageCount-1) document.write("<span>下一页</span>&nbsp;<span>尾页</span>");
  else {
    document.write("<a href=\\"" + _sPageName + "_" + (nCurrIndex+1) + "." + _sPageExt + "\\">下一页</a>&nbsp;");
    document.write("<a href=\\"" + _sPageName + "_" + (_nPageCount-1) + "." + _sPageExt + "\\">尾页</a>");
  }
}
"""


def trs_list(
    chrome: Chrome,
    column_name: str,
    crumbs: list[tuple[str, str]],
    entries: list[ListEntry],
    page_count: int,
    current: int,
    sub_columns: list[tuple[str, str]] | None = None,
    prefix: str = "index",
    ext: str = "html",
) -> str:
    """A TRS list page; pages after the first are only reachable through ``createPageHTML``."""
    subs = ""
    if sub_columns:
        subs = (
            '<div class="sub_column"><ul>'
            + "".join(f'<li><a href="{esc(href)}">{esc(label)}</a></li>' for label, href in sub_columns)
            + "</ul></div>\n"
        )
    lis = "".join(
        f'<li><a href="{esc(e.href)}" target="_blank" title="{esc(e.title)}">{esc(e.title)}</a><span class="date">{esc(e.date)}</span></li>\n'
        for e in entries
    )
    pager = f"""<div class="page">
<script type="text/javascript" src="/js/page.js"></script>
<script language="JavaScript">
var currentPage = {current};//所在页从0开始
var prevPage = currentPage-1//上一页
var nextPage = currentPage+1//下一页
var countPage = {page_count}//共多少页
createPageHTML({page_count}, {current}, "{prefix}", "{ext}");
</script>
</div>
"""
    body = (
        f'<div class="warp">\n{_trs_header(chrome)}<div class="main">\n'
        f"{breadcrumb_html(crumbs).replace('<li>正文</li>', '')}"
        f'<div class="list_box"><div class="list_tit"><h2>{esc(column_name)}</h2></div>\n{subs}'
        f'<ul class="list_ul">\n{lis}</ul>\n{pager}</div>\n</div>\n{footer(chrome)}</div>\n'
    )
    head = f'<meta name="ColumnName" content="{esc(column_name)}"/>\n<meta name="SiteName" content="{esc(chrome.site_name)}"/>\n'
    return page(f"{column_name}_{chrome.site_name}", head, body, "utf-8")


def trs_detail(
    chrome: Chrome, doc: DetailDoc, crumbs: list[tuple[str, str]], charset: str | None, legacy: bool = False
) -> str:
    """A TRS WCM detail page: meta set, metadata box, title, ``div.TRS_Editor`` body, attachments."""
    inner = doc.body_html
    if legacy:  # old pages pasted through the WCM editor keep the Custom_UnionStyle wrapper
        inner = f'<div class="Custom_UnionStyle">{inner}</div>'
    wap = f'<a href="{esc(doc.wap_href)}" class="wap_link">手机版</a>' if doc.wap_href else ""
    body = f"""<div class="warp">
{_trs_header(chrome)}<div class="main">
{breadcrumb_html(crumbs)}{metadata_box(doc)}<div class="article">
  <h1 class="article_title">{esc(doc.title)}</h1>
  <div class="article_extend"><span class="article_source">来源：{esc(doc.source)}</span> <span class="article_time">时间：{esc(doc.pub_datetime)}</span> {wap}
  <span class="share">分享到：<a href="javascript:void(0);">微信</a> <a href="javascript:void(0);">微博</a></span> <a href="javascript:window.print();">打印</a></div>
  <div class="article_content"><div class="TRS_Editor">{inner}</div></div>
{attachment_links_trs(doc)}</div>
</div>
{footer(chrome)}</div>
"""
    head = government_meta(chrome, doc, trs_ids=True)
    return page(f"{doc.title}_{doc.column_name}_{chrome.site_name}", head, body, charset)


def trs_wap_detail(chrome: Chrome, doc: DetailDoc, charset: str | None) -> str:
    """The ``_wap.html`` mobile twin of a TRS detail page."""
    body = f"""<div class="wap_header"><a href="/">{esc(chrome.site_name)}</a></div>
<div class="wap_article"><h1>{esc(doc.title)}</h1><p class="wap_info">{esc(doc.pub_datetime)}　{esc(doc.source)}</p>
<div class="TRS_Editor">{doc.body_html}</div>
{attachment_links_trs(doc)}<p><a href="{esc(doc.canonical_href)}">电脑版</a></p></div>
"""
    head = '<meta name="viewport" content="width=device-width, initial-scale=1.0" />\n' + government_meta(
        chrome, doc, trs_ids=True
    )
    return page(doc.title, head, body, charset)


# ----------------------------------------------------------------------------- TRS 动静结合 (Fujian platform)


def site_info_script(site_id: str, search_id: str, site_domain: str) -> str:
    """The ``SiteInfo`` object the Fujian platform's list loader reads (``searchId`` = search channel)."""
    return (
        "<script>\nvar SiteInfo = {\n"
        f'    siteId: "{site_id}",\n    searchId: "{search_id}",\n    siteDomain: "{site_domain}",\n'
        '    searchUrl: "/fjdzapp/search",\n    isStatic: false\n};\n</script>\n'
    )


def pingtan_list(
    chrome: Chrome,
    column_name: str,
    crumbs: list[tuple[str, str]],
    static_entries: list[ListEntry],
    record_count: int,
    prepage: int,
    search_id: str,
    chnl_id: str,
) -> str:
    """Column page of the Fujian TRS platform: page 1 static, the rest via the search API."""
    dls = "".join(
        f"""
    <dl>
        <dd class="trt-col-sm-24 slb-trt-col-24 text_align_left">
            <a href="{esc(e.href)}" target="_blank" title="{esc(e.title)}">{esc(e.title)}</a>
        </dd>
        <dd class="trt-col-4 trt-col-sm-24 slb-trt-col-24 text_align_left">
            {esc(e.date)}
        </dd>
    </dl>
"""
        for e in static_entries
    )
    body = f"""<div class="warp info_public_bg">
{_trs_header(chrome)}<div class="main"><div class="content">
{breadcrumb_html(crumbs).replace("<li>正文</li>", "")}
<div class="trt-col-19 trt-col-sm-24 slb-trt-col-24">
<div class="tabs info_tabs" ms-controller="list">
    <div class="tabs_header"><ul><li class="on"><a class="cur_def" href="javascript:;">{esc(column_name)}</a></li></ul></div>
    <div class="rules_tabs_01 none_sm slb_none rules_tabs_no_bg">
        <dl><dt class="trt-col-sm-24 slb-trt-col-24">标题</dt><dt class="trt-col-4 trt-col-sm-24 slb-trt-col-24 text_align_left">发布日期</dt></dl>
    </div>
    <div class="rules_tabs_01 rules_tabs_no_bg" ms-visible="showStatic">
{dls}
    </div>
    <div class="rules_tabs_01 rules_tabs_no_bg" ms-visible="!showStatic" style="display: none">
        <div ms-if="list.length==0"><div ms-if="!error" class="loading"></div><div ms-if="error" ms-text="error|html"></div></div>
        <dl ms-if="list.length>0" ms-repeat="list" ms-if-loop="$index<{prepage}">
            <dd class="trt-col-sm-24 slb-trt-col-24 text_align_left">
                <a ms-attr-href="el.chnldocurl" ms-attr-title="el.doctitle" ms-text="el.doctitle|html" target="_blank"></a>
            </dd>
            <dd class="trt-col-4 trt-col-sm-24 slb-trt-col-24 text_align_left" ms-text="el.docreltime|date('yyyy-MM-dd')"></dd>
        </dl>
    </div>
    <div class="page_base mar_t_base" ms-controller="list_pagebar" ms-include-src="pgTemp" ms-if="pageCount>0"></div>
</div>
</div>
</div></div>
{footer(chrome)}</div>
{site_info_script(chrome.site_id, search_id, chrome.domain)}<script type="text/javascript" src="/images/22mb_info_public_js.js"></script>
<script>
    require(["list2.trsapi", "tools"], function(listModel, tools) {{
        listModel({{
            quickMode: "动静结合",
            maxStaticIndex: 1,
            listArgs: {{
                channelid: SiteInfo.searchId,
                classsql: "" || "chnlid={chnl_id}",
                sortfield: "-docorderpri,-docreltime"
            }},
            pagebar: {{
                prepage: {prepage},
                recordCount: '{record_count}',
                pgTemp: "pgBar_xxgk.html",
                pgCountMode: "recordCount",
                displayNum: 2
            }},
            callToPage: function(p) {{
                $("html,body").animate({{ scrollTop: $(".content_bg_02").offset().top }}, 800);
            }}
        }});
    }});
</script>
"""
    head = f'<meta name="ColumnName" content="{esc(column_name)}"/>\n<meta name="SiteName" content="{esc(chrome.site_name)}"/>\n'
    return page(f"{column_name}_{chrome.site_name}", head, body, "utf-8", ' ms-controller="windowRoot"')


def pingtan_detail(chrome: Chrome, doc: DetailDoc, crumbs: list[tuple[str, str]], charset: str | None) -> str:
    """Detail page of the Fujian TRS platform (全真版/文字版 tabs, ``div.article_content > div.TRS_Editor``)."""
    tabs = ""
    if doc.viewer_href:
        tabs = f"""<div class="tabs_hd" ms-controller="QzbView">
  <ul><li class="on"><a href="{esc(doc.viewer_href)}" target="_blank">全真版</a></li><li><a href="javascript:;">文字版</a></li></ul>
</div>
"""
    files = ""
    if doc.attachments:
        files = (
            '<div class="article_files"><span>附件：</span>'
            + "".join(
                f'<p><a href="{esc(href)}" target="_blank">{esc(label)}</a></p>' for label, href in doc.attachments
            )
            + "</div>\n"
        )
    body = f"""<div class="warp info_public_bg">
{_trs_header(chrome)}<div class="main"><div class="content">
{breadcrumb_html(crumbs)}
<div class="article_component" ms-controller="windowRoot">
  <div class="article_title_group"><div class="article_title text_align_center">
      {esc(doc.title)}
  </div></div>
  <div class="article_extend pad_base"><span class="article_source">来源：{esc(doc.source)}</span>
    <span class="article_time bf-pass">时间：{esc(doc.pub_datetime)}</span>
    <span class="share"><a href="javascript:void(0);" title="分享到微信">微信</a></span></div>
  <div class="tabs tab_base_01">
{tabs}    <div class="tabs_content tabs_bd"><div class="word_con">
      <div class="article_area"><div class="article_content article_content_01 font_family_cn">
<div class=TRS_Editor>{doc.body_html}</div>
      </div></div>
    </div></div>
  </div>
{files}</div>
</div></div>
{footer(chrome)}</div>
"""
    head = government_meta(chrome, doc, trs_ids=True)
    return page(f"{doc.title}_{doc.column_name}_{chrome.site_name}", head, body, charset, ' ms-controller="windowRoot"')


# ----------------------------------------------------------------------------- Hanweb JCMS


def _hanweb_header(chrome: Chrome) -> str:
    return f"""<div class="top"><div class="top_c">
  <span>欢迎访问{esc(chrome.site_name)}门户网站</span>
  <a href="javascript:void(0);" id="cniil_wza">无障碍</a> <a href="javascript:void(0);">长者模式</a>
  <form action="/jrobot/search.do" method="get"><input name="q" type="text" /><input type="hidden" name="webid" value="1" /></form>
</div></div>
<div class="banner"><img src="/picture/0/banner.jpg" alt="{esc(chrome.site_name)}" /></div>
{_nav(chrome)}"""


def hanweb_page(chrome: Chrome, title: str, inner: str, charset: str | None = "utf-8", head_extra: str = "") -> str:
    """A Hanweb page around ``inner``."""
    body = f'{_hanweb_header(chrome)}<div class="main">\n{inner}</div>\n{footer(chrome)}'
    return page(title, head_extra, body, charset)


def hanweb_home(chrome: Chrome, blocks: list[tuple[str, list[ListEntry]]], quick_links: list[tuple[str, str]]) -> str:
    """Home page of a Hanweb site."""
    parts = []
    for heading, entries in blocks:
        lis = "".join(
            f'<li><a href="{esc(e.href)}" target="_blank" title="{esc(e.title)}">{esc(e.title)}</a><span>{esc(e.date)}</span></li>\n'
            for e in entries
        )
        parts.append(f'<div class="bt_box"><div class="bt_title">{esc(heading)}</div><ul>\n{lis}</ul></div>\n')
    quick = "".join(f'<li><a href="{esc(href)}" target="_blank">{esc(label)}</a></li>\n' for label, href in quick_links)
    inner = "".join(parts) + f'<div class="xxgk_rk"><ul>\n{quick}</ul></div>\n'
    return hanweb_page(chrome, chrome.site_name, inner)


def hanweb_record(title: str, href: str, date: str) -> str:
    """The HTML of one jpage record (goes inside ``<record><![CDATA[…]]></record>``)."""
    return (
        f'<li><a href="{esc(href)}" title="{esc(title)}" target="_blank">{esc(title)}</a>'
        f'<span class="bt_time">{esc(date)}</span></li>'
    )


def hanweb_form_fields(webid: str, columnid: str, unitid: str, webname: str) -> list[tuple[str, str]]:
    """The form a jpage page posts to ``dataproxy.jsp`` (docs/portals.md §2.3), in page order."""
    return [
        ("col", "1"),
        ("appid", "1"),
        ("webid", webid),
        ("path", "/"),
        ("columnid", columnid),
        ("sourceContentType", "1"),
        ("unitid", unitid),
        ("webname", webname),
        ("permissiontype", "0"),
    ]


def hanweb_column(
    chrome: Chrome,
    column_name: str,
    crumbs: list[tuple[str, str]],
    *,
    webid: str,
    columnid: str,
    unitid: str,
    records: list[str],
    total: int,
    per_page: int,
    group_size: int,
    proxy_path: str,
    nextgroup_href: str,
) -> str:
    """A Hanweb column page: the first records embedded as XML in CDATA, the rest by jpage POST."""
    recs = "".join(f"<record><![CDATA[\n{r}\n]]></record>\n" for r in records)
    ajax = ",".join(
        f"{k}:'{v}'" if not v.isdigit() else f"{k}:{v}"
        for k, v in hanweb_form_fields(webid, columnid, unitid, chrome.site_name)
    )
    inner = f"""{breadcrumb_html(crumbs).replace("<li>正文</li>", "")}<div class="lm_name">{esc(column_name)}</div>
<div class="default_pgContainer" id="{unitid}"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="{nextgroup_href}"></a>]]></nextgroup>
<recordset>
{recs}</recordset>
</datastore></script></div>
<script language="javascript" src="/module/jslib/jquery/jpage/jquery.jpage.js"></script>
<script type="text/javascript">
$(function(){{
    $('#{unitid}').jpage({{
        dataStore: $('#{unitid} > script').html(),
        totalRecord: {total},
        perPage: {per_page},
        groupSize: {group_size},
        barPosition: 'bottom',
        proxyUrl: '{proxy_path}',
        ajaxParam: {{{ajax}}}
    }});
}});
</script>
"""
    head = f'<meta name="ColumnName" content="{esc(column_name)}"/>\n<meta name="SiteName" content="{esc(chrome.site_name)}"/>\n'
    return hanweb_page(chrome, f"{column_name} {chrome.site_name}", inner, "utf-8", head)


def hanweb_dataproxy(records: list[str], total: int, total_page: int) -> str:
    """Response of ``dataproxy.jsp``: ``<datastore><totalrecord>…<totalpage>…<recordset>…``."""
    recs = "".join(f"<record><![CDATA[\n{r}\n]]></record>\n" for r in records)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<datastore>\n<totalrecord>{total}</totalrecord>\n<totalpage>{total_page}</totalpage>\n"
        f"<recordset>\n{recs}</recordset>\n</datastore>\n"
    )


def hanweb_detail(chrome: Chrome, doc: DetailDoc, crumbs: list[tuple[str, str]], charset: str | None) -> str:
    """A Hanweb article page: body between ``ZJEG_RSS.content.begin``/``end`` in ``div#zoom``."""
    files = ""
    if doc.attachments:
        files = "<p>附件：</p>" + "".join(
            f'<p><a href="{esc(href)}">{esc(label)}</a></p>' for label, href in doc.attachments
        )
    inner = f"""{breadcrumb_html(crumbs)}{metadata_box(doc)}<div class="article">
<div class="title"><!--<$[标题名称]>begin-->{esc(doc.title)}<!--<$[标题名称]>end--></div>
<div class="info">发布日期：{esc(doc.pub_datetime[:10])}　信息来源：<!--<$[信息来源]>begin-->{esc(doc.source)}<!--<$[信息来源]>end-->　浏览次数：<script language="javascript" src="/module/visitcount/articlehits.jsp?colid=1&artid={esc(doc.doc_id)}"></script></div>
<!--ZJEG_RSS.content.begin--><meta name="ContentStart"><div id="zoom">{doc.body_html}{files}</div><meta name="ContentEnd"><!--ZJEG_RSS.content.end-->
<div class="share">分享到：<a href="javascript:void(0);">微信</a></div>
</div>
"""
    head = government_meta(chrome, doc, trs_ids=False)
    return hanweb_page(chrome, f"{doc.title}", inner, charset, head)


def hanweb_unit_directory(chrome: Chrome, title: str, units: list[tuple[str, str]]) -> str:
    """The 信息公开 unit directory (机构目录) linking each unit's annual-report module page."""
    lis = "".join(f'<li><a href="{esc(href)}" target="_blank">{esc(name)}</a></li>\n' for name, href in units)
    inner = f'<div class="xxgk_unit"><div class="lm_name">{esc(title)}</div><ul class="unit_list">\n{lis}</ul></div>\n'
    head = f'<meta name="ColumnName" content="{esc(title)}"/>\n'
    return hanweb_page(chrome, f"{title} {chrome.site_name}", inner, "utf-8", head)


def hanweb_annual_module(
    chrome: Chrome,
    unit_name: str,
    year_links: list[tuple[str, str]],
    year: int | None,
    doc: DetailDoc | None,
    charset: str | None,
) -> str:
    """``xxgkAnnualReport.jsp``: a year selector, then the unit's report for the year (or nothing)."""
    years = "".join(f'<a href="{esc(href)}">{esc(label)}</a>\n' for label, href in year_links)
    if doc is None:
        content = (
            '<div class="nb_content"><p class="no_data">暂无信息</p></div>\n'
            if year
            else '<div class="nb_content"><p>请选择年度</p></div>\n'
        )
        head = ""
        title = f"{unit_name}信息公开年报"
    else:
        files = ""
        if doc.attachments:
            files = (
                '<div class="nb_files">附件：'
                + "".join(f'<a href="{esc(href)}">{esc(label)}</a> ' for label, href in doc.attachments)
                + "</div>\n"
            )
        content = (
            f'<div class="nb_title">{esc(doc.title)}</div>\n<div class="nb_info">发布机构：{esc(doc.organ)}　发布日期：{esc(doc.pub_datetime[:10])}</div>\n'
            f'<div class="nb_content" id="zoom">{doc.body_html}</div>\n{files}'
        )
        head = government_meta(chrome, doc, trs_ids=False)
        title = doc.title
    inner = (
        f'<div class="xxgk_nb"><div class="nb_unit">{esc(unit_name)}</div>\n'
        f'<div class="nb_years"><span>年度：</span>\n{years}</div>\n{content}</div>\n'
    )
    return hanweb_page(chrome, title, inner, charset, head)


# ----------------------------------------------------------------------------- Guangdong gkmlpt


def gkmlpt_index(chrome: Chrome, app_url: str, sid: str, tree: list[dict], unit_name: str) -> str:
    """The gkmlpt SPA shell: no list in the HTML, only ``window._CONFIG`` (SID, TREE)."""
    config = {"SID": sid, "APP_URL": app_url, "SITE_NAME": unit_name, "TREE": tree}
    body = f"""<div id="app"><div class="gkmlpt-loading">加载中…</div></div>
<noscript>请开启浏览器的JavaScript功能</noscript>
<script>
window._CONFIG = {json.dumps(config, ensure_ascii=False)};
</script>
<script src="{esc(app_url)}/gkmlpt/static/js/manifest.js"></script>
<script src="{esc(app_url)}/gkmlpt/static/js/app.js"></script>
"""
    head = f'<meta name="SiteName" content="{esc(chrome.site_name)}"/>\n'
    return page(f"{unit_name}政府信息公开", head, body, "utf-8")


def gkmlpt_detail(chrome: Chrome, doc: DetailDoc, detail: dict, charset: str | None) -> str:
    """A gkmlpt detail page: server-rendered article plus ``window._CONFIG.DETAIL``."""
    files = ""
    if doc.attachments:
        files = (
            '<div class="attachment"><p>附件：</p>'
            + "".join(
                f'<p><a href="{esc(href)}" target="_blank">{esc(label)}</a></p>' for label, href in doc.attachments
            )
            + "</div>\n"
        )
    body = f"""<div class="gkmlpt-detail">
<div class="introduce">
<table>
<tr><td class="first">索引号：</td><td>{esc(doc.index_no)}</td><td class="first">分类：</td><td>{esc(doc.topic)}</td></tr>
<tr><td class="first">发布机构：</td><td>{esc(doc.organ)}</td><td class="first">成文日期：</td><td>{esc(doc.written_date or doc.pub_datetime[:10])}</td></tr>
<tr><td class="first">名称：</td><td colspan="3">{esc(doc.title)}</td></tr>
<tr><td class="first">文号：</td><td>{esc(doc.doc_no)}</td><td class="first">发布日期：</td><td>{esc(doc.pub_datetime[:10])}</td></tr>
</table>
</div>
<div class="content">
<h1 class="title">{esc(doc.title)}</h1>
<div class="article-content">{doc.body_html}</div>
{files}</div>
</div>
<script>
window._CONFIG = window._CONFIG || {{}};
window._CONFIG.DETAIL = {json.dumps(detail, ensure_ascii=False)};
</script>
"""
    head = government_meta(chrome, doc, trs_ids=False)
    return page(f"{doc.title}", head, body, charset)


# ----------------------------------------------------------------------------- VSB 博达 / generic


def _vsb_header(chrome: Chrome) -> str:
    return f"""<div class="head"><div class="logo"><img src="/images/logo.png" alt="{esc(chrome.site_name)}" /></div>
<div class="tools"><a href="javascript:void(0);">无障碍</a> <a href="javascript:void(0);">关怀版</a></div></div>
{_nav(chrome)}"""


def vsb_page(chrome: Chrome, title: str, inner: str, charset: str | None = "utf-8", head_extra: str = "") -> str:
    """A VSB page around ``inner``."""
    body = f'{_vsb_header(chrome)}<div class="main">\n{inner}</div>\n{footer(chrome)}'
    return page(title, head_extra, body, charset)


def vsb_pager(page_no: int, total_pages: int, total: int, links: dict[str, str]) -> str:
    """The VSB pager: 首页/上页/下页/尾页 with numbered pages; ``links`` maps label → href."""

    def item(label: str, cls: str) -> str:
        href = links.get(label)
        if href:
            return f'<span class="p_{cls} p_fun"><a href="{esc(href)}">{label}</a></span>'
        return f'<span class="p_{cls}_d p_fun_d">{label}</span>'

    return (
        '<div class="pb_sys_common pb_sys_normal pb_sys_style1"><span class="p_t">共'
        f'{total}条</span> <span class="p_pages">{item("首页", "first")}{item("上页", "prev")}'
        f'<span class="p_no_d">{page_no}</span>{item("下页", "next")}{item("尾页", "last")}</span>'
        f' <span class="p_t">{page_no}/{total_pages}</span></div>\n'
    )


def vsb_list(
    chrome: Chrome, column_name: str, crumbs: list[tuple[str, str]], entries: list[ListEntry], pager: str
) -> str:
    """A VSB list page (``ul.list`` plus the pager)."""
    lis = "".join(
        f'<li id="line_u8_{i}"><a href="{esc(e.href)}" target="_blank" title="{esc(e.title)}">{esc(e.title)}</a><span>{esc(e.date)}</span></li>\n'
        for i, e in enumerate(entries)
    )
    inner = (
        f'{breadcrumb_html(crumbs).replace("<li>正文</li>", "")}<div class="list_r"><h2>{esc(column_name)}</h2>\n'
        f'<ul class="list">\n{lis}</ul>\n{pager}</div>\n'
    )
    head = f'<meta name="ColumnName" content="{esc(column_name)}"/>\n'
    return vsb_page(chrome, f"{column_name}-{chrome.site_name}", inner, "utf-8", head)


def vsb_attachments(attachments: list[tuple[str, str]]) -> str:
    """VSB attachment lines: 附件【name】已下载N次."""
    if not attachments:
        return ""
    lis = "".join(
        f'<li>附件【<a href="{esc(href)}" target="_blank">{esc(label)}</a>】已下载<span>0</span>次</li>\n'
        for label, href in attachments
    )
    return f'<ul style="list-style-type:none;">\n{lis}</ul>\n'


def vsb_detail(chrome: Chrome, doc: DetailDoc, crumbs: list[tuple[str, str]], charset: str | None) -> str:
    """A VSB article: ``form[name=_newscontent_fromname] #vsb_content .v_news_content``."""
    inner = f"""{breadcrumb_html(crumbs)}{metadata_box(doc)}<form name="_newscontent_fromname">
<div class="content_title"><h1>{esc(doc.title)}</h1></div>
<div class="content_info">时间：{esc(doc.pub_datetime[:10])}　来源：{esc(doc.source)}　点击：<script>_showDynClicks("wbnews", 1433357826, {esc(doc.doc_id)})</script></div>
<div id="vsb_content"><div class="v_news_content">
{doc.body_html}
</div></div>
{vsb_attachments(doc.attachments)}</form>
"""
    head = government_meta(chrome, doc, trs_ids=False)
    return vsb_page(chrome, f"{doc.title}-{chrome.site_name}", inner, charset, head)


def generic_list(
    chrome: Chrome,
    column_name: str,
    crumbs: list[tuple[str, str]],
    entries: list[ListEntry],
    page_no: int,
    total_pages: int,
    links: dict[str, str],
) -> str:
    """A plain dynamic list (``?page=N``) with 首页/上一页/下一页/尾页 links."""
    lis = "".join(
        f'<tr><td><a href="{esc(e.href)}" target="_blank">{esc(e.title)}</a></td><td>{esc(e.date)}</td></tr>\n'
        for e in entries
    )
    pager = "".join(
        f'<a href="{esc(links[label])}">{label}</a> ' if label in links else f"<span>{label}</span> "
        for label in ("首页", "上一页", "下一页", "尾页")
    )
    inner = (
        f'{breadcrumb_html(crumbs).replace("<li>正文</li>", "")}<div class="list_box"><h2>{esc(column_name)}</h2>\n'
        f'<table class="list_table">\n{lis}</table>\n<div class="pagination">{pager}<span>第{page_no}页/共{total_pages}页</span></div></div>\n'
    )
    head = f'<meta name="ColumnName" content="{esc(column_name)}"/>\n'
    return vsb_page(chrome, f"{column_name}-{chrome.site_name}", inner, "utf-8", head)


def generic_detail(chrome: Chrome, doc: DetailDoc, crumbs: list[tuple[str, str]], charset: str | None) -> str:
    """A plain article page with ``div#detailContent``."""
    files = ""
    if doc.attachments:
        files = (
            '<div class="fj">相关附件：'
            + "".join(f'<a href="{esc(href)}">{esc(label)}</a> ' for label, href in doc.attachments)
            + "</div>\n"
        )
    inner = f"""{breadcrumb_html(crumbs)}{metadata_box(doc)}<div class="detail">
<h1>{esc(doc.title)}</h1><p class="info">发布时间：{esc(doc.pub_datetime)}　发布机构：{esc(doc.organ)}</p>
<div id="detailContent">{doc.body_html}</div>
{files}</div>
"""
    head = government_meta(chrome, doc, trs_ids=False)
    return vsb_page(chrome, f"{doc.title}-{chrome.site_name}", inner, charset, head)


def vsb_home(chrome: Chrome, blocks: list[tuple[str, list[ListEntry]]], quick_links: list[tuple[str, str]]) -> str:
    """Home page of a VSB (or gkmlpt county) site."""
    parts = []
    for heading, entries in blocks:
        lis = "".join(
            f'<li><a href="{esc(e.href)}" target="_blank">{esc(e.title)}</a><span>{esc(e.date)}</span></li>\n'
            for e in entries
        )
        parts.append(f'<div class="box"><h3>{esc(heading)}</h3><ul>\n{lis}</ul></div>\n')
    quick = "".join(f'<a href="{esc(href)}">{esc(label)}</a>\n' for label, href in quick_links)
    return vsb_page(chrome, chrome.site_name, "".join(parts) + f'<div class="xxgk_entry">\n{quick}</div>\n')


# ----------------------------------------------------------------------------- mirror (spam copy)


def mirror_home(site_name: str, links: list[tuple[str, str]]) -> str:
    """Home page of the spam mirror."""
    lis = "".join(f'<li><a href="{esc(href)}">{esc(label)}</a></li>\n' for label, href in links)
    body = f'<div class="top">{esc(site_name)} - 365体育官网</div>\n<ul>\n{lis}</ul>\n'
    return page(f"{site_name}_365体育官网", "", body, "utf-8")

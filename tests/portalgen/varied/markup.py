"""The markup a varied portal writes: one :class:`Look` per portal, drawn from its seed.

Every choice real portals vary is a field of :class:`Look` (charset and where it is declared,
the 政府网站 meta set, where the 网站标识码 appears, navigation texts, list markup, date formats,
truncated link texts, body containers, metadata boxes, pagers, JavaScript literal syntax …);
the writers below turn plain data into whole pages in that look.  Nothing here knows about
reports: :mod:`portalgen.varied.families` supplies the data.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from html import escape

from portalgen.varied.model import County

AREA_TEXTS = ("政府信息公开", "政务公开", "信息公开", "政府信息公开专栏", "政务公开专栏", "公开目录")
COLUMN_TEXTS = ("政府信息公开年报", "信息公开年报", "政府信息公开工作年度报告", "年度报告", "公开年报", "政务信息公开年报",
                "政府信息公开年度报告")  # fmt: skip
BODY_CLASSES = ("TRS_Editor", "zoom", "article-content", "v_news_content", "content", "xxgk_content", "zw-content",
                "detailContent")  # fmt: skip
NEXT_TEXTS = ("下一页", "下页", "后页", ">", "»", "下一页>>")
LAST_TEXTS = ("尾页", "末页", "最后一页")


def esc(text: object) -> str:
    return escape(str(text), quote=True)


@dataclass
class JsStyle:
    """How a portal writes JavaScript literals."""

    key_quote: str = ""  # "" (unquoted keys), "'" or '"'
    str_quote: str = "'"
    trailing_commas: bool = False
    expressions: bool = False  # extra entries whose values are expressions only a browser evaluates
    one_line: bool = False
    comments: bool = False

    def key(self, name: str) -> str:
        return f"{self.key_quote}{name}{self.key_quote}" if self.key_quote else name

    def string(self, text: str) -> str:
        q = self.str_quote
        return q + text.replace("\\", "\\\\").replace(q, "\\" + q) + q


def js(value: object, style: JsStyle, indent: int = 0) -> str:
    """``value`` as a JavaScript literal in ``style``."""
    sep = " " if style.one_line else "\n" + "  " * (indent + 1)
    end = " " if style.one_line else "\n" + "  " * indent
    if isinstance(value, dict):
        items = [f"{style.key(str(k))}: {js(v, style, indent + 1)}" for k, v in value.items()]
        if not items:
            return "{}"
        body = ("," + sep).join(items) + ("," if style.trailing_commas else "")
        return "{" + sep + body + end + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        body = ("," + sep).join(js(v, style, indent + 1) for v in value) + ("," if style.trailing_commas else "")
        return "[" + sep + body + end + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, Expr):
        return value.code
    return style.string(str(value))


@dataclass(frozen=True)
class Expr:
    """A JavaScript expression written as is (``location.protocol + '//' + location.host``)."""

    code: str


EXPRESSIONS = (
    Expr("location.protocol + '//' + location.host"),
    Expr("new Date().getTime()"),
    Expr("/Android|iPhone|iPad/i.test(navigator.userAgent)"),
    Expr("window.innerWidth < 768 ? 'mobile' : 'pc'"),
    Expr("typeof wx !== 'undefined'"),
    Expr("'/' + 'static' + '/js/'"),
)


def with_expressions(obj: dict, style: JsStyle, rng: random.Random) -> dict:
    """``obj`` with one or two expression-valued entries mixed in (when the style has them)."""
    if not style.expressions:
        return obj
    out = dict(obj)
    for i, expr in enumerate(rng.sample(EXPRESSIONS, 2)):
        out[f"ENV_{i}" if i else "ROOT_URL"] = expr
    return out


@dataclass
class Look:
    """The markup choices of one portal."""

    encoding: str = "utf-8"  # utf-8 | gbk
    charset_in: str = "both"  # header | meta | both
    meta_set: bool = True  # the 政府网站 meta set on detail pages
    site_code_in: str = "both"  # meta | footer | both: where the 网站标识码 shows
    area_text: str = "政府信息公开"
    column_text: str = "政府信息公开年报"
    nav: str = "top"  # top | dropdown | side
    list_style: str = "ul"  # ul | table | div | dl
    date_style: str = "dash"  # dash | slash | bracket | chinese | none
    truncate: int = 0  # cut link texts to N characters (0: never); the title attribute holds the title
    body_class: str = "TRS_Editor"
    meta_box: str = "table"  # table | line | none
    title_tag: str = "h1"  # h1 | h2 | div
    show_date: bool = True  # the detail page shows its publication date
    links: str = "path"  # path | relative | absolute
    next_text: str = "下一页"
    last_text: str = "尾页"
    numbered_pages: bool = True
    stated_pages: str = "gongye"  # gongye (共N页) | slash (1/N) | none
    js: JsStyle = field(default_factory=JsStyle)
    print_links: bool = True
    share_links: bool = True

    @classmethod
    def draw(cls, rng: random.Random) -> Look:
        gbk = rng.random() < 0.3
        return cls(
            encoding="gbk" if gbk else "utf-8",
            charset_in=rng.choice(("header", "meta", "both")) if gbk else rng.choice(("both", "meta", "header")),
            meta_set=rng.random() < 0.6,
            site_code_in=rng.choice(("meta", "footer", "both")),
            area_text=rng.choice(AREA_TEXTS),
            column_text=rng.choice(COLUMN_TEXTS),
            nav=rng.choice(("top", "dropdown", "side")),
            list_style=rng.choice(("ul", "table", "div", "dl")),
            date_style=rng.choice(("dash", "slash", "bracket", "chinese", "dash")),
            truncate=rng.choice((0, 0, 18, 22)),
            body_class=rng.choice(BODY_CLASSES),
            meta_box=rng.choice(("table", "line", "none")),
            title_tag=rng.choice(("h1", "h2", "div")),
            show_date=rng.random() < 0.85,
            links=rng.choice(("path", "relative", "absolute")),
            next_text=rng.choice(NEXT_TEXTS),
            last_text=rng.choice(LAST_TEXTS),
            numbered_pages=rng.random() < 0.6,
            stated_pages=rng.choice(("gongye", "slash", "none")),
            js=JsStyle(
                key_quote=rng.choice(("", "", "'", '"')),
                str_quote=rng.choice(("'", '"')),
                trailing_commas=rng.random() < 0.5,
                expressions=rng.random() < 0.5,
                one_line=rng.random() < 0.3,
                comments=rng.random() < 0.3,
            ),
            print_links=rng.random() < 0.7,
            share_links=rng.random() < 0.5,
        )

    def charset_meta(self) -> str:
        if self.charset_in == "header":
            return ""
        if self.encoding == "utf-8":
            return '<meta charset="utf-8">'
        return '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'

    def date(self, iso: str) -> str:
        y, m, d = iso.split("-")
        return {
            "dash": iso,
            "slash": f"{y}/{m}/{d}",
            "bracket": f"[{iso}]",
            "chinese": f"{y}年{m}月{d}日",
            "none": "",
        }[self.date_style]

    def link_text(self, title: str) -> str:
        if self.truncate and len(title) > self.truncate:
            return title[: self.truncate] + "…"
        return title


# ----------------------------------------------------------------------------- pages


def page(look: Look, title: str, body: str, head_extra: str = "", meta: dict[str, str] | None = None) -> str:
    """A whole HTML document in the look (charset declared as the look says)."""
    metas = "".join(f'<meta name="{esc(k)}" content="{esc(v)}">' for k, v in (meta or {}).items() if v)
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head>{look.charset_meta()}<title>{esc(title)}</title>'
        f"{metas}{head_extra}</head><body>{body}</body></html>"
    )


def site_meta(look: Look, county: County, site_name: str | None = None) -> dict[str, str]:
    """SiteName / SiteDomain-free site meta of any page (the 网站标识码 when the look puts it there)."""
    out = {"SiteName": site_name or county.government}
    if look.site_code_in in ("meta", "both"):
        out["SiteIDCode"] = county.site_code
    return out


def header(look: Look, site_name: str, nav: list[tuple[str, str]]) -> str:
    """Site banner and navigation (top bar, a drop-down menu, or a side bar)."""
    items = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for t, h in nav)
    if look.nav == "dropdown":
        menu = f'<div class="nav"><ul class="menu"><li class="drop"><span>导航</span><ul class="sub">{items}</ul></li></ul></div>'
    elif look.nav == "side":
        menu = f'<div class="left-side"><ul class="side-menu">{items}</ul></div>'
    else:
        menu = f'<div class="nav"><ul>{items}</ul></div>'
    tools = '<div class="tools"><a href="javascript:void(0)" onclick="toOld()">长者模式</a> <a href="javascript:;">无障碍</a></div>'
    return f'<div class="header"><div class="logo">{esc(site_name)}</div>{tools}{menu}</div>'


def footer(look: Look, county: County, friends: list[tuple[str, str]], host_org: str = "") -> str:
    """Footer: 主办单位, ICP, the 网站标识码 (when the look shows it there), friend links."""
    code = f"网站标识码：{county.site_code}" if look.site_code_in in ("footer", "both") else ""
    links = "".join(f'<a href="{esc(h)}" target="_blank">{esc(t)}</a> ' for t, h in friends)
    return (
        f'<div class="footer"><div class="friend-links">友情链接：{links}</div>'
        f"<p>主办：{esc(host_org or county.government + '办公室')}　{code}</p>"
        f"<p>ICP备案号：ICP备{county.code}号</p></div>"
    )


def breadcrumb(crumbs: list[tuple[str, str]]) -> str:
    parts = [f'<a href="{esc(h)}">{esc(t)}</a>' if h else esc(t) for t, h in crumbs]
    return '<div class="crumbs">当前位置：' + " &gt; ".join(parts) + "</div>"


@dataclass
class Entry:
    """One list entry: title, link, date (ISO, may be empty)."""

    title: str
    href: str
    date: str = ""


def entries_html(look: Look, entries: list[Entry]) -> str:
    """A list of entries in the look's list markup."""
    rows = []
    for e in entries:
        text = look.link_text(e.title)
        a = f'<a href="{esc(e.href)}" title="{esc(e.title)}" target="_blank">{esc(text)}</a>'
        date = look.date(e.date) if e.date else ""
        if look.list_style == "table":
            rows.append(f"<tr><td class='bt'>{a}</td><td class='rq'>{esc(date)}</td></tr>")
        elif look.list_style == "div":
            rows.append(f'<div class="list-item">{a}<span class="time">{esc(date)}</span></div>')
        elif look.list_style == "dl":
            rows.append(f"<dl><dt>{a}</dt><dd>{esc(date)}</dd></dl>")
        else:
            rows.append(f"<li>{a}<span>{esc(date)}</span></li>")
    inner = "".join(rows)
    if look.list_style == "table":
        return f'<table class="list-table" width="100%">{inner}</table>'
    if look.list_style == "ul":
        return f'<ul class="list">{inner}</ul>'
    return f'<div class="list">{inner}</div>'


def pager(look: Look, page_no: int, pages: int, href_of) -> str:
    """首页/上一页/numbers/下一页/尾页 links and the stated page count, in the look's words."""
    if pages <= 1:
        return ""
    parts = []
    if page_no > 1:
        parts.append(f'<a href="{esc(href_of(1))}">首页</a>')
        parts.append(f'<a href="{esc(href_of(page_no - 1))}">上一页</a>')
    if look.numbered_pages:
        for n in range(1, pages + 1):
            parts.append(f"<span class='cur'>{n}</span>" if n == page_no else f'<a href="{esc(href_of(n))}">{n}</a>')
    if page_no < pages:
        parts.append(f'<a href="{esc(href_of(page_no + 1))}">{esc(look.next_text)}</a>')
        parts.append(f'<a href="{esc(href_of(pages))}">{esc(look.last_text)}</a>')
    stated = {"gongye": f"共{pages}页", "slash": f"{page_no}/{pages}", "none": ""}[look.stated_pages]
    return f'<div class="page">{" ".join(parts)} <span class="total">{stated}</span></div>'


def meta_box(look: Look, title: str, organ: str, date: str, index_no: str) -> str:
    """The metadata box before the title (索引号, 发布机构, 发布日期 … ; no date when ``date`` is empty)."""
    shown = date
    if look.meta_box == "table":
        when = f"<td>发布日期：</td><td>{esc(shown)}</td>" if shown else ""
        return (
            f'<table class="xxgk_table"><tr><td>索引号：</td><td>{esc(index_no)}</td><td>发布机构：</td>'
            f"<td>{esc(organ)}</td></tr><tr><td>名称：</td><td colspan='3'>{esc(title)}</td></tr><tr>{when}</tr></table>"
        )
    if look.meta_box == "line":
        when = f"发布时间：{esc(shown)}　" if shown else ""
        return f'<div class="info">{when}来源：{esc(organ)}　<span>【字体：大 中 小】</span></div>'
    return f'<div class="info"><span>{esc("发布时间：" + shown) if shown else ""}</span></div>'


def detail_body(
    look: Look,
    title: str,
    body_html: str,
    box: str,
    attachments: list[tuple[str, str]],
    extra_links: list[tuple[str, str]],
) -> str:
    """Title, metadata box, body container, attachment block, page tools (print, share …)."""
    tag = look.title_tag
    heading = f'<div class="title article_title">{esc(title)}</div>' if tag == "div" else f"<{tag}>{esc(title)}</{tag}>"
    files = ""
    if attachments:
        files = (
            '<div class="fujian">附件：'
            + "".join(f'<p><a href="{esc(h)}">{esc(t)}</a></p>' for t, h in attachments)
            + "</div>"
        )
    tools = " ".join(f'<a href="{esc(h)}">{esc(t)}</a>' for t, h in extra_links)
    container = f'<div id="zoom" class="{esc(look.body_class)}">{body_html}</div>'
    if look.body_class == "zoom":
        container = f'<div id="zoom">{body_html}</div>'
    elif look.body_class == "detailContent":
        container = f'<div id="detailContent">{body_html}</div>'
    return f'<div class="article">{box}{heading}{container}{files}<div class="page-tools">{tools}</div></div>'


def script(code: str) -> str:
    return f'<script type="text/javascript">\n{code}\n</script>'


def to_json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")

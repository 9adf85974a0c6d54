"""HTML report pages → :class:`Document` (docs/portals.md §3, docs/report-format.md §8.6)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from extract.encoding import decode_bytes
from extract.limits import MAX_TABLE_CELLS
from extract.meta import parse_date, published_from_text
from extract.model import Attachment, Document, ExtractionError, ImageBlock, Paragraph, SourceCell, SourceTable
from extract.sniff import ATTACHMENT_KINDS, kind_of_url

BLOCK_TAGS = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "table",
    "section",
    "article",
    "blockquote",
    "center",
    "pre",
    "dl",
    "dt",
    "dd",
    "tr",
    "form",
    "header",
    "footer",
    "address",
    "hr",
    "figure",
    "figcaption",
    "main",
    "nav",
    "aside",
    "tbody",
    "thead",
    "tfoot",
    "caption",
}
SKIP_TAGS = {
    "script",
    "style",
    "noscript",
    "iframe",
    "object",
    "embed",
    "button",
    "select",
    "textarea",
    "input",
    "head",
    "title",
    "svg",
    "template",
}
# Body containers of the CMS families (docs/portals.md §3), most specific first.
CONTAINER_XPATHS = [
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_UEDITOR ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' Custom_UnionStyle ')]",
    "//*[@id='zoom']",
    "//*[@id='zoomcon']",
    "//*[@id='vsb_content']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' v_news_content ')]",
    "//*[@id='detailContent']",
    "//*[@id='ivs_content']",
    "//*[@id='webeditorview']",
    "//*[@id='UCAP-CONTENT']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' xxgk_content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' zw-content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article_content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' wp_articlecontent ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' pages_content ')]",
    "//*[@id='Zoom']",
    "//*[@id='fontzoom']",
    "//*[@id='zwnr']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' zwnr ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' news_content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' con_text ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' art_con ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article_con ')]",
    "//*[@id='info_content']",
    "//*[@id='mainText']",
    "//*[@id='content']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' content ')]",
]
# Words that make a table a statistical table of a report (to check the container kept them).
_STAT_TABLE_RE = re.compile(r"信息内容|自然人|申请人情况|行政复议|指标名称|统计指标|第二十条")
_HIDDEN_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_CHROME_RE = re.compile(r"^(无障碍|长者模式|关怀版|分享到|打印本页|关闭窗口|【?字体[:：]|扫一扫|收藏|返回顶部)")
_ZJEG_RE = re.compile(r"<!--\s*ZJEG_RSS\.content\.begin\s*-->(.*?)<!--\s*ZJEG_RSS\.content\.end\s*-->", re.S | re.I)
_DETAIL_RE = re.compile(r"DETAIL\s*[=:]\s*(\{)", re.S)


def _attr_int(value: str | None) -> int:
    """A ``rowspan``/``colspan`` value (absurd ones are clamped as browsers do: 65534)."""
    if not value:
        return 1
    m = re.search(r"\d+", value)
    if not m:
        return 1
    return min(int(m.group(0)[:6]), 65534)


def _is_hidden(el) -> bool:
    style = el.get("style")
    return bool(style and _HIDDEN_RE.search(style)) or el.get("hidden") is not None


class _Walker:
    """Collect paragraphs, tables and images from a container in reading order."""

    def __init__(self, base_url: str | None) -> None:
        self.blocks: list = []
        self.warnings: list[str] = []
        self.buf: list[str] = []
        self.table_count = 0
        self.base_url = base_url

    def flush(self) -> None:
        text = "".join(self.buf)
        self.buf = []
        for line in text.split("\n"):
            line = " ".join(line.replace("\xa0", " ").replace("\u3000", " ").split())
            if line and not _CHROME_RE.match(line):
                self.blocks.append(Paragraph(line))

    def walk(self, el) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None:  # comment / processing instruction
            if el.tail:
                self.buf.append(el.tail)
            return
        tag = tag.lower().split(":")[-1]
        if tag in SKIP_TAGS or _is_hidden(el):
            if el.tail:
                self.buf.append(el.tail)
            return
        if tag == "table":
            self.flush()
            if el.xpath(".//table"):
                # a layout table: read its cells as ordinary content
                for cell in el.xpath("./tr/td|./tr/th|./*/tr/td|./*/tr/th"):
                    self.walk_children(cell)
                    self.flush()
            else:
                self.add_table(el)
            if el.tail:
                self.buf.append(el.tail)
            return
        if tag == "br":
            self.buf.append("\n")
            if el.tail:
                self.buf.append(el.tail)
            return
        if tag == "img":
            self.flush()
            src = el.get("src") or el.get("data-src") or ""
            self.blocks.append(ImageBlock(urljoin(self.base_url or "", src), el.get("alt") or el.get("title") or ""))
            if el.tail:
                self.buf.append(el.tail)
            return
        block = tag in BLOCK_TAGS
        if block:
            self.flush()
        self.walk_children(el)
        if block:
            self.flush()
        if el.tail:
            self.buf.append(el.tail)

    def walk_children(self, el) -> None:
        if el.text:
            self.buf.append(el.text)
        for child in el:
            self.walk(child)

    def add_table(self, table) -> None:
        index = self.table_count
        self.table_count += 1
        rows: list[list[SourceCell]] = []
        grid = [tr.xpath("./td|./th") for tr in table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")]
        n = sum(len(tds) for tds in grid)
        if n > MAX_TABLE_CELLS:
            self.warnings.append(
                f"table t{index} has {n} cells, more than any report table ({MAX_TABLE_CELLS}); not read"
            )
            return
        for r, tds in enumerate(grid):
            cells: list[SourceCell] = []
            for c, td in enumerate(tds):
                cells.append(
                    SourceCell(
                        text=cell_text(td),
                        rowspan=_attr_int(td.get("rowspan")),
                        colspan=_attr_int(td.get("colspan")),
                        where=f"t{index}/r{r}/c{c}",
                        is_header=td.tag.lower() == "th",
                    )
                )
            rows.append(cells)
        if any(rows):
            self.blocks.append(SourceTable(rows, where=f"t{index}"))


def cell_text(td) -> str:
    """Text of a table cell; block boundaries (<p>, <br>, <div>) become "\\n"."""
    parts: list[str] = []

    def rec(el) -> None:
        tag = el.tag.lower().split(":")[-1] if isinstance(el.tag, str) else None
        if tag is None:
            if el.tail:
                parts.append(el.tail)
            return
        if tag in SKIP_TAGS or _is_hidden(el):
            if el.tail:
                parts.append(el.tail)
            return
        if tag == "br":
            parts.append("\n")
        else:
            block = tag in BLOCK_TAGS
            if block:
                parts.append("\n")
            if el.text:
                parts.append(el.text)
            for child in el:
                rec(child)
            if block:
                parts.append("\n")
        if el.tail:
            parts.append(el.tail)

    if td.text:
        parts.append(td.text)
    for child in td:
        rec(child)
    lines = [" ".join(line.replace("\u3000", " ").split(" ")).strip(" \t\r") for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line.strip("\xa0 \t"))


def _meta_tags(doc) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in doc.iter("meta"):
        name = m.get("name") or m.get("property") or m.get("itemprop")
        content = m.get("content")
        if name and content is not None and name not in out:
            out[name] = content.strip()
    return out


def _gkmlpt_detail(text: str) -> dict | None:
    """The ``_CONFIG.DETAIL`` object of a Guangdong gkmlpt detail page, if any."""
    for m in _DETAIL_RE.finditer(text):
        start = m.start(1)
        depth = 0
        in_str: str | None = None
        esc = False
        for i in range(start, min(len(text), start + 5_000_000)):
            ch = text[i]
            if in_str:
                if esc:
                    esc = False
                elif ch == "\\":
                    esc = True
                elif ch == in_str:
                    in_str = None
                continue
            if ch in "\"'":
                in_str = ch
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    blob = text[start : i + 1]
                    try:
                        data = json.loads(blob)
                    except ValueError:
                        break
                    if isinstance(data, dict) and any(k in data for k in ("content", "title")):
                        return data
                    break
    return None


def _container(doc):
    best = None
    for xp in CONTAINER_XPATHS:
        found = [el for el in doc.xpath(xp) if not _is_hidden(el)]
        if not found:
            continue
        # outermost, then the one with the most text
        found.sort(key=lambda el: -len(el.text_content() or ""))
        cand = found[0]
        if len((cand.text_content() or "").strip()) >= 40 or cand.xpath(".//table"):
            best = cand
            break
    if best is not None:
        return best
    return _densest(doc)


def _densest(doc):
    """Generic fallback: the element holding most non-link text in paragraphs and tables."""
    body = doc.find(".//body")
    root = body if body is not None else doc
    best, best_score = root, 0.0
    for el in root.iter("div", "td", "article", "section", "main"):
        if _is_hidden(el):
            continue
        text = el.text_content() or ""
        n = len(text.strip())
        if n < 100:
            continue
        link_text = sum(len(a.text_content() or "") for a in el.iter("a"))
        density = 1 - (link_text / n)
        paras = len(el.xpath("./p|./table|./div/p|./div/table"))
        score = n * density * density + paras * 50
        # prefer the deepest element that keeps most of the text
        if score > best_score * 1.02 or (best is not root and best in el.iterancestors() and score > best_score * 0.9):
            best, best_score = el, score
    return best


def _attachments(doc, base_url: str | None) -> list[Attachment]:
    out: list[Attachment] = []
    seen: set[str] = set()
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        url = urljoin(base_url or "", href)
        parts = urlsplit(url)
        qs = parse_qs(parts.query)
        if "viewer.html" in parts.path and qs.get("file"):
            url = urljoin(url, unquote(qs["file"][0]))
        kind = kind_of_url(url)
        is_download = "downfile" in parts.path.lower() or "download" in parts.path.lower()
        if kind not in ATTACHMENT_KINDS and not is_download:
            continue
        if url in seen:
            continue
        seen.add(url)
        out.append(Attachment(url, " ".join((a.text_content() or "").split()), kind))
    return out


def _title_candidates(doc, meta: dict[str, str]) -> list[str]:
    cands: list[str] = []
    for key in ("ArticleTitle", "articletitle", "title", "og:title", "dc.title", "DC.title"):
        if meta.get(key):
            cands.append(meta[key])
    for el in doc.xpath("//h1|//h2|//*[contains(@class,'title') or contains(@class,'Title') or contains(@id,'title')]"):
        if _is_hidden(el) or el.tag in ("head", "title"):
            continue
        t = " ".join((el.text_content() or "").split())
        if 4 <= len(t) <= 100:
            cands.append(t)
    title_el = doc.find(".//title")
    if title_el is not None and title_el.text:
        cands.append(" ".join(title_el.text.split()))
    return cands


_BOX_KEYS = (
    "发布机构",
    "发文机关",
    "发文单位",
    "来源",
    "信息来源",
    "索引号",
    "文号",
    "发布日期",
    "成文日期",
    "发布时间",
    "生成日期",
    "主题分类",
    "组配分类",
    "有效性",
    "名称",
    "公开方式",
    "公开范围",
    "体裁分类",
    "浏览次数",
    "作者",
)
_BOX_NEXT = "|".join(_BOX_KEYS)


def _box_fields(text: str) -> dict[str, str]:
    """Fields of the metadata box before the title (发布机构, 索引号, 发布日期 …).

    A value ends at whitespace or where the next field's label starts (cells of a box table are
    often glued together in the page text).
    """
    out: dict[str, str] = {}
    for key in _BOX_KEYS[:10]:
        m = re.search(key + r"\s*[:：]\s*((?:(?!" + _BOX_NEXT + r")[^\s|｜]){2,40})", text)
        if m and key not in out:
            out[key] = m.group(1).strip()
    return out


# Limits of the tree (docs/report-format.md §8.8): Word-pasted pages nest unclosed <font>/<span>
# hundreds deep; deeper than MAX_DEPTH, inline wrappers (then block wrappers) are flattened,
# which keeps every text and table.  libxml2 itself stops reading at 2048 levels (huge_tree).
MAX_DEPTH = 200
MAX_ELEMENTS = 250_000  # a 100-page Word-pasted report page has ~50,000
_INLINE_WRAPPERS = ("font", "span", "b", "strong", "i", "em", "u", "s", "strike", "small", "big", "sup", "sub", "o:p")
_BLOCK_WRAPPERS = ("div", "section", "article", "center", "blockquote", "main", "header", "footer", "aside", "nav")
_WRAPPER_TAG_RE = {
    "inline": re.compile(r"</?(?:" + "|".join(re.escape(t) for t in _INLINE_WRAPPERS) + r")(?:\s[^>]*)?/?>", re.I),
    "block": re.compile(r"</?(?:" + "|".join(_BLOCK_WRAPPERS) + r")(?:\s[^>]*)?/?>", re.I),
}


def _tree_shape(root) -> tuple[int, int]:
    """(elements, greatest depth) of a parsed tree."""
    depth = deepest = count = 0
    for event, _el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            count += 1
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return count, deepest


def _parse(source: str):
    """(tree, cut): ``cut`` when libxml2 stopped reading at its depth limit."""
    parser = lxml_html.HTMLParser(huge_tree=True)
    root = lxml_html.document_fromstring(source or "<html></html>", parser=parser)
    return root, any("Excessive depth" in e.message for e in parser.error_log)


def _parse_tree(text: str, warnings: list[str]):
    """The page's tree, read whole: a page libxml2 stops reading (2048 levels) is read again
    without its wrapper tags, too deep a tree is flattened (both with a warning), what is still
    cut off is named in a warning, and what cannot be flattened is refused."""
    try:
        root, cut = _parse(text)
        stripped = False
        for stage in ("inline", "block"):
            if not cut:
                break
            text = _WRAPPER_TAG_RE[stage].sub("", text)
            root, cut = _parse(text)
            stripped = True
    except (etree.ParserError, ValueError) as exc:
        warnings.append(f"HTML could not be parsed: {exc}")
        return lxml_html.document_fromstring("<html><body></body></html>")
    if cut:
        warnings.append("HTML nested more than 2048 levels deep: the page is read only up to that depth")
    elements, depth = _tree_shape(root)
    if elements > MAX_ELEMENTS:
        raise ExtractionError(
            f"HTML page has {elements} elements, more than any report page ({MAX_ELEMENTS}); not read"
        )
    if depth > MAX_DEPTH:
        depth = _flatten(root)
        if depth > MAX_DEPTH:
            raise ExtractionError(f"HTML nested {depth} levels deep even without its wrapper tags; not read")
        stripped = True
    if stripped:
        warnings.append(f"HTML nested more than {MAX_DEPTH} levels deep: wrapper tags were flattened to read it")
    return root


def _flatten(root) -> int:
    """Drop wrapper tags (their text and children stay): first the anonymous ones (no id, no
    class: the containers of docs/portals.md §3 survive), then any.  Returns the new depth."""
    for el in list(root.iter(*_INLINE_WRAPPERS, *_BLOCK_WRAPPERS)):
        if el.get("id") is None and el.get("class") is None and el.getparent() is not None:
            el.drop_tag()
    depth = _tree_shape(root)[1]
    if depth > MAX_DEPTH:
        etree.strip_tags(root, *_INLINE_WRAPPERS, *_BLOCK_WRAPPERS)
        depth = _tree_shape(root)[1]
    return depth


def _base_url(root, url: str | None) -> str | None:
    """``<base href>`` when it stays on the page's host (an archived page's base must not move its
    links off the portal), else the page's URL."""
    base = root.find(".//base")
    href = (base.get("href") or "").strip() if base is not None else ""
    if not href:
        return url
    joined = urljoin(url or "", href)
    if url and urlsplit(joined).netloc.lower() != urlsplit(url).netloc.lower():
        return url
    return joined


def parse_html(data: bytes, content_type: str | None = None, url: str | None = None) -> Document:
    """Parse an HTML report page into a :class:`Document`.

    Raises :class:`ExtractionError` for pages no report can be (more than
    :data:`MAX_ELEMENTS` elements, nested beyond reading)."""
    try:
        return _parse_html(data, content_type, url)
    except (etree.LxmlError, RecursionError) as exc:
        raise ExtractionError(f"HTML page cannot be read: {type(exc).__name__}: {exc}") from exc


def _parse_html(data: bytes, content_type: str | None, url: str | None) -> Document:
    text, encoding, warnings = decode_bytes(data, content_type, html=True)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    doc_warnings = list(warnings)
    root = _parse_tree(text, doc_warnings)
    base_url = _base_url(root, url)
    meta = _meta_tags(root)
    detail = _gkmlpt_detail(text) if "DETAIL" in text else None
    zjeg = _ZJEG_RE.search(text)
    container = None
    if zjeg:
        container = lxml_html.fragment_fromstring(zjeg.group(1), create_parent="div")
    elif detail and isinstance(detail.get("content"), str) and detail["content"].strip():
        container = lxml_html.fragment_fromstring(detail["content"], create_parent="div")
    if container is None:
        container = _container(root)
        # a container that misses the report's statistical tables is the wrong one
        outside = [
            t
            for t in root.iter("table")
            if container not in t.iterancestors()
            and t is not container
            and _STAT_TABLE_RE.search(t.text_content() or "")
        ]
        if outside:
            inside = any(_STAT_TABLE_RE.search(t.text_content() or "") for t in container.iter("table"))
            if not inside:
                body = root.find(".//body")
                container = body if body is not None else root
    walker = _Walker(base_url)
    walker.walk_children(container)
    walker.flush()
    page_text = " ".join((root.text_content() or "").split()) if root is not None else ""
    box = _box_fields(page_text[:20000])
    for k, v in box.items():
        meta.setdefault(k, v)
    if detail:
        for src, dst in (("title", "ArticleTitle"), ("publisher", "发布机构"), ("identifier", "索引号")):
            if isinstance(detail.get(src), str) and detail[src]:
                meta.setdefault(dst, detail[src])
    published: str | None = None
    for key in (
        "PubDate",
        "pubdate",
        "publishdate",
        "PublishDate",
        "firstpublishedtime",
        "article:published_time",
        "pubDate",
    ):
        if meta.get(key):
            published = parse_date(meta[key])
            if published:
                break
    if not published and detail:
        for key in ("date", "publish_time", "created_at", "pubDate", "display_publish_time"):
            stamp = detail.get(key)
            if isinstance(stamp, (int, float)) and stamp > 10**9:
                published = datetime.fromtimestamp(stamp if stamp < 10**11 else stamp / 1000, tz=UTC).date().isoformat()
                break
            if isinstance(stamp, str) and parse_date(stamp):
                published = parse_date(stamp)
                break
    if not published:
        published = published_from_text(page_text[:20000])
    canonical = meta.get("Url") or meta.get("url")
    link = root.xpath("//link[@rel='canonical']/@href")
    if not canonical and link:
        canonical = urljoin(base_url or "", link[0])
    # a list page links many report titles; a report page links few
    report_links = {
        " ".join((a.text_content() or "").split())
        for a in root.iter("a")
        if re.search(r"(?:19|20)\d{2}.{0,30}(?:年度报告|年报)", a.text_content() or "")
    }
    meta["nianbao:report_links"] = str(len(report_links))
    title = meta.get("ArticleTitle") or (
        detail.get("title") if detail and isinstance(detail.get("title"), str) else None
    )
    doc_warnings += walker.warnings
    return Document(
        blocks=walker.blocks,
        title=title,
        title_candidates=_title_candidates(root, meta),
        meta=meta,
        published=published,
        attachments=_attachments(root, base_url),
        canonical_url=canonical,
        carrier="html",
        encoding=encoding,
        warnings=doc_warnings,
    )

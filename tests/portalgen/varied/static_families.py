"""Families whose lists are HTML pages: TRS WCM (``createPageHTML``), VSB 博达 (count-down pagers,
town hubs) and plain sites with no known CMS (``list_2.html`` or ``?page=2``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from portalgen.varied import markup as m
from portalgen.varied.base import Builder
from portalgen.varied.content import Doc
from portalgen.varied.model import Unit


@dataclass
class ListNode:
    """A list (column or sub-column): its label, first page, documents and sub-lists."""

    name: str
    path: str
    docs: list[Doc] = field(default_factory=list)
    children: list[ListNode] = field(default_factory=list)
    key: str = ""


def split(builder: Builder, root: ListNode, layout: str, path_of, reports: list[Doc]) -> None:
    """Sub-lists of ``root`` by ``layout`` (flat | publisher | year | unit); ``path_of(key)`` gives a
    sub-list's first page.  Pages about reports stay in the root list."""
    if layout == "flat":
        root.docs += reports
        return
    groups: dict[str, tuple[str, list[Doc]]] = {}
    for doc in reports:
        if layout == "publisher":
            key, name = {"county": ("xj", "县政府"), "department": ("bm", "县直部门"), "town": ("xz", "乡镇（街道）")}[
                doc.unit.level
            ]
        elif layout == "year":
            key, name = f"{doc.year}n", f"{doc.year}年"
        else:
            key, name = doc.unit.key, doc.unit.short
        groups.setdefault(key, (name, []))[1].append(doc)
    for key in sorted(groups, reverse=layout == "year"):
        name, docs = groups[key]
        root.children.append(ListNode(name, path_of(key), docs, key=key))


def paginate(items: list, per_page: int) -> list[list]:
    return [items[i : i + per_page] for i in range(0, len(items), per_page)] or [[]]


def newest_first(docs: list[Doc]) -> list[Doc]:
    return sorted(docs, key=lambda d: (d.published, d.doc_id), reverse=True)


class StaticBuilder(Builder):
    """Shared by the static families: a 年报 column tree, its list pages, detail pages."""

    def column_layout(self) -> str:
        return self.rng.choice(("flat", "publisher", "year", "unit"))

    def entries(self, docs: list[Doc], from_path: str) -> list[m.Entry]:
        out = []
        for doc in newest_first(docs):
            target = doc.extra.get("list_path", doc.path)
            href = self.href(target, from_path)
            out.append(m.Entry(doc.title, self.session(href), doc.published.strftime("%Y-%m-%d")))
        return out

    def home(self, links: list[tuple[str, str]], blocks: list[tuple[str, list[m.Entry]]]) -> str:
        inner = "".join(
            f'<div class="block"><h3>{m.esc(t)}</h3>{m.entries_html(self.look, es)}</div>' for t, es in blocks
        )
        quick = "".join(f'<a href="{m.esc(h)}">{m.esc(t)}</a> ' for t, h in links + self.trap_links("home"))
        return self.shell("首页", f'<div class="quick">{quick}</div>{self.calendar_widget()}{inner}', self.nav())


# ----------------------------------------------------------------------------- TRS WCM


class TrsBuilder(StaticBuilder):
    """TRS WCM: ``…/zfxxgknb/index.html`` + ``index_N.html`` from ``createPageHTML``; ``YYYYMM/tYYYYMMDD_id.html``."""

    family = "trs"

    def place(self) -> None:
        rng = self.rng
        self.area = rng.choice(("/zwgk/", "/zfxxgk/", "/xxgk/"))
        self.ext = rng.choice(("html", "htm", "shtml"))
        token = rng.choice(("zfxxgknb", "xxgknb", "gknb", "ndbg", "zfxxgkndbg", f"col{rng.randint(1000, 9999)}"))
        self.root = ListNode(self.look.column_text, f"{self.area}{token}/")
        self.layout = self.column_layout()
        self.portal.features.add(f"layout:{self.layout}")
        reports = [d for d in self.docs if d.is_report]
        split(self, self.root, self.layout, lambda key: f"{self.root.path}{key}/", reports)
        self.root.docs += [d for d in self.docs if not d.is_report]
        self.per_page = rng.randint(3, 6)
        self.pager = rng.choice(("plain", "vars", "element"))
        self.portal.features.add(f"pager:{self.pager}")
        self.wap_links = rng.random() < 0.3
        for node in [self.root, *self.root.children]:
            for doc in node.docs:
                folder = f"{node.path}{doc.published:%Y%m}/"
                doc.path = f"{folder}t{doc.published:%Y%m%d}_{doc.doc_id}.{self.ext}"
                doc.wap_path = doc.path.replace(f".{self.ext}", f"_wap.{self.ext}")
                if self.wap_links:
                    doc.extra["list_path"] = doc.wap_path
                if doc.carrier == "docx":
                    doc.carrier = "html+docx"  # TRS reports are pages; their files hang below them
        self.portal.features.add("wap_links" if self.wap_links else "wap_twins")
        self.pushed: list[tuple[Doc, str]] = []
        if self.root.children:  # reports of the sub-columns pushed to the column itself, under new URLs
            folder = self.root.path
            self.pushed = self.push_copies(
                [d for c in self.root.children for d in c.docs],
                lambda d: f"{folder}{d.published:%Y%m}/t{d.published:%Y%m%d}_{self.content.new_id()}.{self.ext}",
            )

    def nav(self) -> list[tuple[str, str]]:
        return [("首页", "/"), (self.look.area_text, self.area), ("政务动态", "/zwdt/"), ("互动交流", "/hdjl/")]

    def write(self) -> None:
        look = self.look
        self.add_page(self.www, "/index.html", self.home([], [("政务动态", [])]))
        self.add_page(self.www, "/", self.home([], [("政务动态", [])]))
        subs = [("政府信息公开指南", f"{self.area}zfxxgkzn/"), ("政府信息公开制度", f"{self.area}zfxxgkzd/"),
                ("法定主动公开内容", f"{self.area}fdzdgknr/"), (look.column_text, self.root.path)]  # fmt: skip
        links = "".join(f'<li><a href="{m.esc(self.href(h, self.area))}">{m.esc(t)}</a></li>' for t, h in subs)
        traps = "".join(f'<a href="{m.esc(h)}">{m.esc(t)}</a> ' for t, h in self.trap_links("area"))
        self.add_page(
            self.www, self.area, self.shell(look.area_text, f"<ul class='sub'>{links}</ul>{traps}", self.nav())
        )
        for _title, path in subs[:3]:
            self.add_page(self.www, path, self.shell(_title, "<p>暂无内容</p>", self.nav()))
        for node in self.root.children:
            self.write_list(node)
        self.write_list(self.root)  # after the sub-columns: its pushed copies show their files

    def write_list(self, node: ListNode) -> None:
        listed = newest_first(node.docs)
        if node is self.root:
            for doc, path in self.pushed:
                copy = Doc(doc.doc_id, doc.kind, doc.title, doc.unit, doc.published, doc.body, doc.sample, doc.carrier,
                           doc.year, doc.year_from, doc.show_date, doc.files, path)  # fmt: skip
                listed.append(copy)
                self.add_page(
                    self.www,
                    path,
                    self.detail_html(copy, [("首页", "/"), ("正文", "")], self.nav(), column_name=node.name),
                )
            listed = newest_first(listed)
        pages = paginate(listed, self.per_page)
        crumbs = [("首页", "/"), (self.look.area_text, self.area), (node.name, "")]
        subs = "".join(
            f'<li><a href="{m.esc(self.href(c.path, node.path))}">{m.esc(c.name)}</a></li>' for c in node.children
        )
        for i, chunk in enumerate(pages):
            name = "index" if i == 0 else f"index_{i}"
            path = f"{node.path}{name}.{self.ext}"
            script = self.pager_script(len(pages), i, len(listed))
            inner = (
                m.breadcrumb(crumbs)
                + (f"<ul class='subcolumns'>{subs}</ul>" if subs else "")
                + m.entries_html(self.look, self.entries(chunk, path))
                + f'<div class="page" id="page_div"></div>{m.script(script)}'
            )
            html = self.shell(node.name, inner, self.nav(), meta={"ColumnName": node.name})
            self.add_page(self.www, path, html)
            if i == 0:
                self.add_page(self.www, node.path, html)
        for doc in node.docs:
            self.write_detail(doc, node)

    def pager_script(self, count: int, current: int, records: int) -> str:
        ext = self.ext
        if self.pager == "vars":
            return f'var countPage = {count}//共多少页\nvar currentPage = {current};\ncreatePageHTML(countPage, currentPage, "index", "{ext}");'
        if self.pager == "element":
            return f"createPageHTML('page_div', {count}, {current}, 'index', '{ext}', {records});"
        return f'createPageHTML({count}, {current}, "index", "{ext}");'

    def write_detail(self, doc: Doc, node: ListNode) -> None:
        folder = doc.path.rsplit("/", 1)[0] + "/"
        self.add_files(doc, self.www, folder)
        crumbs = [
            ("首页", "/"),
            (self.look.area_text, self.area),
            (self.look.column_text, self.root.path),
            ("正文", ""),
        ]
        html = self.detail_html(doc, crumbs, self.nav(), column_name=node.name)
        self.add_page(self.www, doc.path, html)
        self.add_page(self.www, doc.wap_path, html.replace('class="header"', 'class="header wap"'))


# ----------------------------------------------------------------------------- VSB 博达


class VsbBuilder(StaticBuilder):
    """VSB: ``{col}.htm`` then ``{col}/{N-1}.htm`` … ``{col}/1.htm``; a hub of towns and one of
    departments, each unit with its own 年报 list; details ``/info/{colid}/{id}.htm``."""

    family = "vsb"
    url_dates = False

    def place(self) -> None:
        rng = self.rng
        self.per_page = rng.randint(2, 5)
        self.col_ids: dict[str, int] = {}
        county = [d for d in self.docs if d.unit.level == "county" or not d.is_report]
        self.lists: dict[str, ListNode] = {"xzf": ListNode(self.look.column_text, "/xxgk/zfxxgknb.htm", county)}
        self.hubs = {"town": rng.choice(("乡镇信息公开", "镇街信息公开", "乡镇（街道）信息公开", "乡镇政务公开")),
                     "department": rng.choice(("部门信息公开", "县直部门信息公开", "部门政务公开"))}  # fmt: skip
        for unit in self.units[1:]:
            hub = "xzxxgk" if unit.level == "town" else "bmxxgk"
            docs = [d for d in self.docs if d.unit is unit and d.is_report]
            self.lists[unit.key] = ListNode(
                rng.choice(("政府信息公开年报", "信息公开年报", "年度报告")), f"/xxgk/{hub}/{unit.key}/xxgknb.htm", docs
            )
        for key, node in self.lists.items():
            self.col_ids[key] = 1000 + len(self.col_ids) * 7 + rng.randint(0, 5)
            for doc in node.docs:
                doc.path = f"/info/{self.col_ids[key]}/{doc.doc_id}.htm"
                if doc.carrier == "docx":
                    doc.carrier = "html+docx"

    def nav(self) -> list[tuple[str, str]]:
        return [("首页", "/index.htm"), (self.look.area_text, "/xxgk.htm"), ("新闻中心", "/xwzx.htm")]

    def write(self) -> None:
        home = self.home([], [])
        self.add_page(self.www, "/index.htm", home)
        self.add_page(self.www, "/", home)
        area = [(self.look.column_text, "/xxgk/zfxxgknb.htm"), (self.hubs["town"], "/xxgk/xzxxgk.htm"),
                (self.hubs["department"], "/xxgk/bmxxgk.htm"), ("政府信息公开指南", "/xxgk/zn.htm")]  # fmt: skip
        traps = self.trap_links("area")
        links = "".join(
            f'<li><a href="{m.esc(self.href(h, "/xxgk.htm"))}">{m.esc(t)}</a></li>' for t, h in area + traps
        )
        self.add_page(self.www, "/xxgk.htm", self.shell(self.look.area_text, f"<ul>{links}</ul>", self.nav()))
        self.add_page(self.www, "/xxgk/zn.htm", self.shell("政府信息公开指南", "<p>指南</p>", self.nav()))
        for level, hub in (("town", "xzxxgk"), ("department", "bmxxgk")):
            units = [u for u in self.units if u.level == level]
            rows = "".join(
                f'<li><a href="{m.esc(self.href(f"/xxgk/{hub}/{u.key}.htm", f"/xxgk/{hub}.htm"))}">{m.esc(u.short if level == "town" else u.short.replace(self.county.name, ""))}</a></li>'
                for u in units
            )
            self.add_page(
                self.www, f"/xxgk/{hub}.htm", self.shell(self.hubs[level], f"<ul class='units'>{rows}</ul>", self.nav())
            )
            for u in units:
                cols = [
                    ("政府信息公开指南", f"/xxgk/{hub}/{u.key}/zn.htm"),
                    (self.lists[u.key].name, self.lists[u.key].path),
                ]
                inner = "".join(
                    f'<a href="{m.esc(self.href(h, f"/xxgk/{hub}/{u.key}.htm"))}">{m.esc(t)}</a> ' for t, h in cols
                )
                self.add_page(self.www, f"/xxgk/{hub}/{u.key}.htm", self.shell(u.name, inner, self.nav()))
        for key, node in self.lists.items():
            self.write_list(key, node)

    def page_path(self, node: ListNode, k: int, pages: int) -> str:
        """Page ``k`` (1-based) of a count-down list."""
        if k == 1:
            return node.path
        return f"{node.path[: -len('.htm')]}/{pages - k + 1}.htm"

    def write_list(self, key: str, node: ListNode) -> None:
        chunks = paginate(newest_first(node.docs), self.per_page)
        total = len(chunks)
        for k, chunk in enumerate(chunks, start=1):
            path = self.page_path(node, k, total)
            links = []
            if k > 1:
                links += [("首页", self.page_path(node, 1, total)), ("上页", self.page_path(node, k - 1, total))]
            if k < total:
                links += [("下页", self.page_path(node, k + 1, total)), ("尾页", self.page_path(node, total, total))]
            pager = " ".join(f'<a href="{m.esc(self.href(h, path))}" class="Next">{t}</a>' for t, h in links)
            pager = f'<table class="pb_sys_common"><tr><td>共{len(node.docs)}条&nbsp;&nbsp;{k}/{total}&nbsp;{pager}</td></tr></table>'
            inner = m.entries_html(self.look, self.entries(chunk, path)) + pager
            self.add_page(self.www, path, self.shell(node.name, inner, self.nav()))
        for doc in node.docs:
            if doc.carrier != "html":
                kind = "pdf" if doc.carrier.endswith("pdf") else "docx"
                fid = doc.doc_id * 3
                target = f"/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner={fid}&wbfileid={fid + 1}"
                doc.files.append((target, f"{doc.title}.{kind}", kind))
                self.www.add(target, self.content.file_bytes(doc, kind), "application/octet-stream")
            crumbs = [("首页", "/index.htm"), (self.look.area_text, "/xxgk.htm"), (node.name, node.path), ("正文", "")]
            self.add_page(self.www, doc.path, self.detail_html(doc, crumbs, self.nav(), column_name=node.name))


# ----------------------------------------------------------------------------- plain sites


class PlainBuilder(StaticBuilder):
    """No known CMS: ``/xxgk/ndbg/list.html`` + ``list_2.html`` or ``list.php?cid=N&page=2``; details
    ``/xxgk/ndbg/{YYYYMM}/{id}.html`` or ``show.php?id=N``; year-less titles are common."""

    family = "plain"

    def place(self) -> None:
        rng = self.rng
        self.dynamic = rng.random() < 0.5
        self.url_dates = not self.dynamic
        self.per_page = rng.randint(4, 8)
        self.col = rng.choice(("/xxgk/ndbg/", "/zwgk/nb/", "/gk/nianbao/"))
        self.area = self.col.rsplit("/", 2)[0] + "/"
        self.portal.features.add("plain:" + ("dynamic" if self.dynamic else "static"))
        for doc in self.docs:
            if doc.carrier == "docx":  # listed as the file itself, no page
                doc.path = f"/uploadfiles/{doc.published:%Y%m}/{doc.doc_id}.docx"
            elif self.dynamic:
                doc.path = f"/show.php?id={doc.doc_id}"
            else:
                doc.path = f"{self.col}{doc.published:%Y%m}/{doc.doc_id}.html"

    def nav(self) -> list[tuple[str, str]]:
        return [("网站首页", "/index.html"), (self.look.area_text, self.area), ("政务要闻", "/news/")]

    def list_path(self, n: int) -> str:
        if self.dynamic:
            return f"/list.php?cid=12&page={n}" if n > 1 else "/list.php?cid=12"
        return f"{self.col}list.html" if n == 1 else f"{self.col}list_{n}.html"

    def write(self) -> None:
        home = self.home([], [])
        self.add_page(self.www, "/index.html", home)
        self.add_page(self.www, "/", home)
        area = [("公开指南", f"{self.area}zn.html"), (self.look.column_text, self.list_path(1))] + self.trap_links(
            "area"
        )
        links = "".join(f'<p><a href="{m.esc(self.href(h, self.area))}">{m.esc(t)}</a></p>' for t, h in area)
        self.add_page(self.www, self.area, self.shell(self.look.area_text, links, self.nav()))
        self.add_page(self.www, f"{self.area}zn.html", self.shell("公开指南", "<p>指南</p>", self.nav()))
        chunks = paginate(newest_first(self.docs), self.per_page)
        for n, chunk in enumerate(chunks, start=1):
            path = self.list_path(n)
            inner = m.entries_html(self.look, self.entries(chunk, path)) + m.pager(
                self.look, n, len(chunks), lambda k, here=path: self.href(self.list_path(k), here)
            )
            self.add_page(self.www, path, self.shell(self.look.column_text, inner, self.nav()))
        for doc in self.docs:
            if doc.carrier == "docx":
                self.www.add(doc.path, self.content.file_bytes(doc, "docx"), "application/octet-stream")
                continue
            if doc.carrier != "html":
                kind = "pdf" if doc.carrier.endswith("pdf") else "docx"
                target = f"/uploadfiles/{doc.published:%Y%m}/{doc.doc_id}.{kind}"
                doc.files.append((target, f"{doc.title}.{kind}", kind))
                self.www.add(target, self.content.file_bytes(doc, kind), "application/octet-stream")
            crumbs = [("首页", "/index.html"), (self.look.column_text, self.list_path(1)), ("详情", "")]
            self.add_page(self.www, doc.path, self.detail_html(doc, crumbs, self.nav()))


def units_named(units: list[Unit], level: str) -> list[Unit]:
    return [u for u in units if u.level == level]

"""Families a crawler must read scripts for: Lonsun / 南威 信息公开目录 (a JavaScript column tree,
unit selectors, ``list.jsp`` / ``pageIndex`` lists with ``javascript:goPage(n)`` pagers) and
provincial intensive platforms (集约化: the county's departments and towns on another host shared
with a neighbour county, lists from ``POST`` JSON APIs called by page scripts)."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import parse_qs

from portalgen.sites import Reply, Request
from portalgen.varied import markup as m
from portalgen.varied.base import Builder
from portalgen.varied.content import Content, Doc
from portalgen.varied.model import COUNTIES, Host, Unit, unit_of
from portalgen.varied.static_families import newest_first, paginate

# ----------------------------------------------------------------------------- Lonsun 信息公开目录


class LonsunBuilder(Builder):
    """Lonsun: each unit's catalogue ``/public/column/{organ}?type=2`` shows a column tree written by
    script; lists ``/public/column/{organ}?type=4&catId={c}&action=list`` (or ``/public/{organ}/list.jsp
    ?catId={c}``) with ``&pageIndex=N``; details ``/public/{organ}/{id}.html``."""

    family = "lonsun"
    url_dates = False

    def place(self) -> None:
        rng = self.rng
        self.list_style = rng.choice(("column", "jsp"))
        self.tree_style = rng.choice(("url", "template", "html"))
        self.units_style = rng.choice(("js", "select", "links"))
        self.pager_style = rng.choice(("js", "href"))
        self.per = rng.randint(3, 5)
        self.portal.features |= {f"lonsun:{self.list_style}", f"tree:{self.tree_style}", f"units:{self.units_style}",
                                 f"pager:{self.pager_style}"}  # fmt: skip
        self.info: dict[str, dict] = {}
        for i, unit in enumerate(self.units):
            organ = 6596 + i * 7 + rng.randint(0, 5)
            docs = [d for d in self.docs if d.unit is unit or (unit.level == "county" and not d.is_report)]
            self.info[unit.key] = {
                "unit": unit,
                "organ": organ,
                "cat": 7035900 + rng.randint(0, 99) + i * 100,
                "docs": docs,
            }
            for doc in docs:
                doc.path = f"/public/{organ}/{doc.doc_id * 7}.html"
                if doc.carrier == "docx":
                    doc.carrier = "html+docx"

    def catalogue(self, info: dict) -> str:
        return f"/public/column/{info['organ']}?type=2"

    def list_url(self, info: dict, n: int = 1) -> str:
        if self.list_style == "jsp":
            base = f"/public/{info['organ']}/list.jsp?catId={info['cat']}"
        else:
            base = f"/public/column/{info['organ']}?type=4&catId={info['cat']}&action=list"
        return base + (f"&pageIndex={n}" if n > 1 else "")

    def nav(self) -> list[tuple[str, str]]:
        return [("首页", "/"), (self.look.area_text, self.catalogue(self.info["xzf"])), ("政务动态", "/news/")]

    def write(self) -> None:
        quick = "".join(f'<a href="{m.esc(h)}">{m.esc(t)}</a> ' for t, h in self.trap_links("home"))
        home = self.shell("首页", f'<div class="quick">{quick}</div>{self.calendar_widget()}', self.nav())
        self.add_page(self.www, "/", home)
        self.add_page(self.www, "/index.html", home)
        for info in self.info.values():
            self.write_catalogue(info)
            self.write_list(info)

    def tree(self, info: dict) -> tuple[str, str]:
        """The column tree (HTML container, script) in the portal's style."""
        rng, look = self.rng, self.look
        cat = info["cat"]
        name = rng.choice(("政府信息公开年报", "信息公开年报", "年度报告"))
        nodes = [{"id": cat - 50, "pId": 0, "name": "信息公开目录", "isParent": True},
                 {"id": cat - 40, "pId": cat - 50, "name": "信息公开指南"},
                 {"id": cat - 30, "pId": cat - 50, "name": "法定主动公开内容", "isParent": True},
                 {"id": cat, "pId": cat - 50, "name": name}]  # fmt: skip
        for n in nodes[1:3]:  # the other columns: lists of their own (nothing to do with reports)
            self.add_page(
                self.www,
                self.list_url({**info, "cat": n["id"]}),
                self.shell(n["name"], "<ul class='list'></ul>", self.nav()),
            )
        if self.tree_style == "html":
            links = "".join(
                f'<li><a href="{m.esc(self.session(self.list_url({**info, "cat": n["id"]})))}">{m.esc(n["name"])}</a></li>'
                for n in nodes[1:]
            )
            root = f'<li><a href="{m.esc(self.catalogue(info))}">信息公开目录</a></li>'
            return f'<ul id="tree" class="ztree">{root}{links}</ul>', ""
        if self.tree_style == "url":
            for n in nodes:
                n["url"] = self.list_url({**info, "cat": n["id"]}) if n["pId"] else self.catalogue(info)
            code = f"var zNodes = {m.js(nodes, look.js)};\n$.fn.zTree.init($('#tree'), setting, zNodes);"
            return '<ul id="tree" class="ztree"></ul>', code
        if self.list_style == "jsp":
            target = "'/public/' + organId + '/list.jsp?catId=' + treeNode.id"
        else:
            target = "'/public/column/' + organId + '?type=4&catId=' + treeNode.id + '&action=list'"
        code = (
            f"var organId = {info['organ']};\nvar zNodes = {m.js(nodes, look.js)};\n"
            "var setting = { data: { simpleData: { enable: true } }, callback: { onClick: function(event, treeId, treeNode) {\n"
            f"  if (!treeNode.isParent) {{ location.href = {target}; }}\n}} }} }};\n"
            "$.fn.zTree.init($('#tree'), setting, zNodes);"
        )
        return '<ul id="tree" class="ztree"></ul>', code

    def units_block(self) -> tuple[str, str]:
        look = self.look
        units = [i for i in self.info.values() if i["unit"].level != "county"]
        label = lambda i: i["unit"].short.replace(self.county.name, "")
        if self.units_style == "js":
            data = [{"organId": i["organ"], "name": label(i), "link": self.catalogue(i)} for i in units]
            code = (f"var organList = {m.js(data, look.js)};\nfor (var i = 0; i < organList.length; i++) {{\n"
                    "  $('#organs').append('<li onclick=\"go(' + i + ')\">' + organList[i].name + '</li>');\n}")  # fmt: skip
            return '<ul id="organs"></ul>', code
        if self.units_style == "select":
            options = "".join(f'<option value="{m.esc(self.catalogue(i))}">{m.esc(label(i))}</option>' for i in units)
            return (
                f'<select id="organ" onchange="if(this.value) location.href=this.value"><option value="">请选择单位</option>{options}</select>',
                "",
            )
        links = "".join(
            f'<li><a href="{m.esc(self.session(self.catalogue(i)))}">{m.esc(label(i))}</a></li>' for i in units
        )
        return f'<ul class="organ-list">{links}</ul>', ""

    def write_catalogue(self, info: dict) -> None:
        tree_html, tree_code = self.tree(info)
        inner = f"<h2>{m.esc(info['unit'].name)}信息公开目录</h2>{tree_html}"
        codes = [tree_code]
        if info["unit"].level == "county":
            units_html, units_code = self.units_block()
            inner += f"<div class='organs'><h3>部门和乡镇</h3>{units_html}</div>"
            codes.append(units_code)
            inner += "".join(f'<a href="{m.esc(h)}">{m.esc(t)}</a> ' for t, h in self.trap_links("area"))
        inner += "".join(m.script(c) for c in codes if c)
        self.add_page(self.www, self.catalogue(info), self.shell(f"{info['unit'].name}信息公开目录", inner, self.nav()))

    def write_list(self, info: dict) -> None:
        chunks = paginate(newest_first(info["docs"]), self.per)
        total = len(chunks)
        for n, chunk in enumerate(chunks, start=1):
            url = self.list_url(info, n)
            entries = [m.Entry(d.title, self.session(d.path), d.published.strftime("%Y-%m-%d")) for d in chunk]
            pager = ""
            if total > 1:
                if self.pager_style == "js":
                    links = [("首页", 1), ("上一页", max(1, n - 1)), ("下一页", min(total, n + 1)), ("尾页", total)]
                    pager = " ".join(f'<a href="javascript:;" onclick="goPage({k})">{t}</a>' for t, k in links)
                    first = self.list_url(info, 2).rsplit("=", 1)[0] + "="
                    pager += m.script(f"function goPage(n) {{ location.href = '{first}' + n; }}")
                else:
                    links = [("首页", 1), ("上一页", max(1, n - 1)), ("下一页", min(total, n + 1)), ("尾页", total)]
                    pager = " ".join(f'<a href="{m.esc(self.list_url(info, k))}">{t}</a>' for t, k in links)
                pager = f'<div class="pagination">共{total}页 当前第{n}页 {pager}</div>'
            inner = m.entries_html(self.look, entries) + pager
            self.add_page(self.www, url, self.shell(info["unit"].name, inner, self.nav()))
        for doc in info["docs"]:
            crumbs = [("首页", "/"), (info["unit"].name, self.catalogue(info)), ("正文", "")]
            self.add_files(doc, self.www, "/uploads/")
            self.add_page(self.www, doc.path, self.detail_html(doc, crumbs, self.nav()))


# ----------------------------------------------------------------------------- 集约化 platform


class JyhBuilder(Builder):
    """A county site whose departments and towns publish on a provincial platform (another host):
    ``{prefix}/bmxxgk/`` and ``{prefix}/xzxxgk/`` unit directories, unit pages, 年报 lists loaded
    by ``POST`` JSON from the page script; a neighbour county on the same platform; a spam mirror."""

    family = "jyh"
    roles = ("www", "platform", "mirror")

    def place(self) -> None:
        rng = self.rng
        self.neighbour = rng.choice([c for c in COUNTIES if c is not self.county])
        self.portal.neighbour = self.neighbour
        style = rng.choice(("site", "abbr", "code"))
        self.prefix = {
            "site": f"/site/{self.county.code}",
            "abbr": f"/{self.county.abbr}",
            "code": f"/{self.county.code}",
        }[style]
        nb = self.neighbour
        self.nprefix = {"site": f"/site/{nb.code}", "abbr": f"/{nb.abbr}", "code": f"/{nb.code}"}[style]
        self.api = rng.choice(("/api/jyh/list", "/common/search/list", "/gov/content/queryList"))
        self.call = rng.choice(("ajax", "post", "fetch"))
        self.answer = rng.choice(("flat", "nested", "rows"))
        self.identity = rng.choice(("meta", "sitename", "crumbs"))
        self.per = rng.randint(3, 5)
        self.portal.features |= {
            f"jyh:{style}",
            f"call:{self.call}",
            f"answer:{self.answer}",
            f"identity:{self.identity}",
        }
        # the neighbour's units and reports (never to be crawled)
        ncontent = Content(rng, nb)
        self.nunits = [unit_of(nb, "department", d, f"bm{i + 1:02d}") for i, d in enumerate(("教育局", "民政局"))]
        self.nunits += [unit_of(nb, "town", t, f"xz{i + 1:02d}") for i, t in enumerate(nb.towns[:2])]
        self.ndocs = [ncontent.report(u, 2023, yearless=False, carrier="html") for u in self.nunits]
        self.columns: dict[str, int] = {}
        for unit in self.units + self.nunits:
            self.columns[id(unit)] = rng.randint(100, 999) * 10 + len(self.columns)
        for doc in self.docs + self.ndocs:
            if doc.carrier == "docx":
                doc.carrier = "html+docx"
            if doc in self.ndocs or doc.unit.level != "county":
                doc.host = "platform"
                prefix = self.nprefix if doc in self.ndocs else self.prefix
                hexid = hashlib.md5(f"{doc.doc_id}".encode()).hexdigest()
                doc.path = f"{prefix}/{doc.unit.key}/c{self.columns[id(doc.unit)]}/{doc.published:%Y%m}/{hexid}.shtml"
            else:
                doc.path = f"/zwgk/nb/{doc.published:%Y%m}/t{doc.published:%Y%m%d}_{doc.doc_id}.html"

    def nav(self) -> list[tuple[str, str]]:
        return [("首页", "/"), (self.look.area_text, "/zwgk/"), ("政务服务", "/zwfw/")]

    def write(self) -> None:
        look = self.look
        platform = self.hosts["platform"]
        self.portal.forbidden.append(platform.url(self.nprefix + "/"))
        county_docs = newest_first([d for d in self.docs if d.host == "www"])
        quick = "".join(f'<a href="{m.esc(h)}">{m.esc(t)}</a> ' for t, h in self.trap_links("home"))
        home = self.shell("首页", f'<div class="quick">{quick}</div>{self.calendar_widget()}', self.nav())
        self.add_page(self.www, "/", home)
        self.add_page(self.www, "/index.html", home)
        links = [(look.column_text, "/zwgk/nb/"), ("部门信息公开", platform.url(f"{self.prefix}/bmxxgk/index.html")),
                 ("乡镇信息公开", platform.url(f"{self.prefix}/xzxxgk/index.html"))]  # fmt: skip
        rows = "".join(f'<li><a href="{m.esc(h)}">{m.esc(t)}</a></li>' for t, h in links)
        traps = "".join(f'<a href="{m.esc(h)}">{m.esc(t)}</a> ' for t, h in self.trap_links("area"))
        self.add_page(self.www, "/zwgk/", self.shell(look.area_text, f"<ul>{rows}</ul>{traps}", self.nav()))
        chunks = paginate(county_docs, self.per)
        for n, chunk in enumerate(chunks, start=1):
            path = "/zwgk/nb/" if n == 1 else f"/zwgk/nb/index_{n - 1}.html"
            entries = [m.Entry(d.title, d.path, d.published.strftime("%Y-%m-%d")) for d in chunk]
            pager = m.pager(look, n, len(chunks), lambda k: "/zwgk/nb/" if k == 1 else f"/zwgk/nb/index_{k - 1}.html")
            self.add_page(
                self.www, path, self.shell(look.column_text, m.entries_html(look, entries) + pager, self.nav())
            )
        for doc in county_docs:
            self.add_files(doc, self.www, doc.path.rsplit("/", 1)[0] + "/")
            self.add_page(
                self.www, doc.path, self.detail_html(doc, [("首页", "/"), (look.column_text, "/zwgk/nb/")], self.nav())
            )
        self.write_platform(
            platform, self.county, self.prefix, self.units[1:], [d for d in self.docs if d.host == "platform"]
        )
        self.write_platform(platform, self.neighbour, self.nprefix, self.nunits, self.ndocs)
        platform.add_handler(self.api, self._api)
        self.write_mirror()

    def platform_shell(self, county, prefix: str, title: str, inner: str) -> str:
        """A platform page: the platform's chrome, the county named as the identity style says."""
        meta = {"SiteName": f"{county.province}政务公开平台"}
        if self.identity == "meta":
            meta["SiteIDCode"] = county.site_code
        elif self.identity == "sitename":
            meta["SiteName"] = county.government
        crumbs = m.breadcrumb([("首页", f"{prefix}/index.html"), (county.name, f"{prefix}/index.html"), (title, "")])
        others = f'<div class="others">周边区县：<a href="{self.nprefix if prefix == self.prefix else self.prefix}/index.html">{m.esc((self.neighbour if prefix == self.prefix else self.county).name)}</a></div>'
        body = f'<div class="header"><div class="logo">{m.esc(county.province)}政务公开平台</div></div>{crumbs}<div class="main">{inner}</div>{others}'
        return m.page(self.look, f"{title}_{county.name}", body, "", meta)

    def write_platform(self, host: Host, county, prefix: str, units: list[Unit], docs: list[Doc]) -> None:
        look = self.look
        home_links = [("部门信息公开", f"{prefix}/bmxxgk/index.html"), ("乡镇信息公开", f"{prefix}/xzxxgk/index.html")]
        home = "".join(f'<a href="{h}">{m.esc(t)}</a> ' for t, h in home_links)
        host.add(f"{prefix}/index.html", self.platform_shell(county, prefix, "政务公开", home))
        for hub, level, title in (("bmxxgk", "department", "部门信息公开"), ("xzxxgk", "town", "乡镇信息公开")):
            rows = "".join(
                f'<li><a href="{prefix}/{u.key}/index.html">{m.esc(u.short.replace(county.name, ""))}</a></li>'
                for u in units
                if u.level == level
            )
            host.add(f"{prefix}/{hub}/index.html", self.platform_shell(county, prefix, title, f"<ul>{rows}</ul>"))
        for unit in units:
            col = self.columns[id(unit)]
            cols = [
                ("信息公开指南", f"{prefix}/{unit.key}/zn/index.html"),
                (
                    self.rng.choice(("政府信息公开年报", "信息公开年报", "年度报告")),
                    f"{prefix}/{unit.key}/c{col}/index.html",
                ),
            ]
            inner = f"<h2>{m.esc(unit.name)}</h2>" + "".join(f'<a href="{h}">{m.esc(t)}</a> ' for t, h in cols)
            host.add(f"{prefix}/{unit.key}/index.html", self.platform_shell(county, prefix, unit.name, inner))
            host.add(
                f"{prefix}/{unit.key}/zn/index.html", self.platform_shell(county, prefix, "信息公开指南", "<p>指南</p>")
            )
            host.add(
                f"{prefix}/{unit.key}/c{col}/index.html",
                self.platform_shell(county, prefix, unit.name, self.list_script(county, col)),
            )
        for doc in docs:
            self.add_files(doc, host, f"/upload/{doc.published:%Y%m}/")
            iso = doc.published.strftime("%Y-%m-%d") if doc.show_date and look.show_date else ""
            box = m.meta_box(look, doc.title, doc.unit.name, iso, f"{county.code}-{doc.doc_id}")
            files = [(text, path) for path, text, _ in doc.files]
            inner = m.detail_body(look, doc.title, doc.body, box, files, [])
            host.add(doc.path, self.platform_shell(county, prefix, doc.title, inner))

    def list_script(self, county, col: int) -> str:
        """The empty list of a unit's 年报 column and the script that fills it from the API."""
        style = self.look.js
        data = {"siteCode": county.site_code, "columnId": col, "pageNo": 1, "pageSize": self.per}
        if self.call == "ajax":
            code = (f"$.ajax({{ url: '{self.api}', type: 'POST', dataType: 'json', data: {m.js(data, style, 1)},\n"
                    "  success: function(res) { render(res); } });")  # fmt: skip
        elif self.call == "post":
            code = f"$.post('{self.api}', {m.js(data, style, 1)}, function(res) {{ render(res); }}, 'json');"
        else:
            code = (f"fetch('{self.api}', {{ method: 'POST', headers: {{ 'Content-Type': 'application/json' }},\n"
                    f"  body: JSON.stringify({m.js(data, style, 1)}) }}).then(function(r) {{ return r.json(); }}).then(render);")  # fmt: skip
        return '<ul id="list" class="list"></ul><div id="pager"></div>' + m.script(code)

    def _api(self, req: Request) -> Reply:
        if req.method != "POST":
            return Reply(405, [("Content-Type", "text/plain")], b"method not allowed")
        text = req.body.decode("utf-8", "replace")
        try:
            form = json.loads(text) if text.lstrip().startswith("{") else {k: v[0] for k, v in parse_qs(text).items()}
        except ValueError:
            form = {}
        col = str(form.get("columnId", ""))
        site = str(form.get("siteCode", ""))
        docs = [d for d in self.docs + self.ndocs if d.host == "platform" and str(self.columns[id(d.unit)]) == col]
        if not docs or site not in (self.county.site_code, self.neighbour.site_code):
            return Reply(
                200, [("Content-Type", "application/json")], m.to_json({"code": 1, "msg": "无数据", "total": 0})
            )
        docs = newest_first(docs)
        size = int(form.get("pageSize") or self.per)
        page_no = max(1, int(form.get("pageNo") or 1))
        chunk = docs[(page_no - 1) * size : page_no * size]
        records = [{"title": d.title, "url": d.path, "publishTime": d.published.strftime("%Y-%m-%d")} for d in chunk]
        pages = -(-len(docs) // size)
        if self.answer == "flat":
            body: dict = {"code": 0, "total": len(docs), "pageNo": page_no, "list": records}
        elif self.answer == "nested":
            body = {"code": 200, "data": {"records": records, "total": len(docs), "pages": pages, "current": page_no}}
        else:
            body = {"success": True, "rows": records, "totalCount": len(docs), "pageCount": pages}
        return Reply(200, [("Content-Type", "application/json;charset=UTF-8")], m.to_json(body))

    def write_mirror(self) -> None:
        """A spam site copying two of the county's reports (linked from the county's footer)."""
        mirror = self.hosts["mirror"]
        copies = [d for d in self.docs if d.is_report and d.body][:2]
        links = "".join(f'<li><a href="/news/{d.doc_id}.html">{m.esc(d.title)}</a></li>' for d in copies)
        mirror.add(
            "/", f"<html><head><meta charset='utf-8'><title>政务资讯</title></head><body><ul>{links}</ul></body></html>"
        )
        for d in copies:
            mirror.add(
                f"/news/{d.doc_id}.html",
                f"<html><head><meta charset='utf-8'><title>{m.esc(d.title)}</title></head><body><h1>{m.esc(d.title)}</h1>{d.body}</body></html>",
            )

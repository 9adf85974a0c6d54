"""Families whose lists come (partly) from an API the page's script calls: TRS 动静结合
(``list2.trsapi`` + ``POST /fjdzapp/search``), Hanweb JCMS (``<datastore>`` + ``POST dataproxy.jsp``)
and Guangdong gkmlpt (``window._CONFIG`` + ``GET …/api/all/{catid}``).  Their configurations are
JavaScript literals in the portal's own syntax (:class:`~portalgen.varied.markup.JsStyle`)."""

from __future__ import annotations

import json
import math
from urllib.parse import parse_qs

from portalgen.sites import Reply, Request
from portalgen.varied import markup as m
from portalgen.varied.base import Builder
from portalgen.varied.content import Doc
from portalgen.varied.static_families import newest_first


def json_reply(obj: object, status: int = 200) -> Reply:
    return Reply(status, [("Content-Type", "application/json;charset=UTF-8")], m.to_json(obj))


class ApiBuilder(Builder):
    """Shared: home page, 政府信息公开 area page, detail pages under ``YYYYMM/t…`` folders."""

    def home_and_area(self, area: str, links: list[tuple[str, str]]) -> None:
        quick = "".join(f'<a href="{m.esc(h)}">{m.esc(t)}</a> ' for t, h in self.trap_links("home"))
        home = self.shell(
            "首页",
            f'<div class="quick">{quick}</div>{self.calendar_widget()}<div class="block"><h3>政务动态</h3></div>',
            self.nav(),
        )
        self.add_page(self.www, "/index.html", home)
        self.add_page(self.www, "/", home)
        rows = "".join(f'<li><a href="{m.esc(self.href(h, area))}">{m.esc(t)}</a></li>' for t, h in links)
        traps = "".join(f'<a href="{m.esc(h)}">{m.esc(t)}</a> ' for t, h in self.trap_links("area"))
        self.add_page(
            self.www, area, self.shell(self.look.area_text, f"<ul class='gk-nav'>{rows}</ul>{traps}", self.nav())
        )

    def detail(self, doc: Doc, crumbs: list[tuple[str, str]], folder: str) -> None:
        self.add_files(doc, self.www, folder)
        self.add_page(self.www, doc.path, self.detail_html(doc, crumbs, self.nav()))


# ----------------------------------------------------------------------------- TRS 动静结合


class TrsDynamicBuilder(ApiBuilder):
    """Fujian TRS: the column's first page static, the rest from ``POST {searchUrl}`` (JSON)."""

    family = "trs_dynamic"

    def place(self) -> None:
        rng = self.rng
        self.col = "/zwgk/zfxxgk/zfxxgknb/"
        self.search_url = rng.choice(("/fjdzapp/search", "/fjdzapp/search", "/trs/search/list"))
        self.channel = str(200000 + rng.randint(100, 999))
        self.chnl = str(rng.randint(1000, 9999))
        self.prepage = rng.randint(3, 6)
        self.records_key = rng.choice(("data", "docs", "list"))
        self.state_count = rng.random() < 0.7
        for doc in self.docs:
            doc.path = f"{self.col}{doc.published:%Y%m}/t{doc.published:%Y%m%d}_{doc.doc_id}.htm"
            if doc.carrier == "docx":
                doc.carrier = "html+docx"
        self.portal.features.add("record_count" if self.state_count else "no_record_count")

    def nav(self) -> list[tuple[str, str]]:
        return [("首页", "/"), (self.look.area_text, "/zwgk/zfxxgk/"), ("互动交流", "/hdjl/")]

    def listing(self) -> list[Doc]:
        return newest_first(self.docs)

    def write(self) -> None:
        look = self.look
        self.home_and_area("/zwgk/zfxxgk/", [("政府信息公开指南", "/zwgk/zfxxgk/zn/"), (look.column_text, self.col)])
        self.add_page(self.www, "/zwgk/zfxxgk/zn/", self.shell("政府信息公开指南", "<p>指南</p>", self.nav()))
        docs = self.listing()
        static = [
            m.Entry(d.title, self.href(d.path, self.col), d.published.strftime("%Y-%m-%d"))
            for d in docs[: self.prepage]
        ]
        style = look.js
        site_info = {"siteId": "4", "searchId": self.channel, "searchUrl": self.search_url, "isStatic": False}
        classsql = self.rng.choice(
            (f"chnlid={self.chnl}", m.Expr(f'"" || "chnlid={self.chnl}"'), m.Expr('"chnlid=" + chnlid'))
        )
        pagebar = {"prepage": self.prepage, "pgTemp": "pgBar_xxgk.html"}
        if self.state_count:
            pagebar["recordCount"] = str(len(docs))
        config = {
            "quickMode": "动静结合",
            "maxStaticIndex": 1,
            "listArgs": {
                "channelid": m.Expr("SiteInfo.searchId"),
                "classsql": classsql,
                "sortfield": "-docorderpri,-docreltime",
            },
            "pagebar": pagebar,
        }
        code = (
            f"var SiteInfo = {m.js(site_info, style)};\nvar chnlid = {self.chnl};\n"
            f'require(["list2.trsapi", "tools"], function(listModel, tools) {{\n  listModel({m.js(config, style, 1)});\n}});'
        )
        inner = (
            m.entries_html(look, static) + '<div class="page_base" ms-controller="list_pagebar"></div>' + m.script(code)
        )
        meta = {"ColumnName": look.column_text}
        if self.rng.random() < 0.5:
            meta["ChnlId"] = self.chnl
        self.add_page(self.www, self.col, self.shell(look.column_text, inner, self.nav(), meta=meta))
        self.www.add_handler(self.search_url, self._search)
        crumbs = [("首页", "/"), (look.area_text, "/zwgk/zfxxgk/"), (look.column_text, self.col), ("正文", "")]
        for doc in docs:
            self.detail(doc, crumbs, doc.path.rsplit("/", 1)[0] + "/")

    def _search(self, req: Request) -> Reply:
        form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
        if (
            req.method != "POST"
            or form.get("channelid") != self.channel
            or form.get("classsql") != f"chnlid={self.chnl}"
        ):
            return json_reply({"code": 400, "msg": "参数错误"}, 400)
        docs = self.listing()
        per = int(form.get("prepage") or self.prepage)
        page_no = max(1, int(form.get("page") or 1))
        chunk = docs[(page_no - 1) * per : page_no * per]
        records = [
            {
                "chnldocurl": self.www.url(d.path),
                "doctitle": d.title,
                "docreltime": d.published.strftime("%Y-%m-%d %H:%M:%S"),
            }
            for d in chunk
        ]
        return json_reply({self.records_key: records, "total": len(docs), "pageCount": math.ceil(len(docs) / per)})


# ----------------------------------------------------------------------------- Hanweb JCMS


class HanwebBuilder(ApiBuilder):
    """Hanweb: ``/col/col{id}/index.html`` with ``<datastore>`` records and a jpage config; further
    records by ``POST /module/web/jpage/dataproxy.jsp``; details ``/art/YYYY/M/D/art_{col}_{id}.html``."""

    family = "hanweb"

    def place(self) -> None:
        rng = self.rng
        self.webid = str(rng.randint(2, 300))
        self.area_col = rng.randint(1229000000, 1229999999)
        self.per = rng.randint(3, 5)
        self.group = rng.choice((1, 2, 3))
        self.proxy = rng.choice(("/module/web/jpage/dataproxy.jsp", "/module/jpage/dataproxy.jsp"))
        self.split = rng.random() < 0.5
        self.columns: dict[str, tuple[int, str, list[Doc]]] = {}
        reports = [d for d in self.docs if d.is_report]
        others = [d for d in self.docs if not d.is_report]
        if self.split:
            for level, name in (("county", "县政府"), ("department", "县直部门"), ("town", "乡镇街道")):
                docs = [d for d in reports if d.unit.level == level] + (others if level == "county" else [])
                self.columns[level] = (self.area_col + 11 + len(self.columns), name, docs)
        self.columns["all"] = (self.area_col + 7, self.look.column_text, [] if self.split else self.docs)
        for col, _, docs in self.columns.values():
            for doc in docs:
                p = doc.published
                doc.path = f"/art/{p.year}/{p.month}/{p.day}/art_{col}_{doc.doc_id}.html"
                if doc.carrier == "docx":
                    doc.carrier = "html+docx"
        self.portal.features.add("hanweb:split" if self.split else "hanweb:flat")

    def nav(self) -> list[tuple[str, str]]:
        return [("首页", "/"), (self.look.area_text, f"/col/col{self.area_col}/index.html")]

    def record(self, doc: Doc) -> str:
        date = doc.published.strftime("%Y-%m-%d")
        return f'<li><a href="{doc.path}" title="{m.esc(doc.title)}" target="_blank">{m.esc(self.look.link_text(doc.title))}</a><span>{date}</span></li>'

    def write(self) -> None:
        look = self.look
        area = f"/col/col{self.area_col}/index.html"
        root_col, _, _ = self.columns["all"]
        self.home_and_area(
            area,
            [
                ("政府信息公开指南", f"/col/col{self.area_col + 1}/index.html"),
                (look.column_text, f"/col/col{root_col}/index.html"),
            ],
        )
        self.add_page(
            self.www,
            f"/col/col{self.area_col + 1}/index.html",
            self.shell("政府信息公开指南", "<p>指南</p>", self.nav()),
        )
        for key, (col, name, docs) in self.columns.items():
            subs = (
                [(n, f"/col/col{c}/index.html") for k, (c, n, _) in self.columns.items() if k != "all"]
                if key == "all"
                else []
            )
            self.write_column(col, name, newest_first(docs), subs)
        for _, name, docs in self.columns.values():
            for doc in docs:
                crumbs = [("首页", "/"), (look.area_text, area), (name, ""), ("正文", "")]
                self.add_files(doc, self.www, "/picture/0/")
                self.add_page(self.www, doc.path, self.detail_html(doc, crumbs, self.nav(), column_name=name))

    def write_column(self, col: int, name: str, docs: list[Doc], subs: list[tuple[str, str]]) -> None:
        look = self.look
        unitid = str(5000000 + col % 100000)
        embedded = docs[: self.per]
        records = "".join(f"<record><![CDATA[\n{self.record(d)}\n]]></record>\n" for d in embedded)
        form = {"col": 1, "appid": 1, "webid": int(self.webid), "path": "/", "columnid": col, "sourceContentType": 1,
                "unitid": int(unitid), "webname": self.county.government, "permissiontype": 0}  # fmt: skip
        config = {"dataStore": m.Expr(f"$('#{unitid} > script').html()"), "perPage": self.per, "groupSize": self.group,
                  "totalRecord": len(docs), "barPosition": "bottom", "proxyUrl": self.proxy, "ajaxParam": form}  # fmt: skip
        code = f"$(function(){{\n  $('#{unitid}').jpage({m.js(config, look.js, 1)});\n}});"
        sub_html = "".join(f'<a href="{m.esc(h)}">{m.esc(t)}</a> ' for t, h in subs)
        nextgroup = f"{self.proxy}?page=1&webid={self.webid}&columnid={col}&unitid={unitid}"
        inner = (
            f'<div class="lm_name">{m.esc(name)}</div><div class="subs">{sub_html}</div>'
            f'<div class="default_pgContainer" id="{unitid}"><script type="text/xml"><datastore>'
            f'<nextgroup><![CDATA[<a href="{nextgroup}"></a>]]></nextgroup><recordset>{records}</recordset></datastore></script></div>'
            + m.script(code)
        )
        self.add_page(
            self.www, f"/col/col{col}/index.html", self.shell(name, inner, self.nav(), meta={"ColumnName": name})
        )
        self.www.add_handler(self.proxy, self._proxy)
        self.records_of = getattr(self, "records_of", {})
        self.records_of[str(col)] = docs

    def _proxy(self, req: Request) -> Reply:
        form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
        docs = self.records_of.get(form.get("columnid", ""))
        if req.method != "POST" or docs is None or form.get("webid") != self.webid:
            return Reply(404, [("Content-Type", "text/html")], b"<html>404</html>")
        start, end = int(req.query.get("startrecord", "1")), int(req.query.get("endrecord", "1"))
        chunk = docs[start - 1 : end]
        recs = "".join(f"<record><![CDATA[\n{self.record(d)}\n]]></record>\n" for d in chunk)
        pages = math.ceil(len(docs) / self.per)
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n<totalrecord>{len(docs)}</totalrecord>\n'
               f"<totalpage>{pages}</totalpage>\n<recordset>\n{recs}</recordset>\n</datastore>\n")  # fmt: skip
        return Reply(200, [("Content-Type", "text/xml;charset=UTF-8")], xml.encode("utf-8"))


# ----------------------------------------------------------------------------- Guangdong gkmlpt


class GkmlptBuilder(ApiBuilder):
    """gkmlpt: each unit's SPA ``/{unit}/gkmlpt/index`` holds ``window._CONFIG`` (SID, TREE); lists from
    ``GET /{unit}/gkmlpt/api/all/{catid}?page=N&sid=…``; details ``…/content/{a}/{b}/post_{id}.html``."""

    family = "gkmlpt"
    url_dates = False

    def place(self) -> None:
        rng = self.rng
        self.per = rng.randint(3, 6)
        self.units_info: dict[str, dict] = {}
        for unit in self.units:
            key = "" if unit.level == "county" else unit.key
            self.units_info[unit.key] = {
                "unit": unit,
                "prefix": f"/{key}" if key else "",
                "sid": str(755000 + rng.randint(0, 999)),
                "catid": rng.randint(2000, 9999),
                "docs": [
                    d
                    for d in self.docs
                    if (d.unit is unit and d.is_report) or (unit.level == "county" and not d.is_report)
                ],
            }
        for info in self.units_info.values():
            for doc in info["docs"]:
                i = doc.doc_id * 317
                doc.doc_id = i
                doc.path = f"{info['prefix']}/gkmlpt/content/{i // 10**6}/{i // 10**3}/post_{i}.html"
                if doc.carrier == "docx":
                    doc.carrier = "html+docx"
        self.fragment_links = rng.random() < 0.5
        self.state_size = rng.random() < 0.5

    def nav(self) -> list[tuple[str, str]]:
        return [("首页", "/"), (self.look.area_text, "/zwgk/")]

    def entry(self, info: dict) -> str:
        return f"{info['prefix']}/gkmlpt/index" + (f"#{info['catid']}" if self.fragment_links else "")

    def write(self) -> None:
        county = self.units_info["xzf"]
        self.home_and_area("/zwgk/", [("政府信息公开目录", self.entry(county)), ("镇街信息公开", "/zwgk/zjxxgk/"),
                                      ("部门信息公开", "/zwgk/bmxxgk/")])  # fmt: skip
        for path, level, title in (
            ("/zwgk/zjxxgk/", "town", "镇街信息公开"),
            ("/zwgk/bmxxgk/", "department", "部门信息公开"),
        ):
            rows = "".join(
                f'<li><a href="{m.esc(self.entry(i))}">{m.esc(i["unit"].short.replace(self.county.name, ""))}</a></li>'
                for i in self.units_info.values()
                if i["unit"].level == level
            )
            self.add_page(self.www, path, self.shell(title, f"<ul class='units'>{rows}</ul>", self.nav()))
        for info in self.units_info.values():
            self.write_unit(info)

    def write_unit(self, info: dict) -> None:
        look, rng = self.look, self.rng
        catid = info["catid"]
        name = rng.choice(("政府信息公开年报", "政府信息公开年度报告", "年度报告"))
        tree = [{"id": catid - 5, "name": "政府信息公开", "parent": 0, "children": [
            {"id": catid - 3, "name": "政府信息公开指南", "parent": catid - 5, "post_count": 1},
            {"id": catid, "name": name, "parent": catid - 5, "post_count": len(info["docs"])},
            {"id": catid + 4, "name": "机构职能", "parent": catid - 5, "post_count": 2}]}]  # fmt: skip
        app = rng.choice(
            (f"{info['prefix']}/gkmlpt", m.Expr("location.pathname.split('/gkmlpt')[0] + '/gkmlpt'"), None)
        )
        config = {"SID": info["sid"], "SITE_NAME": info["unit"].name, "TREE": tree}
        if app is not None:
            config["APP_URL"] = app
        config = m.with_expressions(config, look.js, rng)
        code = f"window._CONFIG = {m.js(config, look.js)};"
        inner = '<div id="app"><div class="gkmlpt-loading">加载中…</div></div>' + m.script(code)
        self.add_page(
            self.www,
            f"{info['prefix']}/gkmlpt/index",
            self.shell(f"{info['unit'].name}政府信息公开", inner, self.nav()),
        )
        self.www.add_handler(f"{info['prefix']}/gkmlpt/api/all/", lambda req, i=info: self._api(req, i))
        for doc in info["docs"]:
            crumbs = [("首页", "/"), (info["unit"].name, self.entry(info)), (name, ""), ("正文", "")]
            self.detail(doc, crumbs, f"/attachment/0/{doc.doc_id % 997}/")

    def _api(self, req: Request, info: dict) -> Reply:
        catid = req.path.rstrip("/").rsplit("/", 1)[-1]
        if catid != str(info["catid"]):
            return json_reply({"code": 404, "message": "栏目不存在"}, 404)
        if req.query.get("sid") != info["sid"]:
            return json_reply({"code": 400, "message": "sid参数错误"}, 400)
        docs = newest_first(info["docs"])
        page_no = max(1, int(req.query.get("page", "1")))
        chunk = docs[(page_no - 1) * self.per : page_no * self.per]
        articles = [{"id": d.doc_id, "title": d.title, "url": self.www.url(d.path), "publisher": d.unit.name,
                     "created_at": d.published.strftime("%Y-%m-%d %H:%M:%S")} for d in chunk]  # fmt: skip
        body: dict = {"classify": {"id": info["catid"], "post_count": len(docs)}, "articles": articles, "page": page_no}
        if self.state_size:
            body["page_size"] = self.per
        return json_reply(body)


def dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)

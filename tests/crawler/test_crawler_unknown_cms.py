"""A portal on a CMS the crawler has no parser for (LonSun-like ``/public/column/…?catId=`` lists,
``pageIndex`` pager, ``/public/{organ}/{id}.html`` details without the 政府网站 meta set, a year
sub-column by ``catId``, a report published only as a DOCX linked straight from the list, a GBK
page declared only by ``<meta http-equiv>``, a "related reports" box on detail pages), served by
a small HTTP server of its own.  The crawler gets only the home page."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from crawler_harness import crawl, sha256
from portalgen.render_docx import render_docx
from portalgen.render_html import MarkupStyle, render_body
from portalgen.sample import generate_report

LIST = "/public/column/1741?type=4&catId=7035985&action=list"
LIST2 = "/public/column/1741?type=4&catId=7035985&action=list&pageIndex=2"
YEAR_LIST = "/public/column/1741?type=4&catId=7035990&action=list"


def _page(title: str, body: str, charset: str = "utf-8") -> str:
    """A page of the portal; ``charset`` "none" declares nothing at all (old GBK pages do that)."""
    if charset == "none":
        decl = ""
    elif charset != "utf-8":
        decl = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    else:
        decl = '<meta charset="utf-8">'
    return (
        f"<!DOCTYPE html><html><head>{decl}<title>{title}</title></head><body>"
        f'<div class="top"><a href="/">首页</a> <a href="/zwgk/index.html">政务公开</a> <a href="/hdjl/">互动交流</a></div>'
        f'{body}<div class="foot">主办：某某县人民政府办公室 <a href="http://www.gov.cn/">中国政府网</a></div></body></html>'
    )


class Portal:
    """The hand-written portal: routes, ground truth, request log."""

    def __init__(self) -> None:
        rng = random.Random(7)
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self.log: list[str] = []
        self.times: list[float] = []
        self.headers: list[dict] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        self.reports: dict[str, dict] = {}  # path → {title, year, attachment}
        specs = [
            ("城关镇", 2023, "2021", "html"),
            ("水利局", 2022, "2021", "html+docx"),
            ("教育局", 2021, "2019", "gbk"),
            ("新华乡", 2020, "2019", "docx-only"),
            ("城关镇", 2019, "2019", "gbk-undeclared"),
            ("北城街道", 2022, "2021", "generic-title"),
        ]
        related = []
        for i, (unit, year, template, carrier) in enumerate(specs):
            organ = unit + ("人民政府" if unit.endswith(("镇", "乡")) else "")
            sample = generate_report(
                rng,
                template=template,
                year=year,
                level="town" if unit.endswith(("镇", "乡")) else "department",
                organ=f"某某县{organ}" if not unit.endswith(("镇", "乡")) else organ,
                short_name=unit,
            )
            title = f"{'某某县' if not unit.endswith(('镇', '乡')) else ''}{unit}{year}年度政府信息公开工作年度报告"
            if carrier == "docx-only":
                path = f"/group1/M00/00/{i:02d}/report{year}.docx"
                self.routes[path] = (200, "application/octet-stream", render_docx(sample))
                self.reports[path] = {"title": title, "year": year, "attachment": None}
                related.append((title, path))
                continue
            path = f"/public/1741/2367{2200 + i}.html"
            attachment = None
            files = ""
            if carrier == "html+docx":
                attachment = f"/group1/M00/00/{i:02d}/fj{year}.docx"
                self.routes[attachment] = (
                    200,
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    render_docx(sample),
                )
                files = f'<p>附件：<a href="{attachment}">{title}.docx</a></p>'
            body = render_body(sample, MarkupStyle())
            charset = {"gbk": "gb2312", "gbk-undeclared": "none"}.get(carrier, "utf-8")
            self.reports[path] = {
                "title": title,
                "year": year,
                "attachment": attachment,
                "body": body,
                "files": files,
                "charset": charset,
                "generic": carrier == "generic-title",
                "unit": unit,
            }
            if carrier != "generic-title":  # that one is reachable only by its unit's name: the content must decide
                related.append((title, path))
        for path, info in self.reports.items():
            if path.endswith(".docx"):
                continue
            headline = "详细信息" if info.get("generic") else info["title"]
            box = "".join(f'<li><a href="{p}">{t}</a></li>' for t, p in related if p != path)
            html = _page(
                f"{headline}-某某县人民政府",
                f'<div class="crumb">当前位置：<a href="/">首页</a> > <a href="{LIST}">政府信息公开年报</a></div>'
                f'<h1 class="newstitle">{headline}</h1><div class="info">发布时间：{info["year"] + 1}-01-20</div>'
                f'<div id="zoom">{info["body"]}</div>{info["files"]}<div class="related"><h3>相关报告</h3><ul>{box}</ul></div>',
                info["charset"],
            )
            self.routes[path] = (200, "text/html", html.encode("gb18030" if info["charset"] != "utf-8" else "utf-8"))
        notice = "/public/1741/23671999.html"
        self.notice = notice
        self.routes[notice] = (
            200,
            "text/html; charset=utf-8",
            _page(
                "关于做好2023年度政府信息公开工作年度报告编制发布工作的通知",
                "<h1>关于做好2023年度政府信息公开工作年度报告编制发布工作的通知</h1><div id='zoom'><p>各乡镇、各部门：请于1月31日前发布。</p></div>",
            ).encode(),
        )
        items = list(self.reports.items())

        def li(path: str, title: str) -> str:
            return f'<li><a href="{path}" title="{title}">{title[:18]}...</a><span>2024-01-20</span></li>'

        first = [li(notice, "关于做好2023年度政府信息公开工作年度报告编制发布工作的通知")] + [
            li(p, r["title"]) for p, r in items[:2]
        ]
        second = [li(p, r["title"]) for p, r in items[2:4]]
        year_items = [
            li(p, r["title"])
            if not r.get("generic")
            else f'<li><a href="{p}">{r["unit"]}</a><span>2023-01-20</span></li>'
            for p, r in items[4:]
        ]
        pager1 = f'<div class="pagination"><span>首页</span><span>上一页</span><a href="{LIST2}">下一页</a><a href="{LIST2}">尾页</a> 共2页</div>'
        pager2 = f'<div class="pagination"><a href="{LIST}">首页</a><a href="{LIST}">上一页</a><span>下一页</span> 共2页</div>'
        years = f'<div class="sub"><a href="{YEAR_LIST}">2019年</a></div>'
        self.routes[LIST] = (
            200,
            "text/html; charset=utf-8",
            _page(
                "政府信息公开年报",
                f"<h2>政府信息公开年报</h2>{years}<ul class='doc_list'>{''.join(first)}</ul>{pager1}",
            ).encode(),
        )
        self.routes[LIST2] = (
            200,
            "text/html; charset=utf-8",
            _page(
                "政府信息公开年报",
                f"<h2>政府信息公开年报</h2>{years}<ul class='doc_list'>{''.join(second)}</ul>{pager2}",
            ).encode(),
        )
        self.routes[YEAR_LIST] = (
            200,
            "text/html; charset=utf-8",
            _page("2019年", f"<ul class='doc_list'>{''.join(year_items)}</ul>").encode(),
        )
        self.routes["/zwgk/index.html"] = (
            200,
            "text/html; charset=utf-8",
            _page(
                "政务公开",
                (
                    '<a href="/zwgk/zn/">政府信息公开指南</a> <a href="/zwgk/zd/">政府信息公开制度</a> '
                    f'<a href="{LIST}">政府信息公开年报</a> <a href="/zwgk/gzbg/">政府工作报告</a>'
                ),
            ).encode(),
        )
        self.routes["/"] = (
            200,
            "text/html; charset=utf-8",
            _page(
                "某某县人民政府",
                (
                    '<div class="news"><a href="/xwzx/2024/t1.html">某某县召开2024年政务公开工作推进会</a></div>'
                    '<a href="/private/draft.html">某某县2024年度政府信息公开工作年度报告（草稿）</a>'
                    '<a href="/xwzx/gzbg2024.html">2024年某某县政府工作报告</a>'
                ),
            ).encode(),
        )
        self.routes["/robots.txt"] = (200, "text/plain", b"User-agent: *\nDisallow: /private/\n")

    def serve(self) -> tuple[ThreadingHTTPServer, str]:
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                return None

            def do_GET(self) -> None:
                with portal.lock:
                    portal.log.append(self.path)
                    portal.times.append(time.monotonic())
                    portal.headers.append(dict(self.headers))
                    portal.in_flight += 1
                    portal.max_in_flight = max(portal.max_in_flight, portal.in_flight)
                try:
                    self._answer()
                finally:
                    with portal.lock:
                        portal.in_flight -= 1

            def _answer(self) -> None:
                time.sleep(0.01)  # a server that takes a moment, so overlapping requests would show
                status, ctype, body = portal.routes.get(self.path, (404, "text/html", b"<h1>404</h1>"))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def unknown_portal():
    portal = Portal()
    server, origin = portal.serve()
    yield portal, origin
    server.shutdown()
    server.server_close()


def test_unknown_cms_from_its_home_page(unknown_portal, tmp_path):
    portal, origin = unknown_portal
    result = crawl(None, [], tmp_path / "data", args=["--start-url", origin + "/"])
    assert result.returncode == 0, result.log_tail()
    reports = result.reports()
    assert sorted(reports) == sorted(origin + p for p in portal.reports), result.log_tail()
    for path, info in portal.reports.items():
        row = reports[origin + path]
        assert row["year"] == info["year"]
        if not path.endswith(".docx") and not info.get("generic"):
            assert row["title"] == info["title"]
    docx_only = [p for p in portal.reports if p.endswith(".docx")][0]
    assert reports[origin + docx_only]["carrier"] == "docx" and reports[origin + docx_only]["cell_count"] > 0
    with_file = [p for p, i in portal.reports.items() if i["attachment"]][0]
    att = result.rows(
        "SELECT * FROM attachments WHERE report_id = ? AND sha256 IS NOT NULL", reports[origin + with_file]["id"]
    )
    assert [a["url"] for a in att] == [origin + portal.reports[with_file]["attachment"]]
    assert att[0]["sha256"] == sha256(portal.routes[portal.reports[with_file]["attachment"]][2])
    gbk = [p for p, i in portal.reports.items() if i.get("charset") == "gb2312"][0]
    assert reports[origin + gbk]["cell_count"] > 0 and reports[origin + gbk]["organ"] == "某某县教育局"
    # a GBK page that declares no charset anywhere is still read right (found, titled, extracted)
    undeclared = [p for p, i in portal.reports.items() if i.get("charset") == "none"][0]
    assert reports[origin + undeclared]["title"] == portal.reports[undeclared]["title"]
    assert reports[origin + undeclared]["cell_count"] > 0
    # never: the robots-disallowed draft, the 政府工作报告, the notice as a report, a page twice
    assert not [p for p in portal.log if p.startswith("/private/")]
    assert "/xwzx/gzbg2024.html" not in portal.log and "/zwgk/gzbg/" not in portal.log
    assert origin + portal.notice not in result.report_urls()
    generic = [p for p, i in portal.reports.items() if i.get("generic")][0]
    assert reports[origin + generic]["cell_count"] > 0
    assert reports[origin + generic]["year"] == 2022
    counts = Counter(portal.log)
    assert max(counts.values()) == 1, [p for p, n in counts.items() if n > 1]
    assert YEAR_LIST in portal.log and LIST2 in portal.log


def test_politeness_one_request_at_a_time_with_a_delay(unknown_portal, tmp_path):
    portal, origin = unknown_portal
    settings = {
        "DOWNLOAD_DELAY": 0.2,
        "DOWNLOAD_DELAY_JITTER": 0,
        "AUTOTHROTTLE_ENABLED": "true",
        "AUTOTHROTTLE_START_DELAY": 0.2,
        "CONCURRENT_REQUESTS": 16,
    }
    result = crawl(None, [], tmp_path / "data", settings=settings, args=["--start-url", origin + "/"])
    assert result.returncode == 0, result.log_tail()
    assert len(result.reports()) == len(portal.reports)
    assert portal.max_in_flight == 1
    gaps = [b - a for a, b in zip(portal.times, portal.times[1:])]
    # arrival times are taken by the server: a loaded machine delays one request more than the next by a few
    # tens of milliseconds, so the bound leaves that much room; without the delay the gaps are ~1 ms
    assert min(gaps) >= 0.15, gaps
    assert sorted(gaps)[len(gaps) // 2] >= 0.19, gaps
    agents = {h.get("User-Agent") for h in portal.headers}
    assert len(agents) == 1
    agent = agents.pop()
    assert agent.startswith("nianbao/") and "+https://" in agent  # names the project and where to read about it

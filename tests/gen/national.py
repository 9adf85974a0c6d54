"""A synthetic archive of national shape, written through ingestion.

Places come from the installed division register: every current county-level unit (功能区
excepted, about 2,850) has a portal (id = its code) with its province, prefecture and county
names.  Each county has offices — its government, departments, towns of the register — as many
as the wanted number of reports needs; an office publishes a report for most years from its
first year to 2024 (templates as in reality: pre-2019 statistics tables before 2019, the 2019
template for 2019–2020, the 2021 template after; a few reports with tables as pictures carry no
cells).  A report has the sections of its template (text in the style of real reports, place
names and figures in it), every cell of its tables (the values of :mod:`portalgen.sample`, which
satisfy R1–R4; a few reports get one inconsistent cell), the checks :func:`extract.checks.run_checks`
makes of them, and later versions for a share of reports (a corrected cell, as portals do).

Rows are written by :func:`archive.store.ingest.write_report` from an extraction made here
(:func:`archive.store.ingest.prepared_extraction`): the same rows an ingest of a page extracting
to that report writes — versions, ``report_changes``, ``cell_changes`` included.  The labels and
locators of the cells are those the extractor gives a rendered report of each template.
"""

from __future__ import annotations

import functools
import hashlib
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from fixtures.archive.pages import report_page
from portalgen.sample import PHRASES, PROBLEMS, generate_report, generate_values

from archive.store import db
from archive.store.ingest import IngestInput, mark_removed, prepared_extraction, write_report
from archive.store.regions import Register, ensure_register
from archive.store.transaction import transaction
from extract import extract_document
from extract.checks import run_checks
from extract.model import Cell, Report, Section

YEARS = range(2015, 2025)
CONTENT_TYPE = "text/html; charset=utf-8"
DEPARTMENTS = (
    "发展和改革局", "教育局", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局", "自然资源局",
    "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "卫生健康局", "市场监督管理局", "应急管理局",
    "医疗保障局", "退役军人事务局", "林业局", "审计局", "统计局", "商务局", "文化旅游广电体育局", "生态环境分局",
    "城市管理综合执法局", "行政审批服务局", "信访局", "乡村振兴局", "税务局", "科学技术局", "民族宗教事务局",
)  # fmt: skip
FIELDS = (
    "精准扶贫", "城乡低保", "乡村振兴", "临时救助", "医疗保障", "义务教育", "住房保障", "棚户区改造", "食品安全",
    "安全生产", "生态环境保护", "征地拆迁", "营商环境", "“双随机、一公开”监管", "减税降费", "疫情防控",
    "重大建设项目", "公共资源配置", "财政预决算", "政府采购", "就业创业", "养老服务", "退役军人服务", "河长制",
    "耕地保护", "农村人居环境整治", "招商引资", "优化营商环境", "民生实事", "应急管理", "防汛抗旱", "森林防火",
)  # fmt: skip
CHANNELS = (
    "政府门户网站",
    "政务微博",
    "政务微信公众号",
    "政务APP",
    "公开栏",
    "新闻发布会",
    "12345热线",
    "报刊广播电视",
)
FIGURES = (
    "全年通过{ch}主动公开政府信息{n}条，其中{f}类信息{m}条。",
    "全年共受理政府信息公开申请{k}件，均在法定期限内答复。",
    "召开新闻发布会{k}场，发布政策解读{m}篇，回应公众关注热点{k}次。",
    "{year}年度因政府信息公开引起的行政复议{k}件、行政诉讼{j}件。",
    "围绕{f}、{g}等重点领域，在{ch}设立专栏{k}个。",
    "组织政务公开培训{k}期，参训{m}人次。",
    "对信访举报投诉类申请告知申请人通过相应渠道提出。",
)


@dataclass(frozen=True)
class Place:
    """A county-level unit and its portal."""

    code: str
    province: str
    city: str | None
    county: str
    towns: tuple[str, ...]


@dataclass(frozen=True)
class Office:
    """An issuing body: a county's government, one of its departments or towns."""

    place: Place
    organ: str
    short: str  # as in the title
    level: str  # county | department | town
    first_year: int


@dataclass
class Built:
    """What :func:`fill` wrote."""

    reports: int = 0
    versions: int = 0  # later versions (status ``changed``)
    removed: int = 0
    portals: int = 0
    setup_s: float = 0.0  # loading the register and writing the portals (independent of the reports)
    statuses: dict[str, int] = field(default_factory=dict)


# ----------------------------------------------------------------------------- places and offices


def places(register: Register) -> list[Place]:
    """Every current county-level unit of the register (功能区 excepted), with names and towns."""
    out = []
    for d in register.divisions:
        if d.level != "county" or d.status != "current" or d.kind == "功能区":
            continue
        ancestors = {a.level: a.name for a in register.ancestors(d)}
        towns = tuple(t.name for t in register.current_children(d.code, "town"))
        out.append(Place(d.code, ancestors.get("province", ""), ancestors.get("city"), d.name, towns))
    return sorted(out, key=lambda p: p.code)


def _office(rng: random.Random, place: Place, k: int) -> Office:
    first = rng.choice([2015, 2015, 2015, 2016, 2017, 2019, 2020])
    if k == 0:
        return Office(place, place.county + "人民政府", place.county, "county", 2015)
    if k % 3 != 0 and k // 3 * 2 + k % 3 - 1 < len(DEPARTMENTS):
        dept = place.county + DEPARTMENTS[(k // 3 * 2 + k % 3 - 1) % len(DEPARTMENTS)]
        return Office(place, dept, dept, "department", first)
    towns = place.towns or (place.county[:2] + "镇",)
    town = towns[(k // 3) % len(towns)] if k // 3 < len(towns) else f"{towns[(k // 3) % len(towns)]}第{k // 3}社区"
    organ = town[:-2] + "街道办事处" if town.endswith("街道") else town + "人民政府"
    return Office(place, organ, town, "town", first)


def offices(rng: random.Random, where: list[Place], reports: int) -> Iterator[Office]:
    """Offices, county by county in turns (each county's k-th office before anyone's k+1-th),
    enough for ``reports`` reports."""
    per_county = max(1, -(-reports // (len(where) * len(YEARS) * 9 // 10)))
    for k in range(per_county * 2):
        for place in where:
            yield _office(rng, place, k)


def template_of(year: int) -> str:
    return "pre2019" if year < 2019 else ("2019" if year < 2021 else "2021")


# ----------------------------------------------------------------------------- one report


@functools.cache
def cell_shapes(template: str) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(table, row, col) → (label, where) as the extractor gives them for a rendered report."""
    sample = generate_report(random.Random(7), template)
    report = extract_document(report_page(sample), CONTENT_TYPE, "http://127.0.0.1/shape.html")
    return {(c.table, c.row, c.col): (c.label, c.where) for c in report.cells}


LEGACY = (
    ("主动公开信息数", "主动公开信息数", "条"),
    ("其中：1.网站公开", "主动公开信息数/1.网站公开", "条"),
    ("2.政府公报公开", "主动公开信息数/2.政府公报公开", "条"),
    ("受理依申请公开信息总数", "受理依申请公开信息总数", "件"),
    ("行政复议数", "行政复议数", "件"),
    ("行政诉讼数", "行政诉讼数", "件"),
)


def _cells(rng: random.Random, template: str, broken: bool) -> list[Cell]:
    if template == "pre2019":
        out = []
        for i, (label, key, unit) in enumerate(LEGACY):
            v = rng.randint(0, 900) if i < 3 else rng.randint(0, 12)
            for j, (col, value) in enumerate((("value", v), ("cumulative", v * rng.randint(1, 6)))):
                out.append(Cell("legacy_indicators", key, col, value, str(value), unit, label, f"t0/r{i + 1}/c{j + 2}"))
        return out
    shapes = cell_shapes(template)
    out = []
    for key, sample in generate_values(rng, template).items():
        label, where = shapes[key]
        out.append(Cell(*key, sample.value, sample.raw, sample.unit, label, where))
    if broken:  # a figure mistyped by the office: R1/R2/R3 fail
        cell = next(c for c in out if c.key() == ("applications", "granted", "natural_person"))
        cell.value = (cell.value or 0) + 1
        cell.raw = str(cell.value)
    return out


def _sentence(rng: random.Random, year: int) -> str:
    return rng.choice(FIGURES).format(
        ch=rng.choice(CHANNELS), f=rng.choice(FIELDS), g=rng.choice(FIELDS), year=year,
        n=rng.randint(50, 9000), m=rng.randint(1, 900), k=rng.randint(0, 30), j=rng.randint(0, 5),
    )  # fmt: skip


def _text(rng: random.Random, year: int, short: str, phrases: int, figures: int) -> str:
    parts = rng.sample(PHRASES, k=min(phrases, len(PHRASES)))
    parts += [f"聚焦{rng.choice(FIELDS)}，{rng.choice(PHRASES)[:24]}" for _ in range(phrases // 3)]
    body = "；".join(parts) + "。" + "".join(_sentence(rng, year) for _ in range(figures))
    return f"{year}年，{short}" + body


def _sections(rng: random.Random, office: Office, year: int, template: str) -> list[Section]:
    short = office.short
    preamble = (
        f"本报告根据《中华人民共和国政府信息公开条例》编制。本报告所列数据统计期限为{year}年1月1日至{year}年12月31日。"
        f"如对本报告有疑问，请与{office.organ}办公室联系（地址：{office.place.county}）。"
    )
    sections = [Section(0, None, preamble)]
    if template == "pre2019":
        headings = ("一、概述", "二、主动公开政府信息情况", "三、依申请公开政府信息情况", "四、政府信息公开的收费及减免情况",
                    "五、因政府信息公开申请行政复议、提起行政诉讼的情况", "六、政府信息公开工作存在的主要问题和改进措施",
                    "七、其他需要报告的事项")  # fmt: skip
    else:
        headings = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")  # fmt: skip
    for number, heading in enumerate(headings, start=1):
        if number == 1:
            text = _text(rng, year, short, rng.randint(8, 20), rng.randint(3, 10))
        elif number == len(headings) - 1:
            text = (
                "存在的主要问题："
                + "；".join(rng.sample(PROBLEMS, 2))
                + "。下一步将"
                + _text(rng, year, "", rng.randint(2, 6), 1)
            )
        elif number == len(headings):
            text = rng.choice(
                [f"{year}年度，{short}未收取信息处理费。", "无。", f"{year}年度{short}无其他需要报告的事项。"]
            )
        else:
            text = _sentence(rng, year) if rng.random() < 0.6 else ""
        sections.append(Section(number, heading, text))
    return sections


def _published(rng: random.Random, office: Office, year: int) -> str:
    month = 1 if office.level != "county" and year >= 2019 else 3
    deadline = date(year + 1, month, 31)
    late = rng.random() < 0.15
    return (deadline + timedelta(days=rng.randint(1, 200) if late else -rng.randint(0, 60))).isoformat()


def synthetic_report(rng: random.Random, office: Office, year: int, n: int) -> tuple[IngestInput, Report]:
    """The report page of ``office`` for ``year`` (``n``: a serial making its URL unique) and its extraction."""
    template = template_of(year)
    pictures = rng.random() < 0.04  # tables pasted as pictures: no cells
    url = f"http://www.{office.place.code}.gov.cn/zwgk/ndbg/{year + 1}/t{year + 1}0115_{n}.html"
    published = _published(rng, office, year)
    title = f"{office.short}{year}年政府信息公开工作年度报告"
    page = IngestInput(url, f"<html><!-- {url} {n} --></html>".encode(), CONTENT_TYPE, fetched=f"{published}T08:00:00Z")
    cells = [] if pictures else _cells(rng, template, broken=rng.random() < 0.03)
    checks, warnings = run_checks(cells, template, office.organ) if cells else ([], [])
    report = Report(
        source=url, sha256=page.sha256, template="none" if pictures else template, title=title, organ=office.organ,
        year=year, year_source="title", published=published, sections=_sections(rng, office, year, template),
        cells=cells, checks=checks, warnings=warnings, carrier="html", content_type=CONTENT_TYPE,
    )  # fmt: skip
    return page, report


def corrected(rng: random.Random, page: IngestInput, report: Report, when: str) -> tuple[IngestInput, Report]:
    """A later version of a report: one figure corrected, a note in the last section."""
    new_page = IngestInput(page.url, page.data + b"<!-- corrected -->", CONTENT_TYPE, fetched=when)
    cells = [Cell(**c.__dict__) for c in report.cells]
    if cells:
        cell = rng.choice([c for c in cells if isinstance(c.value, int)] or cells)
        cell.value = (cell.value or 0) + 1 if isinstance(cell.value, int) else cell.value
        cell.raw = str(cell.value)
    checks, warnings = run_checks(cells, report.template, report.organ) if cells else ([], [])
    sections = [Section(s.number, s.heading, s.text) for s in report.sections]
    sections[-1].text += "（更正）"
    new = Report(**{**report.__dict__, "sha256": new_page.sha256, "cells": cells, "checks": checks,
                    "warnings": warnings, "sections": sections})  # fmt: skip
    return new_page, new


# ----------------------------------------------------------------------------- the archive


def add_portals(conn: sqlite3.Connection, where: list[Place]) -> None:
    with transaction(conn):
        for p in where:
            db.upsert_portal(conn, {"id": p.code, "code": p.code, "name": p.county + "人民政府", "level": "county",
                                    "province": p.province, "city": p.city, "county": p.county})  # fmt: skip


def fill(
    conn: sqlite3.Connection, reports: int, *, seed: int = 17, versions: float = 0.01, removed: float = 0.005,
    batch: int = 500, progress=None,
) -> Built:  # fmt: skip
    """Write ``reports`` reports of national shape into the archive ``conn`` (a :func:`archive.store.db.connect`
    connection), plus later versions of a share ``versions`` of them and ``removed`` marked removed."""
    rng = random.Random(seed)
    started = time.perf_counter()
    ensure_register(conn)
    where = places(Register.from_conn(conn))
    add_portals(conn, where)
    built = Built(portals=len(where), setup_s=time.perf_counter() - started)
    run = db.start_run(conn, [p.code for p in where], "full", started="2025-04-15T00:00:00Z")
    kept: list[tuple[str, IngestInput, Report]] = []
    pending: list[tuple[str, IngestInput, Report]] = []

    def flush() -> None:
        with transaction(conn):
            for portal, page, report in pending:
                result = write_report(conn, prepared_extraction(page, report), portal=portal, run_id=run)
                built.statuses[result.status] = built.statuses.get(result.status, 0) + 1
        pending.clear()
        if progress:
            progress(built)

    for office in offices(rng, where, reports):
        for year in YEARS:
            if year < office.first_year or rng.random() < 0.08:
                continue
            page, report = synthetic_report(rng, office, year, built.reports)
            pending.append((office.place.code, page, report))
            built.reports += 1
            if rng.random() < versions:
                kept.append((office.place.code, page, report))
            if len(pending) >= batch:
                flush()
            if built.reports >= reports:
                break
        if built.reports >= reports:
            break
    flush()
    for portal, page, report in kept:
        pending.append((portal, *corrected(rng, page, report, "2025-04-15T08:00:00Z")))
        built.versions += 1
        if len(pending) >= batch:
            flush()
    flush()
    gone = conn.execute("SELECT doc_key FROM reports WHERE is_current = 1 ORDER BY id").fetchall()
    with transaction(conn):
        for row in rng.sample(gone, int(len(gone) * removed)):
            built.removed += mark_removed(conn, row[0], "2025-04-15T09:00:00Z")
        conn.executemany(
            "INSERT OR REPLACE INTO crawl_portal_stats(run_id, portal, requests, responses, reports_seen) "
            "VALUES (?, ?, ?, ?, ?)",
            [(run, p.code, 100, 100, 0) for p in where],
        )
    db.finish_run(conn, run, {}, "ok", ended="2025-04-16T00:00:00Z")
    return built


def add_versions(conn: sqlite3.Connection, count: int, *, seed: int = 29, when: str = "2025-05-01T08:00:00Z") -> int:
    """Later versions of ``count`` current reports (new content at the same URL), as a recrawl finds them."""
    rng = random.Random(seed)
    rows = conn.execute(
        "SELECT id, url, portal, organ, year, level FROM reports WHERE is_current = 1 AND cell_count > 0 ORDER BY id"
    ).fetchall()
    written = 0
    with transaction(conn):
        for row in rng.sample(rows, min(count, len(rows))):
            place = Place(row[2], "", None, "", ())
            office = Office(place, row[3], row[3], row[5] or "county", 2015)
            page, report = synthetic_report(rng, office, row[4], row[0])
            page = IngestInput(row[1], page.data + b"<!-- v2 -->", CONTENT_TYPE, fetched=when)
            report.source, report.sha256 = row[1], page.sha256
            written += write_report(conn, prepared_extraction(page, report), portal=row[2]).status == "changed"
    return written


def digest(conn: sqlite3.Connection) -> str:
    """A short digest of the reports written (two fills with the same arguments give the same one)."""
    h = hashlib.sha256()
    for row in conn.execute("SELECT doc_key, version, content_sha256 FROM reports ORDER BY id"):
        h.update(repr(tuple(row)).encode())
    return h.hexdigest()[:16]

"""Real archive databases and WARC files for the publishing tests (search, Datasette, dump).

:func:`build_archive` writes an archive directory the way the crawler does: gzip WARC files
(``archive.store.warc.WarcWriter``) and an SQLite database with the real schema
(``archive.store.schema.create_schema``) filled from ``archive/demo/sample.py`` reports — reports,
cells with canonical keys, R1–R4 checks, sections, snapshots pointing at the WARC records,
portals, attachments.  Some reports are made inconsistent on purpose (known failing checks),
one page is GBK, one page carries a script and remote resources (for the sandbox tests), one
report's values come from a PDF attachment, one section is in traditional characters.
"""

from __future__ import annotations

import html
import os
import random
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from portalgen.sample import COUNTIES, DEPARTMENTS, TOWNS, SampleReport, generate_report

from archive.store.schema import create_schema
from archive.store.warc import RevisitTarget, WarcWriter
from extract.schema import APPLICANT_KEYS, APPLICATION_ROWS, R3_LEAVES, REVIEW_COLUMNS, REVIEW_ROWS

PORTAL_CODES = {
    "城步苗族自治县": "430529",
    "平潭县": "350128",
    "吴起县": "610626",
    "松阳县": "331124",
    "微山县": "370826",
}
TRADITIONAL_TEXT = "本年度繼續推進扶貧資金公開，落實城鄉低保資訊發佈。"
SCRIPT_MARKER = "SCRIPT RAN"
GBK_MARKER = "本页面使用GBK编码"
LATIN_TEXT = "通过政务APP、微信公众号和12345热线回应关切，公开PDF文件3件。"


def minimal_pdf(text: str) -> bytes:
    """A small, valid one-page PDF showing ``text`` (ASCII)."""
    stream = f"BT /F1 18 Tf 50 750 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@dataclass
class FixtureReport:
    id: int
    sample: SampleReport
    portal: str
    county: str
    province: str
    url: str
    snapshot_id: int
    source_snapshot_id: int
    carrier: str = "html"
    broken: tuple[str, str] | None = None  # (row, col) whose stored value was changed by +delta
    delta: int = 0
    kind: str = "plain"  # plain | gbk | script | pdf | traditional


@dataclass
class ArchiveFixture:
    root: Path
    db_path: Path
    archive_dir: Path
    reports: list[FixtureReport] = field(default_factory=list)
    twin_snapshot_id: int | None = None

    def report(self, kind: str) -> FixtureReport:
        return next(r for r in self.reports if r.kind == kind)


def _page_html(
    sample: SampleReport, extra_body: str = "", charset: str | None = "utf-8", intro_only: bool = False
) -> str:
    head = f'<meta charset="{charset}">' if charset else ""
    parts = [
        f"<!DOCTYPE html><html><head>{head}<title>{html.escape(sample.title)}</title>",
        f'<meta name="ArticleTitle" content="{html.escape(sample.title)}"></head><body>',
        f"<h1>{html.escape(sample.title)}</h1>",
        f"<p>{html.escape(sample.preamble)}</p>",
    ]
    if intro_only:
        parts.append('<p>详见附件：<a href="report.pdf">年度报告（PDF）</a></p>')
    else:
        for heading, text in sample.sections:
            parts.append(f"<h2>{html.escape(heading)}</h2><p>{html.escape(text)}</p>")
        if sample.cells:
            parts.append('<table border="1">')
            for row in APPLICATION_ROWS.get(sample.template, ()):
                vals = "".join(
                    f"<td>{html.escape(sample.cells[('applications', row.key, c)].raw)}</td>" for c in APPLICANT_KEYS
                )
                parts.append(f"<tr><td>{html.escape(row.label)}</td>{vals}</tr>")
            parts.append("</table>")
    parts.append(extra_body + "</body></html>")
    return "".join(parts)


def _checks(values: dict[tuple[str, str, str], float | None], template: str) -> list[tuple]:
    """R1–R4 as (rule, column, ok, expected, actual, table_name)."""

    def v(t, r, c):
        x = values.get((t, r, c))
        return 0 if x is None else x

    out = []
    if template not in ("2019", "2021"):
        return out
    for col in APPLICANT_KEYS:
        left = v("applications", "new_received", col) + v("applications", "carried_over", col)
        right = v("applications", "total", col) + v("applications", "carried_forward", col)
        out.append(("R1", col, int(left == right), left, right, "applications"))
    for row in APPLICATION_ROWS[template]:
        parts = sum(v("applications", row.key, c) for c in APPLICANT_KEYS[:-1])
        total = v("applications", row.key, "total")
        out.append(("R2", row.key, int(parts == total), parts, total, "applications"))
    for col in APPLICANT_KEYS:
        s = sum(v("applications", leaf, col) for leaf in R3_LEAVES[template])
        total = v("applications", "total", col)
        out.append(("R3", col, int(s == total), s, total, "applications"))
    for row, _ in REVIEW_ROWS:
        s = sum(v("review_litigation", row, c) for c, _ in REVIEW_COLUMNS if c != "total")
        total = v("review_litigation", row, "total")
        out.append(("R4", row, int(s == total), s, total, "review_litigation"))
    return out


def _labels(template: str) -> dict[str, str]:
    return {r.key: (r.ordinal or "") + r.label for r in APPLICATION_ROWS.get(template, ())}


TEMPLATES = ["2021", "2019", "2021", "pre2019", "2021", "none", "2019", "2021"]
LEVELS = ["county", "town", "department", "town"]


def _organ(rng: random.Random, level: str, county: str) -> tuple[str, str]:
    if level == "county":
        return county + "人民政府", county + "人民政府"
    if level == "department":
        dept = county + rng.choice(DEPARTMENTS)
        return dept, dept
    town = rng.choice(TOWNS)
    return town + "人民政府", town


def build_archive(
    root: Path,
    n_reports: int = 24,
    seed: int = 7,
    *,
    twins: bool = True,
    traditional: bool = True,
    leak_base: str = "http://127.0.0.1:9",
    meta_archive_dir: bool = True,
) -> ArchiveFixture:
    """Write ``root/archive.db`` and ``root/warc/*.warc.gz`` with ``n_reports`` sample reports.

    ``leak_base`` is where the script page's remote image and style sheet point (a server the
    browser test watches); ``traditional`` adds one section in traditional characters.
    """
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    db_path = root / "archive.db"
    conn = sqlite3.connect(db_path)
    create_schema(conn)
    fixture = ArchiveFixture(root, db_path, root)
    for county, province, city in COUNTIES:
        code = PORTAL_CODES[county]
        conn.execute(
            "INSERT INTO portals(id, code, name, level, province, city, county, hosts, platform) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                code,
                code,
                county + "人民政府门户网站",
                "county",
                province,
                city,
                county,
                f'["www.{code}.gov.cn"]',
                "trs",
            ),
        )
    known: dict[str, tuple] = {}
    base = datetime(2024, 5, 1, 8, 0, 0, tzinfo=UTC)
    special = {1: "gbk", 2: "script", 3: "pdf", 4: "traditional" if traditional else "plain"}
    if meta_archive_dir:
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('archive_dir', ?)", (str(root.resolve()),))
    with WarcWriter(root / "warc", prefix="fixture") as writer:

        def store(url: str, payload: bytes, content_type: str, fetched: datetime, portal: str, kind: str) -> int:
            def known_payload(sha: str):
                hit = known.get(sha)
                return RevisitTarget(hit[0], hit[1], hit[2], hit[3], hit[4]) if hit else None

            written = writer.write_exchange(
                url,
                method="GET",
                request_headers=[("User-Agent", "nianbao-test")],
                request_body=None,
                status=200,
                reason="OK",
                response_headers=[("Content-Type", content_type), ("Server", "fixture")],
                payload=payload,
                fetched=fetched,
                known_payload=known_payload,
            )
            if not written.revisit:
                known[written.sha256] = (url, written.date, written.record_id, written.warc_file, written.offset)
            cur = conn.execute(
                "INSERT INTO snapshots(sha256, url, fetched, last_seen, status, content_type, length, warc_file, warc_offset,"
                " warc_length, warc_record_id, portal, kind) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    written.sha256,
                    url,
                    written.date,
                    written.date,
                    200,
                    content_type,
                    len(payload),
                    written.warc_file,
                    written.offset,
                    written.length,
                    written.record_id,
                    portal,
                    kind,
                ),
            )
            return int(cur.lastrowid)

        for i in range(n_reports):
            template = TEMPLATES[i % len(TEMPLATES)]
            level = LEVELS[i % len(LEVELS)]
            county, province, _city = COUNTIES[i % len(COUNTIES)]
            organ, short = _organ(rng, level, county)
            sample = generate_report(rng, template, level=level, organ=organ, short_name=short)
            kind = special.get(i, "plain")
            if i % 6 == 5:  # published late: 40 days after the statutory deadline
                sample.published = statutory_deadline(sample.year, level) + timedelta(days=40)
            if kind == "script" and not sample.cells:
                kind = "plain"
            if kind == "traditional":
                sample.sections.append(("七、其他", TRADITIONAL_TEXT))
            if i % 4 == 1 and sample.sections:
                heading, text = sample.sections[0]
                sample.sections[0] = (heading, text + LATIN_TEXT)
            portal = PORTAL_CODES[county]
            fetched = base + timedelta(hours=i)
            url = f"http://www.{portal}.gov.cn/zwgk/ndbg/{sample.published:%Y%m}/t{sample.published:%Y%m%d}_{1000 + i}.html"
            if kind == "gbk":
                body = _page_html(sample, f"<p>{GBK_MARKER}</p>", charset=None).encode("gbk")
                page_id = store(url, body, "text/html; charset=GBK", fetched, portal, "detail")
            elif kind == "script":
                extra = (
                    f"<script>document.body.innerHTML = '<h1>{SCRIPT_MARKER}</h1>';</script>"
                    f'<img src="{leak_base}/leak.png" alt="remote image">'
                    f'<link rel="stylesheet" href="{leak_base}/leak.css">'
                    f'<iframe src="{leak_base}/leak-frame.html"></iframe>'
                )
                page_id = store(
                    url,
                    _page_html(sample, extra).encode("utf-8"),
                    "text/html; charset=utf-8",
                    fetched,
                    portal,
                    "detail",
                )
            else:
                page = _page_html(sample, intro_only=(kind == "pdf")).encode("utf-8")
                page_id = store(url, page, "text/html", fetched, portal, "detail")
            source_id = page_id
            carrier = "html"
            if kind == "pdf":
                pdf_url = url.rsplit("/", 1)[0] + "/report.pdf"
                source_id = store(
                    pdf_url, minimal_pdf(f"Annual report {1000 + i}"), "application/pdf", fetched, portal, "attachment"
                )
                carrier = "pdf"
            # values as stored: the sample's values, some deliberately broken
            values = {k: c.value for k, c in sample.expected_cells().items()}
            broken = None
            delta = 0
            if template in ("2019", "2021") and i % 5 == 2:
                broken, delta = ("granted", "natural_person"), 3
                values[("applications", *broken)] = (values[("applications", *broken)] or 0) + delta
            checks = _checks(values, template)
            cur = conn.execute(
                "INSERT INTO reports(url, title, organ, year, template, published, fetched, sha256, portal, doc_key, version,"
                " is_current, snapshot_id, source_snapshot_id, carrier, content_type, level, cell_count, checks_failed,"
                " warning_count, last_seen) VALUES (?,?,?,?,?,?,?,?,?,?,1,1,?,?,?,?,?,?,?,0,?)",
                (
                    url,
                    sample.title,
                    sample.organ,
                    sample.year,
                    template,
                    sample.published.isoformat(),
                    fetched.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    f"{i:064x}",
                    portal,
                    url,
                    page_id,
                    source_id,
                    carrier,
                    "application/pdf" if carrier == "pdf" else "text/html",
                    level,
                    len(values),
                    sum(1 for c in checks if not c[2]),
                    fetched.strftime("%Y-%m-%dT%H:%M:%SZ"),
                ),
            )
            report_id = int(cur.lastrowid)
            labels = _labels(template)
            for n, ((table, row, col), cell) in enumerate(sample.expected_cells().items()):
                where = f"p1 [{n},{n},{n + 1},{n + 1}]" if carrier == "pdf" else f"t1/r{n // 7 + 1}/c{n % 7 + 1}"
                conn.execute(
                    'INSERT INTO cells(report_id, table_name, "row", col, value, raw, unit, label, "where") VALUES (?,?,?,?,?,?,?,?,?)',
                    (
                        report_id,
                        table,
                        row,
                        col,
                        values[(table, row, col)],
                        cell.raw,
                        cell.unit,
                        labels.get(row, row),
                        where,
                    ),
                )
            conn.executemany(
                'INSERT INTO checks(report_id, rule, "column", ok, expected, actual, table_name) VALUES (?,?,?,?,?,?,?)',
                [(report_id, *c) for c in checks],
            )
            conn.execute(
                "INSERT INTO sections(report_id, number, heading, text) VALUES (?,0,NULL,?)",
                (report_id, sample.preamble),
            )
            for number, (heading, text) in enumerate(sample.sections, start=1):
                conn.execute(
                    "INSERT INTO sections(report_id, number, heading, text) VALUES (?,?,?,?)",
                    (report_id, number, heading, text),
                )
            if carrier == "pdf":
                conn.execute(
                    "INSERT INTO attachments(report_id, url, link_text, sha256, content_type, kind, snapshot_id, used_for_values)"
                    " VALUES (?,?,?,?,?,?,?,1)",
                    (
                        report_id,
                        url.rsplit("/", 1)[0] + "/report.pdf",
                        "年度报告（PDF）",
                        "",
                        "application/pdf",
                        "pdf",
                        source_id,
                    ),
                )
            fixture.reports.append(
                FixtureReport(
                    report_id,
                    sample,
                    portal,
                    county,
                    _province(county),
                    url,
                    page_id,
                    source_id,
                    carrier,
                    broken,
                    delta,
                    kind,
                )
            )
        if twins and n_reports > 6:
            # a wap twin of a report page: identical payload, stored as a WARC revisit record
            first = fixture.reports[6]
            twin_url = first.url.replace(".html", "_wap.html")
            snap = store(
                twin_url,
                _page_html(first.sample).encode("utf-8"),
                "text/html",
                base + timedelta(days=30),
                first.portal,
                "detail",
            )
            conn.execute(
                "INSERT INTO report_urls(report_id, url, first_seen) VALUES (?,?,?)", (first.id, twin_url, "2024-06-01")
            )
            fixture.twin_snapshot_id = snap
    conn.commit()
    conn.close()
    return fixture


def statutory_deadline(year: int, level: str) -> date:
    """31 January (departments, towns; from the 2019 report on), else 31 March of ``year + 1``."""
    if year >= 2019 and level in ("department", "town"):
        return date(year + 1, 1, 31)
    return date(year + 1, 3, 31)


def _province(county: str) -> str:
    return next(p for c, p, _ in COUNTIES if c == county)


# ----------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A ``nianbao serve`` subprocess on a random free port (``--port 0``)."""

    def __init__(self, args: list[str], cwd: Path | None = None, timeout: float = 60.0, env: dict | None = None):
        cmd = [sys.executable, "-m", "archive", "serve", "--host", "127.0.0.1", "--port", "0", *args]
        environment = {**os.environ, **env} if env else None
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd, env=environment
        )
        self.url = ""
        self.output: list[str] = []
        started = threading.Event()

        def drain() -> None:  # keep reading so the server never blocks on a full pipe
            for line in self.proc.stdout:
                self.output.append(line)
                if not self.url and line.startswith("nianbao serve: listening on "):
                    self.url = line.split("listening on ", 1)[1].strip().rstrip("/")
                    started.set()
            started.set()

        self._reader = threading.Thread(target=drain, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        started.wait(timeout)
        if not self.url:
            self.stop()
            raise RuntimeError("nianbao serve did not start:\n" + "".join(self.output))
        self._wait_ready(deadline)

    def _wait_ready(self, deadline: float) -> None:
        import httpx

        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/-/versions.json", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("nianbao serve does not answer")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=5)

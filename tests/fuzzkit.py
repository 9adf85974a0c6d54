"""The fuzzing kit (issue 12): seed documents of every carrier, mutations, hostile inputs, and the
properties every extraction must keep.

Seeds come from the test generators (:mod:`portalgen`: HTML pages in random markup styles, text
copies, DOCX, and the LibreOffice-rendered PDF/DOC/WPS/XLSX/XLS of :mod:`carrier_fixtures`).
Mutations are seeded (one ``random.Random`` per input, from the run's seed and the input's
number), so a failure is reproduced from its number alone.

Properties (:func:`check_extraction`):

* **no exception** other than :class:`~extract.model.ExtractionError`;
* **no invented number**: every cell value is a digit run of its published text (the cell's
  ``raw``) and, for HTML and text, of the input itself (tags removed, entities decoded, NFKC);
* **no table lost without a warning** (mutations that keep the tables' markup): a statistical
  table the seed yields is in the output, or the report carries warnings;
* **inside the budget**: the document used no more processor time than its budget
  (:func:`extract.limits.budget_for`; the measure a loaded machine does not inflate) and was not
  stopped by it.
"""

from __future__ import annotations

import html
import random
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from extract import ExtractionError, extract_document
from extract.encoding import decode_bytes
from extract.limits import budget_for, last_usage
from extract.model import Report
from extract.sniff import sniff_kind

CTYPES = {
    "html": "text/html; charset=utf-8",
    "text": "text/plain",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "doc": "application/msword",
    "wps": "application/vnd.ms-works",
}


@dataclass
class Seed:
    """One well-formed document and the statistical tables its extraction yields."""

    kind: str
    data: bytes
    content_type: str
    tables: frozenset[str] = frozenset()


@dataclass
class Case:
    """One fuzz input: its bytes, what made it, and whether its tables' markup is intact."""

    number: int
    kind: str  # carrier of the seed
    mutation: str
    data: bytes
    content_type: str | None
    seed_tables: frozenset[str] = frozenset()
    keeps_tables: bool = False


@dataclass
class Outcome:
    """What one input did: ``read`` / ``refused`` (ExtractionError) and any property broken."""

    case: Case
    verdict: str
    seconds: float  # wall-clock
    cpu_seconds: float  # processor time, the budget's measure (the limited child's, or this process's)
    problems: list[str] = field(default_factory=list)
    detail: str = ""
    in_child: bool = False
    peak_rss_mb: float | None = None


# --------------------------------------------------------------------------- seeds


def html_seeds(n: int, seed: int = 12) -> list[Seed]:
    from portalgen.render_html import random_style, render_page
    from portalgen.sample import generate_report

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        report = generate_report(rng, rng.choice(["2019", "2021", "2021", "pre2019"]))
        page = render_page(report, random_style(rng), rng.choice(["utf-8", "utf-8", "gbk", "gb18030"]))
        out.append(Seed("html", page.data, page.content_type))
    return out


def text_seeds(n: int, seed: int = 13) -> list[Seed]:
    from portalgen.render_text import SHAPES, render_text
    from portalgen.sample import generate_report

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        report = generate_report(rng, rng.choice(["2019", "2021"]))
        text = render_text(report, shape=rng.choice(SHAPES))
        out.append(Seed("text", text.encode(rng.choice(["utf-8", "gb18030"])), "text/plain"))
    return out


def docx_seeds(n: int, seed: int = 14) -> list[Seed]:
    from portalgen.render_docx import render_docx
    from portalgen.sample import generate_report

    rng = random.Random(seed)
    return [
        Seed("docx", render_docx(generate_report(rng, rng.choice(["2019", "2021"]))), CTYPES["docx"]) for _ in range(n)
    ]


def office_seeds(kinds: tuple[str, ...] = ("pdf", "xlsx", "xls", "doc", "wps")) -> list[Seed]:
    """The LibreOffice renders of :mod:`carrier_fixtures` (cached on disk after the first run)."""
    from carrier_fixtures import render_all

    return [Seed(fmt, data, CTYPES[fmt]) for (_name, fmt), data in sorted(render_all().items()) if fmt in kinds]


def with_tables(seeds: list[Seed]) -> list[Seed]:
    """The seeds with the statistical tables their extraction yields."""
    for s in seeds:
        report = extract_document(s.data, content_type=s.content_type)
        s.tables = frozenset(c.table for c in report.cells)
    return seeds


# --------------------------------------------------------------------------- hostile values

HOSTILE_NUMBERS = (
    "418 1509",
    "1 2 3",
    "12\u30003",
    "12\u00a034",
    "1" * 23,
    "9" * 5000,
    "1" * 16,
    "0." + "3" * 40,
    "1e400",
    "１２ ３",
    "−0",
    "--5",
    "1,2,3",
    "1,23,456",
    "١٢٣",
    "①②",
    "12.",
    ".5",
    "+-3",
    "NaN",
    "inf",
    "0x1F",
    "1_000",
    "12件 3件",
    "增 减 5",
    "1\u200b2",
    "⑫",
    "1/2",
    "½",
    "2,000,000,000,000,000,000",
    "00000000000000000000000001",
    "1.5.6",
    "12" * 3000,
)


def hostile_number(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return rng.choice(HOSTILE_NUMBERS)
    alphabet = "0123456789０１２３ ,.，。\u3000\u00a0\n\t-−—+增减元件%‰万亿零〇"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))


# --------------------------------------------------------------------------- mutations

_CELL_RE = re.compile(r"(<td[^>]*>)(.*?)(</td>)", re.I | re.S)
_TEXT_VALUE_RE = re.compile(r"(?m)^(\t)([^\t\n]{0,3}[0-9０-９][^\t\n]{0,15})$")


def _decoded(data: bytes, kind: str) -> tuple[str, str]:
    text, encoding, _ = decode_bytes(data, None, html=kind == "html")
    return text, encoding or "utf-8"


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="xmlcharrefreplace" if encoding != "utf-8" else "surrogatepass")


def _body_insert(page: str, prefix: str, suffix: str = "") -> str:
    m = re.search(r"<body[^>]*>", page, re.I)
    if not m:
        return prefix + page + suffix
    end = page.lower().rfind("</body>")
    end = end if end > m.end() else len(page)
    return page[: m.end()] + prefix + page[m.end() : end] + suffix + page[end:]


def m_hostile_cells(rng: random.Random, seed: Seed) -> tuple[bytes, str | None, bool]:
    """Value cells replaced by hostile numbers (HTML cells or tabbed text cells)."""
    text, enc = _decoded(seed.data, seed.kind)
    rx = _CELL_RE if seed.kind == "html" else _TEXT_VALUE_RE
    count = rng.randint(1, 12)

    def repl(m: re.Match) -> str:
        nonlocal count
        inner = html.unescape(_TAG_RE.sub("", m.group(2))).strip()
        if count <= 0 or not re.search(r"[0-9０-９]", inner) or len(inner) > 20 or rng.random() < 0.5:
            return m.group(0)
        count -= 1
        value = hostile_number(rng)
        return (
            m.group(1)
            + (html.escape(value) if seed.kind == "html" else value.replace("\n", " "))
            + (m.group(3) if seed.kind == "html" else "")
        )

    return _encode(rx.sub(repl, text), enc), seed.content_type, False


def m_deep_nesting(rng: random.Random, seed: Seed) -> tuple[bytes, str | None, bool]:
    """The body wrapped in hundreds to thousands of unclosed or nested wrappers (Word-pasted pages)."""
    text, enc = _decoded(seed.data, seed.kind)
    depth = rng.choice([100, 200, 255, 256, 300, 1000, 2047, 2100, 5000])
    tag = rng.choice(["div", "font", "span", "b", "font face=宋体 size=3", "span style='font-size:12pt'"])
    name = tag.split()[0]
    close = rng.random() < 0.5
    page = _body_insert(text, f"<{tag}>" * depth, f"</{name}>" * depth if close else "")
    return _encode(page, enc), seed.content_type, True


def m_junk_around(rng: random.Random, seed: Seed) -> tuple[bytes, str | None, bool]:
    """Comments, scripts, stray markup and long paragraphs around the tables (markup kept)."""
    text, enc = _decoded(seed.data, seed.kind)
    if seed.kind == "text":
        junk = "\n".join(
            rng.choice(["说明：本表数据截至12月31日。", "　" * 40, "=" * 80, "附件：" + "表" * 500]) for _ in range(20)
        )
        return _encode(junk + "\n" + text + "\n" + junk, enc), seed.content_type, True
    pieces = [
        "<!-- " + "x" * rng.randint(1, 5000) + " -->",
        "<script>var a = '<td>99999</td>';</script>",
        "<p>" + "文字" * rng.randint(1, 3000) + "</p>",
        "<style>td{color:red}</style>",
        "<p style='display:none'><table><tr><td>5</td></tr></table></p>",
        "<![if !supportMisalignedColumns]><tr><td>1</td></tr><![endif]>",
        "<base href='http://elsewhere.example/'>",
        "<o:p></o:p>" * rng.randint(1, 200),
    ]
    prefix = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
    suffix = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))
    return _encode(_body_insert(text, prefix, suffix), enc), seed.content_type, True


def m_encoding(rng: random.Random, seed: Seed) -> tuple[bytes, str | None, bool]:
    """Encoding confusion: a wrong charset declared, a BOM of another encoding, mixed encodings."""
    text, enc = _decoded(seed.data, seed.kind)
    choice = rng.randrange(6)
    if choice == 0:
        return (
            _encode(text, "gb18030"),
            "text/html; charset=utf-8" if seed.kind == "html" else "text/plain; charset=utf-8",
            False,
        )
    if choice == 1:
        return b"\xef\xbb\xbf" + _encode(text, "gb18030"), seed.content_type, False
    if choice == 2:
        return text.encode("utf-16-le", errors="surrogatepass"), seed.content_type, False
    if choice == 3:
        data = _encode(text, "utf-8")
        cut = rng.randrange(len(data))
        return data[:cut] + _encode(text, "gbk")[cut:], seed.content_type, False
    if choice == 4:
        return _encode(text, "utf-8"), "text/html; charset=x-nonexistent-charset", False
    return (b"\xff\xfe" + _encode(text, "utf-8")), seed.content_type, False


def m_spans(rng: random.Random, seed: Seed) -> tuple[bytes, str | None, bool]:
    """Absurd rowspan/colspan values on HTML cells."""
    text, enc = _decoded(seed.data, seed.kind)
    values = ["0", "-1", "99999999999999999999", "1e9", "65535", "400", "abc", "9" * 5000, "3.5", ""]

    def repl(m: re.Match) -> str:
        if rng.random() < 0.2:
            attr = rng.choice(["rowspan", "colspan"])
            return f'<td {attr}="{rng.choice(values)}">'
        return m.group(0)

    return _encode(re.sub(r"<td>", repl, text), enc), seed.content_type, False


def m_huge(rng: random.Random, seed: Seed) -> tuple[bytes, str | None, bool]:
    """The document grown: repeated tables or rows, a long text, many cells (up to ~6 MB)."""
    text, enc = _decoded(seed.data, seed.kind)
    factor = rng.choice([2, 10, 50, 200])
    if seed.kind == "html":
        m = re.search(r"<table.*?</table>", text, re.S | re.I)
        block = m.group(0) if m else "<p>正文</p>"
        return _encode(_body_insert(text, "", block * factor), enc), seed.content_type, False
    return _encode(text * factor, enc), seed.content_type, False


def m_bytes(rng: random.Random, seed: Seed) -> tuple[bytes, str | None, bool]:
    """Byte-level damage: flips, a cut, a duplicated or zeroed stretch, random insertions, a splice."""
    data = bytearray(seed.data)
    op = rng.randrange(6)
    if op == 0:
        for _ in range(rng.randint(1, 40)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif op == 1:
        data = data[: rng.randrange(1, len(data))]
    elif op == 2:
        a = rng.randrange(len(data))
        b = min(len(data), a + rng.randint(1, 4096))
        data[a:a] = data[a:b] * rng.randint(1, 20)
    elif op == 3:
        a = rng.randrange(len(data))
        data[a : a + rng.randint(1, 4096)] = bytes(rng.randint(1, 4096))
    elif op == 4:
        for _ in range(rng.randint(1, 10)):
            a = rng.randrange(len(data))
            data[a:a] = rng.randbytes(rng.randint(1, 64))
    else:
        a = rng.randrange(len(data))
        data = data[:a] + bytearray(rng.randbytes(rng.randint(1, 2000))) + data[a:]
    return bytes(data), seed.content_type if rng.random() < 0.8 else None, False


_ZIP_TEXT_RE = re.compile(r"(<(?:w:t|t|v)(?:\s[^>]*)?>)([^<]{1,20})(</(?:w:t|t|v)>)")


def m_zip_member(rng: random.Random, seed: Seed) -> tuple[bytes, str | None, bool]:
    """DOCX/XLSX: a part inside the zip mutated (hostile numbers in text runs and cached values,
    damaged XML) and the package zipped again, so the damage reaches the parser."""
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(seed.data))
    names = [n for n in src.namelist() if n.endswith(".xml")]
    target = rng.choice([n for n in names if re.search(r"document|sheet\d|sharedStrings", n)] or names)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            part = src.read(name)
            if name == target:
                if rng.random() < 0.6:
                    text = part.decode("utf-8", "replace")

                    def repl(m: re.Match) -> str:
                        if not re.search(r"[0-9]", m.group(2)) or rng.random() < 0.5:
                            return m.group(0)
                        return m.group(1) + html.escape(hostile_number(rng)) + m.group(3)

                    part = _ZIP_TEXT_RE.sub(repl, text).encode("utf-8")
                else:
                    part = m_bytes(rng, Seed(seed.kind, part, ""))[0]
            dst.writestr(name, part)
    return out.getvalue(), seed.content_type, False


TEXTUAL_MUTATIONS: dict[str, Callable] = {
    "hostile_cells": m_hostile_cells,
    "deep_nesting": m_deep_nesting,
    "junk_around": m_junk_around,
    "encoding": m_encoding,
    "spans": m_spans,
    "huge": m_huge,
    "bytes": m_bytes,
    "zip_member": m_zip_member,
}


def mutate(number: int, rng: random.Random, seed: Seed) -> Case:
    """One mutated input of ``seed``: textual mutations for HTML/text, byte damage for the rest."""
    if seed.kind in ("html", "text"):
        names = [n for n in TEXTUAL_MUTATIONS if n != "zip_member"]
        if seed.kind == "text":
            names = [n for n in names if n not in ("deep_nesting", "spans")]
        name = rng.choice(names)
    elif seed.kind in ("docx", "xlsx") and rng.random() < 0.8:
        name = "zip_member"
    else:
        name = "bytes"
    data, ctype, keeps = TEXTUAL_MUTATIONS[name](rng, seed)
    return Case(number, seed.kind, name, data, ctype, seed.tables, keeps)


HOSTILE_NAMES = (
    "text_50MB", "td_5M", "td_300k", "div_255", "nested_tables", "noise", "empty", "nul", "pdf_header_only",
    "zip_header_only", "ole_header_only", "digits_5000", "digits_23",
)  # fmt: skip


def hostile_documents(rng: random.Random) -> list[Case]:
    """Inputs no generator makes: huge, deep, empty, binary noise, bombs (:data:`HOSTILE_NAMES`)."""
    deep = (
        b"<html><body>"
        + b"<div>" * 255
        + b"<table><tr><td>\xe6\x80\xbb\xe8\xae\xa1</td><td>418 1509</td></tr></table></body></html>"
    )
    out = [
        ("text_50MB", b"\xe6\x8a\xa5 1\t2\n" * 5_000_000, "text/plain"),
        ("td_5M", b"<table><tr>" + b"<td>1</td>" * 5_000_000 + b"</tr></table>", "text/html"),
        ("td_300k", b"<table><tr>" + b"<td>1</td>" * 300_000 + b"</tr></table>", "text/html"),
        ("div_255", deep, "text/html"),
        ("nested_tables", b"<table><tr><td>" * 3000, "text/html"),
        ("noise", rng.randbytes(200_000), None),
        ("empty", b"", None),
        ("nul", b"\x00" * 10_000, None),
        ("pdf_header_only", b"%PDF-1.7\n", None),
        ("zip_header_only", b"PK\x03\x04" + rng.randbytes(100), None),
        ("ole_header_only", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + rng.randbytes(600), None),
        ("digits_5000", ("<table><tr><td>合计</td><td>" + "9" * 5000 + "</td></tr></table>").encode(), "text/html"),
        ("digits_23", ("<table><tr><td>合计</td><td>" + "1" * 23 + "</td></tr></table>").encode(), "text/html"),
    ]
    assert tuple(name for name, _data, _ctype in out) == HOSTILE_NAMES
    return [Case(-i - 1, "hostile", name, data, ctype) for i, (name, data, ctype) in enumerate(out)]


# --------------------------------------------------------------------------- properties

_RUN_RE = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")
# a tag never holds "<": a stray "<" (a damaged "&nbsp;") stays text, as a browser shows it
_BLOCK_TAG_RE = re.compile(r"</?(?:td|th|tr|table|tbody|thead|p|div|br|li|h[1-6]|caption)\b[^<>]*>", re.I)
_TAG_RE = re.compile(r"<[^<>]*>")


def digit_runs(text: str) -> set[Decimal]:
    """The numbers a text shows: NFKC, invisible separators dropped, thousands commas allowed."""
    plain = unicodedata.normalize("NFKC", text).replace("\u200b", "").replace("\ufeff", "")
    out: set[Decimal] = set()
    for m in _RUN_RE.finditer(plain):
        try:
            out.add(Decimal(m.group(0).replace(",", "")))
        except InvalidOperation:
            continue
    return out


def shown(value: float | int, text: str, runs: set[Decimal] | None = None) -> bool:
    """True when ``value`` is a number ``text`` shows (零/〇 show 0)."""
    if value == 0 and ("零" in text or "〇" in text):
        return True
    try:
        number = abs(Decimal(str(value)))
    except InvalidOperation:
        return False
    return number in (runs if runs is not None else digit_runs(text))


def input_text(data: bytes, content_type: str | None) -> str | None:
    """The text of an HTML or text input as a reader sees it (tags dropped, entities decoded)."""
    kind = sniff_kind(data, content_type, None) if data else None
    if kind not in ("html", "text"):
        return None
    text = decode_bytes(data, content_type, html=kind == "html")[0]
    if kind == "html":
        text = html.unescape(_TAG_RE.sub("", _BLOCK_TAG_RE.sub("\n", text)))
    return text


def invented_numbers(report: Report, source: str | None) -> list[str]:
    """Cells whose value is not a digit run of their raw text (or of the input's text)."""
    problems = []
    runs = digit_runs(source) if source is not None else None
    for c in report.cells:
        if c.value is None:
            continue
        if not shown(c.value, c.raw):
            problems.append(f"cell {c.table}/{c.row}/{c.col} = {c.value!r} is not a number of its text {c.raw[:60]!r}")
        elif runs is not None and source is not None and not shown(c.value, source, runs):
            problems.append(f"cell {c.table}/{c.row}/{c.col} = {c.value!r} is not a number of the input")
    return problems


def check_extraction(case: Case) -> Outcome:
    """Extract ``case`` and check every property."""
    before = last_usage()
    started = time.perf_counter()
    cpu_started = time.process_time()
    problems: list[str] = []
    report: Report | None = None
    detail = ""
    try:
        report = extract_document(case.data, content_type=case.content_type)
        verdict = "read"
    except ExtractionError as exc:
        verdict = "refused"
        detail = str(exc)
        if "timed out" in detail or "processor time" in detail:
            problems.append(f"over its budget: {detail}")
    except Exception as exc:  # the property under test: nothing else may escape
        verdict = "crashed"
        detail = f"{type(exc).__name__}: {exc}"[:500]
        problems.append(f"exception outside ExtractionError: {detail}")
    seconds = time.perf_counter() - started
    usage = last_usage()
    in_child = usage is not None and usage is not before
    cpu = usage.cpu_seconds if in_child and usage else time.process_time() - cpu_started
    if case.data:
        kind = sniff_kind(case.data, case.content_type, None)
        budget = budget_for(kind, len(case.data))
        if cpu > budget.cpu_s:
            problems.append(f"{cpu:.1f} s of processor time, over the {budget.cpu_s:g} s budget of a {kind} document")
    if report is not None:
        problems += invented_numbers(report, input_text(case.data, case.content_type))
        if case.keeps_tables:
            lost = case.seed_tables - {c.table for c in report.cells}
            if lost and not report.warnings:
                problems.append(f"tables lost without a warning: {sorted(lost)}")
        detail = f"{len(report.cells)} cells, {len(report.warnings)} warnings"
    return Outcome(
        case, verdict, seconds, cpu, problems, detail, in_child, usage.peak_rss_mb if in_child and usage else None
    )


# --------------------------------------------------------------------------- runs

# share of the inputs per carrier (LibreOffice converts DOC/WPS first: a few seconds each)
MIX = {"html": 0.40, "text": 0.20, "pdf": 0.15, "docx": 0.08, "xlsx": 0.07, "xls": 0.06, "doc": 0.02, "wps": 0.02}


def seeds_for(kinds: set[str], html_n: int = 12, text_n: int = 6, docx_n: int = 4) -> dict[str, list[Seed]]:
    """Seeds of each wanted carrier, with the tables their extraction yields."""
    seeds: list[Seed] = []
    if "html" in kinds:
        seeds += html_seeds(html_n)
    if "text" in kinds:
        seeds += text_seeds(text_n)
    if "docx" in kinds:
        seeds += docx_seeds(docx_n)
    office = tuple(k for k in ("pdf", "xlsx", "xls", "doc", "wps") if k in kinds)
    if office:
        seeds += office_seeds(office)
    by_kind: dict[str, list[Seed]] = {}
    for s in with_tables(seeds):
        by_kind.setdefault(s.kind, []).append(s)
    return by_kind


def cases(n: int, run_seed: int, seeds: dict[str, list[Seed]], mix: dict[str, float] | None = None):
    """``n`` mutated inputs, carriers drawn by ``mix``; input ``i`` depends on (run_seed, i) alone."""
    weights = {k: w for k, w in (mix or MIX).items() if k in seeds}
    kinds, shares = list(weights), list(weights.values())
    for i in range(n):
        rng = random.Random(f"{run_seed}-{i}")
        kind = rng.choices(kinds, shares)[0]
        yield mutate(i, rng, rng.choice(seeds[kind]))

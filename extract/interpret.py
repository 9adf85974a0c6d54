"""Any :class:`Document` → :class:`Report`: tables, template, metadata, sections, checks."""

from __future__ import annotations

import re
from datetime import date

from extract.checks import run_checks, text_checks
from extract.labels import is_caption, squash
from extract.linecells import read_line_tables
from extract.meta import choose_organ, choose_title, find_year
from extract.model import Document, FlattenedTable, ImageBlock, Paragraph, Report, SourceTable
from extract.schema import APPLICANT_KEYS, REVIEW_ROWS
from extract.sections import split_sections
from extract.tables import interpret_tables
from extract.values import parse_value

# A statistical table whose cell boundaries were lost: header words glued together.
_FLATTENED = {
    "active_disclosure": re.compile(
        r"信息内容(本年|上一年|采购)|本年新制作数量本年新公开数量|本年制发件数本年废止件数|第二十条第\(?一\)?项信息内容"
    ),
    # the header words glued, or (header lost) a row label with the digits of its seven cells
    "applications": re.compile(
        r"申请人情况自然人|自然人法人或其他组织|商业企业科研机构|"
        r"(?:本年新收政府信息公开申请数量|上年结转政府信息公开申请数量|结转下年度继续办理|予以公开)[-—/\d]{5,}"
    ),
    "review_litigation": re.compile(r"结果维持结果纠正|行政复议行政诉讼结果维持|行政诉讼情况[-—/\d]{10,}"),
    "legacy_indicators": re.compile(r"指标名称计量单位|统计指标单位|指标名称单位"),
}
_MARKERS_2021 = re.compile(
    r"本年制发件数|本年废止件数|现行有效件数|本年处理决定数量|本年收费金额|逾期不补正|逾期未按收费通知"
)
_MARKERS_2019 = re.compile(
    r"本年新制作数量|本年新公开数量|对外公开总数量|上一年项目数量|采购项目数量|采购总金额|其他对外管理服务事项|政府集中采购"
)
_REPORT_TITLE_RE = re.compile(r"(?:19|20)\d{2}|[〇零一二三四五六七八九○]{4}")
_NOT_REPORT_RE = re.compile(r"通知|函$|方案|制度|解读|意见|格式|的函|模板|模版")


def _flattened_tables(texts: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Which tables appear as flattened text, and 2019/2021 marker counts inside them."""
    found: dict[str, int] = {}
    markers = {"2019": 0, "2021": 0}
    for text in texts:
        s = squash(text)
        for table, rx in _FLATTENED.items():
            for m in rx.finditer(s):
                found[table] = found.get(table, 0) + 1
                if table in ("active_disclosure", "applications"):
                    # markers only inside the flattened table, never from the prose around it
                    window = s[m.start() : m.start() + 1500]
                    markers["2021"] += len(_MARKERS_2021.findall(window))
                    markers["2019"] += len(_MARKERS_2019.findall(window))
    return found, markers


def looks_like_report_title(title: str | None, require_disclosure: bool = True) -> bool:
    """A title names a year and 年度报告/年报/工作报告 and is not a notice about reports (docs/portals.md §6).

    With ``require_disclosure`` (default) it must also name disclosure (信息公开/政务公开 …): a
    政府工作报告 or a 统计年报 is another kind of report.  The crawler relaxes this inside an
    annual-report column, where a bare "2021年度报告" is one.
    """
    if not title:
        return False
    t = squash(title)
    if not re.search(r"年度报告|年报|工作报告", t) or not _REPORT_TITLE_RE.search(t):
        return False
    if require_disclosure and not re.search(r"信息公开|政务公开|政府信息|公开工作", t):
        return False  # 政府工作报告, 法治政府建设年度报告, 统计年报 … are other reports
    if _NOT_REPORT_RE.search(re.sub(r"的?年度报告$|年报$", "", t)) and not t.endswith(
        ("年度报告", "年报", "工作报告", "(图片版)")
    ):
        return False
    if re.search(r"关于(印发|做好|开展|报送|转发)|通知$|的函$|格式$|解读", t):
        return False
    return True


_OCR_RULES = {"applications": ("R1", "R2", "R3"), "review_litigation": ("R4",)}


def _gate_ocr_cells(cells: list, checks: list, ocr_wheres: set[str]) -> tuple[list, bool]:
    """Keep OCR cells only where the consistency rules vouch for every one of them.

    A wrong number is worse than none: OCR cells survive only in the tables R1–R4 cover
    (applications: R1, R2 and R3 all run for every column and pass; review_litigation: R4 runs
    for every row and passes), never under keys invented from misread labels (``extra:``), and
    section 二 (no rule covers it) is never taken from OCR.  Kept cells are marked ``OCR``.
    """
    confirmed: set[str] = set()
    for table, rules in _OCR_RULES.items():
        ran = [c for c in checks if c.rule in rules and c.table == table]
        if table == "applications":
            need = {("R1", k) for k in APPLICANT_KEYS} | {("R3", k) for k in APPLICANT_KEYS}
        else:
            need = {("R4", r) for r, _ in REVIEW_ROWS}
        if need <= {(c.rule, c.column) for c in ran} and all(c.ok for c in ran):
            confirmed.add(table)
    out = []
    kept = False
    for c in cells:
        if c.where not in ocr_wheres:
            out.append(c)
            continue
        if c.table in confirmed and not c.row.startswith("extra:") and not c.col.startswith("extra:"):
            c.where = c.where if c.where.startswith("OCR") else "OCR " + c.where
            out.append(c)
            kept = True
    return out, kept


_SENTENCE_RE = re.compile(r"[。；！？]")


def _is_prose_table(table: SourceTable) -> bool:
    """A table used for layout: no cell holds a number, and its cells hold sentences."""
    texts = [c.text for row in table.rows for c in row if c.text and c.text.strip()]
    if not texts or any(parse_value(t).kind == "number" for t in texts):
        return False
    if len(table.rows) == 1 and len(table.rows[0]) == 1 and not is_caption(texts[0]):
        return True  # one cell: a box round text (a heading, a paragraph)
    prose = sum(len(t) for t in texts if _SENTENCE_RE.search(t) or len(t) > 60)
    return prose >= 0.5 * sum(len(t) for t in texts) and prose >= 40


def _prose_tables_as_text(blocks: list) -> list:
    """Prose a carrier saw as a table (a page frame, a layout table, text without ruling lines
    in columns) back into paragraphs, in reading order: the sections come from the text flow."""
    out: list = []
    for block in blocks:
        if isinstance(block, SourceTable) and not block.ocr and _is_prose_table(block):
            for row in block.rows:
                for cell in row:
                    for line in (cell.text or "").split("\n"):
                        if line.strip():
                            out.append(Paragraph(" ".join(line.split()), where=cell.where))
        elif isinstance(block, FlattenedTable) and not any(rx.search(squash(block.text)) for rx in _FLATTENED.values()):
            out.extend(Paragraph(line.strip(), where=block.where) for line in block.text.split("\n") if line.strip())
        else:
            out.append(block)
    return out


def interpret(doc: Document, source: str, sha256: str, content_type: str | None = None) -> Report:
    """Turn a carrier's :class:`Document` into the report of docs/contract.md §3."""
    warnings: list[str] = list(doc.warnings)
    last = doc.blocks[-1] if doc.blocks else None
    # the text flow: prose laid out in tables is text; tables printed one cell per line are tables
    blocks = _prose_tables_as_text(doc.blocks)
    blocks, line_warnings, line_warned = read_line_tables(blocks)
    warnings += line_warnings
    paragraphs = [b.text for b in blocks if isinstance(b, Paragraph)]
    tables = [(i, b) for i, b in enumerate(blocks) if isinstance(b, SourceTable)]
    truncated = next((i for i, t in tables if t is last), None) if doc.carrier == "html" else None
    # a 第二十条第（X）项 caption printed as a paragraph right before a table
    captions: dict[int, str] = {}
    for i, block in enumerate(blocks[1:], 1):
        prev = blocks[i - 1]
        if isinstance(block, SourceTable) and isinstance(prev, Paragraph) and len(prev.text) <= 20:
            item = is_caption(prev.text)
            if item:
                captions[i] = item
    mapped = interpret_tables(tables, [], truncated, captions)
    cells = mapped.cells
    template = mapped.template
    table_templates = dict(mapped.table_templates)
    table_warnings = list(mapped.warnings)

    # tables whose boundaries were lost (text dumps, PDFs without ruling lines)
    flat_texts = paragraphs + [b.text for b in blocks if isinstance(b, FlattenedTable)]
    flattened, flat_markers = _flattened_tables(flat_texts)
    with_cells = {c.table for c in cells}
    for table in sorted(flattened):
        if table not in with_cells and table not in line_warned:
            warnings.append(
                f"table {table} is published without cell boundaries (digits of neighbouring cells run together); "
                "no cells emitted for it"
            )
    if template in ("none", "undetermined") or (
        template == "pre2019" and not any(c.table == "legacy_indicators" for c in cells)
    ):
        if flat_markers["2019"] or flat_markers["2021"]:
            template = "2021" if flat_markers["2021"] > flat_markers["2019"] else "2019"
            table_templates.setdefault("active_disclosure", template)
        elif "legacy_indicators" in flattened and template == "none":
            template = "pre2019"

    title = choose_title([doc.title, *doc.title_candidates], paragraphs)
    full_text = "\n".join(paragraphs)
    published = doc.published
    year, year_source = find_year(title, full_text, published)
    if year is None and published:
        year = date.fromisoformat(published).year - 1
        warnings.append(f"year covered not stated; taken as the publication year − 1 ({year})")
    if template == "undetermined":
        template = "2021" if (year or 0) >= 2021 else "2019"
        warnings.append(f"template not distinguishable from the labels; taken from the year covered ({template})")
        for t in list(table_templates):
            table_templates[t] = template
    organ = choose_organ(title, full_text, paragraphs, doc.meta)

    # OCR cells are only kept when R1–R4 pass
    ocr_wheres = {c.where for _i, t in tables if t.ocr for row in t.rows for c in row}
    checks, check_warnings = run_checks(cells, template, organ)
    if ocr_wheres and any(c.where in ocr_wheres for c in cells):
        cells, kept = _gate_ocr_cells(cells, checks, ocr_wheres)
        rows_left = {c.row for c in cells}
        table_warnings = [
            w
            for w in table_warnings
            if not (m := re.match(r"extra row in section . kept as '(.+)'$", w)) or m.group(1) in rows_left
        ]
        if not kept:
            warnings.append("tables are images: OCR cells could not be confirmed by R1, R3 and R4 and were dropped")
        checks, check_warnings = run_checks(cells, template, organ)
    images = [b for b in blocks if isinstance(b, ImageBlock)]
    has_national = any(c.table in ("active_disclosure", "applications", "review_litigation") for c in cells)
    if images and not has_national and not flattened and not any(c.table == "legacy_indicators" for c in cells):
        if not any("tables are images" in w for w in warnings) and (
            re.search(r"图片版", title or "")
            or re.search(r"主动公开政府信息情况|收到和处理", full_text)
            or not paragraphs
        ):
            warnings.append(f"tables are images: {len(images)} image(s) in the body and no readable statistical table")
    if (
        template in ("2019", "2021")
        and not has_national
        and not flattened
        and not any("tables are images" in w for w in warnings)
    ):
        warnings.append("the report's tables carry labels but no readable values")

    sections = split_sections(paragraphs, modern=template in ("2019", "2021"))
    if sections and sections[0].number == 0 and title:
        # the title line is not part of the preamble
        lines = sections[0].text.split("\n")
        while lines and squash(lines[0]) == squash(title):
            lines.pop(0)  # the title line (only a whole line equal to the title)
        pre = "\n".join(lines).strip()
        if pre:
            sections[0].text = pre
        else:
            sections.pop(0)
    checks = checks + text_checks(sections, cells, template)
    numbered = len([s for s in sections if s.number])
    is_report = looks_like_report_title(title) or bool(cells) or numbered >= 4
    if int(doc.meta.get("nianbao:report_links", "0") or 0) >= 3 and not cells and numbered < 3:
        is_report = False  # a column/list page linking several reports
    return Report(
        source=source,
        sha256=sha256,
        template=template,
        title=title,
        organ=organ,
        year=year,
        year_source=year_source,
        published=published,
        sections=sections,
        cells=cells,
        checks=checks,
        warnings=warnings + table_warnings + check_warnings,
        carrier=doc.carrier,
        content_type=content_type,
        encoding=doc.encoding,
        table_templates=table_templates,
        attachments=list(doc.attachments),
        canonical_url=doc.canonical_url,
        is_report=is_report,
        pages=doc.pages,
    )

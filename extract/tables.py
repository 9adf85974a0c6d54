"""Statistical tables → canonical cells (docs/report-format.md §3–§5, §8).

Two passes over every table of a document, in document order:

1. *reading*: expand spans into a grid, recognise captions and header blocks, follow the zone
   (section 二 / 三 / 四 / pre-2019) across split tables, and record each data row as its label
   path plus its value cells (in order);
2. *mapping*: decide the template from the labels seen, then give every row its key and every
   value its column — by the order of the value cells, never by grid position.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extract.grid import Placed, RowView, covering, expand
from extract.labels import Label, collapse_ws, is_caption, normalise_label, split_glued, squash
from extract.model import Cell, SourceTable
from extract.schema import ACTIVE_SUBTABLES, APPLICANT_KEYS, APPLICATION_ROWS_2021, REVIEW_COLUMNS, REVIEW_ROWS
from extract.spelling import closest
from extract.values import parse_value
from extract.vocab import (
    ACTIVE_COL_KEYWORDS,
    ACTIVE_COL_LABELS,
    ACTIVE_COL_SPELLING,
    ACTIVE_ROW_ITEM,
    ACTIVE_ROW_LABELS,
    ACTIVE_ROW_MARKERS,
    ACTIVE_ROW_SPELLING,
    APP_2021_LEAVES,
    APP_COL_LABELS,
    APP_GROUPS,
    APP_HEADER_WORDS,
    APP_LEAF_BY_ORDINAL,
    APP_LEAF_KEYWORDS,
    APP_LEAF_LABELS,
    APP_LEVEL1_GROUP,
    APP_LEVEL1_KEYWORDS,
    APP_LEVEL1_ROWS,
    APP_SKIP_COLS,
    APP_SPELLING_ALL,
    APP_SPELLING_BY_GROUP,
    LEGACY_LABEL_HEADERS,
    LEGACY_UNIT_HEADERS,
    REVIEW_HEADER_WORDS,
    keyword_match,
    legacy_col,
    review_col,
    review_group,
)

ACTIVE, APPS, REVIEW, LEGACY = "active_disclosure", "applications", "review_litigation", "legacy_indicators"
STANDARD_REVIEW = [(r, c) for r, _ in REVIEW_ROWS for c, _ in REVIEW_COLUMNS]


# ----------------------------------------------------------------------------- helpers


def cell_text(p: Placed) -> str:
    return p.cell.text or ""


def kind_of(p: Placed) -> str:
    return parse_value(cell_text(p)).kind


def seg_labels(p: Placed) -> list[tuple[str, Label]]:
    """The label segments of one label cell (glued labels split), normalised."""
    return [(seg, normalise_label(seg)) for seg in split_glued(cell_text(p))]


@dataclass
class Evidence:
    """Template evidence: marker → count, per table of the report."""

    active: dict[str, int] = field(default_factory=lambda: {"2019": 0, "2021": 0})
    apps: dict[str, int] = field(default_factory=lambda: {"2019": 0, "2021": 0})
    legacy: int = 0
    tables_seen: set[str] = field(default_factory=set)


@dataclass
class ActiveHeader:
    item: str | None
    labels: list[Label]  # header labels after 信息内容, in order


@dataclass
class DataRow:
    zone: str
    table_index: int
    labels: list[Placed]  # label cells, left to right
    values: list[Placed]  # own value cells in order
    item: str | None = None  # active: current 第二十条 item
    active_header: ActiveHeader | None = None
    app_cols: list[str | None] | None = None  # applications: col key per value position
    review_cols: list[tuple[str, str] | None] | None = None  # review: (row, col) per value position
    review_header_cols: list[str | None] | None = None  # transposed review: col per value
    review_groups: set[str] = field(default_factory=set)
    legacy_roles: list[str | None] | None = None  # legacy: role per own cell (label/unit/value/cumulative)
    app_group_spans: bool = False  # a （六）其他处理 cell spanning several rows in this row's label path
    is_last_row: bool = False  # the last row of its table


class TableReader:
    """Pass 1: read tables into data rows and template evidence."""

    def __init__(self) -> None:
        self.rows: list[DataRow] = []
        self.evidence = Evidence()
        self.warnings: list[str] = []
        self.last_app_cols: list[str | None] | None = None

    # ------------------------------------------------------------------ public
    def read(self, table: SourceTable, table_index: int, caption_item: str | None = None) -> None:
        """Read one table; ``caption_item`` is the 第二十条 item of a caption printed just before it."""
        views = expand(table)
        zone: str | None = ACTIVE if caption_item else None
        item: str | None = caption_item
        active_header: ActiveHeader | None = None
        value_x0: dict[str, int] = {}
        header_rows: list[int] = []
        header_zone: str | None = None
        app_cols: list[str | None] | None = None
        review_cols: list[tuple[str, str] | None] | None = None
        review_header_cols: list[str | None] | None = None
        review_groups: set[str] = set()
        legacy_roles: list[str | None] | None = None

        def close_header() -> None:
            nonlocal header_rows, header_zone, app_cols, review_cols, review_header_cols, review_groups
            if not header_rows:
                return
            if header_zone == APPS:
                cols, x0 = self._app_header(views, header_rows, table.spans_known)
                if x0 is not None:
                    value_x0[APPS] = x0
                app_cols = cols
                if cols:
                    self.last_app_cols = cols
            elif header_zone == REVIEW:
                review_cols, x0, review_groups, review_header_cols = self._review_header(
                    views, header_rows, table.spans_known
                )
                if x0 is not None:
                    value_x0[REVIEW] = x0
            header_rows = []
            header_zone = None

        for view in views:
            texts = [cell_text(p).strip() for p, _ in view.cells]
            if not any(t.strip() for t in texts) and not (header_zone == REVIEW and len(view.own()) >= 5):
                # an empty row; but the 四 data row right under its header is a row of blank cells
                # (blank → null cells, docs/contract.md §2), never dropped
                continue
            own_nonblank = [p for p in view.own() if cell_text(p).strip()]
            distinct_nonblank = [p for p, _ in view.cells if cell_text(p).strip()]
            # -- caption of a section-二 sub-table
            cap = next((is_caption(cell_text(p)) for p in own_nonblank if is_caption(cell_text(p))), None)
            if cap and len(own_nonblank) <= 2 and not any(kind_of(p) == "number" for p in own_nonblank):
                close_header()
                zone, item, active_header = ACTIVE, cap, None
                value_x0.pop(ACTIVE, None)
                self.evidence.tables_seen.add(ACTIVE)
                if cap == "九":
                    self.evidence.active["2019"] += 1
                continue
            # -- a row naming the section (a caption row inside the table)
            if len(distinct_nonblank) == 1 and not any(kind_of(p) == "number" for p in distinct_nonblank):
                s = squash(cell_text(distinct_nonblank[0]))
                if "主动公开政府信息情况" in s:
                    close_header()
                    zone, item, active_header = ACTIVE, None, None
                    continue
                if "收到和处理政府信息公开申请" in s:
                    close_header()
                    zone = APPS
                    continue
                if "行政复议" in s and "诉讼" in s and "情况" in s:
                    close_header()
                    zone = REVIEW
                    continue
            labels_norm = [normalise_label(cell_text(p)) for p in distinct_nonblank]
            # -- section 二 header row: 信息内容 | col | col …
            info = next((p for p in distinct_nonblank if normalise_label(cell_text(p)).text == "信息内容"), None)
            if info is None and zone == ACTIVE and len(distinct_nonblank) >= 2:
                # a header whose first cell is not 信息内容 (项目, 内容, blank): its other cells are column names
                first, rest = distinct_nonblank[0], distinct_nonblank[1:]
                if all(self._is_active_col(normalise_label(cell_text(p))) for p in rest):
                    info = first
            if info is not None and not any(kind_of(p) == "number" for p in view.own()):
                close_header()
                zone = ACTIVE
                self.evidence.tables_seen.add(ACTIVE)
                cols = [p for p in view.own() if p.x > info.x and cell_text(p).strip()]
                active_header = ActiveHeader(item, [normalise_label(cell_text(p)) for p in cols])
                if cols:
                    value_x0[ACTIVE] = min(p.x for p in cols)
                for lab in active_header.labels:
                    self._active_col_evidence(lab)
                continue
            # -- header block of section 三 or 四 (several rows, read when the first data row comes)
            if self._is_app_header(labels_norm, distinct_nonblank):
                block_zone: str | None = APPS
            elif self._is_review_header(labels_norm, distinct_nonblank):
                block_zone = REVIEW
            else:
                block_zone = None
            if block_zone:
                if header_zone != block_zone:
                    close_header()
                zone = header_zone = block_zone
                header_rows.append(view.index)
                self.evidence.tables_seen.add(block_zone)
                continue
            # -- pre-2019 statistics header
            if self._is_legacy_header(labels_norm, distinct_nonblank):
                close_header()
                zone = LEGACY
                self.evidence.tables_seen.add(LEGACY)
                self.evidence.legacy += 1
                legacy_roles = self._legacy_roles(view)
                continue
            close_header()
            # -- data row
            x0 = value_x0.get(zone) if (zone and table.spans_known) else None
            labels, values = self._split(view, x0)
            row_zone = self._zone_from_labels(labels) or zone
            if row_zone is None:
                continue  # a table that is not a statistical table (or not yet recognised)
            if row_zone != zone:
                zone = row_zone
                if zone != ACTIVE:
                    item, active_header = None, None
                # a split row whose zone changed: re-split without the stale label area
                if x0 is not None and value_x0.get(zone) is None:
                    labels, values = self._split(view, None)
            if zone == ACTIVE:
                key = self._active_row_key(labels)
                if key and key in ACTIVE_ROW_MARKERS:
                    self.evidence.active[ACTIVE_ROW_MARKERS[key]] += 1
                if key and active_header is None and item is None:
                    item = ACTIVE_ROW_ITEM[key]
                if key and active_header is not None and active_header.item is None:
                    active_header.item = ACTIVE_ROW_ITEM[key]  # the sub-table this header belongs to
                self.evidence.tables_seen.add(ACTIVE)
            if zone == APPS:
                self.evidence.tables_seen.add(APPS)
            if not values and zone != LEGACY:
                # labels only: a group row, a repeated level-1 label, a note
                self.rows.append(DataRow(zone, table_index, labels, [], item, active_header))
                continue
            row = DataRow(
                zone,
                table_index,
                labels,
                values,
                item=item,
                active_header=active_header,
                app_cols=app_cols if app_cols is not None else (self.last_app_cols if zone == APPS else None),
                review_cols=review_cols,
                review_header_cols=review_header_cols,
                review_groups=set(review_groups),
                legacy_roles=legacy_roles,
            )
            row.is_last_row = view.index == len(views) - 1
            if zone == APPS:
                row.app_group_spans = any(
                    p.height > 1 and any(lab.text == "其他处理" for _s, lab in seg_labels(p)) for p in labels
                )
            if zone == LEGACY:
                row.labels, row.values = labels, [p for p, own in view.cells if own]
            self.rows.append(row)
        close_header()

    @staticmethod
    def _is_active_col(lab: Label) -> bool:
        return (
            lab.text in ACTIVE_COL_LABELS
            or keyword_match(lab.text, ACTIVE_COL_KEYWORDS) is not None
            or ("处理决定" in lab.text)
        )

    # ------------------------------------------------------------------ evidence
    def _active_col_evidence(self, lab: Label) -> None:
        hit = ACTIVE_COL_LABELS.get(lab.text)
        if hit and hit[1]:
            self.evidence.active[hit[1]] += 1
        elif lab.text.startswith("本年新"):  # truncated 本年新… header: 2019
            self.evidence.active["2019"] += 1

    # ------------------------------------------------------------------ header recognition
    @staticmethod
    def _is_app_header(labels: list[Label], cells: list[Placed]) -> bool:
        if any(kind_of(p) == "number" for p in cells):
            return False
        texts = [lab.text for lab in labels]
        if any("勾稽关系" in lab.full or "第一项加第二项" in lab.full for lab in labels):
            return True
        if any(lab.ordinal for lab in labels):
            return False
        core = {"申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "社会公益组织", "法律服务机构"}
        return bool(core & set(texts)) and all(t in APP_HEADER_WORDS for t in texts)

    @staticmethod
    def _is_review_header(labels: list[Label], cells: list[Placed]) -> bool:
        if any(kind_of(p) == "number" for p in cells):
            return False
        texts = [lab.text for lab in labels]
        if not texts or any(lab.ordinal for lab in labels):
            return False
        known = sum(1 for t in texts if t in REVIEW_HEADER_WORDS or review_col(t) or review_group(t))
        strong = any(t in ("结果维持", "结果纠正", "尚未审结", "未经复议直接起诉", "复议后起诉") for t in texts) or (
            any("复议" in t for t in texts) and any("诉讼" in t for t in texts)
        )
        return strong and known == len(texts)

    @staticmethod
    def _is_legacy_header(labels: list[Label], cells: list[Placed]) -> bool:
        texts = [lab.text for lab in labels]
        has_label = any(t in LEGACY_LABEL_HEADERS for t in texts)
        has_unit = any(t in LEGACY_UNIT_HEADERS for t in texts)
        return has_label and has_unit

    def _legacy_roles(self, view: RowView) -> list[str | None]:
        roles: list[str | None] = []
        for p, _own in view.cells:
            t = normalise_label(cell_text(p)).text
            if t in LEGACY_LABEL_HEADERS:
                roles.append("label")
            elif t in LEGACY_UNIT_HEADERS:
                roles.append("unit")
            else:
                roles.append(legacy_col(t))
        return roles

    def _app_header(
        self, views: list[RowView], rows: list[int], spans_known: bool
    ) -> tuple[list[str | None] | None, int | None]:
        """Column keys of the value columns, from the header block's leaves (x order)."""
        if not spans_known:
            return self._app_header_flat(views, rows), None
        width = max((p.x + p.width for r in rows for p, _ in views[r].cells), default=0)
        leaves: list[Placed] = []
        seen: set[int] = set()
        for x in range(width):
            cov = [p for p in covering(views, range(rows[0], rows[-1] + 1), x) if cell_text(p).strip()]
            if not cov:
                continue
            leaf = cov[-1]
            if leaf.index not in seen:
                seen.add(leaf.index)
                leaves.append(leaf)
        cols: list[str | None] = []
        x0 = None
        for leaf in leaves:
            t = normalise_label(cell_text(leaf)).text
            key = APP_COL_LABELS.get(t)
            if key is None and t not in APP_SKIP_COLS:
                if x0 is None:
                    continue  # the caption / label-area cells left of the value columns
                return None, x0
            if x0 is None:
                x0 = leaf.x
            cols.append(key)
        keys = [c for c in cols if c]
        if sorted(keys) != sorted(APPLICANT_KEYS):
            return None, x0
        return cols, x0

    @staticmethod
    def _app_header_flat(views: list[RowView], rows: list[int]) -> list[str | None] | None:
        """Column order from a header whose merges were lost (plain text): 自然人, the 法人或其他组织
        leaves in their printed order (a 小计 among them), 总计 — as the rows print them."""

        def words(r: int) -> list[str]:
            return [normalise_label(cell_text(p)).text for p, _ in views[r].cells if cell_text(p).strip()]

        leaf_row = next((words(r) for r in rows if "商业企业" in words(r)), None)
        outer_row = next((words(r) for r in rows if "自然人" in words(r) and "总计" in words(r)), None)
        if leaf_row is None:
            return None
        leaves = [w for w in leaf_row if w in APP_COL_LABELS or w in APP_SKIP_COLS]
        if "自然人" in leaves and "总计" in leaves:
            order = leaves  # everything on one row
        elif outer_row is not None:
            outer = [w for w in outer_row if w in ("自然人", "总计") or w in APP_SKIP_COLS]
            order = []
            for w in outer:
                if w == "自然人":
                    order.append(w)
                elif w == "总计":
                    order.append(w)
                elif w in ("法人或其他组织", "法人或者其他组织", "法人及其他组织"):
                    order.extend(leaves)
            if len(order) < len(leaves) + 2:
                return None
        else:
            return None
        cols = [APP_COL_LABELS.get(w) for w in order]
        if sorted(c for c in cols if c) != sorted(APPLICANT_KEYS):
            return None
        return cols

    def _review_header(
        self, views: list[RowView], rows: list[int], spans_known: bool
    ) -> tuple[list[tuple[str, str] | None] | None, int | None, set[str], list[str | None] | None]:
        groups: set[str] = set()
        for r in rows:
            for p, _ in views[r].cells:
                g = review_group(normalise_label(cell_text(p)).text)
                if g and g != "litigation":
                    groups.add(g)
        if not spans_known:
            # flat header rows: the bottom row's column words, for the transposed layout
            cols = [
                review_col(normalise_label(cell_text(p)).text) for p, _ in views[rows[-1]].cells if cell_text(p).strip()
            ]
            return None, None, groups, cols if cols and all(cols) else None
        width = max((p.x + p.width for r in rows for p, _ in views[r].cells), default=0)
        out: list[tuple[str, str] | None] = []
        plain_cols: list[str | None] = []
        seen: set[int] = set()
        x0 = None
        for x in range(width):
            cov = [p for p in covering(views, range(rows[0], rows[-1] + 1), x) if cell_text(p).strip()]
            if not cov:
                continue
            leaf = cov[-1]
            if leaf.index in seen:
                continue
            seen.add(leaf.index)
            col = review_col(normalise_label(cell_text(leaf)).text)
            if col is None:
                continue
            if x0 is None:
                x0 = leaf.x
            group = None
            for p in reversed(cov[:-1]):
                g = review_group(normalise_label(cell_text(p)).text)
                if g and g != "litigation":
                    group = g
                    break
            plain_cols.append(col)
            out.append((group, col) if group else None)
        mapped = out if out and all(out) and len(set(out)) == len(out) else None
        return mapped, x0, groups, plain_cols or None

    # ------------------------------------------------------------------ rows
    @staticmethod
    def _split(view: RowView, value_x0: int | None) -> tuple[list[Placed], list[Placed]]:
        """Label cells and value cells of a data row."""
        cells = view.cells
        if value_x0 is not None:
            labels = [p for p, _own in cells if p.x < value_x0 and kind_of(p) == "text"]
            values = [p for p, own in cells if own and p.x >= value_x0]
            if labels or not any(kind_of(p) == "text" for p in values):
                return labels, values
        first_num = next((i for i, (p, own) in enumerate(cells) if own and kind_of(p) == "number"), None)
        region = cells if first_num is None else cells[:first_num]
        label_end = max((i for i, (p, _own) in enumerate(region) if kind_of(p) == "text"), default=-1)
        labels = [p for p, _own in cells[: label_end + 1] if kind_of(p) == "text"]
        values = [p for p, own in cells[label_end + 1 :] if own]
        return labels, values

    @staticmethod
    def _zone_from_labels(labels: list[Placed]) -> str | None:
        for p in reversed(labels):
            for _seg, lab in seg_labels(p):
                t = lab.text
                if t in ACTIVE_ROW_LABELS:
                    return ACTIVE
                if (
                    t in APP_LEVEL1_ROWS
                    or t == APP_LEVEL1_GROUP
                    or t in APP_GROUPS
                    or (t in APP_LEAF_LABELS and t not in ("其他", "总计"))
                ):
                    return APPS
                if any(t.startswith(k) for k in APP_LEVEL1_ROWS):
                    return APPS
                if t in ("未经复议直接起诉", "复议后起诉"):
                    return REVIEW
        return None

    @staticmethod
    def _active_row_key(labels: list[Placed]) -> str | None:
        for p in reversed(labels):
            for _seg, lab in reversed(seg_labels(p)):
                key = active_row_key(lab)
                if key:
                    return key
        return None


def active_row_key(lab: Label) -> str | None:
    t = lab.text
    if t in ACTIVE_ROW_LABELS:
        return ACTIVE_ROW_LABELS[t]
    for canon, key in sorted(ACTIVE_ROW_LABELS.items(), key=lambda kv: -len(kv[0])):
        if t.startswith(canon) and canon != "规章" or t == canon:
            return key
    if t.startswith("规章"):
        return "regulations"
    return None


# ============================================================================= pass 2


@dataclass
class Mapped:
    cells: list[Cell]
    warnings: list[str]
    template: str
    table_templates: dict[str, str]
    ocr_tables: set[int]


def decide_template(ev: Evidence, rows: list[DataRow], warnings: list[str]) -> tuple[str, dict[str, str]]:
    """Report template from the labels (docs/report-format.md §5)."""
    per_table: dict[str, str] = {}
    a19, a21 = ev.active["2019"], ev.active["2021"]
    if a19 or a21:
        per_table[ACTIVE] = "2021" if a21 > a19 else "2019"
        # a stray marker (one wording of the other form among many) does not make a mixed table
        if min(a19, a21) >= 2 and 3 * min(a19, a21) >= max(a19, a21):
            warnings.append(f"mixed template: section 二 has 2019 markers ({a19}) and 2021 markers ({a21})")
    # applications: 2021 leaves or （六） spanning rows → 2021; （六）其他处理 carrying values → 2019
    leaves21 = any(r.zone == APPS and _app_leaf_key(r) in APP_2021_LEAVES for r in rows)
    app21 = leaves21 or any(r.zone == APPS and r.app_group_spans for r in rows)
    app19 = any(
        r.zone == APPS
        and r.values
        and _deepest_app_text(r) == "其他处理"
        and any(kind_of(v) == "number" for v in r.values)
        for r in rows
    )
    if app21 or app19:
        per_table[APPS] = "2021" if app21 else "2019"
    ev.apps["2021" if app21 else "2019"] += int(app21 or app19)
    if ACTIVE in per_table:
        template = per_table[ACTIVE]
        # 三's verdict counts against 二's only on its labels (a 2021 leaf, or （六） carrying values),
        # not on a merged cell alone
        if APPS in per_table and per_table[APPS] != template and (leaves21 or app19):
            warnings.append(
                f"mixed template: section 二 is {per_table[ACTIVE]}, section 三 is {per_table[APPS]}; keeping {template}"
            )
    elif APPS in per_table:
        template = per_table[APPS]
    elif ev.tables_seen & {ACTIVE, APPS, REVIEW}:
        template = "undetermined"  # national tables without a distinguishing label
    elif ev.legacy:
        template = "pre2019"
    else:
        template = "none"
    if REVIEW in ev.tables_seen and template in ("2019", "2021"):
        per_table[REVIEW] = template
    if ev.legacy:
        per_table[LEGACY] = "pre2019"
    return template, per_table


def _app_segments(row: DataRow) -> list[tuple[str, Label]]:
    return [(seg, lab) for seg, lab, _p in _app_segments_placed(row)]


def _app_segments_placed(row: DataRow) -> list[tuple[str, Label, Placed]]:
    out: list[tuple[str, Label, Placed]] = []
    for p in row.labels:
        out.extend((seg, lab, p) for seg, lab in seg_labels(p))
    return out


def _shown(cells: list[Placed]) -> str:
    """The label as published (whitespace collapsed) from the cells that identify a row."""
    seen: list[int] = []
    parts: list[str] = []
    for p in cells:
        if p.index not in seen:
            seen.append(p.index)
            parts.append(collapse_ws(cell_text(p)))
    return " ".join(parts)


def _deepest_app_text(row: DataRow) -> str | None:
    segs = _app_segments(row)
    return segs[-1][1].text if segs else None


def _app_leaf_key(row: DataRow) -> str | None:
    key, _label, _group = resolve_app_row(row, "2021")
    return key


def resolve_app_row(
    row: DataRow, template: str, spelt: list[tuple[str, str]] | None = None
) -> tuple[str | None, str, str | None]:
    """(row key or None, label as published, group) for an applications row.

    A misspelt label read as a canonical one is added to ``spelt`` as (label, canonical label).
    """
    segs = _app_segments_placed(row)
    group: str | None = None
    key: str | None = None
    shown: list[Placed] = []
    for i, (_seg, lab, cell) in enumerate(segs):
        t = lab.text
        if t in APP_GROUPS and not (t == "其他处理" and i == len(segs) - 1 and template == "2019"):
            group = t
            shown.append(cell)
            continue
        if t == APP_LEVEL1_GROUP:
            continue
        hit = (
            APP_LEVEL1_ROWS.get(t)
            or next((v for k, v in APP_LEVEL1_ROWS.items() if t.startswith(k)), None)
            or (keyword_match(t, APP_LEVEL1_KEYWORDS) if lab.ordinal_kind == "cn" or "申请" in t else None)
        )
        if hit:
            key = hit
            shown = [cell]
            continue
        if t == "其他处理":
            key = "other"
            shown.append(cell)
            continue
        leaf = APP_LEAF_LABELS.get(t)
        if leaf is None and lab.ordinal:
            # ordinal inside a known group, label with small wording differences
            cand = APP_LEAF_BY_ORDINAL.get((group, lab.ordinal))
            if cand and _similar(t, cand):
                leaf = cand
                if spelt is not None:
                    spelt.append((_seg, _canonical_app_label(cand)))
        if leaf is None:
            leaf = next((v for k, v in APP_LEAF_LABELS.items() if len(k) >= 4 and t.startswith(k)), None)
        if leaf is None and len(t) >= 4:
            leaf = keyword_match(t, APP_LEAF_KEYWORDS)
            if leaf and spelt is not None:
                spelt.append((_seg, _canonical_app_label(leaf)))
        if leaf is None:
            near = closest(t, APP_SPELLING_BY_GROUP.get(group or "", APP_SPELLING_ALL)) or closest(t, APP_SPELLING_ALL)
            if near:
                leaf = near[0]
                if spelt is not None:
                    spelt.append((_seg, near[1]))
        if leaf:
            key = leaf
            shown.append(cell)
            continue
        if t:
            key = None
            shown.append(cell)
    return key, _shown(shown), group


def _canonical_app_label(key: str) -> str:
    return next((normalise_label(r.label).text for r in APPLICATION_ROWS_2021 if r.key == key), key)


def _similar(text: str, key: str) -> bool:
    canon = next((normalise_label(r.label).text for r in APPLICATION_ROWS_2021 if r.key == key), "")
    if not canon or not text:
        return False
    common = sum(1 for ch in set(text) if ch in canon)
    return common / max(len(set(canon)), 1) >= 0.6


class TableMapper:
    """Pass 2: keys and columns for every data row."""

    def __init__(self, rows: list[DataRow], template: str, truncated_table: int | None = None) -> None:
        self.rows = rows
        self.truncated_table = truncated_table  # the document ends inside this table
        self.template = template if template in ("2019", "2021") else "2021"
        self.cells: list[Cell] = []
        self.warnings: list[str] = []
        self._seen: set[tuple[str, str, str]] = set()
        self.app21 = any(r.zone == APPS and _app_leaf_key(r) in APP_2021_LEAVES for r in rows) or any(
            r.zone == APPS and r.app_group_spans for r in rows
        )

    def run(self) -> list[Cell]:
        for row in self.rows:
            if row.zone == ACTIVE:
                self._active(row)
            elif row.zone == APPS:
                self._apps(row)
            elif row.zone == REVIEW:
                self._review(row)
            elif row.zone == LEGACY:
                self._legacy(row)
        return self.cells

    # ------------------------------------------------------------------ emit
    def _emit(self, table: str, row: str, col: str, p: Placed, label: str, unit_hint: str | None = None) -> None:
        key = (table, row, col)
        parsed = parse_value(cell_text(p))
        if key in self._seen:
            self.warnings.append(f"duplicate cell {table}/{row}/{col} ({parsed.raw!r}) ignored")
            return
        self._seen.add(key)
        value = parsed.value
        unit = parsed.unit or (unit_hint if value is not None else None)
        if parsed.kind == "text":
            self.warnings.append(f"cell {table}/{row}/{col} is not a number: {parsed.raw!r}")
        self.cells.append(Cell(table, row, col, value, parsed.raw, unit, label, p.cell.where))

    def _misspelt(self, section: str, label: str, canonical: str) -> None:
        self.warnings.append(
            f"label {collapse_ws(label)!r} in section {section} read as {canonical!r} (misspelt or reworded)"
        )

    def _unmapped(self, what: str, values: list[Placed]) -> None:
        """Warn about a row whose values cannot be given columns (never guessed), naming them."""
        self.warnings.append(f"{what}; not mapped ({', '.join(repr(collapse_ws(cell_text(v))) for v in values)})")

    @staticmethod
    def _trim(values: list[Placed], n: int) -> list[Placed]:
        """Drop trailing (or leading) blank artefact cells when there are more cells than columns.

        Empty cells go first; a trailing "/" or "—" (a cell the form does not use) only after.
        """
        vals = list(values)
        for strict in (True, False):
            while (
                len(vals) > n
                and vals
                and parse_value(cell_text(vals[-1])).kind == "blank"
                and (not strict or not cell_text(vals[-1]).strip())
            ):
                vals.pop()
            while (
                len(vals) > n
                and vals
                and parse_value(cell_text(vals[0])).kind == "blank"
                and (not strict or not cell_text(vals[0]).strip())
            ):
                vals.pop(0)
        return vals

    def _label_values(self, row: DataRow, is_known) -> tuple[list[Placed], list[Placed]]:
        """Re-split labels: trailing "labels" that are no labels (见附件 …) are values."""
        labels, values = list(row.labels), list(row.values)
        while len(labels) > 1 and not is_known(labels[-1]) and any(is_known(p) for p in labels[:-1]):
            values.insert(0, labels.pop())
        return labels, values

    # ------------------------------------------------------------------ 二
    def _active(self, row: DataRow) -> None:
        def known(p: Placed) -> bool:
            return any(active_row_key(lab) or closest(lab.text, ACTIVE_ROW_SPELLING) for _s, lab in seg_labels(p))

        labels, values = self._label_values(row, known)
        if not values:
            return
        if not labels:
            self.warnings.append(f"section 二: a row of {len(values)} values without a label was not mapped")
            return
        key = None
        label_cell = labels[-1]
        for p in reversed(labels):
            for _seg, lab in reversed(seg_labels(p)):
                key = active_row_key(lab)
                if key:
                    label_cell = p
                    break
            if key:
                break
        if key is None:
            norm = normalise_label(split_glued(cell_text(label_cell))[-1]).text
            hit = closest(norm, ACTIVE_ROW_SPELLING)
            if hit:
                key = hit[0]
                self._misspelt("二", cell_text(label_cell), hit[1])
            else:
                key = "extra:" + norm
                self.warnings.append(f"extra row in section 二 kept as {key!r}")
        label = collapse_ws(cell_text(label_cell))
        item = ACTIVE_ROW_ITEM.get(key) or row.item or (row.active_header.item if row.active_header else None)
        cols, units = self._active_columns(row, item, len(values))
        if cols is None:
            self._unmapped(f"section 二 row {label!r}: {len(values)} values do not fit the header", values)
            return
        values = self._trim(values, len(cols))
        if len(values) != len(cols):
            self._unmapped(f"section 二 row {label!r}: {len(values)} values for {len(cols)} columns", values)
            return
        for col, p in zip(cols, values):
            self._emit(ACTIVE, key, col, p, label, units.get(col))

    def _active_columns(self, row: DataRow, item: str | None, n_values: int) -> tuple[list[str] | None, dict[str, str]]:
        """Column keys of a section-二 data row (from its sub-table header) and units they carry."""
        header = row.active_header
        expected = self._expected_active(item)
        units: dict[str, str] = {}
        cols: list[str] | None = None
        if header and header.labels:
            cols = []
            for i, lab in enumerate(header.labels):
                key = self._active_col_key(lab, i, expected)
                if key is None:
                    cols = None
                    break
                cols.append(key)
                if lab.unit:
                    units[key] = lab.unit
            if cols is not None and n_values < len(cols) and expected and len(expected) == n_values:
                cols = None  # the header does not describe this row; the template does
        if cols is None and expected:
            cols = [k for k, _ in expected]
        if cols and "fee_amount" in cols:
            units.setdefault("fee_amount", "万元")
        return cols, units

    @staticmethod
    def _active_col_key(lab: Label, i: int, expected: list[tuple[str, str]] | None) -> str | None:
        hit = ACTIVE_COL_LABELS.get(lab.text)
        if hit:
            return hit[0]
        if not lab.text:
            return None
        # truncated header ("本年新") or extended wording: resolve by position in the sub-table
        cands = [k for k in ACTIVE_COL_LABELS if k.startswith(lab.text) and len(lab.text) >= 2]
        cands += [k for k in ACTIVE_COL_LABELS if lab.text.startswith(k)]
        if expected and i < len(expected) and expected[i][1] in cands:
            return expected[i][0]
        if len({ACTIVE_COL_LABELS[c][0] for c in cands}) == 1:
            return ACTIVE_COL_LABELS[cands[0]][0]
        if "处理决定" in lab.text:
            return "decisions"
        word = keyword_match(lab.text, ACTIVE_COL_KEYWORDS)
        if word:
            return word
        spelt = closest(lab.text, ACTIVE_COL_SPELLING)
        if spelt and (not expected or spelt[0] in [k for k, _ in expected]):
            return spelt[0]
        return "extra:" + lab.text

    def _expected_active(self, item: str | None) -> list[tuple[str, str]] | None:
        if not item:
            return None
        for st in ACTIVE_SUBTABLES[self.template]:
            if st.item == item:
                return list(zip([k for k, _ in st.columns], [normalise_label(lab).text for _, lab in st.columns]))
        # an item the template lacks (九 on a 2021 report): take it from the other template
        for st in ACTIVE_SUBTABLES["2019" if self.template == "2021" else "2021"]:
            if st.item == item:
                return list(zip([k for k, _ in st.columns], [normalise_label(lab).text for _, lab in st.columns]))
        return None

    # ------------------------------------------------------------------ 三
    def _apps(self, row: DataRow) -> None:
        template = "2021" if self.app21 else "2019"

        def known(p: Placed) -> bool:
            for _s, lab in seg_labels(p):
                t = lab.text
                if t in APP_LEAF_LABELS or t in APP_LEVEL1_ROWS or t in APP_GROUPS or t == APP_LEVEL1_GROUP:
                    return True
                if closest(t, APP_SPELLING_ALL):
                    return True
            return False

        labels, values = self._label_values(row, known)
        if not values:
            return
        probe = DataRow(row.zone, row.table_index, labels, values)
        spelt: list[tuple[str, str]] = []
        key, label, group = resolve_app_row(probe, template, spelt)
        for shown, canonical in spelt:
            self._misspelt("三", shown, canonical)
        all_blank = all(parse_value(cell_text(v)).kind == "blank" for v in values)
        if key == "other" and self.app21:
            # （六）其他处理 is a group in 2021: a row of its own carries no numbers
            if all_blank:
                return
            key = None
        if key is None:
            segs = _app_segments(probe)
            if not segs:
                self.warnings.append(f"section 三: a row of {len(values)} values without a label was not mapped")
                return
            last = segs[-1][1]
            if all_blank and (last.text in APP_GROUPS or last.text == APP_LEVEL1_GROUP):
                return  # a group label on a row of its own
            key = "extra:" + last.text
            self.warnings.append(f"extra row in section 三 kept as {key!r}")
            label = collapse_ws(segs[-1][0])
        cols = self._app_columns(row, values)
        if cols is None and self._cut_short(row, len(values), 7):
            self.warnings.append(
                f"section 三 row {label!r}: the document ends inside this row; {len(values)} of 7 values read"
            )
            cols = list(APPLICANT_KEYS[: len(values)])
        if cols is None:
            self._unmapped(
                f"section 三 row {label!r}: {len(values)} value cells do not fit the 7 applicant columns", values
            )
            return
        values = self._trim(values, len(cols))
        for col, p in zip(cols, values):
            if col is None:
                continue  # a 小计 / 法人 subtotal column: accepted, never emitted
            self._emit(APPS, key, col, p, label)

    def _cut_short(self, row: DataRow, n_values: int, n_cols: int) -> bool:
        """The document was cut off inside this row (a truncated page): read the values present."""
        return row.is_last_row and row.table_index == self.truncated_table and 0 < n_values < n_cols

    def _app_columns(self, row: DataRow, values: list[Placed]) -> list[str | None] | None:
        n = len(values)
        trimmed = len(self._trim(values, 7))
        if row.app_cols is not None:
            if len(row.app_cols) == n or len(self._trim(values, len(row.app_cols))) == len(row.app_cols):
                return row.app_cols
        if n == 7 or trimmed == 7:
            return list(APPLICANT_KEYS)
        return None

    # ------------------------------------------------------------------ 四
    def _review(self, row: DataRow) -> None:
        values = row.values
        # transposed layout: a labelled row per 行政复议 / 未经复议直接起诉 / 复议后起诉
        row_key = None
        label = ""
        for p in reversed(row.labels):
            g = review_group(squash(cell_text(p)))  # annotations kept: 行政诉讼（复议后起诉）
            if g and g != "litigation":
                row_key, label = g, collapse_ws(cell_text(p))
                break
        if row_key:
            cols = (
                row.review_header_cols
                if row.review_header_cols and len(row.review_header_cols) == len(values)
                else None
            )
            if cols is None:
                vals = self._trim(values, 5)
                if len(vals) != 5:
                    self.warnings.append(f"section 四 row {label!r}: {len(values)} values; not mapped")
                    return
                values, cols = vals, [c for c, _ in REVIEW_COLUMNS]
            for col, p in zip(cols, values):
                if col:
                    self._emit(REVIEW, row_key, col, p, label)
            return
        mapping: list[tuple[str, str] | None] | None = None
        if row.review_cols and len(row.review_cols) == len(values):
            mapping = row.review_cols
        elif row.review_cols and len(self._trim(values, len(row.review_cols))) == len(row.review_cols):
            values = self._trim(values, len(row.review_cols))
            mapping = row.review_cols
        else:
            vals = values
            if len(vals) not in (5, 10, 15):
                for n in (15, 10, 5):
                    t = self._trim(values, n)
                    if len(t) == n:
                        vals = t
                        break
            groups = row.review_groups
            if len(vals) == 15:
                mapping = list(STANDARD_REVIEW)
            elif len(vals) == 5 and (groups <= {"administrative_review"}):
                mapping = [("administrative_review", c) for c, _ in REVIEW_COLUMNS]
            elif len(vals) == 10 and "administrative_review" not in groups and groups:
                mapping = [(r, c) for r in ("litigation_direct", "litigation_after_review") for c, _ in REVIEW_COLUMNS]
            values = vals
        if mapping is None:
            if row.labels and not values:
                return
            self._unmapped(f"section 四: a row of {len(row.values)} values does not fit the header", row.values)
            return
        names = dict(REVIEW_ROWS)
        colnames = dict(REVIEW_COLUMNS)
        for target, p in zip(mapping, values):
            if target is None:
                continue
            r, c = target
            self._emit(REVIEW, r, c, p, f"{names[r]} {colnames[c]}")

    # ------------------------------------------------------------------ pre-2019
    def _legacy(self, row: DataRow) -> None:
        cells = row.values  # every own cell of the row, in order
        if not cells:
            return
        roles = row.legacy_roles
        label_cell = unit_cell = None
        value_cells: list[tuple[str, Placed]] = []
        if roles and len(roles) == len(cells):
            for role, p in zip(roles, cells):
                if role == "label":
                    label_cell = p
                elif role == "unit":
                    unit_cell = p
                elif role in ("value", "cumulative"):
                    value_cells.append((role, p))
        else:
            texts = [p for p in cells if kind_of(p) == "text"]
            if not texts:
                return
            label_cell = texts[0]
            rest = cells[cells.index(label_cell) + 1 :]
            if rest and kind_of(rest[0]) == "text" and len(normalise_label(cell_text(rest[0])).text) <= 3:
                unit_cell = rest[0]
                rest = rest[1:]
            nums = [p for p in rest if kind_of(p) in ("number", "blank")]
            order = ["value", "cumulative"]
            value_cells = list(zip(order, nums[:2]))
        if label_cell is None or not cell_text(label_cell).strip():
            return
        if not value_cells:
            self._legacy_parent = self._legacy_key(label_cell, register_only=True)
            return
        key = self._legacy_key(label_cell)
        unit = (
            normalise_label(cell_text(unit_cell)).text
            if unit_cell is not None and cell_text(unit_cell).strip()
            else None
        )
        label = collapse_ws(cell_text(label_cell))
        for role, p in value_cells:
            parsed = parse_value(cell_text(p))
            k = (LEGACY, key, role)
            if k in self._seen:
                self.warnings.append(f"duplicate legacy indicator {key}/{role} ignored")
                continue
            self._seen.add(k)
            if parsed.kind == "text":
                self.warnings.append(f"cell {LEGACY}/{key}/{role} is not a number: {parsed.raw!r}")
            cell_unit = parsed.unit or (unit if parsed.value is not None else None)
            self.cells.append(Cell(LEGACY, key, role, parsed.value, parsed.raw, cell_unit, label, p.cell.where))

    _legacy_parent: str | None = None

    def _legacy_key(self, label_cell: Placed, register_only: bool = False) -> str:
        full = squash(cell_text(label_cell))
        child = full.startswith("其中")
        lab = normalise_label(full)
        text = lab.text
        if child or (lab.ordinal_kind == "num" and self._legacy_parent):
            part = f"{lab.ordinal}{text}" if lab.ordinal else text
            if self._legacy_parent:
                return f"{self._legacy_parent}/{part}"
            return part
        self._legacy_parent = text
        return text


def interpret_tables(
    tables: list[tuple[int, SourceTable]],
    warnings: list[str],
    truncated_table: int | None = None,
    captions: dict[int, str] | None = None,
) -> Mapped:
    """Read and map every table of a document (pass 1 + pass 2).

    ``truncated_table`` is the index of a table the document ends in (nothing follows it): its
    last row may have been cut off, and the values present are read in order.
    """
    reader = TableReader()
    ocr_tables: set[int] = set()
    for index, table in tables:
        reader.read(table, index, (captions or {}).get(index))
        if table.ocr:
            ocr_tables.add(index)
    template, per_table = decide_template(reader.evidence, reader.rows, warnings)
    mapper = TableMapper(reader.rows, template, truncated_table)
    cells = mapper.run()
    warnings.extend(reader.warnings)
    warnings.extend(mapper.warnings)
    return Mapped(cells, warnings, template, per_table, ocr_tables)

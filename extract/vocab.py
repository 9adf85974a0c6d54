"""Normalised label vocabularies derived from :mod:`extract.schema` (for matching)."""

from __future__ import annotations

from extract.labels import normalise_label
from extract.schema import (
    ACTIVE_2019,
    ACTIVE_2021,
    APPLICATION_ROWS_2019,
    APPLICATION_ROWS_2021,
)


def _n(label: str) -> str:
    return normalise_label(label).text


# ---------------------------------------------------------------- section 二
ACTIVE_ROW_LABELS: dict[str, str] = {}
ACTIVE_ROW_ITEM: dict[str, str] = {}
for _st in ACTIVE_2019 + ACTIVE_2021:
    for _key, _label in _st.rows:
        ACTIVE_ROW_LABELS[_n(_label)] = _key
        ACTIVE_ROW_ITEM[_key] = _st.item

# header label → (col key, template marker or None when shared)
ACTIVE_COL_LABELS: dict[str, tuple[str, str | None]] = {
    "本年新制作数量": ("new_made", "2019"),
    "本年新公开数量": ("new_published", "2019"),
    "对外公开总数量": ("total_published", "2019"),
    "上一年项目数量": ("previous_count", "2019"),
    "本年增/减": ("change", "2019"),
    "处理决定数量": ("decisions", "2019"),
    "采购项目数量": ("procurement_projects", "2019"),
    "采购总金额": ("procurement_amount", "2019"),
    "本年制发件数": ("issued", "2021"),
    "本年废止件数": ("repealed", "2021"),
    "现行有效件数": ("in_force", "2021"),
    "本年处理决定数量": ("decisions", "2021"),
    "本年收费金额": ("fee_amount", "2021"),
}
ACTIVE_ROW_SPELLING: tuple[tuple[str, str], ...] = tuple(ACTIVE_ROW_LABELS.items())
ACTIVE_COL_SPELLING: tuple[tuple[str, str], ...] = tuple((k, v[0]) for k, v in ACTIVE_COL_LABELS.items())
ACTIVE_ROW_MARKERS = {"other_management_services": "2019", "centralized_procurement": "2019"}

# ---------------------------------------------------------------- section 三
APP_COL_LABELS: dict[str, str] = {
    "自然人": "natural_person",
    "商业企业": "commercial_enterprise",
    "科研机构": "research_institution",
    "社会公益组织": "social_welfare_org",
    "法律服务机构": "legal_service_org",
    "其他": "other_org",
    "其它": "other_org",
    "其他组织": "other_org",
    "总计": "total",
}
APP_SKIP_COLS = {"小计", "法人或其他组织", "法人或者其他组织", "法人及其他组织", "法人"}
APP_HEADER_WORDS = set(APP_COL_LABELS) | APP_SKIP_COLS | {"申请人情况", "申请人"}

# level-1 rows (一、二、四、) and the level-1 group 三、本年度办理结果
APP_LEVEL1_ROWS = {
    "本年新收政府信息公开申请数量": "new_received",
    "上年结转政府信息公开申请数量": "carried_over",
    "结转下年度继续办理": "carried_forward",
}
APP_LEVEL1_GROUP = "本年度办理结果"
APP_GROUPS = {"不予公开": "denied", "无法提供": "unavailable", "不予处理": "not_processed", "其他处理": "other"}

# leaf label → row key; (group, ordinal) → row key for ordinal fallback
APP_LEAF_LABELS: dict[str, str] = {}
APP_LEAF_BY_ORDINAL: dict[tuple[str | None, str], str] = {}
for _row in APPLICATION_ROWS_2019 + APPLICATION_ROWS_2021:
    if _row.key in APP_LEVEL1_ROWS.values():
        continue
    _lab = _n(_row.label)
    if _row.key == "other":
        continue  # 其他处理: a leaf in 2019, a group in 2021 — resolved by the interpreter
    APP_LEAF_LABELS.setdefault(_lab, _row.key)
    if _row.ordinal is None:
        continue
    _ord = normalise_label(_row.ordinal + "x").ordinal or _row.ordinal
    APP_LEAF_BY_ORDINAL[(_row.group, _ord)] = _row.key

APP_2021_LEAVES = {"other_no_correction", "other_no_fee", "other_misc"}

# (normalised label, row key) pairs for reading misspelt labels (extract.spelling): every row of
# section 三, and the leaves of each group
APP_SPELLING_ALL: tuple[tuple[str, str], ...] = tuple(
    dict.fromkeys((_n(r.label), r.key) for r in APPLICATION_ROWS_2019 + APPLICATION_ROWS_2021 if r.key != "other")
)
APP_SPELLING_BY_GROUP: dict[str, tuple[tuple[str, str], ...]] = {
    g: tuple(dict.fromkeys((_n(r.label), r.key) for r in APPLICATION_ROWS_2019 + APPLICATION_ROWS_2021 if r.group == g))
    for g in ("不予公开", "无法提供", "不予处理", "其他处理")
}

# ---------------------------------------------------------------- section 四
REVIEW_HEADER_WORDS = {
    "行政复议",
    "行政诉讼",
    "结果维持",
    "结果纠正",
    "其他结果",
    "尚未审结",
    "总计",
    "未经复议直接起诉",
    "复议后起诉",
}


def review_col(text: str) -> str | None:
    """Column key of a 四 header leaf, tolerant of small wording differences."""
    if "维持" in text:
        return "upheld"
    if "纠正" in text:
        return "corrected"
    if "其他" in text or "其它" in text:
        return "other"
    if "未审结" in text or "尚未" in text:
        return "pending"
    if text in ("总计", "合计", "小计"):
        return "total"
    return None


def review_group(text: str) -> str | None:
    """Row key of a 四 group header (行政复议 / 未经复议直接起诉 / 复议后起诉), '诉讼' for the parent."""
    if "未经复议" in text or "直接起诉" in text:
        return "litigation_direct"
    if "复议后" in text:
        return "litigation_after_review"
    if "复议" in text:
        return "administrative_review"
    if "诉讼" in text:
        return "litigation"
    return None


# ---------------------------------------------------------------- pre-2019
LEGACY_LABEL_HEADERS = {"指标名称", "统计指标", "指标", "项目", "统计项目", "指标内容", "名称"}
LEGACY_UNIT_HEADERS = {"计量单位", "单位"}


def legacy_col(text: str) -> str | None:
    """Value column role of a pre-2019 statistics header cell."""
    if "累计" in text:
        return "cumulative"
    if "代码" in text or "备注" in text:
        return None
    if (
        any(t in text for t in ("年度", "本期", "统计数", "本年", "数量", "数值", "实际"))
        or text.rstrip("年").isdigit()
    ):
        return "value"
    return None


# Distinctive words of each leaf (wording varies between offices): a fallback when the label
# matches no official label exactly; used only when exactly one leaf's words occur.
APP_LEAF_KEYWORDS: dict[str, tuple[str, ...]] = {
    "granted": ("予以公开",),
    "partially_granted": ("部分公开",),
    "denied_state_secret": ("国家秘密",),
    "denied_prohibited_by_law": ("法律行政法规禁止", "法律法规禁止", "禁止公开"),
    "denied_security_stability": ("三安全一稳定",),
    "denied_third_party": ("第三方",),
    "denied_internal_affairs": ("内部事务",),
    "denied_process_information": ("过程性",),
    "denied_enforcement_files": ("执法案卷",),
    "denied_query_matters": ("查询事项",),
    "unavailable_not_held": ("不掌握",),
    "unavailable_needs_creation": ("另行制作", "没有现成"),
    "unavailable_unclear": ("补正后", "仍不明确"),
    "not_processed_petition": ("信访", "举报投诉"),
    "not_processed_repeated": ("重复申请",),
    "not_processed_publication": ("公开出版物",),
    "not_processed_excessive": ("大量反复",),
    "not_processed_confirmation": ("确认或重新出具", "重新出具"),
    "other_no_correction": ("逾期不补正",),
    "other_no_fee": ("收费通知", "缴纳费用"),
}
APP_LEVEL1_KEYWORDS: dict[str, tuple[str, ...]] = {
    "new_received": ("本年新收",),
    "carried_over": ("上年结转",),
    "carried_forward": ("结转下年度", "结转下一年度"),
}
# Distinctive words of the section-二 column headers.
ACTIVE_COL_KEYWORDS: dict[str, tuple[str, ...]] = {
    "new_made": ("新制作",),
    "new_published": ("新公开",),
    "total_published": ("公开总数",),
    "previous_count": ("上一年",),
    "change": ("增/减", "增减", "增加/减少"),
    "procurement_projects": ("采购项目",),
    "procurement_amount": ("采购总金额", "采购金额"),
    "issued": ("制发",),
    "repealed": ("废止",),
    "in_force": ("现行有效",),
    "fee_amount": ("收费金额",),
}


def keyword_match(text: str, table: dict[str, tuple[str, ...]]) -> str | None:
    """The single key whose distinctive words occur in ``text`` (None when none or several)."""
    hits = {key for key, words in table.items() if any(w in text for w in words)}
    return hits.pop() if len(hits) == 1 else None

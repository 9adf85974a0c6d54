"""Canonical keys of docs/contract.md §1 and the official labels of docs/report-format.md §3–§4.

Labels are given as the official forms print them; matching goes through
:func:`extract.labels.normalise_label`.
"""

from __future__ import annotations

from dataclasses import dataclass

# ----------------------------------------------------------------- active_disclosure (二)


@dataclass(frozen=True)
class SubTable:
    """One captioned sub-table of section 二."""

    item: str  # the 第二十条 item: "一", "五", "六", "八", "九"
    caption: str
    columns: tuple[tuple[str, str], ...]  # (col key, official header label)
    rows: tuple[tuple[str, str], ...]  # (row key, official row label)


ACTIVE_2019: tuple[SubTable, ...] = (
    SubTable(
        "一",
        "第二十条第（一）项",
        (("new_made", "本年新制作数量"), ("new_published", "本年新公开数量"), ("total_published", "对外公开总数量")),
        (("regulations", "规章"), ("normative_documents", "规范性文件")),
    ),
    SubTable(
        "五",
        "第二十条第（五）项",
        (("previous_count", "上一年项目数量"), ("change", "本年增/减"), ("decisions", "处理决定数量")),
        (("administrative_licensing", "行政许可"), ("other_management_services", "其他对外管理服务事项")),
    ),
    SubTable(
        "六",
        "第二十条第（六）项",
        (("previous_count", "上一年项目数量"), ("change", "本年增/减"), ("decisions", "处理决定数量")),
        (("administrative_penalty", "行政处罚"), ("administrative_coercion", "行政强制")),
    ),
    SubTable(
        "八",
        "第二十条第（八）项",
        (("previous_count", "上一年项目数量"), ("change", "本年增/减")),
        (("administrative_fees", "行政事业性收费"),),
    ),
    SubTable(
        "九",
        "第二十条第（九）项",
        (("procurement_projects", "采购项目数量"), ("procurement_amount", "采购总金额")),
        (("centralized_procurement", "政府集中采购"),),
    ),
)

ACTIVE_2021: tuple[SubTable, ...] = (
    SubTable(
        "一",
        "第二十条第（一）项",
        (("issued", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数")),
        (("regulations", "规章"), ("normative_documents", "行政规范性文件")),
    ),
    SubTable(
        "五",
        "第二十条第（五）项",
        (("decisions", "本年处理决定数量"),),
        (("administrative_licensing", "行政许可"),),
    ),
    SubTable(
        "六",
        "第二十条第（六）项",
        (("decisions", "本年处理决定数量"),),
        (("administrative_penalty", "行政处罚"), ("administrative_coercion", "行政强制")),
    ),
    SubTable(
        "八",
        "第二十条第（八）项",
        (("fee_amount", "本年收费金额（单位：万元）"),),
        (("administrative_fees", "行政事业性收费"),),
    ),
)

ACTIVE_SUBTABLES = {"2019": ACTIVE_2019, "2021": ACTIVE_2021}

# ----------------------------------------------------------------- applications (三)

APPLICANT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("natural_person", "自然人"),
    ("commercial_enterprise", "商业企业"),
    ("research_institution", "科研机构"),
    ("social_welfare_org", "社会公益组织"),
    ("legal_service_org", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
)
APPLICANT_KEYS = tuple(k for k, _ in APPLICANT_COLUMNS)


@dataclass(frozen=True)
class AppRow:
    key: str
    level1: str | None  # "一".."四" when the row sits under/at a level-1 label
    group: str | None  # "三".."六" for （三）不予公开 …
    ordinal: str | None  # the row's own enumerator ("一", "（一）", "1." …) as printed officially
    label: str  # official label without enumerator


# Official rows in printed order; `template` says where the row exists.
APPLICATION_ROWS_2019: tuple[AppRow, ...] = (
    AppRow("new_received", None, None, "一、", "本年新收政府信息公开申请数量"),
    AppRow("carried_over", None, None, "二、", "上年结转政府信息公开申请数量"),
    AppRow("granted", "三", None, "（一）", "予以公开"),
    AppRow("partially_granted", "三", None, "（二）", "部分公开（区分处理的，只计这一情形，不计其他情形）"),
    AppRow("denied_state_secret", "三", "不予公开", "1.", "属于国家秘密"),
    AppRow("denied_prohibited_by_law", "三", "不予公开", "2.", "其他法律行政法规禁止公开"),
    AppRow("denied_security_stability", "三", "不予公开", "3.", "危及“三安全一稳定”"),
    AppRow("denied_third_party", "三", "不予公开", "4.", "保护第三方合法权益"),
    AppRow("denied_internal_affairs", "三", "不予公开", "5.", "属于三类内部事务信息"),
    AppRow("denied_process_information", "三", "不予公开", "6.", "属于四类过程性信息"),
    AppRow("denied_enforcement_files", "三", "不予公开", "7.", "属于行政执法案卷"),
    AppRow("denied_query_matters", "三", "不予公开", "8.", "属于行政查询事项"),
    AppRow("unavailable_not_held", "三", "无法提供", "1.", "本机关不掌握相关政府信息"),
    AppRow("unavailable_needs_creation", "三", "无法提供", "2.", "没有现成信息需要另行制作"),
    AppRow("unavailable_unclear", "三", "无法提供", "3.", "补正后申请内容仍不明确"),
    AppRow("not_processed_petition", "三", "不予处理", "1.", "信访举报投诉类申请"),
    AppRow("not_processed_repeated", "三", "不予处理", "2.", "重复申请"),
    AppRow("not_processed_publication", "三", "不予处理", "3.", "要求提供公开出版物"),
    AppRow("not_processed_excessive", "三", "不予处理", "4.", "无正当理由大量反复申请"),
    AppRow("not_processed_confirmation", "三", "不予处理", "5.", "要求行政机关确认或重新出具已获取信息"),
    AppRow("other", "三", None, "（六）", "其他处理"),
    AppRow("total", "三", None, "（七）", "总计"),
    AppRow("carried_forward", None, None, "四、", "结转下年度继续办理"),
)

_OTHER_2021 = (
    AppRow(
        "other_no_correction", "三", "其他处理", "1.", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    ),
    AppRow(
        "other_no_fee", "三", "其他处理", "2.", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    ),
    AppRow("other_misc", "三", "其他处理", "3.", "其他"),
)
APPLICATION_ROWS_2021: tuple[AppRow, ...] = tuple(
    r for row in APPLICATION_ROWS_2019 for r in ((_OTHER_2021) if row.key == "other" else (row,))
)
APPLICATION_ROWS = {"2019": APPLICATION_ROWS_2019, "2021": APPLICATION_ROWS_2021}

APPLICATION_GROUPS = {"（三）": "不予公开", "（四）": "无法提供", "（五）": "不予处理", "（六）": "其他处理"}
APPLICATION_LEVEL1 = "本年度办理结果"  # 三、本年度办理结果

# Leaf rows summed by R3 (（七）总计 = Σ leaves), per template.
R3_LEAVES = {
    "2019": tuple(
        r.key
        for r in APPLICATION_ROWS_2019
        if r.key not in ("new_received", "carried_over", "total", "carried_forward")
    ),
    "2021": tuple(
        r.key
        for r in APPLICATION_ROWS_2021
        if r.key not in ("new_received", "carried_over", "total", "carried_forward")
    ),
}

# ----------------------------------------------------------------- review_litigation (四)

REVIEW_ROWS: tuple[tuple[str, str], ...] = (
    ("administrative_review", "行政复议"),
    ("litigation_direct", "未经复议直接起诉"),
    ("litigation_after_review", "复议后起诉"),
)
REVIEW_COLUMNS: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)

# ----------------------------------------------------------------- cell counts


def canonical_keys(template: str) -> list[tuple[str, str, str]]:
    """Every (table, row, col) of a complete report on ``template``, in printed order."""
    keys: list[tuple[str, str, str]] = []
    for st in ACTIVE_SUBTABLES[template]:
        for row, _ in st.rows:
            for col, _ in st.columns:
                keys.append(("active_disclosure", row, col))
    for r in APPLICATION_ROWS[template]:
        for col in APPLICANT_KEYS:
            keys.append(("applications", r.key, col))
    for row, _ in REVIEW_ROWS:
        for col, _ in REVIEW_COLUMNS:
            keys.append(("review_litigation", row, col))
    return keys


# Columns that hold decimals (R8) and the only column that may be negative.
DECIMAL_COLUMNS = {("active_disclosure", "fee_amount"), ("active_disclosure", "procurement_amount")}
SIGNED_COLUMNS = {("active_disclosure", "change")}

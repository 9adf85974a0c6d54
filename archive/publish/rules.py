"""The consistency rules R1–R9 (docs/report-format.md §7) and the words the site uses for checks.

One vocabulary everywhere (views, report page, rules page): a check is 通过 (``ok`` 1), 未通过
(``ok`` 0) or 不可校验 (``ok`` NULL: a cell it needs is missing, or the previous year's report
cannot be told apart); a report's 校验结果 is 未通过 when any check fails, else 不可校验 when any
cannot run, else 通过, and 无校验 when it has no check at all.
"""

from __future__ import annotations

from dataclasses import dataclass

CHECK_STATUS = {"pass": "通过", "fail": "未通过", "open": "不可校验", "none": "无校验"}
STATUS_MEANINGS = {
    "pass": "一份报告：它的每一项校验都通过；一项校验：数字对得上。",
    "fail": "一份报告：至少一项校验未通过；一项校验：数字对不上（说明里写着哪些数字）。",
    "open": "没有未通过的，但有校验无法进行：缺少所需的单元格，或上一年度有多份报告可能属于同一机关。",
    "none": "报告没有可校验的表格（例如只有正文）。",
}
OK_LABELS = {1: CHECK_STATUS["pass"], 0: CHECK_STATUS["fail"], None: CHECK_STATUS["open"]}
RULES_PATH = "/-/rules"  # the rules page, under the database URL


@dataclass(frozen=True)
class Rule:
    """A consistency rule: its formula in Chinese, what it means, which reports it applies to."""

    rule: str
    zh: str  # the formula, short
    en: str
    status: str  # 官方 / 表格隐含 / 启发式
    scope: str  # 每份报告 / 跨年度（同一机关相邻两年的报告）
    meaning: str  # what a failure tells a reader


RULES: tuple[Rule, ...] = (
    Rule(
        "R1",
        "每个申请人列：本年新收 + 上年结转 = 办理结果总计 + 结转下年度继续办理",
        "new_received + carried_over = total + carried_forward, per applicant column",
        "官方（表三表头印有此勾稽关系）",
        "每份报告，表三",
        "收进来的申请（本年新收和上年结转）必须都有去处：办结（办理结果总计）或结转到下一年。不相等说明表三有数字填错、漏填或多填。",
    ),
    Rule(
        "R2",
        "每一行：总计列 = 六类申请人之和",
        "total column = sum of the six applicant columns, per row",
        "表格隐含",
        "每份报告，表三",
        "“总计”列应是自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他六列之和。",
    ),
    Rule(
        "R3",
        "每个申请人列：（七）总计 = 各项办理结果（叶子行）之和",
        "row total (七) = sum of the outcome leaf rows, per applicant column",
        "表格隐含",
        "每份报告，表三",
        "予以公开、部分公开、不予公开八项、无法提供三项、不予处理五项和其他处理之和应等于（七）总计。",
    ),
    Rule(
        "R4",
        "复议、诉讼每一行：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
        "total = upheld + corrected + other + pending, per review/litigation row",
        "表格隐含",
        "每份报告，表四",
        "行政复议、行政诉讼（未经复议直接起诉、复议后起诉）各行的总计应等于四种结果之和。",
    ),
    Rule(
        "R5",
        "上年结转（N年）= 结转下年度继续办理（N−1年），同一机关、每个申请人列",
        "carried_over(N) = carried_forward(N−1), same office, per applicant column",
        "跨报告启发式",
        "跨年度：同一机关相邻两年的报告（2019、2021年模板）",
        "今年报告说从上一年结转过来的申请数，应等于上一年报告说结转到下一年的申请数。不相等可能是某一年的表填错了，也可能是机构调整（合并、更名）后口径变了。",
    ),
    Rule(
        "R6",
        "2021模板：现行有效件数（N）= 现行有效件数（N−1）+ 本年制发件数（N）− 本年废止件数（N）",
        "2021: in_force(N) = in_force(N−1) + issued(N) − repealed(N)",
        "跨报告启发式",
        "跨年度：同一机关相邻两年的2021年模板报告，表二规章、行政规范性文件",
        "现行有效的规章、规范性文件数，应等于上一年的现行有效数加上今年制发、减去今年废止的件数。常有合理的出入（清理、失效、统计口径），看作提示。",
    ),
    Rule(
        "R7",
        "2019模板：上一年项目数量（N）= 上一年项目数量（N−1）+ 本年增/减（N−1）",
        "2019: previous_count(N) = previous_count(N−1) + change(N−1)",
        "跨报告启发式",
        "跨年度：同一机关相邻两年的2019年模板报告，表二行政许可、行政处罚等事项",
        "今年报告的“上一年项目数量”应等于上一年报告的“上一年项目数量”加上它的“本年增/减”。",
    ),
    Rule(
        "R8",
        "件数为非负整数，只有本年增/减可为负；金额可为小数；设区的市以下通常不制定规章",
        "counts are integers ≥ 0; only change may be negative; amounts decimal",
        "启发式",
        "每份报告，表二、表三、表四",
        "件数不应为负数或小数；乡镇、县区等设区的市以下的机关没有规章制定权，填了规章多半是填错了栏目。",
    ),
    Rule(
        "R9",
        "正文引用的数字与表格一致：共受理/收到…申请…件（表三本年新收）、行政复议…件、行政诉讼…件（表四），2019年以前的报告还有主动公开…条（统计表）",
        "figures quoted in the text match the tables",
        "启发式",
        "每份报告：2019、2021年模板看前言和“一、总体情况”，2019年以前的报告看全文",
        "报告文字里说的数字应与它自己的表格一致。不一致时，文字或表格至少有一处是错的（也可能文字沿用了上一年的稿子）。“受理”也可能包含上年结转，故与本年新收或本年新收加上年结转之一相等即算一致。",
    ),
)
RULE_BY_ID = {r.rule: r for r in RULES}
RULE_TEXT = {r.rule: r.zh for r in RULES}

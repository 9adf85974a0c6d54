"""Datasette metadata of an archive database: titles, descriptions, units, facets, queries.

Chinese first, English where it helps.  :func:`build_database_metadata` describes every table
and column of ``archive/schema.py``, every view of :mod:`archive.publish.views` and the FTS tables; the
plugin serves it through the ``get_metadata`` hook, so a fresh ``datasette nianbao.db`` with the
plugin installed shows the same metadata as ``nianbao serve``.
"""

from __future__ import annotations

from archive.datasette import region_metadata, summary_metadata
from archive.datasette.database import COUNT_LIMIT
from archive.datasette.facets import typed_facets
from archive.ops.monitors import MONITORS
from archive.publish.rules import CHECK_STATUS, RULES
from archive.publish.views import (
    APPLICATION_ROW_NAMES,
    DENIED_ROWS,
    LEVEL_LABELS,
    NOT_PROCESSED_ROWS,
    OTHER_ROWS,
    REVIEW_ROW_LABELS,
    REVIEW_ROW_SHORT,
    TABLE_LABELS,
    UNAVAILABLE_ROWS,
)
from extract.schema import APPLICATION_ROWS_2019, APPLICATION_ROWS_2021, REVIEW_COLUMNS

TITLE = "年报档案 nianbao · 政府信息公开工作年度报告开放档案"
DESCRIPTION = (
    "各级人民政府及其部门发布的《政府信息公开工作年度报告》的开放档案：报告原文存档（WARC），"
    "表格数值按国家模板（2019、2021年格式）逐格提取，并做勾稽校验。"
    " Open archive of Chinese government information-disclosure annual reports: archived originals,"
    " every table cell extracted to canonical keys, consistency checks R1–R9."
)
SOURCE = "各级人民政府及其部门门户网站“政府信息公开”专栏（依《中华人民共和国政府信息公开条例》主动公开）"
LICENSE = "原文为行政机关主动公开的政府信息；本档案的整理数据以 CC BY 4.0 提供（raw documents: public government information; compiled data: CC BY 4.0）"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/deed.zh-hans"
ABOUT = "数值的含义见 report-format / contract 说明；每个数值都可追溯到存档快照与原文位置。"

_RULES_TEXT = "；".join(f"{r.rule}：{r.zh}（{r.status}）" for r in RULES)
_STATUS_TEXT = (
    f"{CHECK_STATUS['pass']}＝全部校验通过；{CHECK_STATUS['fail']}＝至少一项未通过；"
    f"{CHECK_STATUS['open']}＝没有未通过的，但有校验因缺少单元格（或上一年度有多份可能的报告）而无法进行；"
    f"{CHECK_STATUS['none']}＝没有可校验的表格"
)
_LEVELS_TEXT = "、".join(f"{k}={v}" for k, v in LEVEL_LABELS.items())
_LEVEL_NAMES = "、".join(LEVEL_LABELS.values())
_TABLES_TEXT = "、".join(f"{k}={v}" for k, v in TABLE_LABELS.items())

REPORT_COLUMN_DESCRIPTIONS = {
    "报告ID": "reports.id；点击打开报告页（各表数值、校验、章节、存档快照）",
    "标题": "报告标题（title）",
    "发布机关": "发布报告的机关（organ）",
    "省份": "门户所在省份（portals.province）",
    "城市": "门户所在地级市（portals.city）",
    "县区": "门户所在县区（portals.county）",
    "层级": f"报告机关层级：{_LEVEL_NAMES}",
    "年度": "报告所涵盖的年度（不是发布年份）",
    "模板": "表格模板：2019年版（国办公开办函〔2019〕60号）、2021年版（国办公开办函〔2021〕30号）、2019年前（旧统计表）、未识别（没有国家模板的统计表）",
}

# ----------------------------------------------------------------------------- tables


TABLES: dict[str, dict] = {
    "meta": {
        "title": "meta：档案内部设置",
        "description": "档案数据库的内部键值设置（schema 版本、检索索引状态），不对外展示。",
        "hidden": True,
        "columns": {"key": "设置名", "value": "设置值"},
    },
    "portals": {
        "title": "portals：门户网站",
        "description": "抓取的政府门户（按行政区划代码登记）。Portal registry as crawled.",
        "facets": ["province", "level", "platform"],
        "columns": {
            "id": "门户编号：行政区划代码（可带后缀）",
            "code": "行政区划代码",
            "name": "门户名称",
            "level": f"层级（{_LEVELS_TEXT}）",
            "parent_code": "上级行政区划代码",
            "province": "省份",
            "city": "地级市",
            "county": "县区",
            "hosts": "门户域名（JSON 列表）",
            "start_urls": "抓取入口地址（JSON 列表）",
            "platform": "网站系统（trs、trs_dynamic、hanweb、gkmlpt、generic …）",
            "updated": "登记信息更新时间",
            "extra": "登记表中的其他信息（JSON）",
        },
    },
    "crawl_runs": {
        "title": "crawl_runs：抓取批次",
        "description": "每次抓取运行一行（可覆盖多个门户）。One row per crawl run.",
        "facets": ["outcome", "mode"],
        "columns": {
            "id": "批次编号",
            "started": "开始时间（UTC）",
            "ended": "结束时间（UTC）",
            "portals": "本次抓取的门户编号（JSON 列表）",
            "mode": "full（全量）或 incremental（增量）",
            "stats": "统计（JSON）",
            "outcome": "结果：running、ok、failed、interrupted",
            "shard": "合并自哪个队列工作节点的分片（nianbao merge；本机抓取为空）",
            "shard_run": "该批次在分片中的编号",
        },
    },
    "crawl_portal_stats": {
        "title": "crawl_portal_stats：各门户抓取统计",
        "description": "每个批次、每个门户的抓取统计，用于监测门户变化与故障。",
        "columns": {
            "run_id": "抓取批次（crawl_runs.id）",
            "portal": "门户编号",
            "requests": "请求数（次）",
            "responses": "响应数（次）",
            "not_modified": "304 未修改响应数（次）",
            "list_pages": "抓到的列表页数（页）",
            "list_pages_expected": "列表页数（页，按分页推算）",
            "reports_seen": "见到的报告数（份）",
            "new_reports": "新报告数（份）",
            "changed_reports": "有修改的报告数（份）",
            "removed_reports": "下线的报告数（份）",
            "attachments": "附件数（个）",
            "errors": "错误数（次）",
            "blocks": "被拦截次数（次）",
            "duration": "耗时（秒）",
            "outcome": "结果",
            "list_pages_skipped": "增量抓取提前停止而未抓的列表页数（页，按分页推算）",
            "early_stops": "提前停止的列表数（某页没有新内容即不再向后翻页）",
            "reports_listed": "列表中出现的报告数（份，含已存档的）",
            "rechecked": "因列表中不再出现而重新请求的已存档报告数（份）",
            "wasted_requests": "无效请求数（次）：没有带来列表、报告或附件的请求",
            "checked_pages": "判定为非报告的详情页数（页，判定及理由见 page_verdicts）",
            "unreadable_pages": "识别出平台但无法读取其数据的页面数（页）",
            "empty_reason": "未发现报告时的原因（门户无法访问、被拦截、平台数据无法读取、未找到政府信息公开栏目 …）",
        },
    },
    "page_verdicts": {
        "title": "page_verdicts：是否为年报的判定",
        "description": "抓到的每个详情页（或列表中直接链接的文件）是否为年度报告，以及判定理由（模板章节与表格、统计期限、年报附件、图片 …）；图解、解读、通知、汇总等非年报页面只留在 WARC 文件中，不进入 reports。",
        "facets": ["verdict", "portal"],
        "columns": {
            "id": "编号",
            "url": "网址",
            "sha256": "所判定页面内容的 SHA-256",
            "snapshot_id": "快照（snapshots.id）",
            "verdict": "判定：report（年报）或 not_report（非年报）",
            "reason": "判定理由",
            "title": "标题",
            "portal": "门户编号",
            "run_id": "抓取批次",
            "at": "判定时间（UTC）",
        },
    },
    "listings": {
        "title": "listings：列表中的位置",
        "description": "每个条目（报告或其他详情页）最近一次出现在哪个列表（栏目）、第几页第几条，以及列表中的显示文字；增量抓取据此只请求新条目和列表显示有变化的条目。",
        "facets": ["portal"],
        "columns": {
            "portal": "门户编号",
            "list_key": "列表（栏目首页的规范网址）",
            "url": "条目的规范网址",
            "doc_key": "条目的稳定标识（与 reports.doc_key 相同）",
            "page_url": "显示该条目的列表页（或接口请求）",
            "page_no": "页码（1 = 列表首页；其后按门户的页码）",
            "position": "在该页中的序号（从 1 开始）",
            "entry": "列表中的显示文字（标题、日期 …）",
            "first_seen": "首次在该列表中见到的时间（UTC）",
            "last_seen": "最近一次在该列表中见到的时间（UTC）",
            "run_id": "最近一次见到它的抓取批次",
        },
    },
    "report_changes": {
        "title": "report_changes：报告的修改",
        "description": "报告发布后被修改时，新版本与被取代的旧版本之间的差异：修改位置、单元格与章节改动数、正文的统一差异格式（unified diff）。",
        "facets": ["kind"],
        "columns": {
            "id": "编号",
            "report_id": "新版本（reports.id）",
            "previous_id": "被取代的旧版本（reports.id）",
            "doc_key": "报告的稳定标识",
            "detected": "抓到新版本的时间（UTC）",
            "kind": "修改位置：page（网页）、attachment（附件）、both（两者）、content（仅提取结果）",
            "page_changed": "1 = 报告网页的字节不同",
            "attachments_changed": "新增、删除或内容改变的附件数（个）",
            "cells_changed": "数值、原文或单位改变的单元格数（个）",
            "cells_added": "新版本新增的单元格数（个）",
            "cells_removed": "新版本中不再有的单元格数（个）",
            "sections_changed": "标题或正文改变的章节数（含新增、删除）",
            "text_diff": "章节正文的差异（旧版本 → 新版本，每句一行，unified diff）",
            "fields": "改变的其他字段（JSON：字段 → [旧值, 新值]）",
        },
    },
    "cell_changes": {
        "title": "cell_changes：单元格的修改",
        "description": "两个报告版本之间每个改变、新增或删除的单元格一行。",
        "facets": ["change", "table_name"],
        "columns": {
            "id": "编号",
            "change_id": "所属的修改（report_changes.id）",
            "report_id": "新版本",
            "previous_id": "旧版本",
            "table_name": "表",
            "row": "行键",
            "col": "列键",
            "change": "changed（改变）、added（新增）、removed（删除）",
            "old_value": "旧数值",
            "new_value": "新数值",
            "old_raw": "旧原文",
            "new_raw": "新原文",
            "old_unit": "旧单位",
            "new_unit": "新单位",
            "label": "行标签",
        },
    },
    "snapshots": {
        "title": "snapshots：存档快照",
        "description": "每个网址抓到的每个不同内容一行；原始字节保存在 WARC 文件中。点击 sha256 查看存档内容。",
        "facets": ["kind", "status"],
        "columns": {
            "id": "快照编号",
            "sha256": "内容的 SHA-256 摘要（十六进制）；点击查看存档",
            "url": "原始网址",
            "fetched": "首次抓到该内容的时间（UTC）",
            "last_seen": "最近一次抓到该内容的时间（UTC）",
            "status": "HTTP 状态码",
            "content_type": "内容类型（Content-Type）",
            "length": "内容长度（字节）",
            "warc_file": "WARC 文件（相对于档案目录）",
            "warc_offset": "记录在 WARC 文件中的偏移（字节）",
            "warc_length": "记录的压缩长度（字节）",
            "warc_record_id": "WARC-Record-ID",
            "portal": "门户编号",
            "run_id": "抓取批次",
            "kind": "页面类型：list（列表页）、detail（详情页）、attachment（附件）、robots、api、other",
            "etag": "服务器给出的 ETag",
            "last_modified": "服务器给出的 Last-Modified",
            "record_type": "warc_file/warc_offset 处的 WARC 记录类型：response 或 revisit（内容与已存档的相同）",
            "payload_file": "保存内容字节的 response 记录所在的 WARC 文件（revisit 时指向原记录）",
            "payload_offset": "保存内容字节的 response 记录的偏移（字节）",
        },
    },
    "fetches": {
        "title": "fetches：抓取记录",
        "description": "每一次请求一行（包括内容未变和 304 的请求）。",
        "columns": {
            "id": "编号",
            "run_id": "抓取批次",
            "portal": "门户编号",
            "url": "网址",
            "at": "请求时间（UTC）",
            "status": "HTTP 状态码",
            "sha256": "响应内容的 SHA-256",
            "snapshot_id": "对应的快照",
            "revisit": "1 = 内容已存档（WARC revisit 记录）",
            "not_modified": "1 = 条件请求得到 304",
            "kind": "页面类型：list、detail、attachment、robots、api、other",
            "warc_file": "本次请求的 response/revisit 记录所在的 WARC 文件",
            "warc_offset": "该记录在 WARC 文件中的偏移（字节）",
            "warc_record_id": "该记录的 WARC-Record-ID",
        },
    },
    "reports": {
        "title": "reports：年度报告",
        "description": "每份报告的每个版本一行（contract §4）。点击标题打开报告页。One row per report document version.",
        "facets": ["year", "template", "level", "carrier"],
        "label_column": "title",
        "columns": {
            "id": "报告编号",
            "url": "报告网页（仅以文件发布时为文件地址）",
            "title": "报告标题",
            "organ": "发布机关",
            "year": "报告所涵盖的年度（不是发布年份）",
            "template": "表格模板：2019、2021、pre2019、none",
            "published": "门户显示的发布日期（YYYY-MM-DD）",
            "fetched": "抓取时间（UTC）",
            "sha256": "提取数值所用文档字节的 SHA-256",
            "portal": "门户编号",
            "doc_key": "报告在各版本间的稳定标识（规范化网址）",
            "version": "版本号（从 1 开始）",
            "is_current": "1 = 当前版本",
            "supersedes": "被本版本取代的旧版本",
            "edited": "1 = 该报告发布后被修改过",
            "removed_at": "门户不再提供该报告的时间",
            "page_sha256": "报告网页本身的 SHA-256",
            "snapshot_id": "报告网页的存档快照",
            "source_snapshot_id": "数值来源文档（网页或附件）的存档快照",
            "carrier": "数值来源的载体：html、text、pdf、docx、doc、wps、xls、xlsx、image",
            "content_type": "来源文档的内容类型",
            "canonical_url": "页面声明的规范网址",
            "level": f"机关层级（{_LEVELS_TEXT}）",
            "cell_count": "提取到的数值单元格数（个）",
            "checks_failed": "未通过的校验数（条）",
            "warning_count": "提取警告数（条）",
            "last_seen": "最近一次在门户上见到的时间（UTC）",
            "run_id": "抓取批次",
            "content_sha256": "提取结果的指纹（不同版本的提取结果不同）",
            "year_source": "年度的来源：title（标题）、period（统计期限）、body（正文）、list_date（列表日期）、url_date（网址日期）、published（发布年份减一）",
        },
    },
    "report_urls": {
        "title": "report_urls：报告的所有网址",
        "description": "同一报告出现过的每个网址（移动版、重复栏目等）。",
        "columns": {
            "report_id": "报告",
            "url": "网址",
            "first_seen": "首次见到的时间（UTC）",
            "url_key": "该网址的规范化标识（doc_key）",
        },
    },
    "attachments": {
        "title": "attachments：附件",
        "description": "报告页面链接的文件（PDF、Word、WPS、Excel、图片 …）。",
        "facets": ["kind", "used_for_values"],
        "columns": {
            "id": "编号",
            "report_id": "报告",
            "url": "附件网址",
            "link_text": "链接文字",
            "sha256": "附件的 SHA-256",
            "content_type": "内容类型",
            "kind": "类型：pdf、doc、docx、wps、xls、xlsx、zip、image、other",
            "snapshot_id": "附件的存档快照",
            "used_for_values": "1 = 数值取自该附件",
            "error": "提取失败的原因",
        },
    },
    "cells": {
        "title": "cells：表格数值",
        "description": (
            "报告表格的每个数值一行（contract §1–§2）。表（table_name）："
            + _TABLES_TEXT
            + "。空白、“-”、“—”、“/”、“无”记为空值（null），不当作 0。点击“where”查看出处。"
        ),
        "columns": {
            "id": "编号",
            "report_id": "报告",
            "table_name": "表：active_disclosure、applications、review_litigation、legacy_indicators",
            "row": "行键（如 new_received、denied_state_secret；表外新增行为 extra:+标签）",
            "col": "列键（如 natural_person、total、decisions、value）",
            "value": "数值（符号已处理、单位已去除）；件数单位为件，fee_amount 单位为万元，procurement_amount 单位见 unit",
            "raw": "单元格原文（空白已合并）",
            "unit": "单元格中写明的单位（元、万元、件、条 …）",
            "label": "发布时的行标签",
            "where": "原文位置（HTML：表/行/列序号；PDF：页码与坐标；DOCX：表/行/格）；点击查看出处",
        },
    },
    "checks": {
        "title": "checks：勾稽校验",
        "description": "每份报告的校验结果（R5–R7 比较同一机关相邻两年的报告，记在后一年的报告上）。规则："
        + _RULES_TEXT
        + "。",
        "facets": ["rule", "ok"],
        "columns": {
            "id": "编号",
            "report_id": "报告",
            "rule": "规则编号 R1–R9（见表说明与规则说明页 /-/rules）",
            "column": "R1/R3/R5：申请人列键；R2：行键；R4：复议诉讼行键；R6/R7：表二的行键；R8：表.行.列；R9：正文引用的是什么",
            "ok": "1 = 通过，0 = 未通过，空 = 不可校验（缺少所需的单元格，或上一年度有多份可能的报告）",
            "expected": "按规则应得的数值（R9：表格中的数值）",
            "actual": "报告中的数值（R9：正文引用的数字）",
            "table_name": "所校验的表",
            "detail": "中文说明：为什么未通过或不可校验；R9 附正文原句",
            "compared_report_id": "R5–R7：对照的上一年度报告（reports.id）",
        },
    },
    "sections": {
        "title": "sections：报告章节",
        "description": "报告正文按章节（一至六；0 为前言）一行；搜索框支持中文全文检索（一个字、两个字或更多）。",
        "size": 50,
        "columns": {
            "id": "编号",
            "report_id": "报告",
            "number": "章节序号（1–6；0 = 前言）",
            "heading": "章节标题",
            "text": "章节正文",
        },
    },
    "warnings": {
        "title": "warnings：提取警告",
        "description": "提取时的警告（表外新增行、非数字单元格、表格为图片 …）。",
        "columns": {"id": "编号", "report_id": "报告", "message": "警告内容"},
    },
    "fetch_errors": {
        "title": "fetch_errors：抓取错误",
        "description": "无法抓取或被拒绝的网址（含防火墙拦截页）。",
        "facets": ["kind", "portal"],
        "columns": {
            "id": "编号",
            "run_id": "抓取批次",
            "portal": "门户编号",
            "url": "网址",
            "at": "时间（UTC）",
            "kind": "类型：error、block、http、too_large、robots、extract、unreadable（识别出平台但数据无法读取）",
            "status": "HTTP 状态码",
            "reason": "原因",
        },
    },
    "warc_records": {
        "title": "warc_records：WARC 记录",
        "description": "数据库中用到的每条 WARC 记录（与数据库写入同一事务），用于中断后恢复与重建。",
        "columns": {
            "record_id": "WARC-Record-ID",
            "warc_file": "WARC 文件（相对于档案目录）",
            "warc_offset": "记录偏移（字节）",
            "warc_length": "记录的压缩长度（字节）",
            "record_type": "记录类型：warcinfo、request、response、revisit、metadata",
            "target_uri": "WARC-Target-URI",
            "date": "WARC-Date（UTC）",
            "concurrent_to": "WARC-Concurrent-To",
        },
    },
    "merges": {
        "title": "merges：分片合并记录",
        "description": "nianbao merge 每次并入一个队列工作节点分片的一批记录一行（合并日志）。The merge log of queue workers' shards.",
        "columns": {
            "id": "合并编号",
            "shard": "分片编号（shard.json 的 id）",
            "root": "分片文件在档案中的目录（shards/分片编号）",
            "source": "从哪个分片目录合并",
            "files": "按顺序重放的字节区间（JSON：[WARC 文件, 起, 止]）",
            "at": "合并时间（UTC）",
            "records": "重放的 WARC 记录数（条）",
            "exchanges": "其中的 HTTP 交换数（次）",
            "reports": "摄入的报告数（份）",
            "errors": "无法应用的记录数（条）",
        },
    },
    "sections_fts": {"hidden": True, "description": "章节的中文全文索引（字符二元组），由 nianbao 生成。"},
    "reports_fts": {"hidden": True, "description": "报告标题的中文全文索引（字符二元组），由 nianbao 生成。"},
}

# ----------------------------------------------------------------------------- views

_SNAPSHOT = "存档快照编号；点击查看存档内容（网页在沙箱中显示，附件可下载）"
_VALUE = "件数（表三“总计”列，单位：件）"

VIEWS: dict[str, dict] = {
    "报告一览": {
        "description": "每份报告（当前版本）一行：地区、层级、年度、模板、校验结果（R1–R9）、未通过的规则、雷同段落数、原始链接与存档快照。搜索框检索标题。Reports, current versions.",
        "facets": ["省份", "县区", "层级", "年度", "模板", "校验结果"],
        "fts_table": "reports_fts",
        "fts_pk": "报告ID",
        "sort_desc": "年度",
        "columns": {
            **REPORT_COLUMN_DESCRIPTIONS,
            "发布日期": "门户显示的发布日期",
            "抓取时间": "抓取时间（UTC）",
            "校验结果": "R1–R9 的校验结果：" + _STATUS_TEXT,
            "未通过校验数": "未通过的校验条数（R1–R9）",
            "未通过规则": "未通过的规则编号（规则含义见规则说明页）",
            "雷同段落数": "本报告与其他报告几乎相同的章节对数（见视图“雷同段落”）",
            "数值单元格数": "提取到的数值单元格数（个）；完整报告为 200（2021）或 198（2019）",
            "载体": "数值来源的载体（网页、PDF、Word、Excel、图片 …）",
            "原始链接": "报告的原始网址",
            "存档快照": _SNAPSHOT,
            "数据来源快照": "数值来源文档（网页或附件）的存档快照",
            "版本": "版本号",
            "有修改": "1 = 报告发布后被修改过",
            "下线时间": "门户不再提供该报告的时间",
            "门户": "门户编号",
        },
    },
    "依申请办理情况": {
        "description": "每份报告一行、每种办理结果一列（表三“总计”列，单位：件），含不予公开、无法提供、不予处理、其他处理的小计（空值按 0 相加）。Applications handled per report.",
        "facets": ["省份", "县区", "层级", "年度", "模板"],
        "columns": {**REPORT_COLUMN_DESCRIPTIONS},
    },
    "不予公开理由排行": {
        "description": "按县区和年度汇总表三“（三）不予公开”各项理由的件数（发布时汇总，空白按 0 计）；排名 1 为该县区该年度最常用的理由。Top refusal grounds by county and year.",
        "facets": ["省份", "县区", "年度", "不予公开理由"],
        "columns": {
            "省份": "省份",
            "县区": "县区",
            "年度": "报告年度",
            "排名": "在该县区该年度内按件数的排名",
            "不予公开理由": "不予公开的理由（表三（三）1–8）",
            "件数": "该理由的件数合计（单位：件）",
            "占比百分比": "占该县区该年度不予公开总件数的百分比（%）",
            "报告数": "参与汇总的报告数（份）",
            "行键": "cells.row 行键",
        },
    },
    "复议诉讼情况": {
        "description": "每份报告一行：因政府信息公开引起的行政复议、行政诉讼（未经复议直接起诉、复议后起诉）的结果，单位：件。Review and litigation per office.",
        "facets": ["省份", "县区", "层级", "年度"],
        "columns": {**REPORT_COLUMN_DESCRIPTIONS},
    },
    "主动公开情况": {
        "description": "表二“主动公开政府信息情况”的每个数值一行。件数单位为件；本年收费金额单位为万元；采购总金额单位见“单位”列（未写明时为元）。Active disclosure per office.",
        "facets": ["县区", "年度", "信息内容", "指标"],
        "columns": {
            **REPORT_COLUMN_DESCRIPTIONS,
            "第二十条项目": "《条例》第二十条的项目",
            "信息内容": "表二的行（规章、行政规范性文件、行政许可 …）",
            "指标": "表二的列（本年制发件数、处理决定数量 …）",
            "数值": "数值",
            "单位": "单元格中写明的单位",
            "原文": "单元格原文",
            "单元格ID": "cells.id；点击查看出处",
        },
    },
    "校验未通过": {
        "description": "未通过校验的每一项（R1–R9），列出规则、失败的列、应为、实际、差额（实际 − 应为，单位：件）与中文说明；"
        "R5–R7 比较同一机关相邻两年的报告（对照报告ID 为上一年度的报告），R9 比较正文引用的数字与表格。规则（点击规则编号看详细说明）："
        + _RULES_TEXT,
        "facets": ["规则", "省份", "县区", "年度", "模板"],
        "columns": {
            **REPORT_COLUMN_DESCRIPTIONS,
            "规则": "规则编号",
            "规则说明": "规则的含义",
            "表": "所校验的表",
            "列": "失败的列或行的键",
            "列名": "失败的列或行的中文名",
            "应为": "按规则应得的数值",
            "实际": "报告中的数值",
            "差额": "实际 − 应为",
            "说明": "中文说明：哪些数字对不上；R9 附正文原句",
            "对照报告ID": "R5–R7：对照的上一年度报告；点击打开报告页",
            "数据来源快照": "数值来源文档的存档快照",
            "原始链接": "报告的原始网址",
        },
    },
    "发布覆盖": {
        "description": "每个机关一行、每个年度一列（该年度的报告份数）：哪些机关发布了哪些年度的报告。Coverage: which offices published which years.",
        "facets": ["省份", "县区", "层级", "年份数"],
        "columns": {
            "发布机关": "发布机关",
            "省份": "省份",
            "县区": "县区",
            "层级": "层级",
            "门户": "门户编号",
            "报告数": "报告份数",
            "年份数": "有报告的年度数",
            "最早年度": "最早的报告年度",
            "最晚年度": "最晚的报告年度",
            "已发布年度": "有报告的年度列表",
        },
    },
    "逾期发布": {
        "description": (
            "发布日期晚于法定期限的报告。《政府信息公开条例》（2019年修订）第四十九条：部门于每年1月31日前、"
            "人民政府于3月31日前公布上一年度报告；按本档案口径，乡镇街道按1月31日计，层级不明的按3月31日计；"
            "2019年以前的报告按2008年条例第三十一条统一为3月31日。转载或补发的报告也会出现在这里。Late reports."
        ),
        "facets": ["省份", "县区", "层级", "年度"],
        "sort_desc": "逾期天数",
        "columns": {
            **REPORT_COLUMN_DESCRIPTIONS,
            "发布日期": "门户显示的发布日期",
            "法定截止日期": "法定的最晚发布日期",
            "逾期天数": "发布日期晚于截止日期的天数（天）",
            "原始链接": "报告的原始网址",
            "存档快照": _SNAPSHOT,
        },
    },
    "章节检索": {
        "description": "报告各章节的正文，附报告信息；搜索框支持中文全文检索（扶贫、低保、复议、信访举报投诉、2019年、12345热线 …）。Section search.",
        "facets": ["省份", "县区", "年度", "章节序号"],
        "fts_table": "sections_fts",
        "fts_pk": "章节ID",
        "size": 50,
        "columns": {
            "章节ID": "sections.id",
            **REPORT_COLUMN_DESCRIPTIONS,
            "章节序号": "章节序号（1–6；0 = 前言）",
            "章节标题": "章节标题",
            "正文": "章节正文",
        },
    },
}


def _application_columns() -> dict[str, str]:
    official = {}
    for row in APPLICATION_ROWS_2019 + APPLICATION_ROWS_2021:
        prefix = f"（{row.group}）" if row.group else ""
        official[row.key] = f"{prefix}{row.ordinal or ''}{row.label}"
    out = {name: f"表三 {official[key]}，“总计”列（单位：件）" for key, name in APPLICATION_ROW_NAMES.items()}
    out["其他处理_2019"] = "表三（六）其他处理（2019模板为一行），“总计”列（单位：件）"
    for label, _rows in (
        ("不予公开合计", DENIED_ROWS),
        ("无法提供合计", UNAVAILABLE_ROWS),
        ("不予处理合计", NOT_PROCESSED_ROWS),
        ("其他处理合计", OTHER_ROWS),
    ):
        out[label] = f"{label[:-2]}各项之和（空值按 0 计；单位：件）"
    return out


def _review_columns() -> dict[str, str]:
    return {
        f"{REVIEW_ROW_SHORT[row]}_{col_label}": f"{row_label.replace('_', '：')}，{col_label}（单位：件）"
        for row, row_label in REVIEW_ROW_LABELS.items()
        for _col, col_label in REVIEW_COLUMNS
    }


_REMOVED = "门户不再提供该报告的时间（空 = 仍在门户上）"
VIEWS["依申请办理情况"]["columns"].update(
    _application_columns(), 原始链接="报告的原始网址", 存档快照=_SNAPSHOT, 下线时间=_REMOVED
)
VIEWS["复议诉讼情况"]["columns"].update(
    _review_columns(), 原始链接="报告的原始网址", 存档快照=_SNAPSHOT, 下线时间=_REMOVED
)
VIEWS["逾期发布"]["columns"]["下线时间"] = _REMOVED
_MONITORS_TEXT = "；".join(f"{m.label}（{m.id}）：{m.rule}" for m in MONITORS)
VIEWS["发布后修改的报告"] = {
    "description": "门户上的报告发布后又被修改（更正、替换附件）：每次修改一行，链接新旧两个版本和各自的存档快照，"
    "列出修改位置、改动的单元格（表/行/列：旧原文 → 新原文）和正文差异。Reports edited after publication.",
    "facets": ["省份", "县区", "年度", "修改位置"],
    "sort_desc": "发现修改时间",
    "columns": {
        "报告ID": "新版本的 reports.id；点击打开报告页",
        "上一版本ID": "被取代的旧版本的 reports.id；点击打开报告页",
        "标题": "报告标题（新版本）",
        "发布机关": "发布机关",
        "省份": "省份",
        "城市": "地级市",
        "县区": "县区",
        "层级": f"报告机关层级：{_LEVEL_NAMES}",
        "年度": "报告所涵盖的年度",
        "版本": "旧版本号 → 新版本号",
        "上一版本抓取时间": "旧版本的抓取时间（UTC）",
        "发现修改时间": "抓到新版本的时间（UTC）",
        "修改位置": "网页、附件、网页和附件，或仅提取结果不同",
        "改动单元格数": "数值、原文或单位改变的单元格数（个）",
        "新增单元格数": "新版本新增的单元格数（个）",
        "删除单元格数": "新版本中不再有的单元格数（个）",
        "改动章节数": "正文改变的章节数",
        "单元格改动": "每个改动的单元格：表/行/列 改|增|删：旧原文 → 新原文",
        "正文差异": "章节正文的差异（旧 → 新，每句一行，unified diff：- 删去，+ 新增）",
        "其他字段改动": "改变的其他字段（JSON：标题、机关、年度、发布日期 …）",
        "原始链接": "报告的原始网址",
        "旧版快照": "旧版本报告网页的存档快照；点击查看",
        "新版快照": "新版本报告网页的存档快照；点击查看",
        "当前版本": "1 = 新版本就是当前版本（之后没有再改）",
        "下线时间": _REMOVED,
        "门户": "门户编号",
    },
}
VIEWS["年报期限"] = {
    "description": "每个机关（门户上的发布机关）从其最早存档年度起、到法定期限已过的最近年度为止，每年一行："
    "按时、逾期（天数）、存档中未找到（门户在截止日后抓取过，存档中没有这份报告；不等于没有发布）、门户未抓取（截止日后没有抓取过该门户），"
    "或发布日期不详（门户未显示日期且首次存档晚于期限）。法定期限：《政府信息公开条例》"
    "（2019年修订）第四十九条，部门和乡镇街道为次年1月31日，各级人民政府为次年3月31日；2019年以前为次年3月31日。Deadlines.",
    "facets": ["状态", "省份", "县区", "层级", "年度"],
    "columns": {
        "发布机关": "发布机关",
        "门户": "门户编号",
        "省份": "省份",
        "城市": "地级市",
        "县区": "县区",
        "层级": f"机关层级：{_LEVEL_NAMES}（按该机关报告中最常见的层级）",
        "年度": "报告年度",
        "法定截止日期": "该年度报告的法定最晚发布日期",
        "状态": "按时、逾期、存档中未找到（截止日后抓取过门户，存档中没有找到，不等于没有发布）、门户未抓取（截止日后未抓取，不能说没有发布）、发布日期不详",
        "逾期天数": "发布日期晚于截止日期的天数（天）",
        "发布日期": "门户显示的发布日期（同一年度有多份时取最早的）",
        "首次存档日期": "该报告首次存档的日期（UTC）",
        "报告ID": "reports.id；点击打开报告页",
    },
}
VIEWS["抓取健康状况"] = {
    "description": "每个门户最近一次抓取一行：请求数、新增/修改/下线的报告、错误与拦截、列表页，以及告警。"
    "告警规则：" + _MONITORS_TEXT + "。同样的结果见状态页 /-/status 与命令 nianbao status。Crawl health and alerts.",
    "facets": ["状态", "结果", "抓取方式"],
    "columns": {
        "门户": "门户编号",
        "门户名称": "门户名称",
        "状态": "正常，或有告警",
        "告警": "触发的告警（见表说明）",
        "最近批次": "最近一次抓取批次（crawl_runs.id）",
        "开始时间": "该批次开始时间（UTC）",
        "抓取方式": "全量（full）或增量（incremental）",
        "结果": "成功、失败、中断（ok、failed、interrupted）",
        "请求数": "请求数（次）",
        "未修改响应数": "条件请求得到 304 的次数",
        "新报告": "新报告数（份）",
        "修改的报告": "有修改的报告数（份）",
        "下线的报告": "本批次发现下线的报告数（份）",
        "错误数": "错误数（次）",
        "拦截数": "被拦截次数（次）",
        "耗时秒": "耗时（秒）",
        "列表页": "抓到的列表页数（页）",
        "分页应有页数": "按分页推算的列表页数（页）",
        "提前停止未抓页数": "增量抓取提前停止而有意未抓的列表页数（页）",
        "列表中的报告": "列表中出现的报告数（份）",
        "存档报告数": "该门户存档的报告数（份，按当前版本）",
        "有修改的报告数": "发布后被修改过的报告数（份）",
        "已下线报告数": "已从门户下线的报告数（份）",
        "最近新报告时间": "最近一次抓到新报告的时间（UTC）",
        "连续无新报告批次": "最近连续多少个批次没有新报告",
        "错误率": "错误数 ÷ 请求数",
        "错误率基线": "之前几个批次错误率的中位数",
        "拦截率": "拦截数 ÷ 请求数",
        "拦截率基线": "之前几个批次拦截率的中位数",
        "无法读取的平台页": "识别出平台但无法读取其数据的页面数（页）",
        "无效请求数": "没有带来列表、报告或附件的请求数（次）",
        "无报告原因": "未发现报告时的原因（门户无法访问、被拦截、平台数据无法读取、未找到年报栏目 …）",
    },
}
VIEWS["发布覆盖"]["columns"].update({f"{y}年": f"{y}年度的报告份数" for y in range(2000, 2041)})
VIEWS["发布覆盖"]["columns"].update(region_metadata.OFFICE_COVERAGE_COLUMNS)
VIEWS["年报期限"]["columns"].update(region_metadata.DEADLINE_COLUMNS)
TABLES["deadline_status"] = {
    "title": "deadline_status：年报期限（汇总表）",
    "description": "视图“年报期限”的内容，发布时生成（报告或抓取有变化时重建），以免每次访问都重新计算。",
    "hidden": True,
    "columns": VIEWS["年报期限"]["columns"],
}
_GROUND_COLUMNS = {
    APPLICATION_ROW_NAMES[k]: f"不予公开理由：{APPLICATION_ROW_NAMES[k].split('_', 1)[1]}（件）" for k in DENIED_ROWS
}
_RATE = "（%，以办理结果总计为分母；办理结果总计为 0 或缺失时为空）"
VIEWS["不予公开率"] = {
    "description": "每份报告（当前版本、有表三）一行：不予公开率＝不予公开（八项理由之和）÷ 办理结果总计，无法提供率、不予处理率，"
    "以及按不予公开率在本县区、本省同年度报告中的排名（1 = 最高）。发布时计算（refusal_rates），空白单元格按 0 计。"
    "按省份、县区、年度筛选后按不予公开率排序即得排行。Refusal rates and ranks.",
    "facets": ["省份", "县区", "年度", "层级"],
    "sort_desc": "不予公开率",
    "columns": {
        "报告ID": "reports.id；点击打开报告页",
        "发布机关": "发布机关",
        "省份": "省份",
        "城市": "地级市",
        "县区": "县区",
        "层级": "机关层级",
        "年度": "报告年度",
        "办理结果总计": "表三（七）总计，“总计”列（件）：比率的分母",
        "不予公开": "表三（三）不予公开八项之和（件）",
        "不予公开率": "不予公开 ÷ 办理结果总计" + _RATE,
        "无法提供": "表三（四）无法提供三项之和（件）",
        "无法提供率": "无法提供 ÷ 办理结果总计" + _RATE,
        "不予处理": "表三（五）不予处理五项之和（件）",
        "不予处理率": "不予处理 ÷ 办理结果总计" + _RATE,
        "县区内排名": "按不予公开率在本县区同年度报告中的排名（1 = 最高，并列同名次）",
        "县区内参与排名报告数": "本县区同年度有不予公开率的报告数",
        "省内排名": "按不予公开率在本省同年度报告中的排名",
        "省内参与排名报告数": "本省同年度有不予公开率的报告数",
        **_GROUND_COLUMNS,
        "本年新收申请": "表三 一、本年新收政府信息公开申请数量（总计，件）",
        "予以公开": "表三（一）予以公开（件）",
        "部分公开": "表三（二）部分公开（件）",
    },
}
VIEWS["不予公开率汇总"] = {
    "description": "全国、各省、各县区每年一行：合并不予公开率（Σ不予公开 ÷ Σ办理结果总计）和各报告不予公开率的中位数，"
    "无法提供率、不予处理率与八项理由的件数。只算办理结果总计大于 0 的报告；比率不受存档报告多少的影响，"
    "报告数一栏说明以多少份报告为据。趋势图读的就是这张表。Refusal rates by year.",
    "facets": ["范围", "省份", "年度"],
    "columns": {
        "范围": "全国、省份或县区",
        "省份": "省份（全国为空）",
        "县区": "县区（全国、省份为空）",
        "年度": "报告年度",
        "报告数": "有不予公开率的报告数（份）",
        "办理结果总计": "办理结果总计之和（件）",
        "不予公开": "不予公开之和（件）",
        "不予公开率": "Σ不予公开 ÷ Σ办理结果总计（%）",
        "不予公开率中位数": "各报告不予公开率的中位数（%）",
        "无法提供": "无法提供之和（件）",
        "无法提供率": "Σ无法提供 ÷ Σ办理结果总计（%）",
        "不予处理": "不予处理之和（件）",
        "不予处理率": "Σ不予处理 ÷ Σ办理结果总计（%）",
        **_GROUND_COLUMNS,
    },
}
VIEWS["雷同段落"] = {
    "description": "不同报告中几乎相同的章节：每对一行，相似度（两段文字5字片段的 Jaccard 相似度，数字不计）不低于60%，"
    "列出两者共有的最长段落。关系为“不同机关”的是不同机关之间的雷同，“同一机关”的是同一机关不同年度沿用的文字；"
    "同一份报告的转载、同一报告的不同版本不算。发布时用 MinHash 分段索引增量计算（section_copies）。Copied sections.",
    "facets": ["关系", "省份", "县区", "年度"],
    "sort_desc": "相似度",
    "columns": {
        "编号": "section_copies.id",
        "报告ID": "后存档的一方的报告；点击打开报告页",
        "发布机关": "该报告的发布机关",
        "年度": "该报告的年度",
        "省份": "省份",
        "县区": "县区",
        "章节标题": "雷同的章节",
        "雷同报告ID": "与之雷同的（先存档的）报告；点击打开报告页",
        "雷同机关": "该报告的发布机关",
        "雷同年度": "该报告的年度",
        "雷同章节标题": "该报告中雷同的章节",
        "相似度": "两段文字的相似度（%）",
        "相同段落字数": "两者共有的最长段落的字数（去掉空白）",
        "相同段落": "两者共有的最长段落（最多显示400字）",
        "关系": "不同机关，或同一机关（另一年度）",
        "章节ID": "sections.id",
        "雷同章节ID": "sections.id",
    },
}
TABLES["report_offices"] = {
    "title": "report_offices：报告所属机关",
    "description": "每份当前报告的机关标识：经区划名录确定的人民政府（gov:区划代码:层级），否则门户加规范化的机关名（name:门户:名称）；"
    "R5–R7 据此比较同一机关相邻两年的报告。",
    "columns": {
        "report_id": "报告",
        "office_key": "机关标识（空 = 报告没有机关名或年度）",
        "year": "报告年度",
        "portal": "门户编号",
        "organ": "规范化的机关名（人民政府 → 政府，街道办事处 → 街道 …）",
        "division": "所用的区划匹配（代码:层级:方式，见 office_divisions）",
    },
}
TABLES["section_copies"] = {
    "title": "section_copies：雷同章节",
    "description": "几乎相同的两个章节一行（视图“雷同段落”读它）：相似度、共有的最长段落、是否同一机关。",
    "columns": {
        "id": "编号",
        "section_id": "后存档的章节",
        "report_id": "其报告",
        "other_section_id": "与之雷同的章节",
        "other_report_id": "其报告",
        "similarity": "5字片段的 Jaccard 相似度（0–1，数字不计）",
        "shared": "共有的最长段落（最多400字）",
        "shared_chars": "该段落的字数",
        "same_office": "1 = 同一机关（另一年度）",
    },
}
TABLES["section_lsh"] = {
    "hidden": True,
    "description": "章节文字的 MinHash 分段索引（发现雷同章节用），由 nianbao 生成。",
    "columns": {"band_key": "一个分段的键（该段各最小哈希值的摘要）", "section_id": "章节（sections.id）"},
}
_RATE_TABLE_COLUMNS = {
    "report_id": "报告（reports.id）",
    "portal": "门户编号",
    "organ": "发布机关",
    "province": "省份",
    "city": "地级市",
    "county": "县区",
    "level": "机关层级",
    "year": "报告年度",
    "template": "模板",
    "new_received": "表三本年新收（总计列，件）",
    "handled": "表三办理结果总计（总计列，件）：比率的分母",
    "granted": "予以公开（件）",
    "partially_granted": "部分公开（件）",
    "denied": "不予公开八项之和（件）",
    **{k: f"不予公开理由：{APPLICATION_ROW_NAMES[k].split('_', 1)[1]}（件）" for k in DENIED_ROWS},
    "unavailable": "无法提供三项之和（件）",
    "not_processed": "不予处理五项之和（件）",
    "refusal_rate": "不予公开率（0–1）；办理结果总计为 0 或缺失时为空",
    "unavailable_rate": "无法提供率（0–1）",
    "not_processed_rate": "不予处理率（0–1）",
    "county_rank": "按不予公开率在本县区同年度报告中的排名（1 = 最高）",
    "county_offices": "本县区同年度参与排名的报告数",
    "province_rank": "按不予公开率在本省同年度报告中的排名",
    "province_offices": "本省同年度参与排名的报告数",
}
TABLES["refusal_rates"] = {
    "title": "refusal_rates：不予公开率（汇总表）",
    "description": "视图“不予公开率”的内容，发布时增量生成。",
    "hidden": True,
    "columns": _RATE_TABLE_COLUMNS,
}
TABLES["refusal_summary"] = {
    "title": "refusal_summary：不予公开率年度汇总",
    "description": "视图“不予公开率汇总”的内容与趋势图的数据，发布时增量生成。",
    "hidden": True,
    "columns": {
        "scope": "范围：country（全国）、province（省份）、county（县区）",
        "province": "省份（全国为空字符串）",
        "county": "县区（全国、省份为空字符串）",
        "year": "报告年度",
        "reports": "有不予公开率的报告数",
        "handled": "办理结果总计之和（件）",
        "denied": "不予公开之和（件）",
        "unavailable": "无法提供之和（件）",
        "not_processed": "不予处理之和（件）",
        "refusal_rate": "合并不予公开率 Σ不予公开 ÷ Σ办理结果总计（0–1）",
        "unavailable_rate": "合并无法提供率（0–1）",
        "not_processed_rate": "合并不予处理率（0–1）",
        "median_refusal_rate": "各报告不予公开率的中位数（0–1）",
        **{k: _RATE_TABLE_COLUMNS[k] for k in DENIED_ROWS},
    },
}
TABLES["refusal_grounds"] = {
    "title": "refusal_grounds：不予公开理由排行（汇总表）",
    "description": "视图“不予公开理由排行”的内容，发布时增量生成。",
    "hidden": True,
    "columns": {
        "province": "省份",
        "county": "县区",
        "year": "报告年度",
        "ground": "不予公开理由（表三的行键）",
        "n": "件数（总计列之和）",
        "share": "占该县区该年度不予公开件数的百分比",
        "rank": "排名（1 = 最常用）",
        "reports": "汇总的报告数",
    },
}
TABLES["archive_summary"] = {
    "title": "archive_summary：档案概况（汇总表）",
    "description": "“关于本档案”页面的数字（报告、机关、县区、年度、抓取、各规则的校验结果）与订阅页的县区列表，"
    "发布时生成（内容有变化时重建）。",
    "hidden": True,
    "columns": {"key": "figures（概况）、checks（各规则的校验结果）、counties（县区及报告数）", "value": "JSON"},
}
TABLES["nianbao_readme"] = {
    "title": "nianbao_readme：下载说明",
    "description": "只在下载的数据库中：文件内容，以及如何用 sqlite3 检索（两字切分的检索索引）。",
    "columns": {"topic": "主题", "zh": "说明", "en": "English", "example_sql": "可直接运行的 SQL（:q 为检索词）"},
}
TABLES.update(region_metadata.TABLES)
VIEWS.update(region_metadata.VIEWS)
TABLES.update(summary_metadata.tables(VIEWS))


def _ranked_hits(index: str) -> str:
    """The 200 best matches of :q by BM25 — or, for a query matching more than COUNT_LIMIT rows (a
    word in most reports: BM25 reads every match to weigh it), the 200 latest matches (rank NULL)."""
    match = f"FROM {index} WHERE {index} MATCH escape_fts(:q)"
    return f"""matched AS (
  SELECT count(*) AS n FROM (SELECT 1 {match} LIMIT {COUNT_LIMIT + 1})
),
hits AS (
  SELECT * FROM (SELECT rowid, rank {match}
                 ORDER BY rank LIMIT CASE WHEN (SELECT n FROM matched) <= {COUNT_LIMIT} THEN 200 ELSE 0 END)
  UNION ALL
  SELECT * FROM (SELECT rowid, NULL AS rank {match}
                 ORDER BY rowid DESC LIMIT CASE WHEN (SELECT n FROM matched) > {COUNT_LIMIT} THEN 200 ELSE 0 END)
)"""


SEARCH_SQL = f"""WITH {_ranked_hits("sections_fts")}
SELECT
  s.id AS 章节ID,
  r.id AS 报告ID,
  r.title AS 标题,
  r.organ AS 发布机关,
  r.year AS 年度,
  s.heading AS 章节标题,
  nianbao_snippet(s.text, :q) AS 摘要,
  round(-hits.rank, 2) AS 相关度
FROM hits
JOIN sections s ON s.id = hits.rowid
JOIN reports r ON r.id = s.report_id
WHERE r.is_current = 1
ORDER BY hits.rank, hits.rowid DESC"""

SEARCH_TITLES_SQL = f"""WITH {_ranked_hits("reports_fts")}
SELECT
  r.id AS 报告ID,
  r.title AS 标题,
  r.organ AS 发布机关,
  r.year AS 年度,
  r.published AS 发布日期,
  r.url AS 原始链接,
  r.snapshot_id AS 存档快照
FROM hits JOIN reports r ON r.id = hits.rowid
WHERE r.is_current = 1
ORDER BY hits.rank, hits.rowid DESC"""

QUERIES = {
    "search": {
        "title": "全文检索（按相关度排序） Ranked full-text search",
        "description": "在报告章节中检索，按相关度（BM25）排序，最多 200 条；摘要中«»标出命中的文字。多个词用空格分隔（同时包含），加引号表示整个短语。"
        "命中超过一万条的常用词（政府、公开 …）不计算相关度，列出最新存档的 200 条。",
        "sql": SEARCH_SQL,
        "hide_sql": True,
    },
    "search_titles": {
        "title": "标题检索（按相关度排序） Ranked title search",
        "description": "在报告标题中检索，按相关度排序，最多 200 条；命中超过一万条的常用词列出最新存档的 200 条。",
        "sql": SEARCH_TITLES_SQL,
        "hide_sql": True,
    },
}


class SharedDict(dict):
    """A read-only-by-convention dict that ``copy.deepcopy`` returns as is.

    Datasette 0.65 deep-copies every metadata source several times per request (permission
    checks); sharing the per-table dicts keeps that cheap with our large descriptions.
    """

    def __deepcopy__(self, memo):
        return self


def _with_typed_facets(meta: dict) -> dict:
    return {**meta, "facets": typed_facets(meta["facets"])} if "facets" in meta else meta


def build_database_metadata() -> dict:
    """Metadata of one archive database: tables, views, canned queries."""
    tables = {name: SharedDict(_with_typed_facets(meta)) for name, meta in {**TABLES, **VIEWS}.items()}
    return {
        "description": DESCRIPTION,
        "source": SOURCE,
        "license": LICENSE,
        "license_url": LICENSE_URL,
        "tables": tables,
        "queries": SharedDict(QUERIES),
    }


# Keys of a table's entry that are settings, not descriptions: Datasette 1.0 reads them from the
# configuration (datasette.yaml ``databases: DB: tables:``) only.
TABLE_SETTINGS = ("hidden", "sort", "sort_desc", "size", "sortable_columns", "label_column", "facets", "fts_table",
                  "fts_pk", "searchmode")  # fmt: skip


def table_settings() -> dict:
    """The ``tables:`` configuration of an archive database for Datasette 1.0 (facets, sort, search …)."""
    settings = {}
    for name, meta in {**TABLES, **VIEWS}.items():
        chosen = {key: value for key, value in _with_typed_facets(meta).items() if key in TABLE_SETTINGS}
        if chosen:
            settings[name] = chosen
    return settings


def build_metadata(database_names: list[str]) -> dict:
    """Instance metadata with every named archive database described."""
    db_meta = build_database_metadata()
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "source": SOURCE,
        "license": LICENSE,
        "license_url": LICENSE_URL,
        "about": "nianbao",
        "databases": dict.fromkeys(database_names, db_meta),
    }

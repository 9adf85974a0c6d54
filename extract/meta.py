"""Report metadata: title, organ, the year covered, publication date (docs/report-format.md §8.7)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from extract.labels import to_simplified

_REPORT_WORDS = re.compile(r"年度报告|年报|工作报告|年度工作报告")
_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
_CN_YEAR_RE = re.compile(r"([〇零一二三四五六七八九○Ｏ]{4})年")
_CN_DIGIT = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "Ｏ": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_PUB_LABEL_RE = re.compile(
    r"(?:发布时间|发布日期|发布于|时间|日期|发文日期|成文日期|公开日期)\s*[:：]?\s*((?:19|20)\d{2}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2})"
)
_ORGAN_SUFFIXES = (
    "人民政府办公室",
    "人民政府",
    "管理委员会",
    "管委会",
    "街道办事处",
    "办事处",
    "委员会",
    "政府",
)
_ORGAN_LINE_RE = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,30}(?:人民政府|管理委员会|管委会|办事处|委员会|局|办公室|厅|委|中心|院|所|政府)$"
)
_TITLE_ORGAN_RE = re.compile(
    r"^(?:关于)?(?P<pre>.*?)(?:[（(]?(?:19|20)\d{2}\s*年度?[)）]?|[〇零一二三四五六七八九○]{4}年度?)(?P<post>.*?)(?:政府信息公开|政务公开|信息公开|政府信息|政务信息公开)"
)


def clean_title(title: str | None) -> str | None:
    if not title:
        return None
    t = " ".join(title.split())
    # <title> is often "标题_栏目_站点" or "标题 - 站点"
    for sep in ("_", " - ", "|", "－", "—"):
        if sep in t:
            parts = [p.strip() for p in t.split(sep) if p.strip()]
            report_parts = [p for p in parts if _REPORT_WORDS.search(p)]
            if report_parts:
                t = report_parts[0]
                break
    return t.strip() or None


_BREADCRUMB_RE = re.compile(r"首页|当前位置|您的位置|\s[/>＞»]\s|^[/>]")
_FIELD_PREFIX_RE = re.compile(r"^(?:名\s*称|标\s*题|文件名称|信息名称)\s*[:：]\s*")
_FIELD_TAIL_RE = re.compile(r"\s+(?:发布日期|发布时间|成文日期|索引号|文号|发布机构|来源)\s*[:：].*$")
_YEARISH_RE = re.compile(r"(?:19|20)\d{2}|[〇零一二三四五六七八九○]{4}")
_ENUM_START_RE = re.compile(r"^\s*(?:[(（][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+[、.．]|\d+[、.．])")


def _title_like(s: str, need_year: bool) -> bool:
    if not (6 <= len(s) <= 80) or not _REPORT_WORDS.search(s) or _BREADCRUMB_RE.search(s):
        return False
    if s.endswith(("。", "；", ";")) or _ENUM_START_RE.match(s):
        return False
    return bool(_YEARISH_RE.search(s)) or not need_year


def choose_title(candidates: list[str | None], paragraphs: list[str]) -> str | None:
    """The report title: the first candidate that reads like a report title."""
    cleaned: list[str] = []
    for c in candidates:
        if not c or not c.strip():
            continue
        t = clean_title(_FIELD_TAIL_RE.sub("", _FIELD_PREFIX_RE.sub("", c.strip())))
        if t:
            cleaned.append(t)
    lines = [_FIELD_TAIL_RE.sub("", _FIELD_PREFIX_RE.sub("", p.strip())) for p in paragraphs[:10]]
    for need_year in (True, False):
        for c in cleaned:
            if _title_like(c, need_year):
                return c
        for s in lines:
            if _title_like(s, need_year):
                return s
    usable = [c for c in cleaned if not _BREADCRUMB_RE.search(c)]
    return usable[0] if usable else None


def cn_year(text: str) -> int | None:
    m = _CN_YEAR_RE.search(text)
    if not m:
        return None
    digits = [_CN_DIGIT.get(ch) for ch in m.group(1)]
    if None in digits:
        return None
    year = int("".join(str(d) for d in digits))
    return year if 1990 <= year <= 2100 else None


def year_from_title(title: str | None) -> int | None:
    if not title:
        return None
    t = unicodedata.normalize("NFKC", title)
    m = _YEAR_RE.search(t)
    if m:
        return int(m.group(1))
    return cn_year(t)


def year_from_text(text: str) -> int | None:
    """The year covered, from the 统计期限 sentence or an early "YYYY年度"."""
    t = unicodedata.normalize("NFKC", text[:6000])
    m = re.search(r"统计(?:期限|时限|时间|周期)[^。]{0,40}?((?:19|20)\d{2})\s*年", t)
    if m:
        return int(m.group(1))
    m = re.search(r"自\s*((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日", t)
    if m:
        return int(m.group(1))
    m = re.search(r"((?:19|20)\d{2})\s*年度", t)
    if m:
        return int(m.group(1))
    return None


def parse_date(text: str | None) -> str | None:
    """First date in ``text`` as ISO YYYY-MM-DD."""
    if not text:
        return None
    m = _DATE_RE.search(unicodedata.normalize("NFKC", text))
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def published_from_text(text: str) -> str | None:
    m = _PUB_LABEL_RE.search(unicodedata.normalize("NFKC", text))
    return parse_date(m.group(1)) if m else None


def organ_from_title(title: str | None) -> str | None:
    """The issuing body as named in the title ("西岩镇2019年…" → "西岩镇")."""
    if not title:
        return None
    t = to_simplified(unicodedata.normalize("NFKC", title)).replace(" ", "")
    m = _TITLE_ORGAN_RE.match(t)
    if m:
        name = m.group("pre") or m.group("post") or ""
    else:
        m = re.match(r"^(?:关于)?(?P<name>.+?)(?:政府信息公开|政务公开|信息公开|政务信息公开)", t)
        if not m:
            return None
        name = m.group("name")
        name = re.sub(r"政府$", "", name) if re.search(r"(镇|乡|县|市|区)政府$", name) else name
    name = name.strip("的年度（）()《》")
    if name.endswith("人民"):
        name += "政府"
    if name.startswith("关于"):
        name = name[2:]
    name = re.sub(r"关于$", "", name)
    name = re.sub(r"(本级|本机关)$", "", name)
    if len(name) < 2 or name in ("中华人民共和国", "我", "本"):
        return None
    return name


_ZONE_RE = re.compile(r"(实验区|开发区|新区|高新区|经济区|示范区|园区|管理区|试验区|合作区|保税区)$")


def organ_in_text(name: str, text: str) -> str:
    """The body a bare place name stands for: 西岩镇 → 西岩镇人民政府.

    The text's own usage wins (X管委会, X街道办事处 …); otherwise a town, township, county or city
    name means its 人民政府 and a street its 办事处; other names stay as written.
    """
    if name.endswith(_ORGAN_SUFFIXES) or re.search(r"(局|委|办|厅|中心|院|所|站|队|署|会|公司|部|处|室)$", name):
        return name
    suffixes = ("办事处",) if name.endswith("街道") else ("人民政府", "管理委员会", "管委会", "街道办事处", "办事处")
    short = re.sub(r"^.{2,8}?(?:省|市|自治县|县|区|自治州|旗)(?=.{2,})", "", name)
    for variant in dict.fromkeys([name, short]):
        for suffix in suffixes:
            if variant + suffix in text:
                return name + suffix
    if name.endswith("街道"):
        return name + "办事处"
    if _ZONE_RE.search(name):
        return name
    if re.search(r"(镇|乡|苏木|县|市|旗|自治州|州|盟|区)$", name):
        return name + "人民政府"
    return name


def organ_from_lines(paragraphs: list[str]) -> str | None:
    """An organ named on its own line near the top (e.g. under a bare title)."""
    for p in paragraphs[:6]:
        s = p.strip()
        if _ORGAN_LINE_RE.match(s) and not _REPORT_WORDS.search(s):
            return s
    return None


def choose_organ(title: str | None, text: str, paragraphs: list[str], meta: dict[str, str]) -> str | None:
    name = organ_from_title(title)
    if name:
        return organ_in_text(name, text) or name
    line = organ_from_lines(paragraphs)
    if line:
        return line
    for key in ("发布机构", "ContentSource", "来源", "Author", "publisher"):
        v = (meta.get(key) or "").strip()
        if v and len(v) <= 40 and re.search(r"[\u4e00-\u9fff]", v) and v not in ("原创", "本站", "本网"):
            return v
    return None


def organ_from_label(label: str | None, text: str = "") -> str | None:
    """The organ named by a link text or column label that led to a report ("付垅乡" → 付垅乡人民政府).

    Used when the page itself names none (a page titled "详细信息" under a unit's column).
    """
    if not label:
        return None
    s = "".join(label.split())
    name = organ_from_title(s)
    if name:
        return organ_in_text(name, text)
    if 2 <= len(s) <= 20 and re.fullmatch(r"[\u4e00-\u9fff（）()]+", s) and not _REPORT_WORDS.search(s):
        if re.search(r"(镇|乡|街道|县|市|区|旗|局|委|办|厅|中心|院|所|站|政府|办事处|委员会|管委会)$", s):
            return organ_in_text(s, text)
    return None

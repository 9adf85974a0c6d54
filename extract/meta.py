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
    t = t.strip().strip("|｜").strip()
    # <title> is often "标题_栏目_站点" or "标题 - 站点"
    for sep in ("_", " - ", "|", "｜", "－", "—"):
        if sep in t:
            parts = [p.strip() for p in t.split(sep) if p.strip()]
            hits = [i for i, p in enumerate(parts) if _REPORT_WORDS.search(p)]
            if hits:
                i = hits[0]
                t = parts[i]
                # a title cut by the separator ("…2019年政府信息公开工作|年度报告"): the parts belong together
                if (
                    sep in ("|", "｜")
                    and i > 0
                    and re.fullmatch(r"(?:工作)?(?:年度报告|年报)", t)
                    and _YEARISH_RE.search(parts[i - 1])
                ):
                    t = parts[i - 1] + t
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


_BOOK_TITLE_RE = re.compile(r"《([^《》]{6,80}?(?:年度报告|年报))》")


def _unquote(t: str) -> str:
    """A title given inside 《…》 ("关于公布《X县2019年…年度报告》的通知" names the report)."""
    m = _BOOK_TITLE_RE.search(t)
    if m and _YEARISH_RE.search(m.group(1)) and not _YEARISH_RE.search(t[: m.start()] + t[m.end() :]):
        return m.group(1)
    return t.strip("《》 ")


def _title_lines(paragraphs: list[str], limit: int) -> list[str]:
    """Body lines that may hold the title, a title broken over two lines joined back first.

    "桃江县松木塘镇人民政府" / "2022年政府信息公开工作年度报告" and "西岩镇2019年政府信息公开" /
    "工作年度报告" are one title each.
    """
    lines = [_FIELD_TAIL_RE.sub("", _FIELD_PREFIX_RE.sub("", p.strip())).strip("|｜ ") for p in paragraphs[:limit]]
    return _join_broken(lines)


def _join_broken(lines: list[str]) -> list[str]:
    """``lines`` with every title broken over two consecutive lines added, joined, before its first part."""
    out: list[str] = []
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if nxt and len(line) <= 40 and len(nxt) <= 40 and not _REPORT_WORDS.search(line):
            joined = line + nxt
            head_is_organ = bool(_ORGAN_LINE_RE.match(line)) and bool(re.match(r"^(?:19|20)\d{2}\s*年", nxt))
            tail_is_rest = bool(_YEARISH_RE.search(line)) and bool(re.search(r"信息公开|政务公开|政府信息", line))
            if (head_is_organ or tail_is_rest) and _title_like(joined, True):
                out.append(joined)
        out.append(line)
    return out


def choose_title(candidates: list[str | None], paragraphs: list[str]) -> str | None:
    """The report title: the first candidate that reads like a report title."""
    cleaned: list[str] = []
    for c in candidates:
        if not c or not c.strip():
            continue
        t = clean_title(_unquote(_FIELD_TAIL_RE.sub("", _FIELD_PREFIX_RE.sub("", c.strip()))))
        if t:
            cleaned.append(t)
    cleaned = _join_broken(cleaned)
    lines = _title_lines(paragraphs, 12)
    # a title without its organ ("2022年政府信息公开工作年度报告") under which the organ is printed
    for need_year in (True, False):
        for c in cleaned:
            if _title_like(c, need_year):
                return _with_organ(c, lines)
        for s in lines:
            if _title_like(s, need_year):
                return _with_organ(s, lines)
    for s in _title_lines(paragraphs, 60)[12:]:
        if _title_like(s, True):
            return s
    usable = [c for c in cleaned if not _BREADCRUMB_RE.search(c)]
    return usable[0] if usable else None


def _with_organ(title: str, lines: list[str]) -> str:
    """A bare title ("2022年政府信息公开工作年度报告") completed by the body's "organ + title" line."""
    if not re.match(r"^(?:19|20)\d{2}\s*年", title):
        return title
    for i, line in enumerate(lines):
        if line != title and line.endswith(title) and _ORGAN_LINE_RE.match(line[: -len(title)]):
            return line
        if line == title and i + 1 < len(lines) and _ORGAN_LINE_RE.match(lines[i + 1]) and _real_organ(lines[i + 1]):
            return lines[i + 1] + title  # the organ printed under the bare title
    return title


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


_Y = r"((?:19|20)\d{2})\s*年"
# 统计期限自2022年1月1日起至2022年12月31日止 / 统计期限自2003年至2008年止 / 为2020年1月1日至2020年12月31日
_PERIOD_RE = re.compile(
    r"统计(?:期限|时限|时间|周期|区间|范围)[^。；;]{0,50}?" + _Y + r"(?:[^。；;]{0,24}?至\s*(?:今\s*)?" + _Y + r")?"
)
_RANGE_RE = re.compile(_Y + r"\s*1\s*月\s*1\s*日\s*(?:起)?\s*[至到—–-]\s*(?:" + _Y + r")?\s*12\s*月\s*31\s*日")
_BROKEN_PERIOD_RE = re.compile(r"自\s*((?:19|20)\d{2})\s*1\s*月?\s*1\s*日")  # 自202111日起至20211230日止
_BODY_TITLE_RE = re.compile(
    _Y + r"度?[^。；;，,]{0,20}?(?:政府信息公开|政务公开|信息公开)[^。；;，,]{0,8}?(?:年度报告|年报)"
)
# A year named in the text, but not a full date (年月日): a day is when something was signed,
# published or came into force (the 落款 date of a report is in the year after the one it covers).
_YEAR_MENTION_RE = re.compile(r"(?<![\d〔\[(（])((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月\s*\d{1,2}\s*日)")


def year_from_period(text: str) -> int | None:
    """The year covered as the 统计期限 sentence (or a bare 1月1日至12月31日 range) states it.

    A period over several years ("自2003年至2008年止") covers up to its last year.
    """
    t = unicodedata.normalize("NFKC", text[:8000])
    m = _PERIOD_RE.search(t)
    if m:
        return int(m.group(2) or m.group(1))
    m = _RANGE_RE.search(t)
    if m:
        return int(m.group(2) or m.group(1))
    m = _BROKEN_PERIOD_RE.search(t)
    if m:
        return int(m.group(1))
    return None


def year_from_body(text: str, published: str | None = None) -> int | None:
    """The year covered from other document text: a report title quoted in the body
    ("现将《X县2019年政府信息公开工作年度报告》…", "大竹县2009年政府信息公开工作年度报告"), an early
    "YYYY年度", else the year the opening text names most (never after the publication year)."""
    t = unicodedata.normalize("NFKC", text[:6000])
    limit = int(published[:4]) if published else 2100
    m = _BODY_TITLE_RE.search(t)
    if m and int(m.group(1)) <= limit:
        return int(m.group(1))
    m = re.search(r"((?:19|20)\d{2})\s*年度", t)
    if m and int(m.group(1)) <= limit:
        return int(m.group(1))
    counts: dict[int, int] = {}
    for m in _YEAR_MENTION_RE.finditer(t[:3000]):
        y = int(m.group(1))
        if y <= limit:
            counts[y] = counts.get(y, 0) + 1
    if counts:
        return max(counts, key=lambda y: (counts[y], y))
    return None


def year_from_text(text: str) -> int | None:
    """The year covered, from the 统计期限 sentence or other document text (see :func:`find_year`)."""
    return year_from_period(text) or year_from_body(text)


def find_year(title: str | None, text: str, published: str | None = None) -> tuple[int | None, str | None]:
    """(year covered, where it came from): ``"title"``, ``"period"`` (the 统计期限 sentence),
    ``"body"`` (other document text) or (None, None) (docs/report-format.md §8.7)."""
    year = year_from_title(title)
    if year:
        return year, "title"
    year = year_from_period(text)
    if year:
        return year, "period"
    year = year_from_body(text, published)
    if year:
        return year, "body"
    return None, None


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


_BULLET_RE = re.compile(r"^[•·●○■□◆◇▪▫►▶>»\-—*·\u2022\u25cf]")
# category names of navigation menus, never a body's name
_GENERIC_ORGAN_RE = re.compile(
    r"^(?:乡镇|镇|乡|街道|部门|县直|市直|区直|县级|市级|区级|各|本级|所属|直属|其他|派出|基层)?(?:各?部门|单位|机构)?"
    r"(?:人民政府|政府|办事处|街道办事处|管委会|管理委员会|委员会|局|办公室|政府办|部门)$"
)


def _real_organ(name: str | None) -> str | None:
    """``name`` unless it is a navigation category ("乡镇人民政府", "县直部门") or names nobody."""
    if not name:
        return None
    name = name.strip(" ：:，,。·•")
    if len(name) < 2 or _GENERIC_ORGAN_RE.match(name) or re.match(r"^(?:我|本|该|各|全)", name):
        return None
    return name


def organ_from_lines(paragraphs: list[str]) -> str | None:
    """An organ named on its own line near the top (e.g. under a bare title); never a menu item."""
    for p in paragraphs[:6]:
        s = p.strip()
        if _BULLET_RE.match(s):
            continue
        if _ORGAN_LINE_RE.match(s) and not _REPORT_WORDS.search(s) and _real_organ(s):
            return s
    return None


# "现公布荷塘区桂花街道办事处2019年政府信息公开工作年度报告", "特向社会公布2021年度张家湾镇人民政府…"
_OPENING_RE = re.compile(
    r"(?:公布|公开|发布|印发|汇总|编制|发出)(?:了|的)?《?(?P<t>[^，。,;；:：《》()（）]{2,50}?(?:年度报告|年报))"
)
_COMPILED_BY_RE = re.compile(
    r"由(?P<o>[\u4e00-\u9fff（）()]{3,30}?)(?:党政综合办公室|党政办公室|综合办公室|党政办|办公室|政务公开办公室)?(?:负责)?编制"
)
_CONTACT_RE = re.compile(
    r"(?:请与|可与|请联系|可联系|请向|联系单位[:：]?)(?P<o>[\u4e00-\u9fff（）()]{3,40}?)"
    r"(?:的?(?:政府信息公开|政务公开|信息公开)[\u4e00-\u9fff]{0,12}?(?:办公室|小组|科|股|中心)|党政综合办公室|党政办公室|"
    r"综合办公室|党政办|办公室|综合科|办公厅)?(?:联系|[(（,，:：]|$)"
)
_SIGN_DATE_RE = re.compile(
    r"^\s*(?:(?:19|20)\d{2}|[〇零一二三四五六七八九○Ｏ]{4})\s*年\s*[\d一二三四五六七八九十〇]{1,3}\s*月\s*[\d一二三四五六七八九十〇]{1,3}\s*日\s*$"
)
_SELF_RE = re.compile(
    r"我(?:镇|乡|街|街道|办|局|委|区|县|市|中心|单位|院|所|厅|署|处|公司|站|队|会)|本(?:镇|乡|街道|局|委|机关|单位|中心|部门)"
)


def _name_in(phrase: str, text: str) -> str | None:
    """The organ a report phrase or a name stands for, as the text calls it."""
    name = _real_organ(organ_from_title(phrase))
    return organ_in_text(name, text) if name else None


def organ_from_opening(text: str) -> str | None:
    """The organ named where the report introduces itself ("现公布X2019年…年度报告", "由X编制")."""
    head = unicodedata.normalize("NFKC", text[:3000])
    for m in _OPENING_RE.finditer(head):
        if _YEARISH_RE.search(m.group("t")):
            name = _name_in(m.group("t"), text)
            if name:
                return name
    compiled = _COMPILED_BY_RE.search(head)
    if compiled:
        name = _real_organ(compiled.group("o"))
        if name and _ORGAN_LINE_RE.match(name):
            return organ_in_text(name, text)
    return None


def organ_from_signature(paragraphs: list[str]) -> str | None:
    """The organ of the 落款: a name on its own line next to the signing date at the end."""
    tail = [p.strip() for p in paragraphs[-12:] if p.strip()]
    for i in range(len(tail) - 1, -1, -1):
        line = unicodedata.normalize("NFKC", tail[i])
        m = re.match(r"^(?P<o>[\u4e00-\u9fff()]{3,30})\s+(?P<d>\S.*)$", line)
        if m and _SIGN_DATE_RE.match(m.group("d")) and _ORGAN_LINE_RE.match(m.group("o")):
            return _real_organ(m.group("o"))
        if not _SIGN_DATE_RE.match(line):
            continue
        for j in (i - 1, i - 2):
            if j >= 0:
                cand = unicodedata.normalize("NFKC", tail[j]).replace(" ", "")
                if _ORGAN_LINE_RE.match(cand) and not _REPORT_WORDS.search(cand) and _real_organ(cand):
                    return cand
    return None


def organ_from_contact(text: str) -> str | None:
    """The organ a reader is told to contact ("请与X县水利局办公室联系")."""
    t = unicodedata.normalize("NFKC", text[:8000])
    for m in _CONTACT_RE.finditer(t):
        name = _real_organ(m.group("o"))
        if name and _ORGAN_LINE_RE.match(name):
            return name
    return None


def _meta_organ(meta: dict[str, str]) -> str | None:
    for key in ("发布机构", "ContentSource", "来源", "Author", "publisher"):
        v = (meta.get(key) or "").strip()
        if v and len(v) <= 40 and re.search(r"[\u4e00-\u9fff]", v) and v not in ("原创", "本站", "本网"):
            if _real_organ(v):
                return v
    return None


def choose_organ(title: str | None, text: str, paragraphs: list[str], meta: dict[str, str]) -> str | None:
    """The body that issued the report: named in the title, where the report introduces itself,
    in its signature (落款), as the contact; a report that only says 我镇/本局 is the page's
    发布机构; a name on its own line near the top; never a navigation item."""
    name = _real_organ(organ_from_title(title))
    if name:
        return organ_in_text(name, text) or name
    found = organ_from_opening(text) or organ_from_signature(paragraphs) or organ_from_contact(text)
    if found:
        return found
    meta_organ = _meta_organ(meta)
    if meta_organ and _SELF_RE.search(text[:6000]):
        return meta_organ
    return organ_from_lines(paragraphs) or meta_organ


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

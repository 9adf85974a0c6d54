"""Label normalisation (docs/report-format.md §9).

``normalise_label("（二）部分公开（区分处理的，只计这一情形，不计其他情形）")`` gives a
:class:`Label` with ``text="部分公开"``, ``ordinal="(二)"`` and the annotation kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from opencc import OpenCC

# Characters that only exist in traditional writing and are frequent in report pages; their
# presence triggers OpenCC t2s on the label (mirrors convert whole pages to traditional).
_TRADITIONAL_HINTS = set(
    "們個為與於開關說發對會從來時這裡國過動機構業義區報據處數當歸檔門規範訊說請復議訴訟檢審結總計處理"
    "類屬務權衛護屬獲無現並將據經辦產億與聯應態術條項價額費採購務廠鄉鎮縣區長間運輸環監"
    "劃辦級義準點團圖兩際議讓實證識謂財責貧負資質變勞動範蘭灣創書傳專嚴業東絲乾亂亞亞儲"
)
_WS_RE = re.compile(r"[\s\u00a0\u200b\u200c\u200d\u2060\ufeff\u3000]+")
_QUOTES_RE = re.compile(r"[\"'“”‘’「」『』〝〞＂＇]")
CN_DIGITS = "一二三四五六七八九十"

# Enumerators at the start of a label (after NFKC): 一、 (一) 1. 1、 1, (1) ①
_ENUM_RE = re.compile(
    r"^(?:"
    r"(?P<cn>[一二三四五六七八九十]{1,3})[、.,:]"
    r"|\((?P<pcn>[一二三四五六七八九十]{1,3})\)[、.,]?"
    r"|(?P<num>\d{1,2})(?:[.、,](?!\d)|\s*、)"
    r"|\((?P<pnum>\d{1,2})\)[、.,]?"
    r"|(?P<circ>[①②③④⑤⑥⑦⑧⑨⑩])"
    r")"
)
# An enumerator inside a label (glued labels: "(三)不予公开1.属于国家秘密").
_INNER_ENUM_RE = re.compile(r"(?<=[^\d(（.])(?=(?:\([一二三四五六七八九十]{1,3}\)|\d{1,2}[.、](?!\d)))")
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"

SYNONYMS = {
    "合计": "总计",
    "总数": "总计",
    "本年增减": "本年增/减",
    "本年增/减": "本年增/减",
    "本年增加/减少": "本年增/减",
    "本年增/减数量": "本年增/减",
}


@dataclass(frozen=True)
class Label:
    """A normalised label: ``text`` for matching, ``ordinal`` split off, annotations kept."""

    text: str
    ordinal: str | None = None  # "一、", "(一)", "1.", "(1)"
    ordinal_kind: str | None = None  # cn | pcn | num | pnum
    annotations: tuple[str, ...] = field(default_factory=tuple)
    unit: str | None = None  # from an annotation such as (单位:万元)
    full: str = ""  # NFKC, whitespace and quotes removed, enumerator and annotations kept


@lru_cache(maxsize=1)
def _t2s():
    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert traditional characters to simplified when the text contains any."""
    if any(ch in _TRADITIONAL_HINTS for ch in text):
        return _t2s().convert(text)
    return text


@lru_cache(maxsize=200_000)
def label_to_simplified(text: str) -> str:
    """Labels are always run through OpenCC t2s (cached: labels repeat across reports).

    Mirror sites also swap words (文件 → 檔案 → 档案): folded back for matching.
    """
    if text.isascii():
        return text
    out = _t2s().convert(text)
    if out != text:
        out = out.replace("档案", "文件")
    return out


LABEL_MAX = 256  # longer texts are paragraphs, not labels: neither cached nor always run through OpenCC


def squash(text: str) -> str:
    """NFKC, traditional → simplified, no whitespace, no quotes (steps 1–5 of §9).

    Labels (short, repeated across reports) are cached and always converted with OpenCC;
    long texts (paragraphs searched for flattened tables) are converted only when they hold
    traditional characters, and never kept in the cache.
    """
    if len(text) <= LABEL_MAX:
        return _squash_label(text)
    return _squash(to_simplified(text.replace("\n", "")))


@lru_cache(maxsize=131072)
def _squash_label(text: str) -> str:
    return _squash(label_to_simplified(text.replace("\n", "")))


def _squash(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _WS_RE.sub("", text)
    text = _QUOTES_RE.sub("", text)
    text = text.replace("其它", "其他")
    # normalise the enumeration comma variants produced by NFKC of full-width punctuation
    return text.replace("．", ".").replace("（", "(").replace("）", ")")


def collapse_ws(text: str) -> str:
    """Collapse whitespace (NBSP, ideographic space, line breaks) to single spaces; strip."""
    return " ".join(_WS_RE.sub(" ", text.replace("\u200b", "")).split())


def _strip_annotations(text: str) -> tuple[str, list[str]]:
    annotations: list[str] = []
    prev = None
    while prev != text:
        prev = text
        m = re.search(r"\(([^()]*)\)", text)
        if m:
            annotations.append(m.group(1))
            text = text[: m.start()] + text[m.end() :]
    # an unbalanced, truncated annotation: "规范性文件(行政机关制定…"
    if "(" in text:
        head, _, tail = text.partition("(")
        if head:
            annotations.append(tail)
            text = head
    text = text.replace(")", "")
    return text, annotations


def split_enumerator(text: str) -> tuple[str | None, str | None, str]:
    """Split a leading enumerator off a squashed label: ("(三)", "pcn", "不予公开")."""
    m = _ENUM_RE.match(text)
    if not m:
        return None, None, text
    kind, value = next((k, v) for k, v in m.groupdict().items() if v is not None)
    if kind == "cn":
        ordinal = f"{value}、"
    elif kind == "pcn":
        ordinal = f"({value})"
    elif kind == "num":
        ordinal = f"{value}."
    elif kind == "pnum":
        ordinal = f"({value})"
    else:
        ordinal = f"{_CIRCLED.index(value) + 1}."
        kind = "num"
    return ordinal, kind, text[m.end() :]


def normalise_label(raw: str) -> Label:
    """Normalise one label cell per docs/report-format.md §9."""
    return _normalise_label(raw) if len(raw) <= LABEL_MAX else _normalise_label.__wrapped__(raw)


@lru_cache(maxsize=131072)
def _normalise_label(raw: str) -> Label:
    full = squash(raw)
    ordinal, kind, rest = split_enumerator(full)
    rest = re.sub(r"^其中[:,]?", "", rest) if ordinal is None else rest
    if ordinal is None and full.startswith("其中"):
        ordinal, kind, rest = split_enumerator(rest)
    text, annotations = _strip_annotations(rest)
    unit = None
    for ann in annotations:
        m = re.search(r"单位[:]?([\u4e00-\u9fff]{1,3})", ann)
        if m:
            unit = m.group(1)
        elif ann in ("万元", "元", "亿元", "件", "个", "条", "项"):
            unit = ann
    text = SYNONYMS.get(text, text)
    return Label(text=text, ordinal=ordinal, ordinal_kind=kind, annotations=tuple(annotations), unit=unit, full=full)


def split_glued(raw: str) -> tuple[str, ...]:
    """Split a label that glues a group and a leaf: "（三）不予公开1.属于国家秘密" → two labels."""
    return _split_glued(raw) if len(raw) <= LABEL_MAX else _split_glued.__wrapped__(raw)


@lru_cache(maxsize=65536)
def _split_glued(raw: str) -> tuple[str, ...]:
    """Annotations (parenthesised groups with content) are protected so that digits inside them
    ("指2019年事项数") never split.
    """
    full = squash(raw)
    # protect annotations: only split outside parentheses
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(full):
        ch = full[i]
        if ch == "(":
            # an enumerator "(三)" is not an annotation
            m = re.match(r"\([一二三四五六七八九十]{1,3}\)|\(\d{1,2}\)", full[i:])
            if m and i > start and depth == 0 and full[i - 1] != "第":
                parts.append(full[start:i])
                start = i
                i += m.end()
                continue
            if m:
                i += m.end()
                continue
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and i > start and ch.isdigit() and not full[i - 1].isdigit() and full[i - 1] not in ".":
            m = re.match(r"\d{1,2}[.、](?!\d)", full[i:])
            if m and not re.match(r"[第]", full[i - 1]):
                parts.append(full[start:i])
                start = i
                i += m.end()
                continue
        i += 1
    parts.append(full[start:])
    return tuple(p for p in parts if p)


def is_caption(raw: str) -> str | None:
    """The 第二十条 item of a section-二 caption ("第二十条第（一）项" → "一"), else None."""
    m = re.search(r"第二十条第?\(?([一二三四五六七八九十]{1,2})\)?项", squash(raw))
    return m.group(1) if m else None


def cn_to_int(text: str) -> int | None:
    """Chinese numeral 1–99 → int ("十二" → 12)."""
    if not text:
        return None
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        t = CN_DIGITS.index(tens) + 1 if tens else 1
        o = CN_DIGITS.index(ones) + 1 if ones else 0
        return t * 10 + o
    if len(text) == 1 and text in CN_DIGITS:
        return CN_DIGITS.index(text) + 1
    return None

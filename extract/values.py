"""Cell values (docs/contract.md §2): numbers, blanks, signs, units, as published.

A value is never invented: two digit runs separated by whitespace ("418 1509") are two numbers,
not one, and a number of more than :data:`MAX_DIGITS` significant digits is no count a report
publishes (nor one SQLite or a float keeps exactly); both stay text, which the table reader
reports as a warning on that cell.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from extract.labels import collapse_ws

Number = int | float

# significant digits a value may have: 15 round-trip exactly through a float and fit SQLite's integer
MAX_DIGITS = 15

# blank markers: empty, dashes, slashes, 无 (after NFKC and whitespace removal)
_BLANK_RE = re.compile(r"^(?:[-—–―‐‑−─━/\\、.·…_]*|无|空|暂无|没有)$")
_NUMBER_RE = re.compile(
    r"^(?P<sign>[+\-−—–]|增加?|减少?|新增|增长)?"
    r"(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?P<frac>\.[0-9]+)?"
    r"(?P<unit>[\u4e00-\u9fff%‰]{1,3}|万元|亿元|人次)?$"
)
_PAREN_UNIT_RE = re.compile(r"(?<=\d)\((元|万元|亿元|件|条|个|项|次|人次|份|篇|家|人|期|起|宗|批)\)$")
_KNOWN_UNITS = {
    "元",
    "万元",
    "亿元",
    "件",
    "条",
    "个",
    "项",
    "次",
    "人次",
    "份",
    "篇",
    "家",
    "人",
    "期",
    "%",
    "起",
    "宗",
    "批",
}


@dataclass(frozen=True)
class ParsedValue:
    """``kind`` is ``number``, ``blank`` or ``text`` (a note such as 见附件)."""

    value: Number | None
    unit: str | None
    kind: str
    raw: str  # whitespace-collapsed published text


_WS_RE = re.compile(r"[\s\u00a0\u200b\u3000\ufeff]+")
# visible whitespace between two parts of numbers: "418 1509", "1 2 3", "12\n9"
# a space between digits (zero-width characters beside it count for nothing: "1 \u200b0" is two numbers)
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_SPLIT_NUMBER_RE = re.compile(rf"[0-9.,，][{_INVISIBLE}]*[\s\u00a0\u3000][\s\u00a0\u3000{_INVISIBLE}]*[0-9.,，]")


def clean_number_text(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw)
    text = _WS_RE.sub("", text)
    return text.replace("−", "-").replace("，", ",")


def split_number(raw: str) -> bool:
    """True when whitespace separates digits in ``raw`` ("418 1509"): two numbers, not one."""
    return bool(_SPLIT_NUMBER_RE.search(unicodedata.normalize("NFKC", raw)))


def _digits_ok(digits: str, frac: str | None) -> bool:
    significant = len(digits.lstrip("0")) + (len(frac) - 1 if frac else 0)
    return significant <= MAX_DIGITS


def parse_value(raw: str) -> ParsedValue:
    """Parse one value cell: ``"增15"`` → 15, ``"减4"`` → -4, ``"251000元"`` → 251000 元, ``"—"`` → None."""
    # cell texts repeat ("0", "1" …): cached, but long texts (notes, stray paragraphs) are not kept
    return _parse_value(raw) if len(raw) <= 64 else _parse_value.__wrapped__(raw)


@lru_cache(maxsize=131072)
def _parse_value(raw: str) -> ParsedValue:
    """The uncached parser behind :func:`parse_value`."""
    shown = collapse_ws(raw)
    text = clean_number_text(raw)
    if _BLANK_RE.match(text):
        return ParsedValue(None, None, "blank", shown)
    if text in ("零", "〇"):
        return ParsedValue(0, None, "number", shown)  # zero written as a numeral, not a blank
    text = _PAREN_UNIT_RE.sub(r"\1", text)  # 0(件) → 0件
    m = _NUMBER_RE.match(text)
    if not m or split_number(raw):
        return ParsedValue(None, None, "text", shown)
    unit = m.group("unit")
    if unit and unit not in _KNOWN_UNITS:
        return ParsedValue(None, None, "text", shown)
    digits = m.group("int").replace(",", "")
    frac = m.group("frac")
    if not _digits_ok(digits, frac):
        return ParsedValue(None, None, "text", shown)  # 23 digits: no count a report publishes
    value: Number = float(digits + frac) if frac else int(digits)
    sign = m.group("sign") or ""
    if sign in ("-", "−", "—", "–") or sign.startswith("减"):
        value = -value
    return ParsedValue(value, unit, "number", shown)

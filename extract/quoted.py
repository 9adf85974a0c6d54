"""Figures a report's prose quotes from its own tables (rule R9, docs/report-format.md §7).

The text of section 一 often restates the tables: ``全年共受理政府信息公开申请2件``,
``因政府信息公开引起行政复议0件，行政诉讼1件``, older reports ``主动公开政府信息145条``.
:func:`quoted_figures` finds such clauses and says which table figure each one quotes; the
check itself (comparing with the cells) is in :mod:`extract.checks`.

A clause is quoted only when it states this year's count: comparisons (``比上年增加2件``,
``同比``) and carried-over counts (``上年结转``) are left out, and a number must stand right
before its measure word (``件``, ``条`` …), so years and dates are never taken for counts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# what the prose quotes → the Chinese name shown with the check
KINDS = {
    "received": "收到（受理）申请数",
    "handled": "办理（答复）申请数",
    "administrative_review": "行政复议数",
    "litigation": "行政诉讼数",
    "review_litigation": "行政复议和行政诉讼数",
    "active_published": "主动公开信息数",
}

_NUM = r"(\d+|[零〇一二两三四五六七八九十]{1,3})"
_GAP = r"[^\d，,。；;：:]"  # no digit and no clause boundary between the words and the number
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "review_litigation",
        re.compile(rf"行政复议[和、及与]行政诉讼{_GAP}{{0,10}}?{_NUM}\s*(?:件|起|宗)"),
    ),
    (
        "received",
        re.compile(rf"(?:受理|收到|新收|接收|接到){_GAP}{{0,20}}?申请{_GAP}{{0,8}}?{_NUM}\s*(?:件|个|宗)"),
    ),
    ("handled", re.compile(rf"(?:办理|办结|答复){_GAP}{{0,20}}?申请{_GAP}{{0,8}}?{_NUM}\s*(?:件|个|宗)")),
    ("administrative_review", re.compile(rf"行政复议(?![和、及与]行政诉讼){_GAP}{{0,8}}?{_NUM}\s*(?:件|起|宗|次)")),
    ("litigation", re.compile(rf"行政诉讼{_GAP}{{0,8}}?{_NUM}\s*(?:件|起|宗|次)")),
    ("active_published", re.compile(rf"主动公开{_GAP}{{0,16}}?{_NUM}\s*条")),
)
# clauses that state something else than this year's count
_NOT_THIS_YEAR = re.compile(r"同比|较上年|比上年|较去年|比去年|上年结转|结转下年|历年|累计|增加|减少|下降|增长")
_SENTENCE = re.compile(r"[^。；;！!？?\n]+")
_CLAUSE = re.compile(r"[^，,：:]+")
_CN = "零一二三四五六七八九"


@dataclass(frozen=True)
class Quote:
    """A figure stated in the prose: what it counts, the number, and the sentence it is in."""

    kind: str
    value: int
    sentence: str


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    text = text.replace("两", "二").replace("〇", "零")
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1 or any(ch not in _CN for ch in tens + ones):
            return None
        return (_CN.index(tens) if tens else 1) * 10 + (_CN.index(ones) if ones else 0)
    if len(text) == 1 and text in _CN:
        return _CN.index(text)
    return None


def _shown(sentence: str, limit: int = 160) -> str:
    sentence = re.sub(r"\s+", "", sentence)
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"


def quoted_figures(text: str) -> list[Quote]:
    """Every figure of :data:`KINDS` the text states, in order (a kind and value once)."""
    found: list[Quote] = []
    seen: set[tuple[str, int]] = set()
    for sentence in _SENTENCE.findall(text or ""):  # shown as printed; matched in its NFKC form
        for clause in _CLAUSE.findall(unicodedata.normalize("NFKC", sentence)):
            if _NOT_THIS_YEAR.search(clause):
                continue
            taken: list[tuple[int, int]] = []
            for kind, pattern in _PATTERNS:
                for m in pattern.finditer(clause):
                    if any(m.start() < end and start < m.end() for start, end in taken):
                        continue  # one stretch of text quotes one figure
                    value = _number(m.group(1))
                    if value is None:
                        continue
                    taken.append((m.start(), m.end()))
                    if (kind, value) not in seen:
                        seen.add((kind, value))
                        found.append(Quote(kind, value, _shown(sentence)))
    return found

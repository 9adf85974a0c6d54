"""Sections 一 … 六 of a report (docs/report-format.md §2), and the numbered parts of older reports."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extract.labels import cn_to_int
from extract.model import Section

KEYWORDS = {
    1: re.compile(r"总体|概述|基本情况|概况|总述|工作情况"),
    2: re.compile(r"主动公开"),
    3: re.compile(r"收到和处理|依申请|申请情况|申请公开"),
    4: re.compile(r"复议|诉讼"),
    5: re.compile(r"问题|改进|不足"),
    6: re.compile(r"其他|其它"),
}
_CANDIDATE_RE = re.compile(
    r"(?P<boundary>^|(?<=[。；！？;!?\s]))?[ \t\u3000]*([一二三四五六七八九十]{1,2})[ \t\u3000]*[、.．]"
)
# The official headings: recognised even when glued to the text before them (flattened pages).
STRONG = {
    1: re.compile(r"总体情况"),
    2: re.compile(r"主动公开政府信息(?:情况)?"),
    3: re.compile(r"收到和处理政府信息公开申请(?:情况)?"),
    4: re.compile(r"政府信息公开行政复议[、和及]?行政诉讼(?:情况)?"),
    5: re.compile(r"(?:政府信息公开工作)?存在的主要问题(?:及|和)改进(?:情况|措施)"),
    6: re.compile(r"其他需要报告的事项"),
}
# Heading words of older outlines, accepted after an ordinal glued to the text before it.
_LOOSE_HEADING_RE = re.compile(
    r"概述|总体情况|基本情况|工作概况|主动公开政府信息|依申请公开|政府信息依申请|政府信息公开的收费|"
    r"因政府信息公开申请|政府信息公开行政复议|存在的主要问题|政府信息公开工作存在|其他需要报告|其它需要报告|"
    r"政府信息公开情况统计|回应解读|机构建设|政府信息公开会议"
)
_TERMINATOR_RE = re.compile(r"情况统计表|情况|事项|措施|概述|概况|总述|问题(?![及和与、])")
_HEADING_MAX = 40


@dataclass
class _Heading:
    start: int  # offset of the ordinal
    end: int  # offset after the heading text
    ordinal: int
    text: str
    own_line: bool


def _candidates(text: str) -> list[_Heading]:
    out: list[_Heading] = []
    for m in _CANDIDATE_RE.finditer(text):
        ordinal = cn_to_int(m.group(2))
        if ordinal is None:
            continue
        if m.group("boundary") is None and m.start() > 0:
            strong = STRONG.get(ordinal)
            if text[m.start() - 1] == "第" or not (
                (strong and strong.match(text, m.end())) or _LOOSE_HEADING_RE.match(text, m.end())
            ):
                continue
        line_start = text.rfind("\n", 0, m.start(2)) + 1
        line_end = text.find("\n", m.end())
        line_end = len(text) if line_end < 0 else line_end
        own_line = text[line_start : m.start(2)].strip() == "" and (line_end - m.start(2)) <= _HEADING_MAX + 10
        if own_line:
            end = line_end
        else:
            window = text[m.end() : m.end() + _HEADING_MAX]
            ws = re.search(r"\s", window)
            term = _TERMINATOR_RE.search(window)
            cut = None
            if ws and ws.start() > 1:
                cut = ws.start()
            if term and (cut is None or term.end() < cut):
                cut = term.end()
            if cut is None:
                continue
            end = m.end() + cut
        heading = text[m.start(2) : end].strip()
        out.append(_Heading(m.start(2), end, ordinal, heading, own_line))
    return out


def _select_modern(cands: list[_Heading]) -> list[tuple[int, _Heading]]:
    chosen: list[tuple[int, _Heading]] = []
    expected = 1
    for h in cands:
        if expected > 6:
            break
        for k in range(expected, 7):
            if KEYWORDS[k].search(h.text[:24]) and abs(h.ordinal - k) <= 1 and (k == h.ordinal or h.own_line):
                chosen.append((k, h))
                expected = k + 1
                break
    return chosen


def _select_sequence(cands: list[_Heading]) -> list[tuple[int, _Heading]]:
    """Top-level numbered parts in printed order 一、二、三 … (older reports)."""
    chosen: list[tuple[int, _Heading]] = []
    expected = 1
    prefer_lines = any(h.own_line for h in cands)
    for h in cands:
        if prefer_lines and not h.own_line:
            continue
        if h.ordinal == expected or (chosen and h.ordinal == expected + 1) or (not chosen and h.ordinal == 2):
            chosen.append((h.ordinal, h))
            expected = h.ordinal + 1
    if len(chosen) < 2 and prefer_lines:
        chosen, expected = [], 1
        for h in cands:
            if h.ordinal == expected:
                chosen.append((h.ordinal, h))
                expected += 1
    return chosen


def split_sections(paragraphs: list[str], modern: bool) -> list[Section]:
    """Split body text into sections; the preamble before 一 becomes section 0."""
    text = "\n".join(p.strip() for p in paragraphs if p and p.strip())
    if not text:
        return []
    cands = _candidates(text)
    chosen = _select_modern(cands) if modern else []
    if len(chosen) < 3:
        seq = _select_sequence(cands)
        if len(seq) > len(chosen) or not modern:
            chosen = seq
    sections: list[Section] = []
    first = chosen[0][1].start if chosen else len(text)
    preamble = text[:first].strip()
    if preamble:
        sections.append(Section(0, None, preamble))
    for i, (number, h) in enumerate(chosen):
        stop = chosen[i + 1][1].start if i + 1 < len(chosen) else len(text)
        body = text[h.end : stop].strip()
        sections.append(Section(number, h.text, body))
    return sections

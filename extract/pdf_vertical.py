"""Labels printed vertically in a PDF table: a column of single characters (issue 11 class 1).

Section 三's merged labels (``三、本年度办理结果``, ``（三）不予公开`` …) are often printed top to
bottom — upright characters stacked (WPS 竖排, Word ``tbRlV``), a vertical-writing font, or
rotated glyphs (``btLr``).  When the PDF's ruling lines give such a label a cell of its own, its
text is that cell's.  When they do not — WPS draws the row lines through the merged column and
leaves out the border beside it — the label's characters stand inside the boxes of the rows
beside it and would be read into their labels ("、本年他部情分形公开").

:func:`vertical_runs` finds such labels from character geometry alone: characters that stand
alone on their line (no neighbour within half an em), stacked one under the other at the same
x, at least three of them, spelling a label of the form (or at least five characters, four of
them distinct — never a column of units such as 条 条 条, nor numbers).  The PDF reader takes
them out of the boxes of the rows they cross: they are structure, not text of those cells.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

Char = dict

MIN_RUN = 3
ALONE = 0.5  # em: a character with a neighbour closer than this on its line is part of a line
SAME_X = 0.35  # em: characters of one vertical run share their centre x within this
STACK_GAP = 0.6  # em: stacked characters are at most this far apart vertically
_NOT_LABEL = re.compile(r"[\s0-9０-９.,，．、:：;；\-—–/／无%％]")
_KNOWN = (
    "本年度办理结果",
    "不予公开",
    "无法提供",
    "不予处理",
    "其他处理",
    "申请人情况",
    "法人或其他组织",
    "行政复议",
    "行政诉讼",
    "未经复议直接起诉",
    "复议后起诉",
)


@dataclass
class Run:
    chars: list[Char]  # in reading order
    text: str


def _size(c: Char) -> float:
    return max(float(c.get("size") or 0.0), min(c["x1"] - c["x0"], c["bottom"] - c["top"]), 1.0)


def _cx(c: Char) -> float:
    return (c["x0"] + c["x1"]) / 2


def _alone(c: Char, others: list[Char]) -> bool:
    """No other character on ``c``'s line within :data:`ALONE` em (a stacked column's own
    characters do not count)."""
    s = _size(c)
    h = c["bottom"] - c["top"]
    for o in others:
        if o is c or o["text"].isspace():
            continue
        overlap = min(o["bottom"], c["bottom"]) - max(o["top"], c["top"])
        if overlap < 0.5 * min(h, o["bottom"] - o["top"]):
            continue
        if abs(_cx(o) - _cx(c)) < SAME_X * s:
            continue
        gap = max(o["x0"] - c["x1"], c["x0"] - o["x1"])
        if gap < ALONE * s:
            return False
    return True


def _reading_text(chars: list[Char]) -> str:
    rotated = [c for c in chars if not c.get("upright", True)]
    if rotated and len(rotated) * 2 > len(chars) and sum(1 for c in rotated if c["matrix"][1] > 0) * 2 >= len(rotated):
        return "".join(c["text"] for c in reversed(chars))  # btLr: read bottom to top
    return "".join(c["text"] for c in chars)


def _is_label(text: str) -> bool:
    core = re.sub(r"[\s()（）一二三四五六七八九十、.．]", "", text)
    if any(k in core for k in _KNOWN):
        return True
    return len(core) >= 5 and len(set(core)) >= 4


def vertical_runs(chars: list[Char]) -> list[Run]:
    """The vertically printed labels among ``chars`` (a table's characters)."""
    cands = [c for c in chars if c["text"].strip() and not re.match(r"[0-9０-９]", c["text"])]
    if len(cands) < MIN_RUN:
        return []
    # a candidate must stand alone on its line: check against neighbours in a band around it
    by_top = sorted(chars, key=lambda c: c["top"])
    tops = [c["top"] for c in by_top]
    tallest = max((c["bottom"] - c["top"] for c in by_top), default=0.0)
    alone: list[Char] = []
    for c in cands:
        s = _size(c)
        lo = bisect_left(tops, c["top"] - tallest - 0.1 * s)
        hi = bisect_right(tops, c["bottom"] + 0.1 * s)
        if _alone(c, by_top[lo:hi]):
            alone.append(c)
    if len(alone) < MIN_RUN:
        return []
    runs: list[Run] = []
    used: set[int] = set()
    alone.sort(key=lambda c: (round(_cx(c)), c["top"]))
    for c in sorted(alone, key=lambda c: c["top"]):
        if id(c) in used:
            continue
        s = _size(c)
        run = [c]
        while True:
            last = run[-1]
            nxt = [
                o
                for o in alone
                if id(o) not in used
                and o is not last
                and abs(_cx(o) - _cx(c)) < SAME_X * s
                and 0 <= o["top"] - last["top"]
                and o["top"] - last["bottom"] <= STACK_GAP * s
                and o not in run
            ]
            if not nxt:
                break
            run.append(min(nxt, key=lambda o: o["top"]))
        if len(run) < MIN_RUN:
            continue
        text = _reading_text(run)
        if _NOT_LABEL.sub("", text) == "" or not _is_label(text):
            continue
        used.update(id(x) for x in run)
        ordered = list(reversed(run)) if text != "".join(x["text"] for x in run) else run
        runs.append(Run(ordered, text))
    return runs

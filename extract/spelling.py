"""Misspelt canonical labels (docs/report-format.md §9 step 9): the closest label, when unambiguous.

"2.其他法律行政止公开" (characters missing) is the row 其他法律行政法规禁止公开: a label that matches
no canonical label exactly is read as the one it is closest to by edit distance, but only when
that one is close (three characters in ten at most) and clearly closer than any other row
(a margin of two edits over the runner-up; one when a single edit separates it from its label).  Short labels (under four characters) are never
guessed, so rows beyond the template (行政检查, 行政确认) stay ``extra:`` rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

MIN_LENGTH = 4
MARGIN = 2
SHARE = 0.3  # at most this share of the label's characters may differ


def distance(a: str, b: str, limit: int | None = None) -> int:
    """Levenshtein distance of two strings (stops early once every path exceeds ``limit``)."""
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    if limit is not None and len(a) - len(b) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if limit is not None and min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def closest(text: str, labels: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """``(key, label)`` of the canonical label ``text`` is a misspelling of, or None.

    ``labels`` are ``(normalised label, key)`` pairs of one table (and group); several labels
    may share a key (wording variants), the margin is measured against other keys only.
    """
    return _closest(text, tuple(labels))


@lru_cache(maxsize=4096)
def _closest(text: str, labels: tuple[tuple[str, str], ...]) -> tuple[str, str] | None:
    if len(text) < MIN_LENGTH:
        return None
    best: dict[str, tuple[int, str]] = {}
    for label, key in labels:
        if len(label) < MIN_LENGTH:
            continue
        d = distance(text, label, limit=len(label))
        if key not in best or d < best[key][0]:
            best[key] = (d, label)
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda kv: kv[1][0])
    key, (d1, label) = ranked[0]
    d2 = ranked[1][1][0] if len(ranked) > 1 else len(text) + len(label)
    if d1 == 0 or d1 > max(1, round(len(label) * SHARE)) or d2 - d1 < (1 if d1 == 1 else MARGIN):
        return None
    return key, label

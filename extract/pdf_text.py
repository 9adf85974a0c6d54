"""Characters of a PDF page → text lines and cell texts (no interpretation).

Works on pdfplumber char dicts (``text``, ``x0``, ``x1``, ``top``, ``bottom``, ``size``,
``upright``, ``matrix``).  Lines are built from character boxes, never from the content
stream order, so digits of neighbouring cells cannot run together: a cell's text only ever
contains the characters whose centre lies inside that cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Char = dict

# A cell holding one number (possibly wrapped inside a narrow cell): its lines join with "".
_NUMERIC_CELL = re.compile(r"^[+\-−–增减]?[0-9０-９][0-9０-９,，.．]*\s*[元万件条个项次%％]*$")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")


@dataclass
class TextLine:
    """One visual line of characters (top-left origin coordinates, PDF points)."""

    chars: list[Char] = field(default_factory=list)
    x0: float = 0.0
    top: float = 0.0
    x1: float = 0.0
    bottom: float = 0.0
    size: float = 0.0
    text: str = ""
    page: int = 0

    def close(self, space_ratio: float = 0.5) -> TextLine:
        """Sort the characters and compute box, dominant size and text."""
        self.chars.sort(key=lambda c: c["x0"])
        self.x0 = min(c["x0"] for c in self.chars)
        self.x1 = max(c["x1"] for c in self.chars)
        self.top = min(c["top"] for c in self.chars)
        self.bottom = max(c["bottom"] for c in self.chars)
        sizes = sorted(c["size"] for c in self.chars)
        self.size = sizes[len(sizes) // 2]
        self.text = chars_text(self.chars, space_ratio)
        return self


def chars_text(chars: list[Char], space_ratio: float = 0.5) -> str:
    """Text of characters on one line (sorted by x): a gap wider than ``space_ratio`` × size
    becomes one space; existing whitespace collapses."""
    out: list[str] = []
    prev: Char | None = None
    for c in chars:
        t = c["text"]
        if prev is not None and c["x0"] - prev["x1"] > space_ratio * max(c["size"], prev["size"]):
            if out and not out[-1].endswith(" "):
                out.append(" ")
        if t.isspace():
            if out and not out[-1].endswith(" "):
                out.append(" ")
        else:
            out.append(t)
        prev = c
    return "".join(out).strip()


def group_lines(chars: list[Char], page: int = 0, space_ratio: float = 0.5) -> list[TextLine]:
    """Upright characters → lines, top to bottom.

    A character joins the line whose vertical extent overlaps its own by at least half of the
    smaller height (mixed CJK/Latin fonts on one baseline stay one line).
    """
    lines: list[TextLine] = []
    for c in sorted(chars, key=lambda c: (round(c["top"], 1), c["x0"])):
        if c["text"].isspace() and not lines:
            continue
        h = max(c["bottom"] - c["top"], 0.1)
        target = None
        for line in reversed(lines[-4:]):
            overlap = min(line.bottom, c["bottom"]) - max(line.top, c["top"])
            if overlap >= 0.5 * min(h, max(line.bottom - line.top, 0.1)):
                target = line
                break
        if target is None:
            target = TextLine(page=page, top=c["top"], bottom=c["bottom"])
            lines.append(target)
        target.chars.append(c)
        target.top = min(target.top, c["top"])
        target.bottom = max(target.bottom, c["bottom"])
    out = [line.close(space_ratio) for line in lines if any(not ch["text"].isspace() for ch in line.chars)]
    out.sort(key=lambda l: (l.top, l.x0))
    return out


def _rotated_text(chars: list[Char]) -> list[str]:
    """Columns of rotated (non-upright) characters, in reading order."""
    # matrix (a, b, c, d): b > 0 → glyphs rotated counter-clockwise, text runs bottom → top.
    up = sum(1 for c in chars if c["matrix"][1] > 0) >= len(chars) / 2
    cols: list[list[Char]] = []
    for c in sorted(chars, key=lambda c: c["x0"]):
        if cols and c["x0"] - cols[-1][0]["x0"] < 0.5 * c["size"]:
            cols[-1].append(c)
        else:
            cols.append([c])
    if not up:
        cols.reverse()
    texts = []
    for col in cols:
        col.sort(key=lambda c: c["top"], reverse=up)
        texts.append("".join(c["text"] for c in col if not c["text"].isspace()))
    return [t for t in texts if t]


def cell_text(chars: list[Char]) -> str:
    """Text of one table cell: its lines joined with ``"\\n"``.

    A number wrapped inside a narrow cell (``75394432.5`` / ``2元``) is joined without a break.
    """
    if not chars:
        return ""
    upright = [c for c in chars if c.get("upright", True)]
    rotated = [c for c in chars if not c.get("upright", True)]
    parts: list[str] = []
    if rotated and len(rotated) > len(upright):
        parts = _rotated_text(rotated) + [l.text for l in group_lines(upright)]
    else:
        parts = [l.text for l in group_lines(upright)]
        if rotated:
            parts += _rotated_text(rotated)
    parts = [p for p in parts if p]
    joined = "".join(parts)
    if len(parts) > 1 and _NUMERIC_CELL.match(joined):
        return joined
    return "\n".join(parts)


def join_wrapped(a: str, b: str) -> str:
    """Join two visual lines of one paragraph: nothing between CJK, a space between words."""
    if not a:
        return b
    if not b:
        return a
    if _ASCII_WORD.match(a[-1]) and _ASCII_WORD.match(b[0]):
        return a + " " + b
    return a + b


def split_segments(line: TextLine, gap_ratio: float) -> list[TextLine]:
    """Split a line where the gap between characters exceeds ``gap_ratio`` × size."""
    segs: list[TextLine] = []
    current: list[Char] = []
    prev: Char | None = None
    for c in line.chars:
        if prev is not None and c["x0"] - prev["x1"] > gap_ratio * max(c["size"], prev["size"]):
            segs.append(TextLine(current, page=line.page).close())
            current = []
        current.append(c)
        prev = c
    if current:
        segs.append(TextLine(current, page=line.page).close())
    return [s for s in segs if s.text]

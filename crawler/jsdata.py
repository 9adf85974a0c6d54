"""Inline page data: the JavaScript literals government CMS pages carry (docs/portals.md, notes 2026-12).

Platforms put their configuration and column trees into page scripts as JavaScript, not JSON:
``window._CONFIG = { SID:'755031', APP_URL:'/gkmlpt', TREE:[ … ], };`` (unquoted keys, single
quotes, trailing commas, comments, expressions such as ``location.protocol + '//' + location.host``).
They are read with chompjs; string concatenations that start with a literal (which chompjs cannot
take) are folded first.  A literal that still cannot be read raises :class:`InlineDataError` — the
caller says which platform it was, so the run records it (never a silent empty list).
"""

from __future__ import annotations

import re
from typing import Any

import chompjs

_STRING = r"""(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
_OPERAND = rf"(?:{_STRING}|[A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*|\[\s*\d+\s*\])*(?:\(\s*\))?|\d+(?:\.\d+)?)"
# 'a' + b.c + "d" … : a concatenation that begins with a string literal
_CONCAT_RE = re.compile(rf"{_STRING}(?:\s*\+\s*{_OPERAND})+")
_STRING_RE = re.compile(_STRING)
MAX_LITERAL = 2_000_000  # characters of a page handed to the parser at most


class InlineDataError(ValueError):
    """A JavaScript literal on a page that cannot be read."""


def _unquote(token: str) -> str:
    body = token[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def _fold(match: re.Match[str]) -> str:
    """``'a' + x + 'b'`` → ``"ab"`` (the parts that are not literals are unknown here: left out)."""
    parts = [_unquote(m.group(0)) for m in _STRING_RE.finditer(match.group(0))]
    text = "".join(parts).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def fold_concatenations(source: str) -> str:
    """The JavaScript text with literal-first string concatenations folded into one literal."""
    return _CONCAT_RE.sub(_fold, source)


def parse_literal(source: str) -> Any:
    """The first object or array literal of ``source`` (JavaScript syntax), or InlineDataError."""
    source = source[:MAX_LITERAL]
    if not re.search(r"[\[{]", source):
        raise InlineDataError("no object or array literal")
    try:
        return chompjs.parse_js_object(source)
    except (ValueError, IndexError) as first:
        folded = fold_concatenations(source)
        # then without line breaks: values that are code (a function over several lines) are kept as
        # text by chompjs, and a raw line break is not allowed in text
        for attempt in (folded, re.sub(r"[\r\n\t]+", " ", folded)):
            try:
                return chompjs.parse_js_object(attempt)
            except (ValueError, IndexError):
                continue
        try:
            return tolerant_literal(source)
        except (ValueError, IndexError):
            raise InlineDataError(f"not a readable JavaScript literal ({str(first)[:120]})") from None


# ----------------------------------------------------------------------------- the tolerant reader

_WS_RE = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)*", re.S)
_NUMBER_RE = re.compile(r"-?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+)")
_KEY_RE = re.compile(r"[A-Za-z_$][\w$]*|\d+")
_WORDS = {"true": True, "false": False, "null": None, "undefined": None}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


class _Reader:
    """A JavaScript object/array literal read value by value; a value that is code (``typeof x``,
    ``a ? 'b' : 'c'``, a function) is kept as its text.  For what chompjs cannot take."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def ws(self) -> None:
        self.i = _WS_RE.match(self.text, self.i).end()  # type: ignore[union-attr]

    def peek(self) -> str:
        self.ws()
        return self.text[self.i] if self.i < len(self.text) else ""

    def value(self) -> Any:
        ch = self.peek()
        start = self.i
        if ch == "{":
            found: Any = self.obj()
        elif ch == "[":
            found = self.arr()
        elif ch in "'\"`":
            found = self.string()
        elif m := _NUMBER_RE.match(self.text, self.i):
            self.i = m.end()
            text = m.group(0)
            found = (
                int(text, 16)
                if text.lower().startswith(("0x", "-0x"))
                else float(text)
                if "." in text or "e" in text.lower()
                else int(text)
            )
        elif (m := _KEY_RE.match(self.text, self.i)) and m.group(0) in _WORDS:
            self.i = m.end()
            found = _WORDS[m.group(0)]
        else:
            return self.expression(start)
        if self.peek() not in (",", "}", "]", ""):
            return self.expression(start)  # the value goes on: it is code (``1 + 2``, ``'a' + b``)
        return found

    def expression(self, start: int) -> str:
        """Code up to the next ``,`` ``}`` or ``]`` of this level (brackets and strings skipped)."""
        depth, i, text = 0, start, self.text
        while i < len(text):
            ch = text[i]
            if ch in "'\"`":
                i = self._skip_string(i)
                continue
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                break
            i += 1
        self.i = i
        return text[start:i].strip()

    def _skip_string(self, i: int) -> int:
        quote, i = self.text[i], i + 1
        while i < len(self.text) and self.text[i] != quote:
            i += 2 if self.text[i] == "\\" else 1
        return i + 1

    def string(self) -> str:
        quote = self.text[self.i]
        end = self._skip_string(self.i)
        body = self.text[self.i + 1 : end - 1]
        self.i = end
        if quote == "`":
            return body
        return re.sub(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", lambda m: _unescape(m.group(1)), body, flags=re.S)

    def obj(self) -> dict:
        self.i += 1
        out: dict = {}
        while True:
            ch = self.peek()
            if ch == "}":
                self.i += 1
                return out
            if ch == ",":
                self.i += 1
                continue
            if ch in "'\"":
                key = self.string()
            elif m := _KEY_RE.match(self.text, self.i):
                key, self.i = m.group(0), m.end()
            else:
                raise ValueError(f"unexpected {ch!r} at {self.i}")
            if self.peek() != ":":
                raise ValueError(f"no ':' after key {key!r}")
            self.i += 1
            out[key] = self.value()

    def arr(self) -> list:
        self.i += 1
        out: list = []
        while True:
            ch = self.peek()
            if ch == "]":
                self.i += 1
                return out
            if ch == ",":
                self.i += 1
                continue
            if not ch:
                raise ValueError("unterminated array")
            out.append(self.value())


def _unescape(code: str) -> str:
    if code[0] in "ux" and len(code) > 1:
        return chr(int(code[1:], 16))
    return _ESCAPES.get(code, code)


def tolerant_literal(source: str) -> Any:
    """The first object or array literal of ``source`` read by the tolerant reader (``ValueError``
    when even that cannot)."""
    m = re.search(r"[\[{]", source)
    if m is None:
        raise ValueError("no object or array literal")
    reader = _Reader(source)
    reader.i = m.start()
    return reader.obj() if m.group(0) == "{" else reader.arr()


def assigned_literal(text: str, name: str) -> Any | None:
    """The literal assigned to ``name`` (``name = {…}``, ``var name = […]``, ``name: {…}``).

    None when the page assigns nothing to it; :class:`InlineDataError` when it does but the
    value cannot be read.
    """
    m = re.search(rf"(?<![\w$.]){re.escape(name)}\s*[=:]\s*(?=[\[{{])", text)
    if m is None:
        m = re.search(rf"\.{re.escape(name)}\s*=\s*(?=[\[{{])", text)  # window._CONFIG = {…}
    if m is None:
        return None
    return parse_literal(text[m.end() :])


def call_argument(text: str, function: str) -> Any | None:
    """The object literal passed to ``function({…})`` (``listModel({…})``, ``.jpage({…})``)."""
    m = re.search(rf"(?<![\w$]){re.escape(function)}\s*\(\s*(?=\{{)", text)
    if m is None:
        return None
    return parse_literal(text[m.end() :])


def assigned_scalar(text: str, name: str) -> str | None:
    """The scalar assigned to a variable (``var countPage = 5``, ``countPage = '5';``) as text."""
    m = re.search(rf"(?<![\w$.]){re.escape(name)}\s*=\s*(?:(['\"])(.*?)\1|([-\w.]+))", text)
    if m is None:
        return None
    return m.group(2) if m.group(1) else m.group(3)


def script_bodies(html: str) -> list[str]:
    """The text of the page's inline scripts (``type`` JavaScript or none; XML data islands excluded)."""
    out = []
    for m in re.finditer(r"<script\b([^>]*)>(.*?)</script\s*>", html, re.S | re.I):
        attrs, body = m.group(1), m.group(2)
        kind = re.search(r"type\s*=\s*['\"]?([\w/+-]+)", attrs, re.I)
        if kind and "javascript" not in kind.group(1).lower() and "ecmascript" not in kind.group(1).lower():
            continue
        if re.search(r"\bsrc\s*=", attrs, re.I) or not body.strip():
            continue
        out.append(body)
    return out


def literals_in(script: str) -> list[Any]:
    """Every object and array literal a script assigns, passes or returns (unreadable ones skipped)."""
    out: list[Any] = []
    end = -1
    for m in re.finditer(r"(?:[=:(,]|return)\s*(?=[\[{])", script):
        start = m.end()
        if start < end:
            continue  # inside a literal already read
        try:
            value = parse_literal(script[start:])
        except InlineDataError:
            continue
        end = start + _literal_length(script, start)
        if isinstance(value, (dict, list)) and value:
            out.append(value)
    return out


def _literal_length(text: str, start: int) -> int:
    """How far the bracketed literal at ``start`` reaches (strings and comments skipped)."""
    depth = 0
    i = start
    quote = ""
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                return i + 1 - start
        i += 1
    return len(text) - start

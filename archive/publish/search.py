"""Chinese full-text search over the archive (docs/search.md).

One tokenizer serves index build and query time: NFKC, traditional-only characters folded to
simplified, lower case; text splits into runs of CJK characters, of letters and of digits; a CJK
run becomes its overlapping bigrams plus its last character alone (``扶贫资金`` → ``扶贫 贫资 资金
金``), so that every character of the text starts some token and a one-character query can be a
prefix query.  The FTS5 tables hold this pre-tokenised text under the default ``unicode61``
tokenizer (it only splits on the spaces inserted here); they are external-content tables over
``sections(heading, text)`` and ``reports(title)``, so Datasette finds them without
configuration.

The index is only ever written by :func:`update_search_index` / :func:`rebuild_search_index`
(never by FTS5 ``'rebuild'``, triggers or sqlite-utils, which would index the raw text).
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from importlib import resources

TOKENIZER_VERSION = 1
STATE_KEY = "search_index_state"
SNIPPET_OPEN = "«"
SNIPPET_CLOSE = "»"


@dataclass(frozen=True)
class FtsIndex:
    """An external-content FTS5 table over ``content`` (columns indexed under the same names)."""

    name: str
    content: str
    columns: tuple[str, ...]


SECTIONS_FTS = FtsIndex("sections_fts", "sections", ("heading", "text"))
REPORTS_FTS = FtsIndex("reports_fts", "reports", ("title",))
INDEXES = (SECTIONS_FTS, REPORTS_FTS)

# CJK ideographs (unified, extension A, compatibility, supplementary planes), 〇, kana, hangul.
_CJK = "\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_RUN_RE = re.compile(f"([{_CJK}]+)|([0-9]+)|([^\\W\\d_{_CJK}]+)")


@dataclass(frozen=True)
class Run:
    """A run of one kind of characters: ``cjk``, ``digits`` or ``letters``."""

    kind: str
    text: str


# ----------------------------------------------------------------------------- normalisation


@functools.lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """Traditional-only characters → simplified (OpenCC TSCharacters, first candidate).

    Characters that are themselves simplified forms (targets of the table, or keys of the
    simplified→traditional table) are left alone, so simplified text is never changed.
    """
    folder = resources.files("opencc") / "dictionary"
    ts: dict[str, str] = {}
    for line in (folder / "TSCharacters.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and len(parts[0]) == 1:
            target = parts[1].split(" ")[0]
            if len(target) == 1 and target != parts[0]:
                ts[parts[0]] = target
    simplified = set(ts.values())
    for line in (folder / "STCharacters.txt").read_text(encoding="utf-8").splitlines():
        key = line.split("\t", 1)[0]
        if len(key) == 1:
            simplified.add(key)
    return {ord(k): v for k, v in ts.items() if k not in simplified}


def normalise(text: str) -> str:
    """NFKC, traditional-only characters to simplified, lower case."""
    return unicodedata.normalize("NFKC", text).translate(_t2s_table()).lower()


def runs(text: str) -> list[Run]:
    """The runs of CJK characters, digits and letters in ``text`` (after :func:`normalise`)."""
    out = []
    for m in _RUN_RE.finditer(normalise(text)):
        cjk, digits, letters = m.groups()
        if cjk:
            out.append(Run("cjk", cjk))
        elif digits:
            out.append(Run("digits", digits))
        else:
            out.append(Run("letters", letters))
    return out


def _cjk_tokens(run: str, trailing: bool) -> list[str]:
    if len(run) == 1:
        return [run]
    tokens = [run[i : i + 2] for i in range(len(run) - 1)]
    if trailing:
        tokens.append(run[-1])
    return tokens


def tokenize(text: str | None) -> str:
    """The pre-tokenised form of ``text`` stored in the FTS5 index (tokens joined by spaces)."""
    if not text:
        return ""
    tokens: list[str] = []
    for m in _RUN_RE.finditer(normalise(text)):
        cjk = m.group(1)
        if cjk:
            if len(cjk) == 1:
                tokens.append(cjk)
            else:
                tokens.extend(cjk[i : i + 2] for i in range(len(cjk) - 1))
                tokens.append(cjk[-1])
        else:
            tokens.append(m.group(0))
    return " ".join(tokens)


# ----------------------------------------------------------------------------- query rewrite

_TERM_RE = re.compile(r'"([^"]*)"?|(\S+)')
OR_OPERATORS = frozenset({"OR", "or", "或", "|"})


def query_alternatives(query: str | None) -> list[str]:
    """The query split at its OR operators: ``OR``, ``或`` or ``|`` standing alone (outside quotes);
    an operator with nothing on one side is dropped.  A query of operators only is its own one
    alternative (``或`` alone searches for 或)."""
    tokens = [(m.group(1) is None and m.group(2) in OR_OPERATORS, m.group(0)) for m in _TERM_RE.finditer(query or "")]
    if all(is_operator for is_operator, _text in tokens):
        return [query or ""]
    groups: list[list[str]] = [[]]
    for is_operator, text in tokens:
        if is_operator:
            groups.append([])
        else:
            groups[-1].append(text)
    return [" ".join(g) for g in groups if g]


def _terms(query: str) -> list[list[Run]]:
    terms = []
    for m in _TERM_RE.finditer(query):
        text = m.group(1) if m.group(1) is not None else m.group(2)
        term = runs(text)
        if term:
            terms.append(term)
    return terms


def query_terms(query: str | None) -> list[list[Run]]:
    """The terms of a typed query: whitespace separates terms, a quoted string is one term;
    OR operators are not terms (:func:`query_alternatives`)."""
    return [term for alternative in query_alternatives(query) for term in _terms(alternative)]


def _phrase(term: list[Run]) -> str:
    """One term as an FTS5 phrase over the bigram index."""
    tokens: list[str] = []
    for i, run in enumerate(term):
        if run.kind == "cjk":
            # inside the query the run is followed by another run, so in the text this run
            # ends where the query's run ends: its trailing single character is a token there
            tokens.extend(_cjk_tokens(run.text, trailing=i < len(term) - 1))
        else:
            tokens.append(run.text)
    final = term[-1]
    prefix = final.kind != "cjk" or len(final.text) == 1
    return '"' + " ".join(tokens) + '"' + ("*" if prefix else "")


def escape_fts(query: str | None) -> str:
    """Rewrite a typed query into the FTS5 query for the bigram index.

    A CJK run of 2+ characters becomes a bigram phrase (``扶贫资金`` → ``"扶贫 贫资 资金"``), a
    single character a prefix query (``"贫"*``), a trailing run of digits or letters a prefix
    (``2019年`` → ``"2019 年"*``); terms separated by spaces are ANDed; a quoted string stays one
    phrase; ``OR`` (or ``或``) between terms joins alternatives (``(a b) OR (c)``).  A query without
    any letter, digit or CJK character becomes ``""``, which matches nothing (and is not an error).
    """
    alternatives = [" ".join(_phrase(t) for t in _terms(a)) for a in query_alternatives(query)]
    alternatives = [a for a in alternatives if a]
    if len(alternatives) > 1:
        return " OR ".join(f"({a})" for a in alternatives)
    return alternatives[0] if alternatives else '""'


# ----------------------------------------------------------------------------- snippet


def _normalised_with_offsets(text: str) -> tuple[str, list[int]]:
    """:func:`normalise` applied per character, with the original index of every output char."""
    table = _t2s_table()
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            norm = ch.lower()
        else:
            norm = unicodedata.normalize("NFKC", ch).translate(table).lower()
        chars.append(norm)
        origin.extend([i] * len(norm))
    return "".join(chars), origin


def _term_pattern(term: list[Run]) -> str:
    return r"[\W_]*".join(re.escape(run.text) for run in term)


def snippet(text: str | None, query: str | None, width: int = 40) -> str:
    """A context snippet of the original ``text`` around the first match of ``query``.

    Matches are wrapped in ``«`` ``»``; ``…`` marks cut text.  Without a match (or a query) the
    beginning of the text is returned.  ``width`` is the number of characters kept on each side
    of the first match.
    """
    if not text:
        return ""
    width = max(int(width or 0), 5)
    terms = query_terms(query)
    spans: list[tuple[int, int]] = []
    if terms:
        norm, origin = _normalised_with_offsets(text)
        pattern = re.compile("|".join(_term_pattern(t) for t in terms))
        for m in pattern.finditer(norm):
            if m.end() > m.start():
                spans.append((origin[m.start()], origin[m.end() - 1] + 1))
    flat = re.sub(r"\s+", " ", text)
    if len(flat) != len(text):  # whitespace collapsed: recompute spans on the flat text
        return snippet(flat, query, width) if spans else _head(flat, width)
    if not spans:
        return _head(text, width)
    first_start, first_end = spans[0]
    start = max(0, first_start - width)
    end = min(len(text), first_end + width)
    out = ["…" if start > 0 else ""]
    pos = start
    for s, e in spans:
        if s < pos or s >= end:
            continue
        e = min(e, end)
        out.append(text[pos:s])
        out.append(SNIPPET_OPEN + text[s:e] + SNIPPET_CLOSE)
        pos = e
    out.append(text[pos:end])
    if end < len(text):
        out.append("…")
    return "".join(out)


def _head(text: str, width: int) -> str:
    limit = 2 * width
    return text if len(text) <= limit else text[:limit] + "…"


def snippet_html(value: str) -> str:
    """HTML of a snippet: everything escaped, ``«…»`` turned into ``<mark>…</mark>``."""
    escaped = html.escape(value, quote=True)
    return escaped.replace(SNIPPET_OPEN, "<mark>").replace(SNIPPET_CLOSE, "</mark>")


# ----------------------------------------------------------------------------- SQL functions


def register_functions(conn: sqlite3.Connection) -> None:
    """Register ``escape_fts``, ``nianbao_snippet`` and ``nianbao_tokenize`` on ``conn``."""
    conn.create_function("escape_fts", 1, escape_fts, deterministic=True)
    conn.create_function("nianbao_snippet", 2, snippet, deterministic=True)
    conn.create_function("nianbao_snippet", 3, snippet, deterministic=True)
    conn.create_function("nianbao_tokenize", 1, tokenize, deterministic=True)


# ----------------------------------------------------------------------------- index build


@dataclass
class IndexStats:
    """What an index update did."""

    mode: str  # "rebuilt" | "incremental" | "unchanged"
    sections_indexed: int = 0
    reports_indexed: int = 0


def _create_sql(index: FtsIndex) -> str:
    """The FTS5 table, with an index of one-character prefixes: a one-character query (``"贫"*``)
    and a trailing character (``"2019 年"*``) then read one list instead of merging the lists of
    every token starting with it (诉 in 60,000 sections: 13 ms → 0.5 ms; the index grows by about 80 %)."""
    cols = ", ".join(f"[{c}]" for c in index.columns)
    return (
        f"CREATE VIRTUAL TABLE [{index.name}] USING fts5({cols}, content=[{index.content}], content_rowid=[id], "
        "prefix='1')"
    )


def _exists(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() is not None


def _read_state(conn: sqlite3.Connection) -> dict:
    if not _exists(conn, "meta"):
        return {}
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (STATE_KEY,)).fetchone()
    if not row or not row[0]:
        return {}
    try:
        return json.loads(row[0])
    except ValueError:
        return {}


def _write_state(conn: sqlite3.Connection, state: dict) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (STATE_KEY, json.dumps(state, sort_keys=True))
    )


def _fingerprint(conn: sqlite3.Connection, index: FtsIndex, max_id: int) -> list:
    """Identity of the indexed content rows up to ``max_id``: count, id sum, digest of the text."""
    cols = ", ".join(f"[{c}]" for c in index.columns)
    digest = hashlib.blake2b(digest_size=16)
    count = 0
    id_sum = 0
    cursor = conn.execute(f"SELECT id, {cols} FROM [{index.content}] WHERE id <= ? ORDER BY id", (max_id,))
    while True:
        batch = cursor.fetchmany(5000)
        if not batch:
            break
        count += len(batch)
        for row in batch:
            id_sum += row[0]
            digest.update("\x1f".join(["" if v is None else str(v) for v in row]).encode("utf-8", "surrogatepass"))
            digest.update(b"\x1e")
    return [count, id_sum, digest.hexdigest()]


def _index_rows(conn: sqlite3.Connection, index: FtsIndex, min_id: int) -> tuple[int, int]:
    """Insert the tokenised content rows with ``id > min_id``; returns (count, max id)."""
    cols = ", ".join(f"[{c}]" for c in index.columns)
    cursor = conn.execute(f"SELECT id, {cols} FROM [{index.content}] WHERE id > ? ORDER BY id", (min_id,))
    placeholders = ", ".join("?" for _ in range(len(index.columns) + 1))
    count = 0
    max_id = min_id
    insert = f"INSERT INTO [{index.name}](rowid, {cols}) VALUES ({placeholders})"
    while True:
        batch = cursor.fetchmany(2000)
        if not batch:
            break
        conn.executemany(insert, [(r[0], *(tokenize(v) for v in r[1:])) for r in batch])
        count += len(batch)
        max_id = batch[-1][0]
    return count, max_id


def _schema_hash(index: FtsIndex) -> str:
    return hashlib.sha256(f"{TOKENIZER_VERSION}|{_create_sql(index)}".encode()).hexdigest()[:16]


def _update_one(conn: sqlite3.Connection, index: FtsIndex, state: dict, force: bool) -> tuple[str, int]:
    entry = state.get(index.name) or {}
    fresh = (
        force
        or not _exists(conn, index.name)
        or entry.get("schema") != _schema_hash(index)
        or _fingerprint(conn, index, int(entry.get("max_id", 0))) != entry.get("fingerprint")
    )
    if fresh:
        conn.execute(f"DROP TABLE IF EXISTS [{index.name}]")
        conn.execute(_create_sql(index))
        count, max_id = _index_rows(conn, index, 0)
        mode = "rebuilt"
    else:
        count, max_id = _index_rows(conn, index, int(entry.get("max_id", 0)))
        max_id = max(max_id, int(entry.get("max_id", 0)))
        mode = "incremental" if count else "unchanged"
    if count or fresh:
        state[index.name] = {
            "schema": _schema_hash(index),
            "max_id": max_id,
            "fingerprint": _fingerprint(conn, index, max_id),
        }
    return mode, count


def update_search_index(conn: sqlite3.Connection, force: bool = False) -> IndexStats:
    """Bring the FTS5 indexes up to date with ``sections`` and ``reports``.

    New rows (higher ids) are added incrementally; when earlier rows changed or disappeared,
    when the tokenizer changed or ``force`` is set, the index is rebuilt from scratch.  Runs in
    one transaction.
    """
    for index in INDEXES:
        if not _exists(conn, index.content):
            raise ValueError(f"not an archive database: table {index.content!r} is missing")
    state = _read_state(conn)
    modes = []
    counts = {}
    with conn:
        for index in INDEXES:
            mode, count = _update_one(conn, index, state, force)
            modes.append(mode)
            counts[index.name] = count
        if any(m != "unchanged" for m in modes):
            _write_state(conn, state)
    mode = "rebuilt" if "rebuilt" in modes else ("incremental" if "incremental" in modes else "unchanged")
    return IndexStats(mode, counts[SECTIONS_FTS.name], counts[REPORTS_FTS.name])


def rebuild_search_index(conn: sqlite3.Connection) -> IndexStats:
    """Rebuild both FTS5 indexes from scratch with :func:`tokenize`."""
    return update_search_index(conn, force=True)


def optimize_search_index(conn: sqlite3.Connection) -> None:
    """Merge the FTS5 b-trees (smaller, faster index; used before a dump)."""
    with conn:
        for index in INDEXES:
            if _exists(conn, index.name):
                conn.execute(f"INSERT INTO [{index.name}]([{index.name}]) VALUES ('optimize')")

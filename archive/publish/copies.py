"""Copied text: near-duplicate sections across offices and years (the view 「雷同段落」).

Each section of a current report whose text is long enough (:data:`MIN_CHARS` characters after
normalising) gets a MinHash signature (datasketch) of its 5-character shingles — whitespace and
punctuation dropped, every run of digits folded to ``0``, so a copied section whose figures were
updated still counts — and the signature's :data:`BANDS` bands go into ``section_lsh``
(locality-sensitive hashing: two texts share a band with a probability that grows steeply with
their similarity).  A new section is compared only with the sections that share a band with it
— at most :data:`BUCKET_CAP` per band, the earliest archived — and a candidate is kept when the
exact Jaccard similarity of the two shingle sets is at least :data:`THRESHOLD`.  Work per
section is bounded, so building is linear in the number of sections (``make bench``: bench
copies), and it is incremental: :func:`update_copies` indexes only the sections added since the
last publish (``meta.copies_state``) and drops the sections of superseded report versions.

Pairs go to ``section_copies`` (the newly indexed section first, the one it resembles second)
with the similarity, the longest passage both contain and whether both reports belong to the
same office (``report_offices``, another year).  Sections of the same report, of two versions of
one report and of the same office's reports of the same year (a report posted twice) are not
paired.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import sqlite3
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass

from datasketch import MinHash

from archive.store.transaction import transaction

STATE_KEY = "copies_state"
SHINGLE = 5
NUM_PERM = 64
BANDS = 16  # of NUM_PERM // BANDS = 4 rows: P(candidate) ≈ 0.89 at similarity 0.6, 0.99 at 0.7, 0.03 at 0.2
ROWS = NUM_PERM // BANDS
THRESHOLD = 0.6
MIN_CHARS = 100
BUCKET_CAP = 64  # sections read per band key (the earliest): a passage copied by thousands stays cheap
VERIFY_CAP = 12  # candidates compared exactly per section (most shared bands first)
PAIRS_CAP = 10  # pairs kept per section (most similar first)
SHARED_SHOWN = 400
BATCH = 2000  # sections per transaction (a killed build resumes after the last committed batch)
PARAMS = {"shingle": SHINGLE, "num_perm": NUM_PERM, "bands": BANDS, "threshold": THRESHOLD, "min_chars": MIN_CHARS,
          "bucket_cap": BUCKET_CAP, "verify_cap": VERIFY_CAP, "pairs_cap": PAIRS_CAP, "scheme": "affine32"}  # fmt: skip

_DROP = re.compile(r"[\s\u3000\W_]+")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32")


def normalise(text: str) -> str:
    """The text shingles are taken from: NFKC, digit runs → ``0``, no whitespace or punctuation."""
    text = unicodedata.normalize("NFKC", text or "")
    return _DROP.sub("", _DIGITS.sub("0", text))


def shingles(norm: str) -> set[str]:
    return {norm[i : i + SHINGLE] for i in range(max(len(norm) - SHINGLE + 1, 0))}


def _hash32(data: bytes) -> int:
    return zlib.crc32(data)


def signature(grams: set[str]) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=1, hashfunc=_hash32, permutations=_TEMPLATE.permutations, scheme="affine32")
    m.update_batch([g.encode("utf-8") for g in sorted(grams)])
    return m


def band_keys(m: MinHash) -> list[int]:
    """One signed 64-bit key per band (the band's number and its rows' minimum hashes)."""
    values = m.hashvalues
    keys = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(band.to_bytes(2, "little") + chunk.astype("<u8").tobytes(), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def shared_passage(a: str, b: str) -> str:
    """The longest passage both texts contain (whitespace collapsed)."""
    a, b = _SPACES.sub("", a), _SPACES.sub("", b)
    match = difflib.SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return a[match.a : match.a + match.size]


@dataclass
class CopiesStats:
    indexed: int = 0  # sections added to the index
    pairs: int = 0  # pairs written
    dropped: int = 0  # sections of superseded versions taken out
    rebuilt: bool = False


@dataclass
class _Section:
    id: int
    report_id: int
    text: str
    norm: str
    office: str | None
    year: int | None
    doc_key: str | None


def _state(conn: sqlite3.Connection) -> dict:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (STATE_KEY,)).fetchone()
    try:
        return json.loads(row[0]) if row else {}
    except (TypeError, ValueError):
        return {}


def _save_state(conn: sqlite3.Connection, state: dict) -> None:
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (STATE_KEY, json.dumps(state)))


_SECTION_SQL = (
    "SELECT s.id, s.report_id, s.text, ro.office_key, r.year, r.doc_key FROM sections s "
    "JOIN reports r ON r.id = s.report_id LEFT JOIN report_offices ro ON ro.report_id = r.id "
)


def _section(row: tuple) -> _Section:
    sid, rid, text, office, year, doc_key = row
    return _Section(sid, rid, text or "", normalise(text or ""), office, year, doc_key)


class _Index:
    """The band index in ``section_lsh`` and the pairs in ``section_copies``, for one batch."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._cache: dict[int, _Section | None] = {}

    def other(self, section_id: int) -> _Section | None:
        if section_id not in self._cache:
            row = self.conn.execute(_SECTION_SQL + "WHERE s.id = ?", (section_id,)).fetchone()
            self._cache[section_id] = _section(row) if row else None
        return self._cache[section_id]

    def candidates(self, keys: list[int], own: int) -> list[int]:
        hits: Counter[int] = Counter()
        for key in keys:
            for (sid,) in self.conn.execute(
                "SELECT section_id FROM section_lsh WHERE band_key = ? ORDER BY section_id LIMIT ?", (key, BUCKET_CAP)
            ):
                if sid != own:
                    hits[sid] += 1
        return [sid for sid, _n in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[:VERIFY_CAP]]

    @staticmethod
    def pairable(a: _Section, b: _Section) -> bool:
        if a.report_id == b.report_id or (a.doc_key and a.doc_key == b.doc_key):
            return False
        return not (a.office and a.office == b.office and a.year == b.year)

    def add(self, section: _Section) -> int:
        """Index one section and write its pairs; returns how many."""
        grams = shingles(section.norm)
        keys = band_keys(signature(grams))
        found = []
        for sid in self.candidates(keys, section.id):
            other = self.other(sid)
            if other is None or not self.pairable(section, other):
                continue
            similarity = jaccard(grams, shingles(other.norm))
            if similarity >= THRESHOLD:
                found.append((similarity, other))
        found.sort(key=lambda p: (-p[0], p[1].id))
        rows = []
        for similarity, other in found[:PAIRS_CAP]:
            passage = shared_passage(section.text, other.text)
            same = int(bool(section.office and section.office == other.office))
            rows.append((section.id, section.report_id, other.id, other.report_id, round(similarity, 4),
                         passage[:SHARED_SHOWN], len(passage), same))  # fmt: skip
        self.conn.executemany(
            "INSERT OR IGNORE INTO section_copies (section_id, report_id, other_section_id, other_report_id, "
            "similarity, shared, shared_chars, same_office) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.conn.executemany(
            "INSERT OR IGNORE INTO section_lsh (band_key, section_id) VALUES (?, ?)", [(k, section.id) for k in keys]
        )
        return len(rows)


def _drop_sections(conn: sqlite3.Connection, report_ids: list[int]) -> int:
    """Take the sections of these (superseded) reports out of the index and the pairs."""
    dropped = 0
    for start in range(0, len(report_ids), 500):
        batch = report_ids[start : start + 500]
        marks = ", ".join("?" * len(batch))
        ids = [r[0] for r in conn.execute(f"SELECT id FROM sections WHERE report_id IN ({marks})", batch)]
        for s in range(0, len(ids), 500):
            chunk = ids[s : s + 500]
            m = ", ".join("?" * len(chunk))
            conn.execute(f"DELETE FROM section_lsh WHERE section_id IN ({m})", chunk)
        conn.execute(
            f"DELETE FROM section_copies WHERE report_id IN ({marks}) OR other_report_id IN ({marks})", batch * 2
        )
        dropped += len(ids)
    return dropped


def update_copies(conn: sqlite3.Connection, *, limit: int | None = None) -> CopiesStats:
    """Index the sections added since the last call and write their pairs (everything again when
    the parameters changed); ``limit`` stops after that many sections (tests, benchmarks)."""
    stats = CopiesStats()
    state = _state(conn)
    if state.get("params") != PARAMS:
        with transaction(conn):
            conn.execute("DELETE FROM section_lsh")
            conn.execute("DELETE FROM section_copies")
            state = {"params": PARAMS, "section": 0, "report": 0}
            _save_state(conn, state)
        stats.rebuilt = True
    max_report = conn.execute("SELECT coalesce(max(id), 0) FROM reports").fetchone()[0]
    if max_report > state["report"]:
        superseded = [
            r[0]
            for r in conn.execute(
                "SELECT supersedes FROM reports WHERE id > ? AND supersedes IS NOT NULL", (state["report"],)
            )
        ]
        with transaction(conn):
            stats.dropped = _drop_sections(conn, superseded)
            state["report"] = max_report
            _save_state(conn, state)
    index = _Index(conn)
    while limit is None or stats.indexed < limit:
        size = BATCH if limit is None else min(BATCH, limit - stats.indexed)
        rows = conn.execute(
            _SECTION_SQL + "WHERE s.id > ? AND r.is_current = 1 ORDER BY s.id LIMIT ?", (state["section"], size)
        ).fetchall()
        if not rows:
            break
        with transaction(conn):
            for row in rows:
                section = _section(row)
                if len(section.norm) >= MIN_CHARS:
                    stats.pairs += index.add(section)
                    stats.indexed += 1
            state["section"] = rows[-1][0]
            _save_state(conn, state)
        index._cache.clear()
    return stats

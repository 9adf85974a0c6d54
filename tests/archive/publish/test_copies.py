"""Copied text: near-duplicate sections found through MinHash bands in a real SQLite archive."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from portalgen.sample import PHRASES, PROBLEMS

from archive.publish import copies
from archive.publish.copies import jaccard, normalise, shared_passage, shingles, update_copies
from archive.store.schema import create_schema


@pytest.fixture()
def conn(tmp_path: Path) -> sqlite3.Connection:
    c = sqlite3.connect(tmp_path / "nianbao.db")
    create_schema(c)
    yield c
    c.close()


def long_text(seed: int, name: str, year: int) -> str:
    rng = random.Random(seed)
    parts = rng.sample(PHRASES, 8) + rng.sample(PROBLEMS, 3)
    return f"{year}年，{name}" + "；".join(parts) + f"。全年共受理政府信息公开申请{rng.randint(0, 9)}件。"


def add_report(conn, organ: str, year: int, texts: list[str], *, doc_key: str | None = None, supersedes=None) -> int:
    cur = conn.execute(
        "INSERT INTO reports (url, organ, year, portal, doc_key, version, is_current, supersedes) "
        "VALUES (?, ?, ?, '430529', ?, ?, 1, ?)",
        (f"http://x/{organ}/{year}/{doc_key or ''}", organ, year, doc_key or f"{organ}{year}",
         2 if supersedes else 1, supersedes),
    )  # fmt: skip
    rid = int(cur.lastrowid)
    if supersedes:
        conn.execute("UPDATE reports SET is_current = 0 WHERE id = ?", (supersedes,))
    conn.execute(
        "INSERT INTO report_offices (report_id, office_key, year, portal, organ, division) VALUES (?, ?, ?, '430529', ?, '')",
        (rid, f"name:430529:{organ}", year, organ),
    )
    for n, text in enumerate(texts, start=1):
        conn.execute("INSERT INTO sections (report_id, number, heading, text) VALUES (?, ?, ?, ?)", (rid, n, "", text))
    conn.commit()
    return rid


def pairs(conn) -> list[tuple]:
    return sorted(
        tuple(r)
        for r in conn.execute(
            "SELECT report_id, other_report_id, similarity, shared_chars, same_office FROM section_copies"
        )
    )


def test_normalising_folds_digits_and_drops_punctuation():
    assert normalise("2021年，共受理 12 件。") == "0年共受理0件"
    a = shingles(normalise(long_text(1, "西岩镇", 2021)))
    b = shingles(normalise(long_text(1, "西岩镇", 2022)))
    assert jaccard(a, b) > 0.95  # the same text with other figures
    assert shared_passage("甲乙丙丁戊己庚", "乙丙丁戊x") == "乙丙丁戊"


def test_a_copied_section_is_paired_with_its_similarity_and_shared_passage(conn):
    original = long_text(7, "西岩镇", 2021)
    first = add_report(conn, "西岩镇人民政府", 2021, [original, long_text(8, "西岩镇", 2021)[:60]])
    other = add_report(
        conn, "儒林镇人民政府", 2022, [original.replace("西岩镇", "儒林镇"), long_text(9, "儒林镇", 2022)]
    )
    unrelated = add_report(conn, "丹口镇人民政府", 2022, [long_text(10, "丹口镇", 2022)])
    stats = update_copies(conn)
    assert stats.indexed == 4  # the 60-character section is too short to judge
    ((rid, other_rid, similarity, shared, same),) = pairs(conn)
    assert (rid, other_rid, same) == (other, first, 0)
    assert 0.8 < similarity < 1
    assert shared > 100
    passage = conn.execute("SELECT shared FROM section_copies").fetchone()[0]
    assert passage in original.replace(" ", "")
    assert unrelated not in {rid, other_rid}


def test_the_same_office_another_year_is_marked_and_a_repost_is_not_a_copy(conn):
    text = long_text(11, "丹口镇", 2021)
    first = add_report(conn, "丹口镇人民政府", 2021, [text])
    repost = add_report(conn, "丹口镇人民政府", 2021, [text], doc_key="repost")  # the same report posted twice
    later = add_report(conn, "丹口镇人民政府", 2022, [text.replace("2021", "2022")])
    update_copies(conn)
    assert [(p[0], p[1], p[4]) for p in pairs(conn)] == [(later, first, 1), (later, repost, 1)]


def test_incremental_updates_index_only_new_sections_and_follow_new_versions(conn):
    text = long_text(21, "五团镇", 2021)
    first = add_report(conn, "五团镇人民政府", 2021, [text])
    copy = add_report(conn, "茅坪镇人民政府", 2021, [text.replace("五团镇", "茅坪镇")])
    assert update_copies(conn).indexed == 2
    assert update_copies(conn).indexed == 0  # nothing new
    newer = add_report(
        conn, "五团镇人民政府", 2021, [text + "（更正）"], doc_key="五团镇人民政府2021", supersedes=first
    )
    stats = update_copies(conn)
    assert stats.indexed == 1 and stats.dropped == 1
    assert [(p[0], p[1]) for p in pairs(conn)] == [(newer, copy)]
    assert not conn.execute(
        "SELECT 1 FROM section_lsh WHERE section_id IN (SELECT id FROM sections WHERE report_id = ?)", (first,)
    ).fetchone()


def test_changed_parameters_rebuild_the_index(conn, monkeypatch):
    text = long_text(31, "威溪乡", 2021)
    add_report(conn, "威溪乡人民政府", 2021, [text])
    add_report(conn, "汀坪乡人民政府", 2022, [text.replace("威溪乡", "汀坪乡")])
    update_copies(conn)
    before = pairs(conn)
    monkeypatch.setattr(copies, "PARAMS", {**copies.PARAMS, "threshold": 0.99})
    monkeypatch.setattr(copies, "THRESHOLD", 0.99)
    stats = update_copies(conn)
    assert stats.rebuilt and stats.indexed == 2 and pairs(conn) == [] and before


def test_a_passage_copied_by_many_costs_a_bounded_amount_of_work(conn):
    text = long_text(41, "某镇", 2021)
    for i in range(copies.BUCKET_CAP + 20):
        add_report(conn, f"第{i}镇人民政府", 2021, [text])
    update_copies(conn)
    per_section = conn.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM section_copies GROUP BY section_id)")
    assert per_section.fetchone()[0] == copies.PAIRS_CAP

"""The about page's figures, counted at publish time and again only when what they count changed."""

from __future__ import annotations

import sqlite3

from publish_fixtures import build_archive

from archive.publish.prepare import prepare_for_serving
from archive.publish.summary import archive_figures, build_summary, check_figures, read_summary


def test_summary_is_counted_once_and_again_after_a_change(tmp_path):
    fixture = build_archive(tmp_path / "data", n_reports=10, seed=2)
    prepare_for_serving(fixture.db_path)
    conn = sqlite3.connect(fixture.db_path)
    assert build_summary(conn) is False  # publishing counted them; nothing changed since
    stored = read_summary(conn)
    assert stored == {"figures": archive_figures(conn), "checks": check_figures(conn)}
    figures = stored["figures"]
    assert figures["reports"] == 10 == conn.execute("SELECT count(*) FROM reports WHERE is_current = 1").fetchone()[0]
    assert figures["cells"] == conn.execute("SELECT count(*) FROM cells").fetchone()[0] > 0
    assert figures["offices"] == conn.execute("SELECT count(DISTINCT organ) FROM reports").fetchone()[0]
    assert sum(level["reports"] for level in figures["levels"]) == 10
    r2 = next(c for c in stored["checks"] if c["rule"] == "R2")
    failing = conn.execute("SELECT count(DISTINCT report_id) FROM checks WHERE rule = 'R2' AND ok = 0").fetchone()[0]
    checked = conn.execute("SELECT count(DISTINCT report_id) FROM checks WHERE rule = 'R2'").fetchone()[0]
    assert r2["computed"] and r2["failed"] == failing > 0 and r2["reports"] == checked > 0
    assert not next(c for c in stored["checks"] if c["rule"] == "R9")["computed"]
    conn.execute("UPDATE reports SET removed_at = '2025-06-01T00:00:00Z' WHERE id = 1")
    conn.commit()
    assert build_summary(conn) is True
    assert read_summary(conn)["figures"]["removed"] == 1
    conn.execute("DROP TABLE archive_summary")
    assert read_summary(conn)["figures"]["removed"] == 1  # an archive never published: counted live

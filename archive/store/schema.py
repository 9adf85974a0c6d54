"""SQLite schema of the archive (contract.md §4 plus the operational tables).

The contract tables (`reports`, `cells`, `checks`, `snapshots`) keep their column names and
meaning; columns may be added.  ``create_schema`` is idempotent and adds the columns of
``ADDED_COLUMNS`` to a database created by an older version.

Timestamps are UTC text ``YYYY-MM-DDTHH:MM:SSZ``; those of fetches are the WARC-Date of the
records, so ``nianbao rebuild`` reproduces them.  ``warc_records`` lists every WARC record whose
effect is in the database (see :mod:`archive.store.session`).
"""

from __future__ import annotations

import re
import sqlite3

SCHEMA_VERSION = 3

DDL = r"""
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT
);

-- Portal registry as crawled (mirrors crawler/portals.toml at crawl time).
CREATE TABLE IF NOT EXISTS portals (
    id TEXT PRIMARY KEY,            -- registry id: the 行政区划代码 (optionally with a suffix)
    code TEXT,                      -- 行政区划代码
    name TEXT NOT NULL,
    level TEXT,                     -- province | city | county | town | department
    parent_code TEXT,
    province TEXT,
    city TEXT,
    county TEXT,
    hosts TEXT,                     -- JSON list
    start_urls TEXT,                -- JSON list
    platform TEXT,                  -- trs | trs_dynamic | hanweb | gkmlpt | generic …
    updated TEXT,
    extra TEXT                      -- JSON object of further registry keys
);

-- One row per crawl run (a scheduled run may cover several portals).
CREATE TABLE IF NOT EXISTS crawl_runs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    ended TEXT,
    portals TEXT,                   -- JSON list of portal ids
    mode TEXT,                      -- full | incremental
    stats TEXT,                     -- JSON (Scrapy stats subset + ours)
    outcome TEXT NOT NULL DEFAULT 'running'  -- running | ok | failed | interrupted
);

-- Per-portal statistics of a run (issue 6 monitors read these).
CREATE TABLE IF NOT EXISTS crawl_portal_stats (
    run_id INTEGER NOT NULL REFERENCES crawl_runs(id),
    portal TEXT NOT NULL,
    requests INTEGER DEFAULT 0,
    responses INTEGER DEFAULT 0,
    not_modified INTEGER DEFAULT 0,
    list_pages INTEGER DEFAULT 0,
    list_pages_expected INTEGER,
    reports_seen INTEGER DEFAULT 0,
    new_reports INTEGER DEFAULT 0,
    changed_reports INTEGER DEFAULT 0,
    removed_reports INTEGER DEFAULT 0,
    attachments INTEGER DEFAULT 0,
    errors INTEGER DEFAULT 0,
    blocks INTEGER DEFAULT 0,
    duration REAL,
    outcome TEXT,
    list_pages_skipped INTEGER,     -- stated pages of lists an incremental early stop left unwalked
    early_stops INTEGER,            -- lists whose walk stopped early (nothing new on a page)
    reports_listed INTEGER,         -- distinct reports the lists showed (archived or new)
    rechecked INTEGER,              -- archived reports asked for again because no list showed them
    PRIMARY KEY (run_id, portal)
);

-- Every distinct payload fetched from a URL; bytes live in the WARC files.
CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    url TEXT NOT NULL,
    fetched TEXT NOT NULL,          -- UTC timestamp of the first fetch of this payload at this URL
    last_seen TEXT,                 -- UTC timestamp of the latest fetch that returned it
    status INTEGER,
    content_type TEXT,
    length INTEGER,
    warc_file TEXT NOT NULL,        -- path relative to the archive directory
    warc_offset INTEGER NOT NULL,   -- offset of the response or revisit record of the first fetch
                                    -- (archive.store.warc.read_record resolves a revisit to its payload)
    warc_length INTEGER,            -- compressed length of that record
    warc_record_id TEXT,
    portal TEXT,
    run_id INTEGER,
    kind TEXT,                      -- list | detail | attachment | robots | api | other
    etag TEXT,
    last_modified TEXT,
    record_type TEXT,               -- response | revisit (record at warc_file/warc_offset)
    payload_file TEXT,              -- the response record holding the bytes (= warc_file unless revisit)
    payload_offset INTEGER,
    UNIQUE (url, sha256)
);
CREATE INDEX IF NOT EXISTS snapshots_sha256 ON snapshots(sha256);
CREATE INDEX IF NOT EXISTS snapshots_url ON snapshots(url);

-- Every fetch (also the ones that returned a known payload or 304).
CREATE TABLE IF NOT EXISTS fetches (
    id INTEGER PRIMARY KEY,
    run_id INTEGER,
    portal TEXT,
    url TEXT NOT NULL,
    at TEXT NOT NULL,
    status INTEGER,
    sha256 TEXT,
    snapshot_id INTEGER REFERENCES snapshots(id),
    revisit INTEGER DEFAULT 0,      -- 1 when the payload was already archived (WARC revisit)
    not_modified INTEGER DEFAULT 0, -- 1 for a 304 answer to a conditional request
    kind TEXT,
    warc_file TEXT,                 -- the response/revisit record of this fetch
    warc_offset INTEGER,
    warc_record_id TEXT
);
CREATE INDEX IF NOT EXISTS fetches_url ON fetches(url);
CREATE UNIQUE INDEX IF NOT EXISTS fetches_record ON fetches(warc_record_id);

-- One row per report document version (contract.md §4).
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,              -- the report page (or the file when published as a file only)
    title TEXT,
    organ TEXT,
    year INTEGER,
    template TEXT,
    published TEXT,                 -- date the portal shows (YYYY-MM-DD)
    fetched TEXT,                   -- UTC timestamp
    sha256 TEXT,                    -- of the bytes the values were extracted from
    portal TEXT,
    doc_key TEXT,                   -- stable identity of the report across versions (canonical URL)
    version INTEGER DEFAULT 1,
    is_current INTEGER DEFAULT 1,
    supersedes INTEGER REFERENCES reports(id),
    edited INTEGER DEFAULT 0,       -- 1 when a later version of this report differs
    removed_at TEXT,                -- when the portal stopped serving it
    page_sha256 TEXT,               -- sha256 of the report page itself
    snapshot_id INTEGER REFERENCES snapshots(id),
    source_snapshot_id INTEGER REFERENCES snapshots(id),  -- snapshot the values come from
    carrier TEXT,                   -- html | text | pdf | docx | doc | wps | xls | xlsx | image
    content_type TEXT,
    canonical_url TEXT,
    level TEXT,                     -- portal level or the organ's level when known
    cell_count INTEGER,
    checks_failed INTEGER,
    warning_count INTEGER,
    last_seen TEXT,
    run_id INTEGER,
    content_sha256 TEXT             -- fingerprint of what was extracted (versions differ in it)
);
CREATE INDEX IF NOT EXISTS reports_doc_key ON reports(doc_key);
CREATE INDEX IF NOT EXISTS reports_sha256 ON reports(sha256);
CREATE INDEX IF NOT EXISTS reports_portal_year ON reports(portal, year);
CREATE INDEX IF NOT EXISTS reports_page_sha256 ON reports(page_sha256);
CREATE INDEX IF NOT EXISTS reports_content_sha256 ON reports(content_sha256);

-- Every URL under which a report was seen (wap twins, repeated columns …).
CREATE TABLE IF NOT EXISTS report_urls (
    report_id INTEGER NOT NULL REFERENCES reports(id),
    url TEXT NOT NULL,
    first_seen TEXT,
    url_key TEXT,                   -- doc_key of this URL
    PRIMARY KEY (report_id, url)
);
CREATE INDEX IF NOT EXISTS report_urls_url ON report_urls(url);

-- Files linked from a report page.
CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    url TEXT NOT NULL,
    link_text TEXT,
    sha256 TEXT,
    content_type TEXT,
    kind TEXT,
    snapshot_id INTEGER REFERENCES snapshots(id),
    used_for_values INTEGER DEFAULT 0,
    error TEXT,
    UNIQUE (report_id, url)
);

CREATE TABLE IF NOT EXISTS cells (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    table_name TEXT NOT NULL,
    "row" TEXT NOT NULL,
    col TEXT NOT NULL,
    value NUMERIC,
    raw TEXT,
    unit TEXT,
    label TEXT,
    "where" TEXT
);
CREATE INDEX IF NOT EXISTS cells_report ON cells(report_id);
CREATE INDEX IF NOT EXISTS cells_key ON cells(table_name, "row", col);

CREATE TABLE IF NOT EXISTS checks (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    rule TEXT NOT NULL,
    "column" TEXT,
    ok INTEGER NOT NULL,
    expected NUMERIC,
    actual NUMERIC,
    table_name TEXT,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS checks_report ON checks(report_id);

CREATE TABLE IF NOT EXISTS sections (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    number INTEGER,
    heading TEXT,
    text TEXT
);
CREATE INDEX IF NOT EXISTS sections_report ON sections(report_id);

CREATE TABLE IF NOT EXISTS warnings (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS warnings_report ON warnings(report_id);

-- What could not be fetched or was refused (also WAF/challenge pages recorded as blocks).
CREATE TABLE IF NOT EXISTS fetch_errors (
    id INTEGER PRIMARY KEY,
    run_id INTEGER,
    portal TEXT,
    url TEXT NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'error',  -- error | block | http | too_large | robots | extract
    status INTEGER,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS fetch_errors_run ON fetch_errors(run_id);

-- Where each item (report or other detail page) was last listed: the list (column), page and
-- position, and the entry as the list shows it (title, date): an incremental run asks only for
-- items whose entry changed, and re-checks the reports that vanished from the pages it walked.
CREATE TABLE IF NOT EXISTS listings (
    portal TEXT NOT NULL,
    list_key TEXT NOT NULL,         -- the list: canonical URL of its first page (column, home page)
    url TEXT NOT NULL,              -- canonical URL of the listed item
    doc_key TEXT,                   -- archive.store.ingest.doc_key of url
    page_url TEXT,                  -- the list page (or API request) that showed it
    page_no INTEGER,                -- 1 = the list's first page; later pages as numbered by the portal
    position INTEGER,               -- 1-based place on that page
    entry TEXT,                     -- the entry's text as listed (title, date …)
    first_seen TEXT,
    last_seen TEXT,
    run_id INTEGER,
    PRIMARY KEY (portal, list_key, url)
);
CREATE INDEX IF NOT EXISTS listings_url ON listings(url);

-- What changed between a report version and the one it supersedes (written with the new version).
CREATE TABLE IF NOT EXISTS report_changes (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id),    -- the new version
    previous_id INTEGER NOT NULL REFERENCES reports(id),  -- the version it supersedes
    doc_key TEXT,
    detected TEXT,                  -- when the new version was fetched (UTC)
    kind TEXT NOT NULL,             -- page | attachment | both | content
    page_changed INTEGER,           -- 1 when the report page's bytes differ
    attachments_changed INTEGER,    -- attachments added, removed or with new bytes
    cells_changed INTEGER,          -- cells whose value, raw text or unit differ
    cells_added INTEGER,
    cells_removed INTEGER,
    sections_changed INTEGER,       -- sections whose heading or text differ (added/removed included)
    text_diff TEXT,                 -- unified diff of the section text (previous → new)
    fields TEXT                     -- JSON {field: [previous, new]} of changed metadata (title, organ, year …)
);
CREATE INDEX IF NOT EXISTS report_changes_report ON report_changes(report_id);

-- Every cell that differs between two versions of a report.
CREATE TABLE IF NOT EXISTS cell_changes (
    id INTEGER PRIMARY KEY,
    change_id INTEGER NOT NULL REFERENCES report_changes(id),
    report_id INTEGER NOT NULL REFERENCES reports(id),
    previous_id INTEGER NOT NULL REFERENCES reports(id),
    table_name TEXT NOT NULL,
    "row" TEXT NOT NULL,
    col TEXT NOT NULL,
    change TEXT NOT NULL,           -- changed | added | removed
    old_value NUMERIC,
    new_value NUMERIC,
    old_raw TEXT,
    new_raw TEXT,
    old_unit TEXT,
    new_unit TEXT,
    label TEXT
);
CREATE INDEX IF NOT EXISTS cell_changes_change ON cell_changes(change_id);
CREATE INDEX IF NOT EXISTS cell_changes_report ON cell_changes(report_id);

-- Every WARC record whose effect is in this database (written in the same transaction), so a
-- session that was killed between the WARC write and the commit can be completed on restart.
CREATE TABLE IF NOT EXISTS warc_records (
    record_id TEXT PRIMARY KEY,
    warc_file TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    warc_length INTEGER,
    record_type TEXT NOT NULL,      -- warcinfo | request | response | revisit | metadata
    target_uri TEXT,
    date TEXT,
    concurrent_to TEXT
);
CREATE INDEX IF NOT EXISTS warc_records_file ON warc_records(warc_file, warc_offset);
"""

# Columns added after a table was first created: (table, column, declaration).  ``create_schema``
# adds the ones an older database lacks.
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("portals", "extra", "TEXT"),
    ("snapshots", "record_type", "TEXT"),
    ("snapshots", "payload_file", "TEXT"),
    ("snapshots", "payload_offset", "INTEGER"),
    ("fetches", "kind", "TEXT"),
    ("fetches", "warc_file", "TEXT"),
    ("fetches", "warc_offset", "INTEGER"),
    ("fetches", "warc_record_id", "TEXT"),
    ("reports", "content_sha256", "TEXT"),
    ("report_urls", "url_key", "TEXT"),
    ("crawl_portal_stats", "list_pages_skipped", "INTEGER"),
    ("crawl_portal_stats", "early_stops", "INTEGER"),
    ("crawl_portal_stats", "reports_listed", "INTEGER"),
    ("crawl_portal_stats", "rechecked", "INTEGER"),
)


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    for table, column, decl in ADDED_COLUMNS:
        existing = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if existing and column not in existing:
            conn.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {decl}')


_DDL_TABLES = tuple(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", DDL))


def schema_current(conn: sqlite3.Connection) -> bool:
    """Whether every table and column of this version exists (nothing for ``create_schema`` to do)."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not set(_DDL_TABLES) <= tables:
        return False
    for table, column, _decl in ADDED_COLUMNS:
        if column not in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
            return False
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return row is not None and row[0] == str(SCHEMA_VERSION)


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every archive table (idempotent), upgrade older ones, record the schema version.

    Writes nothing when the schema is current (a reader of a busy or read-only archive may call it).
    """
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and schema_current(conn):
        return
    if tables:
        _add_missing_columns(conn)
    conn.executescript(DDL)
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    conn.commit()

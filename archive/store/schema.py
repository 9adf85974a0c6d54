"""SQLite schema of the archive (docs/contract.md §4 plus the operational tables) and its migrations.

The contract tables (`reports`, `cells`, `checks`, `snapshots`) keep their column names and
meaning; columns may be added.  Timestamps are UTC text ``YYYY-MM-DDTHH:MM:SSZ``; those of
fetches are the WARC-Date of the records, so ``nianbao rebuild`` reproduces them.
``warc_records`` lists every WARC record whose effect is in the database (see
:mod:`archive.store.session`).

Tables are declared in :data:`TABLES` and created with sqlite-utils (``Table.create``,
``create_index``).  A table, column or index is only ever added, and its declaration says in
which schema version (``since``, ``added``, ``Index.since``).

Schema version.  ``meta.schema_version`` (text, present in every archive since version 1) is
the version of the tables.  :func:`create_schema` creates a new database at
:data:`SCHEMA_VERSION` and upgrades an older archive in place by applying the migrations after
its version in order, all in one transaction with the new version number: a process killed
during an upgrade leaves the archive at its previous version.  The migration to version
``n`` adds what the declarations mark ``n`` (see :func:`ensure_version`) and then runs its
``steps`` (anything not additive: data fixes, ``Table.transform``).  An archive of a newer
version than this code is refused (:class:`SchemaError`).  The versions and what each added are
listed in :data:`MIGRATIONS`; the version is a compatibility contract.

To change the schema: declare the new table (``since=N``), column (``added={...: N}``, after the
table's other columns) or index (``since=N``), append ``Migration(N, ...)`` with any ``steps``,
and extend ``tests/archive/store/test_schema.py`` with the DDL of version N - 1.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from archive.store.transaction import database, transaction

# sqlite-utils has no NUMERIC column type; in a table that is not STRICT the type ANY has the
# same (NUMERIC) affinity: 12.0 and '12' are stored as the integer 12, 12.5 as a real.
NUMERIC = "ANY"


class SchemaError(sqlite3.DatabaseError, ValueError):
    """The database's schema version is not one this code can use (bad input for a command, too)."""


@dataclass(frozen=True)
class Index:
    """An index on a table (``since``: the schema version that added it)."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    since: int = 1


@dataclass
class Table:
    """A table as sqlite-utils creates it.

    ``columns`` in order (name → type); ``references``: column → the table whose primary key it
    refers to; ``unique``: column groups that identify a row (unique indexes created with the
    table); ``added``: columns added after the table was created → the version that added them
    (they come last, in version order, as ``ALTER TABLE`` appends them).
    """

    name: str
    columns: dict[str, Any]
    pk: str | tuple[str, ...]
    not_null: frozenset[str] = frozenset()
    defaults: dict[str, Any] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)
    unique: tuple[tuple[str, ...], ...] = ()
    indexes: tuple[Index, ...] = ()
    added: dict[str, int] = field(default_factory=dict)
    since: int = 1

    def columns_at(self, version: int) -> dict[str, Any]:
        """The columns the table has at schema ``version``."""
        return {c: t for c, t in self.columns.items() if self.added.get(c, self.since) <= version}


# the counters of ``crawl_portal_stats`` that default to 0 (those of version 1)
_COUNTERS = (
    "requests", "responses", "not_modified", "list_pages", "reports_seen", "new_reports", "changed_reports",
    "removed_reports", "attachments", "errors", "blocks",
)  # fmt: skip

TABLES: tuple[Table, ...] = (
    Table("meta", {"key": str, "value": str}, pk="key"),
    # Portal registry as crawled (mirrors crawler/portals.toml at crawl time).
    Table(
        "portals",
        {
            "id": str,  # registry id: the 行政区划代码 (optionally with a suffix)
            "code": str,  # 行政区划代码
            "name": str,
            "level": str,  # province | city | county | town | department
            "parent_code": str,
            "province": str,
            "city": str,
            "county": str,
            "hosts": str,  # JSON list
            "start_urls": str,  # JSON list
            "platform": str,  # trs | trs_dynamic | hanweb | gkmlpt | generic …
            "updated": str,
            "extra": str,  # JSON object of further registry keys
        },
        pk="id",
        not_null=frozenset({"name"}),
        added={"extra": 2},
    ),
    # One row per crawl run (a scheduled run may cover several portals).
    Table(
        "crawl_runs",
        {
            "id": int,
            "started": str,
            "ended": str,
            "portals": str,  # JSON list of portal ids
            "mode": str,  # full | incremental
            "stats": str,  # JSON (Scrapy stats subset + ours)
            "outcome": str,  # running | ok | failed | interrupted
            "shard": str,  # a run merged from a queue worker's shard (archive.store.merge) …
            "shard_run": int,  # … and its id there
        },
        pk="id",
        not_null=frozenset({"started", "outcome"}),
        defaults={"outcome": "running"},
        added={"shard": 5, "shard_run": 5},
    ),
    # Per-portal statistics of a run (issue 6 monitors read these).
    Table(
        "crawl_portal_stats",
        {
            "run_id": int,
            "portal": str,
            "requests": int,
            "responses": int,
            "not_modified": int,
            "list_pages": int,
            "list_pages_expected": int,
            "reports_seen": int,
            "new_reports": int,
            "changed_reports": int,
            "removed_reports": int,
            "attachments": int,
            "errors": int,
            "blocks": int,
            "duration": float,
            "outcome": str,
            "list_pages_skipped": int,  # stated pages of lists an incremental early stop left unwalked
            "early_stops": int,  # lists whose walk stopped early (nothing new on a page)
            "reports_listed": int,  # distinct reports the lists showed (archived or new)
            "rechecked": int,  # archived reports asked for again because no list showed them
            "wasted_requests": int,  # requests that led to no list, report, attachment or page verdict
            "checked_pages": int,  # document pages judged not to be reports (their page_verdicts)
            "unreadable_pages": int,  # pages of a recognised platform whose data could not be read
            "empty_reason": str,  # why the portal yielded no report (None when it did)
        },
        pk=("run_id", "portal"),
        not_null=frozenset({"run_id", "portal"}),
        defaults=dict.fromkeys(_COUNTERS, 0),
        references={"run_id": "crawl_runs"},
        added={
            "list_pages_skipped": 3,
            "early_stops": 3,
            "reports_listed": 3,
            "rechecked": 3,
            "wasted_requests": 7,
            "checked_pages": 7,
            "unreadable_pages": 7,
            "empty_reason": 7,
        },  # fmt: skip
    ),
    # Every distinct payload fetched from a URL; bytes live in the WARC files.
    Table(
        "snapshots",
        {
            "id": int,
            "sha256": str,
            "url": str,
            "fetched": str,  # UTC timestamp of the first fetch of this payload at this URL
            "last_seen": str,  # UTC timestamp of the latest fetch that returned it
            "status": int,
            "content_type": str,
            "length": int,
            "warc_file": str,  # path relative to the archive directory
            # offset of the response or revisit record of the first fetch
            # (archive.store.warc.read_record resolves a revisit to its payload)
            "warc_offset": int,
            "warc_length": int,  # compressed length of that record
            "warc_record_id": str,
            "portal": str,
            "run_id": int,
            "kind": str,  # list | detail | attachment | robots | api | other
            "etag": str,
            "last_modified": str,
            "record_type": str,  # response | revisit (record at warc_file/warc_offset)
            "payload_file": str,  # the response record holding the bytes (= warc_file unless revisit)
            "payload_offset": int,
        },
        pk="id",
        not_null=frozenset({"sha256", "url", "fetched", "warc_file", "warc_offset"}),
        unique=(("url", "sha256"),),
        indexes=(Index("snapshots_sha256", ("sha256",)), Index("snapshots_url", ("url",))),
        added={"record_type": 2, "payload_file": 2, "payload_offset": 2},
    ),
    # Every fetch (also the ones that returned a known payload or 304).
    Table(
        "fetches",
        {
            "id": int,
            "run_id": int,
            "portal": str,
            "url": str,
            "at": str,
            "status": int,
            "sha256": str,
            "snapshot_id": int,
            "revisit": int,  # 1 when the payload was already archived (WARC revisit)
            "not_modified": int,  # 1 for a 304 answer to a conditional request
            "kind": str,
            "warc_file": str,  # the response/revisit record of this fetch
            "warc_offset": int,
            "warc_record_id": str,
        },
        pk="id",
        not_null=frozenset({"url", "at"}),
        defaults={"revisit": 0, "not_modified": 0},
        references={"snapshot_id": "snapshots"},
        indexes=(
            Index("fetches_url", ("url",)),
            Index("fetches_record", ("warc_record_id",), unique=True, since=2),
        ),
        added={"kind": 2, "warc_file": 2, "warc_offset": 2, "warc_record_id": 2},
    ),
    # One row per report document version (docs/contract.md §4).
    Table(
        "reports",
        {
            "id": int,
            "url": str,  # the report page (or the file when published as a file only)
            "title": str,
            "organ": str,
            "year": int,
            "template": str,
            "published": str,  # date the portal shows (YYYY-MM-DD)
            "fetched": str,  # UTC timestamp
            "sha256": str,  # of the bytes the values were extracted from
            "portal": str,
            "doc_key": str,  # stable identity of the report across versions (canonical URL)
            "version": int,
            "is_current": int,
            "supersedes": int,
            "edited": int,  # 1 when a later version of this report differs
            "removed_at": str,  # when the portal stopped serving it
            "page_sha256": str,  # sha256 of the report page itself
            "snapshot_id": int,
            "source_snapshot_id": int,  # snapshot the values come from
            "carrier": str,  # html | text | pdf | docx | doc | wps | xls | xlsx | image
            "content_type": str,
            "canonical_url": str,
            "level": str,  # portal level or the organ's level when known
            "cell_count": int,
            "checks_failed": int,
            "warning_count": int,
            "last_seen": str,
            "run_id": int,
            "content_sha256": str,  # fingerprint of what was extracted (versions differ in it)
            # where the year came from: title | period (统计期限) | body | list_date | url_date | published
            "year_source": str,
        },
        pk="id",
        not_null=frozenset({"url"}),
        defaults={"version": 1, "is_current": 1, "edited": 0},
        references={"supersedes": "reports", "snapshot_id": "snapshots", "source_snapshot_id": "snapshots"},
        indexes=(
            Index("reports_doc_key", ("doc_key",)),
            Index("reports_sha256", ("sha256",)),
            Index("reports_portal_year", ("portal", "year")),
            Index("reports_page_sha256", ("page_sha256",), since=2),
            Index("reports_content_sha256", ("content_sha256",), since=2),
        ),
        added={"content_sha256": 2, "year_source": 7},
    ),
    # Every URL under which a report was seen (wap twins, repeated columns …).
    Table(
        "report_urls",
        {
            "report_id": int,
            "url": str,
            "first_seen": str,
            "url_key": str,  # doc_key of this URL
        },
        pk=("report_id", "url"),
        not_null=frozenset({"report_id", "url"}),
        references={"report_id": "reports"},
        indexes=(Index("report_urls_url", ("url",), since=2),),
        added={"url_key": 2},
    ),
    # Files linked from a report page.
    Table(
        "attachments",
        {
            "id": int,
            "report_id": int,
            "url": str,
            "link_text": str,
            "sha256": str,
            "content_type": str,
            "kind": str,
            "snapshot_id": int,
            "used_for_values": int,
            "error": str,
        },
        pk="id",
        not_null=frozenset({"report_id", "url"}),
        defaults={"used_for_values": 0},
        references={"report_id": "reports", "snapshot_id": "snapshots"},
        unique=(("report_id", "url"),),
    ),
    Table(
        "cells",
        {
            "id": int,
            "report_id": int,
            "table_name": str,
            "row": str,
            "col": str,
            "value": NUMERIC,
            "raw": str,
            "unit": str,
            "label": str,
            "where": str,
        },
        pk="id",
        not_null=frozenset({"report_id", "table_name", "row", "col"}),
        references={"report_id": "reports"},
        indexes=(Index("cells_report", ("report_id",)), Index("cells_key", ("table_name", "row", "col"))),
    ),
    Table(
        "checks",
        {
            "id": int,
            "report_id": int,
            "rule": str,
            "column": str,
            "ok": int,
            "expected": NUMERIC,
            "actual": NUMERIC,
            "table_name": str,
            "detail": str,
            "compared_report_id": int,  # R5–R7: the previous year's report compared with (archive.store.crossyear)
        },
        pk="id",
        # ok NULL: not checkable (a cell the rule needs is missing; detail says which), since version 4
        not_null=frozenset({"report_id", "rule"}),
        references={"report_id": "reports"},
        indexes=(
            Index("checks_report", ("report_id",)),
            Index("checks_compared", ("compared_report_id",), since=8),
        ),
        added={"compared_report_id": 8},
    ),
    Table(
        "sections",
        {"id": int, "report_id": int, "number": int, "heading": str, "text": str},
        pk="id",
        not_null=frozenset({"report_id"}),
        references={"report_id": "reports"},
        indexes=(Index("sections_report", ("report_id",)),),
    ),
    Table(
        "warnings",
        {"id": int, "report_id": int, "message": str},
        pk="id",
        not_null=frozenset({"report_id", "message"}),
        references={"report_id": "reports"},
        indexes=(Index("warnings_report", ("report_id",)),),
    ),
    # What could not be fetched or was refused (also WAF/challenge pages recorded as blocks).
    Table(
        "fetch_errors",
        {
            "id": int,
            "run_id": int,
            "portal": str,
            "url": str,
            "at": str,
            "kind": str,  # error | block | http | too_large | robots | extract
            "status": int,
            "reason": str,
        },
        pk="id",
        not_null=frozenset({"url", "at", "kind", "reason"}),
        defaults={"kind": "error"},
        indexes=(Index("fetch_errors_run", ("run_id",)),),
    ),
    # Where each item (report or other detail page) was last listed: the list (column), page and
    # position, and the entry as the list shows it (title, date): an incremental run asks only for
    # items whose entry changed, and re-checks the reports that vanished from the pages it walked.
    Table(
        "listings",
        {
            "portal": str,
            "list_key": str,  # the list: canonical URL of its first page (column, home page)
            "url": str,  # canonical URL of the listed item
            "doc_key": str,  # archive.store.ingest.doc_key of url
            "page_url": str,  # the list page (or API request) that showed it
            "page_no": int,  # 1 = the list's first page; later pages as numbered by the portal
            "position": int,  # 1-based place on that page
            "entry": str,  # the entry's text as listed (title, date …)
            "first_seen": str,
            "last_seen": str,
            "run_id": int,
        },
        pk=("portal", "list_key", "url"),
        not_null=frozenset({"portal", "list_key", "url"}),
        indexes=(Index("listings_url", ("url",), since=3),),
        since=3,
    ),
    # What changed between a report version and the one it supersedes (written with the new version).
    Table(
        "report_changes",
        {
            "id": int,
            "report_id": int,  # the new version
            "previous_id": int,  # the version it supersedes
            "doc_key": str,
            "detected": str,  # when the new version was fetched (UTC)
            "kind": str,  # page | attachment | both | content
            "page_changed": int,  # 1 when the report page's bytes differ
            "attachments_changed": int,  # attachments added, removed or with new bytes
            "cells_changed": int,  # cells whose value, raw text or unit differ
            "cells_added": int,
            "cells_removed": int,
            "sections_changed": int,  # sections whose heading or text differ (added/removed included)
            "text_diff": str,  # unified diff of the section text (previous → new)
            "fields": str,  # JSON {field: [previous, new]} of changed metadata (title, organ, year …)
        },
        pk="id",
        not_null=frozenset({"report_id", "previous_id", "kind"}),
        references={"report_id": "reports", "previous_id": "reports"},
        indexes=(Index("report_changes_report", ("report_id",), since=3),),
        since=3,
    ),
    # Every cell that differs between two versions of a report.
    Table(
        "cell_changes",
        {
            "id": int,
            "change_id": int,
            "report_id": int,
            "previous_id": int,
            "table_name": str,
            "row": str,
            "col": str,
            "change": str,  # changed | added | removed
            "old_value": NUMERIC,
            "new_value": NUMERIC,
            "old_raw": str,
            "new_raw": str,
            "old_unit": str,
            "new_unit": str,
            "label": str,
        },
        pk="id",
        not_null=frozenset({"change_id", "report_id", "previous_id", "table_name", "row", "col", "change"}),
        references={"change_id": "report_changes", "report_id": "reports", "previous_id": "reports"},
        indexes=(
            Index("cell_changes_change", ("change_id",), since=3),
            Index("cell_changes_report", ("report_id",), since=3),
        ),
        since=3,
    ),
    # Whether a fetched document page is a report, and why (pages about reports stay in the WARC files,
    # never in `reports`): one row per page and payload.
    Table(
        "page_verdicts",
        {
            "id": int,
            "url": str,
            "sha256": str,  # of the page judged
            "snapshot_id": int,
            "verdict": str,  # report | not_report
            "reason": str,  # what decided it (template sections and tables, 统计期限, attachment, body …)
            "title": str,
            "portal": str,
            "run_id": int,
            "at": str,
        },
        pk="id",
        not_null=frozenset({"url", "verdict", "reason"}),
        references={"snapshot_id": "snapshots"},
        unique=(("url", "sha256"),),
        indexes=(Index("page_verdicts_portal", ("portal", "verdict"), since=7),),
        since=7,
    ),
    # Every WARC record whose effect is in this database (written in the same transaction), so a
    # session that was killed between the WARC write and the commit can be completed on restart.
    Table(
        "warc_records",
        {
            "record_id": str,
            "warc_file": str,
            "warc_offset": int,
            "warc_length": int,
            "record_type": str,  # warcinfo | request | response | revisit | metadata
            "target_uri": str,
            "date": str,
            "concurrent_to": str,
        },
        pk="record_id",
        not_null=frozenset({"warc_file", "warc_offset", "record_type"}),
        indexes=(Index("warc_records_file", ("warc_file", "warc_offset"), since=2),),
        since=2,
    ),
    # The merge log: every batch of a queue worker's shard merged into this archive (a ``merge``
    # record of the archive's own WARC files; archive.store.merge).  ``files`` is the JSON list of
    # ``[warc_file, start, end]`` byte ranges replayed, in order, as the shard's own stream.
    Table(
        "merges",
        {
            "id": int,
            "shard": str,
            "root": str,  # where the shard's files are: shards/{shard}
            "source": str,  # the shard directory merged from
            "files": str,
            "at": str,
            "records": int,
            "exchanges": int,
            "reports": int,
            "errors": int,
        },
        pk="id",
        not_null=frozenset({"shard", "root", "files", "at"}),
        indexes=(Index("merges_shard", ("shard",), since=5),),
        since=5,
    ),
    # The division register (archive.store.regions): every province, prefecture, county-level unit
    # and town by 行政区划代码, one row per code and span of years, with its source and version.
    Table(
        "regions",
        {
            "id": int,
            "code": str,  # 6 digits; 9 for a town
            "name": str,
            "level": str,  # province | city | county | town
            "kind": str,  # 市辖区, 县, 县级市, 地级市, 功能区, 街道, 镇, 乡 …
            "parent_code": str,
            "province_code": str,
            "status": str,  # current | retired | changed
            "valid_from": int,  # first year whose list (31 December) holds it; NULL: unknown
            "valid_to": int,  # first year whose list no longer does (exclusive); NULL: in use or unknown
            "successors": str,  # JSON list of codes that took it over
            "area_transfers": str,  # JSON list of "code[YYYY]": part of its area went to code that year
            "source": str,
            "source_version": str,
            "note": str,  # what was inferred rather than read from a source
        },
        pk="id",
        not_null=frozenset({"code", "name", "level", "status", "source", "source_version"}),
        indexes=(
            Index("regions_code", ("code",), since=6),
            Index("regions_parent", ("parent_code", "level"), since=6),
        ),
        since=6,
    ),
    # The code history as imported (`nianbao regions import FILE`), kept so the register can be rebuilt.
    Table(
        "region_history",
        {
            "id": int,
            "code": str,
            "province": str,  # 一级行政区
            "parent_name": str,  # 二级行政区
            "name": str,
            "level": str,  # province | city | county
            "status": str,  # current | retired | changed
            "valid_from": int,
            "valid_to": int,
            "successors": str,  # JSON list
            "area_transfers": str,  # JSON list of "code[YYYY]"
            "line": int,  # line in the imported file
            "source": str,  # the file's name
            "source_version": str,
        },
        pk="id",
        not_null=frozenset({"code", "name", "level", "status", "valid_from", "source", "source_version"}),
        since=6,
    ),
    # Every office (organ on a portal) tied to a division of the register, and how (archive.publish.offices).
    Table(
        "office_divisions",
        {
            "portal": str,
            "organ": str,  # '' for reports without an organ
            "code": str,  # the division; NULL when neither the name nor the portal gives one
            "office_level": str,  # the division's level for its government, department for a department
            "method": str,  # town_name | town_short_name | county_name | portal_division | portal | none
            "matched": str,  # the register name found in the organ
        },
        pk=("portal", "organ"),
        not_null=frozenset({"portal", "organ", "method"}),
        indexes=(Index("office_divisions_code", ("code",), since=6),),
        since=6,
    ),
    # The office of every current report (archive.store.crossyear): reports of one office in
    # consecutive years are compared by R5–R7.
    Table(
        "report_offices",
        {
            "report_id": int,
            # gov:{division code}:{level} (a government found in the register through office_divisions) or
            # name:{portal}:{normalised organ}; NULL when the report names no organ or no year
            "office_key": str,
            "year": int,
            "portal": str,
            "organ": str,  # the organ's name normalised (人民政府 → 政府, 街道办事处 → 街道 …)
            "division": str,  # the office_divisions match the key was made with (code:level:method), '' without
        },
        pk="report_id",
        not_null=frozenset({"report_id"}),
        references={"report_id": "reports"},
        indexes=(Index("report_offices_key", ("office_key", "year"), since=8),),
        since=8,
    ),
    # Near-duplicate sections across reports (archive.publish.copies): one row per pair, the later
    # section first (by id), with the similarity and the longest passage they share.
    Table(
        "section_copies",
        {
            "id": int,
            "section_id": int,
            "report_id": int,
            "other_section_id": int,  # the earlier section it resembles
            "other_report_id": int,
            "similarity": float,  # Jaccard similarity of the two texts' 5-character shingles (digits folded)
            "shared": str,  # the longest passage both texts contain (at most 400 characters shown)
            "shared_chars": int,  # its full length in characters
            "same_office": int,  # 1: the same office (another year), 0: another office
        },
        pk="id",
        not_null=frozenset({"section_id", "report_id", "other_section_id", "other_report_id", "similarity"}),
        references={
            "section_id": "sections",
            "report_id": "reports",
            "other_section_id": "sections",
            "other_report_id": "reports",
        },  # fmt: skip
        unique=(("section_id", "other_section_id"),),
        indexes=(
            Index("section_copies_report", ("report_id",), since=8),
            Index("section_copies_other_report", ("other_report_id",), since=8),
            Index("section_copies_other_section", ("other_section_id",), since=8),
        ),
        since=8,
    ),
    # The locality-sensitive index of section texts (MinHash bands) that finds copies without comparing
    # every pair; rebuilt from the sections when lost (archive.publish.copies).
    Table(
        "section_lsh",
        {"band_key": int, "section_id": int},
        pk=("band_key", "section_id"),
        not_null=frozenset({"band_key", "section_id"}),
        indexes=(Index("section_lsh_section", ("section_id",), since=8),),
        since=8,
    ),
    # Refusal and other outcome rates per current report, with ranks within county and province
    # (archive.publish.refusals): what 不予公开率 and the charts read.
    Table(
        "refusal_rates",
        {
            "report_id": int,
            "portal": str,
            "organ": str,
            "province": str,
            "city": str,
            "county": str,
            "level": str,
            "year": int,
            "template": str,
            "new_received": NUMERIC,  # 本年新收 (总计)
            "handled": NUMERIC,  # 办理结果总计 (（七）总计, 总计 column): the denominator of the rates
            "granted": NUMERIC,  # 予以公开
            "partially_granted": NUMERIC,
            "denied": NUMERIC,  # 不予公开, the eight grounds together
            "denied_state_secret": NUMERIC,
            "denied_prohibited_by_law": NUMERIC,
            "denied_security_stability": NUMERIC,
            "denied_third_party": NUMERIC,
            "denied_internal_affairs": NUMERIC,
            "denied_process_information": NUMERIC,
            "denied_enforcement_files": NUMERIC,
            "denied_query_matters": NUMERIC,
            "unavailable": NUMERIC,  # 无法提供
            "not_processed": NUMERIC,  # 不予处理
            "refusal_rate": float,  # denied ÷ handled (NULL when handled is 0 or missing)
            "unavailable_rate": float,
            "not_processed_rate": float,
            "county_rank": int,  # by refusal_rate within the county and year (1 = highest)
            "county_offices": int,  # reports with a rate in the county and year
            "province_rank": int,
            "province_offices": int,
        },
        pk="report_id",
        not_null=frozenset({"report_id"}),
        references={"report_id": "reports"},
        indexes=(
            Index("refusal_rates_county", ("province", "county", "year"), since=8),
            Index("refusal_rates_year", ("year", "refusal_rate"), since=8),
        ),
        since=8,
    ),
    # Rates per year for the country, each province and each county (archive.publish.refusals): pooled
    # (Σ 不予公开 ÷ Σ 办理结果总计 over the reports with a rate) and the median of the reports' rates.
    Table(
        "refusal_summary",
        {
            "scope": str,  # country | province | county
            "province": str,  # '' for the country
            "county": str,  # '' for the country and a province
            "year": int,
            "reports": int,  # reports with a rate (办理结果总计 > 0)
            "handled": NUMERIC,
            "denied": NUMERIC,
            "unavailable": NUMERIC,
            "not_processed": NUMERIC,
            "refusal_rate": float,
            "unavailable_rate": float,
            "not_processed_rate": float,
            "median_refusal_rate": float,
            "denied_state_secret": NUMERIC,
            "denied_prohibited_by_law": NUMERIC,
            "denied_security_stability": NUMERIC,
            "denied_third_party": NUMERIC,
            "denied_internal_affairs": NUMERIC,
            "denied_process_information": NUMERIC,
            "denied_enforcement_files": NUMERIC,
            "denied_query_matters": NUMERIC,
        },
        pk=("scope", "province", "county", "year"),
        not_null=frozenset({"scope", "province", "county", "year"}),
        since=8,
    ),
    # The eight grounds of 不予公开 ranked per county and year (the view 不予公开理由排行).
    Table(
        "refusal_grounds",
        {
            "province": str,
            "county": str,
            "year": int,
            "ground": str,  # the row key (denied_…)
            "n": NUMERIC,  # applications refused on this ground
            "share": float,  # of all refused in the county and year (%)
            "rank": int,  # 1 = the ground used most
            "reports": int,  # reports summed
        },
        pk=("province", "county", "year", "ground"),
        not_null=frozenset({"province", "county", "year", "ground"}),
        since=8,
    ),
)
TABLE_BY_NAME = {t.name: t for t in TABLES}


def _checks_ok_nullable(db: Database) -> None:
    """Version 4: drop NOT NULL from ``checks.ok`` (the table is rebuilt, rows and indexes kept)."""
    db.table("checks").transform(not_null={"ok": False}, types={"expected": NUMERIC, "actual": NUMERIC})


_R8_CHINESE = {
    "negative amount": "金额为负数",
    "count is not an integer": "件数不是整数",
    "negative count": "件数为负数（只有“本年增/减”可为负）",
    "规章 reported by an organ below 设区的市": "设区的市以下的机关填报了规章",
}


def _checks_in_chinese(db: Database) -> None:
    """Version 8: the English details of checks written before it, in Chinese (as extraction writes them now)."""
    conn = db.conn
    conn.execute(
        "UPDATE checks SET detail = '不可校验：缺少' || CASE WHEN detail LIKE 'not checkable: row %' THEN '行 ' "
        "ELSE '列 ' END || replace(substr(detail, instr(substr(detail, 17), ' ') + 17, "
        "length(detail) - instr(substr(detail, 17), ' ') - 24), ', ', '、') "
        "WHERE detail LIKE 'not checkable: % missing'"
    )
    for english, chinese in _R8_CHINESE.items():
        conn.execute(
            "UPDATE checks SET detail = ?, expected = NULL WHERE rule = 'R8' AND detail = ?", (chinese, english)
        )


@dataclass(frozen=True)
class Migration:
    """The upgrade to schema ``version``: what the declarations mark ``version``, then ``steps``."""

    version: int
    summary: str
    steps: Callable[[Database], None] | None = None


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "the archive tables: meta, portals, crawl_runs, crawl_portal_stats, snapshots, fetches, "
                 "reports, report_urls, attachments, cells, checks, sections, warnings, fetch_errors"),
    Migration(2, "WARC locations: snapshots.record_type/payload_file/payload_offset, "
                 "fetches.kind/warc_file/warc_offset/warc_record_id (unique); portals.extra, "
                 "reports.content_sha256, report_urls.url_key; the warc_records table"),
    Migration(3, "incremental crawls and report changes: the listings, report_changes and cell_changes "
                 "tables; crawl_portal_stats.list_pages_skipped/early_stops/reports_listed/rechecked"),
    Migration(4, "checks.ok may be NULL: a check that cannot run (a cell it needs is missing) is stored as "
                 "not checkable, the reason in checks.detail", steps=_checks_ok_nullable),
    Migration(5, "scale-out: the merges table (the merge log of queue workers' shards); "
                 "crawl_runs.shard/shard_run (a merged shard's runs)"),
    Migration(6, "the division register: the regions, region_history and office_divisions tables"),
    Migration(7, "portals nobody tuned the crawler for: reports.year_source, the page_verdicts table, "
                 "crawl_portal_stats.wasted_requests/checked_pages/unreadable_pages/empty_reason"),
    Migration(8, "the stories: checks.compared_report_id (R5–R7 across years), the report_offices, "
                 "section_copies, section_lsh, refusal_rates, refusal_summary and refusal_grounds tables; "
                 "check details in Chinese",
              steps=_checks_in_chinese),
)  # fmt: skip
SCHEMA_VERSION = MIGRATIONS[-1].version


# --------------------------------------------------------------------------- applying


def _create_table(db: Database, table: Table, version: int) -> None:
    columns = table.columns_at(version)
    db.table(table.name).create(
        columns,
        pk=table.pk,
        not_null=[c for c in table.not_null if c in columns],
        defaults={c: v for c, v in table.defaults.items() if c in columns},
        foreign_keys=[(c, other, _pk(other)) for c, other in table.references.items()],
    )
    for group in table.unique:
        db.table(table.name).create_index(group, f"{table.name}_{'_'.join(group)}", unique=True)


def _pk(table: str) -> str:
    pk = TABLE_BY_NAME[table].pk
    assert isinstance(pk, str), f"{table}: a reference needs a single-column primary key"
    return pk


def ensure_version(db: Database, version: int) -> None:
    """Add every table, column and index the declarations have at ``version`` and ``db`` lacks.

    On an archive of ``version - 1`` this adds exactly what ``version`` added; on an empty
    database it creates the tables of ``version``.
    """
    for table in TABLES:
        if table.since > version:
            continue
        target = db.table(table.name)
        if not target.exists():
            _create_table(db, table, version)
        else:
            existing = set(target.columns_dict)
            for column, kind in table.columns_at(version).items():
                if column not in existing:
                    target.add_column(column, kind)
        for index in table.indexes:
            if index.since <= version:
                target.create_index(index.columns, index.name, unique=index.unique, if_not_exists=True)


def schema_version(conn: sqlite3.Connection) -> int | None:
    """``meta.schema_version`` of the database (None when it has none); reads only."""
    db = database(conn)
    if not db.table("meta").exists():
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        return None
    try:
        return int(row[0])
    except (TypeError, ValueError):
        raise SchemaError(f"unreadable schema version {row[0]!r}") from None


def schema_current(conn: sqlite3.Connection) -> bool:
    """Whether the database is at :data:`SCHEMA_VERSION` (nothing for ``create_schema`` to do)."""
    return schema_version(conn) == SCHEMA_VERSION


def _refuse_newer(found: int | None) -> None:
    if found is not None and found > SCHEMA_VERSION:
        raise SchemaError(
            f"the archive has schema version {found}, newer than this nianbao knows ({SCHEMA_VERSION}): upgrade nianbao"
        )


def create_schema(conn: sqlite3.Connection) -> int | None:
    """Create the archive tables in a new database, or upgrade an older archive in place.

    Returns the version the database had (None for a new one).  Writes nothing when the schema
    is current (a reader of a busy or read-only archive may call it); raises
    :class:`SchemaError` for an archive of a newer version than this code.  A database with
    tables but no version (never written by nianbao) goes through every migration.
    """
    found = schema_version(conn)
    if found == SCHEMA_VERSION:
        return found
    _refuse_newer(found)
    db = database(conn)
    with transaction(conn):
        found = schema_version(conn)  # again, under the write lock: another process may have upgraded it
        if found == SCHEMA_VERSION:
            return found
        _refuse_newer(found)
        if found is None and not db.table_names():
            ensure_version(db, SCHEMA_VERSION)  # a new database starts at the current version
        else:
            for migration in MIGRATIONS:
                if migration.version > (found or 0):
                    ensure_version(db, migration.version)
                    if migration.steps is not None:
                        migration.steps(db)
        db.table("meta").upsert({"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key")
    return found

"""Where an archive lives by default: one directory holding ``nianbao.db`` and ``warc/``."""

from __future__ import annotations

from pathlib import Path

DEFAULT_ARCHIVE_DIR = Path("data")
DB_NAME = "nianbao.db"
DEFAULT_DB = DEFAULT_ARCHIVE_DIR / DB_NAME


def db_path(archive_dir: Path | str | None = None, db: Path | str | None = None) -> Path:
    """The database of an archive: ``db`` when given, else ``ARCHIVE_DIR/nianbao.db``."""
    if db is not None:
        return Path(db)
    return Path(archive_dir if archive_dir is not None else DEFAULT_ARCHIVE_DIR) / DB_NAME

"""The extractor's version: what cached extractions are keyed by (``archive.store.extraction_cache``).

:data:`EXTRACTOR_VERSION` is the package version plus a digest of the extractor's own source files
(every file of the ``extract`` package), so any change to the code that reads documents — a parser,
the interpreter, labels, checks, even a comment — retires the extractions cached by the code
before it.  A false retirement costs a re-extraction; a missed one would serve stale values.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_SOURCE_SUFFIXES = (".py", ".json", ".txt", ".toml")


def source_digest(package_dir: Path = _PACKAGE_DIR) -> str:
    """SHA-256 (first 12 hex digits) over the names and bytes of the package's source files."""
    digest = hashlib.sha256()
    for path in sorted(p for p in package_dir.rglob("*") if p.suffix in _SOURCE_SUFFIXES and p.is_file()):
        digest.update(path.relative_to(package_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


try:
    _PACKAGE_VERSION = version("nianbao")
except PackageNotFoundError:  # running from a source tree that was never installed
    _PACKAGE_VERSION = "0+unknown"

EXTRACTOR_VERSION = f"{_PACKAGE_VERSION}+{source_digest()}"

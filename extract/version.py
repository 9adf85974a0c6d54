"""The extractor's version: what cached extractions are keyed by (``archive.store.extraction_cache``).

:data:`EXTRACTOR_VERSION` is the package version plus :data:`EXTRACTOR_REVISION`.  Raise the
revision in the same commit as any change that makes :func:`extract.extract_document` give
different output for some bytes (a parser, the interpreter, labels, checks …), so extractions
cached by an older extractor are not used.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

EXTRACTOR_REVISION = 1

try:
    _PACKAGE_VERSION = version("nianbao")
except PackageNotFoundError:  # running from a source tree that was never installed
    _PACKAGE_VERSION = "0+unknown"

EXTRACTOR_VERSION = f"{_PACKAGE_VERSION}.r{EXTRACTOR_REVISION}"

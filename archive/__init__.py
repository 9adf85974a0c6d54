"""nianbao's archive: storage (``archive.store``), publishing (``archive.publish``), the Datasette
site (``archive.datasette``), operations (``archive.ops``), the sample portal (``archive.sample``)
and the command line (``archive.cli``).  See docs/architecture.md for the layers."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nianbao")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

PROJECT_URL = "https://github.com/nianbao/nianbao"
USER_AGENT = f"nianbao/{__version__} (+{PROJECT_URL}; open archive of 政府信息公开工作年度报告)"

"""Everything Datasette needs beyond the plugin hooks: metadata, pages, chart, templates, assets."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"

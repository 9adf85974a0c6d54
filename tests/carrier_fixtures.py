"""Shared helpers of the attachment-carrier tests (PDF, DOCX, DOC/WPS, XLS/XLSX, images).

Sample reports come from :func:`portalgen.sample.generate_report`; the files are made by the
renderers of :mod:`portalgen.render_docx` / :mod:`portalgen.render_pdf` (LibreOffice
headless, batched and cached on disk, so a warm run converts nothing).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from portalgen.render_docx import SpecCell, TableSpec
from portalgen.sample import Key, SampleCell, SampleReport, generate_report

from extract.model import SourceCell, SourceTable


@dataclass(frozen=True)
class Variant:
    """One sample report and the Word style it is written in."""

    name: str
    seed: int
    template: str
    values: str = "plain"  # value style of sample.py
    style: str = "official"  # DOCX style of render_docx
    extras: tuple[str, ...] = ()
    legacy: str = "short"

    def report(self) -> SampleReport:
        return generate_report(
            random.Random(self.seed), self.template, style=self.values, extras=self.extras, legacy=self.legacy
        )


# Report variants the PDF/DOC/XLS tests render (deterministic seeds: the render cache stays warm).
VARIANTS = (
    Variant("2021-plain", 4101, "2021"),
    Variant("2019-blank", 4102, "2019", "blank_zeros"),
    Variant("2021-thousands-units-split", 4103, "2021", "thousands+units", "split"),
    Variant("2019-fullwidth-vertical", 4104, "2019", "fullwidth", "vertical", ("inspection",)),
    Variant("2021-blank-units-large", 4105, "2021", "blank_zeros+units", "large", ("other_documents",)),
    Variant("2019-thousands-large", 4106, "2019", "thousands", "large"),
    Variant("pre2019-fujian", 4107, "pre2019", legacy="fujian2017"),
    Variant("2019-units-split", 4108, "2019", "units", "split", ("confirmation",)),
    # a full-width number wrapped inside its cell right at the page break (１２ / ９)
    Variant("2021-fullwidth-wrapped", 97356745, "2021", "fullwidth"),
    Variant("2021-rotated", 4111, "2021", "blank_zeros", "rotated", ("inspection",)),
)
BY_NAME = {v.name: v for v in VARIANTS}


def cell_problems(expected: dict[Key, SampleCell], cells: list) -> list[str]:
    """Differences between expected cells and extracted cells ([] when exact)."""
    from gen.expect import cell_mismatches

    return cell_mismatches(expected, cells)


def squeeze(text: str) -> str:
    """Text without any whitespace (in-cell line breaks differ between carriers)."""
    return "".join(text.split())


def grid_signature(rows: list[list[SourceCell]] | list[list[SpecCell]]) -> list[list[tuple[str, int, int]]]:
    """Rows of (text without whitespace, rowspan, colspan) on the *minimal* grid.

    Grid lines no cell edge uses (a DOCX grid column only some other table needs, a PDF whose
    invisible column boundary cannot be seen) are removed, so the same table written in different
    carriers compares equal.
    """
    placed: list[tuple[int, int, int, int, str]] = []
    taken: set[tuple[int, int]] = set()
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            placed.append((r, c, cell.rowspan, cell.colspan, squeeze(cell.text)))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    cols = sorted({p[1] for p in placed} | {p[1] + p[3] for p in placed})
    lines = sorted({p[0] for p in placed} | {p[0] + p[2] for p in placed})
    out: dict[int, list[tuple[int, tuple[str, int, int]]]] = {}
    for r, c, rs, cs, text in placed:
        row = lines.index(r)
        out.setdefault(row, []).append((c, (text, lines.index(r + rs) - row, cols.index(c + cs) - cols.index(c))))
    return [[cell for _, cell in sorted(out[r])] for r in sorted(out)]


def spec_signature(spec: TableSpec) -> list[list[tuple[str, int, int]]]:
    return grid_signature(spec.rows)


def tables_of(doc) -> list[SourceTable]:
    return [b for b in doc.blocks if isinstance(b, SourceTable)]


# formats rendered per variant (LibreOffice runs once per format for all of them, then caches)
FORMATS = {
    "pdf": tuple(v.name for v in VARIANTS) + ("2021-noborders", "2019-noborders"),
    "doc": ("2021-plain", "2019-fullwidth-vertical", "pre2019-fujian"),
    "wps": ("2019-blank",),
    "xlsx": ("2021-plain", "2019-blank", "2021-blank-units-large", "pre2019-fujian"),
    "xls": ("2019-thousands-large", "2021-thousands-units-split", "pre2019-fujian"),
    "scanned": ("2021-plain",),
}
EXTRA_VARIANTS = (
    Variant("2021-noborders", 4109, "2021", "plain", "noborders"),
    Variant("2019-noborders", 4110, "2019", "blank_zeros", "noborders"),
)
BY_NAME.update({v.name: v for v in EXTRA_VARIANTS})
XLSX_STYLE = {"2019-blank": "formulas"}  # this one's totals are formulas with cached values


_RENDERED: dict[tuple[str, str], bytes] = {}


def render_all() -> dict[tuple[str, str], bytes]:
    """Every (variant name, format) of :data:`FORMATS`, rendered once per process."""
    from portalgen.render_pdf import render_many

    if not _RENDERED:
        jobs, keys = [], []
        for fmt, names in FORMATS.items():
            for name in names:
                variant = BY_NAME[name]
                style = XLSX_STYLE.get(name, "official") if fmt in ("xlsx", "xls") else variant.style
                jobs.append((variant.report(), style, fmt))
                keys.append((name, fmt))
        for key, data in zip(keys, render_many(jobs)):
            _RENDERED[key] = data
    return _RENDERED

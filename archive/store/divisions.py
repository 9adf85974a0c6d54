"""Administrative divisions (行政区划) as the register holds them: one :class:`Division` per code and span.

Codes are 行政区划代码 written with 6 digits for provinces (``430000``), prefectures (``430500``)
and county-level units (``430529``), and 9 digits for towns (乡、镇、街道: ``430529101``, the
国家统计局 统计用区划代码 without its three trailing zeros).  A code can be used by several
divisions over time (a rename keeps the code, a retired code may come back), so the register
has one row per code and span: ``valid_from`` is the first year whose list (as of 31 December)
holds the division, ``valid_to`` the first year whose list no longer does (exclusive); either
is None when the sources do not say.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

LEVELS = ("province", "city", "county", "town")
LEVEL_LABELS = {"province": "省级", "city": "地级", "county": "县级", "town": "乡级"}
STATUSES = ("current", "retired", "changed")  # in use; code retired; name or area changed, code kept
STATUS_LABELS = {"current": "在用", "retired": "弃用", "changed": "变更"}


class RegionsError(ValueError):
    """A register source or a division code that cannot be used (bad input: one line, exit 2)."""


def province_of(code: str) -> str:
    """The 6-digit code of the province a code lies in (``430529101`` → ``430000``)."""
    return code[:2] + "0000"


def six_digits(code: str) -> str:
    """A 2-, 4- or 6-digit code written with 6 digits (``43`` → ``430000``, ``4305`` → ``430500``)."""
    return code.ljust(6, "0") if len(code) in (2, 4) else code


def normalise_code(text: str) -> str:
    """A code as the register writes it: 6 digits, or 9 for a town (a 12-digit NBS code loses its
    trailing ``000``); raises :class:`RegionsError` for anything else."""
    code = text.strip()
    if len(code) == 12 and code.isdigit() and code.endswith("000"):
        code = code[:9]
    if not (code.isdigit() and len(code) in (2, 4, 6, 9)):
        raise RegionsError(f"{text!r} is not a 行政区划代码 (6 digits, or 9 for a town)")
    return six_digits(code)


@dataclass
class Division:
    """One division over one span of years, with the source (and its version) it comes from."""

    code: str
    name: str
    level: str  # province | city | county | town
    parent_code: str | None
    source: str
    source_version: str
    kind: str | None = None  # 市辖区, 县, 县级市, 地级市, 自治州, 功能区, 街道, 镇, 乡 …
    status: str = "current"
    valid_from: int | None = None
    valid_to: int | None = None
    successors: list[str] = field(default_factory=list)  # codes that took the division over
    area_transfers: list[str] = field(default_factory=list)  # "code[YYYY]": part of the area went to code
    note: str | None = None  # what was inferred rather than read from a source

    def valid_in(self, year: int) -> bool:
        """Whether the division existed in ``year`` (unknown bounds do not exclude it)."""
        return (self.valid_from is None or self.valid_from <= year) and (self.valid_to is None or year < self.valid_to)

    def row(self) -> dict:
        """The ``regions`` table row."""
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "kind": self.kind,
            "parent_code": self.parent_code,
            "province_code": province_of(self.code),
            "status": self.status,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "successors": json.dumps(self.successors) if self.successors else None,
            "area_transfers": json.dumps(self.area_transfers, ensure_ascii=False) if self.area_transfers else None,
            "source": self.source,
            "source_version": self.source_version,
            "note": self.note,
        }

    @classmethod
    def from_row(cls, row) -> Division:
        """A division from a ``regions`` row (a mapping)."""
        return cls(
            code=row["code"],
            name=row["name"],
            level=row["level"],
            parent_code=row["parent_code"],
            source=row["source"],
            source_version=row["source_version"],
            kind=row["kind"],
            status=row["status"],
            valid_from=row["valid_from"],
            valid_to=row["valid_to"],
            successors=json.loads(row["successors"]) if row["successors"] else [],
            area_transfers=json.loads(row["area_transfers"]) if row["area_transfers"] else [],
            note=row["note"],
        )

    def validity(self) -> str:
        """The span as people write it: ``1983–2014``, ``1983–``, ``–2025``, or ``""``."""
        if self.valid_from is None and self.valid_to is None:
            return ""
        start = str(self.valid_from) if self.valid_from is not None else ""
        end = str(self.valid_to) if self.valid_to is not None else ""
        return f"{start}–{end}"

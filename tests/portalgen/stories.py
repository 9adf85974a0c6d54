"""The stories planted in the demo county's reports, and the ground truth the archive must tell.

The demo county's reports are random (:mod:`portalgen.sample`) but, once planted, consistent the
way a careful office's would be — except for the stories a journalist should find:

- every office's consecutive reports agree (R5–R7: :func:`portalgen.sample.continue_from`), and
  no office below a districted city (all of the county's) files 规章 (R8);
- the text of the county's 2019–2025 reports quotes its 本年新收 correctly (R9 holds);
- **R5**: the county's 2021 report carries 3 applications forward (结转下年度继续办理), its 2022
  report says 1 came over (上年结转);
- **R9**: a town's text says 全年共受理政府信息公开申请2件 while its table says 0;
- **R8**: another town filled in 规章 (制发 1 件, 现行有效 1 件);
- **copy**: a town's section 一、总体情况 is another town's of an earlier year, name and year changed.

:func:`plant_demo_stories` changes the samples before anything is rendered and returns the
:class:`Story` list; ``Site.stories`` keeps it (the demo's ground truth, with ``expected_reports``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from extract.schema import ACTIVE_SUBTABLES, APPLICANT_KEYS
from portalgen.sample import Number, SampleReport, continue_from, set_carried, set_value, value_of

RECEIVED_SAID = 2  # what the R9 town's text says it received (its table: 0)
CARRIED_FORWARD = 3  # the county's 2021 report: carried forward
CARRIED_OVER = 1  # the county's 2022 report: came over from 2021
REGULATIONS_FILED = 1  # the R8 town's 规章 制发 and 现行有效
COPIED_SECTION = "一、总体情况"


@dataclass(frozen=True)
class Story:
    """A planted story: ``rule`` (``R5``, ``R8``, ``R9`` or ``copy``) on the report ``doc_id``.

    Checks (R5, R8, R9): ``column`` is ``checks.column``, ``expected``/``actual`` the values the
    check stores; R5's ``other_doc_id`` is the previous year's report.  ``copy``: the section
    ``section`` of ``doc_id`` repeats the one of ``other_doc_id``."""

    rule: str
    doc_id: int
    other_doc_id: int | None = None
    column: str | None = None
    expected: Number | None = None
    actual: Number | None = None
    section: str | None = None
    note: str = ""


@dataclass
class DemoReport:
    """A report of the demo county as the stories see it."""

    doc_id: int
    carrier: str
    sample: SampleReport


def _no_regulations(report: SampleReport) -> None:
    """Below a districted city no office makes 规章: its row of table 二 is all zero."""
    for st in ACTIVE_SUBTABLES.get(report.template, ()):
        if any(row == "regulations" for row, _ in st.rows):
            for col, _ in st.columns:
                set_value(report, ("active_disclosure", "regulations", col), 0)


def _offices(reports: list[DemoReport]) -> dict[str, list[DemoReport]]:
    by_office: dict[str, list[DemoReport]] = defaultdict(list)
    for r in reports:
        by_office[r.sample.organ].append(r)
    for office in by_office.values():
        office.sort(key=lambda r: (r.sample.year, r.doc_id))
    return by_office


def _continuity(reports: list[DemoReport]) -> None:
    """Each office's report of year N continues its report of N−1 (one report per year only)."""
    for office in _offices(reports).values():
        years = defaultdict(list)
        for r in office:
            years[r.sample.year].append(r)
        for year in sorted(years):
            if len(years[year]) == 1 and len(years.get(year - 1, [])) == 1:
                continue_from(years[year - 1][0].sample, years[year][0].sample)


def _alone(report: DemoReport, reports: list[DemoReport]) -> bool:
    """No report of the same office in the year before or after (nothing to keep consistent with)."""
    return not any(
        o is not report and o.sample.organ == report.sample.organ and abs(o.sample.year - report.sample.year) <= 1
        for o in reports
    )


def _pick(candidates: list[DemoReport], what: str) -> DemoReport:
    if not candidates:
        raise ValueError(f"the demo county has no report for the story {what}: its plan changed")
    return candidates[0]


def _say(report: SampleReport, heading: str, sentence: str) -> None:
    report.sections = [(h, t + sentence if h == heading else t) for h, t in report.sections]


def plant_demo_stories(reports: list[DemoReport]) -> list[Story]:
    """Make the demo county's reports consistent, plant the stories, return them (module docstring)."""
    modern = [r for r in reports if r.sample.template in ("2019", "2021")]
    for r in modern:
        _no_regulations(r.sample)
    _continuity(modern)
    stories: list[Story] = []
    used: set[int] = set()

    # R5: the county's 2021 report carries 3 forward, its 2022 report says 1 came over
    county = {r.sample.year: r for r in modern if r.sample.level == "county"}
    before, after = county[2021], county[2022]
    for col in APPLICANT_KEYS[:-1]:
        set_carried(before.sample, "carried_forward", col, CARRIED_FORWARD if col == "natural_person" else 0)
        set_carried(after.sample, "carried_over", col, CARRIED_OVER if col == "natural_person" else 0)
    for col in ("natural_person", "total"):
        stories.append(Story("R5", after.doc_id, before.doc_id, col, CARRIED_FORWARD, CARRIED_OVER,
                             note="上年结转 ≠ 上一年报告的结转下年度继续办理"))  # fmt: skip
    used |= {before.doc_id, after.doc_id}

    towns = sorted(
        (r for r in modern if r.sample.level == "town" and r.sample.template == "2021" and r.carrier == "html"),
        key=lambda r: (r.sample.year, r.doc_id),
    )
    # R9: a town that received nothing says it received 2
    town = _pick([r for r in towns if _alone(r, reports) and r.doc_id not in used], "R9")
    for key in [k for k in town.sample.cells if k[0] == "applications"]:
        set_value(town.sample, key, 0)
    sentence = f"全年共受理政府信息公开申请{RECEIVED_SAID}件，均已按时答复。"
    _say(town.sample, "一、总体情况", sentence)
    stories.append(Story("R9", town.doc_id, None, "received", 0, RECEIVED_SAID, note=sentence))
    used.add(town.doc_id)

    # R8: a town that filed 规章
    town = _pick([r for r in towns if _alone(r, reports) and r.doc_id not in used], "R8")
    for col in ("issued", "in_force"):
        set_value(town.sample, ("active_disclosure", "regulations", col), REGULATIONS_FILED)
        stories.append(Story("R8", town.doc_id, None, f"active_disclosure.regulations.{col}", None, REGULATIONS_FILED))
    used.add(town.doc_id)

    # copy: a later town's 一、总体情况 is an earlier town's, name and year changed
    source = _pick([r for r in towns if r.doc_id not in used], "copy (source)")
    target = _pick(
        [r for r in reversed(towns) if r.doc_id not in used and r.sample.organ != source.sample.organ
         and r.sample.year > source.sample.year],
        "copy (target)",
    )  # fmt: skip
    text = dict(source.sample.sections)[COPIED_SECTION]
    text = text.replace(f"{source.sample.year}年", f"{target.sample.year}年", 1)
    text = text.replace(source.sample.short_name, target.sample.short_name)
    target.sample.sections = [(h, text if h == COPIED_SECTION else t) for h, t in target.sample.sections]
    stories.append(Story("copy", target.doc_id, source.doc_id, section=COPIED_SECTION))

    # the county's own text quotes its 本年新收 correctly (R9 holds), after every value is final
    for _year, r in sorted(county.items()):
        received = value_of(r.sample, ("applications", "new_received", "total"))
        _say(r.sample, "一、总体情况", f"全年共收到政府信息公开申请{received}件。")
    return stories

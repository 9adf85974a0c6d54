"""Hypothesis strategies for sample reports and markup styles."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hypothesis import strategies as st
from portalgen.render_html import STYLE_CHOICES, MarkupStyle
from portalgen.sample import EXTRA_ROW_KINDS, LEGACY_TABLES, TITLE_FORMS, VALUE_STYLES, SampleReport, generate_report


@dataclass(frozen=True)
class ReportSpec:
    """Everything :func:`generate_report` needs; printed by hypothesis when a test fails."""

    seed: int
    template: str
    year: int | None
    values: str
    extras: tuple[str, ...]
    legacy: str = "short"
    title_form: str = "plain"

    def build(self) -> SampleReport:
        return generate_report(
            random.Random(self.seed),
            self.template,
            year=self.year,
            style=self.values,
            extras=self.extras,
            legacy=self.legacy,
            title_form=self.title_form,
        )


def value_styles(exclude: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """One value style or a combination (``blank_zeros+units``), without those in ``exclude``."""
    names = [v for v in VALUE_STYLES[1:] if v not in exclude]
    return st.sets(st.sampled_from(names), max_size=3).map(lambda s: "+".join(sorted(s)) or "plain")


def report_specs(
    templates: tuple[str, ...] = ("2019", "2021"),
    exclude_values: tuple[str, ...] = (),
    exclude_titles: tuple[str, ...] = (),
    exclude_pre2019_values: tuple[str, ...] = (),
) -> st.SearchStrategy[ReportSpec]:
    """Reports on ``templates`` (2019 tables sometimes in a 2021+ report, 2021 tables in a 2020
    report); value styles and title forms minus those excluded (``exclude_pre2019_values`` only
    for pre-2019 reports)."""

    @st.composite
    def build(draw: st.DrawFn) -> ReportSpec:
        template = draw(st.sampled_from(templates))
        year = None
        if template == "2019" and draw(st.booleans()):
            year = draw(st.integers(2021, 2024))  # a 2021+ report still on the 2019 tables
        elif template == "2021" and draw(st.integers(0, 4)) == 0:
            year = 2020  # a 2020 report already on the 2021 tables
        extras: tuple[str, ...] = ()
        if template in ("2019", "2021"):
            extras = tuple(draw(st.lists(st.sampled_from(sorted(EXTRA_ROW_KINDS)), unique=True, max_size=2)))
        legacy = draw(st.sampled_from(sorted(LEGACY_TABLES))) if template == "pre2019" else "short"
        title_form = draw(st.sampled_from([f for f in TITLE_FORMS if f not in exclude_titles]))
        values = draw(value_styles(exclude_values + (exclude_pre2019_values if template == "pre2019" else ())))
        return ReportSpec(draw(st.integers(0, 2**32 - 1)), template, year, values, extras, legacy, title_form)

    return build()


def markup_styles(exclude: dict[str, tuple] | None = None, **fixed: object) -> st.SearchStrategy[MarkupStyle]:
    """Any combination of switches (shrinks towards the plain default of each).

    ``fixed`` pins switches to one value; ``exclude`` leaves values out of the draw.
    """
    exclude = exclude or {}
    kwargs: dict[str, st.SearchStrategy] = {}
    for name, choices in STYLE_CHOICES.items():
        allowed = tuple(c for c in choices if c not in exclude.get(name, ()))
        kwargs[name] = st.just(fixed[name]) if name in fixed else st.sampled_from(allowed)
    kwargs["seed"] = st.integers(0, 2**31 - 1)
    return st.builds(MarkupStyle, **kwargs)

"""Trend chart: applications received and refused per year, as a self-contained SVG.

Rendered on the server (no JavaScript, no CDN): grouped bars per year with axis, grid lines,
value labels, a legend and ``<title>`` tooltips.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

COLORS = ("#2f6db5", "#d9534f", "#5cb85c", "#f0ad4e")


@dataclass
class Series:
    """One bar series: a name and a value per year (None = no data)."""

    name: str
    values: dict[int, float | None]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def trend_svg(
    years: list[int],
    series: list[Series],
    title: str,
    width: int = 760,
    height: int = 340,
    unit: str = "",
    css_class: str = "nianbao-chart",
) -> str:
    """An SVG bar chart of ``series`` over ``years`` (text escaped; safe to inline); ``unit`` is
    printed after the axis ticks and value labels (``%`` for rates)."""
    left, right, top, bottom = 56, 16, 40, 46
    plot_w = width - left - right
    plot_h = height - top - bottom
    peak = max([v for s in series for v in s.values.values() if v is not None] or [0])
    ymax = _nice_max(float(peak))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-label="{escape(title)}">',
        f'<text x="{left}" y="22" class="chart-title" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    ticks = 5
    for i in range(ticks + 1):
        tick = ymax * i / ticks
        y = top + plot_h - plot_h * i / ticks
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd" stroke-width="1"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{_fmt(tick)}{unit}</text>')
    out.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#555"/>')
    out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#555"/>')
    if not years:
        out.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" font-size="14" text-anchor="middle">没有数据 (no data)</text>'
        )
    group_w = plot_w / max(len(years), 1)
    bar_w = max(min(group_w * 0.8 / max(len(series), 1), 36), 2)
    for gi, year in enumerate(years):
        gx = left + gi * group_w + (group_w - bar_w * len(series)) / 2
        for si, s in enumerate(series):
            value = s.values.get(year)
            x = gx + si * bar_w
            h = 0 if value is None else plot_h * float(value) / ymax
            y = top + plot_h - h
            color = COLORS[si % len(COLORS)]
            tip = f"{year}年 {s.name}：{_fmt(value)}{unit if value is not None else ''}"
            out.append(
                f'<rect class="bar" data-year="{year}" data-series="{escape(s.name)}" data-value="{_fmt(value)}" '
                f'x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{color}">'
                f"<title>{escape(tip)}</title></rect>"
            )
            if value is not None and len(years) <= 16:
                out.append(
                    f'<text x="{x + (bar_w - 1) / 2:.1f}" y="{y - 3:.1f}" font-size="10" text-anchor="middle">{_fmt(value)}{unit}</text>'
                )
        out.append(
            f'<text x="{left + gi * group_w + group_w / 2:.1f}" y="{top + plot_h + 16}" font-size="12" '
            f'text-anchor="middle">{year}</text>'
        )
    lx = left
    for si, s in enumerate(series):
        ly = height - 12
        out.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{COLORS[si % len(COLORS)]}"/>')
        out.append(f'<text x="{lx + 16}" y="{ly}" font-size="12">{escape(s.name)}</text>')
        lx += 16 + 14 * len(s.name) + 24
    out.append("</svg>")
    return "".join(out)

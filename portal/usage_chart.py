"""Monitoring > Usage's chart, drawn on the server as SVG (no script, no CDN, no inline
style: the template sets geometry as SVG attributes and colours by class, portal.css).

`chart(days)` turns the counters of `tokens.usage.usage_by_day` into bar geometry: for
each day a bar of machines registered beside a bar of failed token uses, on one scale.
"""

import datetime
import math
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from django.utils.translation import get_language

from tokens.usage import UsageOfDay

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 28, 12, 28
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class ChartDay:
    day: object
    registrations: int
    failures: int
    registrations_bar: Bar
    failures_bar: Bar
    label_x: float
    label: str  # the day under the axis (in the page's language), every 7th day, else ""
    day_label: str  # the day and month, as `label` writes them ("7 déc.")
    weekday_label: str  # with the weekday, for the table ("lun. 7 déc.")


def _locale() -> Locale:
    try:
        return Locale.parse(get_language() or "en", sep="-")
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")


def day_labels(day: datetime.date) -> tuple[str, str]:
    """A day and month, without and with the weekday, as the page's language abbreviates
    them (CLDR through Babel: "Dec 7", "7 déc.", "7. Dez."; Django's own "M" title-cases a
    three-letter stem, "Déc", which no French reader writes)."""
    locale = _locale()
    return (
        format_skeleton("MMMd", day, locale=locale),
        format_skeleton("MMMEd", day, locale=locale),
    )


def nice_ceiling(value: int) -> int:
    """The scale's top: 1, 2 or 5 times a power of ten, at least `value` (and 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _bar(x: float, width: float, value: int, top: int) -> Bar:
    height = round(PLOT_H * value / top, 1)
    return Bar(x=round(x, 1), y=round(TOP + PLOT_H - height, 1), width=width, height=height)


def chart(days: list[UsageOfDay]) -> dict:
    top = nice_ceiling(max([d.registrations for d in days] + [d.failures for d in days] + [1]))
    slot = PLOT_W / max(len(days), 1)
    bar = round(slot * 0.38, 1)
    rows = []
    for n, d in enumerate(days):
        x = LEFT + n * slot + slot * 0.1
        short, long = day_labels(d.day)
        rows.append(
            ChartDay(
                day=d.day,
                registrations=d.registrations,
                failures=d.failures,
                registrations_bar=_bar(x, bar, d.registrations, top),
                failures_bar=_bar(x + bar + slot * 0.04, bar, d.failures, top),
                label_x=round(LEFT + (n + 0.5) * slot, 1),
                label=short if (len(days) - 1 - n) % 7 == 0 else "",
                day_label=short,
                weekday_label=long,
            )
        )
    ticks = [
        {"value": value, "y": round(TOP + PLOT_H - PLOT_H * value / top, 1)}
        for value in sorted({0, top // 2, top})
    ]
    return {
        "days": rows,
        "ticks": ticks,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "axis_y": TOP + PLOT_H,
        "label_y": TOP + PLOT_H + 18,
        "tick_x": LEFT - 6,
        "total_registrations": sum(d.registrations for d in days),
        "total_failures": sum(d.failures for d in days),
    }

"""Relative times are rounded as people read them; the exact time names its time zone."""

import datetime

import pytest
from django.utils import timezone

from portal.relative_time import exact, relative

MINUTE, HOUR, DAY = 60, 3600, 86400


@pytest.mark.parametrize(
    "seconds,text",
    [
        (0, "just now"),
        (29, "just now"),
        (-29, "just now"),
        (30, "in 1 minute"),
        (-45, "1 minute ago"),
        (89, "in 1 minute"),
        (90, "in 2 minutes"),
        (59 * MINUTE + 29, "in 59 minutes"),
        # Rounding up to the next unit switches to that unit.
        (59 * MINUTE + 30, "in 1 hour"),
        (HOUR - 1, "in 1 hour"),
        (HOUR, "in 1 hour"),
        (HOUR + 29 * MINUTE, "in 1 hour"),
        (HOUR + 30 * MINUTE, "in 2 hours"),
        (23 * HOUR + 29 * MINUTE, "in 23 hours"),
        (23 * HOUR + 30 * MINUTE, "in 1 day"),
        (DAY - 1, "in 1 day"),
        # A fresh 3-day token, a second or a few minutes after it was made.
        (3 * DAY - 1, "in 3 days"),
        (3 * DAY - 5 * MINUTE, "in 3 days"),
        (3 * DAY, "in 3 days"),
        (2 * DAY + 12 * HOUR, "in 3 days"),
        (2 * DAY + 11 * HOUR, "in 2 days"),
        (7 * DAY - 1, "in 7 days"),
        (29 * DAY, "in 29 days"),
        (29 * DAY + 12 * HOUR, "in 1 month"),
        (30 * DAY - 1, "in 1 month"),
        (44 * DAY, "in 1 month"),
        (45 * DAY, "in 2 months"),
        (180 * DAY, "in 6 months"),
        (344 * DAY, "in 11 months"),
        (345 * DAY, "in 1 year"),
        (365 * DAY - 1, "in 1 year"),
        (730 * DAY, "in 2 years"),
        (-3 * DAY, "3 days ago"),
        (-3 * DAY + 1, "3 days ago"),
        (-HOUR, "1 hour ago"),
        (-2 * HOUR, "2 hours ago"),
        (-400 * DAY, "1 year ago"),
    ],
)
def test_relative_rounds_to_the_nearest_unit(seconds, text):
    assert relative(seconds) == text


@pytest.mark.parametrize("seconds", [40, 5 * HOUR, 3 * DAY - 1, 60 * DAY, 900 * DAY])
def test_past_and_future_read_the_same_amount(seconds):
    future = relative(seconds)
    assert future.startswith("in ")
    assert relative(-seconds) == f"{future[3:]} ago"


def test_singular_and_plural():
    assert relative(DAY) == "in 1 day" and relative(2 * DAY) == "in 2 days"
    assert relative(-MINUTE) == "1 minute ago" and relative(-2 * MINUTE) == "2 minutes ago"


def test_exact_names_the_time_zone():
    moment = datetime.datetime(2026, 12, 6, 12, 28, tzinfo=datetime.UTC)
    assert exact(moment).endswith(" UTC")
    with timezone.override("Europe/Berlin"):
        text = exact(moment)
    assert "1:28" in text and text.endswith("CET (UTC+01:00)")
    with timezone.override("America/New_York"):
        assert exact(moment).endswith("EST (UTC-05:00)")

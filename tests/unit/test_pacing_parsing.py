"""What the owner may type for quiet hours, an interval and a time zone, and how a window that
wraps midnight holds."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.forwarding.delivery.pacing import (
    Window,
    duration_label,
    minute_of_day,
    parse_interval,
    parse_timezone,
    parse_window,
)


@pytest.mark.parametrize(
    ("typed", "window"),
    [
        ("23:00-07:00", Window(1380, 420)),
        ("9:30–17:45", Window(570, 1065)),
        (" 22.30 — 6.05 ", Window(1350, 365)),
        ("00:00 to 08:00", Window(0, 480)),
        ("23h00-07h00", Window(1380, 420)),
    ],
)
def test_a_typed_window_is_read_in_its_usual_spellings(typed: str, window: Window) -> None:
    assert parse_window(typed) == window


@pytest.mark.parametrize("typed", ["", "23-7", "24:00-07:00", "23:60-07:00", "tonight", "7:00"])
def test_a_window_that_is_not_hh_mm_hh_mm_is_refused_with_an_example(typed: str) -> None:
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        parse_window(typed)


def test_an_empty_window_is_refused() -> None:
    with pytest.raises(ValueError, match="different times"):
        parse_window("07:00-07:00")


def test_a_window_over_midnight_holds_late_evening_and_early_morning() -> None:
    night = Window(23 * 60, 7 * 60)
    assert [m in night for m in (22 * 60 + 59, 23 * 60, 0, 3 * 60, 6 * 60 + 59, 7 * 60)] == [
        False,
        True,
        True,
        True,
        True,
        False,
    ]
    day = Window(9 * 60, 17 * 60)
    assert [m in day for m in (8 * 60 + 59, 9 * 60, 16 * 60 + 59, 17 * 60, 0)] == [
        False,
        True,
        True,
        False,
        False,
    ]
    assert str(night) == "23:00–07:00"


@pytest.mark.parametrize(
    ("typed", "seconds"),
    [("5", 300), ("90s", 90), ("90 sec", 90), ("2m", 120), ("15 min", 900), ("1h", 3600), ("0", 0)],
)
def test_an_interval_is_minutes_unless_a_unit_says_otherwise(typed: str, seconds: int) -> None:
    assert parse_interval(typed) == seconds


@pytest.mark.parametrize("typed", ["soon", "-5", "1.5", "25h", "5 days"])
def test_an_interval_that_is_not_understood_or_over_a_day_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_interval(typed)


def test_time_zones_are_iana_names_in_any_case() -> None:
    assert parse_timezone("Europe/Moscow") == "Europe/Moscow"
    assert parse_timezone(" america/new york ") == "America/New_York"
    assert parse_timezone("utc") == "UTC"
    for wrong in ("Moscow", "GMT+3", "Mars/Olympus", ""):
        with pytest.raises(ValueError, match="Europe/Moscow"):
            parse_timezone(wrong)


def test_the_minute_of_the_day_is_read_in_the_owners_time_zone() -> None:
    instant = datetime(2026, 7, 1, 12, 30, tzinfo=ZoneInfo("UTC")).timestamp()
    assert minute_of_day(instant, "UTC") == 12 * 60 + 30
    assert minute_of_day(instant, "Europe/Moscow") == 15 * 60 + 30
    assert minute_of_day(instant, "America/New_York") == 8 * 60 + 30  # summer time


def test_durations_read_as_the_screens_show_them() -> None:
    assert [duration_label(s) for s in (0, 90, 60, 300, 3600, 5400)] == [
        "none",
        "90 s",
        "1 min",
        "5 min",
        "1 h",
        "1 h 30 min",
    ]

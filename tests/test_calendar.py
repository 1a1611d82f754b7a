"""Date arithmetic: the examples of the legal notes (§5.3) and calendar laws as properties."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.calendar import (
    CalendarError,
    Duration,
    add_duration,
    add_months,
    age,
    days_between,
    end_of_month,
    french_public_holidays,
    is_working_day,
    months_between,
    next_working_day,
    subtract_duration,
)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2022, 1, 31), 1, date(2022, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2022, 11, 30), 3, date(2023, 2, 28)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2022, 12, 31), 2, date(2023, 2, 28)),
        (date(2022, 3, 15), 2, date(2022, 5, 15)),
        (date(2020, 1, 31), 2, date(2020, 3, 31)),
        (date(2022, 3, 31), -1, date(2022, 2, 28)),
    ],
)
def test_add_months_examples(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_add_months_is_always_from_the_original_date() -> None:
    # Iterating loses the 31st; counting from the anchor keeps it (legal notes R1).
    assert add_months(add_months(date(2020, 1, 31), 1), 1) == date(2020, 3, 29)
    assert add_months(date(2020, 1, 31), 2) == date(2020, 3, 31)


def test_weeks_and_days_do_not_count_the_first_day() -> None:
    assert add_duration(date(2022, 6, 1), Duration(days=14)) == date(2022, 6, 15)
    assert add_duration(date(2025, 1, 31), Duration(days=42)) == date(2025, 3, 14)


def test_months_then_days() -> None:
    assert add_duration(date(2020, 1, 1), Duration(months=35, days=30)) == date(2022, 12, 31)


def test_outside_the_calendar_is_a_calendar_error() -> None:
    with pytest.raises(CalendarError):
        add_months(date(9999, 12, 1), 1)
    with pytest.raises(CalendarError):
        add_duration(date(1, 1, 1), Duration(days=-1))


def test_months_between_and_age() -> None:
    assert months_between(date(2022, 1, 31), date(2022, 2, 28)) == 1
    assert months_between(date(2022, 1, 31), date(2022, 2, 27)) == 0
    assert months_between(date(2022, 3, 15), date(2022, 3, 14)) == 0  # not a full month back
    assert months_between(date(2022, 3, 15), date(2022, 2, 15)) == -1
    assert age(date(1996, 4, 1), date(2022, 3, 31)) == 25
    assert age(date(1996, 4, 1), date(2022, 4, 1)) == 26
    assert age(date(2000, 2, 29), date(2026, 2, 28)) == 26  # a leapling comes of age on 28 February
    assert days_between(date(2022, 1, 1), date(2022, 3, 1)) == 59
    assert end_of_month(date(2024, 2, 10)) == date(2024, 2, 29)


def test_french_working_days() -> None:
    assert next_working_day(date(2022, 5, 15)) == date(2022, 5, 16)  # a Sunday
    assert next_working_day(date(2022, 5, 16)) == date(2022, 5, 16)
    holidays_2024 = french_public_holidays(2024)
    for day in (date(2024, 4, 1), date(2024, 5, 9), date(2024, 5, 20), date(2024, 7, 14), date(2024, 12, 25)):
        assert day in holidays_2024
    assert len(holidays_2024) == 11
    assert not is_working_day(date(2024, 5, 1))
    assert next_working_day(date(2024, 12, 25)) == date(2024, 12, 26)


dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
months = st.integers(min_value=-1200, max_value=1200)


@given(dates, months)
def test_add_months_clamps_to_the_month_end(d: date, n: int) -> None:
    result = add_months(d, n)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    assert result.day == min(d.day, end_of_month(result).day)


@given(dates, st.integers(min_value=0, max_value=1200))
def test_adding_then_subtracting_months_never_lands_after_the_start(d: date, n: int) -> None:
    assert add_months(add_months(d, n), -n) <= d


@given(st.dates(), st.integers(min_value=-200_000, max_value=200_000))
def test_add_months_never_overflows_silently(d: date, n: int) -> None:
    try:
        result = add_months(d, n)
    except CalendarError:
        return
    assert date.min <= result <= date.max


@given(dates, st.integers(min_value=0, max_value=600))
def test_months_between_counts_full_months(d: date, n: int) -> None:
    assert months_between(d, add_months(d, n)) == n


@given(dates, dates)
def test_months_between_is_antisymmetric(a: date, b: date) -> None:
    assert months_between(a, b) == -months_between(b, a)


@given(dates, st.integers(min_value=0, max_value=400), st.integers(min_value=0, max_value=400))
def test_subtracting_a_duration_undoes_adding_it_for_days(d: date, m: int, days: int) -> None:
    duration = Duration(0, days)
    assert subtract_duration(add_duration(d, duration), duration) == d


@given(dates)
def test_next_working_day_is_a_working_day_within_a_week(d: date) -> None:
    result = next_working_day(d)
    assert is_working_day(result)
    assert 0 <= (result - d).days <= 5

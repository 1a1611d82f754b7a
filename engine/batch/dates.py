"""The calendar of `engine/calendar.py` as polars expressions, operation by operation.

Polars' own `offset_by("-1mo2d")` does not apply months and days in the engine's order (it
disagrees on about a third of dates), so months and days are applied one at a time here, exactly
as `calendar.add_duration` / `calendar.subtract_duration` do. Year checks (1 to 9999) are left to
the caller: polars dates run far past 9999 without complaint.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import polars as pl

from engine.calendar import french_public_holidays

# Public holidays are tabulated for these years; a working-day question outside them is answered
# by the scalar code instead (the caller flags those rows). For each day of the table: how many
# days to the next working day (0 on a working day), read with one gather.
HOLIDAY_YEARS = (1900, 2200)
_FIRST = date(HOLIDAY_YEARS[0], 1, 1)


def _offsets() -> pl.Series:
    """Days to the next working day, for each day of the table: weekends and the public holidays
    of engine/calendar.py, computed with polars (a loop over 110,000 days took 0.13 s)."""
    last = date(HOLIDAY_YEARS[1], 12, 31)
    holidays = sorted(d for y in range(HOLIDAY_YEARS[0], HOLIDAY_YEARS[1] + 2) for d in french_public_holidays(y))
    days = pl.date_range(_FIRST, last + timedelta(days=10), "1d", eager=True).alias("day")
    working = (days.dt.weekday() < 6) & ~days.is_in(pl.Series(holidays, dtype=pl.Date).implode())
    index = pl.int_range(0, days.len(), eager=True)
    following = pl.select(pl.when(working).then(index).otherwise(None).fill_null(strategy="backward")).to_series()
    return (following - index).head((last - _FIRST).days + 1).cast(pl.Int64).alias("offsets")


_TABLE: list[pl.Series] = []


def _to_next_working_day(d: pl.Expr) -> pl.Expr:
    if not _TABLE:  # built on first use (about 0.1 s)
        _TABLE.append(_offsets())
    table = _TABLE[0]
    index = (d - literal_date(_FIRST)).dt.total_days().clip(0, table.len() - 1)
    return pl.lit(table).gather(index)


def _int(e: pl.Expr) -> pl.Expr:
    return e.cast(pl.Int64)


Bind = Callable[[pl.Expr], pl.Expr]  # makes an expression read several times a column of its own


def _same(e: pl.Expr) -> pl.Expr:
    return e


# Month tables, indexed by year * 12 + month - 1 for years 0 to 10000: the month's first day (days
# since 1970-01-01) and its length. A month index outside them is clipped to year 0 or 10000, which
# the caller's calendar check (years 1 to 9999) flags: the scalar code then says what went wrong.
_YEARS = (0, 10000)
_MONTHS = (_YEARS[1] - _YEARS[0] + 1) * 12


def _month_tables() -> tuple[pl.Series, pl.Series]:
    """First day (days since 1970-01-01, H. Hinnant's days_from_civil) and length of every month of
    the table, proleptic Gregorian, computed with polars (Python's dates stop at year 1)."""
    index = pl.int_range(0, _MONTHS + 1, eager=True)
    year, month = index // 12 + _YEARS[0], index % 12 + 1
    y = year - (month <= 2).cast(pl.Int64)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5
    first = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    lengths = first.diff().shift(-1).head(_MONTHS)
    return first.head(_MONTHS).cast(pl.Int32).alias("first"), lengths.cast(pl.Int32).alias("length")


_MONTH_TABLES: list[tuple[pl.Series, pl.Series]] = []


def _tables() -> tuple[pl.Series, pl.Series]:
    if not _MONTH_TABLES:  # built on first use (a few ms)
        _MONTH_TABLES.append(_month_tables())
    return _MONTH_TABLES[0]


def _month_index(d: pl.Expr) -> pl.Expr:
    return d.dt.year().cast(pl.Int64) * 12 + d.dt.month().cast(pl.Int64) - 1 - _YEARS[0] * 12


def _month_length(index: pl.Expr) -> pl.Expr:
    return pl.lit(_tables()[1]).gather(index.clip(0, _MONTHS - 1))


def days_in_month(d: pl.Expr) -> pl.Expr:
    """Length of `d`'s month (28 to 31)."""
    return _month_length(_month_index(d))


def add_months(d: pl.Expr, n: pl.Expr | int, bind: Bind = _same) -> pl.Expr:
    """Same day n months later, or that month's last day (calendar.add_months)."""
    if isinstance(n, int):  # a constant: polars' own month offset clamps to the month's end the same way
        return d.dt.offset_by(f"{n}mo") if n else d
    d = bind(d)
    index = bind((_month_index(d) + n).clip(0, _MONTHS - 1))
    first, length = (pl.lit(t).gather(index) for t in _tables())
    return (first + pl.min_horizontal(d.dt.day().cast(pl.Int32), length) - 1).cast(pl.Date)


# Day offsets are clipped so that the result stays a date polars can hold: far outside years 1 to
# 9999 either way, flagged by the caller's calendar check.
_DAY_RANGE = (-1_000_000, 3_000_000)


def add_days(d: pl.Expr, n: pl.Expr | int) -> pl.Expr:
    if isinstance(n, int):
        return d + timedelta(days=n) if n else d
    return (d.cast(pl.Int32) + n.clip(*_DAY_RANGE).cast(pl.Int32)).cast(pl.Date)


def add_duration(d: pl.Expr, months: pl.Expr | int, days: pl.Expr | int, bind: Bind = _same) -> pl.Expr:
    """Months first, then days (CPC art. 641 al. 3)."""
    return add_days(add_months(d, months, bind), days)


def subtract_duration(d: pl.Expr, months: pl.Expr | int, days: pl.Expr | int, bind: Bind = _same) -> pl.Expr:
    """Days first, then months: the inverse order of `add_duration`."""
    return add_months(add_days(d, -days), -months, bind)


def days_between(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (b.cast(pl.Int32) - a.cast(pl.Int32)).cast(pl.Int64)


def months_between(start: pl.Expr, end: pl.Expr, bind: Bind = _same) -> pl.Expr:
    """Full months from start to end, negative when end is before start (calendar.months_between).

    From low to high: the difference of their month indexes, less one when high's day comes before
    low's and high is not its month's last day (a day low's day was clamped to)."""
    start, end = bind(start), bind(end)
    index_s, index_e = bind(_month_index(start)), bind(_month_index(end))
    day_s, day_e = bind(start.dt.day().cast(pl.Int64)), bind(end.dt.day().cast(pl.Int64))

    def full(low_i: pl.Expr, low_d: pl.Expr, high_i: pl.Expr, high_d: pl.Expr) -> pl.Expr:
        short = (high_d < low_d) & (high_d < _month_length(high_i))
        return high_i - low_i - short.cast(pl.Int64)

    forward = full(index_s, day_s, index_e, day_e)
    backward = full(index_e, day_e, index_s, day_s)
    return pl.when(end < start).then(-backward).otherwise(forward)


def age(birth: pl.Expr, on: pl.Expr, bind: Bind = _same) -> pl.Expr:
    return months_between(birth, on, bind) // 12  # floor division, as Python's


def end_of_month(d: pl.Expr) -> pl.Expr:
    return d.dt.month_end()


def is_working_day(d: pl.Expr) -> pl.Expr:
    return _to_next_working_day(d) == 0


def next_working_day(d: pl.Expr) -> pl.Expr:
    """`d` itself when it is a working day, else the first one after it (calendar.next_working_day)."""
    return add_days(d, _to_next_working_day(d))


def outside_calendar(d: pl.Expr) -> pl.Expr:
    """True where a date falls before year 1 or after 9999 (the scalar code raises there)."""
    return ((d < _FIRST_DAY) | (d > _LAST_DAY)).fill_null(False)  # compares the days, no year extracted


def outside_holiday_table(d: pl.Expr) -> pl.Expr:
    first, last = literal_date(date(HOLIDAY_YEARS[0], 1, 1)), literal_date(date(HOLIDAY_YEARS[1] - 1, 12, 31))
    return ((d < first) | (d > last)).fill_null(False)


def literal_date(day: date) -> pl.Expr:
    return pl.lit(day, dtype=pl.Date)


_FIRST_DAY, _LAST_DAY = literal_date(date.min), literal_date(date.max)

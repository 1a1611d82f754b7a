"""The calendar of `engine/calendar.py` as polars expressions, operation by operation.

Polars' own `offset_by("-1mo2d")` does not apply months and days in the engine's order (it
disagrees on about a third of dates), so months and days are applied one at a time here, exactly
as `calendar.add_duration` / `calendar.subtract_duration` do. Year checks (1 to 9999) are left to
the caller: polars dates run far past 9999 without complaint.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from engine.calendar import is_working_day as _scalar_working_day

# Public holidays are tabulated for these years; a working-day question outside them is answered
# by the scalar code instead (the caller flags those rows). For each day of the table: how many
# days to the next working day (0 on a working day), read with one gather.
HOLIDAY_YEARS = (1900, 2200)
_FIRST = date(HOLIDAY_YEARS[0], 1, 1)


def _offsets() -> list[int]:
    last = date(HOLIDAY_YEARS[1], 12, 31)
    days = (last - _FIRST).days + 1
    working = [_scalar_working_day(_FIRST + timedelta(days=i)) for i in range(days + 10)]
    out = [0] * days
    following = 0
    for i in range(days + 9, -1, -1):
        following = 0 if working[i] else following + 1
        if i < days:
            out[i] = following
    return out


_TABLE: list[pl.Series] = []


def _to_next_working_day(d: pl.Expr) -> pl.Expr:
    if not _TABLE:  # built on first use (about 0.1 s)
        _TABLE.append(pl.Series("offsets", _offsets(), dtype=pl.Int64))
    table = _TABLE[0]
    index = (d - literal_date(_FIRST)).dt.total_days().clip(0, table.len() - 1)
    return pl.lit(table).gather(index)


def _int(e: pl.Expr) -> pl.Expr:
    return e.cast(pl.Int64)


def _leap(year: pl.Expr) -> pl.Expr:
    return (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))


def days_in_month(year: pl.Expr, month: pl.Expr) -> pl.Expr:
    thirty = month.is_in([4, 6, 9, 11])
    return pl.when(month == 2).then(28 + _leap(year).cast(pl.Int64)).when(thirty).then(30).otherwise(31)


def _from_civil(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    """Days since 1970-01-01 of a proleptic Gregorian date, in integer arithmetic only (H. Hinnant's
    days_from_civil): much faster than building dates with pl.date, and exact for any year."""
    y = year - (month <= 2).cast(pl.Int64)
    era = y // 400
    yoe = y - era * 400
    mp = (month + 9) % 12  # March = 0
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return (era * 146097 + doe - 719468).cast(pl.Int32).cast(pl.Date)


def add_months(d: pl.Expr, n: pl.Expr | int) -> pl.Expr:
    """Same day n months later, or that month's last day (calendar.add_months)."""
    if isinstance(n, int):  # a constant: polars' own month offset clamps to the month's end the same way
        return d.dt.offset_by(f"{n}mo") if n else d
    index = _int(d.dt.year()) * 12 + _int(d.dt.month()) - 1 + n
    year = index // 12
    month = index % 12 + 1
    return _from_civil(year, month, pl.min_horizontal(_int(d.dt.day()), days_in_month(year, month)))


def add_days(d: pl.Expr, n: pl.Expr | int) -> pl.Expr:
    if isinstance(n, int):
        return d + timedelta(days=n) if n else d
    return d + pl.duration(days=n)


def add_duration(d: pl.Expr, months: pl.Expr | int, days: pl.Expr | int) -> pl.Expr:
    """Months first, then days (CPC art. 641 al. 3)."""
    return add_days(add_months(d, months), days)


def subtract_duration(d: pl.Expr, months: pl.Expr | int, days: pl.Expr | int) -> pl.Expr:
    """Days first, then months: the inverse order of `add_duration`."""
    return add_months(add_days(d, -days), -months)


def days_between(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (b - a).dt.total_days().cast(pl.Int64)


def months_between(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Full months from start to end, negative when end is before start (calendar.months_between).

    From low to high: the difference of their months, less one when high's day comes before
    low's, unless high is the last day of a shorter month that low's day was clamped to."""
    backwards = end < start
    low, high = pl.min_horizontal(start, end), pl.max_horizontal(start, end)
    low_day, high_day = _int(low.dt.day()), _int(high.dt.day())
    high_year, high_month = _int(high.dt.year()), _int(high.dt.month())
    months = (high_year - _int(low.dt.year())) * 12 + high_month - _int(low.dt.month())
    clamped = pl.min_horizontal(low_day, days_in_month(high_year, high_month))
    short = (high_day < low_day) & ((high_day < 28) | (clamped > high_day))
    forward = months - short.cast(pl.Int64)
    return pl.when(backwards).then(-forward).otherwise(forward)


def age(birth: pl.Expr, on: pl.Expr) -> pl.Expr:
    return months_between(birth, on) // 12  # floor division, as Python's


def end_of_month(d: pl.Expr) -> pl.Expr:
    return d.dt.month_end()


def is_working_day(d: pl.Expr) -> pl.Expr:
    return _to_next_working_day(d) == 0


def next_working_day(d: pl.Expr) -> pl.Expr:
    """`d` itself when it is a working day, else the first one after it (calendar.next_working_day)."""
    return add_days(d, _to_next_working_day(d))


def outside_calendar(d: pl.Expr) -> pl.Expr:
    """True where a date falls before year 1 or after 9999 (the scalar code raises there)."""
    year = d.dt.year()
    return ((year < 1) | (year > 9999)).fill_null(False)


def outside_holiday_table(d: pl.Expr) -> pl.Expr:
    year = d.dt.year()
    return ((year < HOLIDAY_YEARS[0]) | (year > HOLIDAY_YEARS[1] - 1)).fill_null(False)


def literal_date(day: date) -> pl.Expr:
    return pl.lit(day, dtype=pl.Date)

"""Date arithmetic as the legal notes define it (CPC art. 640-642, docs/vocabulary.md)."""

from __future__ import annotations

import calendar as _calendar
import functools
from dataclasses import dataclass
from datetime import date, timedelta

from engine.i18n import _


@dataclass(frozen=True, slots=True)
class Duration:
    """A legal duration: months (years are 12 months) and days (weeks are 7 days)."""

    months: int = 0
    days: int = 0

    def __add__(self, other: Duration) -> Duration:
        return Duration(self.months + other.months, self.days + other.days)

    def __sub__(self, other: Duration) -> Duration:
        return Duration(self.months - other.months, self.days - other.days)

    def __neg__(self) -> Duration:
        return Duration(-self.months, -self.days)

    def __str__(self) -> str:
        parts = []
        if self.months:
            parts.append(_plural(self.months, "month"))
        if self.days or not parts:
            parts.append(_plural(self.days, "day"))
        return " ".join(parts)

    def french(self) -> str:
        parts = []
        if self.months:
            if self.months % 12 == 0:
                years = self.months // 12
                parts.append(f"{years} an" + ("s" if abs(years) > 1 else ""))
            else:
                parts.append(f"{self.months} mois")
        if self.days or not parts:
            if self.days % 7 == 0 and self.days:
                weeks = self.days // 7
                parts.append(f"{weeks} semaine" + ("s" if abs(weeks) > 1 else ""))
            else:
                parts.append(f"{self.days} jour" + ("s" if abs(self.days) > 1 else ""))
        return " et ".join(parts)


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" + ("s" if abs(n) != 1 else "")


class CalendarError(ArithmeticError):
    """A date fell outside the calendar (before year 1 or after 9999)."""


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(d: date, n: int) -> date:
    """Same day of the month n months later, or that month's last day; always from `d`."""
    month0 = d.month - 1 + n  # (floor division and modulo, as divmod, without its call)
    year = d.year + month0 // 12
    month0 %= 12
    if not 1 <= year <= 9999:
        raise CalendarError(_("{date} + {n} months is outside the calendar").format(date=d.isoformat(), n=n))
    day = d.day
    if day > 28:  # only the end of a month can need clamping
        last = _DAYS_IN_MONTH[month0]
        if month0 == 1 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
            last = 29
        day = min(day, last)
    return date(year, month0 + 1, day)


def add_days(d: date, n: int) -> date:
    try:
        return d + timedelta(days=n)
    except OverflowError:
        raise CalendarError(_("{date} + {n} days is outside the calendar").format(date=d.isoformat(), n=n)) from None


def add_duration(d: date, duration: Duration) -> date:
    """Months first, then days (CPC art. 641 al. 3)."""
    if duration.months:
        d = add_months(d, duration.months)
    return add_days(d, duration.days) if duration.days else d


def subtract_duration(d: date, duration: Duration) -> date:
    """The inverse order of `add_duration`: days first, then months."""
    if duration.days:
        d = add_days(d, -duration.days)
    return add_months(d, -duration.months) if duration.months else d


def days_between(start: date, end: date) -> int:
    return (end - start).days


def months_between(start: date, end: date) -> int:
    """Full months from `start` to `end` (negative when `end` is before `start`)."""
    if end < start:
        return -months_between(end, start)
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day and (end.day < 28 or add_months(start, months) > end):
        months -= 1
    return months


def age(birth: date, on: date) -> int:
    """Full years of age on `on`. Born on 29 February: a year older on 28 February."""
    return months_between(birth, on) // 12


def end_of_month(d: date) -> date:
    return date(d.year, d.month, _calendar.monthrange(d.year, d.month)[1])


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


@functools.cache
def french_public_holidays(year: int) -> frozenset[date]:
    """The eleven public holidays of metropolitan France (Code du travail L.3133-1)."""
    easter = _easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    moving = [easter + timedelta(days=1), easter + timedelta(days=39), easter + timedelta(days=50)]
    return frozenset([date(year, m, d) for m, d in fixed] + moving)


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in french_public_holidays(d.year)


def next_working_day(d: date) -> date:
    """`d` itself when it is a working day, else the first working day after it (CPC art. 642)."""
    while not is_working_day(d):
        d = add_days(d, 1)
    return d

"""The one definition of each type's valid values: the boundary where case data enters the engine.

Every path that brings a value in (case files, `Policy.evaluate` fast and slow paths, batch
frames, HTTP requests) goes through `check_value`, so they all accept and refuse the same values.
The limits are documented in docs/rule-format.md (« Limits »):

- whole numbers (`int`): |n| < 10^15;
- amounts (`money`, `decimal`): finite, |x| < 10^15, at most 12 digits after the decimal point
  (so sums of two amounts are exact in 28-digit decimal arithmetic);
- numbers written as text: ASCII digits only (`١٢٣` or `²` are not numbers), optional sign,
  point and exponent, at most 64 characters;
- dates: ISO `YYYY-MM-DD` with ASCII digits only (not `20230101`, not `2023-W01-1`);
- texts: at most 10,000 characters; lists: at most 10,000 items, each a valid item;
- durations: at most 10^6 months and 10^6 days either way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from engine.calendar import Duration
from engine.documents import EnumDecl
from engine.i18n import _
from engine.types import Kind, Type

MAX_INT = 10**15
MAX_AMOUNT = Decimal(10) ** 15  # exact amounts far beyond any budget; keeps arithmetic in range
MAX_FRACTION_DIGITS = 12
MAX_NUMBER_TEXT = 64
MAX_TEXT_LENGTH = 10_000
MAX_LIST_ITEMS = 10_000
MAX_DURATION_PART = 10**6

_SMALLEST = Decimal(1).scaleb(-MAX_FRACTION_DIGITS)
_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INT_TEXT = re.compile(r"[+-]?[0-9]+")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def check_value(value: object, ty: Type, enums: Mapping[str, EnumDecl] | object) -> tuple[object, str | None]:
    """Return (the value in its runtime form, None) or (None, what is wrong in plain words).

    `value` is a Python value (bool, int, Decimal, date, Duration, str, list…) or a text to
    read (`"12.50"`, `"2023-01-31"`). Floats are refused for amounts (not exact). The error
    text completes « fact `x` … », e.g. « must be a date written YYYY-MM-DD, not "20230101" ».
    """
    if value is None:
        return (
            (None, None) if ty.optional else (None, _("must be a {required}, not null").format(required=ty.required()))
        )
    kind = ty.kind
    if kind is Kind.BOOL:
        return (value, None) if isinstance(value, bool) else _wrong(value, _("true or false"))
    if kind is Kind.INT:
        return _int(value)
    if kind in (Kind.DECIMAL, Kind.MONEY):
        return _amount(value, kind)
    if kind is Kind.DATE:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value, None
        if isinstance(value, str):
            parsed = parse_date(value)
            if parsed is not None:
                return parsed, None
        return _wrong(value, _("a date written YYYY-MM-DD"))
    if kind is Kind.DURATION:
        if isinstance(value, Duration) and _bounded_duration(value):
            return value, None
        return _wrong(
            value,
            _("a duration of at most {limit} months and days").format(limit=f"{MAX_DURATION_PART:,}".replace(",", " ")),
        )
    if kind is Kind.TEXT:
        if isinstance(value, str):
            if len(value) > MAX_TEXT_LENGTH:
                return None, _("must be a text of at most {MAX_TEXT_LENGTH} characters, not {length}").format(
                    MAX_TEXT_LENGTH=MAX_TEXT_LENGTH, length=len(value)
                )
            return value, None
        return _wrong(value, "a text")
    if kind is Kind.ENUM:
        decl = enums.get(ty.enum or "") if isinstance(enums, Mapping) else None
        allowed = [v for v, _ in decl.values] if isinstance(decl, EnumDecl) else []
        if isinstance(value, str) and value in allowed:
            return value, None
        return None, _("must be one of {values}, not {value}").format(values=", ".join(allowed), value=_show(value))
    if kind is Kind.LIST:
        return _list(value, ty, enums)
    return _wrong(value, str(ty))


def parse_date(text: str) -> date | None:
    """An ISO `YYYY-MM-DD` date with ASCII digits (surrounding spaces allowed), else None."""
    text = text.strip()
    if not _DATE_TEXT.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_int(text: str) -> int | None:
    """A whole number written with ASCII digits (and `_` separators, as YAML allows), else None."""
    digits = text.strip().replace("_", "")
    if len(digits) > MAX_NUMBER_TEXT or not _INT_TEXT.fullmatch(digits):
        return None
    return int(digits)


def amount_in_range(value: Decimal) -> bool:
    """Finite, below 10^15 in size, at most 12 digits after the point (trailing zeros aside)."""
    if not value.is_finite() or not -MAX_AMOUNT < value < MAX_AMOUNT:
        return False
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return exponent >= -MAX_FRACTION_DIGITS or value == value.quantize(_SMALLEST)


def fast_check(kind: Kind) -> object | None:
    """For the evaluator's fast path: a predicate telling whether a value already of the exact
    runtime type of `kind` is also within its bounds (None when the type alone is enough)."""
    if kind is Kind.INT:
        return _int_in_range
    if kind in (Kind.MONEY, Kind.DECIMAL):
        return _exact_amount
    if kind is Kind.TEXT:
        return _text_in_range
    if kind is Kind.DURATION:
        return _bounded_duration
    return None


def _int_in_range(value: int) -> bool:
    return -MAX_INT < value < MAX_INT


def _exact_amount(value: Decimal) -> bool:
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -MAX_FRACTION_DIGITS and -MAX_AMOUNT < value < MAX_AMOUNT


def _text_in_range(value: str) -> bool:
    return len(value) <= MAX_TEXT_LENGTH


def _bounded_duration(value: Duration) -> bool:
    months, days = value.months, value.days
    return (
        type(months) is int
        and type(days) is int
        and abs(months) <= MAX_DURATION_PART
        and abs(days) <= MAX_DURATION_PART
    )


def _int(value: object) -> tuple[object, str | None]:
    if isinstance(value, str):
        parsed = parse_int(value)
        if parsed is None:
            return _wrong(value, _("a whole number written with digits 0-9"))
        value = parsed
    if isinstance(value, int) and not isinstance(value, bool):
        if _int_in_range(value):
            return value, None
        return None, _("must be a whole number below {limit} in size, not {value}").format(
            limit=_big(MAX_INT), value=_short(value)
        )
    return _wrong(value, _("a whole number"))


def _amount(value: object, kind: Kind) -> tuple[object, str | None]:
    want = _("an amount such as 12.50") if kind is Kind.MONEY else _("a number such as 0.5")
    if isinstance(value, bool):
        return _wrong(value, want)
    if isinstance(value, float):
        return None, _('must be exact: give a Decimal, an int or a string such as "12.50", not a float')
    if isinstance(value, int):
        if _int_in_range(value):
            return Decimal(value), None
        return None, _out_of_range(value)
    if isinstance(value, str):
        text = value.replace("€", "").strip().replace("_", "")
        if len(text) > MAX_NUMBER_TEXT or not _NUMBER_TEXT.fullmatch(text):
            return _wrong(value, _("{want}, written with digits 0-9").format(want=want))
        try:
            value = Decimal(text)
        except InvalidOperation:
            return _wrong(value, want)
    if not isinstance(value, Decimal):
        return _wrong(value, want)
    if not value.is_finite() or not -MAX_AMOUNT < value < MAX_AMOUNT:
        return None, _out_of_range(value)
    if not amount_in_range(value):
        return None, _("must have at most {MAX_FRACTION_DIGITS} digits after the decimal point, not {value}").format(
            MAX_FRACTION_DIGITS=MAX_FRACTION_DIGITS, value=_short(value)
        )
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -MAX_FRACTION_DIGITS:  # 1.000…0 with many zeros: the same amount, shorter
        value = value.quantize(_SMALLEST).normalize()
    if value.as_tuple().exponent > 0:  # type: ignore[operator]  # finite here; 1E+2 is written 100
        value = value.quantize(Decimal(1))
    return value, None


def _out_of_range(value: object) -> str:
    return _("must be a finite number below {limit} in size, not {value}").format(
        limit=_big(MAX_INT), value=_short(value)
    )


def _big(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _short(value: object) -> str:
    """A value shown in a message without ever printing a million digits."""
    if isinstance(value, Decimal) and value.is_finite():
        sign, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        if len(digits) + abs(exponent) > 40:
            mantissa = "".join(map(str, digits[:6]))
            return f"{'-' if sign else ''}{mantissa[0]}.{mantissa[1:]}…E{exponent + len(digits) - 1:+d}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**40:
        return _("a number of more than 40 digits")
    return _show(value)


def _list(value: object, ty: Type, enums: Mapping[str, EnumDecl] | object) -> tuple[object, str | None]:
    if not isinstance(value, list | tuple | set | frozenset):
        return _wrong(value, "a list")
    if len(value) > MAX_LIST_ITEMS:
        return None, _("must be a list of at most {MAX_LIST_ITEMS} items, not {length}").format(
            MAX_LIST_ITEMS=MAX_LIST_ITEMS, length=len(value)
        )
    if ty.item is None:
        return frozenset(value), None
    items = []
    for item in value:
        converted, error = check_value(item, ty.item, enums)
        if error:
            return None, _("has an item that {error}").format(error=error)
        items.append(converted)
    return frozenset(items), None


def _wrong(value: object, want: str) -> tuple[None, str]:
    return None, _("must be {want}, not {value}").format(want=want, value=_show(value))


def _show(value: object) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "…"
        return f'"{shown}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) >= 10**40:
        return _("a number of more than 40 digits")
    if isinstance(value, Decimal):
        _sign, digits, exponent = value.as_tuple()
        if isinstance(exponent, int) and len(digits) + abs(exponent) > 40:
            return _short(value)
        return str(value)
    if isinstance(value, int):
        return str(value)
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "…"

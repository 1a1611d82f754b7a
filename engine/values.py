"""Checking Python values against policy types: the boundary where case data enters the engine."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from engine.calendar import Duration
from engine.documents import EnumDecl
from engine.types import Kind, Type

MAX_AMOUNT = Decimal(10) ** 15  # exact amounts far beyond any budget; keeps arithmetic in range


def check_value(value: object, ty: Type, enums: dict[str, EnumDecl] | object) -> tuple[object, str | None]:
    """Return (the value in its runtime form, None) or (None, what is wrong in plain words)."""
    if value is None:
        return (None, None) if ty.optional else (None, f"must be a {ty.required()}, not null")
    kind = ty.kind
    if kind is Kind.BOOL:
        return (value, None) if isinstance(value, bool) else _wrong(value, "true or false")
    if kind is Kind.INT:
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        return _wrong(value, "a whole number")
    if kind in (Kind.DECIMAL, Kind.MONEY):
        if isinstance(value, Decimal):
            if not value.is_finite() or abs(value) >= MAX_AMOUNT:
                return None, f"must be a number below {MAX_AMOUNT:,}".replace(",", " ") + f" in size, not {value}"
            return value, None
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value), None
        if isinstance(value, float):
            return None, 'must be exact: give a Decimal, an int or a string such as "12.50", not a float'
        if isinstance(value, str):
            try:
                parsed = Decimal(value.replace("€", "").strip())
            except ArithmeticError:
                return _wrong(value, "an amount such as 12.50")
            if parsed.is_finite() and abs(parsed) < MAX_AMOUNT:
                return parsed, None
        return _wrong(value, "an amount such as 12.50" if kind is Kind.MONEY else "a number")
    if kind is Kind.DATE:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value, None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value), None
            except ValueError:
                pass
        return _wrong(value, "a date written YYYY-MM-DD")
    if kind is Kind.DURATION:
        return (value, None) if isinstance(value, Duration) else _wrong(value, "a duration")
    if kind is Kind.TEXT:
        return (value, None) if isinstance(value, str) else _wrong(value, "a text")
    if kind is Kind.ENUM:
        decl = enums.get(ty.enum or "") if isinstance(enums, dict) else None
        allowed = [v for v, _ in decl.values] if decl else []
        if isinstance(value, str) and value in allowed:
            return value, None
        return None, f"must be one of {', '.join(allowed)}, not {_show(value)}"
    if kind is Kind.LIST:
        return (
            (frozenset(value), None) if isinstance(value, list | tuple | set | frozenset) else _wrong(value, "a list")
        )
    return _wrong(value, str(ty))


def _wrong(value: object, want: str) -> tuple[None, str]:
    return None, f"must be {want}, not {_show(value)}"


def _show(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value!r}" if not isinstance(value, int | Decimal) else str(value)


def canonical_value(value: object) -> object:
    """A fact or decision value as receipt JSON: ISO dates, amounts as normalised strings, no floats."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return _decimal_text(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Duration):
        return str(value)
    if isinstance(value, frozenset | set | list | tuple):
        items = [canonical_value(v) for v in value]
        return (
            sorted(items, key=lambda v: json.dumps(v, sort_keys=True)) if isinstance(value, frozenset | set) else items
        )
    if isinstance(value, Mapping):
        return {str(k): canonical_value(v) for k, v in value.items()}
    return str(value)


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        return str(value)
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text

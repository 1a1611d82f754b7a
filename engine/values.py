"""Checking Python values against policy types: the boundary where case data enters the engine."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from engine.calendar import Duration
from engine.documents import EnumDecl
from engine.i18n import _
from engine.types import Kind, Type

MAX_AMOUNT = Decimal(10) ** 15  # exact amounts far beyond any budget; keeps arithmetic in range


def check_value(value: object, ty: Type, enums: dict[str, EnumDecl] | object) -> tuple[object, str | None]:
    """Return (the value in its runtime form, None) or (None, what is wrong in plain words)."""
    if value is None:
        return (
            (None, None) if ty.optional else (None, _("must be a {required}, not null").format(required=ty.required()))
        )
    kind = ty.kind
    if kind is Kind.BOOL:
        return (value, None) if isinstance(value, bool) else _wrong(value, _("true or false"))
    if kind is Kind.INT:
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        return _wrong(value, _("a whole number"))
    if kind in (Kind.DECIMAL, Kind.MONEY):
        if isinstance(value, Decimal):
            if not value.is_finite() or abs(value) >= MAX_AMOUNT:
                limit = f"{MAX_AMOUNT:,}".replace(",", " ")
                return None, _("must be a number below {limit} in size, not {value}").format(limit=limit, value=value)
            return value, None
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value), None
        if isinstance(value, float):
            return None, _('must be exact: give a Decimal, an int or a string such as "12.50", not a float')
        if isinstance(value, str):
            try:
                parsed = Decimal(value.replace("€", "").strip())
            except ArithmeticError:
                return _wrong(value, _("an amount such as 12.50"))
            if parsed.is_finite() and abs(parsed) < MAX_AMOUNT:
                return parsed, None
        return _wrong(value, _("an amount such as 12.50") if kind is Kind.MONEY else _("a number"))
    if kind is Kind.DATE:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value, None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value), None
            except ValueError:
                pass
        return _wrong(value, _("a date written YYYY-MM-DD"))
    if kind is Kind.DURATION:
        return (value, None) if isinstance(value, Duration) else _wrong(value, _("a duration"))
    if kind is Kind.TEXT:
        return (value, None) if isinstance(value, str) else _wrong(value, _("a text"))
    if kind is Kind.ENUM:
        decl = enums.get(ty.enum or "") if isinstance(enums, dict) else None
        allowed = [v for v, _ in decl.values] if decl else []
        if isinstance(value, str) and value in allowed:
            return value, None
        return None, _("must be one of {values}, not {value}").format(values=", ".join(allowed), value=_show(value))
    if kind is Kind.LIST:
        return (
            (frozenset(value), None)
            if isinstance(value, list | tuple | set | frozenset)
            else _wrong(value, _("a list"))
        )
    return _wrong(value, str(ty))


def _wrong(value: object, want: str) -> tuple[None, str]:
    return None, _("must be {want}, not {value}").format(want=want, value=_show(value))


def _show(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value!r}" if not isinstance(value, int | Decimal) else str(value)

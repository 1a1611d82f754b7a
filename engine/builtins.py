"""The builtin function table: a signature for the checker and an implementation for the backends.

Explicit table, no registration by side effect. Every function is total on valid inputs, or
raises `ArithmeticError`/`ValueError` that the backends turn into an evaluation error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal

from engine import calendar
from engine.i18n import _, ngettext
from engine.types import BOOL, DATE, INT, Kind, Type, unify

ROUNDING_MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
    "up": ROUND_UP,
    "floor": ROUND_FLOOR,
    "ceiling": ROUND_CEILING,
}

# A signature check takes the argument types and returns the result type, or a message.
Signature = Callable[[list[Type]], "Type | str"]


@dataclass(frozen=True, slots=True)
class Builtin:
    name: str
    usage: str
    description: str  # French, for explanations and docs
    signature: Signature
    impl: Callable[..., object]


def _fixed(params: list[Type], result: Type) -> Signature:
    def check(args: list[Type]) -> Type | str:
        if len(args) != len(params):
            return ngettext(
                "takes {count} argument, not {given}", "takes {count} arguments, not {given}", len(params)
            ).format(count=len(params), given=len(args))
        for i, (got, want) in enumerate(zip(args, params, strict=True), 1):
            if not got.is_error and (got.kind is not want.kind):
                return _("argument {i} must be {want}, not {got}").format(i=i, want=want.a, got=got.a)
        return result

    return check


def _extremum(args: list[Type]) -> Type | str:
    if len(args) < 2:
        return _("takes at least 2 arguments")
    result: Type | None = args[0]
    for arg in args[1:]:
        result = unify(result, arg) if result is not None else None
    if result is None or result.kind not in (Kind.INT, Kind.DECIMAL, Kind.MONEY, Kind.DATE, Kind.ERROR):
        return _("compares numbers, amounts or dates, all of the same kind")
    return result


def _abs(args: list[Type]) -> Type | str:
    if len(args) != 1:
        return "takes 1 argument"
    if args[0].kind not in (Kind.INT, Kind.DECIMAL, Kind.MONEY, Kind.ERROR):
        return _("takes a number or an amount, not a {type}").format(type=args[0])
    return args[0]


def _round(args: list[Type]) -> Type | str:
    if len(args) != 3:
        return 'takes 3 arguments: round(value, places, "half_up")'
    value, places, mode = args
    if value.kind not in (Kind.INT, Kind.DECIMAL, Kind.MONEY, Kind.ERROR):
        return _("rounds a number or an amount, not {a}").format(a=value.a)
    if places.kind not in (Kind.INT, Kind.ERROR):
        return _("the number of decimal places must be an int")
    if mode.kind not in (Kind.TEXT, Kind.ERROR):
        return _("the rounding mode must be one of {modes} in quotes").format(modes=", ".join(ROUNDING_MODES))
    return Type(Kind.DECIMAL) if value.kind is Kind.INT else value


def _round_impl(value: Decimal | int, places: int, mode: str) -> Decimal:
    if mode not in ROUNDING_MODES:
        raise ValueError(_("unknown rounding mode {mode!r}").format(mode=mode))
    if not -12 <= places <= 12:
        raise ValueError(_("cannot round to {places} decimal places (-12 to 12)").format(places=places))
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUNDING_MODES[mode])


def _minimum(*xs: object) -> object:
    return min(xs)  # type: ignore[type-var]


def _maximum(*xs: object) -> object:
    return max(xs)  # type: ignore[type-var]


TABLE: dict[str, Builtin] = {
    b.name: b
    for b in (
        Builtin("min", "min(a, b, …)", "le plus petit de", _extremum, _minimum),
        Builtin("max", "max(a, b, …)", "le plus grand de", _extremum, _maximum),
        Builtin("abs", "abs(x)", "valeur absolue", _abs, abs),
        Builtin("round", 'round(x, places, "half_up")', "arrondi", _round, _round_impl),
        Builtin(
            "add_months", "add_months(d, n)", "date augmentée de n mois", _fixed([DATE, INT], DATE), calendar.add_months
        ),
        Builtin(
            "add_days", "add_days(d, n)", "date augmentée de n jours", _fixed([DATE, INT], DATE), calendar.add_days
        ),
        Builtin(
            "days_between",
            "days_between(a, b)",
            "nombre de jours entre",
            _fixed([DATE, DATE], INT),
            calendar.days_between,
        ),
        Builtin(
            "months_between",
            "months_between(a, b)",
            "nombre de mois entiers entre",
            _fixed([DATE, DATE], INT),
            calendar.months_between,
        ),
        Builtin("age", "age(birth, on)", "âge en années révolues", _fixed([DATE, DATE], INT), calendar.age),
        Builtin("year", "year(d)", "année", _fixed([DATE], INT), lambda d: d.year),
        Builtin("month", "month(d)", "mois", _fixed([DATE], INT), lambda d: d.month),
        Builtin("day", "day(d)", "jour du mois", _fixed([DATE], INT), lambda d: d.day),
        Builtin("end_of_month", "end_of_month(d)", "dernier jour du mois", _fixed([DATE], DATE), calendar.end_of_month),
        Builtin(
            "next_working_day",
            "next_working_day(d)",
            "premier jour ouvrable à partir de",
            _fixed([DATE], DATE),
            calendar.next_working_day,
        ),
        Builtin("is_working_day", "is_working_day(d)", "jour ouvrable", _fixed([DATE], BOOL), calendar.is_working_day),
    )
}

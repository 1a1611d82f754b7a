"""The values the batch compiler works with, and the small pieces it builds them from.

A compiled value is a polars expression, a duration (`Dur`: months and days, each an expression or
a constant int), or a constant list (a tuple, from a list parameter). Here: their polars types,
literals, first-match choices (`choose`), the numeric promotion of ints beside decimals, and
`Unvectorisable`, raised where an expression has no exact polars form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from engine import ast
from engine.batch import dates
from engine.calendar import Duration
from engine.types import Kind, Type


class Unvectorisable(Exception):
    """This expression has no exact polars form: the decisions reading it go to the scalar code."""


@dataclass(frozen=True)
class Dur:
    """A duration value: months and days, each an Int64 expression or, when constant, an int (so
    that date arithmetic can use polars' native month offset)."""

    months: pl.Expr | int
    days: pl.Expr | int


def as_int(x: pl.Expr | int) -> pl.Expr:
    return pl.lit(x, dtype=pl.Int64) if isinstance(x, int) else x


Value = pl.Expr | Dur | tuple[object, ...]  # a tuple: a constant list (a list parameter)


def dtype_of(ty: Type) -> pl.DataType:
    kind = ty.kind
    if kind is Kind.BOOL:
        return pl.Boolean()
    if kind is Kind.INT:
        return pl.Int64()
    if kind in (Kind.MONEY, Kind.DECIMAL):
        return pl.Decimal(38, FACT_SCALE[kind])
    if kind is Kind.DATE:
        return pl.Date()
    return pl.String()


# Scale of amounts read from a caseload (a cell with more decimal places is refused, not rounded).
FACT_SCALE = {Kind.MONEY: 6, Kind.DECIMAL: 12}


def fact_column(name: str) -> str:
    return f"__f_{name}"


def duration_text(d: Dur) -> pl.Expr:
    """str(Duration): "2 months 3 days", "1 month", "0 days"."""

    def part(n: pl.Expr, unit: str) -> pl.Expr:
        return pl.format("{} " + unit, n) + pl.when(n.abs() == 1).then(pl.lit("")).otherwise(pl.lit("s"))

    m, d_ = as_int(d.months), as_int(d.days)
    months, days = part(m, "month"), part(d_, "day")
    text = pl.when(m == 0).then(days).when(d_ == 0).then(months).otherwise(pl.concat_str([months, days], separator=" "))
    return pl.when(m.is_null()).then(pl.lit(None, pl.String)).otherwise(text)


def text_of(v: Value) -> bytes:
    """A compiled value serialised (not printed: printing shortens long lists): equal bytes, equal columns."""
    if isinstance(v, Dur):
        return as_int(v.months).meta.serialize() + b"|" + as_int(v.days).meta.serialize()
    return as_expr(v).meta.serialize()


def kind_of(e: ast.Expr) -> Kind | None:
    return e.ty.kind if e.ty is not None else None


def as_expr(v: Value) -> pl.Expr:
    if isinstance(v, pl.Expr):
        return v
    raise Unvectorisable("a duration or list where a value was expected")


def as_dur(v: Value) -> Dur:
    if isinstance(v, Dur):
        return v
    if isinstance(v, pl.Expr):  # the literal null
        return Dur(v.cast(pl.Int64), v.cast(pl.Int64))
    raise Unvectorisable("a list where a duration was expected")


def numeric_pair(x: pl.Expr, y: pl.Expr, a: ast.Expr, b: ast.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Int beside a decimal or money value is cast to Decimal, as Python's Decimal arithmetic does."""
    decimals = (Kind.MONEY, Kind.DECIMAL)
    if kind_of(a) is Kind.INT and kind_of(b) in decimals:
        x = x.cast(pl.Decimal(38, 0))
    elif kind_of(b) is Kind.INT and kind_of(a) in decimals:
        y = y.cast(pl.Decimal(38, 0))
    return x, y


def is_in(value: pl.Expr, pool: list[object]) -> pl.Expr:
    if not pool:
        return pl.lit(False)
    return value.is_in(pool).fill_null(False)


def literal(v: object, ty: Type | None) -> Value:
    if v is None:
        return null_of(ty)
    if isinstance(v, bool):
        return pl.lit(v, dtype=pl.Boolean)
    if isinstance(v, Duration):
        return Dur(v.months, v.days)
    if isinstance(v, Decimal):
        exponent = v.as_tuple().exponent
        scale = max(0, -exponent) if isinstance(exponent, int) else 0
        return pl.lit(v, dtype=pl.Decimal(38, scale))
    if isinstance(v, int):
        if ty is not None and ty.kind in (Kind.MONEY, Kind.DECIMAL):
            return pl.lit(Decimal(v), dtype=pl.Decimal(38, 0))
        return pl.lit(v, dtype=pl.Int64)
    if isinstance(v, date):
        return dates.literal_date(v)
    if isinstance(v, str):
        return pl.lit(v, dtype=pl.String)
    if isinstance(v, frozenset | set | list | tuple):
        return tuple(sorted(v, key=str))
    raise Unvectorisable(f"a constant of type {type(v).__name__}")


def null_of(ty: Type | None) -> Value:
    if ty is not None and ty.kind is Kind.DURATION:
        return Dur(pl.lit(None, dtype=pl.Int64), pl.lit(None, dtype=pl.Int64))
    return pl.lit(None)


def choose(branches: list[tuple[pl.Expr, Value]], ty: Type | None, otherwise: Value | None = None) -> Value:
    """First-match: when/then in order, `otherwise` (or null) last; durations component by component."""
    values = [v for _, v in branches] + ([otherwise] if otherwise is not None else [])
    if any(isinstance(v, Dur) for v in values):
        durs = [as_dur(v) for v in values]
        months = first_match([c for c, _ in branches], [as_int(d.months) for d in durs], otherwise is not None)
        days = first_match([c for c, _ in branches], [as_int(d.days) for d in durs], otherwise is not None)
        return Dur(months, days)
    return first_match([c for c, _ in branches], [as_expr(v) for v in values], otherwise is not None)


def first_match(conditions: list[pl.Expr], values: list[pl.Expr], has_otherwise: bool) -> pl.Expr:
    chain: Any = pl.when(conditions[0]).then(values[0])
    for cond, value in zip(conditions[1:], values[1 : len(conditions)], strict=True):
        chain = chain.when(cond).then(value)
    result: pl.Expr = chain.otherwise(values[-1] if has_otherwise else None)
    return result

"""Caseload cells → typed fact columns, and one located error per bad cell.

A caseload's columns are fact names, plus `id` and `at`. Cells come as text (CSV) or typed
(Parquet, JSON Lines, a DataFrame). Each fact column becomes `__f_<fact>` in the fact's type, its
default filling empty cells; a cell that does not fit (wrong type, unknown enum value, bad date text,
a date past 9999) is null there and gives the row an error naming the column and the value.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from engine.batch.compiler import AT, FACT_SCALE, dtype_of, fact_column
from engine.diagnostics import CaseError, Code, Diagnostic, suggest
from engine.plan import FactPlan, Plan
from engine.source import UNKNOWN
from engine.types import Kind

ERROR = pl.Struct({"decision": pl.String, "code": pl.String, "column": pl.String, "message": pl.String})
ERRORS = pl.List(ERROR)
ROW, ID, FACT_ERRORS = "__row", "__id", "__fact_errors"
RESERVED = ("id", "at")

_TRUE, _FALSE = ["true", "1", "oui"], ["false", "0", "non"]
_ISO = r"^\d{4}-\d{2}-\d{2}$"
_MAX_DIGITS = 15  # amounts below 10**15, as engine.values.MAX_AMOUNT


def check_columns(plan: Plan, columns: list[str], source: str) -> None:
    """A column that is neither a fact, `id` nor `at` fails the whole run, located at the column."""
    problems = [
        Diagnostic(
            Code.UNKNOWN_FACT,
            f"unknown fact `{c}` (column {i} of {source}){suggest(c, list(plan.facts))}",
            UNKNOWN,
            help="a caseload's columns are fact names, `id` and `at`",
        )
        for i, c in enumerate(columns, 1)
        if c not in plan.facts and c not in RESERVED
    ]
    if problems:
        raise CaseError(problems)


def error(column: str, message: pl.Expr, code: str = Code.FACT_TYPE.value) -> pl.Expr:
    return pl.struct(
        pl.lit(None, pl.String).alias("decision"),
        pl.lit(code).alias("code"),
        pl.lit(column).alias("column"),
        message.alias("message"),
    )


def _text(raw: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Cell as stripped text, an empty cell as null."""
    s = raw if dtype == pl.String else raw.cast(pl.String)
    s = s.str.strip_chars()
    return pl.when(s == "").then(pl.lit(None, pl.String)).otherwise(s)


def _shown(raw: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    return raw.cast(pl.String) if dtype != pl.String else raw


def convert(fact: FactPlan, dtype: pl.DataType, plan: Plan) -> tuple[pl.Expr, pl.Expr]:
    """(typed value, error struct or null) for one fact column of input type `dtype`."""
    raw = pl.col(fact.name)
    kind = fact.type.kind
    text = _text(raw, dtype)
    want: str
    if dtype == pl.Null:
        typed: pl.Expr = pl.lit(None, dtype_of(fact.type))
        present = pl.lit(False)
    elif kind is Kind.BOOL:
        want = "true or false (also 1/0, oui/non)"
        source = raw if dtype == pl.Boolean else text.str.to_lowercase()
        typed = (
            raw
            if dtype == pl.Boolean
            else pl.when(source.is_in(_TRUE)).then(True).when(source.is_in(_FALSE)).then(False)
        )
    elif kind is Kind.INT:
        want = "a whole number"
        typed = raw.cast(pl.Int64) if dtype.is_integer() else text.cast(pl.Int64, strict=False)
    elif kind in (Kind.MONEY, Kind.DECIMAL):
        scale = FACT_SCALE[kind]
        want = f"an amount such as 12.50 (at most {scale} decimal places)"
        number = text.str.replace_all("[€\u00a0 ]", "").str.replace(",", ".")
        pattern = rf"^[+-]?\d{{1,{_MAX_DIGITS}}}(\.\d{{0,{scale}}})?$"
        typed = pl.when(number.str.contains(pattern)).then(number).cast(pl.Decimal(38, scale), strict=False)
        if dtype == pl.Boolean:
            typed = pl.lit(None, pl.Decimal(38, scale))
    elif kind is Kind.DATE:
        want = "a date written YYYY-MM-DD"
        if dtype == pl.Date:
            typed = pl.when(raw.dt.year().is_between(1, 9999)).then(raw)
            want = "a date between 0001-01-01 and 9999-12-31"
        elif dtype == pl.String:
            typed = pl.when(text.str.contains(_ISO)).then(text).str.to_date("%Y-%m-%d", strict=False)
        else:
            typed = pl.lit(None, pl.Date)
    elif kind is Kind.TEXT:
        want = "a text"
        typed = pl.when(raw != "").then(raw) if dtype == pl.String else pl.lit(None, pl.String)
    elif kind is Kind.ENUM:
        decl = plan.enums[fact.type.enum or ""]
        allowed = [v for v, _ in decl.values]
        want = "one of " + ", ".join(allowed)
        typed = pl.when(text.is_in(allowed)).then(text) if not dtype.is_numeric() else pl.lit(None, pl.String)
    else:
        want = "given case by case (durations and lists cannot be read from a caseload)"
        typed = pl.lit(None, dtype_of(fact.type))
    if dtype != pl.Null:
        present = text.is_not_null() if kind is not Kind.TEXT or dtype != pl.String else (raw != "").fill_null(False)
    typed = typed.cast(dtype_of(fact.type))
    bad = present & typed.is_null()
    message = pl.format(
        f'fact `{fact.name}` must be {want if dtype != pl.Null else ""}, not "{{}}"', _shown(raw, dtype)
    )
    err = pl.when(bad).then(error(fact.name, message))
    if fact.has_default and fact.default is not None:
        typed = typed.fill_null(pl.lit(fact.default, dtype_of(fact.type)))
    return typed, err


def prepare(lf: pl.LazyFrame, schema: dict[str, pl.DataType], plan: Plan, at: date | None) -> pl.LazyFrame:
    """Add `__row`, `__id`, `__at`, every `__f_<fact>` and `__fact_errors` (List of error structs)."""
    exprs: list[pl.Expr] = []
    errors: list[pl.Expr] = []
    for name, fact in plan.facts.items():
        if name in schema:
            typed, err = convert(fact, schema[name], plan)
            errors.append(err)
        else:
            default = fact.default if fact.has_default else None
            typed = pl.lit(default, dtype_of(fact.type))
        exprs.append(typed.alias(fact_column(name)))
    fallback = pl.lit(at, pl.Date) if at is not None else pl.lit(None, pl.Date)
    if "at" in schema:
        dtype = schema["at"]
        given: pl.Expr
        if dtype == pl.Date:
            given = pl.when(pl.col("at").dt.year().is_between(1, 9999)).then(pl.col("at"))
        else:
            text = _text(pl.col("at"), dtype)
            given = pl.when(text.str.contains(_ISO)).then(text).str.to_date("%Y-%m-%d", strict=False)
        present = pl.col("at").is_not_null() if dtype == pl.Date else _text(pl.col("at"), dtype).is_not_null()
        bad_at = present & given.is_null()
        day = pl.when(present).then(given).otherwise(fallback)
        errors.append(
            pl.when(bad_at).then(
                error("at", pl.format('`at` must be a date written YYYY-MM-DD, not "{}"', _shown(pl.col("at"), dtype)))
            )
        )
    else:
        bad_at, day = pl.lit(False), fallback
    errors.append(
        pl.when(day.is_null() & ~bad_at).then(
            error("at", pl.lit("no evaluation date: give --at, or a date in the row's `at` column"))
        )
    )
    number = (pl.col(ROW) + 1).cast(pl.String)
    ident = pl.coalesce(pl.col("id").cast(pl.String), number) if "id" in schema else number
    fact_errors = pl.concat_list(errors).list.drop_nulls().cast(ERRORS)
    return lf.with_row_index(ROW).select(
        pl.col(ROW), ident.alias(ID), day.alias(AT), *exprs, fact_errors.alias(FACT_ERRORS)
    )

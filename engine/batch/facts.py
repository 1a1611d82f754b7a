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
from engine.i18n import _
from engine.plan import FactPlan, Plan
from engine.source import UNKNOWN
from engine.types import Kind

ERROR = pl.Struct({"decision": pl.String, "code": pl.String, "column": pl.String, "message": pl.String})
ERRORS = pl.List(ERROR)
ROW, ID = "__row", "__id"
RESERVED = ("id", "at")

_TRUE, _FALSE = ["true", "1", "oui"], ["false", "0", "non"]
_ISO = r"^\d{4}-\d{2}-\d{2}$"
_MAX_DIGITS = 15  # amounts below 10**15, as engine.values.MAX_AMOUNT


def check_columns(plan: Plan, columns: list[str], source: str) -> None:
    """A column that is neither a fact, `id` nor `at` fails the whole run, located at the column."""
    problems = [
        Diagnostic(
            Code.UNKNOWN_FACT,
            _("unknown fact `{name}` (column {index} of {source})").format(name=c, index=i, source=source)
            + suggest(c, list(plan.facts)),
            UNKNOWN,
            help=_("a caseload's columns are fact names, `id` and `at`"),
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


def _in_calendar(day: pl.Expr) -> pl.Expr:
    """Years 1 to 9999 (polars dates run further): a comparison of days, no year extracted."""
    return day.is_between(pl.lit(date.min, pl.Date), pl.lit(date.max, pl.Date))


def _shown(raw: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    return raw.cast(pl.String) if dtype != pl.String else raw


def convert(fact: FactPlan, dtype: pl.DataType, plan: Plan) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(typed value without its default, "the cell holds something", error message) for one fact column
    of input type `dtype`. Typed columns are taken as they are; text is parsed by the fact's type."""
    raw = pl.col(fact.name)
    kind = fact.type.kind
    is_text = dtype == pl.String
    text = _text(raw, dtype)
    want = ""
    typed: pl.Expr
    if dtype == pl.Null:
        typed = pl.lit(None, dtype_of(fact.type))
    elif kind is Kind.BOOL:
        want = _("true or false (also 1/0, oui/non)")
        lower = text.str.to_lowercase()
        typed = (
            raw if dtype == pl.Boolean else pl.when(lower.is_in(_TRUE)).then(True).when(lower.is_in(_FALSE)).then(False)
        )
    elif kind is Kind.INT:
        want = _("a whole number")
        typed = raw.cast(pl.Int64) if dtype.is_integer() else text.cast(pl.Int64, strict=False)
    elif kind in (Kind.MONEY, Kind.DECIMAL):
        scale = FACT_SCALE[kind]
        want = _("an amount such as 12.50 (at most {places} decimal places)").format(places=scale)
        number = text.str.replace_all("[€\u00a0 ]", "").str.replace(",", ".")
        pattern = rf"^[+-]?\d{{1,{_MAX_DIGITS}}}(\.\d{{0,{scale}}})?$"
        typed = pl.when(number.str.contains(pattern)).then(number).cast(pl.Decimal(38, scale), strict=False)
        if dtype == pl.Boolean:
            typed = pl.lit(None, pl.Decimal(38, scale))
    elif kind is Kind.DATE:
        want = _("a date written YYYY-MM-DD")
        if dtype == pl.Date:
            typed = pl.when(_in_calendar(raw)).then(raw)
            want = _("a date between 0001-01-01 and 9999-12-31")
        elif is_text:
            typed = pl.when(text.str.contains(_ISO)).then(text).str.to_date("%Y-%m-%d", strict=False)
        else:
            typed = pl.lit(None, pl.Date)
    elif kind is Kind.TEXT:
        want = _("a text")
        typed = pl.when(raw != "").then(raw) if is_text else pl.lit(None, pl.String)
    elif kind is Kind.ENUM:
        allowed = [v for v, _ in plan.enums[fact.type.enum or ""].values]
        want = _("one of {values}").format(values=", ".join(allowed))
        typed = pl.when(text.is_in(allowed)).then(text) if not dtype.is_numeric() else pl.lit(None, pl.String)
    else:
        want = _("given case by case (durations and lists cannot be read from a caseload)")
        typed = pl.lit(None, dtype_of(fact.type))
    if dtype == pl.Null:
        present = pl.lit(False)
    elif is_text:
        present = (raw != "").fill_null(False) if kind is Kind.TEXT else text.is_not_null()
    else:
        present = raw.is_not_null()
    # pl.format's `{}` receives the cell: the translated sentence is split around it.
    before, after = (
        _('fact `{name}` must be {want}, not "{value}"').format(name=fact.name, want=want, value="\0").split("\0")
    )
    message = pl.concat_str([pl.lit(before), _shown(raw, dtype), pl.lit(after)])
    return typed.cast(dtype_of(fact.type)), present, message


FACT_BAD = "__fact_bad"


def prepare(
    lf: pl.LazyFrame, schema: dict[str, pl.DataType], plan: Plan, at: date | None
) -> tuple[pl.LazyFrame, pl.Expr]:
    """Add `__row`, `__id`, `__at`, every `__f_<fact>` (defaults filled) and `__fact_bad` (the row has
    a bad cell), keeping the input's columns; and the expression giving a bad row its errors (a list
    of error structs), evaluated later on the bad rows only."""
    typed: list[pl.Expr] = []
    bad: list[pl.Expr] = []
    defaults: list[pl.Expr] = []
    errors: list[pl.Expr] = []
    for name, fact in plan.facts.items():
        column = fact_column(name)
        if name in schema:
            value, present, message = convert(fact, schema[name], plan)
            bad.append(present & pl.col(column).is_null())
            errors.append(pl.when(present & value.is_null()).then(error(name, message)))
        else:
            value = pl.lit(None, dtype_of(fact.type))
        typed.append(value.alias(column))
        if fact.has_default and fact.default is not None:
            defaults.append(pl.col(column).fill_null(pl.lit(fact.default, dtype_of(fact.type))))
    fallback = pl.lit(at, pl.Date) if at is not None else pl.lit(None, pl.Date)
    if "at" in schema:
        dtype = schema["at"]
        given: pl.Expr
        if dtype == pl.Date:
            given = pl.when(_in_calendar(pl.col("at"))).then(pl.col("at"))
        else:
            text = _text(pl.col("at"), dtype)
            given = pl.when(text.str.contains(_ISO)).then(text).str.to_date("%Y-%m-%d", strict=False)
        present = pl.col("at").is_not_null() if dtype == pl.Date else _text(pl.col("at"), dtype).is_not_null()
        bad_at = present & given.is_null()
        day = pl.when(present).then(given).otherwise(fallback)
        shown = _shown(pl.col("at"), dtype)
        at_before, at_after = _('`at` must be a date written YYYY-MM-DD, not "{value}"').format(value="\0").split("\0")
        errors.append(pl.when(bad_at).then(error("at", pl.concat_str([pl.lit(at_before), shown, pl.lit(at_after)]))))
    else:
        bad_at, day = pl.lit(False), fallback
    no_day = day.is_null() & ~bad_at
    errors.append(
        pl.when(no_day).then(
            error("at", pl.lit(_("no evaluation date: give --at, or a date in the row's `at` column")))
        )
    )
    bad += [bad_at, no_day]
    number = (pl.col(ROW) + 1).cast(pl.String)
    ident = pl.coalesce(pl.col("id").cast(pl.String), number) if "id" in schema else number
    fact_errors = pl.concat_list(errors).list.drop_nulls().cast(ERRORS)
    first = lf.with_row_index(ROW).with_columns(ident.alias(ID), day.alias(AT), *typed)
    flagged = pl.any_horizontal(bad).fill_null(False) if bad else pl.lit(False)
    return first.with_columns(flagged.alias(FACT_BAD), *defaults), fact_errors

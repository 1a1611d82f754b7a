"""The frame indicators are computed over: one row per person, its facts and the decisions they read.

Columns: `id` (Utf8), `__f_<fact>` for every fact (typed, defaults filled), one column per decision
read, and `__failed` (List(Utf8)): the decisions that could not be computed for the row, or
`<facts>` when the row's facts are invalid (then every decision is null), and `__codes`, their codes.

`case_by_case_frame` builds it one row at a time through `policy.evaluate` (the reference);
`batch_frame` through the compiled batch backend.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from engine.batch.io import parquet_parts
from engine.diagnostics import CaseError, EvaluationError
from engine.types import Kind, Type

if TYPE_CHECKING:
    from engine.policy import Policy

FAILED = "__failed"
CODES = "__codes"  # the error code of each failed entry
FACTS_INVALID = "<facts>"
_TRUE = {"true", "1", "oui", "vrai"}
_FALSE = {"false", "0", "non", "faux"}


def fact_column(name: str) -> str:
    return f"__f_{name}"


def dtype_of(ty: Type) -> pl.DataType:
    kind = ty.kind
    if kind is Kind.BOOL:
        return pl.Boolean()
    if kind is Kind.INT:
        return pl.Int64()
    if kind in (Kind.MONEY, Kind.DECIMAL):
        return pl.Decimal(38, 12)
    if kind is Kind.DATE:
        return pl.Date()
    return pl.String()


def read_source(source: str | Path | pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """A caseload as given: CSV (`,` or `;`, BOM), Parquet, JSON Lines, or a folder of Parquet parts."""
    if isinstance(source, pl.LazyFrame):
        return source.collect()
    if isinstance(source, pl.DataFrame):
        return source
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(str(path))
    if path.is_dir():
        return pl.concat([pl.read_parquet(p) for p in parquet_parts(path)], how="diagonal_relaxed")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pl.read_parquet(path)
    if suffix in (".jsonl", ".ndjson"):
        return pl.read_ndjson(path)
    head = path.read_text(encoding="utf-8-sig", errors="replace").split("\n", 1)[0]
    frame = pl.read_csv(path, separator=";" if head.count(";") > head.count(",") else ",", infer_schema=False)
    return frame.rename({c: c.lstrip("\ufeff") for c in frame.columns})


def _python(value: object, ty: Type | None) -> object:
    """A caseload cell as the single-case API takes it (bad values are left for it to refuse)."""
    if not isinstance(value, str) or ty is None:
        return value
    text = value.strip()
    if text == "":
        return None
    if ty.kind is Kind.BOOL:
        low = text.lower()
        return True if low in _TRUE else False if low in _FALSE else value
    if ty.kind is Kind.INT:
        try:
            return int(text)
        except ValueError:
            return value
    if ty.kind in (Kind.MONEY, Kind.DECIMAL):
        return text.replace(",", ".")
    return text


def rows(policy: Policy, frame: pl.DataFrame) -> Iterator[tuple[str, dict[str, object]]]:
    """(id, facts) per row, in order; the id is the `id` column, else the 1-based row number."""
    facts = policy.plan.facts
    for number, row in enumerate(frame.iter_rows(named=True), 1):
        ident = row.get("id")
        given = {k: _python(v, facts[k].type if k in facts else None) for k, v in row.items() if k not in ("id", "at")}
        yield (str(ident) if ident is not None and ident != "" else str(number)), given


def case_by_case_frame(policy: Policy, source: object, at: date, rules: Sequence[str]) -> pl.DataFrame:
    """The frame, one row at a time through `policy.evaluate` (slow; the reference for tests)."""
    from engine.indicator_counts import _decisions

    frame = read_source(source)  # type: ignore[arg-type]
    plan = policy.plan
    columns: dict[str, list[object]] = {"id": []}
    columns.update({fact_column(n): [] for n in plan.facts})
    columns.update({r: [] for r in rules})
    failed: list[list[str]] = []
    codes: list[list[str]] = []
    for ident, given in rows(policy, frame):
        columns["id"].append(ident)
        try:
            env, values, errors = _decisions(policy, given, at, tuple(rules))
        except (CaseError, EvaluationError) as exc:
            code = exc.diagnostics[0].code.value if exc.diagnostics else "fact_type_error"
            env, values, errors = {}, {}, {FACTS_INVALID: code}
        for name in plan.facts:
            columns[fact_column(name)].append(cell(env.get(name)))
        for rule in rules:
            columns[rule].append(cell(values.get(rule)))
        failed.append(sorted(errors))
        codes.append([errors[k] for k in sorted(errors)])
    schema: dict[str, pl.DataType] = {"id": pl.String()}
    schema.update({fact_column(n): dtype_of(f.type) for n, f in plan.facts.items()})
    schema.update({r: dtype_of(plan.rules[r].type) for r in rules})
    out = pl.DataFrame(columns, schema=schema)
    return out.with_columns(
        pl.Series(FAILED, failed, dtype=pl.List(pl.String())), pl.Series(CODES, codes, dtype=pl.List(pl.String()))
    )


def cell(value: object) -> object:
    if isinstance(value, bool | int | str | date | Decimal) or value is None:
        return value
    return str(value)  # durations and lists: shown, never computed on


def typed_facts(policy: Policy, raw: pl.DataFrame, names: Iterable[str] | None = None) -> pl.DataFrame:
    """Every fact as a typed `__f_<fact>` column, defaults filled in; only `names` are read from the
    caseload (the others stay null: nothing reads them). Cells that do not convert are null here:
    such rows carry a fact error in the batch result, and every indicator leaves them out."""
    columns = []
    wanted = set(policy.plan.facts if names is None else names)
    for name, fact in policy.plan.facts.items():
        dtype = dtype_of(fact.type)
        if name not in wanted:
            value = pl.lit(None, dtype)
        elif name not in raw.columns:
            value = pl.lit(fact.default if fact.has_default else None, dtype)
        else:
            value = _convert(pl.col(name), raw.schema[name], fact.type)
            if fact.has_default and fact.default is not None:
                value = value.fill_null(pl.lit(fact.default, dtype))
        columns.append(value.cast(dtype).alias(fact_column(name)))
    # with_columns, not select: a frame of literals alone would have one row, not the caseload's
    return raw.with_columns(columns).select([fact_column(n) for n in policy.plan.facts])


def _convert(raw: pl.Expr, dtype: pl.DataType, ty: Type) -> pl.Expr:
    if dtype != pl.String:
        if ty.kind is Kind.DATE and dtype != pl.Date:
            return raw.cast(pl.String).str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
        return raw.cast(dtype_of(ty), strict=False)
    text = raw.str.strip_chars()
    text = pl.when(text != "").then(text)
    kind = ty.kind
    if kind is Kind.DATE:
        return text.str.to_date("%Y-%m-%d", strict=False)
    if kind is Kind.BOOL:
        low = text.str.to_lowercase()
        return pl.when(low.is_in(list(_TRUE))).then(True).when(low.is_in(list(_FALSE))).then(False)
    if kind is Kind.INT:
        return text.cast(pl.Int64, strict=False)
    if kind in (Kind.MONEY, Kind.DECIMAL):
        return text.str.replace(",", ".", literal=True).cast(pl.Decimal(38, 12), strict=False)
    return text


def compiled_backend() -> Callable[..., pl.DataFrame]:
    """`engine.batch.evaluate_batch`, the compiled batch backend; ImportError when it is not installed."""
    found = getattr(importlib.import_module("engine.batch"), "evaluate_batch", None)
    if found is None:
        raise ImportError("engine.batch.evaluate_batch")
    backend: Callable[..., pl.DataFrame] = found
    return backend


def batch_frame(
    policy: Policy,
    source: str | Path | pl.DataFrame,
    at: date,
    rules: Sequence[str],
    facts: Iterable[str] | None = None,
) -> pl.DataFrame:
    """The frame through the compiled batch backend (`engine.batch.evaluate_batch`), same shape as
    `case_by_case_frame`. ImportError when that backend is not installed."""
    evaluate_batch = compiled_backend()

    raw = read_source(source)
    # Indicators compute every decision on one date (docs/indicators.md): a row's `at` cell is not
    # its evaluation date here (`other_dates` counts the rows whose cell says another one).
    result: pl.DataFrame = evaluate_batch(policy, raw.drop("at", strict=False), at=at, decisions=list(rules))
    decision = pl.element().struct.field("decision").fill_null(pl.lit(FACTS_INVALID))
    marks = result.select(
        pl.col("id"),
        *[pl.col(r) for r in rules],
        pl.col("errors").list.eval(decision).alias(FAILED),
        pl.col("errors").list.eval(pl.element().struct.field("code")).alias(CODES),
    )
    return pl.concat([marks, typed_facts(policy, raw, facts)], how="horizontal")


def decisions_frame(
    policy: Policy,
    source: str | Path | pl.DataFrame,
    at: date,
    rules: Sequence[str],
    facts: Iterable[str] | None = None,
) -> tuple[pl.DataFrame, str]:
    """The frame, and how its decisions were computed: "batch" (compiled), else "case_by_case".
    `facts`: the facts to read as typed columns (default: all)."""
    try:
        return batch_frame(policy, source, at, rules, facts), "batch"
    except ImportError:  # the compiled batch backend is not installed: the reference, slower
        return case_by_case_frame(policy, source, at, rules), "case_by_case"


def other_dates(source: str | Path | pl.DataFrame, at: date) -> int:
    """Rows of the caseload whose `at` cell names a date other than `at` (0 without the column)."""
    raw = read_source(source)
    if "at" not in raw.columns:
        return 0
    typed = raw.schema["at"] == pl.Date
    cell = pl.col("at") if typed else pl.col("at").cast(pl.String).str.strip_chars()
    given = cell if typed else cell.str.to_date("%Y-%m-%d", strict=False)
    blank = cell.is_null() if typed else cell.is_null() | (cell == "")
    return int(raw.select((~blank & given.ne_missing(pl.lit(at, pl.Date))).sum()).item())


def row_errors(frame: pl.DataFrame) -> tuple[int, Mapping[str, int]]:
    """Rows with an error, and the rows by first error code (for the report's summary)."""
    bad = frame.filter(pl.col(FAILED).list.len() > 0)
    codes: dict[str, int] = {}
    if CODES in frame.columns:
        for code, n in bad.group_by(pl.col(CODES).list.first()).len().iter_rows():
            codes[str(code)] = n
    return bad.height, codes

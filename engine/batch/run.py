"""A caseload through the compiled plan: vectorised columns, then the scalar code for what it must do.

The lazy pipeline: read → typed facts (facts.py) → rule columns level by level (compiler.py) →
one fix-up per streamed batch (`_FixUp`), where rows with bad facts get null decisions and their
errors, and rows the compiler flagged, or decisions it could not vectorise, go through
`policy.evaluate` one row at a time. Every input row gives exactly one output row, in order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from engine.batch.compiler import AT, Compiled, compile_plan, dtype_of, fact_column
from engine.batch.errors import which_column
from engine.batch.facts import ERRORS, FACT_BAD, ID, ROW, prepare
from engine.batch.io import errors_as_text
from engine.diagnostics import CaseError, EvaluationError, PolicyError
from engine.types import Kind

if TYPE_CHECKING:
    from engine.policy import Policy

TROUBLE = "__trouble"
_NO_ERRORS = pl.Series("errors", [[]], dtype=ERRORS)  # repeated per batch (a list literal breaks sinks)
SCALAR_DECIMAL = pl.Decimal(38, 12)  # money decisions computed only by the scalar code (division)


@dataclass
class Summary:
    """What a run did: counts for the user and for programs (`policy batch --json`)."""

    rows_read: int = 0
    rows_written: int = 0
    rows_with_errors: int = 0
    errors_by_code: Counter[str] = field(default_factory=Counter)
    fallback_rows: int = 0  # rows computed by the scalar code (flagged, or some decision not vectorised)
    scalar_decisions: dict[str, str] = field(default_factory=dict)  # decision → why not vectorised

    def add(self, other: Summary) -> None:
        """Add another run's counts (a partition's)."""
        self.rows_read += other.rows_read
        self.rows_written += other.rows_written
        self.rows_with_errors += other.rows_with_errors
        self.errors_by_code.update(other.errors_by_code)
        self.fallback_rows += other.fallback_rows
        self.scalar_decisions.update(other.scalar_decisions)

    def to_dict(self) -> dict[str, object]:
        return {
            "rows_read": self.rows_read,
            "rows_written": self.rows_written,
            "rows_with_errors": self.rows_with_errors,
            "rows_with_errors_by_code": dict(sorted(self.errors_by_code.items())),
            "fallback_rows": self.fallback_rows,
            "scalar_decisions": dict(self.scalar_decisions),
        }


def decisions_of(policy: Policy, decisions: Sequence[str] | None) -> tuple[str, ...]:
    return policy._evaluator.outputs(decisions)  # validates names: CaseError for an unknown one


def output_dtype(policy: Policy, name: str, compiled: Compiled, schema: pl.Schema) -> pl.DataType:
    ty = policy.plan.rules[name].type
    if name in compiled.outputs:
        return schema[name]
    if ty.kind in (Kind.MONEY, Kind.DECIMAL):
        return SCALAR_DECIMAL
    return dtype_of(ty)


def build(
    policy: Policy,
    raw: pl.LazyFrame,
    *,
    at: date | None,
    decisions: tuple[str, ...],
    summary: Summary,
    progress: Callable[[int], None] | None = None,
    text_errors: bool = False,
) -> pl.LazyFrame:
    """The whole lazy pipeline from a raw caseload to the result frame (id, at, decisions, errors);
    with `text_errors`, `errors` is one text per row (for CSV), made within each streamed batch."""
    plan = policy.plan
    schema = dict(raw.collect_schema())
    compiled = compile_plan(plan, decisions)
    summary.scalar_decisions = dict(compiled.reasons)
    lf, fact_errors = prepare(raw, schema, plan, at)
    for level in compiled.levels:
        lf = lf.with_columns(level)
    trouble = pl.any_horizontal(compiled.flags) if compiled.flags else pl.lit(False)
    bad = pl.col(FACT_BAD)
    vector = [compiled.outputs[n].alias(n) for n in compiled.outputs]  # bad rows nulled by _FixUp
    lf = lf.select(
        pl.col(ROW),
        pl.col(ID),
        pl.col(AT),
        *vector,
        (trouble & ~bad).alias(TROUBLE),
        bad,
        *(pl.col(fact_column(f)) for f in plan.facts),
        *(pl.col(c) for c in schema),  # the cells as given: a bad row's errors quote them
        *(pl.col(c) for c in sorted(compiled.diagnosis.columns() - {AT, *map(fact_column, plan.facts)})),
    )
    vector_schema = lf.collect_schema()
    out_schema = {"id": pl.String(), "at": pl.Date()}
    for name in decisions:
        out_schema[name] = output_dtype(policy, name, compiled, vector_schema)
    out_schema["errors"] = pl.String() if text_errors else ERRORS
    fix = _FixUp(policy, decisions, compiled, out_schema, summary, progress, fact_errors)
    fix.text_errors = text_errors
    return lf.map_batches(fix, schema=pl.Schema(out_schema), streamable=True)


class _FixUp:
    """Per batch: fact-error rows, flagged rows and non-vectorised decisions; counts for the summary."""

    def __init__(
        self,
        policy: Policy,
        decisions: tuple[str, ...],
        compiled: Compiled,
        schema: dict[str, pl.DataType],
        summary: Summary,
        progress: Callable[[int], None] | None,
        fact_errors: pl.Expr,
    ) -> None:
        self.fact_errors = fact_errors
        self.text_errors = False
        self.policy = policy
        self.decisions = decisions
        self.compiled = compiled
        self.schema = schema
        self.summary = summary
        self.progress = progress
        self.facts = list(policy.plan.facts)

    def __call__(self, df: pl.DataFrame) -> pl.DataFrame:
        scalar_only = self.compiled.scalar
        bad = df[FACT_BAD]
        # Rows the scalar code computes: flagged ones wholly, and all others for `scalar_only`.
        redo = ~bad & (df[TROUBLE] | bool(scalar_only))
        base = df.select(
            pl.col(ROW),
            pl.col(ID).alias("id"),
            pl.col(AT).alias("at"),
            *(self.decision(name) for name in self.decisions),
        ).with_columns(_NO_ERRORS.new_from_index(0, df.height))
        keep = ~(bad | redo)
        if keep.all():
            self.count(base, 0)
            return self.finish(base)
        parts = [base.filter(keep)]
        if bad.any():  # the errors of bad cells, quoting them: computed on those rows only
            errors = df.filter(bad).select(self.fact_errors.alias("errors")).to_series()
            nulls = (pl.lit(None, self.schema[n]).alias(n) for n in self.decisions)
            parts.append(base.filter(bad).with_columns(*nulls, errors))
        todo, current = df.filter(redo), base.filter(redo)
        if todo.height and not scalar_only:  # the errors the batch can write itself (errors.py)
            diagnosis = self.compiled.diagnosis
            which = diagnosis.compute(todo)
            sure = which.select(~pl.any_horizontal(pl.all() < 0)).to_series()
            if sure.any():
                parts.append(self.vector_errors(current.filter(sure), which.filter(sure), todo.filter(sure)))
                todo, current = todo.filter(~sure), current.filter(~sure)
        if todo.height:
            parts.append(self.scalar_rows(todo, current))
        result = pl.concat(parts).sort(ROW)
        self.count(result, todo.height)
        return self.finish(result)

    def vector_errors(self, current: pl.DataFrame, which: pl.DataFrame, todo: pl.DataFrame) -> pl.DataFrame:
        """Flagged rows whose errors are known: each failing decision null, with its error."""
        diagnosis = self.compiled.diagnosis
        laws = sorted({t.law for ts in diagnosis.templates.values() for t in ts if t.law is not None})
        frame = pl.concat([current, which, todo.select(laws)], how="horizontal")
        failing = [
            pl.when(pl.col(which_column(n)) > 0).then(None).otherwise(pl.col(n)).alias(n)
            for n in self.decisions
            if diagnosis.templates.get(n)
        ]
        errors = diagnosis.errors(self.decisions)
        if errors is not None:
            failing.append(errors.cast(ERRORS).alias("errors"))
        return frame.with_columns(failing).select(current.columns)

    def finish(self, frame: pl.DataFrame) -> pl.DataFrame:
        frame = frame.drop(ROW)
        return frame.with_columns(errors_as_text()) if self.text_errors else frame

    def decision(self, name: str) -> pl.Expr:
        dtype = self.schema[name]
        column = pl.col(name) if name in self.compiled.outputs else pl.lit(None)
        return column.cast(dtype).alias(name)

    def scalar_rows(self, todo: pl.DataFrame, current: pl.DataFrame) -> pl.DataFrame:
        """Recompute rows with `policy.evaluate`: every decision of a flagged row, else the scalar ones."""
        facts = todo.select(pl.col(fact_column(f)).alias(f) for f in self.facts).to_dicts()
        flagged = todo[TROUBLE].fill_null(False).to_list()
        ats = todo[AT].to_list()
        # A flagged row's vectorised values are replaced, and may not even exist in Python (year 10000).
        troubled = pl.Series(flagged)
        rows = current.with_columns(
            pl.when(troubled).then(None).otherwise(pl.col(n)).alias(n) for n in self.compiled.outputs
        ).to_dicts()
        for k, row in enumerate(rows):
            names = self.decisions if flagged[k] else self.compiled.scalar
            given = {f: v for f, v in facts[k].items() if v is not None}
            values, errors = evaluate_row(self.policy, given, ats[k], names)
            for name in names:
                row[name] = values.get(name)
            row["errors"] = list(row["errors"]) + errors
        return pl.DataFrame(rows, schema=current.schema, strict=False)

    def count(self, out: pl.DataFrame, fallback: int) -> None:
        s = self.summary
        s.rows_read += out.height
        s.rows_written += out.height
        s.fallback_rows += fallback
        with_errors = out.filter(pl.col("errors").list.len() > 0)
        s.rows_with_errors += with_errors.height
        if with_errors.height:
            codes = with_errors.select(
                pl.col("errors").list.eval(pl.element().struct.field("code")).list.unique().alias("code")
            ).explode("code")
            s.errors_by_code.update(dict(codes["code"].value_counts().iter_rows()))
        if self.progress is not None:
            self.progress(out.height)


def evaluate_row(
    policy: Policy, facts: dict[str, object], at: date, names: tuple[str, ...]
) -> tuple[dict[str, object], list[dict[str, object]]]:
    """One row by the scalar code: its values and its per-decision errors (TEAM.md frame shape)."""
    try:
        decision = policy.evaluate(facts, at, list(names))
    except PolicyError as exc:
        if len(names) > 1:  # find which decisions fail: each decision's failure is its own
            values: dict[str, object] = {}
            errors: list[dict[str, object]] = []
            for name in names:
                v, e = evaluate_row(policy, facts, at, (name,))
                values.update(v)
                errors += e
            return values, errors
        return {}, [_error(names[0], exc)]
    errors_of = getattr(decision, "errors", None)  # the per-decision error API, where available
    computed = decision.values
    values = dict(decision) if callable(computed) else dict(computed)  # a mapping, before the per-decision API
    found = [
        {"decision": name, "code": str(err.code), "column": _column(err), "message": err.message}
        for name, err in (errors_of or {}).items()
    ]
    return values, found


def _column(err: object) -> str | None:
    culprit = getattr(err, "culprit", None)
    return culprit if getattr(err, "code", None) == "missing_fact" and isinstance(culprit, str) else None


def _error(name: str, exc: PolicyError) -> dict[str, object]:
    d = exc.diagnostics[0]
    column = None
    if isinstance(exc, CaseError) and str(d.code) == "missing_fact":
        column = d.message.split("`")[1] if "`" in d.message else None
    kind = "evaluation_error" if isinstance(exc, EvaluationError) and not d.code else str(d.code)
    return {"decision": name, "code": kind, "column": column, "message": d.message}

"""The batch result frame (`id`, `at`, one column per decision, `errors`) of a caseload.

It comes from the compiled batch backend, `engine.batch.evaluate_batch`, when that is installed;
`case_by_case_result` builds the same frame one row at a time through `policy.evaluate` (the
reference the batch backend is compared with, and the fallback before it exists).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from engine.batch.indicator_frame import cell, compiled_backend, dtype_of, read_source, rows
from engine.diagnostics import CaseError

if TYPE_CHECKING:
    from engine.policy import Policy

ERROR = pl.Struct({"decision": pl.String, "code": pl.String, "column": pl.String, "message": pl.String})


def evaluate_frame(
    policy: Policy, source: str | Path | pl.DataFrame, *, at: date | None, decisions: Sequence[str] | None = None
) -> pl.DataFrame:
    try:
        evaluate_batch = compiled_backend()
    except ImportError:
        return case_by_case_result(policy, source, at=at, decisions=decisions)
    result: pl.DataFrame = evaluate_batch(policy, source, at=at, decisions=decisions)
    return result


def case_by_case_result(
    policy: Policy, source: str | Path | pl.DataFrame, *, at: date | None, decisions: Sequence[str] | None = None
) -> pl.DataFrame:
    names = tuple(decisions) if decisions is not None else policy.decisions
    frame = read_source(source)
    given_at = frame["at"].cast(pl.String).to_list() if "at" in frame.columns else [None] * frame.height
    columns: dict[str, list[object]] = {"id": [], "at": [], **{n: [] for n in names}}
    errors: list[list[dict[str, object]]] = []
    for (ident, facts), row_at in zip(rows(policy, frame), given_at, strict=True):
        day = at or (date.fromisoformat(row_at) if row_at else None)
        columns["id"].append(ident)
        columns["at"].append(day)
        row_errors: list[dict[str, object]] = []
        values: dict[str, object] = {}
        try:
            if day is None:
                raise ValueError("no evaluation date")
            decision = policy.evaluate(facts, at=day, decisions=names)
            values = dict(decision.values)
            for name, error in decision.errors.items():
                row_errors.append({"decision": name, "code": error.code, "column": None, "message": error.message})
        except CaseError as exc:
            for d in exc.diagnostics:
                row_errors.append({"decision": None, "code": d.code.value, "column": None, "message": d.message})
        except ValueError as exc:
            row_errors.append({"decision": None, "code": "fact_type_error", "column": "at", "message": str(exc)})
        for name in names:
            columns[name].append(cell(values.get(name)))
        errors.append(row_errors)
    schema: dict[str, pl.DataType] = {"id": pl.String(), "at": pl.Date()}
    schema.update({n: dtype_of(policy.plan.rules[n].type) for n in names})
    out = pl.DataFrame(columns, schema=schema)
    return out.with_columns(pl.Series("errors", errors, dtype=pl.List(ERROR)))

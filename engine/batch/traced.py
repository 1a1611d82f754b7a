"""Auditable batch runs: each row's compact trace as a column, and the run's receipt.

`policy batch INPUT -o OUT --trace` adds a `trace` column: each row's compact trace as JSON text
(`{"rules": [[rule, version start, law date, row, ifs], …], "parameters": […]}`, the form decision
receipts hold, see `engine.compact`), null for a row whose facts do not fit. It is the slower
path: every row also goes through the scalar code with its compact trace, and the result is held
in memory before it is written (no streaming).

`policy batch INPUT -o OUT --receipt RUN.json` writes the run receipt (`engine.run_receipt`):
the policy's hashes per folder and its git commit, the engine version, the SHA-256 of the input
and of the output files, the run's parameters, the row count and the rows with errors by code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from engine.batch import Summary, pipeline
from engine.batch.compiler import AT, fact_column
from engine.batch.facts import FACT_BAD, prepare
from engine.batch.io import check_output, scan, sink
from engine.batch.run import decisions_of
from engine.diagnostics import PolicyError
from engine.i18n import _
from engine.receipt import receipt_error
from engine.run_receipt import run_receipt

if TYPE_CHECKING:
    from engine.policy import Policy

TRACE = "trace"
_SLICE = 10_000  # rows converted to Python at a time


def trace_column_name(decisions: Sequence[str]) -> str:
    """`trace`, unless a decision has that name."""
    return TRACE if TRACE not in decisions else "compact_trace"


def row_traces(
    policy: Policy, source: str | Path | pl.DataFrame | pl.LazyFrame, *, at: date | None, decisions: Sequence[str]
) -> list[str | None]:
    """Each input row's compact trace as JSON text, in input order; None for a row whose facts or
    date do not fit (the batch's `errors` column says why)."""
    raw = scan(source)
    plan = policy.plan
    prepared, _errors = prepare(raw, dict(raw.collect_schema()), plan, at)
    facts = list(plan.facts)
    frame = prepared.select(pl.col(FACT_BAD), pl.col(AT), *(pl.col(fact_column(f)).alias(f) for f in facts)).collect()
    names = list(decisions)
    out: list[str | None] = []
    for chunk in frame.iter_slices(_SLICE):
        for row in chunk.iter_rows(named=True):
            day = row.pop(AT)
            if row.pop(FACT_BAD) or day is None:
                out.append(None)
                continue
            given = {name: value for name, value in row.items() if value is not None}
            try:
                trace = policy.evaluate(given, day, names, trace="compact").compact_trace
            except PolicyError:  # facts refused by the scalar code: the row's errors say it
                out.append(None)
                continue
            out.append(json.dumps(trace.to_json() if trace is not None else {}, separators=(",", ":")))
    return out


def run_traced(
    policy: Policy,
    source: str,
    output: str | Path,
    *,
    at: date | None,
    decisions: Sequence[str] | None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Summary, str]:
    """The batch with one more column, each row's compact trace; (summary, the column's name)."""
    summary = Summary()
    csv = check_output(output) == ".csv"
    names = decisions_of(policy, decisions)
    lf = pipeline(policy, source, at=at, decisions=names, summary=summary, progress=progress, text_errors=csv)
    frame = lf.collect()
    column = trace_column_name(names)
    traces = pl.Series(column, row_traces(policy, source, at=at, decisions=names), dtype=pl.String)
    sink(frame.with_columns(traces).lazy(), output)
    return summary, column


def write_run_receipt(
    policy: Policy,
    path: str | Path,
    *,
    source: str,
    output: str,
    at: date | None,
    decisions: Sequence[str] | None,
    summary: Summary,
    traces: str | None,
) -> dict[str, object]:
    """Write the run receipt of a finished run to `path` (sorted keys, indented); the document.
    ReceiptError if it cannot be written."""
    parameters = {
        "at": at,
        "decisions": list(decisions) if decisions else None,
        "trace": traces is not None,
        "output_format": check_output(output),
    }
    document = run_receipt(
        policy,
        source=source,
        output=output,
        parameters=parameters,
        rows=summary.rows_written,
        traces=traces,
        errors=dict(summary.errors_by_code),
        rows_with_errors=summary.rows_with_errors,
    )
    try:
        Path(path).write_text(json.dumps(document, sort_keys=True, ensure_ascii=False, indent=2) + "\n", "utf-8")
    except OSError as exc:
        message = _("cannot write the run receipt {path}: {reason}")
        raise receipt_error(message.format(path=path, reason=exc.strerror)) from None
    return document

"""Batch evaluation of a caseload, compiled from the checked plan (polars lives behind this package).

    from engine.batch import evaluate_batch
    frame = evaluate_batch(policy, "caseload.csv", at=date(2025, 3, 1))

The result has one row per input row, in order: `id` (Utf8), `at` (Date), one column per decision
(Boolean, Int64, Decimal, Date, Utf8 for enums, texts and durations), and `errors`:
List(Struct{decision, code, column, message}). See docs/guides/batch.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from engine.batch.facts import check_columns
from engine.batch.io import check_output, scan, sink
from engine.batch.run import Summary, build, decisions_of

if TYPE_CHECKING:
    from engine.policy import Policy

Source = str | Path | pl.DataFrame | pl.LazyFrame

__all__ = ["Summary", "evaluate_batch", "pipeline", "run_batch"]


def pipeline(
    policy: Policy,
    source: Source,
    *,
    at: date | None = None,
    decisions: Sequence[str] | None = None,
    summary: Summary | None = None,
    progress: Callable[[int], None] | None = None,
    text_errors: bool = False,
) -> pl.LazyFrame:
    """The lazy result frame (nothing computed yet); `text_errors`: errors as one text (for CSV).
    CaseError for an unknown column or decision, or a file that cannot be read."""
    raw = scan(source)
    label = str(source) if isinstance(source, str | Path) else "the frame"
    check_columns(policy.plan, list(raw.collect_schema().names()), label)
    names = decisions_of(policy, decisions)
    return build(
        policy, raw, at=at, decisions=names, summary=summary or Summary(), progress=progress, text_errors=text_errors
    )


def evaluate_batch(
    policy: Policy,
    source: Source,
    *,
    at: date | None = None,
    decisions: Sequence[str] | None = None,
    summary: Summary | None = None,
) -> pl.DataFrame:
    """Every row of a caseload (frame or CSV/Parquet/JSONL path or folder of Parquet parts) under the
    law in force on `at` (or the row's `at` column): one result row per input row, in order."""
    return pipeline(policy, source, at=at, decisions=decisions, summary=summary).collect()


def run_batch(
    policy: Policy,
    source: Source,
    output: str | Path,
    *,
    at: date | None = None,
    decisions: Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Stream a caseload to `output` (.parquet, .csv or .jsonl) with bounded memory; the run's summary."""
    summary = Summary()
    csv = check_output(output) == ".csv"
    lf = pipeline(policy, source, at=at, decisions=decisions, summary=summary, progress=progress, text_errors=csv)
    sink(lf, output)
    return summary

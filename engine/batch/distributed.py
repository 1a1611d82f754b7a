"""Partitioned runs: one compiled plan, one task per Parquet part, scheduled by Dask. The only module
that imports dask (an optional extra: `pip install 'policy-engine[distributed]'`).

    from engine.batch.distributed import evaluate_partitions
    frame = evaluate_partitions("policy", "caseload_parts/", at=date(2025, 3, 1))       # in memory
    evaluate_partitions("policy", "caseload_parts/", output="results/", scheduler="processes")

Each part is evaluated on its own, exactly as a single-process run evaluates it; parts are
concatenated (or written, one result part per input part) in the order of their file names, so a
partitioned run equals the single-process run row for row. A row's id is the `id` column; give one
(without it the row number restarts at 1 in every part).

When is it needed? One machine runs a département (Seine-Saint-Denis: 83,000 persons) in well
under a second. National scale (about 2 million beneficiaries) still fits one machine; monthly
panels over several years (hundreds of millions of rows) do not fit in one process's memory: split
them into Parquet parts and let Dask run the parts on every core (`scheduler="processes"`) or on a
cluster (a `dask.distributed` client, configured by the user; the tests use only local schedulers).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import polars as pl
from dask.base import compute
from dask.delayed import delayed

from engine.batch.io import parquet_parts
from engine.batch.run import Summary
from engine.diagnostics import CaseError, Code, Diagnostic
from engine.i18n import _
from engine.source import Span

SCHEDULERS = ("synchronous", "threads", "processes")


@functools.cache
def _policy(root: str) -> object:
    from engine.policy import load_policy  # loaded once per worker process

    return load_policy(root)


def parts_of(folder: str | Path) -> list[Path]:
    """The Parquet parts of a folder, in name order; CaseError when there is none."""
    path = Path(folder)
    if not path.is_dir():
        where = Span(str(folder), 1, 1, 1, 1)
        raise CaseError([Diagnostic(Code.FILE, _("no Parquet parts (*.parquet) in this folder"), where)])
    return parquet_parts(path)


def evaluate_part(root: str, part: str, at: date | None, decisions: Sequence[str] | None) -> pl.DataFrame:
    """One partition through the batch backend: the same result frame as a single-process run."""
    from engine.batch.result_frame import evaluate_frame

    return evaluate_frame(_policy(root), part, at=at, decisions=decisions)  # type: ignore[arg-type]


def _write_part(root: str, part: str, at: date | None, decisions: Sequence[str] | None, out: str) -> Summary:
    from engine.batch import evaluate_batch

    summary = Summary()
    frame = evaluate_batch(_policy(root), part, at=at, decisions=decisions, summary=summary)  # type: ignore[arg-type]
    frame.write_parquet(out)
    return summary


def write_partitions(
    policy_root: str | Path,
    folder: str | Path,
    output: str | Path,
    *,
    at: date | None = None,
    decisions: Sequence[str] | None = None,
    scheduler: str = "processes",
) -> Summary:
    """One result part per input part in the folder `output` (same names); the parts' summaries added."""
    if scheduler not in SCHEDULERS:
        raise ValueError(f"scheduler must be one of {', '.join(SCHEDULERS)}, not {scheduler!r}")
    root = str(policy_root)
    _policy(root)  # a policy error is raised here, once, not in every task
    parts = parts_of(folder)
    decisions = tuple(decisions) if decisions is not None else None
    target = Path(output)
    target.mkdir(parents=True, exist_ok=True)
    writes = [delayed(_write_part)(root, str(p), at, decisions, str(target / p.name)) for p in parts]
    total = Summary()
    for part in compute(*writes, scheduler=scheduler):
        total.add(part)
    return total


def evaluate_partitions(
    policy_root: str | Path,
    folder: str | Path,
    *,
    at: date | None = None,
    decisions: Sequence[str] | None = None,
    output: str | Path | None = None,
    scheduler: str = "threads",
) -> pl.DataFrame | int:
    """Every part of `folder` as one Dask task. Without `output`: the concatenated result frame.
    With `output` (a folder): one result part per input part, same names; returns the rows written."""
    if scheduler not in SCHEDULERS:
        raise ValueError(f"scheduler must be one of {', '.join(SCHEDULERS)}, not {scheduler!r}")
    root = str(policy_root)
    _policy(root)  # a policy error is raised here, once, not in every task
    parts = parts_of(folder)
    decisions = tuple(decisions) if decisions is not None else None
    if output is None:
        tasks = [delayed(evaluate_part)(root, str(p), at, decisions) for p in parts]
        frames: tuple[pl.DataFrame, ...] = compute(*tasks, scheduler=scheduler)
        return pl.concat(list(frames), how="vertical_relaxed")
    return write_partitions(root, folder, output, at=at, decisions=decisions, scheduler=scheduler).rows_written

"""What `policy batch` needs from polars, so that engine/cli.py never imports it."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from engine.batch import Summary, run_batch
from engine.batch.io import scan
from engine.batch.traced import run_traced, write_run_receipt
from engine.diagnostics import CaseError, Code, Diagnostic
from engine.i18n import _
from engine.source import UNKNOWN

if TYPE_CHECKING:
    from engine.policy import Policy


def count_rows(source: str) -> int | None:
    """The caseload's row count, for the progress bar (None when it cannot be read: the run says why)."""
    try:
        return int(scan(source).select(pl.len()).collect().item())
    except Exception:  # the run itself reports the problem, located
        return None


def run(
    policy: Policy,
    source: str,
    output: str | None,
    *,
    at: date | None,
    decisions: Sequence[str] | None,
    progress: Callable[[int], None],
    trace: bool = False,
    receipt: str | None = None,
) -> tuple[Summary, str | None]:
    """Stream to `output`, or to a temporary CSV copied to stdout when there is none; (the summary,
    the name of the trace column when `trace`). With `receipt` (needs `output`), write the run
    receipt there once the output is written."""
    if output is not None:
        summary, column = _run(policy, source, output, at, decisions, progress, trace)
        if receipt is not None:
            write_run_receipt(
                policy, receipt, source=source, output=output, at=at, decisions=decisions, summary=summary,
                traces=column,
            )  # fmt: skip
        return summary, column
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "result.csv"
        summary, column = _run(policy, source, path, at, decisions, progress, trace)
        with path.open(encoding="utf-8") as f:
            for line in f:
                sys.stdout.write(line)
    return summary, column


def _run(
    policy: Policy,
    source: str,
    output: str | Path,
    at: date | None,
    decisions: Sequence[str] | None,
    progress: Callable[[int], None] | None,
    trace: bool,
) -> tuple[Summary, str | None]:
    if trace:
        return run_traced(policy, source, output, at=at, decisions=decisions, progress=progress)
    return run_batch(policy, source, output, at=at, decisions=decisions, progress=progress), None


def run_partitions(
    policy_root: str,
    source: str,
    output: str,
    *,
    at: date | None,
    decisions: Sequence[str] | None,
    scheduler: str,
) -> Summary:
    """`--dask`: each Parquet part of the folder `source` as a Dask task, results in the folder `output`.
    CaseError when Dask is not installed (the optional extra `distributed`)."""
    try:
        from engine.batch.distributed import write_partitions
    except ImportError:
        raise CaseError(
            [
                Diagnostic(
                    Code.FILE,
                    _("--dask needs Dask, which is not installed"),
                    UNKNOWN,
                    help=_("install the optional extra: pip install 'policy-engine[distributed]'"),
                )
            ]
        ) from None
    return write_partitions(policy_root, source, output, at=at, decisions=decisions, scheduler=scheduler)

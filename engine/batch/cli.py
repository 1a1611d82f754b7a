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
) -> Summary:
    """Stream to `output`, or to a temporary CSV copied to stdout when there is none."""
    if output is not None:
        return run_batch(policy, source, output, at=at, decisions=decisions, progress=progress)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "result.csv"
        summary = run_batch(policy, source, path, at=at, decisions=decisions, progress=progress)
        with path.open(encoding="utf-8") as f:
            for line in f:
                sys.stdout.write(line)
    return summary

"""Partitioned runs with Dask (local schedulers only, no network): equal to one process, row for row."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.indicator_caseload import caseload
from engine import CaseError, Policy

pl = pytest.importorskip("polars")
pytest.importorskip("dask")

from engine.batch.distributed import evaluate_partitions  # noqa: E402
from engine.batch.result_frame import evaluate_frame  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
AT = "2024-06-30"


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("parts")
    frame = pl.DataFrame(caseload(600, seed=9), infer_schema_length=None)
    frame = frame.with_columns(pl.lit("2023-02-30").alias("date_fin_poste").head(1).extend_constant(None, 599))
    for i in range(3):
        frame.slice(i * 200, 200).write_parquet(folder / f"part-{i:03d}.parquet")
    return folder


def test_partitioned_run_equals_the_single_process_run(rsa: Policy, parts: Path, tmp_path: Path) -> None:
    from datetime import date

    at = date.fromisoformat(AT)
    whole = pl.concat([pl.read_parquet(p) for p in sorted(parts.glob("*.parquet"))])
    single = evaluate_frame(rsa, whole, at=at)
    assert single.height == 600 and single["errors"].list.len().sum() >= 1  # the bad date is reported
    for scheduler in ("synchronous", "threads", "processes"):
        distributed = evaluate_partitions(ROOT / "policy", parts, at=at, scheduler=scheduler)
        assert isinstance(distributed, pl.DataFrame)
        assert distributed.equals(single), scheduler
    written = evaluate_partitions(ROOT / "policy", parts, at=at, output=tmp_path / "out")
    assert written == 600
    assert pl.concat([pl.read_parquet(p) for p in sorted((tmp_path / "out").glob("*.parquet"))]).equals(single)


def test_a_folder_without_parts_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match=r"no \.parquet part"):
        evaluate_partitions(ROOT / "policy", tmp_path)
    with pytest.raises(ValueError, match="scheduler"):
        evaluate_partitions(ROOT / "policy", tmp_path, scheduler="cluster")

"""`policy batch --trace` and `--receipt`, and `policy replay RUN.json`: through the command line."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from conftest import ROOT

from engine import Policy
from engine.canonical import canonical_value
from engine.receipt import content_hash

sys.path.insert(0, str(ROOT)) if str(ROOT) not in sys.path else None
from benchmarks.population import generate  # noqa: E402


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "POLICY_LANG": "en", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _caseload(path: Path, n: int, seed: int, bad_row: bool = False) -> list[tuple[dict[str, object], date]]:
    cases = generate(n, seed=seed)
    names = sorted({k for facts, _ in cases for k in facts})
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "at", *names])
        for i, (facts, at) in enumerate(cases, 1):
            w.writerow([f"p{i}", at.isoformat(), *(_cell(facts.get(n)) for n in names)])
        if bad_row:  # a date that is not one: the row's error, no trace
            w.writerow(["bad", "2025-03-01", *("pas-une-date" if n == "date_entree_rsa" else "" for n in names)])
    return cases


def _sha(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A caseload of 150 rows (one bad) run with --trace and --receipt, in its own folder."""
    folder = tmp_path_factory.mktemp("run")
    _caseload(folder / "caseload.csv", 150, seed=11, bad_row=True)
    result = _cli(
        "batch", str(folder / "caseload.csv"), "-o", str(folder / "out.csv"), "--trace",
        "--receipt", str(folder / "run.json"), "--policy", str(ROOT / "policy"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr  # a bad row is its own error, not a failed run (no --strict)
    assert "column `trace`" in result.stdout and "slower path" in result.stdout
    assert "run receipt written to" in result.stdout
    return folder


def test_the_run_receipt_names_the_files_by_their_hashes(run: Path, rsa: Policy) -> None:
    doc = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert doc["format"] == "policy-engine/run-receipt/1"
    assert doc["hash"] == content_hash(doc)
    assert doc["input"]["sha256"] == _sha(run / "caseload.csv")
    assert doc["output"]["sha256"] == _sha(run / "out.csv")
    assert doc["input"]["bytes"] == (run / "caseload.csv").stat().st_size
    assert doc["policy"]["hash"] == rsa.fingerprint.hash
    assert set(doc["policy"]["folders"]) >= {"rules", "parameters"}
    assert doc["engine"]["name"] == "policy-engine"
    assert doc["rows"] == 151
    assert doc["errors"] == {"rows": 1, "by_code": {"fact_type_error": 1}}
    assert doc["parameters"] == {"at": None, "decisions": None, "trace": True, "output_format": ".csv"}
    assert doc["traces"] == "trace"


def test_each_rows_trace_is_that_of_the_decisions_written(run: Path, rsa: Policy) -> None:
    cases = generate(150, seed=11)
    out = pl.read_csv(run / "out.csv", infer_schema=False)
    assert out.height == 151 and out["trace"][-1] is None  # the bad row has none
    decisions = [c for c in out.columns if c not in ("id", "at", "errors", "trace")]
    for k, (facts, at) in enumerate(cases):
        row = out.row(k, named=True)
        decision = rsa.evaluate(facts, at, trace="compact")
        assert decision.compact_trace is not None
        assert json.loads(row["trace"]) == decision.compact_trace.to_json(), row["id"]
        for name in decisions:  # the decisions of the batch's columns are those the trace explains
            value = canonical_value(decision.values.get(name))
            cell = row[name]
            if isinstance(value, str) and cell is not None and value.replace(".", "").isdigit():
                assert Decimal(cell) == Decimal(value), (row["id"], name)
            else:
                assert cell == (None if value is None else _cell(value)), (row["id"], name, cell, value)


def test_replay_of_an_untouched_run_is_identical(run: Path) -> None:
    result = _cli("replay", str(run / "run.json"), "--policy", str(ROOT / "policy"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert ": identical" in result.stdout


def test_replay_finds_a_tampered_output_and_its_row(run: Path, tmp_path: Path) -> None:
    for name in ("caseload.csv", "out.csv", "run.json"):
        shutil.copy(run / name, tmp_path / name)
    out = tmp_path / "out.csv"
    frame = pl.read_csv(out, infer_schema=False)
    victim = frame["id"][7]
    old = frame["orientation_organisme"][7]
    new = "mds" if old != "mds" else "france_travail"
    frame.with_columns(
        pl.when(pl.col("id") == victim)
        .then(pl.lit(new))
        .otherwise(pl.col("orientation_organisme"))
        .alias("orientation_organisme")
    ).write_csv(out)
    # The files are looked for at the recorded paths, then next to the receipt: here the copies.
    result = _cli(
        "replay", str(tmp_path / "run.json"), "--input", str(tmp_path / "caseload.csv"), "--output", str(out),
        "--policy", str(ROOT / "policy"), "--json",
    )  # fmt: skip
    assert result.returncode == 1
    [found] = json.loads(result.stdout)
    assert found["status"] == "different" and "altered after the run" in found["reason"]
    assert [(c["column"], c["rows"], c["ids"]) for c in found["changes"]] == [("orientation_organisme", 1, [victim])]
    hashes = _cli("replay", str(tmp_path / "run.json"), "--hashes-only", "--output", str(out), "--json")
    assert json.loads(hashes.stdout)[0]["status"] == "different" and hashes.returncode == 1


def test_replay_of_an_altered_receipt_or_another_input_is_refused(run: Path, tmp_path: Path) -> None:
    doc = json.loads((run / "run.json").read_text(encoding="utf-8"))
    doc["rows"] = 150
    (tmp_path / "run.json").write_text(json.dumps(doc), encoding="utf-8")
    result = _cli("replay", str(tmp_path / "run.json"), "--json")
    assert json.loads(result.stdout)[0]["status"] == "not_replayable" and "altered" in result.stdout
    other = tmp_path / "other.csv"
    _caseload(other, 10, seed=5)
    result = _cli("replay", str(run / "run.json"), "--input", str(other), "--json")
    [found] = json.loads(result.stdout)
    assert found["status"] == "not_replayable" and "is not the one of the run" in found["reason"]


def test_replay_on_a_changed_policy_says_which_columns_and_why(run: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy"
    shutil.copytree(ROOT / "policy", policy)
    adre = policy / "parameters" / "adre.yaml"
    adre.write_text(adre.read_text(encoding="utf-8").replace("valeur: 500 €", "valeur: 600 €", 1), encoding="utf-8")
    result = _cli("replay", str(run / "run.json"), "--policy", str(policy), "--json")
    assert result.returncode == 1
    [found] = json.loads(result.stdout)
    assert found["status"] == "different"
    changed = {c["column"]: c for c in found["changes"]}
    assert "adre_versement_prise_de_poste" in changed and "orientation_organisme" not in changed
    # The run kept its traces: the reasons are those of the rows' traces, the parameter's two values.
    whys = changed["adre_versement_prise_de_poste"]["why"]
    assert any(
        why.startswith("parameter `adre_montant_prise_de_poste` under the law of ") and "500" in why and "600" in why
        for why in whys
    ), whys
    assert any("parameters/adre.yaml" in note for note in found["notes"])


def test_a_receipt_needs_an_output_file(tmp_path: Path) -> None:
    _caseload(tmp_path / "c.csv", 3, seed=1)
    result = _cli("batch", str(tmp_path / "c.csv"), "--receipt", str(tmp_path / "r.json"))
    assert result.returncode == 2 and "--receipt needs -o OUTPUT" in result.stderr
    result = _cli("batch", str(tmp_path), "--dask", "-o", str(tmp_path / "out"), "--trace")
    assert result.returncode == 2 and "do not go with --dask" in result.stderr


def test_parquet_runs_replay_too(tmp_path: Path) -> None:
    _caseload(tmp_path / "c.csv", 40, seed=2)
    made = _cli(
        "batch", str(tmp_path / "c.csv"), "-o", str(tmp_path / "out.parquet"), "--receipt", str(tmp_path / "r.json"),
        "--decision", "orientation_organisme", "--json",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    summary = json.loads(made.stdout)
    assert summary["receipt"] == str(tmp_path / "r.json") and summary["trace_column"] is None
    result = _cli("replay", str(tmp_path / "r.json"))
    assert result.returncode == 0 and ": identical" in result.stdout, result.stdout + result.stderr

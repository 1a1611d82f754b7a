"""Run receipts of a batch: policy, engine, input and output files, parameters, rows; per-row traces."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from engine import Policy
from engine.receipt import content_hash
from engine.run_receipt import FORMAT, check_run, file_identity, row_trace, run_receipt


def _files(tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "caseload.csv"
    source.write_text("id,date_entree_rsa\n1,2022-03-01\n2,2023-01-16\n", encoding="utf-8")
    output = tmp_path / "decisions.csv"
    output.write_text("id,orientation_organisme\n1,mds\n2,mds\n", encoding="utf-8")
    return source, output


def test_a_run_receipt_names_the_rules_the_files_and_the_parameters(rsa: Policy, tmp_path: Path) -> None:
    source, output = _files(tmp_path)
    doc = run_receipt(rsa, source=source, output=output, parameters={"at": date(2025, 3, 1), "decisions": None}, rows=2)
    assert doc["format"] == FORMAT and doc["rows"] == 2 and doc["traces"] is None
    assert doc["policy"]["hash"] == rsa.fingerprint.hash  # type: ignore[index]
    assert doc["engine"]["name"] == "policy-engine"  # type: ignore[index]
    assert doc["parameters"] == {"at": "2025-03-01", "decisions": None}
    import hashlib

    assert doc["input"]["sha256"] == "sha256:" + hashlib.sha256(source.read_bytes()).hexdigest()  # type: ignore[index]
    assert doc["input"]["bytes"] == source.stat().st_size  # type: ignore[index]
    assert doc["hash"] == content_hash(doc)
    json.dumps(doc)  # plain JSON: no dates, no Decimals left
    assert check_run(doc, rsa, source, output) == []


def test_check_run_finds_what_changed(rsa: Policy, tmp_path: Path) -> None:
    source, output = _files(tmp_path)
    doc = run_receipt(rsa, source=source, output=output, parameters={}, rows=2)
    output.write_text("id,orientation_organisme\n1,mds\n2,aave\n", encoding="utf-8")
    problems = check_run(doc, rsa, source, output)
    assert len(problems) == 1 and "output file" in problems[0]
    doc["rows"] = 3
    assert any("altered" in p for p in check_run(doc))
    assert check_run({"format": "x"}) == [f"not a run receipt of format {FORMAT}"]


def test_a_folder_of_parts_is_hashed_file_by_file(tmp_path: Path) -> None:
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "part-0.parquet").write_bytes(b"one")
    (folder / "part-1.parquet").write_bytes(b"two")
    identity = file_identity(folder)
    assert set(identity["files"]) == {"part-0.parquet", "part-1.parquet"}  # type: ignore[arg-type]
    assert identity["bytes"] == 6
    (folder / "part-1.parquet").write_bytes(b"TWO")
    assert file_identity(folder)["sha256"] != identity["sha256"]


def test_row_traces_are_the_receipts_traces(rsa: Policy) -> None:
    facts = {
        "date_entree_rsa": date(2023, 1, 16),
        "suivi_social_mds_en_cours": True,
        "date_naissance": date(1975, 9, 12),
    }
    text = row_trace(rsa, facts, date(2023, 3, 1))
    assert json.loads(text) == rsa.receipt(facts, date(2023, 3, 1)).document["trace"]

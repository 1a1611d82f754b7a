"""Caseload files in and out, the result frame's shape, and `policy batch` through the real CLI."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from engine import CaseError
from engine.batch import evaluate_batch
from engine.cli import main

ROOT = Path(__file__).resolve().parents[1]
MINI = str(ROOT / "tests" / "fixtures" / "mini")
HEADER = "id;born;available;start;amount;at\n"
ROWS = [
    "p1;1990-01-01;oui;2024-01-31;12,50;2024-06-01\n",
    "p2;2010-05-05;0;;;2024-06-01\n",
    "p3;;TRUE;2025-03-31;3;\n",
    "p4;bad;x;;;2024-06-01\n",
]


def write(path: Path, text: str, bom: bool = False) -> Path:
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return path


def test_result_frame_shape_and_order(mini, tmp_path):
    path = write(tmp_path / "c.csv", HEADER + "".join(ROWS), bom=True)
    result = evaluate_batch(mini, path, at=date(2025, 6, 1))
    assert result.columns == ["id", "at", *mini.decisions, "errors"]
    assert result.schema["id"] == pl.String and result.schema["at"] == pl.Date
    assert result.schema["route"] == pl.String and result.schema["deadline"] == pl.Date
    assert result.schema["total"].is_decimal()
    assert result.schema["errors"] == pl.List(
        pl.Struct({"decision": pl.String, "code": pl.String, "column": pl.String, "message": pl.String})
    )
    assert result["id"].to_list() == ["p1", "p2", "p3", "p4"]
    assert result["at"].to_list() == [date(2024, 6, 1), date(2024, 6, 1), date(2025, 6, 1), date(2024, 6, 1)]
    assert result["route"].to_list() == ["pro", "social", "pro", None]
    assert result["total"][0] == Decimal("512.50")  # decimal comma, `oui`
    assert result["deadline"][0] == date(2024, 2, 29)
    bad = result["errors"][3]
    assert sorted((e["column"], e["code"]) for e in bad) == [
        ("available", "fact_type_error"),
        ("born", "fact_type_error"),
    ]
    assert any('"bad"' in e["message"] for e in bad)


@pytest.mark.parametrize("form", ["comma", "parquet", "jsonl", "parts"])
def test_every_caseload_format_gives_the_same_result(mini, tmp_path, form):
    csv = write(tmp_path / "c.csv", HEADER + "".join(ROWS[:3]))
    reference = evaluate_batch(mini, csv, at=date(2025, 6, 1))
    typed = pl.DataFrame(
        {
            "id": ["p1", "p2", "p3"],
            "born": [date(1990, 1, 1), date(2010, 5, 5), None],
            "available": [True, False, True],
            "start": [date(2024, 1, 31), None, date(2025, 3, 31)],
            "amount": ["12.50", None, "3"],
            "at": [date(2024, 6, 1), date(2024, 6, 1), None],
        }
    )
    if form == "comma":
        text = (HEADER + "".join(ROWS[:3])).replace(";", ",").replace("12,50", '"12,50"')
        source: object = write(tmp_path / "c2.csv", text)
    elif form == "parquet":
        source = tmp_path / "c.parquet"
        typed.write_parquet(source)
    elif form == "jsonl":
        source = tmp_path / "c.jsonl"
        typed.write_ndjson(source)
    else:
        source = tmp_path / "parts"
        source.mkdir()
        typed[:2].write_parquet(source / "part-0.parquet")
        typed[2:].write_parquet(source / "part-1.parquet")
    result = evaluate_batch(mini, source, at=date(2025, 6, 1))
    assert result.drop("errors").equals(reference.drop("errors").with_columns(result.select("total")))
    assert result["total"].cast(pl.Float64).to_list() == reference["total"].cast(pl.Float64).to_list()


def test_an_unknown_column_fails_the_whole_run_located_at_the_column(mini, tmp_path):
    path = write(tmp_path / "c.csv", "born,avialable\n1990-01-01,true\n")
    with pytest.raises(CaseError) as info:
        evaluate_batch(mini, path, at=date(2025, 1, 1))
    [d] = info.value.diagnostics
    assert str(d.code) == "unknown_fact" and "column 2" in d.message and "available" in d.message


def test_rows_without_a_date_are_errors_not_dropped(mini, tmp_path):
    path = write(tmp_path / "c.csv", "born,at\n1990-01-01,2024-01-01\n1990-01-01,\n1990-01-01,2024-02-30\n")
    result = evaluate_batch(mini, path)
    assert result.height == 3
    assert result["route"].to_list() == ["social", None, None]
    assert [e["column"] for e in result["errors"][1]] == ["at"]
    assert [e["column"] for e in result["errors"][2]] == ["at"]


def test_policy_batch_cli_writes_every_format(tmp_path, capsys):
    path = write(tmp_path / "c.csv", HEADER + "".join(ROWS))
    for suffix in (".parquet", ".csv", ".jsonl"):
        out = tmp_path / f"out{suffix}"
        code = main(["batch", str(path), "-o", str(out), "--at", "2025-06-01", "--policy", MINI, "--json"])
        assert code == 0  # one row has errors: in the result and the summary, not a failed run
        summary = json.loads(capsys.readouterr().out)
        assert summary["rows_read"] == summary["rows_written"] == 4
        assert summary["rows_with_errors"] == 1
        assert summary["rows_with_errors_by_code"] == {"fact_type_error": 1}
        back = {".parquet": pl.read_parquet, ".csv": pl.read_csv, ".jsonl": pl.read_ndjson}[suffix](out)
        assert back.height == 4 and back["id"].cast(pl.String).to_list() == ["p1", "p2", "p3", "p4"]


def test_policy_batch_cli_to_stdout_with_one_decision(tmp_path, capsys):
    path = write(tmp_path / "c.csv", HEADER + "".join(ROWS[:2]))
    assert main(["batch", str(path), "--decision", "route", "--policy", MINI]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["id,at,route,errors", "p1,2024-06-01,pro,", "p2,2024-06-01,social,"]
    assert "2 rows read" in captured.err


def test_policy_batch_cli_usage_errors(tmp_path, capsys):
    path = write(tmp_path / "c.csv", HEADER)
    assert main(["batch", str(path), "-o", str(tmp_path / "x.xlsx"), "--policy", MINI]) == 1
    assert "unknown output format" in capsys.readouterr().err
    assert main(["batch", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "x.csv"), "--policy", MINI]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["batch", str(path), "--decision", "rout", "--policy", MINI]) == 1
    assert "unknown decision" in capsys.readouterr().err


def test_facade_evaluate_batch(mini):
    frame = pl.DataFrame({"available": [True], "born": [date(1980, 1, 1)]})
    result = mini.evaluate_batch(frame, at=date(2024, 1, 1), decisions=["route"])
    assert result.columns == ["id", "at", "route", "errors"] and result["route"][0] == "pro"


def test_policy_batch_strict_fails_when_a_row_has_an_error(tmp_path, capsys):
    path = write(tmp_path / "c.csv", HEADER + "".join(ROWS))
    out = str(tmp_path / "out.parquet")
    assert main(["batch", str(path), "-o", out, "--at", "2025-06-01", "--policy", MINI, "--strict"]) == 1
    assert "1 with errors" in capsys.readouterr().out
    assert pl.read_parquet(out).height == 4  # the result is still written, every row in it
    good = write(tmp_path / "good.csv", HEADER + "".join(ROWS[:2]))
    assert main(["batch", str(good), "-o", out, "--at", "2025-06-01", "--policy", MINI, "--strict"]) == 0


def _parts(folder: Path) -> Path:
    folder.mkdir()
    frame = pl.DataFrame({"id": ["a", "b"], "born": [date(1990, 1, 1), None], "available": [True, False]})
    frame[:1].write_parquet(folder / "part-0.parquet")
    frame[1:].write_parquet(folder / "part-1.parquet")
    return folder


def test_a_folder_of_parts_skips_markers_and_refuses_what_is_not_a_file(mini, tmp_path):
    folder = _parts(tmp_path / "parts")
    (folder / "_SUCCESS").write_text("")
    (folder / ".part-0.parquet.crc").write_text("x")
    (folder / "notes.txt").write_text("not a part")
    assert evaluate_batch(mini, folder, at=date(2025, 1, 1))["id"].to_list() == ["a", "b"]
    (folder / "part-2.parquet").symlink_to(tmp_path / "gone.parquet")  # a broken link
    with pytest.raises(CaseError, match="no such file") as info:
        evaluate_batch(mini, folder, at=date(2025, 1, 1))
    assert info.value.diagnostics[0].span.file.endswith("part-2.parquet")
    (folder / "part-2.parquet").unlink()
    (folder / "part-3.parquet").symlink_to("/dev/null")  # a device
    with pytest.raises(CaseError, match="not a regular file"):
        evaluate_batch(mini, folder, at=date(2025, 1, 1))
    (folder / "part-3.parquet").unlink()
    (folder / "part-4.parquet").mkdir()
    with pytest.raises(CaseError, match="not a regular file"):
        evaluate_batch(mini, folder, at=date(2025, 1, 1))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CaseError, match=r"no \.parquet part"):
        evaluate_batch(mini, empty, at=date(2025, 1, 1))


def test_policy_batch_dask_writes_one_result_part_per_input_part(mini, tmp_path, capsys):
    pytest.importorskip("dask")
    folder = _parts(tmp_path / "parts")
    out = tmp_path / "results"
    args = ["batch", str(folder), "-o", str(out), "--at", "2025-01-01", "--policy", MINI, "--json"]
    assert main([*args, "--dask", "synchronous"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows_read"] == summary["rows_written"] == 2
    assert sorted(p.name for p in out.iterdir()) == ["part-0.parquet", "part-1.parquet"]
    together = pl.concat([pl.read_parquet(out / "part-0.parquet"), pl.read_parquet(out / "part-1.parquet")])
    single = evaluate_batch(mini, folder, at=date(2025, 1, 1))
    assert together.equals(single)
    assert main(["batch", str(folder), "--dask", "--policy", MINI]) == 2  # -o FOLDER is required
    assert "--dask needs -o" in capsys.readouterr().err

"""The `policy` command through its real entry points (`python -m engine` and the `policy` script)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, write_policy

EXAMPLE = "policy/examples/orientation-mds-automatique.yaml"


def run(*args: str, cwd: Path = ROOT, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "PYTHONPATH": str(ROOT), "POLICY_LANG": lang}
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120
    )


def test_help_has_examples_for_every_command() -> None:
    for command in ("check", "eval", "explain", "test", "graph"):
        result = run(command, "--help")
        assert result.returncode == 0
        assert "examples:" in result.stdout and f"policy {command}" in result.stdout


def test_usage_errors_exit_2() -> None:
    assert run().returncode == 2
    assert run("frobnicate").returncode == 2
    result = run("eval", EXAMPLE, "--at", "2022-02-30")
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr


def test_check_ok() -> None:
    result = run("check")
    assert result.returncode == 0, result.stderr
    assert "policy: ok" in result.stdout


def test_check_reports_located_errors_with_a_caret(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        "facts:\n  a: {type: int, label: A}\nrules:\n  r:\n    label: R\n    type: int\n"
        "    references: [{article: X}]\n    from: 2020-01-01\n    formula: a +* 2\n",
    )
    result = run("check", str(path))
    assert result.returncode == 1
    assert f"{path}:9:17: error[syntax_error]" in result.stderr
    assert "^" in result.stderr and "Traceback" not in result.stderr
    data = json.loads(run("check", str(path), "--json").stdout)
    assert data["ok"] is False and data["diagnostics"][0]["line"] == 9


def test_eval_text_and_json() -> None:
    result = run("eval", EXAMPLE)
    assert result.returncode == 0, result.stderr
    assert "orientation_organisme" in result.stdout and "mds" in result.stdout
    data = json.loads(run("eval", EXAMPLE, "--json").stdout)
    assert data["decisions"]["orientation_organisme"] == "mds"
    assert data["decisions"]["adre_total"] == "0"


def test_eval_at_overrides_the_case_date() -> None:
    data = json.loads(run("eval", "policy/examples/contrat-non-encore-echu.yaml", "--json").stdout)
    later = json.loads(
        run("eval", "policy/examples/contrat-non-encore-echu.yaml", "--json", "--at", "2030-01-01").stdout
    )
    assert data["decisions"]["contrat_statut"] == "a_signer"
    assert later["decisions"]["contrat_statut"] == "en_retard" and later["at"] == "2030-01-01"


def test_eval_bad_case_file_is_located_not_a_traceback(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text("at: 2022-03-15\nfacts:\n  date_naisance: 1980-01-01\n  inscrit_france_travail: oui\n")
    result = run("eval", str(case))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        f"{case}:3:3: error[unknown_fact]: unknown fact `date_naisance`; did you mean `date_naissance`?"
        in result.stderr
    )
    assert f"{case}:4:27: error[fact_type_error]" in result.stderr


def test_explain_in_three_formats() -> None:
    text = run("explain", EXAMPLE, "orientation_organisme")
    assert text.returncode == 0, text.stderr
    assert "L.262-29" in text.stdout and "Non retenu" in text.stdout
    markdown = run("explain", EXAMPLE, "orientation_organisme", "--format", "markdown").stdout
    assert markdown.startswith("## ")
    data = json.loads(run("explain", EXAMPLE, "contrat_date_limite", "--format", "json").stdout)
    assert data["decision"] == "contrat_date_limite"


def test_explain_unknown_decision() -> None:
    result = run("explain", EXAMPLE, "orientation_organism")
    assert result.returncode == 1 and "did you mean `orientation_organisme`" in result.stderr


def test_test_passes_and_prints_the_summary_line() -> None:
    result = run("test")
    assert result.returncode == 0, result.stdout[-2000:]
    assert result.stdout.strip().splitlines()[-1].endswith(" passed, 0 failed")


def test_test_reports_failures_with_file_line_expected_and_got(tmp_path: Path) -> None:
    case = tmp_path / "wrong.yaml"
    case.write_text(
        "cases:\n- description: Mauvaise attente\n  at: 2022-03-15\n  facts:\n    inscrit_france_travail: true\n"
        "  expect:\n    orientation_organisme: mds\n- description: Bonne attente\n  at: 2022-03-15\n  facts:\n"
        "    inscrit_france_travail: true\n  expect:\n    orientation_organisme: pole_emploi\n"
    )
    result = run("test", str(case))
    assert result.returncode == 1
    assert f"FAIL {case}:2 — Mauvaise attente" in result.stdout
    assert "orientation_organisme: expected mds, got pole_emploi" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "1 passed, 1 failed"
    data = json.loads(run("test", str(case), "--json").stdout)
    assert (data["passed"], data["failed"]) == (1, 1)


def test_test_with_no_case_files_fails(tmp_path: Path) -> None:
    assert run("test", str(tmp_path)).returncode == 1


@pytest.mark.parametrize("fmt", ["mermaid", "dot", "json"])
def test_graph_formats(fmt: str) -> None:
    result = run("graph", "--format", fmt)
    assert result.returncode == 0, result.stderr
    assert "contrat_statut" in result.stdout


def test_graph_of_one_decision_and_impact() -> None:
    deps = json.loads(run("graph", "contrat_statut", "--format", "json").stdout)
    names = {n["name"] for n in deps["nodes"]}
    assert "date_signature_contrat" in names and "adre_total" not in names
    impact = json.loads(run("graph", "--impact", "date_notification_orientation", "--format", "json").stdout)
    changed = {n["name"] for n in impact["nodes"]}
    assert {"contrat_date_limite", "contrat_statut", "contrat_jours_de_retard"} <= changed
    assert "aave_objectif" not in changed


def test_the_installed_policy_script_when_present() -> None:
    script = Path(sys.executable).parent / "policy"
    if not script.exists():
        pytest.skip("the `policy` script is installed by `make test` (pip install -e .)")
    result = subprocess.run([str(script), "check"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "ok" in result.stdout


def test_explain_why_not() -> None:
    result = run(
        "explain", "policy/examples/orientation-reunion-aave.yaml", "orientation_organisme", "--why-not", "cos_iti"
    )
    assert result.returncode == 0, result.stderr
    assert "ne vaut-il pas « cos_iti »" in result.stdout
    assert (
        "le territoire MDS de résidence ne figure pas parmi les territoires MDS du COS ITI : il vaut" in result.stdout
    )


def test_why_not_a_value_the_decision_can_never_take_says_so_and_fails(tmp_path: Path) -> None:
    example = "policy/examples/orientation-mds-automatique.yaml"
    result = run("explain", example, "orientation_organisme", "--why-not", "paris")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "« paris » n'est pas une valeur que cette décision peut prendre" in result.stdout
    assert "Valeurs possibles : aave, cos_iti, france_travail, mds, pole_emploi, null." in result.stdout
    for value, code in (("pole_emploi", 0), ("null", 0), ("abc", 1), ("2000", 0)):
        decision = "adre_total" if value in ("abc", "2000") else "orientation_organisme"
        assert run("explain", example, decision, "--why-not", value).returncode == code, value
    # A value of the enum that no rule ever gives, and a yes/no asked about "peut-être".
    path = write_policy(
        tmp_path,
        "enums:\n  couleur:\n    label: Couleur\n    values: {rouge: Rouge, vert: Vert, bleu: Bleu}\n"
        "facts:\n  a: {type: bool, label: A, default: false}\n"
        "rules:\n  feu:\n    label: Feu\n    type: couleur\n    references: [{article: X}]\n"
        "    from: 2020-01-01\n    table:\n      - when: a\n        then: vert\n        because: A.\n"
        "      - otherwise: rouge\n        because: Sinon.\n"
        "  ouvert:\n    label: Ouvert\n    type: bool\n    references: [{article: X}]\n"
        "    from: 2020-01-01\n    formula: feu == vert\n",
    )
    case = tmp_path / "case.yaml"
    case.write_text("at: 2024-01-01\nfacts: {a: true}\n")
    never = run("explain", str(case), "feu", "--why-not", "bleu", "--policy", str(path))
    assert never.returncode == 1 and "« bleu » n'est pas une valeur" in never.stdout
    assert "Valeurs possibles : rouge, vert." in never.stdout
    assert run("explain", str(case), "feu", "--why-not", "rouge", "--policy", str(path)).returncode == 0
    assert run("explain", str(case), "ouvert", "--why-not", "peut-être", "--policy", str(path)).returncode == 1
    assert run("explain", str(case), "ouvert", "--why-not", "non", "--policy", str(path)).returncode == 0

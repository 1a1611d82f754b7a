"""One decision's failure is its own: per-decision errors through the API and the `policy` command."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import write_policy
from test_cli import run

from engine import Decision, DecisionError, EvaluationError, Policy, load_policy
from engine import evaluate as evaluate_module

# The issue's example: orientation is not in force for an entry in May 2018, but the ADRE and the
# AAVE track do not depend on orientation.
ISSUE_FACTS = {
    "date_entree_rsa": date(2018, 5, 2),
    "suit_coup_de_pouce": True,
    "date_prise_de_poste": date(2022, 1, 10),
    "date_entree_aave": date(2021, 1, 15),
}
ISSUE_AT = date(2022, 6, 1)

TWO_RULES = """
facts:
  n: {type: int, label: N}
  d: {type: date?, label: D}
  k: {type: int?, label: K}
rules:
  ratio:
    label: ratio
    type: decimal
    references: [{article: X}]
    from: 2020-01-01
    formula: 10 / n
  double:
    label: double
    type: int
    references: [{article: X}]
    from: 2020-01-01
    formula: (k ?? 1) * 2
  later:
    label: later
    type: date?
    references: [{article: X}]
    from: 2020-01-01
    formula: if d is null then null else d + 1 month
  guarded:
    label: guarded
    type: bool
    references: [{article: X}]
    from: 2020-01-01
    formula: if n == 0 then false else ratio > 1
"""


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Policy:
    return load_policy(write_policy(tmp_path_factory.mktemp("two"), TWO_RULES))


def test_the_issue_example_keeps_every_decision_that_does_not_need_orientation(rsa: Policy) -> None:
    decision = rsa.evaluate(ISSUE_FACTS, at=ISSUE_AT)
    assert decision["adre_total"] == Decimal("500")
    assert decision["aave_objectif"] == "emploi"
    error = decision.errors["orientation_organisme"]
    assert isinstance(error, DecisionError) and error.code == "not_in_force"
    assert error.chain == ("orientation_organisme", "orientation_organisme_selon_circuit")
    assert error.culprit == "orientation_organisme_selon_circuit"
    assert error.diagnostic.span.file.endswith("orientation.yaml") and error.diagnostic.span.line > 1
    with pytest.raises(EvaluationError) as info:
        decision["orientation_organisme"]
    assert info.value.error == error and "2018-05-02" in str(info.value)
    # contrat_type reads the body the person was oriented to: it fails too, naming the whole chain.
    assert decision.errors["contrat_type"].chain[0] == "contrat_type"
    assert decision.errors["contrat_type"].culprit == "orientation_organisme_selon_circuit"
    # Nothing is lost: every decision is either computed or has its error.
    assert set(decision.values) | set(decision.errors) == set(rsa.decisions)
    assert "orientation_organisme" not in decision and "adre_total" in decision


def test_to_dict_and_json_show_values_and_errors(rsa: Policy) -> None:
    data = rsa.evaluate(ISSUE_FACTS, at=ISSUE_AT).to_dict()
    assert data["at"] == "2022-06-01"
    assert data["decisions"]["adre_total"] == "500"  # type: ignore[index]
    assert data["decisions"]["aave_objectif"] == "emploi"  # type: ignore[index]
    assert "orientation_organisme" not in data["decisions"]  # type: ignore[operator]
    error = data["errors"]["orientation_organisme"]  # type: ignore[index]
    assert set(error) == {"code", "message", "culprit", "chain"}
    assert error["code"] == "not_in_force" and error["chain"][-1] == error["culprit"]
    assert json.loads(rsa.evaluate(ISSUE_FACTS, at=ISSUE_AT).to_json()) == data


def test_a_decision_null_without_its_input_is_null_on_any_date(rsa: Policy) -> None:
    decision = rsa.evaluate({}, at=date(2019, 1, 15))
    assert decision["aave_objectif"] is None and "aave_objectif" not in decision.errors
    with_aave = rsa.evaluate({"date_entree_aave": date(2018, 6, 1)}, at=date(2019, 1, 15))
    assert with_aave.errors["aave_objectif"].code == "not_in_force"


def test_a_division_by_zero_costs_only_the_decisions_that_read_it(two: Policy) -> None:
    decision = two.evaluate({"n": 0}, at=date(2024, 1, 1))
    assert decision.errors["ratio"].code == "evaluation_error"
    assert decision.errors["ratio"].chain == ("ratio",) and decision.errors["ratio"].culprit == "ratio"
    assert decision["double"] == 2 and decision["later"] is None
    # `guarded` does not read `ratio` when n == 0: its value stands.
    assert decision["guarded"] is False


def test_a_missing_required_fact_costs_only_the_decisions_that_read_it(two: Policy) -> None:
    decision = two.evaluate({"k": 4}, at=date(2024, 1, 1))
    assert decision["double"] == 8
    for name in ("ratio", "guarded"):
        assert decision.errors[name].code == "missing_fact" and decision.errors[name].culprit == "n"
    assert decision.errors["guarded"].chain == ("guarded", "n")


def test_a_calendar_overflow_is_that_decisions_error(two: Policy) -> None:
    decision = two.evaluate({"n": 5, "d": date(9999, 12, 15)}, at=date(2024, 1, 1))
    assert decision.errors["later"].code == "evaluation_error"
    assert decision["ratio"] == Decimal(2) and decision["double"] == 2


def test_asking_for_some_decisions_reports_only_theirs(rsa: Policy) -> None:
    decision = rsa.evaluate(ISSUE_FACTS, at=ISSUE_AT, decisions=["adre_total", "orientation_mode"])
    assert list(decision) == ["adre_total"] and list(decision.errors) == ["orientation_mode"]
    assert decision.names == ("adre_total", "orientation_mode") or set(decision.names) == {
        "adre_total",
        "orientation_mode",
    }


def test_the_fast_path_stays_when_nothing_fails(two: Policy, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the interpreter ran although nothing failed")

    monkeypatch.setattr(evaluate_module, "Interpreter", refuse)
    assert two.evaluate({"n": 4}, at=date(2024, 1, 1))["ratio"] == Decimal("2.5")


def test_both_backends_give_the_same_errors(rsa: Policy) -> None:
    fast = rsa.evaluate(ISSUE_FACTS, at=ISSUE_AT)
    traced = rsa.evaluate(ISSUE_FACTS, at=ISSUE_AT, trace=True)
    assert dict(fast) == dict(traced) and fast.errors == traced.errors


def test_a_decision_and_its_facts_are_immutable(rsa: Policy) -> None:
    decision = rsa.evaluate({"date_entree_rsa": date(2022, 5, 2), "inscrit_france_travail": True}, at=ISSUE_AT)
    with pytest.raises(TypeError):
        decision.facts["inscrit_france_travail"] = False  # type: ignore[index]
    with pytest.raises(AttributeError):
        decision.at = date(2020, 1, 1)  # type: ignore[misc]
    with pytest.raises(TypeError):
        decision.values["orientation_organisme"] = "mds"  # type: ignore[index]
    assert decision["orientation_organisme"] == "pole_emploi"
    assert decision.explain("orientation_organisme").value == "pole_emploi"
    assert isinstance(decision, Decision)


def test_explaining_a_failed_decision_raises_its_error(rsa: Policy) -> None:
    decision = rsa.evaluate(ISSUE_FACTS, at=ISSUE_AT)
    with pytest.raises(EvaluationError) as info:
        decision.explain("orientation_organisme")
    assert info.value.error.code == "not_in_force"


# -- through the `policy` command ---------------------------------------------------------------------
ISSUE_CASE = """\
at: 2022-06-01
facts:
  date_entree_rsa: 2018-05-02
  suit_coup_de_pouce: true
  date_prise_de_poste: 2022-01-10
  date_entree_aave: 2021-01-15
"""


def test_eval_prints_every_value_and_every_located_error(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(ISSUE_CASE)
    result = run("eval", str(case))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ")}
    assert "500 €" in lines["adre_total"] and "emploi" in lines["aave_objectif"]
    assert "error[not_in_force]" in lines["orientation_organisme"]
    assert "policy/rules/orientation.yaml:" in lines["orientation_organisme"]
    data = json.loads(run("eval", str(case), "--json").stdout)
    assert data["decisions"]["adre_total"] == "500"
    assert data["errors"]["orientation_organisme"]["code"] == "not_in_force"


def test_eval_of_a_file_with_one_invalid_case_prints_the_others(tmp_path: Path) -> None:
    case = tmp_path / "cases.yaml"
    case.write_text(
        "cases:\n"
        "  - at: 2022-06-01\n    facts: {date_entree_rsa: 2022-05-02, inscrit_france_travail: true}\n"
        "  - at: 2022-06-01\n    facts: {date_entree_rsaa: 2022-05-02}\n"
        "  - at: 2023-06-01\n    facts: {date_entree_rsa: 2023-05-02}\n"
    )
    result = run("eval", str(case))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{case}:2 " in result.stdout and f"{case}:6 " in result.stdout
    assert "pole_emploi" in result.stdout
    assert f"{case}:5:13: error[unknown_fact]" in result.stderr
    data = json.loads(run("eval", str(case), "--json").stdout)
    assert [("decisions" in d, "error" in d) for d in data] == [(True, False), (False, True), (True, False)]


def test_an_empty_case_list_is_an_error(tmp_path: Path) -> None:
    case = tmp_path / "empty.yaml"
    case.write_text("cases: []\n")
    for command in ("eval", "test"):
        result = run(command, str(case))
        assert result.returncode == 1, command
        assert f"{case}:1:8: error[missing_field]: `cases` is an empty list" in result.stderr


def test_test_asserts_errors(tmp_path: Path) -> None:
    case = tmp_path / "errors.yaml"
    case.write_text(
        ISSUE_CASE + "expect:\n  adre_total: 500\n  orientation_organisme: {error: not_in_force}\n"
        "  aave_objectif: emploi\n"
    )
    assert run("test", str(case)).returncode == 0
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        ISSUE_CASE + "expect:\n  orientation_organisme: {error: missing_fact}\n  adre_total: {error: not_in_force}\n"
    )
    result = run("test", str(wrong))
    assert result.returncode == 1
    assert "orientation_organisme: expected {error: missing_fact}, got {error: not_in_force}" in result.stdout
    assert "adre_total: expected {error: not_in_force}, got 500" in result.stdout
    value = tmp_path / "value.yaml"
    value.write_text(ISSUE_CASE + "expect:\n  orientation_organisme: mds\n")
    result = run("test", str(value))
    assert result.returncode == 1 and "got {error: not_in_force}" in result.stdout
    assert "error[not_in_force]" in result.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(ISSUE_CASE + "expect:\n  orientation_organisme: {error: nope}\n")
    result = run("test", str(bad))
    assert result.returncode == 1 and "error[invalid_value]" in result.stderr


def test_test_only_compares_what_expect_names(tmp_path: Path) -> None:
    case = tmp_path / "some.yaml"
    case.write_text(ISSUE_CASE + "expect:\n  adre_total: 500\n")  # orientation fails, but is not asked
    assert run("test", str(case)).returncode == 0

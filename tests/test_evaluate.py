"""Evaluation through the public API: values, dated versions, `as of`, fact errors, explanations."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import write_policy

from engine import CaseError, Code, EvaluationError, Policy, PolicyError, load_policy
from engine import evaluate as evaluate_module

BORN = date(1980, 1, 1)


def test_values_and_versions(mini: Policy) -> None:
    facts = {"born": BORN, "available": True, "start": date(2024, 12, 31)}
    before = mini.evaluate(facts, at=date(2024, 6, 1))
    after = mini.evaluate(facts, at=date(2025, 6, 1))
    assert before["route"] == after["route"] == "pro"
    assert before["total"] == Decimal("500") and isinstance(before["total"], Decimal)
    # `delay as of start`: the law on the start day (1 month), whatever the evaluation date.
    assert before["deadline"] == after["deadline"] == date(2025, 1, 31)
    assert mini.evaluate({**facts, "start": date(2025, 1, 31)}, at=date(2025, 6, 1))["deadline"] == date(2025, 3, 31)


def test_the_2025_version_ignores_age(mini: Policy) -> None:
    young = {"born": date(2010, 1, 1), "available": True}
    assert mini.evaluate(young, at=date(2024, 6, 1))["route"] == "social"
    assert mini.evaluate(young, at=date(2025, 6, 1))["route"] == "pro"


def test_only_requested_decisions_are_computed(mini: Policy) -> None:
    d = mini.evaluate({"start": date(2024, 1, 1)}, at=date(2024, 6, 1), decisions=["deadline"])
    assert list(d) == ["deadline"]


def test_unknown_and_mistyped_facts_are_errors_naming_the_fact(mini: Policy) -> None:
    with pytest.raises(CaseError) as info:
        mini.evaluate({"bornn": BORN, "available": "yes", "amount": 1.5}, at=date(2024, 1, 1))
    found = {d.code: d.message for d in info.value.diagnostics}
    assert "did you mean `born`" in found[Code.UNKNOWN_FACT]
    messages = [d.message for d in info.value.diagnostics if d.code is Code.FACT_TYPE]
    assert any("`available` must be true or false" in m for m in messages)
    assert any("`amount`" in m and "not a float" in m for m in messages)


def test_unknown_decision(mini: Policy) -> None:
    with pytest.raises(CaseError) as info:
        mini.evaluate({}, at=date(2024, 1, 1), decisions=["routes"])
    assert info.value.diagnostics[0].code is Code.UNKNOWN_DECISION
    assert "did you mean `route`" in info.value.diagnostics[0].message


def test_no_version_in_force(mini: Policy) -> None:
    decision = mini.evaluate({}, at=date(2019, 12, 31))
    assert set(decision.errors) == set(mini.decisions) and not decision.values
    with pytest.raises(EvaluationError) as info:
        decision["route"]
    d = info.value.diagnostics[0]
    assert d.code is Code.NOT_IN_FORCE and "2019-12-31" in d.message
    assert decision.errors["route"].code == "not_in_force" and decision.errors["route"].diagnostic == d


def test_a_missing_required_fact_names_the_chain(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        """
facts:
  n: {type: int, label: N}
rules:
  inner:
    label: inner
    type: int
    output: false
    references: [{article: X}]
    from: 2020-01-01
    formula: n + 1
  outer:
    label: outer
    type: int
    references: [{article: X}]
    from: 2020-01-01
    formula: inner * 2
""",
    )
    policy = load_policy(path)
    decision = policy.evaluate({}, at=date(2024, 1, 1))
    with pytest.raises(EvaluationError) as info:
        decision["outer"]
    d = info.value.diagnostics[0]
    assert d.code is Code.MISSING_FACT and "`outer` → `inner` → `n`" in d.message
    error = decision.errors["outer"]
    assert (error.code, error.culprit, error.chain) == ("missing_fact", "n", ("outer", "inner", "n"))
    assert policy.evaluate({"n": 2}, at=date(2024, 1, 1))["outer"] == 6


def test_division_by_zero_is_a_located_policy_error(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        """
facts:
  n: {type: int, label: N}
rules:
  r:
    label: r
    type: decimal
    references: [{article: X}]
    from: 2020-01-01
    formula: 10 / n
""",
    )
    policy = load_policy(path)
    assert policy.evaluate({"n": 4}, at=date(2024, 1, 1))["r"] == Decimal("2.5")
    with pytest.raises(EvaluationError) as info:
        policy.evaluate({"n": 0}, at=date(2024, 1, 1))["r"]
    assert info.value.diagnostics[0].span.line == 10
    assert policy.evaluate({"n": 0}, at=date(2024, 1, 1)).errors["r"].code == "evaluation_error"


def test_tracing_off_never_runs_the_interpreter(mini: Policy, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the interpreter ran with tracing off")

    monkeypatch.setattr(evaluate_module, "Interpreter", refuse)
    d = mini.evaluate({"born": BORN, "available": True}, at=date(2024, 6, 1))
    assert d["route"] == "pro"


def test_both_backends_agree(mini: Policy) -> None:
    for available in (True, False):
        for at in (date(2024, 6, 1), date(2025, 6, 1)):
            facts = {"born": BORN, "available": available, "start": date(2024, 1, 31), "amount": 10}
            assert dict(mini.evaluate(facts, at=at)) == dict(mini.evaluate(facts, at=at, trace=True))


def test_explain_says_why_and_why_not(mini: Policy) -> None:
    d = mini.evaluate({"born": date(2010, 1, 1), "available": True}, at=date(2024, 6, 1))
    text = str(d.explain("route"))
    assert "Retenu (ligne « sinon ») : Sinon" in text
    assert "ligne 1 : Disponible et majeur" in text
    assert "l'âge compté de la date de naissance à la date d'évaluation est inférieur à 26" in text
    assert "Art. 4" in text and "du 1er janvier 2020 au 31 décembre 2024" in text


def test_explain_as_json(mini: Policy) -> None:
    d = mini.evaluate({"born": BORN, "available": True, "start": date(2024, 12, 31)}, at=date(2025, 6, 1))
    data = d.explain("deadline").to_dict()
    json.dumps(data)  # serialisable
    assert data["value"] == "2025-01-31"
    trace = data["trace"]
    assert isinstance(trace, dict)
    inputs = {i["name"]: i for i in trace["inputs"]}  # type: ignore[index]
    assert inputs["delay"]["law_date"] == "2024-12-31" and inputs["delay"]["as_of"] is True
    assert d.explain("deadline").to_markdown().startswith("## ")


def test_explain_unknown_decision(mini: Policy) -> None:
    d = mini.evaluate({}, at=date(2024, 6, 1))
    with pytest.raises(PolicyError):
        d.explain("nope")


def test_bad_at() -> None:
    policy = load_policy(Path(__file__).parent / "fixtures" / "mini")
    with pytest.raises(CaseError):
        policy.evaluate({}, at="2024-01-01")  # type: ignore[arg-type]


def test_null_means_absent_so_defaults_apply(rsa: Policy) -> None:
    at = date(2022, 3, 15)
    given = {"soumis_droits_et_devoirs": None, "inscrit_france_travail": None, "date_naissance": None}
    assert dict(rsa.evaluate(given, at=at)) == dict(rsa.evaluate({}, at=at))
    assert rsa.evaluate({"soumis_droits_et_devoirs": None}, at=at)["orientation_mode"] == "reunion_de_situation"


def test_why_not_finds_the_rows_giving_that_value(rsa: Policy) -> None:
    facts = {
        "date_naissance": date(1975, 9, 12),
        "date_entree_rsa": date(2023, 1, 16),
        "suivi_social_mds_en_cours": True,
    }
    d = rsa.evaluate(facts, at=date(2023, 3, 1))
    text = d.explain("orientation_organisme").why_not("pole_emploi")
    assert "Elle vaut mds" in text
    # Row 1 (registration) failed; row 3 (réunion, professional route) was not examined, and would fail anyway.
    assert (
        "ligne 1" in text
        and "(orientation_automatique_inscription) : non, alors que cette ligne demande « oui »" in text
    )
    assert "ligne 3" in text and "non examinée : la ligne 2 s'applique en priorité" in text
    assert "le parcours selon l'analyse de la situation n'est pas « Parcours professionnel » : il vaut social" in text
    assert "Elle vaut justement" in d.explain("orientation_organisme").why_not("mds")
    assert "Valeurs possibles" in d.explain("orientation_organisme").why_not("paris")


def test_case_files_can_give_durations_and_lists(tmp_path: Path) -> None:
    from engine.cases import load_cases, run_case

    path = write_policy(
        tmp_path,
        """
facts:
  delai: {type: duration, label: Délai}
  villes: {type: "list[text]", label: Villes}
  depart: {type: date, label: Départ}
rules:
  fin:
    label: Fin
    type: date
    references: [{article: X}]
    from: 2020-01-01
    formula: depart + delai
  chez_nous:
    label: Chez nous
    type: bool
    references: [{article: X}]
    from: 2020-01-01
    formula: '"melun" in villes'
""",
    )
    policy = load_policy(path)
    case = tmp_path / "case.yaml"
    case.write_text(
        "at: 2024-01-01\nfacts:\n  delai: 1 month\n  villes: [melun, meaux]\n  depart: 2024-01-31\n"
        "expect:\n  fin: 2024-02-29\n  chez_nous: true\n"
    )
    (loaded,) = load_cases(case, policy)
    assert run_case(policy, loaded).passed
    case.write_text("at: 2024-01-01\nfacts:\n  delai: un mois\n  depart: 2024-01-31\n")
    with pytest.raises(CaseError) as info:
        load_cases(case, policy)
    assert info.value.diagnostics[0].span.line == 3 and "duration" in info.value.diagnostics[0].message

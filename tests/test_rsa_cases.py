"""The RSA pack's case files (policy/tests, policy/examples), through both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import POLICY_DIR

from engine import Policy, load_policy
from engine.cases import Case, case_files, load_cases, run_case

_POLICY = load_policy(POLICY_DIR)
CASES = [
    pytest.param(case, id=case.id)
    for path in case_files([POLICY_DIR / "tests", POLICY_DIR / "examples"]).files
    for case in load_cases(path, _POLICY)
]


def test_there_are_cases() -> None:
    assert len(CASES) >= 100


@pytest.mark.parametrize("trace", [False, True], ids=["generated", "interpreter"])
@pytest.mark.parametrize("case", CASES)
def test_case(case: Case, trace: bool, rsa: Policy) -> None:
    result = run_case(rsa, case, trace=trace)
    assert result.error is None, result.error.render() if result.error else ""
    assert not result.mismatches, [(m.decision, m.expected, m.got) for m in result.mismatches]


def test_the_public_examples_are_kept_unchanged() -> None:
    text = (POLICY_DIR / "tests" / "examples.yaml").read_text(encoding="utf-8")
    assert text.startswith("cases:\n- description: 'Inscrit à Pôle emploi : orientation automatique, PPAE'")
    assert text.count("- description:") == 7


def test_the_pack_checks_without_warnings(rsa: Policy) -> None:
    assert rsa.warnings == []


VOCABULARY_DECISIONS = {
    "orientation_mode": "mode_orientation?",
    "orientation_parcours": "parcours?",
    "orientation_organisme": "organisme?",
    "orientation_date_cible": "date?",
    "contrat_type": "type_contrat?",
    "contrat_date_limite": "date?",
    "contrat_statut": "statut_contrat?",
    "contrat_jours_de_retard": "int?",
    "aave_objectif": "objectif_aave?",
    "adre_versement_prise_de_poste": "money",
    "adre_date_versement_six_mois": "date?",
    "adre_versement_six_mois": "money",
    "adre_total": "money",
}


def test_every_decision_of_the_vocabulary_exists_with_its_type(rsa: Policy) -> None:
    assert set(rsa.decisions) == set(VOCABULARY_DECISIONS)
    for name, ty in VOCABULARY_DECISIONS.items():
        assert str(rsa.plan.rules[name].type) == ty


def test_every_rule_cites_its_legal_basis(rsa: Policy) -> None:
    for rule in rsa.plan.rules.values():
        for version in rule.versions:
            assert rule.decl.references or version.references, rule.name


def test_every_assumption_parameter_says_why(rsa: Policy) -> None:
    assumptions = [p for p in rsa.plan.parameters.values() if p.decl.assumption]
    assert assumptions
    for p in assumptions:
        assert all(v.note for v in p.decl.values), p.name


def test_case_files_are_listed() -> None:
    assert any(Path(p).name == "examples.yaml" for p in case_files([POLICY_DIR / "tests"]).files)


def test_assumption_a4_is_a_switch_a_policy_officer_can_flip(tmp_path: Path) -> None:
    import shutil
    from datetime import date

    copy = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, copy)
    path = copy / "parameters" / "orientation.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  inscription_prioritaire_sur_suivi_mds:")
    head, tail = text[:start], text[start:]
    path.write_text(head + tail.replace("valeur: vrai", "valeur: faux", 1), encoding="utf-8")
    facts = {
        "date_naissance": date(1977, 2, 2),
        "date_entree_rsa": date(2022, 3, 1),
        "inscrit_france_travail": True,
        "suivi_social_mds_en_cours": True,
    }
    at = date(2022, 4, 1)
    assert load_policy(POLICY_DIR).evaluate(facts, at=at)["orientation_organisme"] == "pole_emploi"
    flipped = load_policy(copy).evaluate(facts, at=at)
    assert (flipped["orientation_organisme"], flipped["orientation_parcours"]) == ("mds", "social")
    assert flipped["orientation_mode"] == "automatique"
    # Registered but too young for the MDS criteria: registration still decides.
    young = load_policy(copy).evaluate({**facts, "date_naissance": date(2000, 1, 1)}, at=at)
    assert young["orientation_organisme"] == "pole_emploi"

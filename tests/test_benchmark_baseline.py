"""Cross-check: the RSA rule pack against a hand-written function, on a generated population.

`benchmarks/baseline.py` is written from vocabulary.md alone, in plain Python; the engine runs
`policy/`. Both must give the same thirteen decisions on every case of a seeded population of
2000 (`benchmarks/population.py`) that covers every route, law change and deadline boundary.
The baseline itself is pinned to the hand-computed expectations of the pack's case files, so a
disagreement points at the pack (or the engine), not at the baseline.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.baseline import DECISIONS, decide  # noqa: E402
from benchmarks.population import TERRITOIRES, generate  # noqa: E402
from engine import load_policy  # noqa: E402

N_CASES = 2000
N_TRACED = 250
SEED = 2025
EVENTS = ("date_entree_rsa", "date_notification_orientation", "date_signature_contrat", "date_entree_aave")
MONEY = ("adre_versement_prise_de_poste", "adre_versement_six_mois", "adre_total")


@pytest.fixture(scope="module")
def policy():
    return load_policy(ROOT / "policy")


@pytest.fixture(scope="module")
def population() -> list[tuple[dict[str, object], date]]:
    return generate(N_CASES, seed=SEED)


def same(name: str, engine_value: object, baseline_value: object) -> bool:
    """Equal decisions: money numerically (500 == 500.00), everything else by type and value."""
    if name in MONEY:
        return (
            isinstance(engine_value, Decimal)
            and isinstance(baseline_value, Decimal)
            and (engine_value == baseline_value)
        )
    return type(engine_value) is type(baseline_value) and engine_value == baseline_value


def disagreements(policy, cases, trace: bool = False) -> list[str]:
    found = []
    for i, (facts, at) in enumerate(cases):
        got = policy.evaluate(facts, at=at, trace=trace)
        expected = decide(facts, at)
        assert set(got) == set(DECISIONS), f"case {i}: engine decisions {sorted(got)}"
        for name in DECISIONS:
            if not same(name, got[name], expected[name]):
                found.append(
                    f"case {i} at={at} {name}: engine {got[name]!r}, baseline {expected[name]!r}; facts={facts!r}"
                )
    return found


def test_engine_agrees_with_baseline_on_every_decision(policy, population):
    found = disagreements(policy, population)
    assert not found, f"{len(found)} disagreements, first ones:\n" + "\n".join(found[:10])


def test_traced_engine_agrees_with_baseline(policy, population):
    found = disagreements(policy, population[:N_TRACED], trace=True)
    assert not found, f"{len(found)} disagreements, first ones:\n" + "\n".join(found[:10])


def test_baseline_matches_the_hand_computed_case_files():
    """The baseline is right where a person computed the answer (policy case files, spec examples)."""
    files = [
        *sorted((ROOT / "policy").glob("tests/*.yaml")),
        *sorted((ROOT / "policy").glob("examples/*.yaml")),
    ]
    spec = Path("/work/shared/spec/cases/examples.yaml")
    if spec.exists():
        files.append(spec)
    checked, wrong = 0, []
    for path in files:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in document.get("cases", [document]):
            expect = {n: v for n, v in (case.get("expect") or {}).items() if not isinstance(v, dict)}
            if len(expect) < len(case.get("expect") or {}):
                continue  # a case expecting an error: the baseline does not model the law's dates
            result = decide(case.get("facts") or {}, case["at"])
            for name, value in expect.items():
                checked += 1
                want = Decimal(str(value)) if name in MONEY else value
                if not same(name, want, result[name]):
                    wrong.append(
                        f"{path.name}: {case.get('description', '')[:60]!r} {name}: "
                        f"expected {value!r}, baseline {result[name]!r}"
                    )
    assert checked > 100
    assert not wrong, "\n".join(wrong)


def test_population_respects_the_vocabulary(policy, population):
    declared = set(policy.facts)
    bools = {
        "soumis_droits_et_devoirs",
        "inscrit_france_travail",
        "suivi_social_mds_en_cours",
        "disponible_emploi",
        "difficulte_logement",
        "sans_logement",
        "difficulte_sante",
        "freins_peripheriques",
        "suit_coup_de_pouce",
    }
    organismes = {"pole_emploi", "france_travail", "mds", "aave", "cos_iti"}
    for facts, at in population:
        assert set(facts) <= declared
        assert type(at) is date and date(2019, 3, 1) <= at <= date(2026, 12, 31)
        for name, value in facts.items():
            if name in bools:
                assert type(value) is bool, name
            elif name.startswith("date_"):
                assert type(value) is date, name
        for event in EVENTS:
            assert facts.get(event) is None or facts[event] <= at, event  # type: ignore[operator]
        if "territoire_mds" in facts:
            assert facts["territoire_mds"] in TERRITOIRES and facts["territoire_mds"].islower()
        assert facts.get("organisme_referent") in organismes | {None}
        if "date_signature_contrat" in facts:
            assert facts["date_notification_orientation"] <= facts["date_signature_contrat"]
    assert generate(50, seed=SEED) == population[:50], "the population must be deterministic"


def test_population_covers_every_outcome(population):
    """Every value of every enum decision, and both sides of each boundary, occur."""
    seen: dict[str, Counter[object]] = {name: Counter() for name in DECISIONS}
    for facts, at in population:
        for name, value in decide(facts, at).items():
            seen[name][value if not isinstance(value, date) else "date"] += 1
    wanted = {
        "orientation_mode": {None, "automatique", "reunion_de_situation"},
        "orientation_parcours": {None, "professionnel", "socioprofessionnel", "social"},
        "orientation_organisme": {None, "pole_emploi", "france_travail", "mds", "aave", "cos_iti"},
        "contrat_type": {None, "ppae", "cer_professionnel", "cer_social", "contrat_engagement"},
        "contrat_statut": {None, "signe_dans_les_delais", "signe_hors_delai", "en_retard", "a_signer"},
        "aave_objectif": {None, "emploi", "transition", "hors_cadre"},
        "adre_total": {Decimal(0), Decimal(500), Decimal(1000)},
        "orientation_date_cible": {None, "date"},
        "adre_date_versement_six_mois": {None, "date"},
    }
    for name, values in wanted.items():
        assert values <= set(seen[name]), f"{name}: missing {values - set(seen[name])}"
    # The dated law: entries just before and after 2024-01-01 and 2025-01-01, cases without an
    # entry date, contracts notified in 2025 after a 2024 orientation, ages on both sides of 26.
    entries = [f.get("date_entree_rsa") for f, _ in population]
    assert any(e is None for e in entries)
    for pivot in (date(2024, 1, 1), date(2025, 1, 1)):
        assert any(e is not None and 0 < (pivot - e).days <= 31 for e in entries), pivot
        assert any(e is not None and 0 <= (e - pivot).days <= 31 for e in entries), pivot
    assert any(
        f.get("date_entree_rsa") is not None
        and f["date_entree_rsa"] < date(2025, 1, 1)
        and f.get("date_notification_orientation") is not None
        and f["date_notification_orientation"] >= date(2025, 1, 1)
        for f, _ in population
    )
    ages = Counter()
    for facts, at in population:
        law, birth = facts.get("date_entree_rsa") or at, facts.get("date_naissance")
        followed = facts.get("suivi_social_mds_en_cours") and not facts.get("inscrit_france_travail")
        if followed and birth and law < date(2025, 1, 1) and (law - birth).days // 365 in (25, 26):
            ages[decide(facts, at)["orientation_mode"]] += 1
    assert ages["automatique"] and ages["reunion_de_situation"], ages

"""Cross-check: the RSA rule pack against a hand-written function, on a generated population.

`benchmarks/baseline.py` is written from docs/vocabulary.md alone, in plain Python; the engine
runs the pack's rules. Both must give the same thirteen decisions on every case of a seeded
population of 2000 (`benchmarks/population.py`) that covers every route, law change and
deadline boundary. The baseline itself is pinned to the hand-computed expectations of the pack's
case files, so a disagreement points at the pack (or the engine), not at the baseline.

The baseline hard-codes the parameters' default values (500 € for the ADRE, 26 years, one and two
months…), so the engine runs the pack's rules and facts (`policy/`) with a pinned copy of its
parameters (`tests/fixtures/rsa-pinned-parameters/`, the values the baseline assumes). A policy
officer who changes a parameter in `policy/parameters/` (a new amount from a date on, as the
policy officer's guide shows) changes neither side of this comparison. When a parameter is
added to the pack, copy `policy/parameters/*.yaml` into the fixture folder again and check that
`test_the_pinned_parameters_are_the_baselines` still passes.
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
from benchmarks.pinned import pinned_pack  # noqa: E402
from benchmarks.population import TERRITOIRES, generate  # noqa: E402
from engine import Duration, load_policy  # noqa: E402

N_CASES = 2000
N_TRACED = 250
SEED = 2025
EVENTS = ("date_entree_rsa", "date_notification_orientation", "date_signature_contrat", "date_entree_aave")
MONEY = ("adre_versement_prise_de_poste", "adre_versement_six_mois", "adre_total")


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    return load_policy(pinned_pack(ROOT / "policy", tmp_path_factory.mktemp("pinned")))


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


def test_baseline_matches_the_hand_computed_case_files(policy):
    """The baseline is right where a person computed the answer (the pack's case files). A case
    whose expectation the pinned pack does not give either rests on a parameter a policy officer
    changed (a new amount from a date on): it says nothing about the baseline, and is skipped."""
    files = [
        *sorted((ROOT / "policy").glob("tests/*.yaml")),
        *sorted((ROOT / "policy").glob("examples/*.yaml")),
    ]
    checked, wrong = 0, []
    for path in files:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in document.get("cases", [document]):
            expect = {n: v for n, v in (case.get("expect") or {}).items() if not isinstance(v, dict)}
            if len(expect) < len(case.get("expect") or {}):
                continue  # a case expecting an error: the baseline does not model the law's dates
            result = decide(case.get("facts") or {}, case["at"])
            pinned = policy.evaluate(
                case.get("facts") or {}, at=case["at"], decisions=[n for n in expect if n in DECISIONS]
            )
            for name, value in expect.items():
                if name not in DECISIONS:
                    continue  # an intermediate rule: not the baseline's business
                want = Decimal(str(value)) if name in MONEY else value
                if not same(name, want, pinned[name]):
                    continue  # rests on a parameter changed since the pin
                checked += 1
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


def test_the_pinned_parameters_are_the_baselines(policy):
    """The pinned parameters are the defaults the baseline hard-codes, on every date of the
    population (a stale or edited pin would make the agreement above meaningless)."""
    from benchmarks import baseline

    plan = policy.plan

    def value(name: str, day: date) -> object:
        p = plan.parameters[name]
        index = p.index_on(day)
        assert index >= 0, f"{name} has no value on {day}"
        return p.values[index]

    for day in (date(2019, 3, 1), date(2021, 1, 1), date(2024, 6, 1), date(2026, 12, 31)):
        assert value("age_min_orientation_auto_mds", day) == baseline.AGE_MIN_ORIENTATION_AUTO_MDS
        assert value("cos_iti_territoires", day) == baseline.COS_ITI_TERRITOIRES
        assert value("inscription_prioritaire_sur_suivi_mds", day) is True
        assert value("aave_assimilee_service_public_emploi", day) is True
        assert value("proroger_jour_non_ouvrable", day) is False
        assert value("adre_en_vigueur", day) is (day >= baseline.ADRE_DEBUT)
        if day >= baseline.ADRE_DEBUT:
            assert value("adre_montant_prise_de_poste", day) == baseline.ADRE_MONTANT_PRISE_DE_POSTE
            assert value("adre_montant_six_mois", day) == baseline.ADRE_MONTANT_SIX_MOIS
    assert value("adre_en_vigueur", date(2020, 12, 31)) is False
    assert plan.parameters["adre_montant_prise_de_poste"].starts[0] == baseline.ADRE_DEBUT
    assert value("aave_organisme_delegataire", date(2025, 1, 1)) is baseline.AAVE_ORGANISME_DELEGATAIRE
    months = {
        "orientation_delai_cible": baseline.ORIENTATION_DELAI_CIBLE_MOIS,
        "cer_professionnel_delai": baseline.CER_PROFESSIONNEL_DELAI_MOIS,
        "cer_social_delai": baseline.CER_SOCIAL_DELAI_MOIS,
        "aave_duree_objectif_emploi": baseline.AAVE_DUREE_OBJECTIF_EMPLOI_MOIS,
        "aave_duree_limite_transition": baseline.AAVE_DUREE_LIMITE_TRANSITION_MOIS,
        "adre_duree_maintien_poste": baseline.ADRE_DUREE_MAINTIEN_POSTE_MOIS,
        "contrat_engagement_delai": baseline.CONTRAT_ENGAGEMENT_DELAI_MOIS,
    }
    for name, n in months.items():
        for start in plan.parameters[name].starts:  # one duration on every date of the pin
            assert value(name, start) == Duration(months=n), name

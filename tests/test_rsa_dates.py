"""The law dated where it was made (RSA pack): every start date of a version or value has a source
or is a flagged assumption with its note, the explanation says « HYPOTHÈSE » for each assumed
start, each article is cited in the version in force on the date applied, and every start date
is tested the day before and the day of (values in policy/tests/droit-date-limites.yaml, errors
here)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine import EvaluationError, Policy


def value_or_error(policy: Policy, facts: dict[str, object], at: date, name: str) -> object:
    """The decision's value, or the EvaluationError it fails with (whether `evaluate` raises it or
    the decision carries it)."""
    try:
        return policy.evaluate(facts, at=at, decisions=[name])[name]
    except EvaluationError as exc:
        return exc


def explain(policy: Policy, facts: dict[str, object], at: date, name: str) -> str:
    return str(policy.evaluate(facts, at=at, decisions=[name]).explain(name))


# -- every start date has a source or is a flagged assumption with its note ------------------------


def test_every_rule_version_start_has_a_reference_in_force_or_is_a_flagged_assumption(rsa: Policy) -> None:
    bare = []
    for rule in rsa.plan.rules.values():
        for version in rule.versions:
            refs = [r for r in rule.decl.references + version.decl.references if r.in_force(version.start)]
            if version.decl.assumption:
                if not (version.decl.note and version.decl.note.strip()):
                    bare.append(f"{rule.name} {version.start}: assumption without a note")
            elif not refs:
                bare.append(f"{rule.name} {version.start}: no reference in force on its first day")
    assert bare == []


def test_every_parameter_value_start_has_a_reference_in_force_or_is_a_flagged_assumption(rsa: Policy) -> None:
    bare = []
    for p in rsa.plan.parameters.values():
        for v in p.decl.values:
            if p.decl.assumption or v.assumption:
                if not (v.note and v.note.strip()):
                    bare.append(f"{p.name} {v.start}: assumption without a note")
            elif not [r for r in v.references if r.in_force(v.start)]:
                bare.append(f"{p.name} {v.start}: no reference in force on its first day")
    assert bare == []


@pytest.mark.parametrize(
    ("name", "point"),
    [
        ("age_min_orientation_auto_mds", "A1"),
        ("inscription_prioritaire_sur_suivi_mds", "A4"),
        ("cos_iti_territoires", "A6"),
        ("aave_assimilee_service_public_emploi", "A7"),
        ("adre_duree_maintien_poste", "A12"),
        ("proroger_jour_non_ouvrable", "R5"),
        ("adre_en_vigueur", "Hypothèse"),
        ("aave_organisme_delegataire", "Hypothèse"),
    ],
)
def test_assumption_parameters_are_flagged_with_a_note_naming_the_point(rsa: Policy, name: str, point: str) -> None:
    p = rsa.plan.parameters[name].decl
    assert p.assumption
    assert all(v.note and point in v.note for v in p.values)


@pytest.mark.parametrize(
    ("kind", "name", "start"),
    [
        ("rule", "orientation_mode_selon_circuit", date(2019, 3, 1)),
        ("rule", "orientation_parcours_selon_circuit", date(2019, 3, 1)),
        ("rule", "orientation_organisme_selon_circuit", date(2019, 3, 1)),
        ("rule", "orientation_automatique_inscription", date(2019, 3, 1)),
        ("rule", "orientation_automatique_mds", date(2019, 3, 1)),
        ("rule", "criteres_mds_remplis", date(2019, 3, 1)),
        ("rule", "aave_objectif_selon_convention", date(2020, 1, 1)),
        ("parameter", "aave_duree_objectif_emploi", date(2020, 1, 1)),
        ("parameter", "aave_duree_limite_transition", date(2020, 1, 1)),
        ("parameter", "orientation_delai_cible", date(2019, 1, 1)),
        ("parameter", "adre_montant_prise_de_poste", date(2021, 1, 1)),
        ("parameter", "adre_montant_six_mois", date(2021, 1, 1)),
        ("parameter", "adre_en_vigueur", date(2021, 1, 1)),
    ],
)
def test_start_dates_the_sources_do_not_give_are_flagged(rsa: Policy, kind: str, name: str, start: date) -> None:
    if kind == "rule":
        rule = rsa.plan.rules[name]
        flagged = [v.decl for v in rule.versions if v.start == start and v.decl.assumption and v.decl.note]
    else:
        p = rsa.plan.parameters[name].decl
        flagged = [v for v in p.values if v.start == start and (p.assumption or v.assumption) and v.note]
    assert flagged, f"{name}: the start {start} is not a flagged assumption with a note"


def test_the_circuit_start_note_quotes_the_source_and_says_what_is_not_encoded(rsa: Policy) -> None:
    note = rsa.plan.rules["orientation_mode_selon_circuit"].versions[0].decl.note or ""
    assert "Depuis mars 2019" in note and "janvier 2017" in note


def test_the_aave_start_note_points_to_both_passages(rsa: Policy) -> None:
    note = rsa.plan.rules["aave_objectif_selon_convention"].versions[0].decl.note or ""
    assert "2020" in note and "2022" in note


# -- the explanation says « HYPOTHÈSE » for each assumed start ------------------------------------


def test_explaining_an_orientation_flags_the_assumed_circuit_start(rsa: Policy) -> None:
    text = explain(
        rsa,
        {"date_entree_rsa": date(2019, 3, 1), "inscrit_france_travail": True},
        date(2019, 3, 15),
        "orientation_organisme",
    )
    assert "HYPOTHÈSE à confirmer (Date de début supposée : la CALPAE 2022 (fiche 3) écrit « Depuis mars 2019" in text
    assert "[HYPOTHÈSE sur la version appliquée]" in text


def test_explaining_the_aave_track_flags_its_assumed_start(rsa: Policy) -> None:
    text = explain(rsa, {"date_entree_aave": date(2021, 1, 15)}, date(2022, 6, 1), "aave_objectif")
    assert "HYPOTHÈSE à confirmer (Date de début supposée : 1er janvier 2020" in text


def test_explaining_the_adre_flags_its_assumed_start(rsa: Policy) -> None:
    facts = {"suit_coup_de_pouce": True, "date_prise_de_poste": date(2022, 1, 10)}
    text = explain(rsa, facts, date(2022, 6, 1), "adre_versement_prise_de_poste")
    line = next(x for x in text.splitlines() if "(adre_montant_prise_de_poste) : 500,00 €" in x)
    assert "HYPOTHÈSE à confirmer" in line and "1er janvier 2021" in line
    line = next(x for x in text.splitlines() if "(adre_en_vigueur) : oui" in x)
    assert "HYPOTHÈSE à confirmer" in line and "1er juillet 2022" in line


def test_explaining_the_target_date_flags_its_assumed_start(rsa: Policy) -> None:
    text = explain(rsa, {"date_entree_rsa": date(2019, 1, 1)}, date(2019, 1, 15), "orientation_date_cible")
    line = next(x for x in text.splitlines() if "(orientation_delai_cible) : 1 mois" in x)
    assert "HYPOTHÈSE à confirmer" in line and "« dès 2019 »" in line


def test_json_explanation_flags_the_assumed_version(rsa: Policy) -> None:
    decision = rsa.evaluate({"date_entree_aave": date(2021, 1, 15)}, at=date(2022, 6, 1), decisions=["aave_objectif"])
    data = decision.explain("aave_objectif").to_dict()
    trace = data["trace"]
    assert isinstance(trace, dict)
    assert trace["version"]["assumption"] is False
    assert {"rule": "aave_objectif_selon_convention", "law_date": "2022-06-01"} in trace["depends_on"]
    inner = next(t for t in data["records"] if t["rule"] == "aave_objectif_selon_convention")  # type: ignore[attr-defined]
    assert inner["version"]["assumption"] is True and "2022" in inner["version"]["note"]


# -- each article in the version in force on the date applied -------------------------------------


@pytest.mark.parametrize(
    ("notified", "cited", "not_cited"),
    [
        (date(2015, 3, 21), "L.262-36 (version du 1er juin 2009", "L.262-36 (version du 22 mars 2015"),
        (date(2015, 3, 22), "L.262-36 (version du 22 mars 2015", "L.262-36 (version du 1er juin 2009"),
    ],
)
def test_the_deadline_cites_the_wording_in_force_on_the_notification(
    rsa: Policy, notified: date, cited: str, not_cited: str
) -> None:
    facts = {"date_notification_orientation": notified, "organisme_referent": "mds"}
    text = explain(rsa, facts, notified, "contrat_date_limite")
    assert cited in text and not_cited not in text
    assert ("président du conseil général" in text) == (notified < date(2015, 3, 22))


@pytest.mark.parametrize(
    ("day", "cited"),
    [
        (date(2009, 12, 31), "L.262-29 (version du 1er juin 2009"),
        (date(2010, 1, 1), "L.262-29 (version du 1er janvier 2010"),
        (date(2015, 3, 21), "L.262-29 (version du 1er janvier 2010"),
        (date(2015, 3, 22), "L.262-29 (version du 22 mars 2015"),
        (date(2024, 12, 31), "L.262-29 (version du 22 mars 2015"),
        (date(2025, 1, 1), "première lecture par le Sénat"),
    ],
)
def test_the_orientation_criteria_cite_l262_29_in_its_version_of_the_day(rsa: Policy, day: date, cited: str) -> None:
    text = explain(rsa, {"disponible_emploi": True}, day, "parcours_selon_situation")
    cites = [x for x in text.splitlines() if "Fondement : CASF, art. L.262-29" in x]
    assert len(cites) == 1
    assert cited in cites[0]


@pytest.mark.parametrize(
    ("day", "cited"),
    [(date(2015, 12, 31), "version du 1er juin 2009"), (date(2016, 1, 1), "version du 1er janvier 2016")],
)
def test_the_obligations_cite_l262_28_in_its_version_of_the_day(rsa: Policy, day: date, cited: str) -> None:
    facts = {"date_notification_orientation": day, "organisme_referent": "mds"}
    text = explain(rsa, facts, day, "contrat_type")
    lines = [x for x in text.splitlines() if "Fondement : CASF, art. L.262-28" in x]
    assert len(lines) == 1 and cited in lines[0]


def test_hors_cadre_cites_the_equipe_pluridisciplinaire(rsa: Policy) -> None:
    text = explain(rsa, {"date_entree_aave": date(2019, 1, 15)}, date(2022, 1, 15), "aave_objectif")
    assert "hors_cadre" in text.splitlines()[0]
    assert "Fondement : CASF, art. L.262-39 (version du 22 mars 2015" in text
    assert "équipe pluridisciplinaire" in text


def test_the_2025_socioprofessional_route_is_attributed_to_the_departement_circuit(rsa: Policy) -> None:
    facts = {"disponible_emploi": True, "freins_peripheriques": True}
    text = explain(rsa, facts, date(2025, 3, 1), "parcours_selon_situation")
    reason = next(x for x in text.splitlines() if x.strip().startswith("Retenu"))
    assert "circuit du Département" in reason and "ne prévoit pas de parcours socioprofessionnel" in reason


# -- every start date, the day before and the day of --------------------------------------------


@pytest.mark.parametrize(
    ("first", "facts", "at", "name", "value"),
    [
        # contract regime: since the RSA's creation (loi n° 2008-1249), read on the notification date
        (date(2009, 6, 1), {"organisme_referent": "mds"}, None, "contrat_date_limite", date(2009, 8, 1)),
        # semi-automatic circuit: « depuis mars 2019 », read on the date of entry
        (date(2019, 3, 1), {"inscrit_france_travail": True}, date(2019, 3, 15), "orientation_organisme", "pole_emploi"),
        # anti-poverty strategy target: « dès 2019 », read on the date of entry
        (date(2019, 1, 1), {}, date(2019, 1, 15), "orientation_date_cible", date(2019, 2, 1)),
        # AAVE tracks: assumed 1 January 2020, read on the evaluation date
        (date(2020, 1, 1), {"date_entree_aave": date(2019, 6, 1)}, None, "aave_objectif", "emploi"),
    ],
)
def test_each_start_date_day_before_and_day_of(
    rsa: Policy, first: date, facts: dict[str, object], at: date | None, name: str, value: object
) -> None:
    def case(day: date) -> tuple[dict[str, object], date]:
        given = dict(facts)
        if name.startswith("contrat"):
            given["date_notification_orientation"] = day
        elif name.startswith("orientation"):
            given["date_entree_rsa"] = day
        return given, at or day

    before = value_or_error(rsa, *case(first - timedelta(days=1)), name)
    assert isinstance(before, EvaluationError)
    assert before.diagnostics[0].code.value == "not_in_force"
    assert value_or_error(rsa, *case(first), name) == value


def test_an_entry_before_the_circuit_says_which_period_the_pack_covers(rsa: Policy) -> None:
    facts = {"date_entree_rsa": date(2018, 5, 2), "inscrit_france_travail": True}
    error = value_or_error(rsa, facts, date(2022, 6, 1), "orientation_organisme")
    assert isinstance(error, EvaluationError)
    d = error.diagnostics[0]
    assert "is in force on 2018-05-02: the policy covers it from 2019-03-01" in d.message
    assert d.help is not None and "janvier 2017" in d.help and "1er mars 2019" in d.help


def test_the_adre_creation_day_before_and_day_of(rsa: Policy) -> None:
    facts: dict[str, object] = {"suit_coup_de_pouce": True}
    at = date(2021, 8, 1)
    facts["date_prise_de_poste"] = date(2020, 12, 31)
    assert value_or_error(rsa, facts, at, "adre_total") == 0
    facts["date_prise_de_poste"] = date(2021, 1, 1)
    assert value_or_error(rsa, facts, at, "adre_total") == 1000

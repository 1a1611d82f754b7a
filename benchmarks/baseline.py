"""The RSA decisions as a developer would hand-write them: one plain Python function, no engine.

    from benchmarks.baseline import decide
    decide({"date_entree_rsa": date(2022, 3, 1), "inscrit_france_travail": True}, date(2022, 3, 15))

`decide(facts, at)` returns every decision of `docs/vocabulary.md` with the
defaults given there. It is written from docs/vocabulary.md alone (not from the rule pack) so that it
is an independent cross-check of `policy/`, and it is written for speed: it is the reference
"hand-written function" of the benchmark. No validation: facts are trusted to have the types of
docs/vocabulary.md (dates as `datetime.date`, flags as `bool`).

Dated law, as docs/vocabulary.md and its defaults say:
- orientation follows the law in force on `date_entree_rsa` (on `at` when absent): the
  semi-automatic circuit until 2024-12-31, the loi pour le plein emploi from 2025-01-01; the
  public employment operator is `pole_emploi` before 2024-01-01 and `france_travail` from then;
- the contract regime is the one in force on `date_notification_orientation` (on `at` when
  absent): PPAE / CER until 2024-12-31, contrat d'engagement from 2025-01-01;
- the ADRE (created, by assumption, on 2021-01-01) is read on the job start date;
- the AAVE tracks apply from 2020-01-01 (an assumption of the pack); the baseline does not
  model the `not_in_force` error before that date, and the population stays after it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

__all__ = ["DECISIONS", "decide"]

# Parameters (docs/vocabulary.md defaults).
AGE_MIN_ORIENTATION_AUTO_MDS = 26
ORIENTATION_DELAI_CIBLE_MOIS = 1
CER_PROFESSIONNEL_DELAI_MOIS = 1
CER_SOCIAL_DELAI_MOIS = 2
CONTRAT_ENGAGEMENT_DELAI_MOIS = 1
AAVE_DUREE_OBJECTIF_EMPLOI_MOIS = 24
AAVE_DUREE_LIMITE_TRANSITION_MOIS = 36
ADRE_MONTANT_PRISE_DE_POSTE = Decimal("500")
ADRE_MONTANT_SIX_MOIS = Decimal("500")
ADRE_DUREE_MAINTIEN_POSTE_MOIS = 6
ADRE_DEBUT = date(2021, 1, 1)  # assumed creation of the ADRE (parameter adre_en_vigueur)
AAVE_ORGANISME_DELEGATAIRE = False
COS_ITI_TERRITOIRES = frozenset(("nemours", "montereau"))
# Dates of the law.
FRANCE_TRAVAIL = date(2024, 1, 1)  # Pôle emploi becomes France Travail
PLEIN_EMPLOI = date(2025, 1, 1)  # loi pour le plein emploi: orientation and contrat d'engagement

DECISIONS = (
    "orientation_mode", "orientation_parcours", "orientation_organisme", "orientation_date_cible",
    "contrat_type", "contrat_date_limite", "contrat_statut", "contrat_jours_de_retard",
    "aave_objectif",
    "adre_versement_prise_de_poste", "adre_date_versement_six_mois", "adre_versement_six_mois",
    "adre_total",
)  # fmt: skip

_ZERO = Decimal(0)
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _add_months(d: date, n: int) -> date:
    """Same day n months later, or that month's last day (vocabulary.md, date arithmetic)."""
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    day = d.day
    if day > 28:
        last = 29 if m == 2 and y % 4 == 0 and (y % 100 != 0 or y % 400 == 0) else _MONTH_DAYS[m - 1]
        if day > last:
            day = last
    return date(y, m, day)


def _age(birth: date, on: date) -> int:
    """Full years on `on`: birth + n years (add_months) must be on or before `on`."""
    years = on.year - birth.year
    if _add_months(birth, 12 * years) > on:
        years -= 1
    return years


def _parcours_selon_situation(facts: dict[str, object]) -> str:
    g = facts.get
    if g("difficulte_logement") or g("sans_logement") or g("difficulte_sante") or not g("disponible_emploi"):
        return "social"
    return "socioprofessionnel" if g("freins_peripheriques") else "professionnel"


def decide(facts: dict[str, object], at: date) -> dict[str, object]:
    g = facts.get
    out: dict[str, object]

    if g("soumis_droits_et_devoirs", True):
        # -- Orientation, under the law of the entry date (of `at` when unknown) -------------------
        entry = g("date_entree_rsa")
        law = entry or at
        operator = "pole_emploi" if law < FRANCE_TRAVAIL else "france_travail"
        if law >= PLEIN_EMPLOI:
            mode = "automatique"
            parcours = _parcours_selon_situation(facts)  # type: ignore[arg-type]
            if parcours == "social":
                organisme = "mds"
            elif parcours == "socioprofessionnel" and AAVE_ORGANISME_DELEGATAIRE:
                organisme = "cos_iti" if g("territoire_mds") in COS_ITI_TERRITOIRES else "aave"
            else:
                organisme = operator
        elif g("inscrit_france_travail"):
            mode, parcours, organisme = "automatique", "professionnel", operator
        elif (
            g("suivi_social_mds_en_cours")
            and (birth := g("date_naissance")) is not None
            and _age(birth, law) >= AGE_MIN_ORIENTATION_AUTO_MDS  # type: ignore[arg-type]
        ):
            mode, parcours, organisme = "automatique", "social", "mds"
        else:
            mode = "reunion_de_situation"
            parcours = _parcours_selon_situation(facts)  # type: ignore[arg-type]
            if parcours == "professionnel":
                organisme = operator
            elif parcours == "socioprofessionnel":
                organisme = "cos_iti" if g("territoire_mds") in COS_ITI_TERRITOIRES else "aave"
            else:
                organisme = "mds"
        cible = _add_months(entry, ORIENTATION_DELAI_CIBLE_MOIS) if entry is not None else None  # type: ignore[arg-type]

        # -- Contract, under the regime of the notification date (of `at` when unknown) ------------
        body = g("organisme_referent") or organisme
        notified = g("date_notification_orientation")
        if (notified or at) >= PLEIN_EMPLOI:
            contrat, delai = "contrat_engagement", CONTRAT_ENGAGEMENT_DELAI_MOIS
        elif body == "pole_emploi" or body == "france_travail":
            contrat, delai = "ppae", 0
        elif body == "mds":
            contrat, delai = "cer_social", CER_SOCIAL_DELAI_MOIS
        else:  # AAVE or COS ITI: another public-employment body (L.262-35)
            contrat, delai = "cer_professionnel", CER_PROFESSIONNEL_DELAI_MOIS
        limite = statut = retard = None
        if notified is not None and delai:
            limite = _add_months(notified, delai)  # type: ignore[arg-type]
            signed = g("date_signature_contrat")
            if signed is not None:
                retard = (signed - limite).days  # type: ignore[operator]
                statut = "signe_dans_les_delais" if retard <= 0 else "signe_hors_delai"
            else:
                retard = (at - limite).days
                statut = "en_retard" if retard > 0 else "a_signer"
            if retard < 0:
                retard = 0
        out = {
            "orientation_mode": mode,
            "orientation_parcours": parcours,
            "orientation_organisme": organisme,
            "orientation_date_cible": cible,
            "contrat_type": contrat,
            "contrat_date_limite": limite,
            "contrat_statut": statut,
            "contrat_jours_de_retard": retard,
        }
    else:  # not subject to the obligations (L.262-27): no orientation, no contract
        out = {
            "orientation_mode": None,
            "orientation_parcours": None,
            "orientation_organisme": None,
            "orientation_date_cible": None,
            "contrat_type": None,
            "contrat_date_limite": None,
            "contrat_statut": None,
            "contrat_jours_de_retard": None,
        }

    # -- AAVE differentiated tracks (whatever the obligations) -------------------------------------
    aave = g("date_entree_aave")
    if aave is None:
        out["aave_objectif"] = None
    elif at <= _add_months(aave, AAVE_DUREE_OBJECTIF_EMPLOI_MOIS):  # type: ignore[arg-type]
        out["aave_objectif"] = "emploi"
    elif at < _add_months(aave, AAVE_DUREE_LIMITE_TRANSITION_MOIS):  # type: ignore[arg-type]
        out["aave_objectif"] = "transition"
    else:
        out["aave_objectif"] = "hors_cadre"

    # -- ADRE (whatever the obligations) -----------------------------------------------------------
    start = g("date_prise_de_poste")
    if g("suit_coup_de_pouce") and start is not None and ADRE_DEBUT <= start <= at:  # type: ignore[operator]
        six = _add_months(start, ADRE_DUREE_MAINTIEN_POSTE_MOIS)  # type: ignore[arg-type]
        end = g("date_fin_poste")
        second = ADRE_MONTANT_SIX_MOIS if at >= six and (end is None or end >= six) else _ZERO  # type: ignore[operator]
        out["adre_versement_prise_de_poste"] = ADRE_MONTANT_PRISE_DE_POSTE
        out["adre_date_versement_six_mois"] = six
        out["adre_versement_six_mois"] = second
        out["adre_total"] = ADRE_MONTANT_PRISE_DE_POSTE + second
    else:
        out["adre_versement_prise_de_poste"] = _ZERO
        out["adre_date_versement_six_mois"] = None
        out["adre_versement_six_mois"] = _ZERO
        out["adre_total"] = _ZERO
    return out

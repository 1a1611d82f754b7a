"""The thirteen RSA decisions hand-written in polars, as a data engineer would: the batch baseline.

    from benchmarks.baseline_polars import decide
    result = decide(lazy_frame)       # typed fact columns + `at` → the decisions, lazily

A column-for-column translation of `baseline.py` (itself written from vocabulary.md alone), with
the same parameters and dates of the law. No validation, no errors, no fallback: facts are
trusted to be typed (dates as Date, flags as Boolean, absent columns absent). Month arithmetic
uses polars' `offset_by("Nmo")`, which clamps to the month's last day like vocabulary.md.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from benchmarks.baseline import (
    AAVE_DUREE_LIMITE_TRANSITION_MOIS,
    AAVE_DUREE_OBJECTIF_EMPLOI_MOIS,
    AAVE_ORGANISME_DELEGATAIRE,
    ADRE_DEBUT,
    ADRE_DUREE_MAINTIEN_POSTE_MOIS,
    ADRE_MONTANT_PRISE_DE_POSTE,
    ADRE_MONTANT_SIX_MOIS,
    AGE_MIN_ORIENTATION_AUTO_MDS,
    CER_PROFESSIONNEL_DELAI_MOIS,
    CER_SOCIAL_DELAI_MOIS,
    CONTRAT_ENGAGEMENT_DELAI_MOIS,
    COS_ITI_TERRITOIRES,
    DECISIONS,
    FRANCE_TRAVAIL,
    ORIENTATION_DELAI_CIBLE_MOIS,
    PLEIN_EMPLOI,
)

__all__ = ["DECISIONS", "decide"]

MONEY = pl.Decimal(38, 2)
FLAGS = {
    "soumis_droits_et_devoirs": True,
    "inscrit_france_travail": False,
    "suivi_social_mds_en_cours": False,
    "disponible_emploi": False,
    "difficulte_logement": False,
    "sans_logement": False,
    "difficulte_sante": False,
    "freins_peripheriques": False,
    "suit_coup_de_pouce": False,
}


def _months(d: pl.Expr, n: int) -> pl.Expr:
    return d.dt.offset_by(f"{n}mo")


def _deadline(notified: pl.Expr, months: int) -> pl.Expr:
    return _months(notified, months) if months else pl.lit(None, pl.Date)  # no delay: no deadline


def _money(x: Decimal | int) -> pl.Expr:
    return pl.lit(Decimal(x), dtype=MONEY)


def decide(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Add the thirteen decisions to a frame of typed facts and `at` (Date)."""
    names = lf.collect_schema().names()
    lf = lf.with_columns(
        pl.col(f).fill_null(default) if f in names else pl.lit(default).alias(f) for f, default in FLAGS.items()
    )
    c, at = pl.col, pl.col("at")
    law = pl.coalesce(c("date_entree_rsa"), at)
    operator = pl.when(law < FRANCE_TRAVAIL).then(pl.lit("pole_emploi")).otherwise(pl.lit("france_travail"))
    social = c("difficulte_logement") | c("sans_logement") | c("difficulte_sante") | ~c("disponible_emploi")
    situation = (
        pl.when(social).then(pl.lit("social"))
        .when(c("freins_peripheriques")).then(pl.lit("socioprofessionnel"))
        .otherwise(pl.lit("professionnel"))
    )  # fmt: skip
    birth = c("date_naissance")
    years = law.dt.year().cast(pl.Int32) - birth.dt.year().cast(pl.Int32)
    # The birthday of law's year (29 February → 28 in a common year) falls after law: one year less.
    feb29 = (birth.dt.month() == 2) & (birth.dt.day() == 29) & ~law.dt.is_leap_year()
    birthday = birth.dt.month().cast(pl.Int32) * 100 + birth.dt.day().cast(pl.Int32) - feb29.cast(pl.Int32)
    age = years - (birthday > law.dt.month().cast(pl.Int32) * 100 + law.dt.day().cast(pl.Int32)).cast(pl.Int32)
    mds_auto = c("suivi_social_mds_en_cours") & birth.is_not_null() & (age >= AGE_MIN_ORIENTATION_AUTO_MDS)
    cos_iti = pl.when(c("territoire_mds").is_in(sorted(COS_ITI_TERRITOIRES)).fill_null(False))
    after_reform = law >= PLEIN_EMPLOI
    mode = (
        pl.when(after_reform | c("inscrit_france_travail") | mds_auto).then(pl.lit("automatique"))
        .otherwise(pl.lit("reunion_de_situation"))
    )  # fmt: skip
    parcours = (
        pl.when(after_reform).then(situation)
        .when(c("inscrit_france_travail")).then(pl.lit("professionnel"))
        .when(mds_auto).then(pl.lit("social"))
        .otherwise(situation)
    )  # fmt: skip
    aave_body = cos_iti.then(pl.lit("cos_iti")).otherwise(pl.lit("aave"))
    organisme = (
        pl.when(after_reform & (situation == "social")).then(pl.lit("mds"))
        .when(after_reform & (situation == "socioprofessionnel") & AAVE_ORGANISME_DELEGATAIRE).then(aave_body)
        .when(after_reform).then(operator)
        .when(c("inscrit_france_travail")).then(operator)
        .when(mds_auto).then(pl.lit("mds"))
        .when(situation == "professionnel").then(operator)
        .when(situation == "socioprofessionnel").then(aave_body)
        .otherwise(pl.lit("mds"))
    )  # fmt: skip
    lf = lf.with_columns(mode.alias("orientation_mode"), parcours.alias("orientation_parcours"),
                         organisme.alias("orientation_organisme"))  # fmt: skip
    body = pl.coalesce(c("organisme_referent"), c("orientation_organisme"))
    notified = c("date_notification_orientation")
    regime = pl.coalesce(notified, at)
    contrat = (
        pl.when(regime >= PLEIN_EMPLOI).then(pl.lit("contrat_engagement"))
        .when(body.is_in(["pole_emploi", "france_travail"])).then(pl.lit("ppae"))
        .when(body == "mds").then(pl.lit("cer_social"))
        .otherwise(pl.lit("cer_professionnel"))
    )  # fmt: skip
    # Each regime's delay is a constant: one month offset per branch (a PPAE has no deadline).
    limite = (
        pl.when(regime >= PLEIN_EMPLOI).then(_deadline(notified, CONTRAT_ENGAGEMENT_DELAI_MOIS))
        .when(body.is_in(["pole_emploi", "france_travail"])).then(None)
        .when(body == "mds").then(_deadline(notified, CER_SOCIAL_DELAI_MOIS))
        .otherwise(_deadline(notified, CER_PROFESSIONNEL_DELAI_MOIS))
    )  # fmt: skip
    lf = lf.with_columns(contrat.alias("contrat_type"), limite.alias("contrat_date_limite"))
    limite, signed = c("contrat_date_limite"), c("date_signature_contrat")
    late = (
        pl.when(signed.is_not_null()).then((signed - limite).dt.total_days()).otherwise((at - limite).dt.total_days())
    )
    statut = (
        pl.when(limite.is_null()).then(None)
        .when(signed.is_not_null()).then(pl.when(late <= 0).then(pl.lit("signe_dans_les_delais"))
                                         .otherwise(pl.lit("signe_hors_delai")))
        .when(late > 0).then(pl.lit("en_retard"))
        .otherwise(pl.lit("a_signer"))
    )  # fmt: skip
    subject = c("soumis_droits_et_devoirs")
    orientation = ["orientation_mode", "orientation_parcours", "orientation_organisme", "contrat_type"]
    entry = c("date_entree_rsa")
    aave = c("date_entree_aave")
    start, end = c("date_prise_de_poste"), c("date_fin_poste")
    six = _months(start, ADRE_DUREE_MAINTIEN_POSTE_MOIS)
    paid = c("suit_coup_de_pouce") & start.is_not_null() & (start >= ADRE_DEBUT) & (start <= at)
    second = pl.when(paid & (at >= six) & (end.is_null() | (end >= six))).then(_money(ADRE_MONTANT_SIX_MOIS))
    second = second.otherwise(_money(0))
    first = pl.when(paid).then(_money(ADRE_MONTANT_PRISE_DE_POSTE)).otherwise(_money(0))
    return lf.with_columns(
        *(pl.when(subject).then(c(n)).alias(n) for n in orientation),
        pl.when(subject & entry.is_not_null()).then(_months(entry, ORIENTATION_DELAI_CIBLE_MOIS))
        .alias("orientation_date_cible"),
        pl.when(subject).then(limite).alias("contrat_date_limite"),
        pl.when(subject).then(statut).alias("contrat_statut"),
        pl.when(subject & limite.is_not_null()).then(late.clip(lower_bound=0)).alias("contrat_jours_de_retard"),
        pl.when(aave.is_null()).then(None)
        .when(at <= _months(aave, AAVE_DUREE_OBJECTIF_EMPLOI_MOIS)).then(pl.lit("emploi"))
        .when(at < _months(aave, AAVE_DUREE_LIMITE_TRANSITION_MOIS)).then(pl.lit("transition"))
        .otherwise(pl.lit("hors_cadre")).alias("aave_objectif"),
        first.alias("adre_versement_prise_de_poste"),
        pl.when(paid).then(six).alias("adre_date_versement_six_mois"),
        second.alias("adre_versement_six_mois"),
        (first + second).alias("adre_total"),
    ).select("at", *DECISIONS)  # fmt: skip

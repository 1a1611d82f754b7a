"""A seeded population of realistic RSA cases for benchmarks and cross-checks.

    from benchmarks.population import generate
    cases = generate(2000, seed=7)          # [(facts, at), ...]
    failing = with_errors(cases, 0.1, seed=7)  # a tenth of them failing some decisions

Each case is a `(facts, at)` pair in the names and types of `docs/vocabulary.md`: dates are
`datetime.date`, flags are `bool`, `organisme_referent` is an enum string and `territoire_mds`
a lower-case MDS territory name. An omitted fact is absent (null, or the fact's default).

What the population covers, on purpose:
- evaluation dates `at` from March 2019 to the end of 2026, entries into the RSA from March 2019
  (start of the semi-automatic circuit), with extra weight around the law changes of
  2024-01-01 (Pôle emploi → France Travail) and 2025-01-01 (loi pour le plein emploi), and a
  few cases without an entry date (orientation law read on `at`);
- every orientation route: registration, automatic MDS (age around the 26-year threshold,
  births on 29 February, unknown birth dates), réunion de situation with the social,
  socioprofessional (AAVE, COS ITI on nemours / montereau) and professional outcomes;
- a few people not subject to the obligations, some with the flag given and some relying on
  the default;
- notifications after entry (some not yet notified), an `organisme_referent` now and then,
  and signatures early, on the deadline, just after it, late, or missing;
- AAVE entries, with some evaluation dates placed on the 24- and 36-month boundaries, for
  evaluation dates from 2020-01-01, when the pack's AAVE tracks start (before, `aave_objectif`
  is `not_in_force` for an AAVE entrant, which the baseline does not model);
- ADRE: Coup de pouce followers with job starts (some after `at`), job ends before, on and
  after the six-month date.

Events that have happened (entry, notification, signature, AAVE entry) are dated on or before
`at`; a job start or end may lie after it, as docs/vocabulary.md allows. Pure standard library, and
deterministic: the same `(n, seed)` always gives the same list.
"""

from __future__ import annotations

import calendar
import random
from datetime import date, timedelta

__all__ = ["FIRST_DAY", "LAST_DAY", "TERRITOIRES", "add_months", "generate", "with_errors"]

FIRST_DAY = date(2019, 3, 1)  # start of the semi-automatic circuit
AAVE_TRACKS_START = date(2020, 1, 1)  # the pack's AAVE tracks (an assumption, docs/vocabulary.md)
LAST_DAY = date(2026, 12, 31)

# MDS territories of Seine-et-Marne (AAVE sites of the CALPAE 2022 and the two COS ITI sites).
TERRITOIRES = (
    "chelles", "lagny", "mitry", "coulommiers", "meaux", "provins", "noisiel", "roissy-en-brie",
    "melun", "fontainebleau", "senart", "tournan-en-brie", "montereau", "nemours",
)  # fmt: skip

# Dates near which the law changes: entries and notifications are drawn around them more often.
_PIVOTS = (date(2019, 3, 1), date(2024, 1, 1), date(2025, 1, 1))


def add_months(d: date, n: int) -> date:
    index = d.year * 12 + d.month - 1 + n
    year, month0 = divmod(index, 12)
    return date(year, month0 + 1, min(d.day, calendar.monthrange(year, month0 + 1)[1]))


def _day_between(rng: random.Random, start: date, end: date) -> date:
    """A uniform day in [start, end] (start when the interval is empty)."""
    span = (end - start).days
    return start if span <= 0 else start + timedelta(days=rng.randint(0, span))


def _clamp(d: date, low: date, high: date) -> date:
    return low if d < low else high if d > high else d


def _entry_date(rng: random.Random) -> date:
    if rng.random() < 0.25:  # around a change of law
        pivot = rng.choice(_PIVOTS)
        return _clamp(pivot + timedelta(days=rng.randint(-45, 45)), FIRST_DAY, date(2026, 11, 30))
    if rng.random() < 0.05:  # last day of a month: add_months edge cases
        d = _day_between(rng, FIRST_DAY, date(2026, 10, 31))
        return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])
    return _day_between(rng, FIRST_DAY, date(2026, 11, 30))


def _birth_date(rng: random.Random, reference: date) -> date | None:
    roll = rng.random()
    if roll < 0.05:
        return None
    if roll < 0.17:  # 25 or 26 years old on the reference date, birthday within a few days
        years = rng.choice((25, 26, 26))
        birth = add_months(reference, -12 * years) + timedelta(days=rng.randint(-3, 3))
        return birth
    if roll < 0.19:  # born on 29 February
        return date(rng.choice((1960, 1964, 1968, 1972, 1976, 1980, 1984, 1988, 1992, 1996, 2000)), 2, 29)
    age_days = rng.randint(18 * 365 + 5, 64 * 365)
    return reference - timedelta(days=age_days)


def _flag(rng: random.Random, facts: dict[str, object], name: str, probability: float) -> None:
    """Set a boolean fact; a false value is sometimes given, sometimes left to the default."""
    if rng.random() < probability:
        facts[name] = True
    elif rng.random() < 0.4:
        facts[name] = False


def _route_profile(rng: random.Random, facts: dict[str, object]) -> None:
    """Flags chosen so that each orientation route is well represented."""
    route = rng.random()
    if route < 0.25:  # registered at Pôle emploi / France Travail
        facts["inscrit_france_travail"] = True
        _flag(rng, facts, "suivi_social_mds_en_cours", 0.2)
    elif route < 0.45:  # followed by an MDS (automatic MDS when 26 or over)
        facts["suivi_social_mds_en_cours"] = True
        _flag(rng, facts, "inscrit_france_travail", 0.0)
    else:  # unknown to both: réunion de situation (or the 2025 analysis)
        _flag(rng, facts, "inscrit_france_travail", 0.0)
        _flag(rng, facts, "suivi_social_mds_en_cours", 0.05)
    _flag(rng, facts, "disponible_emploi", 0.7)
    _flag(rng, facts, "difficulte_logement", 0.08)
    _flag(rng, facts, "sans_logement", 0.04)
    _flag(rng, facts, "difficulte_sante", 0.10)
    _flag(rng, facts, "freins_peripheriques", 0.40)


def _referent(rng: random.Random, when: date) -> str:
    operator = "pole_emploi" if when < date(2024, 1, 1) else "france_travail"
    return rng.choice((operator, operator, "mds", "aave", "cos_iti"))


def _signature(rng: random.Random, notified: date, at: date) -> date | None:
    """Signed early, on a deadline, just after one, late, or not (yet) signed."""
    roll = rng.random()
    if roll < 0.35:
        return None
    if roll < 0.60:
        signed = notified + timedelta(days=rng.randint(0, 27))
    elif roll < 0.75:  # around the one- or two-month deadline
        signed = add_months(notified, rng.choice((1, 2))) + timedelta(days=rng.randint(-1, 1))
    else:
        signed = notified + timedelta(days=rng.randint(28, 150))
    return signed if signed <= at else None  # a signature after `at` has not happened yet


def _case(rng: random.Random) -> tuple[dict[str, object], date]:
    facts: dict[str, object] = {}
    has_entry = rng.random() >= 0.05
    entry = _entry_date(rng)
    # Evaluation date: mostly within a few months of entry, sometimes years later.
    horizon = rng.choice((30, 90, 180, 400, 1100, 2500))
    at = _day_between(rng, entry, min(LAST_DAY, entry + timedelta(days=horizon)))
    if has_entry:
        facts["date_entree_rsa"] = entry
    birth = _birth_date(rng, entry if has_entry else at)
    if birth is not None:
        facts["date_naissance"] = birth

    if rng.random() < 0.06:
        facts["soumis_droits_et_devoirs"] = False
    elif rng.random() < 0.5:
        facts["soumis_droits_et_devoirs"] = True
    _route_profile(rng, facts)
    if rng.random() < 0.85:
        facts["territoire_mds"] = rng.choice(TERRITOIRES)

    # Notification of the orientation, after entry; not always yet.
    if rng.random() < 0.8:
        notified = entry + timedelta(days=rng.randint(3, 75))
        if rng.random() < 0.05:  # notified on a month's last day
            last = calendar.monthrange(notified.year, notified.month)[1]
            notified = date(notified.year, notified.month, last)
        if notified <= at:
            facts["date_notification_orientation"] = notified
            if rng.random() < 0.1:
                facts["organisme_referent"] = _referent(rng, notified)
            signed = _signature(rng, notified, at)
            if signed is not None:
                facts["date_signature_contrat"] = signed

    # AAVE entry (mostly socioprofessional people), sometimes on the 24- or 36-month boundary.
    if rng.random() < (0.5 if facts.get("freins_peripheriques") else 0.08):
        aave = entry + timedelta(days=rng.randint(10, 120))
        if rng.random() < 0.3:
            boundary = add_months(at, -rng.choice((24, 36))) + timedelta(days=rng.randint(-1, 1))
            if boundary >= entry:
                aave = boundary
        if aave <= at and at >= AAVE_TRACKS_START:  # the pack's AAVE tracks start then (assumed)
            facts["date_entree_aave"] = aave

    # ADRE: Coup de pouce vers les métiers en tension (a 2021-2024 mandate programme).
    coup_de_pouce = at >= date(2021, 1, 1) and rng.random() < 0.15
    if coup_de_pouce:
        facts["suit_coup_de_pouce"] = True
    elif rng.random() < 0.3:
        facts["suit_coup_de_pouce"] = False
    if (coup_de_pouce and rng.random() < 0.85) or rng.random() < 0.04:
        low = max(entry, date(2021, 1, 1)) if coup_de_pouce else entry
        start = _day_between(rng, low, at + timedelta(days=90))  # may lie after `at`
        if coup_de_pouce and rng.random() < 0.15:  # evaluated on the six-month date
            candidate = add_months(at, -6)
            if candidate >= low:
                start = candidate
        facts["date_prise_de_poste"] = start
        roll = rng.random()
        if roll < 0.15:  # ended around the six-month date
            facts["date_fin_poste"] = add_months(start, 6) + timedelta(days=rng.randint(-1, 1))
        elif roll < 0.40:
            facts["date_fin_poste"] = start + timedelta(days=rng.randint(1, 400))
    return facts, at


def generate(n: int, seed: int = 2025) -> list[tuple[dict[str, object], date]]:
    """`n` cases as `(facts, at)` pairs, the same for the same `seed`."""
    rng = random.Random(seed)
    return [_case(rng) for _ in range(n)]


if __name__ == "__main__":  # a quick look: python3 benchmarks/population.py
    for facts, at in generate(5):
        print(at.isoformat(), {k: v.isoformat() if isinstance(v, date) else v for k, v in facts.items()})


def with_errors(
    cases: list[tuple[dict[str, object], date]], share: float, seed: int
) -> list[tuple[dict[str, object], date]]:
    """`cases` with `share` of them (drawn with `seed`) entering the RSA in 2018, before the
    semi-automatic circuit: the pack has no orientation rule in force then, so their orientation
    and contract decisions fail (`not_in_force`) while the ADRE and AAVE ones are computed. (The
    population of `generate` itself has no decision in error.)"""
    rng = random.Random(seed)
    out = []
    for facts, at in cases:
        if rng.random() < share:
            facts = {**facts, "date_entree_rsa": date(2018, 1, 1) + timedelta(days=rng.randint(0, 364))}
        out.append((facts, at))
    return out

"""« Détail » reads aloud: every decision of the pack, explained on every case file of the pack,
says its conditions and formulas in French words (no code between backticks), with adjectives and
pronouns that agree with the label they speak of, and says which facts are defaults. The code
stays in the Markdown and JSON forms.

The genders below are this test's own (the head noun of each label of the pack), written from the
French language, not read from the engine."""

from __future__ import annotations

import re
from datetime import date
from functools import cache

import pytest
from conftest import ROOT

import engine
from engine.cases import case_files, load_cases

FEMININE = {"date", "durée", "orientation", "inscription", "adre", "difficultés"}
PLURAL = {"difficultés", "critères", "freins", "jours", "territoires"}
PRONOUNS = {(False, False): "il", (True, False): "elle", (False, True): "ils", (True, True): "elles"}
# « <subject> est|sont [in]connu(e)(s) » and « <subject> … : <pronoun> vaut|valent »
KNOWN = re.compile(r"(?:^|car |: |et |ou |si )((?:la|le|les|l')[ ']?[^:;]*?) (?:est|sont) (?:in)?connu(e?)(s?)\b")
PRONOUN = re.compile(
    r"(?:car |remplie : |^)((?:la|le|les|l')[ ']?[^:;]*?) (?:est|sont|n'est|ne sont|figure|ne figure)[^:]*: "
    r"(il|elle|ils|elles) (vaut|valent)\b"
)


def gender(subject: str) -> tuple[bool, bool]:
    """(feminine, plural) of a phrase by its article, or its head noun after « l' »."""
    if subject.startswith("la "):
        return True, False
    if subject.startswith("le "):
        return False, False
    head = re.split(r"[ ']", subject, maxsplit=2)[1].lower()
    return head in FEMININE, head in PLURAL or subject.startswith("les ")


@cache
def pack() -> engine.Policy:
    return engine.load_policy(ROOT / "policy")


def explanations() -> list[tuple[str, str, engine.Explanation]]:
    policy = pack()
    found = []
    for file in case_files([ROOT / "policy" / "tests", ROOT / "policy" / "examples"]).files:
        for index, case in enumerate(load_cases(file, policy), 1):
            decision = policy.evaluate(case.facts, case.at, trace=True)
            for name in policy.plan.outputs:
                if name in decision.values:
                    found.append((f"{file.name}#{index}", name, decision.explain(name)))
    return found


def detail(text: str) -> list[str]:
    lines = text.split("\n")
    start = lines.index("Détail :") if "Détail :" in lines else 1
    return lines[start:]


@pytest.fixture(scope="module")
def every() -> list[tuple[str, str, engine.Explanation]]:
    found = explanations()
    assert len(found) > 500  # every decision of the pack on every case file
    return found


def test_detail_has_no_code(every: list[tuple[str, str, engine.Explanation]]) -> None:
    for where, name, explanation in every:
        text = explanation.to_text()
        coded = [line for line in text.split("\n") if "`" in line]
        assert not coded, f"{where} {name}: code in the text explanation: {coded[0]}"
        assert "Calcul : si " in text or "Calcul :" not in text or "`" not in text


def test_pronouns_and_adjectives_agree(every: list[tuple[str, str, engine.Explanation]]) -> None:
    checked = pronouns = 0
    for where, name, explanation in every:
        for line in detail(explanation.to_text()):
            for clause in re.split(r" et | ou ", line.strip().lstrip("•–").strip()):
                for match in KNOWN.finditer(clause):
                    feminine, plural = gender(match.group(1))
                    assert (match.group(2) == "e", match.group(3) == "s") == (feminine, plural), (
                        f"{where} {name}: « {match.group(0)} » does not agree"
                    )
                    checked += 1
            for match in PRONOUN.finditer(line.strip()):
                expected = PRONOUNS[gender(match.group(1))]
                assert match.group(2) == expected, f"{where} {name}: « {match.group(0)} »: expected « {expected} »"
                assert match.group(3) == ("valent" if expected.endswith("s") else "vaut")
                pronouns += 1
    assert checked > 100 and pronouns > 100, (checked, pronouns)


def test_the_phrases_of_the_brief() -> None:
    policy = pack()
    facts = {
        "date_naissance": date(2000, 3, 1),
        "date_entree_rsa": date(2023, 1, 16),
        "suivi_social_mds_en_cours": True,
    }
    text = policy.evaluate(facts, date(2023, 3, 1), trace=True).explain("orientation_organisme").to_text()
    assert "la date de naissance est connue" in text
    assert "l'âge à la date d'entrée dans le RSA est inférieur à l'âge minimal" in text
    assert ": il vaut 22 ; l'âge minimal pour l'orientation automatique vers la MDS vaut 26" in text
    assert (
        "Calcul : si la date de naissance est connue, l'âge compté de la date de naissance à la date d'entrée "
        "dans le RSA ou, à défaut, à la date d'évaluation ; sinon, aucune valeur" in text
    )


def test_defaults_are_said_as_defaults() -> None:
    policy = pack()
    facts = {"date_entree_rsa": date(2023, 1, 16), "inscrit_france_travail": True}
    decision = policy.evaluate(facts, date(2023, 3, 1), trace=True)
    assert decision.given == {"date_entree_rsa", "inscrit_france_travail"}
    text = decision.explain("orientation_organisme").to_text()
    assert "Date d'entrée dans le RSA (date_entree_rsa) : 16 janvier 2023 (2023-01-16) — donnée du dossier" in text
    assert "(suivi_social_mds_en_cours) — valeur par défaut : non" in text
    assert "(inscrit_france_travail) : oui — donnée du dossier" in text
    assert "(suivi_social_mds_en_cours) : non — donnée du dossier" not in text
    inputs = [i for r in decision.explain("orientation_organisme").to_dict()["records"] for i in r["inputs"]]  # type: ignore[attr-defined]
    defaulted = {i["name"] for i in inputs if i["defaulted"]}
    assert "suivi_social_mds_en_cours" in defaulted and not defaulted & decision.given


def test_the_code_stays_in_markdown_and_json() -> None:
    policy = pack()
    facts = {
        "date_naissance": date(2000, 3, 1),
        "date_entree_rsa": date(2023, 1, 16),
        "suivi_social_mds_en_cours": True,
    }
    explanation = policy.evaluate(facts, date(2023, 3, 1), trace=True).explain("orientation_organisme")
    markdown = explanation.to_markdown()
    assert "la date de naissance est connue" in markdown
    assert "— `age_a_l_entree_rsa < age_min_orientation_auto_mds`" in markdown  # a condition's code
    # The code is printed back as the rule's file writes it: the pack is in French.
    assert "Formule : `si date_naissance est connu alors " in markdown
    assert not re.search(r"`[^`]*\b(if|then|else|is not null|is null|and|or)\b[^`]*`", markdown)
    records = explanation.to_dict()["records"]
    assert any(str(r["formula"]).startswith(("if date_naissance", "si date_naissance")) for r in records)  # type: ignore[index]
    assert "`" not in explanation.to_text()


def test_code_of_an_english_file_stays_english() -> None:
    policy = engine.load_policy(ROOT / "tests" / "fixtures" / "division")
    markdown = policy.evaluate({"n": 5}, date(2024, 1, 1), trace=True).explain("grand_formule").to_markdown()
    assert "Formule : `n != 0 and q > 1`" in markdown

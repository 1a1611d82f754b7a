"""Dated sources: a reference may give the period of the version of the text it cites (`from`,
`until`), a rule version or a parameter value may be flagged as an assumption with a note, and
explanations show exactly the references in force on the law date and « HYPOTHÈSE » for each
assumption."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conftest import write_policy

from engine import EvaluationError, check_policy, load_policy

POLICY = """
facts:
  start:
    type: date?
    label: Début
parameters:
  rate:
    label: Taux
    type: int
    values:
      - from: 2020-01-01
        value: 2
        assumption: true
        references: [{article: "Règlement départemental"}]
        note: Date de début supposée (le règlement dit « depuis 2020 »).
      - from: 2023-01-01
        value: 3
        references: [{article: "Délibération du 1er janvier 2023"}]
rules:
  total:
    label: Total
    type: int
    references:
      - article: Code, art. 1 (version du 1er janvier 2020)
        until: 2021-12-31
        excerpt: « ancienne rédaction »
      - article: Code, art. 1 (version du 1er janvier 2022)
        from: 2022-01-01
        excerpt: « nouvelle rédaction »
    versions:
      - from: 2020-01-01
        until: 2022-12-31
        assumption: true
        note: Date de début supposée, faute de date dans la source.
        formula: rate * 10
      - from: 2023-01-01
        note: Délibération datée.
        formula: rate * 100
"""


def explain(tmp_path: Path, at: date) -> str:
    policy = load_policy(write_policy(tmp_path, POLICY))
    return str(policy.evaluate({}, at=at, decisions=["total"]).explain("total"))


def test_only_the_version_of_the_text_in_force_on_the_law_date_is_cited(tmp_path: Path) -> None:
    before = explain(tmp_path, date(2021, 12, 31))
    assert "Code, art. 1 (version du 1er janvier 2020)" in before and "« ancienne rédaction »" in before
    assert "version du 1er janvier 2022" not in before
    after = explain(tmp_path, date(2022, 1, 1))
    assert "Code, art. 1 (version du 1er janvier 2022)" in after and "ancienne" not in after


def test_an_assumed_version_says_hypothese_with_its_note(tmp_path: Path) -> None:
    text = explain(tmp_path, date(2021, 6, 1))
    assert "HYPOTHÈSE à confirmer (Date de début supposée, faute de date dans la source.)" in text
    assert "[HYPOTHÈSE sur la version appliquée]" in text.split("Détail")[0]


def test_an_assumed_parameter_value_says_hypothese_a_sourced_one_does_not(tmp_path: Path) -> None:
    early = explain(tmp_path, date(2021, 6, 1))
    line = next(x for x in early.splitlines() if "(rate) : 2" in x)
    assert "HYPOTHÈSE à confirmer (Date de début supposée (le règlement dit « depuis 2020 »).)" in line
    late = explain(tmp_path, date(2023, 6, 1))
    line = next(x for x in late.splitlines() if "(rate) : 3" in x)
    assert "HYPOTHÈSE" not in line
    assert "Note : Délibération datée." in late and "HYPOTHÈSE" not in late


def test_json_gives_the_version_flag_and_note_and_the_reference_period(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path, POLICY))
    trace = policy.evaluate({}, at=date(2021, 6, 1), decisions=["total"]).explain("total").to_dict()["trace"]
    assert isinstance(trace, dict)
    assert trace["version"]["assumption"] is True
    assert trace["version"]["note"] == "Date de début supposée, faute de date dans la source."
    assert trace["references"] == [
        {"article": "Code, art. 1 (version du 1er janvier 2020)", "url": None, "excerpt": "« ancienne rédaction »",
         "from": None, "until": "2021-12-31"}
    ]  # fmt: skip


def test_before_the_first_version_the_error_says_the_period_covered_and_why(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path, POLICY))
    try:
        policy.evaluate({}, at=date(2019, 12, 31), decisions=["total"])["total"]
    except EvaluationError as exc:
        d = exc.diagnostics[0]
    else:
        raise AssertionError("no error before the first version")
    assert "no version of rule `total` is in force on 2019-12-31: the policy covers it from 2020-01-01" in d.message
    assert d.help == "before 2020-01-01: Date de début supposée, faute de date dans la source."


def test_a_reference_ending_before_it_starts_is_an_invalid_date(tmp_path: Path) -> None:
    text = POLICY.replace("        from: 2022-01-01\n", "        from: 2022-01-01\n        until: 2021-01-01\n")
    diagnostics, _ = check_policy(write_policy(tmp_path, text))
    assert [d.code.value for d in diagnostics] == ["invalid_date"]
    assert "`until` (2021-01-01) is before `from` (2022-01-01)" in diagnostics[0].message


def test_assumption_must_be_a_boolean(tmp_path: Path) -> None:
    text = POLICY.replace(
        "        assumption: true\n        note: Date de début supposée, faute",
        "        assumption: oui\n        note: Date de début supposée, faute",
    )
    diagnostics, _ = check_policy(write_policy(tmp_path, text))
    assert [d.code.value for d in diagnostics] == ["invalid_value"]

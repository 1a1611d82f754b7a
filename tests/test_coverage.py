"""The periods a policy covers, computed from the plan, and shown by `policy check`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from conftest import write_policy

from engine import Policy, load_policy
from engine.cli import main
from engine.coverage import coverage, describe

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
      - {from: 2021-01-01, value: 2, references: [{article: "Art. 1"}]}
rules:
  old_rule:
    label: Ancienne règle
    type: int
    output: false
    references: [{article: "Art. 2"}]
    versions:
      - {from: 2018-01-01, until: 2019-12-31, formula: "1"}
      - {from: 2020-01-01, until: 2023-12-31, formula: "2"}
  uses_rate:
    label: Utilise le taux
    type: int
    references: [{article: "Art. 3"}]
    versions:
      - {from: 2019-01-01, formula: "rate + old_rule"}
  reads_later:
    label: Lit à une autre date
    type: int
    references: [{article: "Art. 4"}]
    versions:
      - {from: 2015-01-01, formula: "old_rule as of (start ?? today)"}
"""


def test_a_rule_is_covered_where_it_and_what_it_reads_on_the_same_date_are_in_force(tmp_path: Path) -> None:
    c = coverage(load_policy(write_policy(tmp_path, POLICY)).plan)
    assert c["old_rule"].periods == ((date(2018, 1, 1), date(2023, 12, 31)),)  # adjacent versions merged
    # its own version from 2019, the parameter from 2021, the rule it reads until 2023
    assert c["uses_rate"].periods == ((date(2021, 1, 1), date(2023, 12, 31)),)
    assert describe(c["uses_rate"].periods) == "2021-01-01 to 2023-12-31"


def test_what_is_read_as_of_another_date_is_reported_apart(tmp_path: Path) -> None:
    c = coverage(load_policy(write_policy(tmp_path, POLICY)).plan)["reads_later"]
    assert c.periods == ((date(2015, 1, 1), None),)
    assert [(r.name, r.when, r.periods) for r in c.readings] == [
        ("old_rule", "start ?? today", ((date(2018, 1, 1), date(2023, 12, 31)),))
    ]


def test_policy_check_prints_the_period_of_every_decision(tmp_path: Path, capsys: object) -> None:
    path = write_policy(tmp_path, POLICY)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "  uses_rate: 2021-01-01 to 2023-12-31\n" in out
    assert "  reads_later: from 2015-01-01\n      old_rule as of `start ?? today`: 2018-01-01 to 2023-12-31\n" in out
    assert "old_rule:" not in out  # an intermediate rule is not a decision


def test_policy_check_json_gives_the_coverage(tmp_path: Path, capsys: object) -> None:
    path = write_policy(tmp_path, POLICY)
    assert main(["check", "--json", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)  # type: ignore[attr-defined]
    assert report["coverage"]["uses_rate"] == {
        "periods": [{"from": "2021-01-01", "until": "2023-12-31"}],
        "readings": [],
    }


def test_the_rsa_pack_periods(rsa: Policy) -> None:
    """The periods documented in docs/vocabulary.md."""
    c = coverage(rsa.plan)
    assert describe(c["aave_objectif"].periods) == "from 2020-01-01"
    assert describe(c["contrat_date_limite"].periods) == "from 2009-06-01"
    circuit = {r.name: describe(r.periods) for r in c["orientation_organisme"].readings}
    assert circuit == {"orientation_organisme_selon_circuit": "from 2019-03-01"}
    regime = {r.name: describe(r.periods) for r in c["contrat_type"].readings}
    assert regime["contrat_type_selon_regime"] == "from 2009-06-01"
    adre = {r.name: describe(r.periods) for r in c["adre_total"].readings}
    assert adre["adre_montant_prise_de_poste"] == "from 2021-01-01"


def test_describe_several_periods_and_none() -> None:
    periods = ((date(2018, 1, 1), date(2019, 12, 31)), (date(2022, 1, 1), None))
    assert describe(periods) == "2018-01-01 to 2019-12-31 and from 2022-01-01"
    assert describe(()) == "never"


def test_a_french_file_reads_its_as_of_dates_in_french() -> None:
    pack = load_policy(Path(__file__).resolve().parent.parent / "policy")
    readings = {(r.name, r.when) for c in coverage(pack.plan).values() for r in c.readings}
    assert ("orientation_organisme_selon_circuit", "date_entree_rsa ?? date_du_jour") in readings
    assert not any("today" in when for _name, when in readings)

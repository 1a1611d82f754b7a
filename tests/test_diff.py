"""`policy diff`: two versions of the rules over one caseload (docs/diff.md).

The worked example of the docs: a copy of the pack where the ADRE paid at the job start rises to
600 € from 2027-01-01. Every figure is checked against `policy.evaluate` run on each version.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from benchmarks.indicator_caseload import caseload, write
from engine import load_policy
from engine.cli import main
from engine.diff import compare_plans
from engine.i18n import set_language

pytest.importorskip("polars")

from engine.batch.diff import diff_caseload
from engine.batch.indicator_frame import read_source, rows

ROOT = Path(__file__).resolve().parent.parent
AT = date(2027, 12, 31)
ANCHOR = "\n  adre_montant_six_mois:"
RAISE = """      - depuis: 2027-01-01
        valeur: 600 €
        références:
          - article: Projet de délibération portant l'ADRE à 600 € (exemple)
"""


def adre_600(tmp_path: Path) -> Path:
    """The docs' example: copy the pack, add a dated value to the job-start amount."""
    folder = tmp_path / "policy-adre-600"
    shutil.copytree(ROOT / "policy", folder)
    path = folder / "parameters" / "adre.yaml"
    text = path.read_text("utf-8")
    assert text.count(ANCHOR) == 1
    path.write_text(text.replace(ANCHOR, "\n" + RAISE + ANCHOR, 1), "utf-8")
    return folder


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("diff")
    cases = tmp / "caseload.csv"
    persons = caseload(1500, seed=5)
    for i, person in enumerate(persons[:40]):  # job starts in 2027, some ended, some still on
        person.update(suit_coup_de_pouce="true", date_prise_de_poste=f"2027-0{1 + i % 9}-1{i % 10}")
    write(persons, cases)
    return adre_600(tmp), cases


def test_only_what_the_change_reaches_is_recomputed(rsa: object, setup: tuple[Path, Path]) -> None:
    new = load_policy(setup[0])
    changes = compare_plans(load_policy(ROOT / "policy").plan, new.plan)
    assert changes.changed == {"adre_montant_prise_de_poste": "parameter"}
    assert set(changes.reachable) == {"adre_versement_prise_de_poste", "adre_total"}
    assert "orientation_organisme" in changes.unchanged
    same = compare_plans(new.plan, load_policy(setup[0]).plan)
    assert not same.all_changed and not same.reachable


def test_the_cost_of_raising_the_adre(setup: tuple[Path, Path]) -> None:
    folder, cases = setup
    old, new = load_policy(ROOT / "policy"), load_policy(folder)
    report = diff_caseload(old, new, cases, AT)
    expected_old = expected_new = Decimal(0)
    movers = 0
    for _, facts in rows(old, read_source(cases)):
        a = old.evaluate(facts, at=AT, decisions=["adre_total"])["adre_total"]
        b = new.evaluate(facts, at=AT, decisions=["adre_total"])["adre_total"]
        expected_old += a
        expected_new += b
        movers += a != b
    total = report.decisions["adre_total"]
    assert (total.old_total, total.new_total, total.changed) == (expected_old, expected_new, movers)
    assert movers >= 30 and expected_new - expected_old == 100 * movers
    first = total.examples[0]
    assert first["because"] == ["adre_montant_prise_de_poste"]
    assert Decimal(str(first["new"])) - Decimal(str(first["old"])) == 100


def test_enum_matrix(tmp_path: Path) -> None:
    """Flip the A4 assumption's parameter… or any change of orientation: persons move between bodies."""
    folder = tmp_path / "policy"
    shutil.copytree(ROOT / "policy", folder)
    path = folder / "parameters" / "orientation.yaml"
    text = path.read_text("utf-8")
    assert "valeur: 26" in text
    path.write_text(text.replace("valeur: 26", "valeur: 30", 1), "utf-8")
    cases = tmp_path / "cases.csv"
    write(caseload(800, seed=3), cases)
    old, new = load_policy(ROOT / "policy"), load_policy(folder)
    report = diff_caseload(old, new, cases, date(2024, 6, 30))
    organisme = report.decisions["orientation_organisme"]
    assert organisme.matrix and sum(organisme.matrix.values()) == organisme.changed > 0
    for (before, after), _ in organisme.matrix.items():
        assert before != after


def test_command(setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    folder, cases = setup
    args = ["diff", str(ROOT / "policy"), str(folder), "--cases", str(cases), "--at", "2027-12-31"]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["changed"] == {"adre_montant_prise_de_poste": "parameter"}
    assert data["recomputed"] == ["adre_versement_prise_de_poste", "adre_total"]
    assert Decimal(data["decisions"][1]["difference"]) > 0
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "parameter adre_montant_prise_de_poste changed" in out and "€" in out
    ident = data["decisions"][1]["examples"][0]["id"]
    assert main([*args, "--explain", ident, "--json"]) == 0
    sides = json.loads(capsys.readouterr().out)["decisions"]["adre_total"]
    assert "600" in sides["new"] and "600" not in sides["old"].split("Détail")[0]
    assert main([*args, "--explain", "nobody"]) == 1


def test_command_in_french(setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    folder, cases = setup
    args = ["--lang", "fr", "diff", str(ROOT / "policy"), str(folder), "--cases", str(cases), "--at", "2027-12-31"]
    try:
        assert main(args) == 0
    finally:
        set_language(None)  # --lang lasts for the process: give the next tests their English back
    out = capsys.readouterr().out
    assert "paramètre adre_montant_prise_de_poste modifié" in out and "personne(s) changent" in out

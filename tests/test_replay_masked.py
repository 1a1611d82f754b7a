"""Replaying receipts: masked facts (refused with the facts named, or replayed from their clear
values once they hash to the recorded ones, `policy replay --facts CASEFILE`), and a new rule version
named with its dates."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from conftest import ROOT

from engine import Policy
from engine.receipt import Masking
from engine.replay import IDENTICAL, NOT_REPLAYABLE, replay

SALT = "a-secret-salt-for-tests-only-0123456789"
CASE = ROOT / "policy" / "examples" / "orientation-mds-automatique.yaml"
FACTS = {
    "date_naissance": date(1975, 9, 12),
    "date_entree_rsa": date(2023, 1, 16),
    "suivi_social_mds_en_cours": True,
    "date_notification_orientation": date(2023, 1, 30),
    "date_signature_contrat": date(2023, 2, 20),
}


def _masked(rsa: Policy) -> dict[str, object]:
    masking = Masking.configure(["date_naissance"], environ={"POLICY_RECEIPT_SALT": SALT})
    return json.loads(rsa.receipt(FACTS, date(2023, 3, 1), masking=masking).to_json())


def _salt() -> Masking:
    masking = Masking.configure(["date_naissance"], environ={"POLICY_RECEIPT_SALT": SALT})
    assert masking is not None
    return masking


def test_clear_values_that_hash_to_the_receipts_are_replayed(rsa: Policy) -> None:
    doc = _masked(rsa)
    assert replay(rsa, doc).status == NOT_REPLAYABLE
    result = replay(rsa, doc, clear={"date_naissance": date(1975, 9, 12)}, salt=_salt())
    assert result.status == IDENTICAL, result


def test_a_wrong_clear_value_or_no_salt_is_refused(rsa: Policy) -> None:
    doc = _masked(rsa)
    wrong = replay(rsa, doc, clear={"date_naissance": date(1975, 9, 13)}, salt=_salt())
    assert wrong.status == NOT_REPLAYABLE and "not the one the receipt recorded" in (wrong.reason or "")
    other_salt = Masking.configure(["date_naissance"], environ={"POLICY_RECEIPT_SALT": "another-salt-0123456789"})
    assert replay(rsa, doc, clear={"date_naissance": date(1975, 9, 12)}, salt=other_salt).status == NOT_REPLAYABLE
    unsalted = replay(rsa, doc, clear={"date_naissance": date(1975, 9, 12)})
    assert unsalted.status == NOT_REPLAYABLE and "needs the salt" in (unsalted.reason or "")


def _cli(*args: str, salt: str | None = SALT) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "POLICY_LANG": "en", "PYTHONPATH": str(ROOT)}
    if salt is not None:
        env["POLICY_RECEIPT_SALT"] = salt
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300
    )


def test_replay_command_with_and_without_the_clear_facts(tmp_path: Path) -> None:
    receipt = tmp_path / "recu.json"
    made = _cli("eval", str(CASE), "--receipt", str(receipt), "--mask", "date_naissance")
    assert made.returncode == 0, made.stderr
    assert "1975-09-12" not in receipt.read_text(encoding="utf-8")
    alone = _cli("replay", str(receipt))
    assert alone.returncode == 1
    assert "not replayable — masked fact(s) needed: date_naissance" in alone.stdout
    assert "--facts CASEFILE" in alone.stdout
    cleared = _cli("replay", str(receipt), "--facts", str(CASE))
    assert cleared.returncode == 0 and ": identical" in cleared.stdout, cleared.stdout + cleared.stderr
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(CASE.read_text(encoding="utf-8").replace("1975-09-12", "1975-09-13"), encoding="utf-8")
    refused = _cli("replay", str(receipt), "--facts", str(wrong), "--json")
    [found] = json.loads(refused.stdout)
    assert refused.returncode == 1 and found["status"] == NOT_REPLAYABLE
    assert "date_naissance" in found["reason"] and "hash differs" in found["reason"]
    no_salt = _cli("replay", str(receipt), "--facts", str(CASE), salt=None)
    assert no_salt.returncode == 1 and "needs the salt" in no_salt.stdout


def test_a_new_rule_version_is_named_with_its_dates(rsa: Policy, tmp_path: Path) -> None:
    """A version of `adre_total` added from 2023-06-01 (a bonus of 50 €): the receipts decided under
    the law of a later date change, and the replay names the version in force then and now."""
    import shutil

    from engine import load_policy

    copy = tmp_path / "policy"
    shutil.copytree(ROOT / "policy", copy)
    rules = copy / "rules" / "adre.yaml"
    text = rules.read_text(encoding="utf-8")
    formula = "        formule: adre_versement_prise_de_poste + adre_versement_six_mois\n"
    assert text.count(formula) == 1
    added = formula + "      - depuis: 2023-06-01\n" + formula.replace("six_mois\n", "six_mois + 50 €\n")
    rules.write_text(text.replace(formula, added), encoding="utf-8")
    case = {
        "date_entree_rsa": date(2022, 6, 1),
        "inscrit_france_travail": True,
        "suit_coup_de_pouce": True,
        "date_prise_de_poste": date(2023, 1, 31),
    }
    before = json.loads(rsa.receipt(case, date(2023, 5, 1)).to_json())
    after = json.loads(rsa.receipt(case, date(2023, 9, 1)).to_json())
    changed = load_policy(copy)
    assert replay(changed, before).status == IDENTICAL  # decided before the new version
    result = replay(changed, after)
    assert result.status == "different"
    [change] = [c for c in result.changes if c.decision == "adre_total"]
    assert (change.before, change.after) == ("1000", "1050")
    assert (
        "rule `adre_total` under the law of 2023-09-01: version in force from 2009-06-01 then, from 2023-06-01 now"
        in (change.why)
    )
    assert [c.decision for c in result.changes] == ["adre_total"]  # nothing else reads it

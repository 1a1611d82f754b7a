"""`policy replay`: identical on the same policy, different (and why) on another, or not replayable."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT

from engine import Policy, load_policy
from engine.receipt import Masking, content_hash
from engine.replay import DIFFERENT, IDENTICAL, NOT_REPLAYABLE, replay

sys.path.insert(0, str(ROOT)) if str(ROOT) not in sys.path else None
from benchmarks.population import generate  # noqa: E402

SALT = "a-secret-salt-for-tests-only-0123456789"
ADRE_CASE = {
    "date_entree_rsa": date(2022, 6, 1),
    "inscrit_france_travail": True,
    "suit_coup_de_pouce": True,
    "date_prise_de_poste": date(2023, 1, 31),
}


def test_ten_thousand_receipts_replay_identically(rsa: Policy) -> None:
    cases = generate(10_000, seed=2026)
    documents = [json.loads(rsa.receipt(facts, at).to_json()) for facts, at in cases]
    statuses = Counter(replay(rsa, doc).status for doc in documents)
    assert statuses == {IDENTICAL: 10_000}


def test_replay_through_the_command(rsa: Policy, tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text("".join(rsa.receipt(f, a).to_json() + "\n" for f, a in generate(20, seed=3)), encoding="utf-8")
    result = _cli("replay", str(path))
    assert result.returncode == 0, result.stderr
    assert "20 identical, 0 different, 0 not replayable" in result.stdout
    as_json = json.loads(_cli("replay", str(path), "--json").stdout)
    assert [r["status"] for r in as_json] == [IDENTICAL] * 20


def _changed_policy(tmp_path: Path) -> Path:
    """A copy of the pack where the ADRE paid at job start is 600 € from 2021-01-01."""
    copy = tmp_path / "policy"
    shutil.copytree(ROOT / "policy", copy)
    adre = copy / "parameters" / "adre.yaml"
    text = adre.read_text(encoding="utf-8")
    assert text.count("valeur: 500 €") >= 1
    adre.write_text(text.replace("valeur: 500 €", "valeur: 600 €", 1), encoding="utf-8")
    return copy


def test_a_changed_parameter_is_reported_with_its_file(rsa: Policy, tmp_path: Path) -> None:
    doc = json.loads(rsa.receipt(ADRE_CASE, date(2023, 9, 1)).to_json())
    assert doc["decisions"]["adre_versement_prise_de_poste"] == "500"
    changed = load_policy(_changed_policy(tmp_path))
    result = replay(changed, doc)
    assert result.status == DIFFERENT
    assert result.changed_files == ("parameters/adre.yaml",)
    change = {c.decision: c for c in result.changes}["adre_versement_prise_de_poste"]
    assert (change.before, change.after) == ("500", "600")
    assert (
        "parameter `adre_montant_prise_de_poste` under the law of 2023-01-31: 500 (value from 2021-01-01) then, "
        "600 (value from 2021-01-01) now" in change.why
    )
    assert not any("adre_montant_six_mois" in why for why in change.why)  # read, but unchanged
    assert "orientation_organisme" not in {c.decision for c in result.changes}
    exact = replay(changed, doc, exact=True)
    assert exact.status == NOT_REPLAYABLE and "policy hash unknown" in (exact.reason or "")
    assert replay(rsa, doc, exact=True).status == IDENTICAL


def test_a_changed_rule_version_is_reported_from_the_traces(rsa: Policy, tmp_path: Path) -> None:
    copy = tmp_path / "policy"
    shutil.copytree(ROOT / "policy", copy)
    orientation = copy / "parameters" / "orientation.yaml"
    text = orientation.read_text(encoding="utf-8")
    # The age threshold of the automatic MDS orientation raised to 99.
    case = {"date_entree_rsa": date(2023, 3, 20), "inscrit_france_travail": True}
    doc = json.loads(rsa.receipt(case, date(2023, 5, 15)).to_json())
    changed_text = text.replace("valeur: 26", "valeur: 99")
    assert changed_text != text
    orientation.write_text(changed_text, encoding="utf-8")
    result = replay(load_policy(copy), doc)
    assert result.status == IDENTICAL  # the age threshold does not matter to this case
    assert result.changed_files == ("parameters/orientation.yaml",)
    mds = {
        **case,
        "inscrit_france_travail": False,
        "suivi_social_mds_en_cours": True,
        "date_naissance": date(1980, 1, 1),
    }
    doc = json.loads(rsa.receipt(mds, date(2023, 5, 15)).to_json())
    result = replay(load_policy(copy), doc)
    assert result.status == DIFFERENT
    change = {c.decision: c for c in result.changes}["orientation_mode"]
    assert (change.before, change.after) == ("automatique", "reunion_de_situation")
    assert any(why.startswith("rule `criteres_mds_remplis` under the law of 2023-03-20: row") for why in change.why)
    assert any(
        why.startswith("parameter `age_min_orientation_auto_mds` under the law of 2023-03-20: 26") for why in change.why
    )


def test_with_the_original_policy_changes_are_named_by_content(rsa: Policy, tmp_path: Path) -> None:
    copy = tmp_path / "policy"
    shutil.copytree(ROOT / "policy", copy)
    rules = copy / "rules" / "adre.yaml"
    text = rules.read_text(encoding="utf-8")
    formula = "formule: adre_versement_prise_de_poste + adre_versement_six_mois"
    assert formula in text
    rules.write_text(text.replace(formula, formula + " + 1 €"), encoding="utf-8")
    doc = json.loads(rsa.receipt(ADRE_CASE, date(2023, 9, 1)).to_json())
    changed = load_policy(copy)
    by_file = {c.decision: c for c in replay(changed, doc).changes}["adre_total"]
    assert "rule `adre_total` is defined in rules/adre.yaml, which changed" in by_file.why
    assert "rule `adre_versement_six_mois` is defined in rules/adre.yaml, which changed" in by_file.why  # same file
    by_content = {c.decision: c for c in replay(changed, doc, then=rsa).changes}["adre_total"]
    assert by_content.why == ("rule `adre_total` differs between the policy of the receipt and this one",)
    result = _cli("replay", "--policy", str(copy), "--then", "policy", str(_write(tmp_path, doc)))
    assert result.returncode == 1 and "rule `adre_total` differs between" in result.stdout
    wrong = replay(changed, doc, then=changed)
    assert any("not the one of the receipt" in note for note in wrong.notes)


def _write(tmp_path: Path, doc: dict[str, object]) -> Path:
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_not_replayable_receipts_say_why(rsa: Policy) -> None:
    masking = Masking.configure(["date_naissance"], environ={"POLICY_RECEIPT_SALT": SALT})
    case = {
        "date_entree_rsa": date(2023, 1, 16),
        "suivi_social_mds_en_cours": True,
        "date_naissance": date(1975, 9, 12),
    }
    masked = json.loads(rsa.receipt(case, date(2023, 3, 1), masking=masking).to_json())
    result = replay(rsa, masked)
    assert result.status == NOT_REPLAYABLE and "masked fact(s) needed: date_naissance" in (result.reason or "")
    # masked, but not needed by the decisions asked for: replayable
    adre_only = json.loads(rsa.receipt(case, date(2023, 3, 1), ["adre_total"], masking=masking).to_json())
    assert replay(rsa, adre_only).status == IDENTICAL
    altered = json.loads(rsa.receipt(case, date(2023, 3, 1)).to_json())
    altered["at"] = "2024-03-01"
    result = replay(rsa, altered)
    assert result.status == NOT_REPLAYABLE and "altered" in (result.reason or "")
    unknown = json.loads(rsa.receipt(case, date(2023, 3, 1)).to_json())
    unknown["facts"]["given"]["fait_inconnu"] = True
    unknown["hash"] = content_hash(unknown)
    result = replay(rsa, unknown)
    assert result.status == NOT_REPLAYABLE and "fait_inconnu" in (result.reason or "")
    gone = json.loads(rsa.receipt(case, date(2023, 3, 1)).to_json())
    gone["requested"] = ["decision_disparue"]
    gone["hash"] = content_hash(gone)
    assert "decision_disparue" in (replay(rsa, gone).reason or "")


def test_replay_command_reports_differences_and_exits_1(rsa: Policy, tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(rsa.receipt(ADRE_CASE, date(2023, 9, 1)).to_json(indent=2), encoding="utf-8")
    changed = _changed_policy(tmp_path)
    result = _cli("replay", str(path), "--policy", str(changed))
    assert result.returncode == 1
    assert "different" in result.stdout and "adre_versement_prise_de_poste: 500 → 600" in result.stdout
    assert "parameters/adre.yaml" in result.stdout
    result = _cli("replay", str(path), "--policy", str(changed), "--exact")
    assert result.returncode == 1 and "policy hash unknown" in result.stdout
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = _cli("replay", str(bad))
    assert result.returncode == 1 and "receipt_error" in result.stderr


@pytest.mark.parametrize("command", ["replay"])
def test_replay_help(command: str) -> None:
    result = _cli(command, "--help")
    assert result.returncode == 0 and "examples:" in result.stdout and "--exact" in result.stdout


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "POLICY_LANG": "en", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300
    )


def test_a_receipt_is_explained_from_its_own_trace(rsa: Policy, tmp_path: Path) -> None:
    from engine.cases import case_files, load_cases
    from engine.receipt import ReceiptError
    from engine.replay import explain_receipt

    for file in case_files([ROOT / "policy" / "examples"]).files:
        for case in load_cases(file, rsa):
            doc = json.loads(rsa.receipt(case.facts, case.at).to_json())
            full = rsa.evaluate(case.facts, case.at, trace=True)
            for name in ("orientation_organisme", "contrat_date_limite", "adre_total"):
                assert explain_receipt(rsa, doc, name).to_text() == full.explain(name).to_text()
    doc = json.loads(rsa.receipt(ADRE_CASE, date(2023, 9, 1)).to_json())
    with pytest.raises(ReceiptError, match="made with policy"):
        explain_receipt(load_policy(_changed_policy(tmp_path)), doc, "adre_total")
    forged = json.loads(json.dumps(doc))
    step = next(s for s in forged["trace"]["rules"] if s[0] == "adre_versement_prise_de_poste")
    step[3] = 1  # claim the first row (no job taken: nothing paid) was taken
    forged["hash"] = content_hash(forged)
    with pytest.raises(ReceiptError, match="does not fit"):
        explain_receipt(rsa, forged, "adre_total")
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = _cli("explain", str(path), "adre_versement_prise_de_poste")
    assert result.returncode == 0, result.stderr
    assert result.stdout == full_text(rsa, ADRE_CASE, date(2023, 9, 1), "adre_versement_prise_de_poste")


def full_text(policy: Policy, facts: dict[str, object], at: date, name: str) -> str:
    return policy.evaluate(facts, at, trace=True).explain(name).to_text()

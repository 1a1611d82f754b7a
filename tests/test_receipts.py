"""Decision receipts (`Policy.receipt`, `policy eval --receipt`) and the policy's fingerprint."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ROOT

from engine import Policy, load_policy
from engine.fingerprint import combine, git_commit
from engine.receipt import FORMAT, Masking, ReceiptError, canonical_json, content_hash, read_receipts, verify

SALT = "a-secret-salt-for-tests-only-0123456789"
CASE = {
    "date_naissance": date(1975, 9, 12),
    "date_entree_rsa": date(2023, 1, 16),
    "suivi_social_mds_en_cours": True,
    "date_notification_orientation": date(2023, 1, 30),
    "date_signature_contrat": date(2023, 2, 20),
    "date_prise_de_poste": None,
}


def _walk(value: object) -> list[object]:
    out = [value]
    if isinstance(value, dict):
        for k, v in value.items():
            out += [k, *_walk(v)]
    elif isinstance(value, list):
        for v in value:
            out += _walk(v)
    return out


def test_a_receipt_holds_everything_needed_to_audit_the_decision(rsa: Policy) -> None:
    receipt = rsa.receipt(CASE, date(2023, 3, 1))
    doc = json.loads(receipt.to_json())
    assert doc["format"] == FORMAT and doc["id"] == receipt.id
    assert doc["at"] == "2023-03-01" and doc["at_defaulted"] is False
    assert doc["requested"] == list(rsa.decisions)
    assert doc["facts"]["given"]["date_naissance"] == "1975-09-12"
    assert doc["facts"]["given"]["date_prise_de_poste"] is None  # as given: a null is kept
    assert doc["facts"]["used"]["inscrit_france_travail"] is False  # a default, marked as such
    assert "inscrit_france_travail" in doc["facts"]["defaulted"]
    assert "date_entree_rsa" not in doc["facts"]["defaulted"]
    assert doc["decisions"]["orientation_organisme"] == "mds"
    assert doc["decisions"]["adre_total"] == "0"  # normalised amount, as text
    assert doc["decisions"]["contrat_date_limite"] == "2023-03-30"
    assert doc["errors"] == {}
    steps = {(s[0], s[2]): s for s in doc["trace"]["rules"]}
    assert steps[("orientation_organisme_selon_circuit", "2023-01-16")][3] == 2
    parameters = {(p[0], p[2]): p for p in doc["trace"]["parameters"]}
    age = rsa.plan.parameters["age_min_orientation_auto_mds"]
    assert parameters[("age_min_orientation_auto_mds", "2023-01-16")] == [
        "age_min_orientation_auto_mds",
        age.starts[age.index_on(date(2023, 1, 16))].isoformat(),
        "2023-01-16",
        age.values[age.index_on(date(2023, 1, 16))],
    ]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert doc["engine"] == {"name": "policy-engine", "version": project["version"]}
    policy = doc["policy"]
    assert set(policy["files"]) >= {"facts.yaml", "rules/orientation.yaml", "parameters/adre.yaml"}
    assert set(policy["folders"]) >= {".", "rules", "parameters"}
    assert policy["hash"] == combine(policy["files"])
    assert policy["folders"]["rules"] == combine({k: v for k, v in policy["files"].items() if k.startswith("rules/")})
    assert policy["commit"] == git_commit(ROOT)
    assert doc["hash"] == content_hash(doc) and verify(doc) is None
    assert not any(isinstance(v, float) for v in _walk(doc))
    assert receipt.to_json() == canonical_json(doc)  # sorted keys, compact separators
    assert list(doc) == sorted(doc)


def test_the_evaluation_date_is_written_even_when_defaulted(rsa: Policy) -> None:
    receipt = rsa.receipt({"date_entree_rsa": date(2023, 1, 16)})
    assert receipt.document["at"] == date.today().isoformat()
    assert receipt.document["at_defaulted"] is True


def test_amounts_are_normalised() -> None:
    from engine.canonical import canonical_value

    assert canonical_value(Decimal("500.00")) == "500"
    assert canonical_value(Decimal("12.50")) == "12.5"
    assert canonical_value(Decimal("-0.0")) == "0"
    assert canonical_value(1.5) == "1.5"
    assert canonical_value(frozenset({"b", "a"})) == ["a", "b"]


def test_any_change_to_a_receipt_breaks_its_hash(rsa: Policy) -> None:
    doc = json.loads(rsa.receipt(CASE, date(2023, 3, 1)).to_json())
    doc["decisions"]["orientation_organisme"] = "aave"
    assert "altered" in (verify(doc) or "")
    assert "format" in (verify({"hello": 1}) or "")


def test_masked_facts_are_never_written_in_clear(rsa: Policy) -> None:
    masking = Masking.configure(["date_naissance"], environ={"POLICY_RECEIPT_SALT": SALT})
    receipt = rsa.receipt(CASE, date(2023, 3, 1), masking=masking)
    text = receipt.to_json(indent=2)
    assert "1975-09-12" not in text and "1975" not in text
    doc = receipt.document
    masked = doc["facts"]["given"]["date_naissance"]  # type: ignore[index]
    assert masked.startswith("hmac-sha256:") and doc["facts"]["used"]["date_naissance"] == masked  # type: ignore[index]
    assert doc["facts"]["masked"] == ["date_naissance"]  # type: ignore[index]
    again = rsa.receipt(CASE, date(2023, 3, 1), masking=masking).document["facts"]["given"]["date_naissance"]  # type: ignore[index]
    assert again == masked  # the same salt gives the same hash: a clear value can be checked
    other = Masking.configure(["date_naissance"], environ={"POLICY_RECEIPT_SALT": SALT + "x"})
    assert rsa.receipt(CASE, date(2023, 3, 1), masking=other).document["facts"]["given"]["date_naissance"] != masked  # type: ignore[index]


def test_masking_needs_a_salt_and_known_facts(rsa: Policy, tmp_path: Path) -> None:
    with pytest.raises(ReceiptError, match="salt"):
        Masking.configure(["date_naissance"], environ={})
    with pytest.raises(ReceiptError, match="salt"):
        Masking.configure(["date_naissance"], environ={"POLICY_RECEIPT_SALT": "short"})
    assert Masking.configure([], environ={}) is None
    salt = tmp_path / "salt"
    salt.write_bytes(b"0123456789abcdef0123456789abcdef\n")
    masking = Masking.configure(["date_naissance"], salt_file=salt, environ={})
    assert masking is not None and masking.salt == b"0123456789abcdef0123456789abcdef"
    with pytest.raises(ReceiptError, match="cannot read"):
        Masking.configure(["date_naissance"], salt_file=tmp_path / "absent", environ={})
    wrong = Masking(frozenset({"date_naisance"}), b"0123456789abcdef")
    with pytest.raises(ReceiptError, match="did you mean `date_naissance`"):
        rsa.receipt(CASE, date(2023, 3, 1), masking=wrong)


def test_git_commit_is_read_without_git(tmp_path: Path) -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "repo"
    (repo / ".git" / "refs" / "heads").mkdir(parents=True)
    (repo / "policy").mkdir()
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    assert git_commit(repo / "policy") is None  # a branch without commits
    (repo / ".git" / "packed-refs").write_text(f"# pack-refs\n{sha} refs/heads/main\n")
    assert git_commit(repo / "policy") == sha
    other = "f" * 40
    (repo / ".git" / "refs" / "heads" / "main").write_text(other + "\n")
    assert git_commit(repo / "policy") == other  # loose refs win over packed ones
    (repo / ".git" / "HEAD").write_text(sha + "\n")  # detached HEAD
    assert git_commit(repo) == sha
    (repo / ".git" / "HEAD").write_text("garbage")
    assert git_commit(repo) is None
    # a worktree: .git is a file pointing at its own git dir, branches live in the common one
    main = tmp_path / "main" / ".git"
    (main / "worktrees" / "w").mkdir(parents=True)
    (main / "refs" / "heads").mkdir(parents=True)
    (main / "refs" / "heads" / "w").write_text(sha + "\n")
    (main / "worktrees" / "w" / "HEAD").write_text("ref: refs/heads/w\n")
    (main / "worktrees" / "w" / "commondir").write_text("../..\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / ".git").write_text(f"gitdir: {main / 'worktrees' / 'w'}\n")
    assert git_commit(tree) == sha


def test_a_policy_outside_git_has_no_commit(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "policy", tmp_path / "policy")
    if git_commit(tmp_path) is not None:  # pragma: no cover - the temporary folder sits in a repository
        pytest.skip("temporary folder inside a git repository")
    policy = load_policy(tmp_path / "policy")
    doc = policy.receipt(CASE, date(2023, 3, 1)).document
    assert doc["policy"]["commit"] is None  # type: ignore[index]
    assert doc["policy"]["hash"] == load_policy(ROOT / "policy").fingerprint.hash  # type: ignore[index]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": "/usr/bin:/bin",
        "NO_COLOR": "1",
        "POLICY_LANG": "en",
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True, env=environment, timeout=120
    )


def test_eval_writes_receipts(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    result = _cli(
        "eval",
        "policy/examples/orientation-mds-automatique.yaml",
        "--receipt",
        str(one),
        "--mask",
        "date_naissance",
        env={"POLICY_RECEIPT_SALT": SALT},
    )
    assert result.returncode == 0, result.stderr
    assert "1 receipt(s) written" in result.stderr
    doc = json.loads(one.read_text(encoding="utf-8"))
    assert verify(doc) is None and doc["facts"]["masked"] == ["date_naissance"]
    assert "1975-09-12" not in one.read_text(encoding="utf-8")
    many = tmp_path / "many.jsonl"
    result = _cli("eval", "policy/tests/examples.yaml", "--receipt", str(many))
    assert result.returncode == 0, result.stderr
    receipts = read_receipts(many)
    assert len(receipts) == len(many.read_text(encoding="utf-8").splitlines()) > 1
    assert all(verify(r) is None for r in receipts)
    no_salt = _cli(
        "eval", "policy/examples/orientation-mds-automatique.yaml", "--receipt", str(one), "--mask", "date_naissance"
    )
    assert no_salt.returncode == 1 and "receipt_error" in no_salt.stderr and "salt" in no_salt.stderr

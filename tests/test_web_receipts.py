"""Receipts over HTTP: `POST /v1/receipts` gives the receipt `policy eval --receipt` writes,
`POST /v1/replay` replays one, and the explorer's try page offers the receipt to download."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import POLICY_DIR, ROOT

from engine import Masking, Policy
from engine.receipt import content_hash

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from engine.web import create_app

SALT = "a-secret-salt-for-tests-only-0123456789"
CASE = ROOT / "policy" / "examples" / "orientation-mds-automatique.yaml"
VOLATILE = ("id", "issued_at", "hash")  # a new receipt each time: its name, its time, so its hash


@pytest.fixture(scope="module")
def client(rsa: Policy) -> TestClient:
    return TestClient(create_app(rsa), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def masked_client(rsa: Policy) -> TestClient:
    masking = Masking.configure(["date_naissance"], environ={"POLICY_RECEIPT_SALT": SALT})
    return TestClient(create_app(rsa, masking), raise_server_exceptions=False)


def _cli_receipt(tmp_path: Path, *extra: str, salt: bool = False) -> dict[str, Any]:
    env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "POLICY_LANG": "en", "PYTHONPATH": str(ROOT)}
    if salt:
        env["POLICY_RECEIPT_SALT"] = SALT
    path = tmp_path / "recu.json"
    command = [sys.executable, "-m", "engine", "eval", str(CASE), "--policy", str(POLICY_DIR), "--receipt", str(path)]
    result = subprocess.run([*command, *extra], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _same(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert {k: v for k, v in a.items() if k not in VOLATILE} == {k: v for k, v in b.items() if k not in VOLATILE}


def test_the_api_receipt_is_the_command_lines(client: TestClient, tmp_path: Path) -> None:
    made = _cli_receipt(tmp_path)
    response = client.post("/v1/receipts", json={"at": made["at"], "facts": made["facts"]["given"]})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    served = response.json()
    assert served["hash"] == content_hash(served)
    assert response.text == json.dumps(served, sort_keys=True, ensure_ascii=False, separators=(",", ":"))  # canonical
    _same(served, made)


def test_masked_facts_are_masked_by_the_server_as_by_the_command(masked_client: TestClient, tmp_path: Path) -> None:
    made = _cli_receipt(tmp_path, "--mask", "date_naissance", salt=True)
    clear = {"date_naissance": "1975-09-12"}
    given = {**made["facts"]["given"], **clear}
    response = masked_client.post("/v1/receipts", json={"at": made["at"], "facts": given})
    served = response.json()
    assert "1975-09-12" not in response.text and served["facts"]["masked"] == ["date_naissance"]
    _same(served, made)
    # Replayed by the server: refused alone, identical with the clear value, refused with a wrong one.
    alone = masked_client.post("/v1/replay", json={"receipt": served}).json()
    assert alone["status"] == "not_replayable" and "date_naissance" in alone["reason"]
    cleared = masked_client.post("/v1/replay", json={"receipt": served, "facts": clear}).json()
    assert cleared["status"] == "identical", cleared
    wrong = masked_client.post("/v1/replay", json={"receipt": served, "facts": {"date_naissance": "1975-09-13"}})
    assert wrong.json()["status"] == "not_replayable" and "hash differs" in wrong.json()["reason"]


def test_replay_endpoint_identical_and_altered(client: TestClient) -> None:
    case = {"at": "2023-03-01", "facts": {"date_entree_rsa": "2023-01-16", "inscrit_france_travail": True}}
    receipt = client.post("/v1/receipts", json=case).json()
    same = client.post("/v1/replay", json={"receipt": receipt})
    assert same.status_code == 200 and same.json()["status"] == "identical"
    receipt["decisions"]["orientation_organisme"] = "mds"
    altered = client.post("/v1/replay", json={"receipt": receipt}).json()
    assert altered["status"] == "not_replayable" and "altered" in altered["reason"]


def test_openapi_documents_the_receipt_routes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    receipts = spec["paths"]["/v1/receipts"]["post"]
    assert receipts["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReceiptDocument"
    }
    assert "/v1/replay" in spec["paths"]
    assert "hash" in spec["components"]["schemas"]["ReceiptDocument"]["properties"]


def test_the_try_page_offers_the_receipt(client: TestClient) -> None:
    query = {"at": "2023-03-01", "date_entree_rsa": "2023-01-16", "inscrit_france_travail": "oui"}
    page = client.get("/essayer", params=query).text
    assert 'href="/essayer/recu.json?' in page and "Télécharger le reçu de décision" in page
    assert 'id="download-receipt"' not in client.get("/essayer").text  # no case, no receipt
    download = client.get("/essayer/recu.json", params=query)
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    receipt = download.json()
    assert receipt["hash"] == content_hash(receipt) and receipt["at"] == "2023-03-01"
    assert receipt["facts"]["given"]["inscrit_france_travail"] is True
    assert client.get("/essayer/recu.json", params={"date_entree_rsa": "2023-01-16"}).status_code == 404

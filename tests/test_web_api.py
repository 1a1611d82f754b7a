"""The HTTP API through the ASGI app: evaluate, explain, batch, the pack, problems, body bounds."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from conftest import MINI_DIR

from engine import Policy, load_policy

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from engine.web import create_app

CASE = {
    "at": "2025-04-02",
    "facts": {
        "date_naissance": "1990-06-15",
        "date_entree_rsa": "2025-02-10",
        "inscrit_france_travail": True,
        "disponible_emploi": True,
        "date_notification_orientation": "2025-02-28",
    },
}


@pytest.fixture(scope="module")
def client(rsa: Policy) -> TestClient:
    return TestClient(create_app(rsa), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def mini_client() -> TestClient:
    return TestClient(create_app(load_policy(MINI_DIR)), raise_server_exceptions=False)


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["type"].startswith("urn:policy-engine:problem:")
    return body


def test_evaluate_gives_the_same_decisions_as_the_engine(client: TestClient, rsa: Policy) -> None:
    response = client.post("/v1/evaluate", json=CASE)
    assert response.status_code == 200
    body = response.json()
    assert body["at"] == "2025-04-02"
    assert body["decisions"]["orientation_organisme"] == "france_travail"
    assert body["decisions"]["contrat_date_limite"] == "2025-03-28"
    assert body["decisions"]["contrat_jours_de_retard"] == 5
    assert body["errors"] == {}
    from datetime import date

    expected = rsa.evaluate({**CASE["facts"]}, date(2025, 4, 2)).to_dict()
    assert body["decisions"] == expected.get("decisions", expected)


def test_evaluate_only_the_decisions_asked(client: TestClient) -> None:
    body = client.post("/v1/evaluate", json={**CASE, "decisions": ["contrat_statut"]}).json()
    assert list(body["decisions"]) == ["contrat_statut"]
    assert body["decisions"]["contrat_statut"] == "en_retard"


def test_a_wrong_fact_is_a_problem_naming_the_field(client: TestClient) -> None:
    case = {"at": "2025-04-02", "facts": {"date_entree_rsa": "10/02/2025", "inconnu": 1}}
    body = problem(client.post("/v1/evaluate", json=case), 422)
    fields = {e["field"]: e for e in body["errors"]}
    assert "facts.date_entree_rsa" in fields and "YYYY-MM-DD" in fields["facts.date_entree_rsa"]["message"]
    assert "facts.inconnu" in fields and "unknown fact" in fields["facts.inconnu"]["message"]
    assert body["detail"].startswith("facts.date_entree_rsa")


def test_enum_values_and_booleans_are_checked(client: TestClient) -> None:
    body = problem(
        client.post(
            "/v1/evaluate",
            json={"at": "2025-04-02", "facts": {"organisme_referent": "cnaf", "inscrit_france_travail": "yes"}},
        ),
        422,
    )
    assert {e["field"] for e in body["errors"]} >= {"facts.inscrit_france_travail"}


def test_dates_must_be_iso_texts_not_numbers(client: TestClient) -> None:
    body = problem(client.post("/v1/evaluate", json={"at": 1700000000, "facts": {}}), 422)
    assert body["errors"][0]["field"] == "at"


def test_a_json_float_amount_is_refused_and_exact_ones_accepted(mini_client: TestClient) -> None:
    case = {"at": "2025-03-01", "facts": {"available": True, "amount": 12.5}}
    body = problem(mini_client.post("/v1/evaluate", json=case), 422)
    assert body["errors"][0]["field"] == "facts.amount"
    assert "exact" in body["errors"][0]["message"]
    for exact, total in (("12.50", "512.50"), (12, "512")):
        ok = mini_client.post("/v1/evaluate", json={"at": "2025-03-01", "facts": {"available": True, "amount": exact}})
        assert ok.status_code == 200, ok.text
        assert ok.json()["decisions"]["total"] == total


def test_a_float_is_refused_even_written_without_fraction(mini_client: TestClient) -> None:
    raw = b'{"at": "2025-03-01", "facts": {"amount": 12.0}}'
    response = mini_client.post("/v1/evaluate", content=raw, headers={"content-type": "application/json"})
    assert problem(response, 422)["errors"][0]["field"] == "facts.amount"


def test_malformed_json_is_a_problem(client: TestClient) -> None:
    response = client.post("/v1/evaluate", content=b'{"at": ', headers={"content-type": "application/json"})
    assert problem(response, 422)["title"] == "Invalid request"


def test_unknown_decision_is_a_problem(client: TestClient) -> None:
    body = problem(client.post("/v1/evaluate", json={**CASE, "decisions": ["nope"]}), 422)
    assert body["errors"][0]["field"] == "decisions.0"


def test_a_body_over_the_bound_is_refused_with_413(client: TestClient) -> None:
    big = {"at": "2025-04-02", "facts": {"territoire_mds": "x" * 300_000}}
    problem(client.post("/v1/evaluate", json=big), 413)

    def chunks() -> Any:  # streamed without a length: counted as it arrives
        for _ in range(40):
            yield b" " * 10_000

    problem(client.post("/v1/evaluate", content=chunks(), headers={"content-type": "application/json"}), 413)


def test_explain_gives_text_markdown_tree_and_why_not(client: TestClient) -> None:
    response = client.post("/v1/explain", json={**CASE, "decision": "orientation_organisme", "why_not": "mds"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["value"] == "france_travail"
    assert body["text"].startswith("Décision « ")
    assert body["markdown"].startswith("## ")
    assert body["tree"]["trace"]["rule"] == "orientation_organisme"
    assert body["tree"]["trace"]["depends_on"], "the tree goes down to the rules it rests on"
    assert body["why_not"].startswith("Pourquoi")


def test_pack_routes_describe_rules_parameters_facts_and_assumptions(client: TestClient, rsa: Policy) -> None:
    pack = client.get("/v1/pack").json()
    assert [d["name"] for d in pack["decisions"]] == list(rsa.decisions)
    rule = client.get("/v1/rules/orientation_mode").json()
    assert rule["references"][0]["article"].startswith("CASF")
    assert rule["versions"][0]["rows"][0]["because"]
    assert "orientation_mode_selon_circuit" in rule["reads"]
    parameter = client.get("/v1/parameters/age_min_orientation_auto_mds").json()
    assert parameter["assumption"] is True and parameter["values"][0]["value"] == 26
    assumptions = client.get("/v1/assumptions").json()
    plan = rsa.plan
    expected = {n for n, p in plan.parameters.items() if p.decl.assumption or any(v.assumption for v in p.decl.values)}
    expected |= {n for n, r in plan.rules.items() if any(v.decl.assumption for v in r.versions)}
    assert {a["name"] for a in assumptions} == expected
    assert {a["kind"] for a in assumptions} == {"parameter", "parameter_value", "rule_version"}
    assert all(a["how_to_change"] and a["decisions"] for a in assumptions)
    facts = client.get("/v1/facts").json()
    assert {f["name"] for f in facts} == set(rsa.facts)
    enums = {e["name"]: e for e in client.get("/v1/enums").json()}
    assert "mds" in {v["value"] for v in enums["organisme"]["values"]}
    problem(client.get("/v1/rules/nope"), 404)
    problem(client.get("/v1/parameters/nope"), 404)


def test_openapi_names_every_fact_with_type_label_and_values(client: TestClient, rsa: Policy) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    facts = spec["components"]["schemas"]["Facts"]
    assert set(facts["properties"]) == set(rsa.facts)
    assert facts["additionalProperties"] is False
    entry = facts["properties"]["date_entree_rsa"]
    assert entry["title"] == "Date d'entrée dans le RSA"
    assert "date" in json.dumps(entry)
    organisme = json.dumps(facts["properties"]["organisme_referent"])
    assert all(v in organisme for v in ("mds", "aave", "cos_iti"))
    assert {"/v1/evaluate", "/v1/explain", "/v1/batch", "/v1/rules/{name}"} <= set(spec["paths"])


def test_openapi_documents_exact_amounts(mini_client: TestClient) -> None:
    spec = mini_client.get("/openapi.json").json()
    amount = json.dumps(spec["components"]["schemas"]["Facts"]["properties"]["amount"])
    assert '"integer"' in amount and "pattern" in amount and '"number"' not in amount


def test_interactive_docs_are_served_from_the_package(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert (
        "/docs/assets/swagger-ui-bundle.js" in page.text and "http" not in page.text.split("<body>")[1].split("url:")[0]
    )
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200


def test_unknown_route_and_method_are_problems(client: TestClient) -> None:
    problem(client.get("/v1/nope"), 404)
    problem(client.get("/v1/evaluate"), 405)


def batch(client: TestClient, name: str, content: bytes, **form: str) -> Any:
    return client.post("/v1/batch", files={"file": (name, content)}, data=form)


def test_batch_csv_keeps_every_row_in_order_with_its_errors(client: TestClient, rsa: Policy) -> None:
    text = (
        "id,at,date_entree_rsa,inscrit_france_travail,disponible_emploi\n"
        "a,2025-04-02,2025-02-10,true,true\n"
        "b,,2025-02-10,maybe,true\n"
        "c,2025-04-02,2019-05-01,false,false\n"
    )
    response = batch(client, "cases.csv", text.encode(), at="2025-05-01")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["orientation_organisme"] == "france_travail" and rows[0]["errors"] == "[]"
    errors = json.loads(rows[1]["errors"])
    assert errors and errors[0]["column"] == "inscrit_france_travail"
    assert rows[2]["at"] == "2025-04-02"
    assert set(rsa.decisions) <= set(rows[0])


def test_batch_jsonl_in_and_out(client: TestClient) -> None:
    lines = [json.dumps({"id": "x", **CASE["facts"]}), json.dumps({"date_entree_rsa": "2025-02-10"}), "not json"]
    response = batch(client, "cases.jsonl", "\n".join(lines).encode(), at="2025-04-02", output="jsonl")
    assert response.status_code == 200, response.text
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert [r["id"] for r in rows] == ["x", "2", "3"]
    assert rows[0]["contrat_statut"] == "en_retard"
    assert rows[2]["errors"][0]["code"] == "invalid_value"


def test_batch_refuses_other_files(client: TestClient) -> None:
    problem(batch(client, "cases.xlsx", b"PK"), 415)


def test_the_service_is_read_only(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    writes = {(path, method) for path, item in spec["paths"].items() for method in item if method != "get"}
    # POST computes (a receipt is returned, never stored): nothing the service holds can change.
    assert writes == {
        ("/v1/evaluate", "post"),
        ("/v1/explain", "post"),
        ("/v1/batch", "post"),
        ("/v1/receipts", "post"),
        ("/v1/replay", "post"),
    }


def test_a_decision_that_cannot_be_computed_is_its_own_error(client: TestClient) -> None:
    response = client.post("/v1/evaluate", json={"at": "2008-01-01", "facts": {}})
    assert response.status_code == 200, response.text
    errors = response.json()["errors"]
    assert errors["orientation_mode"]["code"] == "not_in_force"
    assert errors["orientation_mode"]["chain"][0] == "orientation_mode"
    explained = client.post("/v1/explain", json={"at": "2008-01-01", "decision": "orientation_mode"})
    assert explained.status_code == 200
    assert explained.json()["error"]["code"] == "not_in_force" and explained.json()["value"] is None
    assert "could not be computed" in explained.json()["text"]


def test_batch_parquet_goes_through_the_batch_backend_or_says_why(client: TestClient, rsa: Policy) -> None:
    response = batch(client, "cases.parquet", b"PAR1")
    if not hasattr(rsa, "evaluate_batch"):
        assert "batch backend" in problem(response, 415)["detail"]
    else:  # a truncated file is a clear problem, never a 500
        assert response.status_code in (200, 422), response.text

"""Receipts over HTTP: `POST /v1/receipts` evaluates a case and returns its decision receipt (the
very document `policy eval --receipt` writes: canonical JSON, the server's masked facts as salted
hashes); `POST /v1/replay` replays a receipt under the served policy."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from engine import Masking, Policy, replay_receipt
from engine.web.api import API_VERSION, case_facts
from engine.web.schemas import Models

RECEIPT_MEDIA = "application/json"


class ReceiptDocument(BaseModel):
    """A decision receipt (format `policy-engine/receipt/1`); see the legal reviewer's guide."""

    model_config = ConfigDict(extra="allow")
    format: str = Field(description="`policy-engine/receipt/1`")
    id: str = Field(description="a random UUID")
    issued_at: str = Field(description="when it was written (UTC, ISO 8601)")
    at: str = Field(description="the evaluation date, YYYY-MM-DD, always written")
    at_defaulted: bool = Field(description="true when no date was given and the day of evaluation was used")
    requested: list[str] = Field(description="the decisions asked for")
    facts: dict[str, Any] = Field(description="`given`, `used`, `defaulted`, `masked` (masked values: hmac-sha256:…)")
    decisions: dict[str, Any] = Field(description="each decision computed, as JSON")
    errors: dict[str, Any] = Field(description="each decision that failed: code, message, culprit, chain")
    trace: dict[str, Any] | None = Field(description="the compact trace: rule versions, rows, branches; parameters")
    engine: dict[str, Any] = Field(description="the engine's name and version")
    policy: dict[str, Any] = Field(description="`hash`, `files`, `folders` (SHA-256), `commit`, `root`")
    hash: str = Field(description="sha256: of the canonical JSON of the other fields")


class ChangeModel(BaseModel):
    decision: str
    before: Any = Field(description="the value recorded, or {error: code}")
    after: Any = Field(description="the value now, or {error: code}")
    why: list[str] = Field(description="the rule versions, rows, parameters or files behind the change")


class ReplayResponse(BaseModel):
    receipt: str = Field(description="the receipt's id")
    status: str = Field(description="`identical`, `different` or `not_replayable`")
    reason: str | None = Field(description="why it is not replayable")
    changes: list[ChangeModel]
    notes: list[str] = Field(description="what differs without changing a decision (policy files, engine)")
    changed_files: list[str] = Field(description="policy files whose hash differs from the receipt's")


def router(policy: Policy, models: Models, masking: Masking | None) -> APIRouter:
    api = APIRouter(prefix=f"/{API_VERSION}", tags=["receipts"])
    replay_request = create_model(
        "ReplayRequest",
        __config__=ConfigDict(extra="forbid"),
        receipt=(
            dict[str, Any],
            Field(description="a receipt, as `POST /v1/receipts` or `policy eval --receipt` wrote it"),
        ),
        facts=(
            models.facts | None,  # type: ignore[arg-type]
            Field(
                default=None, description="clear values of the receipt's masked facts (checked against their hashes)"
            ),
        ),
    )

    @api.post(
        "/receipts",
        summary="Evaluate a case and return its decision receipt (canonical JSON, as `policy eval --receipt`)",
        response_class=Response,
        responses={200: {"model": ReceiptDocument, "content": {RECEIPT_MEDIA: {}}}},
    )
    def receipt(body: models.evaluate) -> Response:  # type: ignore[name-defined]
        made = policy.receipt(case_facts(body.facts), body.at, body.decisions, masking=masking)
        return Response(made.to_json(), media_type=RECEIPT_MEDIA)

    @api.post("/replay", summary="Replay a receipt under the served policy: identical, different (why), or not")
    def replay_endpoint(body: replay_request) -> ReplayResponse:  # type: ignore[valid-type]
        clear = case_facts(body.facts) if body.facts is not None else {}  # type: ignore[attr-defined]
        result = replay_receipt(policy, body.receipt, clear=clear, salt=masking)  # type: ignore[attr-defined]
        return ReplayResponse.model_validate(result.to_dict())

    return api

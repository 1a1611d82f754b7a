"""The versioned JSON API (/v1): evaluate, explain, batch, and the pack read-only.

No `from __future__ import annotations` here: the request models are built from the pack at start-up
and FastAPI reads the endpoints' annotations as objects.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from fastapi.responses import Response

from engine import (
    AssumptionInfo,
    Catalogue,
    Decision,
    EnumInfo,
    FactInfo,
    ParameterInfo,
    Policy,
    RuleInfo,
    TypeInfo,
)
from engine.i18n import _
from engine.web.batch import MAX_BATCH_BYTES, run_batch
from engine.web.schemas import DecisionErrorModel, EvaluateResponse, ExplainResponse, IsoDate, Models, Problem

API_VERSION = "v1"
_PROBLEMS: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "invalid request or case (RFC 9457 problem details)"},
    413: {"model": Problem, "description": "request body too large"},
}


@dataclass(frozen=True, slots=True)
class DecisionSummary:
    name: str
    label: str
    description: str | None
    type: TypeInfo
    topic: str


@dataclass(frozen=True, slots=True)
class PackSummary:
    root: str
    decisions: list[DecisionSummary]
    topics: dict[str, list[str]]
    facts: int
    parameters: int
    rules: int
    assumptions: int


def decision_json(decision: Decision) -> dict[str, Any]:
    """`{"at", "decisions", "errors"}` as the shared vocabulary says (per-decision errors)."""
    data: dict[str, Any] = dict(decision.to_dict())
    if "decisions" in data and "at" in data:
        data.setdefault("errors", {})
        return data
    # Engine without per-decision errors: any failure raised for the whole case.
    return {"at": decision.at.isoformat(), "decisions": data, "errors": {}}


def case_facts(model: Any) -> dict[str, object]:
    """The facts a request gave (unset ones stay absent, so that their defaults apply)."""
    return {name: getattr(model, name) for name in model.model_fields_set}


def router(policy: Policy, models: Models) -> APIRouter:
    catalogue: Catalogue = policy.catalogue
    api = APIRouter(prefix=f"/{API_VERSION}", responses=_PROBLEMS)

    def lookup(table: Mapping[str, Any], name: str, what: str) -> Any:
        if name not in table:
            message = _("no rule named `{name}`") if what == "rule" else _("no parameter named `{name}`")
            raise HTTPException(404, message.format(name=name))
        return table[name]

    @api.get("/pack", tags=["pack"], summary="The pack in brief: decisions by topic, counts")
    def pack() -> PackSummary:
        return PackSummary(
            root=catalogue.root,
            decisions=[
                DecisionSummary(r.name, r.label, r.description, r.type, r.topic)
                for r in (catalogue.rules[n] for n in catalogue.decisions)
            ],
            topics=catalogue.topics,
            facts=len(catalogue.facts),
            parameters=len(catalogue.parameters),
            rules=len(catalogue.rules),
            assumptions=len(catalogue.assumptions),
        )

    @api.get("/facts", tags=["pack"], summary="Every fact a case may give: type, French label, default")
    def facts() -> list[FactInfo]:
        return list(catalogue.facts.values())

    @api.get("/enums", tags=["pack"], summary="Every enumeration with its values and their labels")
    def enums() -> list[EnumInfo]:
        return list(catalogue.enums.values())

    @api.get("/rules", tags=["pack"], summary="Every rule (decisions and intermediate rules)")
    def rules() -> list[RuleInfo]:
        return list(catalogue.rules.values())

    @api.get("/rules/{name}", tags=["pack"], summary="One rule: references, dated versions, table rows, uses")
    def rule(name: str) -> RuleInfo:
        info: RuleInfo = lookup(catalogue.rules, name, "rule")
        return info

    @api.get("/parameters", tags=["pack"], summary="Every parameter with its dated values and sources")
    def parameters() -> list[ParameterInfo]:
        return list(catalogue.parameters.values())

    @api.get("/parameters/{name}", tags=["pack"], summary="One parameter: dated values, sources, assumption flag")
    def parameter(name: str) -> ParameterInfo:
        info: ParameterInfo = lookup(catalogue.parameters, name, "parameter")
        return info

    @api.get(
        "/assumptions",
        tags=["pack"],
        summary="Every assumption (« hypothèse »): parameters, dated values, rule versions, with notes and uses",
    )
    def assumptions() -> list[AssumptionInfo]:
        return catalogue.assumptions

    @api.post("/evaluate", tags=["decisions"], summary="Evaluate a case: decisions and per-decision errors")
    def evaluate(body: models.evaluate) -> EvaluateResponse:  # type: ignore[name-defined]
        decision = policy.evaluate(case_facts(body.facts), body.at, body.decisions)
        return EvaluateResponse.model_validate(decision_json(decision))

    @api.post("/explain", tags=["decisions"], summary="Explain a decision: French text, Markdown, tree, why-not")
    def explain(body: models.explain) -> ExplainResponse:  # type: ignore[name-defined]
        decision = policy.evaluate(case_facts(body.facts), body.at, [body.decision])
        failed = decision_json(decision)["errors"].get(body.decision)
        if failed is not None:  # the decision's own error (not in force, missing fact…) is its explanation
            text = _("{label} ({name}) could not be computed: {message}").format(
                label=catalogue.label(body.decision), name=body.decision, message=failed["message"]
            )
            text += "\n"
            return ExplainResponse(
                decision=body.decision,
                label=catalogue.label(body.decision),
                at=body.at.isoformat(),
                value=None,
                text=text,
                markdown=f"## {text}",
                tree={},
                error=DecisionErrorModel.model_validate(failed),
            )
        explanation = decision.explain(body.decision)
        tree = explanation.to_dict()
        return ExplainResponse(
            decision=body.decision,
            label=catalogue.label(body.decision),
            at=body.at.isoformat(),
            value=tree.get("value"),
            text=explanation.to_text(),
            markdown=explanation.to_markdown(),
            tree=tree,
            why_not=explanation.why_not(body.why_not) if body.why_not is not None else None,
        )

    @api.post(
        "/batch",
        tags=["decisions"],
        summary="Evaluate a caseload file (CSV, JSONL or Parquet) → the result file",
        description=(
            "One row per case: an optional `id`, an optional `at` (else the form's `at`), one column per fact. "
            f"At most {MAX_BATCH_BYTES // 2**20} MiB. The result has `id`, `at`, one column per decision and "
            "`errors` (JSON list), in input order; CSV by default, JSONL with `output=jsonl`."
        ),
        response_class=Response,
        responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}, 415: {"model": Problem}},
    )
    def batch(
        file: Annotated[UploadFile, File(description="the caseload: .csv, .jsonl or .parquet")],
        at: Annotated[IsoDate | None, Form(description="date for rows without an `at`")] = None,
        decisions: Annotated[str | None, Form(description="comma-separated decision names")] = None,
        output: Annotated[str, Form(pattern="^(csv|jsonl)$")] = "csv",
    ) -> Response:
        wanted = [d.strip() for d in decisions.split(",") if d.strip()] if decisions else None
        body, media = run_batch(policy, file.filename or "", file.file, at, wanted, output)
        return Response(body, media_type=media)

    return api

"""The explorer's routes (French, server-rendered HTML): home, rules, parameters, facts, assumptions,
search, and « essayer un cas » with the case in the URL."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from engine import Masking, Policy, PolicyError
from engine.i18n import _
from engine.web.render import Pages
from engine.web.trycase import DecisionResult, case_file, evaluate_case, parse_case


def router(policy: Policy, masking: Masking | None = None) -> APIRouter:
    pages = Pages(policy)
    catalogue = policy.catalogue
    html = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

    def missing(what: str) -> HTMLResponse:
        return HTMLResponse(pages.not_found(what), status_code=404)

    @html.get("/")
    def home(q: str = "") -> HTMLResponse:
        return HTMLResponse(pages.home(q[:200]))

    @html.get("/regles/{name}")
    def rule(name: str) -> HTMLResponse:
        return (
            HTMLResponse(pages.rule(name))
            if name in catalogue.rules
            else missing(_("the rule « {name} »").format(name=name))
        )

    @html.get("/parametres/{name}")
    def parameter(name: str) -> HTMLResponse:
        if name not in catalogue.parameters:
            return missing(_("the parameter « {name} »").format(name=name))
        return HTMLResponse(pages.parameter(name))

    @html.get("/faits/{name}")
    def fact(name: str) -> HTMLResponse:
        return (
            HTMLResponse(pages.fact(name))
            if name in catalogue.facts
            else missing(_("the fact « {name} »").format(name=name))
        )

    @html.get("/hypotheses")
    def assumptions() -> HTMLResponse:
        return HTMLResponse(pages.assumptions())

    @html.get("/essayer")
    def try_case(request: Request) -> HTMLResponse:
        query = dict(request.query_params)
        facts, at, problems, fields = parse_case(catalogue, query)
        results: list[DecisionResult] = []
        general = None
        asked = "at" in query
        if asked and at is None and "at" not in problems:
            problems["at"] = _("give the evaluation date")
        if at is not None and not problems:
            why = query.get("pourquoi", ""), query.get("valeur", "")
            results, by_fact, general = evaluate_case(policy, facts, at, why if all(why) else None)
            problems.update(by_fact)
            for f in fields:
                f.error = problems.get(f.name)
        status = 422 if problems or general else 200
        return HTMLResponse(
            pages.try_case(
                fields=fields,
                at=query.get("at", date.today().isoformat()),
                at_error=problems.get("at"),
                results=results,
                general=general,
                problems=problems,
                query=query,
                query_string=str(request.url.query),
            ),
            status_code=status if asked else 200,
        )

    @html.get("/essayer/cas.yaml", response_class=PlainTextResponse)
    def download(request: Request) -> Response:
        facts, at, _problems, _fields = parse_case(catalogue, dict(request.query_params))
        text = case_file(catalogue, facts, at, _("Case entered in the explorer"))
        return Response(
            text,
            media_type="application/yaml; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="cas.yaml"'},
        )

    @html.get("/essayer/recu.json")
    def download_receipt(request: Request) -> Response:
        """The case's decision receipt, as `policy eval --receipt` writes it (the server's masked facts hashed)."""
        facts, at, problems, _fields = parse_case(catalogue, dict(request.query_params))
        if at is None or problems:
            return missing(_("a receipt: the case is incomplete (give the evaluation date and correct the fields)"))
        try:
            receipt = policy.receipt(facts, at, masking=masking)
        except PolicyError as exc:
            return missing(_("a receipt: {reason}").format(reason="; ".join(d.message for d in exc.diagnostics)))
        return Response(
            receipt.to_json(indent=2) + "\n",
            media_type="application/json; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="recu.json"'},
        )

    return html

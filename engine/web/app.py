"""The ASGI application: the /v1 API, its OpenAPI 3.1 document and offline docs, and the explorer.

Read-only: the policy is loaded once and shared; no route can change it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from engine import Masking, Policy, __version__
from engine.web import api, explorer, problems, receipts
from engine.web.batch import MAX_BATCH_BYTES
from engine.web.schemas import Models

MAX_BODY_BYTES = 256 * 1024  # a case is a few hundred bytes; a batch has its own bound
STATIC = Path(__file__).parent / "static"

DESCRIPTION = """\
Évaluer et expliquer les décisions du pack (API JSON versionnée, `/v1/…`).

* Montants exacts : un entier JSON ou un texte comme `"12.50"` ; un nombre JSON à virgule est refusé.
* Dates : textes ISO `YYYY-MM-DD`.
* Erreurs : RFC 9457 (`application/problem+json`), avec le champ en cause (`facts.date_entree_rsa`).
* Les erreurs propres à une décision (`not_in_force`, `missing_fact`, `evaluation_error`) sont dans
  `errors` ; les autres décisions sont calculées.
"""


def create_app(policy: Policy, masking: Masking | None = None) -> FastAPI:
    """The whole service for one loaded policy; `masking`: the facts its receipts write as salted hashes."""
    app = FastAPI(
        title="policy-engine",
        version=__version__,
        summary=f"Décisions du pack `{policy.root}`",
        description=DESCRIPTION,
        docs_url=None,  # served below from the package, never from a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    problems.install(app)
    models = Models(policy.catalogue)
    app.include_router(api.router(policy, models))
    app.include_router(receipts.router(policy, models, masking))
    app.mount("/docs/assets", StaticFiles(directory=str(swagger_ui_path)), name="swagger-assets")
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="policy-engine — API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    app.include_router(explorer.router(policy, masking))
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(problems.BodyLimit, limit=MAX_BODY_BYTES, limits={"/v1/batch": MAX_BATCH_BYTES})
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every error response as RFC 9457 `application/problem+json`."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    spec = get_openapi(
        title=app.title, version=app.version, summary=app.summary, description=app.description, routes=app.routes
    )
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, item in spec.get("paths", {}).items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            if operation is item.get("post"):
                responses.setdefault("400", {"description": "unreadable body"})
                responses.setdefault("413", {"description": "body too large"})
            if "{" in path:
                responses.setdefault("404", {"description": "no such name"})
            responses.setdefault("500", {"description": "unexpected error (a problem, never a bare 500)"})
            for code, response in responses.items():
                if code[0] in "45":
                    response["content"] = problem
                    response.setdefault("description", "problem details")
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    app.openapi_schema = spec
    return spec

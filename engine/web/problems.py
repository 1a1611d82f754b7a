"""Errors as RFC 9457 problem details (application/problem+json) naming the field at fault, and a
bound on request bodies. No request ever gets a bare 500: an unexpected failure is a problem too."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine import CaseError, PolicyError
from engine.i18n import _

PROBLEM_JSON = "application/problem+json"
LOG = logging.getLogger("engine.web")
_NAME = re.compile(r"`([a-z][a-z0-9_]*)`")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    kind: str,
    errors: list[dict[str, str]] | None = None,
    instance: str = "",
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, object] = {
        "type": f"urn:policy-engine:problem:{kind}",
        "title": title,
        "status": status,
        "detail": detail,
        "errors": errors or [],
    }
    if instance:
        body["instance"] = instance
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def wants_html(request: Request) -> bool:
    """A browser asking for an explorer page (not the API) gets its errors as a French page."""
    return not request.url.path.startswith(("/v1", "/openapi")) and "text/html" in request.headers.get("accept", "")


def html_error(status: int, title: str, detail: str) -> HTMLResponse:
    back = _("Back to the home page")
    body = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>'
        f"{escape(title)}</title>"
        '<link rel="stylesheet" href="/static/style.css"></head><body><main id="contenu">'
        f"<h1>{escape(title)}</h1><p>{escape(detail)}</p>"
        f'<p><a href="/">{escape(back)}</a></p></main></body></html>'
    )
    return HTMLResponse(body, status_code=status)


def field_of(loc: tuple[int | str, ...] | list[int | str]) -> str:
    """pydantic's location (`body`, `facts`, `date_entree_rsa`, `function-before[...]`) → `facts.date_entree_rsa`."""
    parts = [str(p) for p in loc if p != "body" and not str(p).startswith(("function-", "constrained-"))]
    return ".".join(p for p in parts if p not in ("int", "str", "literal_error")) or "body"


def diagnostic_fields(exc: PolicyError) -> list[dict[str, str]]:
    """Each diagnostic of a case error, with the field it is about (`facts.NAME`, `decisions`, `at`)."""
    out = []
    for d in exc.diagnostics:
        code = d.code.value
        names = _NAME.findall(d.message)
        if code in ("unknown_fact", "fact_type_error", "missing_fact") and names:
            where = f"facts.{names[0]}"
        elif code == "unknown_decision":
            where = "decisions"
        elif "`at`" in d.message:
            where = "at"
        else:
            where = names[0] if names else "body"
        out.append({"field": where, "code": code, "message": d.message})
    return out


def install(app: FastAPI) -> None:
    """Register the problem handlers on `app`."""

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": field_of(e.get("loc", ())), "code": str(e.get("type", "invalid")), "message": _message(e)}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "body", "message": _("invalid request")}
        return problem(
            422,
            _("Invalid request"),
            f"{first['field']}: {first['message']}",
            kind="invalid-request",
            errors=errors,
            instance=request.url.path,
        )

    @app.exception_handler(CaseError)
    async def case_error(request: Request, exc: CaseError) -> JSONResponse:
        errors = diagnostic_fields(exc)
        return problem(
            422,
            _("The case does not fit the policy"),
            "; ".join(f"{e['field']}: {e['message']}" for e in errors),
            kind="invalid-case",
            errors=errors,
            instance=request.url.path,
        )

    @app.exception_handler(PolicyError)
    async def policy_error(request: Request, exc: PolicyError) -> JSONResponse:
        errors = diagnostic_fields(exc)
        return problem(
            422,
            _("The decision could not be computed"),
            "; ".join(e["message"] for e in errors) or str(exc),
            kind="evaluation-error",
            errors=errors,
            instance=request.url.path,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {
            400: _("Bad request"),
            404: _("Not found"),
            405: _("Method not allowed"),
            413: _("Request too large"),
            415: _("Unsupported media type"),
        }
        if wants_html(request):
            title = _("Page not found") if exc.status_code == 404 else titles.get(exc.status_code, _("Error"))
            return html_error(exc.status_code, title, str(exc.detail))
        return problem(
            exc.status_code,
            titles.get(exc.status_code, _("HTTP error")),
            str(exc.detail),
            kind=f"http-{exc.status_code}",
            instance=request.url.path,
            headers=exc.headers,  # e.g. `Allow` on a 405
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        LOG.exception("unexpected error on %s", request.url.path)
        if wants_html(request):
            return html_error(500, _("Internal error"), _("The page could not be produced; the server log has more."))
        return problem(
            500,
            _("Internal error"),
            _("unexpected {error}; the server log has the details").format(error=type(exc).__name__),
            kind="internal-error",
            instance=request.url.path,
        )


def _message(error: Any) -> str:
    if error.get("type") == "extra_forbidden":
        loc = [str(p) for p in error.get("loc", ())]
        return _("unknown fact (GET /v1/facts lists them)") if "facts" in loc else _("unknown field")
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


class BodyLimit:
    """ASGI middleware refusing request bodies over `limit` bytes (per path prefix in `limits`) with a 413
    problem, whether the client announces the length or streams it."""

    def __init__(self, app: ASGIApp, limit: int, limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.limits = limits or {}

    def bound(self, path: str) -> int:
        return next((n for prefix, n in self.limits.items() if path.startswith(prefix)), self.limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.bound(str(scope.get("path", "")))
        for key, value in scope.get("headers", []):
            if key == b"content-length" and value.isdigit() and int(value) > limit:
                await self._refuse(scope, send, limit)
                return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, send, limit)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "type": "urn:policy-engine:problem:http-413",
                "title": _("Request too large"),
                "status": 413,
                "detail": _("the request body is over {limit} bytes").format(limit=limit),
                "instance": scope.get("path", ""),
                "errors": [],
            }
        ).encode()
        headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(StarletteHTTPException):
    """Raised while reading a streamed body; the app's HTTP error handler turns it into a 413 problem."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _("the request body is over {limit} bytes").format(limit=limit))

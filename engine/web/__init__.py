"""The web adapter: an HTTP API (FastAPI on uvicorn) and a French rule explorer (Jinja2).

Reaches the engine only through its facade `engine`. `create_app(policy)` is the ASGI app,
`serve(policy, host, port)` runs it, `write_site(policy, folder)` writes the explorer as a static site.
"""

from __future__ import annotations

from engine import Masking, Policy
from engine.web.app import create_app
from engine.web.site import write_site

__all__ = ["create_app", "serve", "write_site"]


def serve(
    policy: Policy,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    log_level: str = "info",
    masking: Masking | None = None,
) -> None:
    """Serve the API and the explorer until interrupted (Ctrl-C); `masking`: facts its receipts mask."""
    import uvicorn

    uvicorn.run(create_app(policy, masking), host=host, port=port, log_level=log_level, access_log=False)

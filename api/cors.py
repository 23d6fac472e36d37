"""CORS for the browser-facing routes only: both GraphQL endpoints and the CSV exports, for an
HQ console served from another origin (`CORS_ALLOW_ORIGINS`). Payment notifications, QR images,
health and metrics are not for browsers on other origins and get no CORS headers.

Tokens travel in the Authorization header, never in cookies, so credentials are not allowed.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

BROWSER_PATHS = ("/graphql", "/admin/graphql")
BROWSER_PREFIXES = ("/admin/exports/",)
ALLOWED_HEADERS = ["Authorization", "Content-Type", "Accept", "X-Request-Id"]
# What a console may read from a response besides the safelisted headers.
EXPOSED_HEADERS = ["X-Request-Id", "Content-Disposition"]
PREFLIGHT_MAX_AGE = 600


class BrowserRoutesCORS:
    """Starlette's CORSMiddleware (preflights answered, headers on allowed origins) on the
    browser-facing paths; every other path passes straight through."""

    def __init__(self, app: ASGIApp, allow_origins: list[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=allow_origins,
            allow_methods=["GET", "POST"],
            allow_headers=ALLOWED_HEADERS,
            expose_headers=EXPOSED_HEADERS,
            max_age=PREFLIGHT_MAX_AGE,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        # Behind a proxy with a path prefix, ASGI's `path` includes `root_path`.
        root_path = scope.get("root_path", "")
        if root_path and path.startswith(root_path):
            path = path[len(root_path) :]
        if path in BROWSER_PATHS or path.startswith(BROWSER_PREFIXES):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)

"""Liveness, readiness (the database answers) and Prometheus metrics.

Metrics tell a lot about the business (operation names, volumes) and cost memory to render:
with `METRICS_TOKEN` set, `/metrics` wants `Authorization: Bearer <token>` (401 otherwise);
without it, only a client on this machine talking to the process directly (api/clients.py),
everyone else 403. Whichever worker answers, the figures are those of every worker
(api/metrics.py).
"""

from __future__ import annotations

import hmac
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from tortoise import connections

from api.auth.viewer import bearer_token
from api.clients import is_local_client
from api.config import AppConfig
from api.metrics import exposition

log = logging.getLogger("siyu.health")


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(_: Request) -> Response:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:  # any failure means "not ready"; the cause goes to the log only
        log.exception("readiness check failed")
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


def _metrics_refusal(request: Request, config: AppConfig) -> Response | None:
    if config.metrics_token:
        presented = bearer_token(request.headers.get("authorization")) or ""
        if hmac.compare_digest(presented.encode(), config.metrics_token.encode()):
            return None
        return PlainTextResponse(
            "A metrics token is required.\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'}
        )
    if is_local_client(request, config.trusted_proxies):
        return None
    return PlainTextResponse("Metrics are served to this machine only.\n", 403)


async def metrics(request: Request) -> Response:
    refusal = _metrics_refusal(request, request.app.state.services.config)
    if refusal is not None:
        return refusal
    body, content_type = exposition()
    return PlainTextResponse(body, media_type=content_type)

"""Liveness, readiness (the database answers) and Prometheus metrics."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from tortoise import connections

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


async def metrics(_: Request) -> Response:
    body, content_type = exposition()
    return PlainTextResponse(body, media_type=content_type)

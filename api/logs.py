"""JSON-lines logging with a request id on every line; personal data never goes in."""

from __future__ import annotations

import contextvars
import itertools
import json
import logging
import os
import secrets
import sys
import time
from datetime import UTC, datetime

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# `color_message` is uvicorn's copy of the message with ANSI colours: never in JSON logs.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}
access_log = logging.getLogger("siyu.access")


class RequestIds:
    """Request ids unique across workers and restarts: 8 random hex digits per process, then a
    counter. Ids need to be unique, not secret, and a random draw (or a pid check) per request
    cost a system call on the hot path: a forked worker draws its own prefix at the fork."""

    def __init__(self) -> None:
        self._prefix = ""
        self._next = itertools.count()
        self.redraw()

    def redraw(self) -> None:
        self._prefix = secrets.token_hex(4)

    def new(self) -> str:
        return f"{self._prefix}{next(self._next) & 0xFFFFFFFF:08x}"


_request_ids = RequestIds()
os.register_at_fork(after_in_child=_request_ids.redraw)


def _incoming_request_id(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == b"x-request-id":
            return value.decode("latin-1")
    return ""


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = (
                    value
                    if value is None or isinstance(value, str | int | float | bool)
                    else repr(value)
                )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("tortoise").setLevel(logging.WARNING)


class RequestIdMiddleware:
    """Takes a sane `X-Request-Id` from the caller or makes one; echoes it in the response, and
    writes one access line per request when it ends.

    The access line holds the request id, method, path (never the query string: a GET carries
    GraphQL variables there), status, duration and the GraphQL operation label the endpoint put
    in `scope["state"]["operation"]`, and, when tracing is on, the trace id the tracing
    middleware put in `scope["state"]["trace_id"]`; never variables, tokens or personal data.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = _incoming_request_id(scope["headers"])
        sane = incoming.isascii() and incoming.replace("-", "").isalnum() and len(incoming) <= 64
        rid = incoming if sane else _request_ids.new()
        token = request_id.set(rid)
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        status = 500

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                self._log(rid, scope, status, started, state)
            request_id.reset(token)

    @staticmethod
    def _log(rid: str, scope: dict, status: int, started: float, state: dict) -> None:
        access_log.info(
            "request",
            extra={
                "request_id": rid,
                "method": scope["method"],
                "path": scope["path"][:200],
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "operation": state.get("operation"),
                # Only when tracing is on (api/tracing.py): the request's trace.
                **({"trace_id": state["trace_id"]} if "trace_id" in state else {}),
            },
        )

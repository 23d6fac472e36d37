"""Payment notifications (WeChat Pay v3 and the sandbox), and the sandbox's "pay now" button.

A notification is believed only after its signature, freshness and encryption check out; then the
core confirms the payment idempotently. The answers follow WeChat's contract: 2xx (here 204, no
body) stops its retries, anything else with `{"code": "FAIL", ...}` makes it retry later. Refusals
are logged with the provider and a short reason only: bodies hold the payer's openid.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from api.payments.setup import Payments
from api.payments.wechat_v3 import VerificationFailed
from domain.orders import refunds
from domain.payments.service import (
    NotificationRefused,
    confirm_payment,
    payment_amount,
    record_notification,
    record_refused,
)

log = logging.getLogger("siyu.payments.notify")

# Real notifications are about 1 KiB; anything near this is not one.
MAX_NOTIFICATION_BYTES = 64 * 1024
MAX_SANDBOX_REQUEST_BYTES = 1024
NOTIFY_PATH = "/payments/notify/{provider}"
REFUND_NOTIFY_PATH = "/payments/refund-notify/{provider}"
SANDBOX_SUCCEED_PATH = "/payments/sandbox/{out_trade_no}/succeed"


def routes(payments: Payments) -> list[Route]:
    """The sandbox's route exists only where the sandbox does (never in production)."""
    found = [
        Route(NOTIFY_PATH, notify, methods=["POST"]),
        Route(REFUND_NOTIFY_PATH, refund_notify, methods=["POST"]),
    ]
    if payments.sandbox is not None:
        found.append(Route(SANDBOX_SUCCEED_PATH, sandbox_succeed, methods=["POST"]))
    return found


def _fail(status: int, message: str) -> JSONResponse:
    return JSONResponse({"code": "FAIL", "message": message}, status_code=status)


async def _read_limited(request: Request, limit: int) -> bytes | None:
    """The raw body (signatures cover its exact bytes), or None when it is over `limit`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


async def notify(request: Request) -> Response:
    provider = request.path_params["provider"]
    payments: Payments = request.app.state.payments
    verifier = payments.verifiers.get(provider)
    if verifier is None:
        return _fail(404, "unknown payment provider")
    body = await _read_limited(request, MAX_NOTIFICATION_BYTES)
    if body is None:
        await record_refused(provider, "body too large")
        log.warning("payment notification refused", extra={"provider": provider, "why": "size"})
        return _fail(413, "body too large")
    try:
        transaction = await verifier.verify(request.headers, body)
    except VerificationFailed as failure:
        await record_refused(provider, failure.reason)
        log.warning(
            "payment notification refused", extra={"provider": provider, "why": failure.reason}
        )
        return _fail(401, "verification failed")
    if transaction.trade_state != "SUCCESS":
        # Closed, refunded, still paying...: nothing to apply, and WeChat must stop retrying.
        return Response(status_code=204)
    try:
        await confirm_payment(
            provider,
            transaction.out_trade_no,
            transaction.amount_total,
            transaction.transaction_id,
        )
    except NotificationRefused as refusal:
        log.warning(
            "payment notification refused",
            extra={
                "provider": provider,
                "out_trade_no": transaction.out_trade_no,
                "why": str(refusal),
            },
        )
        return _fail(400, str(refusal))
    except Exception:  # rolled back: WeChat retries a 5xx, so nothing accepted is lost
        log.exception(
            "payment notification failed", extra={"out_trade_no": transaction.out_trade_no}
        )
        return _fail(500, "temporarily unavailable")
    return Response(status_code=204)


async def refund_notify(request: Request) -> Response:
    """A refund's result (REFUND.SUCCESS / REFUND.ABNORMAL / REFUND.CLOSED), verified and
    decrypted like a payment notification, then applied idempotently: a repeat, or a result the
    poller already recorded, changes nothing and answers success so WeChat stops retrying."""
    provider = request.path_params["provider"]
    payments: Payments = request.app.state.payments
    verifier = payments.verifiers.get(provider)
    if verifier is None:
        return _fail(404, "unknown payment provider")
    body = await _read_limited(request, MAX_NOTIFICATION_BYTES)
    if body is None:
        await record_refused(provider, "body too large")
        return _fail(413, "body too large")
    try:
        outcome = await verifier.verify_refund(request.headers, body)
    except VerificationFailed as failure:
        await record_refused(provider, failure.reason)
        log.warning(
            "refund notification refused", extra={"provider": provider, "why": failure.reason}
        )
        return _fail(401, "verification failed")
    try:
        changed = await refunds.apply_notice(provider, outcome)
    except refunds.RefundNoticeRefused as refusal:
        await record_notification(provider, outcome.out_refund_no, "REFUND_REFUSED", str(refusal))
        log.warning(
            "refund notification refused",
            extra={"provider": provider, "out_refund_no": outcome.out_refund_no},
        )
        return _fail(400, str(refusal))
    except Exception:  # rolled back: WeChat retries a 5xx
        log.exception("refund notification failed", extra={"out_refund_no": outcome.out_refund_no})
        return _fail(500, "temporarily unavailable")
    outcome_name = f"REFUND_{outcome.state.value}" if changed else "REFUND_REPEAT"
    await record_notification(provider, outcome.out_refund_no, outcome_name)
    return Response(status_code=204)


async def sandbox_succeed(request: Request) -> Response:
    """Make the sandbox notify "paid" for one of its payments, the way WeChat would.

    The notification goes through the app's own notify route (in process, over ASGI), so it is
    verified and applied exactly like a real one; the answer is that route's answer. A JSON body
    `{"amountFen": N}` notifies another amount than the payment's (to see a mismatch refused).
    """
    payments: Payments = request.app.state.payments
    sandbox = payments.sandbox
    assert sandbox is not None  # the route exists only with the sandbox
    out_trade_no = request.path_params["out_trade_no"]
    amount_fen = await payment_amount(sandbox.name, out_trade_no)
    if amount_fen is None:
        return _fail(404, "no such sandbox payment")
    body = await _read_limited(request, MAX_SANDBOX_REQUEST_BYTES)
    if body is None:
        return _fail(413, "body too large")
    if body.strip():
        try:
            options = json.loads(body)
        except ValueError:
            return _fail(400, "body is not JSON")
        amount = options.get("amountFen", amount_fen) if isinstance(options, dict) else None
        if not isinstance(amount, int) or isinstance(amount, bool):
            return _fail(400, "amountFen must be an integer")
        amount_fen = amount
    headers, notification = sandbox.notification(out_trade_no, amount_fen)
    request_id = request.scope.get("state", {}).get("request_id")
    if request_id:
        headers["X-Request-Id"] = request_id
    path = NOTIFY_PATH.format(provider=sandbox.name)
    return await _post_in_process(request.app, path, headers, notification)


async def _post_in_process(
    app: ASGIApp, path: str, headers: dict[str, str], body: bytes
) -> Response:
    """POST `body` to `path` of `app` through its whole ASGI stack (middleware, routing) in
    this process, and answer with what it answered: a plain ASGI call, with none of an HTTP
    client's set-up per request."""
    raw_headers = [(b"host", b"sandbox.local"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": raw_headers,
        "client": ("127.0.0.1", 0),
        "server": ("sandbox.local", 80),
    }
    answered = asyncio.Event()
    requests = [{"type": "http.request", "body": body, "more_body": False}]
    start: dict[str, Any] = {}
    content = bytearray()

    async def receive() -> dict[str, Any]:
        if requests:
            return requests.pop()
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            content.extend(message.get("body", b""))
            if not message.get("more_body", False):
                answered.set()

    await app(scope, receive, send)
    media_type = dict(start.get("headers", [])).get(b"content-type")
    return Response(
        bytes(content),
        status_code=start["status"],
        media_type=media_type.decode() if media_type else None,
    )

"""WeChat transfer notifications (商家转账回调, `MCHTRANSFER.BILL.FINISHED`), beside the payment
notifications and held to the same rules (api/rest/payments.py): believed only once signature,
freshness and encryption check out; 204 stops WeChat's retries, anything else with
`{"code": "FAIL"}` makes it retry; refusals are logged with a short reason only (the bill holds
the payee's openid). Applying one is a compare-and-set, so a repeat changes nothing.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.payments.wechat_v3 import VerificationFailed
from api.payouts.setup import Payouts
from api.rest.payments import MAX_NOTIFICATION_BYTES, _read_limited
from distribution.withdrawals import transfer_notified

log = logging.getLogger("siyu.payouts.notify")

TRANSFER_NOTIFY_PATH = "/payouts/notify/wechat-transfer"


def routes(payouts: Payouts) -> list[Route]:
    """The route exists only where transfers are configured."""
    if payouts.transfer is None:
        return []
    return [Route(TRANSFER_NOTIFY_PATH, transfer_notify, methods=["POST"])]


def _fail(status: int, message: str) -> JSONResponse:
    return JSONResponse({"code": "FAIL", "message": message}, status_code=status)


async def transfer_notify(request: Request) -> Response:
    payouts: Payouts = request.app.state.payouts
    assert payouts.transfer is not None  # the route exists only with it
    body = await _read_limited(request, MAX_NOTIFICATION_BYTES)
    if body is None:
        log.warning("transfer notification refused", extra={"why": "size"})
        return _fail(413, "body too large")
    try:
        out_bill_no, bill = await payouts.transfer.verifier.bill(request.headers, body)
    except VerificationFailed as failure:
        log.warning("transfer notification refused", extra={"why": failure.reason})
        return _fail(401, "verification failed")
    try:
        await transfer_notified(out_bill_no, bill)
    except LookupError as refusal:
        log.warning(
            "transfer notification refused",
            extra={"out_bill_no": out_bill_no, "why": str(refusal)},
        )
        return _fail(400, str(refusal))
    except Exception:  # rolled back: WeChat retries a 5xx, so nothing is lost
        log.exception("transfer notification failed", extra={"out_bill_no": out_bill_no})
        return _fail(500, "temporarily unavailable")
    return Response(status_code=204)

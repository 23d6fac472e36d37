"""WeChat's shipping info management (小程序发货信息管理) for the mini-program: the outbox sender
of topic `wechat.shipping`, the delivery company list, the settlement push and the daily
reconcile. The composition root installs it (`install`) with the app's one WeChat client.

The sender (`ShippingUploader`) posts `upload_shipping_info` with what domain/shipping/uploads.py
builds, and sorts the answer into an outbox outcome:
- errcode 0 → Sent. 10060003 (the payment's one re-upload was used: it is on WeChat already) →
  Sent. 10060004 (not in a state to ship) → `get_order` decides: shipped there → Sent, else
  Fail.
- A try after the first (`attempts > 1`: the previous one timed out or failed) asks `get_order`
  first and does not upload again when WeChat shows the order shipped: a second upload would be a
  re-shipment, which WeChat allows once per payment.
- Rate limit (45009 / 45011) → Defer by the error's retry_after (not counted as a try); busy
  (-1, 10060012, 10060019), 5xx, timeouts, token trouble (after the client's one refresh),
  misconfiguration → Retry with backoff until `outbox.max_attempts`, then DEAD for HQ.
- 10060001 (payment unknown): WeChat registers a payment a little after it happens, so the first
  `PAYMENT_SETTLING_TRIES` tries retry; after that → Fail. Any other errcode → Fail with it.
Without WeChat (the DEV login provider) every upload is skipped with that reason.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from api.wechat import push
from api.wechat.client import WechatClient, skip_without_wechat
from api.wechat.errors import (
    WechatAppMisconfigured,
    WechatError,
    WechatRateLimited,
    WechatTokenInvalid,
)
from domain import clock
from domain.orders.models import Order, OrderStatus
from domain.outbox import dispatch
from domain.outbox.dispatch import Defer, Fail, Outcome, Retry, Sent, Skip
from domain.outbox.service import Leased
from domain.payments.models import Payment, PaymentStatus
from domain.settings.service import get_setting
from domain.shipping import carriers, settlement, uploads

log = logging.getLogger("siyu.wechat.shipping")

UPLOAD_SHIPPING_INFO = "/wxa/sec/order/upload_shipping_info"
GET_ORDER = "/wxa/sec/order/get_order"
DELIVERY_LIST = "/cgi-bin/express/delivery/open_msg/get_delivery_list"
SETTLEMENT_EVENT = "trade_manage_order_settlement"

PAYMENT_UNKNOWN = 10060001
ALREADY_RESHIPPED = 10060003
NOT_SHIPPABLE = 10060004
BUSY = frozenset({10060012, 10060019})
PAYMENT_SETTLING_TRIES = 3
RECONCILE_BATCH = 100

_installed: WechatClient | None = None
_mch_id = ""


def install(wechat: WechatClient | None, mch_id: str) -> None:
    """Register the sender of `wechat.shipping` (a skipping one without WeChat) and keep the
    client for the carrier refresh and the reconcile jobs."""
    global _installed, _mch_id
    _installed, _mch_id = wechat, mch_id
    if wechat is None:
        dispatch.register_sender(uploads.TOPIC, skip_without_wechat)
    else:
        dispatch.register_sender(uploads.TOPIC, ShippingUploader(wechat, mch_id))


async def order_state(
    wechat: WechatClient, transaction_id: str | None, out_trade_no: str, mch_id: str
) -> int | None:
    """WeChat's order_state of a payment (`get_order`); None when WeChat does not know it."""
    if transaction_id:
        body: dict[str, Any] = {"transaction_id": transaction_id}
    else:
        body = {"merchant_id": mch_id, "merchant_trade_no": out_trade_no}
    try:
        answer = await wechat.call_json("POST", GET_ORDER, body)
    except WechatError as error:
        if error.errcode == PAYMENT_UNKNOWN:
            return None
        raise
    order = answer.get("order")
    state = order.get("order_state") if isinstance(order, dict) else None
    return state if isinstance(state, int) and not isinstance(state, bool) else None


class ShippingUploader:
    """The outbox sender of `wechat.shipping` (see the module docstring)."""

    def __init__(self, wechat: WechatClient, mch_id: str):
        self.wechat = wechat
        self.mch_id = mch_id

    async def __call__(self, message: Leased) -> Outcome:
        found = await uploads.facts(message.payload, self.wechat.app_id)
        if isinstance(found, str):
            return Skip(found)
        try:
            if message.attempts > 1 and await self._shipped(found):
                return Sent()
            await self.wechat.call_json(
                "POST", UPLOAD_SHIPPING_INFO, uploads.request_body(found, self.mch_id)
            )
            return Sent()
        except WechatRateLimited as error:
            until = clock.now() + timedelta(seconds=error.retry_after)
            return Defer(until, f"rate limited (errcode {error.errcode})")
        except WechatError as error:
            return await self._after_refusal(error, found, message.attempts)

    async def _shipped(self, found: uploads.UploadFacts) -> bool:
        state = await order_state(
            self.wechat, found.transaction_id, found.out_trade_no, self.mch_id
        )
        return state in settlement.SHIPPED_STATES

    async def _after_refusal(
        self, error: WechatError, found: uploads.UploadFacts, attempts: int
    ) -> Outcome:
        reason = f"{type(error).__name__}: {error.detail}"
        code = error.errcode
        if error.retryable or code is None or code in BUSY:
            return Retry(reason)
        if code == ALREADY_RESHIPPED:
            return Sent()
        if code == PAYMENT_UNKNOWN and attempts < PAYMENT_SETTLING_TRIES:
            return Retry(reason)
        if code == NOT_SHIPPABLE:
            try:
                if await self._shipped(found):
                    return Sent()
            except WechatError as query_error:
                return Retry(f"{reason}; get_order: {query_error.detail}")
        if isinstance(error, (WechatTokenInvalid, WechatAppMisconfigured)):
            # Token or app configuration trouble the client could not fix: an operator's
            # matter, retried until it is fixed or the message is dead.
            return Retry(reason)
        return Fail(reason)


async def refresh_carriers(now: datetime) -> int:
    """Job: WeChat's delivery company list (`get_delivery_list`) replaces the cached one; 0
    without WeChat (the built-in list serves)."""
    if _installed is None:
        return 0
    answer = await _installed.call_json("POST", DELIVERY_LIST, {})
    listed = answer.get("delivery_list")
    if not isinstance(listed, list) or not listed:
        log.warning("get_delivery_list answered no companies; the cached list is kept")
        return 0
    companies = [
        (str(entry.get("delivery_id", "")), str(entry.get("delivery_name", "")))
        for entry in listed
        if isinstance(entry, dict)
    ]
    try:
        return await carriers.replace_all(companies, now)
    except IntegrityError:
        return 0  # another process refreshed it at the same moment


async def reconcile(now: datetime) -> int:
    """Job (daily), with `wechat.shipping_management` on: every open shipped order (SHIPPED)
    is compared with WeChat's `get_order`. WeChat's order_state is stored
    (`WechatOrderState.order_state`, with when); 3 确认收货 / 4 交易完成 record the settlement
    and complete the order (as the push would have); 5 已退款 and 1 待发货 (WeChat has no
    shipping info: the upload is dead or missing) are logged as warnings for support (the
    state is stored).
    A query that fails leaves the order for the next run. Returns how many orders completed."""
    if _installed is None or not await get_setting("wechat.shipping_management"):
        return 0
    completed, after = 0, 0
    while True:
        batch = (
            await Order.filter(status=OrderStatus.SHIPPED, id__gt=after)
            .order_by("id")
            .limit(RECONCILE_BATCH)
        )
        if not batch:
            return completed
        after = batch[-1].id
        payments = {
            p.order_id: p
            for p in await Payment.filter(
                order_id__in=[o.id for o in batch], status=PaymentStatus.SUCCEEDED
            )
        }
        for order in batch:
            payment = payments.get(order.id)
            if payment is not None:
                completed += await _reconcile_one(order, payment, now)


async def _reconcile_one(order: Order, payment: Payment, now: datetime) -> int:
    try:
        state = await order_state(
            _installed_client(), payment.transaction_id, payment.out_trade_no, _mch_id
        )
    except WechatError as error:
        log.warning("reconcile: get_order of order %s failed: %s", order.number, error.detail)
        return 0
    await settlement.record_state(order.id, state, now)
    if state in settlement.SETTLED_STATES:
        return 1 if await settlement.record_settled(order, now) else 0
    if state in (None, 1, settlement.REFUNDED_STATE):
        log.warning(
            "reconcile: order %s is shipped here but WeChat's order_state is %s",
            order.number,
            state,
        )
    return 0


def _installed_client() -> WechatClient:
    assert _installed is not None
    return _installed


@push.on(SETTLEMENT_EVENT)
async def on_settlement(message: push.PushMessage) -> None:
    """WeChat pushes `trade_manage_order_settlement` when an order's shipping is complete and
    again when it settles: the second carries `confirm_receive_time` (the buyer confirmed, or
    WeChat did after its deadline) or `settlement_time`. That one records the settlement."""
    if not (
        _positive(message.get("confirm_receive_time")) or _positive(message.get("settlement_time"))
    ):
        return
    order = await settlement.order_paid_by(
        _text(message.get("transaction_id")), _text(message.get("merchant_trade_no"))
    )
    if order is None:
        log.warning("settlement pushed for a payment siyu does not know")
        return
    await settlement.record_settled(order, clock.now())


def _positive(value: object) -> bool:
    try:
        return int(str(value)) > 0
    except ValueError:
        return False


def _text(value: object) -> str | None:
    return str(value)[:64] if value not in (None, "") else None

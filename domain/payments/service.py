"""Payments: starting one through a provider, and the idempotent confirmation that pays an order.

Providers are chosen at start-up (api/app.py) and registered here by name.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from domain import clock
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.orders import lifecycle
from domain.orders.models import Order, OrderStatus
from domain.payments.models import Payment, PaymentNotification, PaymentStatus
from domain.payments.provider import PaymentProvider, PrepayRequest, ProviderError

log = logging.getLogger("siyu.payments")

_providers: dict[str, PaymentProvider] = {}


def register_provider(provider: PaymentProvider) -> None:
    _providers[provider.name] = provider


def provider_named(name: str) -> PaymentProvider:
    try:
        return _providers[name]
    except KeyError:
        raise DomainError(ErrorCode.INVALID, "provider", "unknown payment provider") from None


@dataclass(frozen=True)
class StartedPayment:
    payment: Payment
    client_params: dict[str, str]


def new_out_trade_no() -> str:
    return "P" + secrets.token_hex(12)


async def start_payment(
    order: Order, provider_name: str, payer_openid: str | None
) -> StartedPayment:
    """A payment attempt for an unpaid order; an open attempt with the same provider is reused."""
    provider = provider_named(provider_name)
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise DomainError(ErrorCode.INVALID_STATE, "orderId")
    if order.pay_deadline <= clock.now():
        raise DomainError(ErrorCode.ORDER_EXPIRED, "orderId")
    payment = await Payment.filter(
        order_id=order.id, provider=provider.name, status=PaymentStatus.PENDING
    ).first()
    if payment is None:
        payment = await Payment.create(
            order=order,
            provider=provider.name,
            out_trade_no=new_out_trade_no(),
            amount_fen=order.payable_fen,
            created_at=clock.now(),
        )
    try:
        params = await provider.prepay(
            PrepayRequest(
                out_trade_no=payment.out_trade_no,
                amount_fen=payment.amount_fen,
                description=f"订单 {order.number}",
                payer_openid=payer_openid,
                expires_at=order.pay_deadline,
            )
        )
    except ProviderError as error:
        log.warning(
            "prepay refused", extra={"out_trade_no": payment.out_trade_no, "why": str(error)}
        )
        raise DomainError(ErrorCode.PAYMENT_FAILED, "orderId") from None
    return StartedPayment(payment, params)


class NotificationRefused(Exception):
    """The notification must not pay anything; the provider gets a failure answer."""


async def confirm_payment(
    provider_name: str, out_trade_no: str, amount_fen: int, transaction_id: str
) -> None:
    """Apply a verified 'payment succeeded' notification. A repeat changes nothing.

    A wrong amount is refused (and recorded). Money arriving for an order that is no longer
    awaiting payment (cancelled at its deadline) is recorded as PAID_AFTER_CANCEL for finance to
    refund: the provider is told "received" so it stops retrying.
    """
    payment = await Payment.get_or_none(
        out_trade_no=out_trade_no, provider=provider_name
    ).select_related("order")
    if payment is None:
        await _record(provider_name, out_trade_no, "UNKNOWN_PAYMENT")
        raise NotificationRefused("unknown out_trade_no")
    if amount_fen != payment.amount_fen:
        await _record(provider_name, out_trade_no, "AMOUNT_MISMATCH", f"{amount_fen}")
        log.error("payment amount mismatch", extra={"out_trade_no": out_trade_no})
        raise NotificationRefused("amount mismatch")
    async with transaction():
        won = await Payment.filter(id=payment.id, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.SUCCEEDED, transaction_id=transaction_id[:64], paid_at=clock.now()
        )
        if not won:
            await _record(provider_name, out_trade_no, "REPEAT")
            return
        if await lifecycle.mark_paid(payment.order):
            await _record(provider_name, out_trade_no, "PAID")
        else:
            await _record(provider_name, out_trade_no, "PAID_AFTER_CANCEL")
            log.error(
                "payment for an order not awaiting payment", extra={"out_trade_no": out_trade_no}
            )


async def record_refused(provider_name: str, detail: str) -> None:
    """A notification that failed verification (bad signature, undecryptable): kept for audit."""
    await _record(provider_name, None, "BAD_SIGNATURE", detail)


async def _record(provider: str, out_trade_no: str | None, outcome: str, detail: str = "") -> None:
    await PaymentNotification.create(
        provider=provider,
        out_trade_no=out_trade_no,
        outcome=outcome,
        detail=detail[:200],
        received_at=clock.now(),
    )

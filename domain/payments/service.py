"""Payments: starting one through a provider, and the idempotent confirmation that pays an order.

Providers are chosen at start-up (api/app.py) and registered here by name.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from domain import clock, events, sql
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.orders import lifecycle
from domain.orders.models import Order, OrderStatus
from domain.payments.models import Payment, PaymentNotification, PaymentStatus
from domain.payments.provider import BillSource, PaymentProvider, PrepayRequest, ProviderError
from domain.sql import Sql

log = logging.getLogger("siyu.payments")

_providers: dict[str, PaymentProvider] = {}


def register_provider(provider: PaymentProvider) -> None:
    _providers[provider.name] = provider


def use_providers(providers: list[PaymentProvider]) -> None:
    """Exactly these providers from now on (the process's configuration)."""
    _providers.clear()
    for provider in providers:
        register_provider(provider)


def bill_sources() -> list[BillSource]:
    """The registered providers that publish daily bills (WeChat Pay; not the sandbox)."""
    return [p for p in _providers.values() if isinstance(p, BillSource)]


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


# Hand-written (domain.sql): every paid order runs these.
_OPEN_ATTEMPT = Sql(
    "payments.open_attempt",
    """SELECT {p} FROM payment p
    WHERE p.order_id = :order_id AND p.provider = :provider AND p.status = :pending LIMIT 1""",
    p=Payment,
)
_WITH_ORDER = Sql(
    "payments.with_order",
    """SELECT {p}, {o} FROM payment p JOIN "order" o ON o.id = p.order_id
    WHERE p.out_trade_no = :out_trade_no AND p.provider = :provider""",
    p=Payment,
    o=Order,
)
_AMOUNT = Sql(
    "payments.amount",
    "SELECT amount_fen FROM payment WHERE out_trade_no = :out_trade_no AND provider = :provider",
)
_SUCCEED = Sql(
    "payments.succeed",
    """UPDATE payment SET status = :succeeded, transaction_id = :transaction_id, paid_at = :now
    WHERE id = :id AND status = :pending""",
)


async def start_payment(
    order: Order, provider_name: str, payer_openid: str | None
) -> StartedPayment:
    """A payment attempt for an unpaid order; an open attempt with the same provider is reused."""
    provider = provider_named(provider_name)
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise DomainError(ErrorCode.INVALID_STATE, "orderId")
    if order.pay_deadline <= clock.now():
        raise DomainError(ErrorCode.ORDER_EXPIRED, "orderId")
    row = await sql.fetch_one(
        _OPEN_ATTEMPT, order_id=order.id, provider=provider.name, pending=PaymentStatus.PENDING
    )
    if row is not None:
        payment = sql.as_model(Payment, row, "p")
    else:
        payment = Payment(
            order_id=order.id,
            provider=provider.name,
            out_trade_no=new_out_trade_no(),
            amount_fen=order.payable_fen,
            created_at=clock.now(),
        )
        await sql.insert(payment)
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


async def payment_amount(provider_name: str, out_trade_no: str) -> int | None:
    """What a payment attempt asks for, or None when the provider has no such attempt."""
    row = await sql.fetch_one(_AMOUNT, out_trade_no=out_trade_no, provider=provider_name)
    return None if row is None else row["amount_fen"]


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
    row = await sql.fetch_one(_WITH_ORDER, out_trade_no=out_trade_no, provider=provider_name)
    if row is None:
        await _record(provider_name, out_trade_no, "UNKNOWN_PAYMENT")
        raise NotificationRefused("unknown out_trade_no")
    payment, order = sql.as_model(Payment, row, "p"), sql.as_model(Order, row, "o")
    if amount_fen != payment.amount_fen:
        await _record(provider_name, out_trade_no, "AMOUNT_MISMATCH", f"{amount_fen}")
        log.error("payment amount mismatch", extra={"out_trade_no": out_trade_no})
        raise NotificationRefused("amount mismatch")
    async with transaction():
        won = await sql.execute(
            _SUCCEED,
            id=payment.id,
            pending=PaymentStatus.PENDING,
            succeeded=PaymentStatus.SUCCEEDED,
            transaction_id=transaction_id[:64],
            now=clock.now(),
        )
        if not won:
            await _record(provider_name, out_trade_no, "REPEAT")
            return
        if await lifecycle.mark_paid(order):
            await _record(provider_name, out_trade_no, "PAID")
        else:
            await _record(provider_name, out_trade_no, "PAID_AFTER_CANCEL")
            log.error(
                "payment for an order not awaiting payment", extra={"out_trade_no": out_trade_no}
            )


async def record_refused(provider_name: str, detail: str) -> None:
    """A notification that failed verification (bad signature, undecryptable): kept for audit."""
    await _record(provider_name, None, "BAD_SIGNATURE", detail)


async def record_notification(
    provider_name: str, reference: str, outcome: str, detail: str = ""
) -> None:
    """A refund notification's outcome; `reference` is its out_refund_no."""
    await _record(provider_name, reference, outcome, detail)


async def _record(provider: str, out_trade_no: str | None, outcome: str, detail: str = "") -> None:
    await sql.insert(
        PaymentNotification(
            provider=provider,
            out_trade_no=out_trade_no,
            outcome=outcome,
            detail=detail[:200],
            received_at=clock.now(),
        )
    )
    await events.publish(events.PaymentNotified(provider, outcome))

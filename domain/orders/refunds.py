"""After-sale refunds (SPEC 8.6): requested per item by the member, reviewed by the order's store
manager or HQ, paid back through the payment provider.

Guards: one open request per item (compare-and-set on `refund_open`), and the refunded total of
an item can never pass what it paid (guarded increment). Approval asks the provider first,
keyed by `out_refund_no` so a retried approval never refunds twice, then applies everything in one
transaction and publishes `ItemRefunded` for commission, points and growth to follow.
"""

from __future__ import annotations

import secrets

from tortoise.expressions import F

from domain import clock, events
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.orders import stock
from domain.orders.lifecycle import PAID_STATES
from domain.orders.models import Order, OrderItem, OrderStatus, Refund, RefundStatus
from domain.payments.models import Payment, PaymentStatus
from domain.payments.provider import ProviderError, RefundRequest
from domain.payments.service import provider_named
from domain.validation import clean_text

UNSHIPPED = (OrderStatus.PAID, OrderStatus.READY_FOR_PICKUP)


async def request_refund(member_id: int, item_id: int, amount_fen: int, reason: str) -> Refund:
    if amount_fen <= 0:
        raise DomainError(ErrorCode.AMOUNT_NOT_POSITIVE, "amountFen")
    reason = clean_text(reason, "reason", 200, multiline=True)
    item = await OrderItem.get_or_none(id=item_id, order__member_id=member_id)
    if item is None:
        raise DomainError(ErrorCode.NOT_FOUND, "itemId")
    order = await Order.get(id=item.order_id)
    if order.status not in PAID_STATES:
        raise DomainError(
            ErrorCode.INVALID_STATE, "itemId", f"order is {order.status}; a refund needs it paid"
        )
    if amount_fen > item.paid_fen - item.refunded_fen:
        raise DomainError(ErrorCode.REFUND_EXCEEDS_PAID, "amountFen")
    async with transaction():
        opened = await OrderItem.filter(
            id=item.id, refund_open=False, refunded_fen__lte=item.paid_fen - amount_fen
        ).update(refund_open=True)
        if not opened:
            fresh = await OrderItem.get(id=item.id)
            code = (
                ErrorCode.REFUND_IN_PROGRESS if fresh.refund_open else ErrorCode.REFUND_EXCEEDS_PAID
            )
            raise DomainError(code, "itemId" if fresh.refund_open else "amountFen")
        refund = await Refund.create(
            order_id=order.id,
            item_id=item.id,
            amount_fen=amount_fen,
            reason=reason,
            out_refund_no="R" + secrets.token_hex(12),
            created_at=clock.now(),
        )
        await events.publish(events.RefundRequested(refund.id, amount_fen))
        return refund


async def _refusal(refund_id: int, change: str) -> DomainError:
    """INVALID_STATE naming the state another reviewer left the refund in."""
    current = await Refund.filter(id=refund_id).first().values_list("status", flat=True)
    return DomainError(
        ErrorCode.INVALID_STATE, "id", f"refund is {current}; {change} needs REQUESTED"
    )


async def reject(refund: Refund, actor: str, note: str) -> Refund:
    note = clean_text(note, "note", 200, multiline=True, required=False)
    async with transaction():
        moved = await Refund.filter(id=refund.id, status=RefundStatus.REQUESTED).update(
            status=RefundStatus.REJECTED,
            reviewed_by=actor,
            review_note=note,
            reviewed_at=clock.now(),
        )
        if not moved:
            raise await _refusal(refund.id, "rejecting")
        await OrderItem.filter(id=refund.item_id).update(refund_open=False)
        await events.publish(events.RefundRejected(refund.id))
    await refund.refresh_from_db()
    return refund


async def approve(refund: Refund, actor: str, note: str) -> Refund:
    note = clean_text(note, "note", 200, multiline=True, required=False)
    if refund.status != RefundStatus.REQUESTED:
        raise DomainError(
            ErrorCode.INVALID_STATE, "id", f"refund is {refund.status}; approving needs REQUESTED"
        )
    payment = await Payment.get_or_none(order_id=refund.order_id, status=PaymentStatus.SUCCEEDED)
    if payment is None:
        raise DomainError(ErrorCode.INVALID_STATE, "id", "the order has no payment")
    try:
        await provider_named(payment.provider).refund(
            RefundRequest(
                out_trade_no=payment.out_trade_no,
                out_refund_no=refund.out_refund_no,
                refund_fen=refund.amount_fen,
                total_fen=payment.amount_fen,
                reason=refund.reason,
            )
        )
    except ProviderError:
        raise DomainError(ErrorCode.REFUND_FAILED, "id") from None
    async with transaction():
        moved = await Refund.filter(id=refund.id, status=RefundStatus.REQUESTED).update(
            status=RefundStatus.REFUNDED,
            reviewed_by=actor,
            review_note=note,
            reviewed_at=clock.now(),
        )
        if not moved:
            raise await _refusal(refund.id, "approving")
        await _apply(refund)
    await refund.refresh_from_db()
    return refund


async def _apply(refund: Refund) -> None:
    item = await OrderItem.get(id=refund.item_id)
    added = await OrderItem.filter(
        id=item.id, refunded_fen__lte=item.paid_fen - refund.amount_fen
    ).update(refunded_fen=F("refunded_fen") + refund.amount_fen, refund_open=False)
    if not added:
        raise DomainError(ErrorCode.REFUND_EXCEEDS_PAID, "id")
    await item.refresh_from_db()
    order = await Order.get(id=refund.order_id)
    shipped = order.status not in UNSHIPPED
    if not shipped:
        await _restock(item)
    await events.publish(
        events.ItemRefunded(
            order_id=order.id,
            item_id=item.id,
            refund_id=refund.id,
            amount_fen=refund.amount_fen,
            paid_fen=item.paid_fen,
            refunded_fen=item.refunded_fen,
            shipped=shipped,
        )
    )
    await _close_when_fully_refunded(order)


async def _restock(item: OrderItem) -> None:
    """Units covered by the refunded share go back to stock: all of them on a full refund."""
    covered = (
        item.quantity
        if item.refunded_fen >= item.paid_fen
        else (
            item.quantity * item.refunded_fen // item.paid_fen if item.paid_fen else item.quantity
        )
    )
    extra = covered - item.restocked_quantity
    if extra > 0:
        await OrderItem.filter(id=item.id).update(restocked_quantity=covered)
        await stock.give_back({item.sku_id: extra})


async def _close_when_fully_refunded(order: Order) -> None:
    items = await OrderItem.filter(order_id=order.id)
    if all(i.refunded_fen >= i.paid_fen for i in items):
        await Order.filter(id=order.id, status__in=list(PAID_STATES)).update(
            status=OrderStatus.CLOSED, closed_at=clock.now()
        )

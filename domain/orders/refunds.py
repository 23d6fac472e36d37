"""After-sale refunds (SPEC 8.6, 20): requested per item by the member, reviewed by the order's
store manager or HQ, paid back through the payment provider.

Guards: one open request per item (compare-and-set on `refund_open`), and the refunded total of
an item can never pass what it paid (guarded increment).

When things move. Approval claims the refund (REQUESTED → PROCESSING, compare-and-set) and asks
the provider, keyed by `out_refund_no`: every retry, resubmission or query uses that same number,
so WeChat never refunds twice. Stock, commission, points and growth move ONCE, in the transaction
that records the provider's SUCCESS (PROCESSING or ABNORMAL → REFUNDED, compare-and-set), whether
SUCCESS comes in the approval's answer, in a REFUND.SUCCESS notification or from the polling job:
whichever records it first applies the reversals, the others change nothing. Until then the item
stays `refund_open`, so its commission is not settled (distribution.commission.settlement skips
items with an open refund) and nothing is reversed for money that has not left. ABNORMAL (the
buyer's card or account refused the money) and CLOSED go to finance (`needing_attention`), who
refund offline (REFUNDED_OFFLINE applies the reversals then), re-initiate (RETRIED: a new
out_refund_no, PROCESSING again) or abandon (ABANDONED: the item reopens, nothing reversed).

An answer that may hide an accepted refund (timeout, 5xx, SYSTEM_ERROR) is an unknown outcome:
the refund is queried by out_refund_no before it is sent again, and left PROCESSING for the
polling job when even that fails.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import F
from tortoise.queryset import QuerySet

from domain import clock, events
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.orders import aftersale, stock
from domain.orders.lifecycle import PAID_STATES
from domain.orders.models import (
    Order,
    OrderItem,
    OrderStatus,
    Refund,
    RefundResolution,
    RefundStatus,
    ReturnMethod,
)
from domain.payments.models import Payment, PaymentStatus
from domain.payments.provider import (
    OutcomeUnknown,
    ProviderError,
    RefundOutcome,
    RefundRequest,
    RefundState,
)
from domain.payments.service import provider_named
from domain.settings.service import get_setting
from domain.validation import clean_text

log = logging.getLogger("siyu.refunds")

UNSHIPPED = (OrderStatus.PAID, OrderStatus.READY_FOR_PICKUP)


async def request_refund(
    member_id: int,
    item_id: int,
    amount_fen: int,
    reason: str | None,
    reason_code: str | None = None,
) -> Refund:
    """A member's request. The reason is one of HQ's active reasons (`reason_code`) with optional
    words of their own, or (as before reasons existed) words alone, then required."""
    if amount_fen <= 0:
        raise DomainError(ErrorCode.AMOUNT_NOT_POSITIVE, "amountFen")
    reason = clean_text(reason or "", "reason", 200, multiline=True, required=reason_code is None)
    if reason_code is not None:
        await aftersale.chosen_reason(reason_code)
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
            reason_code=reason_code,
            out_refund_no=new_out_refund_no(),
            created_at=clock.now(),
        )
        await events.publish(events.RefundRequested(refund.id, amount_fen))
        return refund


async def staff_refund(
    order_id: int,
    item_id: int,
    amount_fen: int | None,
    reason_code: str,
    note: str,
    actor: str,
) -> Refund:
    """Staff refund a paid item on their own (a stock-out, 缺货): the refund is created already
    reviewed by `actor` and goes through the same approval as a member's (provider first,
    reversals at SUCCESS). `amount_fen` None is everything left of the item. The caller has
    checked the order is in the actor's scope. A provider's definite refusal leaves the refund
    REQUESTED in the review queue (REFUND_FAILED), like a refused approval."""
    (refund,) = await _open_staff_refunds(
        order_id, [(item_id, amount_fen)], reason_code, note, actor
    )
    return await approve(refund, actor, refund.reason)


async def cancel_paid_order(order_id: int, reason_code: str, note: str, actor: str) -> list[Refund]:
    """Staff cancel a PAID (or READY_FOR_PICKUP), unshipped order: every item is refunded in full
    through the normal approval path, and the order ends CLOSED by the rule that closes a fully
    refunded order. All requests are opened in one transaction or none: an item with a refund
    already open refuses the whole cancellation (REFUND_IN_PROGRESS), nothing changed. Items
    are then sent one by one; a provider refusal stops there, leaving the remaining refunds
    REQUESTED for review (the ones sent stand)."""
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise DomainError(ErrorCode.NOT_FOUND, "orderId")
    if order.status not in UNSHIPPED:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            "orderId",
            f"order is {order.status}; cancelling with a refund needs it paid and unshipped",
        )
    items = await OrderItem.filter(order_id=order.id).order_by("line")
    wanted: list[tuple[int, int | None]] = [
        (i.id, None) for i in items if i.paid_fen > i.refunded_fen
    ]
    opened = await _open_staff_refunds(order.id, wanted, reason_code, note, actor)
    return [await approve(refund, actor, refund.reason) for refund in opened]


async def _open_staff_refunds(
    order_id: int,
    wanted: list[tuple[int, int | None]],
    reason_code: str,
    note: str,
    actor: str,
) -> list[Refund]:
    """Open one REQUESTED refund per (item, amount or None for the rest), all or none."""
    note = clean_text(note, "note", 200, multiline=True, required=False)
    await aftersale.chosen_reason(reason_code)
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise DomainError(ErrorCode.NOT_FOUND, "orderId")
    if order.status not in PAID_STATES:
        raise DomainError(
            ErrorCode.INVALID_STATE, "orderId", f"order is {order.status}; a refund needs it paid"
        )
    items = {i.id: i for i in await OrderItem.filter(order_id=order.id)}
    plan: list[tuple[OrderItem, int]] = []
    for item_id, amount_fen in wanted:
        item = items.get(item_id)
        if item is None:
            raise DomainError(ErrorCode.NOT_FOUND, "itemId")
        left = item.paid_fen - item.refunded_fen
        amount = left if amount_fen is None else amount_fen
        if amount <= 0 and amount_fen is not None:
            raise DomainError(ErrorCode.AMOUNT_NOT_POSITIVE, "amountFen")
        if amount <= 0 or amount > left:
            raise DomainError(ErrorCode.REFUND_EXCEEDS_PAID, "amountFen")
        plan.append((item, amount))
    opened: list[Refund] = []
    async with transaction():
        for item, amount in plan:
            claimed = await OrderItem.filter(
                id=item.id, refund_open=False, refunded_fen__lte=item.paid_fen - amount
            ).update(refund_open=True)
            if not claimed:
                raise DomainError(ErrorCode.REFUND_IN_PROGRESS, "itemId")
            refund = await Refund.create(
                order_id=order.id,
                item_id=item.id,
                amount_fen=amount,
                reason=note,
                reason_code=reason_code,
                initiated_by=actor,
                out_refund_no=new_out_refund_no(),
                created_at=clock.now(),
            )
            await events.publish(events.RefundRequested(refund.id, amount))
            opened.append(refund)
    return opened


async def _refusal(
    refund_id: int, change: str, needed: RefundStatus = RefundStatus.REQUESTED
) -> DomainError:
    """INVALID_STATE naming the state another reviewer left the refund in."""
    current = await Refund.filter(id=refund_id).first().values_list("status", flat=True)
    return DomainError(
        ErrorCode.INVALID_STATE, "id", f"refund is {current}; {change} needs {needed.value}"
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


def new_out_refund_no() -> str:
    return "R" + secrets.token_hex(12)


async def _payment_of(refund: Refund) -> Payment:
    payment = await Payment.get_or_none(order_id=refund.order_id, status=PaymentStatus.SUCCEEDED)
    if payment is None:
        raise DomainError(ErrorCode.INVALID_STATE, "id", "the order has no payment")
    return payment


def _request(refund: Refund, payment: Payment) -> RefundRequest:
    return RefundRequest(
        out_trade_no=payment.out_trade_no,
        out_refund_no=refund.out_refund_no,
        refund_fen=refund.amount_fen,
        total_fen=payment.amount_fen,
        reason=refund.reason,
    )


async def _submit(refund: Refund, payment: Payment) -> RefundOutcome | None:
    """Send the refund; None when its outcome is still unknown (the poller asks later).

    A definite refusal raises ProviderError. An unknown outcome is queried first; only a refund
    the provider never received is sent again, under the same out_refund_no.
    """
    provider = provider_named(payment.provider)
    request = _request(refund, payment)
    try:
        return await provider.refund(request)
    except OutcomeUnknown:
        log.warning("refund outcome unknown", extra={"refund_id": refund.id})
    try:
        known = await provider.query_refund(refund.out_refund_no)
    except ProviderError:
        return None
    if known is not None:
        return known
    try:
        return await provider.refund(request)
    except OutcomeUnknown:
        return None


async def _send_claimed(refund: Refund, payment: Payment, **unclaim: Any) -> Refund:
    """Send a refund just claimed (now PROCESSING). A definite refusal undoes the claim with
    `unclaim` (the fields the claim set) and answers REFUND_FAILED; an unknown outcome leaves it
    PROCESSING for the poller; a final answer is recorded at once."""
    await refund.refresh_from_db()
    try:
        outcome = await _submit(refund, payment)
    except ProviderError:
        await Refund.filter(id=refund.id, status=RefundStatus.PROCESSING).update(**unclaim)
        raise DomainError(ErrorCode.REFUND_FAILED, "id") from None
    if outcome is not None:
        await record_outcome(refund, outcome)
    await refund.refresh_from_db()
    return refund


async def approve(refund: Refund, actor: str, note: str, return_required: bool = False) -> Refund:
    """Claim the refund and ask the provider. A definite refusal puts it back to REQUESTED
    (REFUND_FAILED, nothing moved); any other answer leaves it PROCESSING or finishes it.

    With `return_required` (退货退款) nothing is sent yet: the refund waits in AWAITING_RETURN
    for the goods (`record_return`, then `confirm_return`)."""
    note = clean_text(note, "note", 200, multiline=True, required=False)
    if refund.status != RefundStatus.REQUESTED:
        raise DomainError(
            ErrorCode.INVALID_STATE, "id", f"refund is {refund.status}; approving needs REQUESTED"
        )
    payment = await _payment_of(refund)
    now = clock.now()
    if return_required:
        moved = await Refund.filter(id=refund.id, status=RefundStatus.REQUESTED).update(
            status=RefundStatus.AWAITING_RETURN,
            reviewed_by=actor,
            review_note=note,
            reviewed_at=now,
        )
        if not moved:
            raise await _refusal(refund.id, "approving")
        await refund.refresh_from_db()
        return refund
    claimed = await Refund.filter(id=refund.id, status=RefundStatus.REQUESTED).update(
        status=RefundStatus.PROCESSING,
        reviewed_by=actor,
        review_note=note,
        reviewed_at=now,
        submitted_at=now,
    )
    if not claimed:
        raise await _refusal(refund.id, "approving")
    return await _send_claimed(
        refund,
        payment,
        status=RefundStatus.REQUESTED,
        reviewed_by=None,
        review_note=None,
        reviewed_at=None,
        submitted_at=None,
    )


async def record_return(
    refund: Refund, method: ReturnMethod, carrier: str | None, tracking_number: str | None
) -> Refund:
    """The member says how the goods come back: by courier (carrier and tracking number, both
    required) or at a store (neither). Once only, and only for a refund AWAITING_RETURN."""
    if method == ReturnMethod.EXPRESS:
        carrier = clean_text(carrier or "", "carrier", 32)
        tracking_number = clean_text(tracking_number or "", "trackingNumber", 40)
    else:
        for value, field in ((carrier, "carrier"), (tracking_number, "trackingNumber")):
            if value is not None:
                raise DomainError(ErrorCode.INVALID, field, "not for a return at a store")
    moved = await Refund.filter(
        id=refund.id, status=RefundStatus.AWAITING_RETURN, return_method__isnull=True
    ).update(
        return_method=method,
        return_carrier=carrier,
        return_tracking_number=tracking_number,
        return_recorded_at=clock.now(),
    )
    if not moved:
        await refund.refresh_from_db()
        if refund.status != RefundStatus.AWAITING_RETURN:
            raise DomainError(ErrorCode.RETURN_NOT_REQUESTED, "id", f"refund is {refund.status}")
        raise DomainError(ErrorCode.RETURN_ALREADY_RECORDED, "id")
    await refund.refresh_from_db()
    return refund


async def confirm_return(refund: Refund, actor: str) -> Refund:
    """The store has the goods back: the refund is claimed (AWAITING_RETURN → PROCESSING) and
    sent like any approval. Staff may confirm goods that arrived before the member recorded
    them. A definite refusal puts it back to AWAITING_RETURN (REFUND_FAILED)."""
    if refund.status != RefundStatus.AWAITING_RETURN:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            "id",
            f"refund is {refund.status}; confirming a return needs AWAITING_RETURN",
        )
    payment = await _payment_of(refund)
    now = clock.now()
    claimed = await Refund.filter(id=refund.id, status=RefundStatus.AWAITING_RETURN).update(
        status=RefundStatus.PROCESSING,
        return_received_by=actor,
        return_received_at=now,
        submitted_at=now,
    )
    if not claimed:
        raise await _refusal(refund.id, "confirming a return", RefundStatus.AWAITING_RETURN)
    return await _send_claimed(
        refund,
        payment,
        status=RefundStatus.AWAITING_RETURN,
        return_received_by=None,
        return_received_at=None,
        submitted_at=None,
    )


class RefundNoticeRefused(Exception):
    """A refund notification that must not change anything (unknown refund, wrong amount)."""


async def record_outcome(refund: Refund, outcome: RefundOutcome) -> bool:
    """Apply what the provider says about a refund; True when it changed the refund.

    SUCCESS finishes it (reversals, once); ABNORMAL and CLOSED hand it to finance; PROCESSING
    only notes the provider's refund id. Every move is a compare-and-set on the status, so the
    answer, a notification and the poller racing each other apply it once.
    """
    if outcome.amount_fen is not None and outcome.amount_fen != refund.amount_fen:
        log.error("refund amount mismatch", extra={"refund_id": refund.id})
        raise RefundNoticeRefused("amount mismatch")
    provider_id = (outcome.refund_id or refund.provider_refund_id or "")[:64] or None
    now = clock.now()
    if outcome.state == RefundState.SUCCESS:
        async with transaction():
            won = await Refund.filter(
                id=refund.id, status__in=[RefundStatus.PROCESSING, RefundStatus.ABNORMAL]
            ).update(status=RefundStatus.REFUNDED, finished_at=now, provider_refund_id=provider_id)
            if won:
                await _apply(refund)
        return bool(won)
    if outcome.state == RefundState.PROCESSING:
        await Refund.filter(id=refund.id, provider_refund_id__isnull=True).update(
            provider_refund_id=provider_id
        )
        return False
    target = RefundStatus.ABNORMAL if outcome.state == RefundState.ABNORMAL else RefundStatus.CLOSED
    sources = [RefundStatus.PROCESSING]
    if target == RefundStatus.CLOSED:
        sources.append(RefundStatus.ABNORMAL)
    # A re-initiated refund ending badly again needs finance again: its resolution clears
    # (who re-initiated it stays in resolved_by / resolved_at).
    moved = await Refund.filter(id=refund.id, status__in=sources).update(
        status=target, finished_at=now, provider_refund_id=provider_id, resolution=None
    )
    if moved:
        log.warning("refund needs finance", extra={"refund_id": refund.id, "state": target.value})
    return bool(moved)


async def apply_notice(provider_name: str, outcome: RefundOutcome) -> bool:
    """A verified refund notification: applied like any other outcome, idempotently."""
    refund = await Refund.get_or_none(out_refund_no=outcome.out_refund_no)
    if refund is None:
        raise RefundNoticeRefused("unknown out_refund_no")
    payment = await _payment_of(refund)
    if payment.provider != provider_name:
        raise RefundNoticeRefused("another provider's refund")
    return await record_outcome(refund, outcome)


async def poll_unfinished(now: datetime) -> int:
    """Job `poll-refunds`: ask the provider about refunds still PROCESSING (or ABNORMAL: finance
    may retry them on WeChat's merchant platform) `refunds.poll_after_minutes` after they were
    sent. A refund the provider never received (its creation timed out before reaching it) is
    sent again under the same out_refund_no. Returns how many refunds changed state."""
    minutes = await get_setting("refunds.poll_after_minutes")
    waiting = await Refund.filter(
        status__in=[RefundStatus.PROCESSING, RefundStatus.ABNORMAL],
        submitted_at__lte=now - timedelta(minutes=minutes),
    ).order_by("id")
    changed = 0
    for refund in waiting:
        try:
            payment = await _payment_of(refund)
            provider = provider_named(payment.provider)
            outcome = await provider.query_refund(refund.out_refund_no)
            if outcome is None and refund.status == RefundStatus.PROCESSING:
                await Refund.filter(id=refund.id).update(submitted_at=now)
                outcome = await provider.refund(_request(refund, payment))
            if outcome is not None and await record_outcome(refund, outcome):
                changed += 1
        except (ProviderError, DomainError, RefundNoticeRefused):
            log.warning("refund poll failed", extra={"refund_id": refund.id})
    return changed


@dataclass(frozen=True)
class Attention:
    """A refund finance must act on, and what to do."""

    refund: Refund
    suggested_action: str


SUGGESTED_ACTIONS = {
    RefundStatus.ABNORMAL: (
        "退款异常：买家的银行卡或账户异常，原路退款未到账。请在微信支付商户平台发起异常退款"
        "（退到其他账户），或线下退款后标记为 REFUNDED_OFFLINE。 / ABNORMAL: the buyer's card or "
        "account refused the money. Retry to another account on WeChat Pay's merchant platform, "
        "or refund offline and mark it REFUNDED_OFFLINE."
    ),
    RefundStatus.CLOSED: (
        "退款关闭：钱没有退出。请重新发起（RETRIED）或放弃（ABANDONED）。 / CLOSED: no money "
        "left. Re-initiate it (RETRIED) or abandon it (ABANDONED)."
    ),
}


def needing_attention(refunds: QuerySet[Refund]) -> QuerySet[Refund]:
    """Of `refunds`, the ABNORMAL and CLOSED ones no one has resolved yet."""
    return refunds.filter(
        status__in=[RefundStatus.ABNORMAL, RefundStatus.CLOSED], resolution__isnull=True
    )


_ALLOWED = {
    RefundResolution.REFUNDED_OFFLINE: RefundStatus.ABNORMAL,
    RefundResolution.RETRIED: RefundStatus.CLOSED,
    RefundResolution.ABANDONED: RefundStatus.CLOSED,
}


async def resolve(refund: Refund, resolution: RefundResolution, actor: str, note: str) -> Refund:
    """Finance's answer to a refund needing attention, recorded with who, when and why.

    REFUNDED_OFFLINE (ABNORMAL only): finance paid the buyer outside WeChat; the refund is
    REFUNDED and the reversals apply now, once. RETRIED (CLOSED only): a new out_refund_no is
    sent to the provider (the closed one can never pay). ABANDONED (CLOSED only): the item's
    request ends with nothing reversed, and the member may ask again.
    """
    note = clean_text(note, "note", 200, multiline=True)
    expected = _ALLOWED[resolution]
    if refund.status != expected or refund.resolution is not None:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            "id",
            f"refund is {refund.status}; {resolution.value} needs {expected.value}",
        )
    now = clock.now()
    audit = {"resolved_by": actor, "resolution_note": note, "resolved_at": now}
    if resolution == RefundResolution.REFUNDED_OFFLINE:
        async with transaction():
            won = await Refund.filter(
                id=refund.id, status=expected, resolution__isnull=True
            ).update(status=RefundStatus.REFUNDED, resolution=resolution, **audit)
            if not won:
                raise await _refusal(refund.id, resolution.value, expected)
            await _apply(refund)
    elif resolution == RefundResolution.ABANDONED:
        async with transaction():
            won = await Refund.filter(
                id=refund.id, status=expected, resolution__isnull=True
            ).update(resolution=resolution, **audit)
            if not won:
                raise await _refusal(refund.id, resolution.value, expected)
            await OrderItem.filter(id=refund.item_id).update(refund_open=False)
    else:
        payment = await _payment_of(refund)
        won = await Refund.filter(id=refund.id, status=expected, resolution__isnull=True).update(
            status=RefundStatus.PROCESSING,
            resolution=resolution,
            out_refund_no=new_out_refund_no(),
            submitted_at=now,
            finished_at=None,
            provider_refund_id=None,
            **audit,
        )
        if not won:
            raise await _refusal(refund.id, resolution.value, expected)
        await refund.refresh_from_db()
        try:
            outcome = await _submit(refund, payment)
        except ProviderError:
            outcome = None  # refused now: still PROCESSING, the poller sends it again
        if outcome is not None:
            await record_outcome(refund, outcome)
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

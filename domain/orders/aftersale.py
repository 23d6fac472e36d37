"""The member's view of their after-sale refunds (SPEC 21 "Refunds"): lists and detail.

The state machine itself (request, review, provider, reversals) lives in
`domain.orders.refunds`; this module only reads. A refund belongs to the member who placed its
order, and another member's refund is treated exactly like one that does not exist.
"""

from __future__ import annotations

from tortoise.queryset import QuerySet

from domain.orders.models import Refund, RefundStatus


def member_refunds(member_id: int, status: RefundStatus | None = None) -> QuerySet[Refund]:
    """The member's refunds (optionally of one status), each with its order item loaded in the
    same statement, so a page costs one query however many refunds it holds."""
    refunds = Refund.filter(order__member_id=member_id).select_related("item")
    if status is not None:
        refunds = refunds.filter(status=status)
    return refunds


async def member_refund(member_id: int, refund_id: int) -> Refund | None:
    """One of the member's refunds with its item; None for another member's or an unknown id."""
    return await member_refunds(member_id).filter(id=refund_id).first()

"""Assisted orders (代客下单, SPEC 13): a guide places an order for one of their own customers,
a member whose service relationship in force is to that guide. Anyone else is NOT_FOUND, exactly
like a member who does not exist."""

from __future__ import annotations

from distribution.service_relationships import relationships_in_force
from domain.errors import DomainError, ErrorCode
from domain.orders import checkout
from domain.org.models import Staff


async def place_assisted_order(
    guide: Staff, member_id: int, request: checkout.CheckoutRequest, idempotency_key: str
) -> checkout.Placement:
    if not await relationships_in_force(member_id).filter(guide_id=guide.id).exists():
        raise DomainError(ErrorCode.NOT_FOUND, "memberId")
    return await checkout.place_order(
        member_id,
        request,
        idempotency_key,
        checkout.Assistance(staff_id=guide.id, store_id=guide.store_id),
    )

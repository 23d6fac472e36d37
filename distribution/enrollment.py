"""Becoming a distributor (SPEC 6): APPLY (reviewed by HQ), OPEN (members activate at once) or
THRESHOLD (automatic once a member's paid total reaches `distribution.threshold_fen`).

No entry fee and no paid packages, ever. On enrollment the member's current valid referrer
becomes their upline (a snapshot), and the upline path is materialised so cycle checks and
level-2 lookups read one row.
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.functions import Sum

from distribution.events import DistributorApplied
from distribution.models import (
    ApplicationStatus,
    Distributor,
    DistributorApplication,
    DistributorKind,
    DistributorStatus,
)
from distribution.referrals import valid_referrer_id
from domain import clock, events
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.events import OrderPaid
from domain.members.models import Member
from domain.orders.lifecycle import PAID_STATES
from domain.orders.models import OrderItem
from domain.settings.service import get_setting
from domain.validation import clean_text

MEMBER_KINDS = (DistributorKind.KOC, DistributorKind.MEMBER, DistributorKind.SHOP)


async def enroll(member_id: int, kind: DistributorKind, shop_name: str | None) -> Distributor:
    """Make the member a distributor with their valid referrer (if active) as upline."""
    moment = clock.now()
    upline = None
    referrer_id = await valid_referrer_id(member_id, moment)
    if referrer_id is not None:
        upline = await Distributor.get_or_none(id=referrer_id, status=DistributorStatus.ACTIVE)
    member = await Member.get(id=member_id)
    try:
        return await Distributor.create(
            kind=kind,
            member_id=member_id,
            upline=upline,
            ancestry=f"{upline.ancestry}{upline.id}/" if upline else "/",
            display_name=member.nickname,
            shop_name=shop_name,
            created_at=moment,
            updated_at=moment,
        )
    except IntegrityError:
        raise DomainError(ErrorCode.ALREADY_DISTRIBUTOR) from None


async def paid_total(member_id: int) -> int:
    """What the member has paid for goods, refunds deducted."""
    rows = (
        await OrderItem.filter(order__member_id=member_id, order__status__in=list(PAID_STATES))
        .annotate(paid=Sum("paid_fen"), refunded=Sum("refunded_fen"))
        .group_by("order__member_id")
        .values("paid", "refunded")
    )
    return sum(int(r["paid"] or 0) - int(r["refunded"] or 0) for r in rows)


async def apply(
    member_id: int, kind: DistributorKind, shop_name: str | None, note: str
) -> Distributor | DistributorApplication:
    """A Distributor when enrollment is immediate, else the pending application."""
    if kind not in MEMBER_KINDS:
        raise DomainError(ErrorCode.INVALID, "kind")
    # Only a partner shop keeps a shop name; given with another kind it is checked all the same.
    is_shop = kind == DistributorKind.SHOP
    name = clean_text(shop_name or "", "shopName", 64, required=is_shop)
    shop_name = name if is_shop else None
    note = clean_text(note, "note", 200, multiline=True, required=False)
    if await Distributor.exists(member_id=member_id):
        raise DomainError(ErrorCode.ALREADY_DISTRIBUTOR)
    policy = await get_setting("distribution.enrollment")
    async with transaction():
        if kind == DistributorKind.MEMBER and policy == "OPEN":
            return await enroll(member_id, kind, None)
        if kind == DistributorKind.MEMBER and policy == "THRESHOLD":
            if await paid_total(member_id) < await get_setting("distribution.threshold_fen"):
                raise DomainError(ErrorCode.ENROLLMENT_CLOSED, "kind")
            return await enroll(member_id, kind, None)
        if await DistributorApplication.exists(
            member_id=member_id, status=ApplicationStatus.PENDING
        ):
            raise DomainError(ErrorCode.APPLICATION_PENDING)
        application = await DistributorApplication.create(
            member_id=member_id, kind=kind, shop_name=shop_name, note=note, created_at=clock.now()
        )
        await events.publish(DistributorApplied(application.id))
        return application


async def review(
    application_id: int, approve: bool, actor: str, note: str
) -> DistributorApplication:
    note = clean_text(note, "note", 200, multiline=True, required=False)
    async with transaction():
        target = ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED
        moved = await DistributorApplication.filter(
            id=application_id, status=ApplicationStatus.PENDING
        ).update(status=target, reviewed_by=actor, review_note=note, reviewed_at=clock.now())
        if not moved:
            raise DomainError(ErrorCode.INVALID_STATE, "id")
        application = await DistributorApplication.get(id=application_id)
        if approve:
            await enroll(application.member_id, application.kind, application.shop_name)
    return application


async def set_status(distributor_id: int, status: DistributorStatus) -> Distributor:
    """Freeze (keeps balances, earns nothing new), disable, or reactivate."""
    changed = await Distributor.filter(id=distributor_id).update(
        status=status, updated_at=clock.now()
    )
    if not changed:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    return await Distributor.get(id=distributor_id)


async def enroll_on_threshold(event: OrderPaid) -> None:
    """THRESHOLD policy: a member whose paid total reaches the threshold becomes a MEMBER
    distributor automatically (inside the payment's transaction)."""
    if await get_setting("distribution.enrollment") != "THRESHOLD":
        return
    member_id = event.order.member_id
    if await Distributor.exists(member_id=member_id):
        return
    if await paid_total(member_id) >= await get_setting("distribution.threshold_fen"):
        await enroll(member_id, DistributorKind.MEMBER, None)

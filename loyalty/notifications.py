"""Expiry reminders (SPEC 19): a coupon expiring within 3 days, points expiring within 7.

The daily job `remind-expiring` announces each coupon and each points lot once (the fact's key
is the coupon or the lot, so running it daily, or twice at once, tells a member once), in
batches of one statement each; the fan-out turns them into subscription messages.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from domain.notifications.catalogue import NotifyEvent
from domain.notifications.fanout import FACTS, Delivery, ToMember, fact_payload
from domain.notifications.templates import moment_text
from domain.outbox import service as outbox
from loyalty.models import Coupon, CouponStatus, PointsLot

COUPON_DAYS, POINTS_DAYS = 3, 7
COUPON_EXPIRING, POINTS_EXPIRING = "coupon.expiring", "points.expiring"
BATCH = 500


async def remind_expiring(now: datetime) -> int:
    """Job `remind-expiring`: announce what expires soon; how many facts it wrote (or found
    written already)."""
    coupons = Coupon.filter(
        status=CouponStatus.AVAILABLE,
        valid_until__gt=now,
        valid_until__lte=now + timedelta(days=COUPON_DAYS),
    )
    lots = PointsLot.filter(
        remaining__gt=0,
        expires_at__gt=now,
        expires_at__lte=now + timedelta(days=POINTS_DAYS),
    )
    told = 0
    for fact, query, prefix in ((COUPON_EXPIRING, coupons, "c"), (POINTS_EXPIRING, lots, "l")):
        last_id = 0
        while True:
            # Tortoise types a flat values_list as tuples: these are the ids.
            ids = cast(
                list[int],
                await query.filter(id__gt=last_id)
                .order_by("id")
                .limit(BATCH)
                .values_list("id", flat=True),
            )
            facts = [
                (f"{fact}:{prefix}{i}", fact_payload(fact, f"{prefix}{i}", {"id": i})) for i in ids
            ]
            await outbox.enqueue_many(FACTS, facts, now)
            told += len(facts)
            if len(ids) < BATCH:
                break
            last_id = ids[-1]
    return told


async def coupon_expiring(payload: dict[str, Any]) -> list[Delivery]:
    coupon = await Coupon.get_or_none(id=payload["id"]).prefetch_related("template")
    if coupon is None or coupon.status != CouponStatus.AVAILABLE:
        return []
    values = {"coupon": coupon.template.name, "expires_at": moment_text(coupon.valid_until)}
    return [ToMember(NotifyEvent.COUPON_EXPIRING, coupon.member_id, values)]


async def points_expiring(payload: dict[str, Any]) -> list[Delivery]:
    lot = await PointsLot.get_or_none(id=payload["id"])
    if lot is None or lot.remaining <= 0:
        return []
    values = {"points": str(lot.remaining), "expires_at": moment_text(lot.expires_at)}
    return [ToMember(NotifyEvent.POINTS_EXPIRING, lot.member_id, values)]


RESOLVERS = ((COUPON_EXPIRING, coupon_expiring), (POINTS_EXPIRING, points_expiring))
"""What api/plugins.py registers with fanout.resolve."""

"""A coupon through an order: LOCKED when the order is placed, USED when it is paid, back to
AVAILABLE (or EXPIRED, past its validity) when the unpaid order is cancelled. Every change is a
compare-and-set on the coupon's status. A coupon is not returned after payment (SPEC 8.6)."""

from __future__ import annotations

from datetime import datetime

from domain import clock, events
from domain.errors import DomainError, ErrorCode
from loyalty.models import Coupon, CouponStatus


async def usable(member_id: int, coupon_id: int) -> Coupon:
    """The member's coupon, if it can be used now (checkout pricing; reads only)."""
    coupon = await Coupon.get_or_none(id=coupon_id, member_id=member_id).select_related("template")
    if coupon is None:
        raise DomainError(ErrorCode.NOT_FOUND, "couponId")
    moment = clock.now()
    if coupon.status != CouponStatus.AVAILABLE or not (
        coupon.valid_from <= moment < coupon.valid_until
    ):
        raise DomainError(ErrorCode.COUPON_UNAVAILABLE, "couponId")
    return coupon


async def lock(member_id: int, coupon_id: int, order_id: int) -> None:
    """Placement (caller's transaction): refused if another order locked it meanwhile."""
    moment = clock.now()
    locked = await Coupon.filter(
        id=coupon_id,
        member_id=member_id,
        status=CouponStatus.AVAILABLE,
        valid_from__lte=moment,
        valid_until__gt=moment,
    ).update(status=CouponStatus.LOCKED, order_id=order_id)
    if not locked:
        raise DomainError(ErrorCode.COUPON_UNAVAILABLE, "couponId")


async def on_order_paid(event: events.OrderPaid) -> None:
    if event.order.coupon_id is None:
        return
    await Coupon.filter(order_id=event.order_id, status=CouponStatus.LOCKED).update(
        status=CouponStatus.USED, used_at=clock.now()
    )


async def on_order_cancelled(event: events.OrderCancelled) -> None:
    moment = clock.now()
    locked = Coupon.filter(order_id=event.order_id, status=CouponStatus.LOCKED)
    await locked.filter(valid_until__gt=moment).update(status=CouponStatus.AVAILABLE, order_id=None)
    await Coupon.filter(order_id=event.order_id, status=CouponStatus.LOCKED).update(
        status=CouponStatus.EXPIRED, order_id=None
    )


async def expire_due(now: datetime) -> int:
    """Job: AVAILABLE coupons past their validity become EXPIRED (one guarded UPDATE, so two
    runs at once expire each coupon once). Returns how many expired."""
    return await Coupon.filter(status=CouponStatus.AVAILABLE, valid_until__lte=now).update(
        status=CouponStatus.EXPIRED
    )

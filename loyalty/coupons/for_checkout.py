"""Which of the member's coupons fit a cart (SPEC 21): the usable ones first, each with what it
takes off this cart, then the unusable ones with the reason (and, under the threshold, how many
fen are missing).

The cart is priced once by the checkout itself (the same request as `checkoutPreview`, without
coupon and points), then every coupon is judged on that quote by the coupon step's own
`coupon_fit` and applied to a copy by its own `apply_coupon`, the shipping step pricing the
copy: the figures are the ones checkout would produce, with no second formula. Constant
statements however many coupons the member holds: the priced cart, the coupons with their
templates, and the sub-categories of category-scoped coupons.

Listed: coupons AVAILABLE or LOCKED, and those expired in the last `EXPIRED_SHOWN_DAYS` days
(so the member sees why a coupon they remember is gone); used coupons are not listed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from tortoise.expressions import Q

from domain import clock
from domain.orders import checkout
from domain.orders.pricing import Quote, ShippingStep
from loyalty.models import Coupon, CouponStatus
from loyalty.pricing import apply_coupon, coupon_fit, sub_categories

EXPIRED_SHOWN_DAYS = 30


class Unusable(StrEnum):
    """Why a coupon cannot be used on this cart, in the order they are listed."""

    THRESHOLD_NOT_MET = "THRESHOLD_NOT_MET"
    OUT_OF_SCOPE = "OUT_OF_SCOPE"
    NOT_YET_VALID = "NOT_YET_VALID"
    LOCKED = "LOCKED"
    EXPIRED = "EXPIRED"


_LISTED = list(Unusable)


@dataclass(frozen=True)
class CouponForCart:
    coupon: Coupon
    reason: Unusable | None
    discount_fen: int = 0
    shipping_saved_fen: int = 0
    shortfall_fen: int = 0

    @property
    def usable(self) -> bool:
        return self.reason is None

    @property
    def saving_fen(self) -> int:
        return self.discount_fen + self.shipping_saved_fen


async def coupons_for_checkout(
    member_id: int, request: checkout.CheckoutRequest
) -> list[CouponForCart]:
    """Usable coupons by saving (largest first, then the one expiring first), then the unusable
    ones by reason, each group expiring first."""
    base = await checkout.quote(member_id, dataclasses.replace(request, coupon_id=None, points=0))
    moment = clock.now()
    coupons = list(
        await Coupon.filter(
            Q(status__in=[CouponStatus.AVAILABLE, CouponStatus.LOCKED])
            | Q(
                status=CouponStatus.EXPIRED,
                valid_until__gt=moment - timedelta(days=EXPIRED_SHOWN_DAYS),
            ),
            member_id=member_id,
        )
        .select_related("template")
        .order_by("valid_until", "id")
    )
    children = await sub_categories(coupon.template for coupon in coupons)
    judged = []
    for coupon in coupons:
        if coupon.status == CouponStatus.LOCKED:
            judged.append(CouponForCart(coupon, Unusable.LOCKED))
        elif coupon.status == CouponStatus.EXPIRED or coupon.valid_until <= moment:
            judged.append(CouponForCart(coupon, Unusable.EXPIRED))
        elif coupon.valid_from > moment:
            judged.append(CouponForCart(coupon, Unusable.NOT_YET_VALID))
        else:
            judged.append(await _on_cart(base, coupon, children))
    usable = sorted((c for c in judged if c.usable), key=lambda c: -c.saving_fen)
    unusable = sorted(
        (c for c in judged if not c.usable),
        key=lambda c: _LISTED.index(c.reason),  # type: ignore[arg-type]  # unusable: a reason
    )
    return usable + unusable


async def _on_cart(base: Quote, coupon: Coupon, children: dict[int, list[int]]) -> CouponForCart:
    template = coupon.template
    fit = coupon_fit(template, base.lines, children)
    if not fit.covered:
        return CouponForCart(coupon, Unusable.OUT_OF_SCOPE)
    if fit.shortfall_fen:
        return CouponForCart(coupon, Unusable.THRESHOLD_NOT_MET, shortfall_fen=fit.shortfall_fen)
    with_coupon = _copy(base)
    apply_coupon(
        with_coupon, coupon.id, template, coupon_fit(template, with_coupon.lines, children)
    )
    await ShippingStep().price(with_coupon)
    return CouponForCart(
        coupon,
        None,
        discount_fen=with_coupon.coupon_discount_fen,
        shipping_saved_fen=max(0, base.shipping_fen - with_coupon.shipping_fen),
    )


def _copy(quote: Quote) -> Quote:
    """The quote as priced up to the coupon step, with lines of its own to write on."""
    return dataclasses.replace(
        quote,
        lines=[dataclasses.replace(line) for line in quote.lines],
        notes=dict(quote.notes),
    )

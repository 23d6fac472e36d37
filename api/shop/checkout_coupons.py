"""`couponsForCheckout`: the member's coupons judged on a cart, with the same input as
`checkoutPreview` (its `couponId` and `points` are ignored: every coupon is judged, without
points). The judging is loyalty's (`loyalty.coupons.for_checkout`), on checkout's own pricing."""

from __future__ import annotations

from typing import Annotated, TypeAlias

import strawberry
from strawberry.types import Info

from api.auth.permissions import require_member
from api.graphql.enums import expose_enum
from api.graphql.errors import UserError
from api.graphql.loyalty import CouponNode, coupon_node
from api.graphql.scalars import Money
from api.shop.orders import CheckoutInput
from loyalty.coupons.for_checkout import CouponForCart, Unusable, coupons_for_checkout

expose_enum(
    Unusable,
    "CouponUnusableReason",
    "Why a coupon cannot be used on this checkout, in the order unusable coupons are listed.",
    {
        Unusable.THRESHOLD_NOT_MET: "The goods in its scope are below its threshold (满减门槛);"
        " `shortfall` says how much more is needed.",
        Unusable.OUT_OF_SCOPE: "None of the goods are in its scope (categories or products).",
        Unusable.NOT_YET_VALID: "Its validity has not started yet.",
        Unusable.LOCKED: "Held by another unpaid order until that order is paid or cancelled.",
        Unusable.EXPIRED: "Past its validity (listed for 30 days after).",
    },
)
UnusableEnum: TypeAlias = Unusable


@strawberry.type
class CheckoutCoupon:
    coupon: CouponNode
    usable: bool
    reason: UnusableEnum | None = strawberry.field(
        description="Why it cannot be used; null if it can."
    )
    discount: Money = strawberry.field(
        description="What it takes off the goods of this cart (0 unless usable)."
    )
    shipping_saved: Money = strawberry.field(
        description="The shipping it saves on this cart (a free-shipping coupon; 0 unless usable)."
    )
    shortfall: Money = strawberry.field(
        description="THRESHOLD_NOT_MET: how much more of the goods in its scope (after tier "
        "discount) the cart needs."
    )


@strawberry.type
class CouponsForCheckoutResult:
    coupons: list[CheckoutCoupon] = strawberry.field(
        default_factory=list,
        description="Usable first, the largest saving first; then the unusable ones by reason "
        "(THRESHOLD_NOT_MET, OUT_OF_SCOPE, NOT_YET_VALID, LOCKED, EXPIRED), each group "
        "expiring first. Used coupons are not listed, expired ones for 30 days.",
    )
    errors: list[UserError]


def _checkout_coupon(judged: CouponForCart) -> CheckoutCoupon:
    return CheckoutCoupon(
        coupon=coupon_node(judged.coupon),
        usable=judged.usable,
        reason=judged.reason,
        discount=Money.of(judged.discount_fen),
        shipping_saved=Money.of(judged.shipping_saved_fen),
        shortfall=Money.of(judged.shortfall_fen),
    )


async def coupons_for_checkout_field(
    info: Info,
    input: Annotated[
        CheckoutInput,
        strawberry.argument(description="As checkoutPreview's; couponId and points are ignored."),
    ],
) -> CouponsForCheckoutResult:
    member_id = await require_member(info)
    judged = await coupons_for_checkout(member_id, input.to_domain())
    return CouponsForCheckoutResult(coupons=[_checkout_coupon(c) for c in judged], errors=[])

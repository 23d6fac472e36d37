"""The member's loyalty: tier and growth (on `me`), points, and coupons to claim and hold."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import require_member
from api.graphql.enums import CouponStatusEnum
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id
from api.graphql.loyalty import (
    CouponNode,
    CouponTemplateNode,
    PointsTransactionNode,
    TierNode,
    coupon_node,
    points_transaction_node,
    template_node,
    tier_node,
)
from api.graphql.relay import BY_ID, NEWEST_FIRST, After, Connection, First, paginate
from api.graphql.scalars import Long
from domain import clock
from loyalty import points, tiers
from loyalty.coupons import grants
from loyalty.models import Coupon, CouponStatus, CouponTemplate, PointsTransaction


@strawberry.type(description=("Where a member stands in the tiers (会员等级) and growth (成长值)."))
class LoyaltyStanding:
    tier: TierNode = strawberry.field(description="The member's tier now.")
    growth: Long = strawberry.field(description="All growth earned, net of refunds.")  # type: ignore[valid-type]
    tier_growth: Long = strawberry.field(  # type: ignore[valid-type]
        description="The growth the tier is judged on (the last tier.review_months, if set)."
    )
    next_tier: TierNode | None = strawberry.field(description="The next tier up; null at the top.")
    growth_to_next_tier: Long | None = strawberry.field(  # type: ignore[valid-type]
        description="Growth still needed for the next tier; null at the top."
    )


async def standing(member_id: int) -> LoyaltyStanding:
    found = await tiers.standing(member_id)
    return LoyaltyStanding(
        tier=tier_node(found.tier),
        growth=found.growth,
        tier_growth=found.tier_growth,
        next_tier=tier_node(found.next_tier) if found.next_tier else None,
        growth_to_next_tier=(
            max(0, found.next_tier.threshold_growth - found.tier_growth)
            if found.next_tier
            else None
        ),
    )


@strawberry.type(description="A member's points (积分): 1 point = 1 fen off at checkout.")
class MyPoints:
    member_id: strawberry.Private[int]
    balance: Long = strawberry.field(description="Points in unexpired lots; never negative.")  # type: ignore[valid-type]

    @strawberry.field(description="Newest first.")
    async def transactions(
        self, first: First = 20, after: After = None
    ) -> Connection[PointsTransactionNode]:
        queryset = PointsTransaction.filter(member_id=self.member_id)
        return await paginate(queryset, NEWEST_FIRST, first, after, points_transaction_node)


async def my_points(info: Info) -> MyPoints:
    member_id = await require_member(info)
    return MyPoints(member_id=member_id, balance=await points.balance(member_id))


async def claimable_coupons(
    info: Info, first: First = 20, after: After = None
) -> Connection[CouponTemplateNode]:
    queryset = CouponTemplate.filter(grants.claimable(clock.now()))
    return await paginate(queryset, BY_ID, first, after, template_node)


async def my_coupons(
    info: Info,
    status: Annotated[
        CouponStatusEnum | None,
        strawberry.argument(description="Only coupons in this status; all when omitted."),
    ] = None,
    first: First = 20,
    after: After = None,
) -> Connection[CouponNode]:
    member_id = await require_member(info)
    queryset = Coupon.filter(member_id=member_id).select_related("template")
    if status is not None:
        queryset = queryset.filter(status=CouponStatus(status))
    return await paginate(queryset, NEWEST_FIRST, first, after, coupon_node)


@strawberry.type
class ClaimCouponPayload:
    coupon: CouponNode | None = None
    errors: list[UserError]


async def claim_coupon(
    info: Info,
    template_id: Annotated[
        strawberry.ID,
        strawberry.argument(description="A CouponTemplate global ID from claimableCoupons."),
    ],
) -> ClaimCouponPayload:
    member_id = await require_member(info)
    pk = from_global_id(template_id, "CouponTemplate", "templateId")
    coupon = await grants.claim(member_id, pk)
    await coupon.fetch_related("template")
    return ClaimCouponPayload(coupon=coupon_node(coupon), errors=[])

"""Tiers and points for HQ: list and edit tiers (HQ_OPERATOR, HQ_ADMIN), adjust a member's
points with a reason (HQ roles)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import granted
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id
from api.graphql.loyalty import TierNode, tier_node
from api.graphql.relay import After, Connection, First, Ordering, SortField, paginate
from api.graphql.scalars import Long
from domain.errors import DomainError, ErrorCode
from domain.members.models import Member, MemberStatus
from loyalty import points
from loyalty.models import Tier
from loyalty.tiers import TierChange, update_tier

BY_THRESHOLD = Ordering((SortField("threshold_growth"), SortField("id")))


async def tiers(info: Info, first: First = 20, after: After = None) -> Connection[TierNode]:
    return await paginate(Tier.all(), BY_THRESHOLD, first, after, tier_node)


@strawberry.input
class UpdateTierInput:
    """Fields left out are not changed."""

    name: str | None = strawberry.field(
        default=None, description="Display name, e.g. 金卡, at most 32 characters."
    )
    threshold_growth: Long | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description=("Growth (成长值) needed; rising with the tier codes, the first tier 0."),
    )
    discount_bp: int | None = strawberry.field(
        default=None,
        description=("Share of the price a member of this tier pays, 1..10000 bp: 9800 = 2% off."),
    )
    points_multiplier_bp: int | None = strawberry.field(
        default=None, description="Points earned × this / 10000: 12000 = ×1.2."
    )
    free_shipping: bool | None = strawberry.field(
        default=None, description="Delivery orders ship free (包邮) for this tier."
    )


@strawberry.type
class TierPayload:
    tier: TierNode | None = None
    errors: list[UserError]


async def update_tier_mutation(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A Tier global ID.")],
    input: Annotated[UpdateTierInput, strawberry.argument(description="The fields to change.")],
) -> TierPayload:
    tier = await update_tier(
        from_global_id(id, "Tier"),
        TierChange(
            name=input.name,
            threshold_growth=input.threshold_growth,
            discount_bp=input.discount_bp,
            points_multiplier_bp=input.points_multiplier_bp,
            free_shipping=input.free_shipping,
        ),
    )
    return TierPayload(tier=tier_node(tier), errors=[])


@strawberry.type
class AdjustPointsPayload:
    balance: Long | None = None  # type: ignore[valid-type]
    errors: list[UserError]


async def adjust_points(
    info: Info,
    member_id: Annotated[strawberry.ID, strawberry.argument(description="A Member global ID.")],
    amount: Annotated[
        Long,  # type: ignore[valid-type]
        strawberry.argument(
            description=(
                "Signed points: positive adds a lot, negative takes from the "
                "balance (earliest-expiring first); not 0."
            )
        ),
    ],
    reason: Annotated[
        str,
        strawberry.argument(
            description="Why, required, at most 200 characters; the member sees it."
        ),
    ],
) -> AdjustPointsPayload:
    staff = (await granted(info)).staff
    pk = from_global_id(member_id, "Member", "memberId")
    if not await Member.exists(id=pk, status=MemberStatus.ACTIVE):
        raise DomainError(ErrorCode.NOT_FOUND, "memberId")
    balance = await points.adjust(points.Adjustment(pk, amount, reason, actor=f"staff:{staff.id}"))
    return AdjustPointsPayload(balance=balance, errors=[])

"""Tiers and points for HQ: list and edit tiers (HQ_OPERATOR, HQ_ADMIN), adjust a member's
points with a reason (HQ roles)."""

from __future__ import annotations

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

    name: str | None = None
    threshold_growth: Long | None = None  # type: ignore[valid-type]
    discount_bp: int | None = None
    points_multiplier_bp: int | None = None
    free_shipping: bool | None = None


@strawberry.type
class TierPayload:
    tier: TierNode | None = None
    errors: list[UserError]


async def update_tier_mutation(
    info: Info, id: strawberry.ID, input: UpdateTierInput
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
    member_id: strawberry.ID,
    amount: Long,  # type: ignore[valid-type]
    reason: str,
) -> AdjustPointsPayload:
    staff = (await granted(info)).staff
    pk = from_global_id(member_id, "Member", "memberId")
    if not await Member.exists(id=pk, status=MemberStatus.ACTIVE):
        raise DomainError(ErrorCode.NOT_FOUND, "memberId")
    balance = await points.adjust(points.Adjustment(pk, amount, reason, actor=f"staff:{staff.id}"))
    return AdjustPointsPayload(balance=balance, errors=[])

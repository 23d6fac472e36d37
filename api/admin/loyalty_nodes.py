"""A member's loyalty as staff see it beside the customer (tier, growth, points balance):
loaded for a whole page of members in three statements by a per-request DataLoader."""

from __future__ import annotations

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from api.graphql.loyalty import TierNode, tier_node
from api.graphql.scalars import Long
from domain import clock
from loyalty import points, tiers


@strawberry.type(name="MemberLoyalty")
class MemberLoyaltyNode:
    tier: TierNode
    growth: Long = strawberry.field(description="All growth earned, net of refunds.")  # type: ignore[valid-type]
    points_balance: Long = strawberry.field(description="Points in unexpired lots.")  # type: ignore[valid-type]


async def _load(member_ids: list[int]) -> list[MemberLoyaltyNode]:
    standing = await tiers.tiers_and_growth_of(member_ids)
    balances = await points.balances_of(member_ids, clock.now())
    return [
        MemberLoyaltyNode(
            tier=tier_node(standing[member_id][0]),
            growth=standing[member_id][1],
            points_balance=balances[member_id],
        )
        for member_id in member_ids
    ]


def member_loyalty_loader(info: Info) -> DataLoader[int, MemberLoyaltyNode]:
    return info.context.loader("member_loyalty", lambda: DataLoader(load_fn=_load))

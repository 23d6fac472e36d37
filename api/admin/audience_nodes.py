"""GraphQL types of the audience shared by the member view and the tag and segment API."""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from api.graphql.enums import expose_enum
from api.graphql.ids import to_global_id
from api.graphql.scalars import Long
from loyalty.audience.filters import TagMatch
from loyalty.audience.models import Lifecycle, Tag, ValueLevel
from loyalty.audience.queries import MemberAudienceView, audiences_of

expose_enum(
    TagMatch,
    "TagMatch",
    "How a list of tags filters members.",
    {
        TagMatch.ANY: "Members with at least one of the tags.",
        TagMatch.ALL: "Members with every one of the tags.",
    },
)
TagMatchEnum: TypeAlias = TagMatch
expose_enum(
    Lifecycle,
    "Lifecycle",
    "A member's lifecycle stage (生命周期), a system tag kept current on order events and by the"
    " tag refresh job (SPEC 9.4).",
    {
        Lifecycle.NEW: "No paid order yet (新客).",
        Lifecycle.FIRST_PURCHASE: "Exactly one paid order (首购).",
        Lifecycle.REPEAT: "Two or more paid orders, the last at most 90 days ago (复购).",
        Lifecycle.AT_RISK: "Last paid order 90 to 180 days ago (流失预警).",
        Lifecycle.CHURNED: "Last paid order over 180 days ago (已流失).",
    },
)
LifecycleEnum: TypeAlias = Lifecycle
expose_enum(
    ValueLevel,
    "ValueLevel",
    "A member's value (RFM: recency, frequency and monetary over 365 days), a system tag.",
    {
        ValueLevel.HIGH: "High value (高价值).",
        ValueLevel.MID: "Medium value (中价值).",
        ValueLevel.LOW: "Low value (低价值), or no purchase in 365 days.",
    },
)
ValueLevelEnum: TypeAlias = ValueLevel


@strawberry.type(name="Tag")
class TagNode:
    id: strawberry.ID
    name: str
    created_at: datetime


def tag_node(tag: Tag) -> TagNode:
    return TagNode(
        id=strawberry.ID(to_global_id("Tag", tag.id)), name=tag.name, created_at=tag.created_at
    )


@strawberry.type(name="MemberAudience", description="System tags as last refreshed, manual tags.")
class MemberAudienceNode:
    lifecycle: LifecycleEnum
    value: ValueLevelEnum
    koc_candidate: bool
    paid_orders: int
    spend_fen: Long = strawberry.field(description="Net of refunds, all time.")
    last_paid_at: datetime | None
    tags: list[TagNode] = strawberry.field(description="A member has a handful (bounded list).")


def _audience_node(view: MemberAudienceView) -> MemberAudienceNode:
    stats = view.stats
    return MemberAudienceNode(
        lifecycle=view.lifecycle,
        value=view.value,
        koc_candidate=view.koc_candidate,
        paid_orders=stats.paid_orders if stats else 0,
        spend_fen=Long(stats.spend_fen if stats else 0),
        last_paid_at=stats.last_paid_at if stats else None,
        tags=[tag_node(tag) for tag in view.tags],
    )


async def _load(member_ids: list[int]) -> list[MemberAudienceNode]:
    return [_audience_node(view) for view in await audiences_of(member_ids)]


def audience_loader(info: Info) -> DataLoader[int, MemberAudienceNode]:
    return info.context.loader("member_audience", lambda: DataLoader(load_fn=_load))

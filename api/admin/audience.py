"""Tags and segments for staff (SPEC 9.4, 13): HQ defines tags and segments (HQ_OPERATOR,
HQ_ADMIN); staff tag the members they may see; a segment shows its count and members."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.admin.audience_nodes import (
    LifecycleEnum,
    TagMatchEnum,
    TagNode,
    ValueLevelEnum,
    tag_node,
)
from api.admin.nodes import MemberNode, member_node
from api.auth.permissions import granted
from api.graphql.enums import AcquisitionChannelEnum
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, optional_global_id, to_global_id
from api.graphql.relay import BY_ID, NEWEST_FIRST, After, Connection, First, paginate
from api.graphql.scalars import Long
from domain.access.capabilities import Capability, Grant
from domain.members.queries import MemberScope
from loyalty.audience import segments as segment_service
from loyalty.audience import tags as tag_service
from loyalty.audience.filters import AudienceFilter, TagMatch
from loyalty.audience.models import Segment, Tag


@strawberry.input(description="Every condition is optional; the given ones must all hold.")
class AudienceFilterInput:
    tag_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Tag global IDs (at most 100), matched as tagMatch says."
    )
    tag_match: TagMatchEnum = strawberry.field(
        default=TagMatch.ANY, description="ANY (default) or ALL of tagIds."
    )
    tier_codes: list[str] | None = strawberry.field(
        default=None, description="Tier codes (V0, V1, ...), at most 100."
    )
    lifecycles: list[LifecycleEnum] | None = strawberry.field(
        default=None, description="Lifecycle stages (生命周期)."
    )
    values: list[ValueLevelEnum] | None = strawberry.field(
        default=None, description="Value levels (RFM)."
    )
    sources: list[AcquisitionChannelEnum] | None = strawberry.field(
        default=None, description="Acquisition channels (首次来源)."
    )
    service_store_id: strawberry.ID | None = strawberry.field(
        default=None, description="A Store global ID: members that store serves."
    )
    koc_candidate: bool | None = strawberry.field(
        default=None,
        description=(
            "true: only KOC candidates (many shares or referred orders); false: only others."
        ),
    )
    min_spend_fen: Long | None = strawberry.field(
        default=None, description="Spend net of refunds, all time, at least this many fen."
    )
    max_spend_fen: Long | None = strawberry.field(
        default=None, description="Spend net of refunds, all time, at most this many fen."
    )
    last_order_min_days: int | None = strawberry.field(
        default=None, description="Last paid order at least this many days ago."
    )
    last_order_max_days: int | None = strawberry.field(
        default=None, description="Last paid order at most this many days ago."
    )


def audience_filter(given: AudienceFilterInput, prefix: str) -> AudienceFilter:
    """The domain filter; a malformed id is INVALID_ID at `prefix.field`."""
    return AudienceFilter(
        tag_ids=tuple(from_global_id(t, "Tag", f"{prefix}.tagIds") for t in given.tag_ids or ()),
        tag_match=given.tag_match,
        tier_codes=tuple(given.tier_codes or ()),
        lifecycles=tuple(given.lifecycles or ()),
        values=tuple(given.values or ()),
        sources=tuple(given.sources or ()),
        service_store_id=optional_global_id(
            given.service_store_id, "Store", f"{prefix}.serviceStoreId"
        ),
        koc_candidate=given.koc_candidate,
        min_spend_fen=given.min_spend_fen,
        max_spend_fen=given.max_spend_fen,
        last_order_min_days=given.last_order_min_days,
        last_order_max_days=given.last_order_max_days,
    )


@strawberry.type
class AudienceFilterView:
    tag_ids: list[strawberry.ID]
    tag_match: TagMatchEnum
    tier_codes: list[str]
    lifecycles: list[LifecycleEnum]
    values: list[ValueLevelEnum]
    sources: list[AcquisitionChannelEnum]
    service_store_id: strawberry.ID | None
    koc_candidate: bool | None
    min_spend_fen: Long | None
    max_spend_fen: Long | None
    last_order_min_days: int | None
    last_order_max_days: int | None


def _filter_view(audience: AudienceFilter) -> AudienceFilterView:
    store = audience.service_store_id
    return AudienceFilterView(
        tag_ids=[strawberry.ID(to_global_id("Tag", t)) for t in audience.tag_ids],
        tag_match=audience.tag_match,
        tier_codes=list(audience.tier_codes),
        lifecycles=list(audience.lifecycles),
        values=list(audience.values),
        sources=list(audience.sources),
        service_store_id=strawberry.ID(to_global_id("Store", store)) if store else None,
        koc_candidate=audience.koc_candidate,
        min_spend_fen=audience.min_spend_fen,
        max_spend_fen=audience.max_spend_fen,
        last_order_min_days=audience.last_order_min_days,
        last_order_max_days=audience.last_order_max_days,
    )


@strawberry.type
class SegmentNode:
    id: strawberry.ID
    name: str
    filter: AudienceFilterView
    created_by: str
    created_at: datetime
    updated_at: datetime
    segment: strawberry.Private[Segment]
    full_phone: strawberry.Private[bool]

    @strawberry.field(description="Active members matching now (one COUNT).")
    async def count(self) -> int:
        return await (await segment_service.segment_members(self.segment)).count()

    @strawberry.field(description="Members matching now, newest first.")
    async def members(self, first: First = 20, after: After = None) -> Connection[MemberNode]:
        queryset = await segment_service.segment_members(self.segment)
        full = self.full_phone
        return await paginate(queryset, NEWEST_FIRST, first, after, lambda m: member_node(m, full))


def segment_node(segment: Segment, grant: Grant) -> SegmentNode:
    return SegmentNode(
        id=strawberry.ID(to_global_id("Segment", segment.id)),
        name=segment.name,
        filter=_filter_view(segment_service.filter_of(segment)),
        created_by=segment.created_by,
        created_at=segment.created_at,
        updated_at=segment.updated_at,
        segment=segment,
        full_phone=grant.allows(Capability.PERSONAL_DATA_UNMASKED),
    )


@strawberry.type
class TagPayload:
    tag: TagNode | None = None
    errors: list[UserError]


@strawberry.type
class MemberTagPayload:
    member_id: strawberry.ID | None = None
    tag: TagNode | None = None
    errors: list[UserError]


@strawberry.type
class SegmentPayload:
    segment: SegmentNode | None = None
    errors: list[UserError]


async def tags(info: Info, first: First = 20, after: After = None) -> Connection[TagNode]:
    return await paginate(Tag.all(), BY_ID, first, after, tag_node)


async def create_tag(
    info: Info,
    name: Annotated[str, strawberry.argument(description="Unique tag name, e.g. 孕期, 敏感肌.")],
) -> TagPayload:
    staff = (await granted(info)).staff
    tag = await tag_service.create_tag(name, staff.username)
    return TagPayload(tag=tag_node(tag), errors=[])


async def _change_member_tag(
    info: Info, member_id: strawberry.ID, tag_id: strawberry.ID, add: bool
) -> MemberTagPayload:
    grant = await granted(info)
    reach = MemberScope.of(grant)
    member_pk = from_global_id(member_id, "Member", "memberId")
    tag_pk = from_global_id(tag_id, "Tag", "tagId")
    if add:
        tag = await tag_service.add_member_tag(reach, member_pk, tag_pk, grant.staff.username)
    else:
        tag = await tag_service.remove_member_tag(reach, member_pk, tag_pk)
    return MemberTagPayload(member_id=member_id, tag=tag_node(tag), errors=[])


async def add_member_tag(
    info: Info,
    member_id: Annotated[
        strawberry.ID, strawberry.argument(description="A Member global ID in the caller's scope.")
    ],
    tag_id: Annotated[strawberry.ID, strawberry.argument(description="A Tag global ID.")],
) -> MemberTagPayload:
    return await _change_member_tag(info, member_id, tag_id, add=True)


async def remove_member_tag(
    info: Info,
    member_id: Annotated[
        strawberry.ID, strawberry.argument(description="A Member global ID in the caller's scope.")
    ],
    tag_id: Annotated[strawberry.ID, strawberry.argument(description="A Tag global ID.")],
) -> MemberTagPayload:
    return await _change_member_tag(info, member_id, tag_id, add=False)


async def segments(info: Info, first: First = 20, after: After = None) -> Connection[SegmentNode]:
    grant = await granted(info)
    return await paginate(Segment.all(), BY_ID, first, after, lambda s: segment_node(s, grant))


async def segment(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A Segment global ID.")],
) -> SegmentNode | None:
    """Null for an unknown or malformed id alike."""
    grant = await granted(info)
    found = await Segment.get_or_none(id=from_global_id(id, "Segment"))
    return segment_node(found, grant) if found else None


async def create_segment(
    info: Info,
    name: Annotated[str, strawberry.argument(description="Unique segment name.")],
    filter: Annotated[
        AudienceFilterInput, strawberry.argument(description="Who belongs to the segment.")
    ],
) -> SegmentPayload:
    grant = await granted(info)
    made = await segment_service.create_segment(
        name, audience_filter(filter, "filter"), grant.staff.username
    )
    return SegmentPayload(segment=segment_node(made, grant), errors=[])


async def update_segment(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A Segment global ID.")],
    name: Annotated[
        str | None, strawberry.argument(description="New unique name; kept when omitted.")
    ] = None,
    filter: Annotated[
        AudienceFilterInput | None,
        strawberry.argument(description="Replaces the whole filter; kept when omitted."),
    ] = None,
) -> SegmentPayload:
    """Omitted arguments keep their value; a given filter replaces the whole filter."""
    grant = await granted(info)
    changed = await segment_service.update_segment(
        from_global_id(id, "Segment"),
        name,
        audience_filter(filter, "filter") if filter is not None else None,
    )
    return SegmentPayload(segment=segment_node(changed, grant), errors=[])

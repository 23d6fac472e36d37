"""Members for staff: scoped by the grant (`MemberScope`: a store manager sees the members whose
service relationship in force is to their store, a guide their own), phones masked for everyone
but HQ_ADMIN."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info
from tortoise.expressions import Q

from api.admin.audience import AudienceFilterInput, audience_filter
from api.admin.audience_nodes import LifecycleEnum, TagMatchEnum
from api.admin.nodes import MemberNode, member_node
from api.auth.permissions import granted
from api.graphql.ids import from_global_id, optional_global_id
from api.graphql.relay import NEWEST_FIRST, After, Connection, First, paginate
from domain.access.capabilities import Capability
from domain.members.queries import MemberScope, MemberSearch, searched_members
from loyalty.audience.filters import TagMatch
from loyalty.audience.segments import search_condition


@strawberry.input
class MemberFilterInput:
    keyword: str | None = strawberry.field(
        default=None, description="Part of the nickname (case-insensitive), at most 64 characters."
    )
    phone: str | None = strawberry.field(
        default=None,
        description=("The exact phone number (any common form; normalised before matching)."),
    )
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
        default=None, description="Lifecycle stages, at most 100."
    )
    segment_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only members of this saved Segment (global ID)."
    )


async def _audience_condition(search: MemberFilterInput) -> Q:
    audience = audience_filter(
        AudienceFilterInput(
            tag_ids=search.tag_ids,
            tag_match=search.tag_match,
            tier_codes=search.tier_codes,
            lifecycles=search.lifecycles,
        ),
        "filter",
    )
    segment_id = optional_global_id(search.segment_id, "Segment", "filter.segmentId")
    return await search_condition(audience, segment_id, "filter")


async def members(
    info: Info,
    filter: Annotated[
        MemberFilterInput | None,
        strawberry.argument(description="Optional conditions, all of which must hold."),
    ] = None,
    first: First = 20,
    after: After = None,
) -> Connection[MemberNode]:
    """A filter that makes no sense is BAD_USER_INPUT with its UserError."""
    grant = await granted(info)
    search = filter or MemberFilterInput()
    queryset = MemberScope.of(grant).narrow(
        searched_members(MemberSearch(search.keyword, search.phone))
    )
    queryset = queryset.filter(await _audience_condition(search))
    full = grant.allows(Capability.PERSONAL_DATA_UNMASKED)
    return await paginate(queryset, NEWEST_FIRST, first, after, lambda m: member_node(m, full))


async def member(
    info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A Member global ID.")]
) -> MemberNode | None:
    """Null for an unknown, malformed or out-of-scope id alike."""
    grant = await granted(info)
    pk = from_global_id(id, "Member")
    found = await MemberScope.of(grant).narrow(searched_members(MemberSearch())).get_or_none(id=pk)
    return member_node(found, grant.allows(Capability.PERSONAL_DATA_UNMASKED)) if found else None

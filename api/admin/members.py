"""Members for staff: scoped by the grant (`MemberScope`: a store manager sees the members whose
service relationship in force is to their store, a guide their own), phones masked for everyone
but HQ_ADMIN."""

from __future__ import annotations

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
    keyword: str | None = None
    phone: str | None = None
    tag_ids: list[strawberry.ID] | None = None
    tag_match: TagMatchEnum = TagMatch.ANY
    tier_codes: list[str] | None = None
    lifecycles: list[LifecycleEnum] | None = None
    segment_id: strawberry.ID | None = None


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
    filter: MemberFilterInput | None = None,
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


async def member(info: Info, id: strawberry.ID) -> MemberNode | None:
    """Null for an unknown, malformed or out-of-scope id alike."""
    grant = await granted(info)
    pk = from_global_id(id, "Member")
    found = await MemberScope.of(grant).narrow(searched_members(MemberSearch())).get_or_none(id=pk)
    return member_node(found, grant.allows(Capability.PERSONAL_DATA_UNMASKED)) if found else None

"""Members for staff: scoped by role, phones masked for everyone but HQ_ADMIN.

A store manager sees the members whose service relationship in force is to their store, a guide
those whose relationship is to them (SPEC 5.1, 13): a subquery, so a page stays one statement."""

from __future__ import annotations

import strawberry
from strawberry.types import Info
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from api.admin.audience import AudienceFilterInput, audience_filter
from api.admin.audience_nodes import LifecycleEnum, TagMatchEnum
from api.admin.nodes import MemberNode, member_node
from api.auth.permissions import MEMBER_VIEWERS, require_staff, sees_full_phone, store_scope
from api.graphql.errors import InvalidFilter
from api.graphql.ids import from_global_id, optional_global_id
from api.graphql.relay import NEWEST_FIRST, Connection, paginate
from distribution.service_relationships import members_served
from domain.errors import DomainError
from domain.members.models import Member
from domain.members.queries import MemberSearch, searched_members
from domain.org.models import Staff, StaffRole
from loyalty.audience.filters import TagMatch
from loyalty.audience.segments import search_condition


@strawberry.input
class MemberFilterInput:
    keyword: str | None = None
    phone: str | None = None
    tag_ids: list[strawberry.ID] | None = None
    tag_match: TagMatchEnum = TagMatch.ANY  # type: ignore[valid-type]
    tier_codes: list[str] | None = None
    lifecycles: list[LifecycleEnum] | None = None  # type: ignore[valid-type]
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


def _visible(staff: Staff, search: MemberSearch) -> QuerySet[Member]:
    queryset = searched_members(search)
    if staff.role == StaffRole.GUIDE:
        return queryset.filter(id__in=members_served(guide_id=staff.id))
    scope = store_scope(staff)
    if scope is not None:
        return queryset.filter(id__in=members_served(store_id=scope))
    return queryset


async def members(
    info: Info,
    filter: MemberFilterInput | None = None,
    first: int | None = 20,
    after: str | None = None,
) -> Connection[MemberNode]:
    staff = await require_staff(info, MEMBER_VIEWERS)
    search = filter or MemberFilterInput()
    try:
        queryset = _visible(staff, MemberSearch(search.keyword, search.phone))
        queryset = queryset.filter(await _audience_condition(search))
    except DomainError as error:
        raise InvalidFilter(error) from None
    full = sees_full_phone(staff)
    return await paginate(queryset, NEWEST_FIRST, first, after, lambda m: member_node(m, full))


async def member(info: Info, id: strawberry.ID) -> MemberNode | None:
    staff = await require_staff(info, MEMBER_VIEWERS)
    try:
        pk = from_global_id(id, "Member")
    except DomainError:
        return None
    found = await _visible(staff, MemberSearch()).get_or_none(id=pk)
    return member_node(found, sees_full_phone(staff)) if found else None

"""Members for staff: scoped by role, phones masked for everyone but HQ_ADMIN."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.admin.nodes import MemberNode, member_node
from api.auth.permissions import MEMBER_VIEWERS, require_staff, sees_full_phone, store_scope
from api.graphql.errors import InvalidArgument
from api.graphql.ids import from_global_id
from api.graphql.relay import NEWEST_FIRST, Connection, paginate
from domain.errors import DomainError
from domain.members.queries import MemberScope, MemberSearch, visible_members
from domain.org.models import Staff, StaffRole


@strawberry.input
class MemberFilterInput:
    keyword: str | None = None
    phone: str | None = None


def _scope(staff: Staff) -> MemberScope:
    if staff.role == StaffRole.GUIDE:
        return MemberScope(guide_id=staff.id)
    return MemberScope(store_id=store_scope(staff))


async def members(
    info: Info,
    filter: MemberFilterInput | None = None,
    first: int | None = 20,
    after: str | None = None,
) -> Connection[MemberNode]:
    staff = await require_staff(info, MEMBER_VIEWERS)
    search = filter or MemberFilterInput()
    try:
        queryset = visible_members(_scope(staff), MemberSearch(search.keyword, search.phone))
    except DomainError as error:
        raise InvalidArgument(error.message) from None
    full = sees_full_phone(staff)
    return await paginate(queryset, NEWEST_FIRST, first, after, lambda m: member_node(m, full))


async def member(info: Info, id: strawberry.ID) -> MemberNode | None:
    staff = await require_staff(info, MEMBER_VIEWERS)
    try:
        pk = from_global_id(id, "Member")
    except DomainError:
        return None
    found = await visible_members(_scope(staff), MemberSearch()).get_or_none(id=pk)
    return member_node(found, sees_full_phone(staff)) if found else None

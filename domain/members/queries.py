"""Which members a staff member may see, and the admin member search."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.queryset import QuerySet

from domain.errors import DomainError, ErrorCode
from domain.members.models import Member, MemberStatus
from domain.members.phones import normalise_phone


@dataclass(frozen=True)
class MemberScope:
    """None means unrestricted. Store roles see their store's members; guides their own.

    Until service relationships exist a member belongs to the store and guide of first touch.
    """

    store_id: int | None = None
    guide_id: int | None = None


@dataclass(frozen=True)
class MemberSearch:
    keyword: str | None = None
    phone: str | None = None


def visible_members(scope: MemberScope, search: MemberSearch) -> QuerySet[Member]:
    query = Member.filter(status=MemberStatus.ACTIVE)
    if scope.store_id is not None:
        query = query.filter(source_store_id=scope.store_id)
    if scope.guide_id is not None:
        query = query.filter(source_guide_id=scope.guide_id)
    if search.keyword:
        keyword = search.keyword.strip()
        if len(keyword) > 64:
            raise DomainError(ErrorCode.TOO_LONG, "filter.keyword", "max 64")
        query = query.filter(nickname__icontains=keyword)
    if search.phone:
        query = query.filter(phone=normalise_phone(search.phone, "filter.phone"))
    return query

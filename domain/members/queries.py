"""The admin member search. Who may see whom is the service relationship's business: the API
narrows this query with `distribution.service_relationships.members_served`."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.queryset import QuerySet

from domain.errors import DomainError, ErrorCode
from domain.members.models import Member, MemberStatus
from domain.members.phones import normalise_phone


@dataclass(frozen=True)
class MemberSearch:
    keyword: str | None = None
    phone: str | None = None


def searched_members(search: MemberSearch) -> QuerySet[Member]:
    query = Member.filter(status=MemberStatus.ACTIVE)
    if search.keyword:
        keyword = search.keyword.strip()
        if len(keyword) > 64:
            raise DomainError(ErrorCode.TOO_LONG, "filter.keyword", "max 64")
        query = query.filter(nickname__icontains=keyword)
    if search.phone:
        query = query.filter(phone=normalise_phone(search.phone, "filter.phone"))
    return query

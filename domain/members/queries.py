"""The admin member search. Who may see whom is the service relationship's business: the API
narrows this query with `distribution.service_relationships.members_served`."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.queryset import QuerySet

from domain.members.models import Member, MemberStatus
from domain.members.phones import normalise_phone
from domain.validation import search_text


@dataclass(frozen=True)
class MemberSearch:
    keyword: str | None = None
    phone: str | None = None


def searched_members(search: MemberSearch) -> QuerySet[Member]:
    query = Member.filter(status=MemberStatus.ACTIVE)
    keyword = search_text(search.keyword, "filter.keyword", 64)
    if keyword:
        query = query.filter(nickname__icontains=keyword)
    if search.phone:
        query = query.filter(phone=normalise_phone(search.phone, "filter.phone"))
    return query

"""The admin member search and who may see whom (`MemberScope`). Seeing a member follows the
service relationship in force (SPEC 5.1, 13), which `distribution` owns and answers through the
audience sources (`domain.members.audience_sources`): a subquery, so a page stays one
statement."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.queryset import QuerySet

from domain.access.capabilities import Grant, ScopeKind
from domain.members.audience_sources import audience_sources
from domain.members.models import Member, MemberStatus
from domain.members.phones import normalise_phone
from domain.validation import search_text


@dataclass(frozen=True)
class MemberScope:
    """The members a grant reaches: every member (ALL), those served by the store (OWN_STORE)
    or by the guide (OWN_CUSTOMERS)."""

    store_id: int | None = None
    guide_id: int | None = None

    @staticmethod
    def of(grant: Grant) -> MemberScope:
        if grant.scope == ScopeKind.OWN_CUSTOMERS:
            return MemberScope(guide_id=grant.staff.id)
        return MemberScope(store_id=grant.store_id)

    @property
    def everyone(self) -> bool:
        return self.store_id is None and self.guide_id is None

    def narrow(self, members: QuerySet[Member]) -> QuerySet[Member]:
        if self.everyone:
            return members
        served = audience_sources().members_served(self.store_id, self.guide_id)
        return members.filter(id__in=served)


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

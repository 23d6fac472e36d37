"""Reading the referral binding in force (SPEC 5.2). The binding rules: distribution/binding.py."""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Q
from tortoise.queryset import QuerySet, QuerySetSingle

from distribution.models import ReferralBinding


def bindings_in_force(member_id: int, now: datetime) -> QuerySet[ReferralBinding]:
    """The member's current bindings that have not expired (at most one: a query to chain)."""
    return ReferralBinding.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        member_id=member_id,
        ended_at__isnull=True,
        valid_from__lte=now,
    )


def in_force(member_id: int, now: datetime) -> QuerySetSingle[ReferralBinding | None]:
    """The member's current binding that has not expired (a query: await it or chain it)."""
    return bindings_in_force(member_id, now).first()


async def valid_referrer_id(member_id: int, now: datetime) -> int | None:
    binding = await in_force(member_id, now)
    return binding.referrer_id if binding else None

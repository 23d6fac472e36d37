"""Reading the referral binding in force (SPEC 5.2). The binding rules: distribution/binding.py."""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Q
from tortoise.queryset import QuerySet, QuerySetSingle

from distribution.models import ReferralBinding


def in_force_at(now: datetime) -> Q:
    """A binding is in force at `now` when it has not ended, has started and has not expired.
    The one statement of the rule; `in_force_sql` says the same for hand-written SQL."""
    return Q(ended_at__isnull=True, valid_from__lte=now) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def in_force_sql(alias: str) -> str:
    """`in_force_at` as a SQL condition on the `referral_binding` row aliased `alias`, compared
    with the statement's `:now` parameter."""
    return (
        f"{alias}.ended_at IS NULL AND {alias}.valid_from <= :now"
        f" AND ({alias}.expires_at IS NULL OR {alias}.expires_at > :now)"
    )


def bindings_in_force(member_id: int, now: datetime) -> QuerySet[ReferralBinding]:
    """The member's bindings in force (at most one: a query to chain)."""
    return ReferralBinding.filter(in_force_at(now), member_id=member_id)


def referred_members(referrer_id: int, now: datetime) -> QuerySet[ReferralBinding]:
    """The bindings in force to this referrer: the members they refer now."""
    return ReferralBinding.filter(in_force_at(now), referrer_id=referrer_id)


def in_force(member_id: int, now: datetime) -> QuerySetSingle[ReferralBinding | None]:
    """The member's current binding that has not expired (a query: await it or chain it)."""
    return bindings_in_force(member_id, now).first()


async def valid_referrer_id(member_id: int, now: datetime) -> int | None:
    binding = await in_force(member_id, now)
    return binding.referrer_id if binding else None

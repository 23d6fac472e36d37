"""Reading the referral binding in force (SPEC 5.2). The binding rules: distribution/binding.py."""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Q

from distribution.models import ReferralBinding


def in_force(member_id: int, now: datetime):
    """The member's current binding that has not expired (a query: await it or chain it)."""
    return ReferralBinding.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        member_id=member_id,
        ended_at__isnull=True,
        valid_from__lte=now,
    ).first()


async def valid_referrer_id(member_id: int, now: datetime) -> int | None:
    binding = await in_force(member_id, now)
    return binding.referrer_id if binding else None

"""The staff inbox: a staff member's own notices, unread first, marked read by their owner.

Each notice is written for one staff member (fan-out picks them by role and, for store roles,
by store), so a store manager's inbox only ever holds their store's matters; reading it is
scoped by the reader's id and another's notice is NOT_FOUND.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.functions import Count
from tortoise.queryset import QuerySet

from domain.notifications.models import NoticeKind, StaffNotice


def inbox_of(staff_id: int, unread_only: bool = False) -> QuerySet[StaffNotice]:
    notices = StaffNotice.filter(staff_id=staff_id)
    return notices.filter(unread=1) if unread_only else notices


async def mark_read(staff_id: int, notice_ids: Sequence[int], now: datetime) -> int:
    """Mark the reader's own notices read (others' are left alone); how many changed."""
    return await StaffNotice.filter(staff_id=staff_id, id__in=list(notice_ids), unread=1).update(
        unread=0, read_at=now
    )


async def mark_all_read(staff_id: int, now: datetime) -> int:
    return await StaffNotice.filter(staff_id=staff_id, unread=1).update(unread=0, read_at=now)


async def unread_counts(staff_id: int) -> dict[NoticeKind, int]:
    """Unread notices per kind (every kind present, zero included)."""
    rows = (
        await StaffNotice.filter(staff_id=staff_id, unread=1)
        .annotate(n=Count("id"))
        .group_by("kind")
        .values_list("kind", "n")
    )
    counts = {kind: 0 for kind in NoticeKind}
    counts.update({NoticeKind(kind): int(n) for kind, n in rows})
    return counts

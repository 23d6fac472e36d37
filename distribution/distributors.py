"""Distributors (SPEC 6): who they are, and the automatic ones (every active guide)."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from distribution.models import Distributor, DistributorKind, DistributorStatus
from domain import clock, events
from domain.db import transaction
from domain.org.models import Staff, StaffRole, StaffStatus


async def for_member(member_id: int) -> Distributor | None:
    return await Distributor.get_or_none(member_id=member_id)


async def on_staff_joined(event: events.StaffJoined) -> None:
    """Every active guide is a distributor (SPEC 6), listed among `distributors(kind: GUIDE)`
    from the moment the guide is created, not from their first share link."""
    await for_guide(event.staff)


async def on_staff_left(event: events.StaffLeft) -> None:
    """A guide who left keeps their distributor DISABLED (what `for_guide` would make of it):
    earned commission stays theirs, their links earn nothing new. A FROZEN one stays FROZEN."""
    await (
        Distributor.filter(staff_id=event.staff_id, kind=DistributorKind.GUIDE)
        .exclude(status__in=(DistributorStatus.DISABLED, DistributorStatus.FROZEN))
        .update(status=DistributorStatus.DISABLED, updated_at=clock.now())
    )


async def for_guide(staff: Staff) -> Distributor | None:
    """The guide's distributor, made on first need: every active guide is one. A guide who left
    keeps theirs DISABLED (earned commission stays theirs, nothing new is earned)."""
    if staff.role != StaffRole.GUIDE:
        return None
    status = (
        DistributorStatus.ACTIVE
        if staff.status == StaffStatus.ACTIVE
        else DistributorStatus.DISABLED
    )
    found = await Distributor.get_or_none(staff_id=staff.id)
    if found is not None:
        if found.status != status and found.status != DistributorStatus.FROZEN:
            found.status = status
            found.updated_at = clock.now()
            await found.save(update_fields=["status", "updated_at"])
        return found
    moment = clock.now()
    try:
        async with transaction():  # a savepoint: losing the race must not abort the caller's
            return await Distributor.create(
                kind=DistributorKind.GUIDE,
                status=status,
                staff_id=staff.id,
                store_id=staff.store_id,
                display_name=staff.display_name or staff.username,
                created_at=moment,
                updated_at=moment,
            )
    except IntegrityError:
        return await Distributor.get(staff_id=staff.id)

"""Customers for the guide workbench tests: members served by a store (and guide) with the
audience stats the list filters and sorts by, written directly (what the order events and the
refresh job would have left)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import count

from distribution.models import ServiceReason
from distribution.service_relationships import Touch, locked_member, touch
from domain import clock
from domain.db import transaction
from domain.members.models import AcquisitionChannel, Member
from domain.org.models import Store
from loyalty.audience.models import Lifecycle, MemberAudience, ValueLevel

_phones = count(1)


async def serve(member_id: int, store: Store, guide_id: int | None, at: datetime | None = None):
    """The member's relationship in force moves to the store (and guide), at `at`."""
    reason = ServiceReason.GUIDE_SHARE if guide_id else ServiceReason.STORE_QR
    with clock.frozen_at(at or clock.now()):
        async with transaction():
            await locked_member(member_id)
            await touch(member_id, Touch(store.id, guide_id, reason, "test"), 0)


async def make_customer(
    store: Store | None,
    guide_id: int | None = None,
    *,
    lifecycle: Lifecycle | None = None,
    value: ValueLevel = ValueLevel.LOW,
    spend_fen: int = 0,
    last_order_days: float | None = None,
    birthday: date | None = None,
    source: AcquisitionChannel = AcquisitionChannel.MINI_PROGRAM,
    bound_at: datetime | None = None,
) -> int:
    """A member with a phone, served by `store` (and `guide_id`) when given, with a stats row
    when `lifecycle` is given (none: NEW, LOW, spend 0, never ordered)."""
    now = clock.now()
    member = await Member.create(
        phone=f"+86139{next(_phones):08d}",
        nickname="顾客",
        birthday=birthday,
        source_channel=source,
        created_at=now,
        updated_at=now,
    )
    if store is not None:
        await serve(member.id, store, guide_id, bound_at)
    if lifecycle is not None:
        await MemberAudience.create(
            member_id=member.id,
            paid_orders=1,
            last_paid_at=(
                None if last_order_days is None else now - timedelta(days=last_order_days)
            ),
            spend_fen=spend_fen,
            lifecycle=lifecycle,
            value=value,
            refreshed_at=now,
        )
    return member.id

"""Guide workbench helpers: customers served by a guide or a store, and segments."""

from __future__ import annotations

from distribution.models import ServiceReason
from distribution.service_relationships import Touch, locked_member, touch
from domain import clock
from domain.db import transaction
from domain.members.models import Member
from loyalty.audience.models import Segment


async def customer(store, guide_id: int | None = None) -> int:
    """A new member served by the guide (or, without one, by the store alone)."""
    moment = clock.now()
    member_id = (await Member.create(created_at=moment, updated_at=moment)).id
    return await serve(member_id, store, guide_id)


async def serve(member_id: int, store, guide_id: int | None = None) -> int:
    """The member becomes the guide's (or the store's) customer."""
    reason = ServiceReason.GUIDE_SHARE if guide_id else ServiceReason.STORE_QR
    async with transaction():
        await locked_member(member_id)
        await touch(member_id, Touch(store.id, guide_id, reason, "test"), 90)
    return member_id


async def segment(rules: dict | None = None, name: str = "新客") -> Segment:
    moment = clock.now()
    return await Segment.create(
        name=name,
        rules=rules or {"lifecycles": ["NEW"]},
        created_by="test",
        created_at=moment,
        updated_at=moment,
    )

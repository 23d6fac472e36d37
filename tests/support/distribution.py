"""Distribution rows for tests that need them before the feature under test runs."""

from __future__ import annotations

import itertools

from distribution.models import (
    Distributor,
    DistributorKind,
    DistributorStatus,
    ReferralBinding,
    ShareChannel,
    ShareLink,
    ShareTarget,
    ShareTouch,
)
from domain import clock

_codes = itertools.count(1)


async def make_distributor(
    member_id: int | None = None,
    kind: DistributorKind = DistributorKind.KOC,
    upline: Distributor | None = None,
    status: DistributorStatus = DistributorStatus.ACTIVE,
    staff_id: int | None = None,
    store_id: int | None = None,
) -> Distributor:
    moment = clock.now()
    return await Distributor.create(
        kind=kind,
        status=status,
        member_id=member_id,
        staff_id=staff_id,
        store_id=store_id,
        upline=upline,
        ancestry=f"{upline.ancestry}{upline.id}/" if upline else "/",
        created_at=moment,
        updated_at=moment,
    )


async def bind(member_id: int, referrer: Distributor) -> ReferralBinding:
    return await ReferralBinding.create(
        member_id=member_id,
        referrer=referrer,
        reason="VISIT",
        actor="test",
        valid_from=clock.now(),
    )


async def touch(member_id: int, sharer: Distributor, at=None) -> ShareLink:
    link = await ShareLink.create(
        code=f"T{next(_codes):09d}",
        distributor=sharer,
        target=ShareTarget.HOME,
        channel=ShareChannel.CHAT,
        created_at=clock.now(),
    )
    await ShareTouch.create(
        member_id=member_id, link=link, distributor_id=sharer.id, touched_at=at or clock.now()
    )
    return link

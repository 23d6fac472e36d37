"""One-ID merge (SPEC 3): what distribution keeps about the absorbed member goes to the survivor.

- Distributor role: moves when the survivor has none (the row keeps its id, so links, downlines,
  accounts and commission stay attached). When both have one, each keeps their own.
- Referral binding: the survivor's binding in force is kept; otherwise the absorbed one's is
  taken over (a new row for the survivor, reason MERGE, same referrer and expiry), unless that
  would bind the survivor to themselves or make a cycle. The absorbed member's row is ended.
- Service relationship: the same rule; touches move too, so protection keeps its history.
- Last share touch: the later of the two; visits move.

Runs inside the merge's transaction (a `MemberMerged` handler); counts of what moved are added
to `event.moved`, which the merge record keeps.
"""

from __future__ import annotations

from datetime import datetime

from distribution.models import (
    Distributor,
    ReferralBinding,
    ServiceReason,
    ServiceRelationship,
    ServiceTouch,
    ShareTouch,
    ShareVisit,
)
from distribution.referrals import in_force
from distribution.service_relationships import relationship_in_force
from domain import clock
from domain.events import MemberMerged
from domain.members.models import Member

REASON = "MERGE"


async def on_member_merged(event: MemberMerged) -> None:
    survivor, absorbed = event.survivor_id, event.absorbed_id
    moment = clock.now()
    actor = f"merge:{absorbed}"
    # The same lock a visit or a touch takes first: none of them interleaves with the merge.
    await Member.filter(id__in=(survivor, absorbed)).order_by("id").only("id").select_for_update()
    own, moved_role = await _move_distributor(survivor, absorbed, moment)
    counts = {
        "distributor": moved_role,
        "referral_binding": await _take_binding(survivor, absorbed, own, actor, moment),
        "service_relationship": await _take_relationship(survivor, absorbed, actor, moment),
        "service_touches": await ServiceTouch.filter(member_id=absorbed).update(member_id=survivor),
        "share_touch": await _take_share_touch(survivor, absorbed),
        "share_visits": await ShareVisit.filter(member_id=absorbed).update(member_id=survivor),
    }
    event.moved.update({key: count for key, count in counts.items() if count})


async def _move_distributor(
    survivor: int, absorbed: int, moment: datetime
) -> tuple[Distributor | None, int]:
    """The survivor's distributor after the merge, and 1 when the absorbed one's moved."""
    own = await Distributor.get_or_none(member_id=survivor)
    if own is not None:
        return own, 0
    theirs = await Distributor.get_or_none(member_id=absorbed)
    if theirs is None:
        return None, 0
    await Distributor.filter(id=theirs.id).update(member_id=survivor, updated_at=moment)
    return theirs, 1


async def _take_binding(
    survivor: int, absorbed: int, own: Distributor | None, actor: str, moment: datetime
) -> int:
    kept = await in_force(survivor, moment)
    if kept is not None and own is not None and kept.referrer_id == own.id:
        # The survivor was bound to the role they now hold: never bind a member to themselves.
        await ReferralBinding.filter(id=kept.id).update(ended_at=moment)
        kept = None
    taken = await in_force(absorbed, moment)
    await ReferralBinding.filter(member_id=absorbed, ended_at__isnull=True).update(ended_at=moment)
    if kept is not None or taken is None:
        return 0
    if own is not None:
        referrer = await Distributor.get(id=taken.referrer_id)
        if referrer.id == own.id or f"/{own.id}/" in referrer.ancestry:
            return 0
    await ReferralBinding.filter(member_id=survivor, ended_at__isnull=True).update(ended_at=moment)
    await ReferralBinding.create(
        member_id=survivor,
        referrer_id=taken.referrer_id,
        link_id=taken.link_id,
        reason=REASON,
        actor=actor,
        valid_from=moment,
        expires_at=taken.expires_at,
    )
    return 1


async def _take_relationship(survivor: int, absorbed: int, actor: str, moment: datetime) -> int:
    taken = await relationship_in_force(absorbed)
    if taken is None:
        return 0
    await ServiceRelationship.filter(id=taken.id).update(valid_to=moment)
    if await relationship_in_force(survivor) is not None:
        return 0
    await ServiceRelationship.create(
        member_id=survivor,
        store_id=taken.store_id,
        guide_id=taken.guide_id,
        reason=ServiceReason.MERGE,
        actor=actor,
        valid_from=moment,
    )
    return 1


async def _take_share_touch(survivor: int, absorbed: int) -> int:
    taken = await ShareTouch.get_or_none(member_id=absorbed)
    if taken is None:
        return 0
    await ShareTouch.filter(member_id=absorbed).delete()
    kept = await ShareTouch.get_or_none(member_id=survivor)
    if kept is not None and kept.touched_at >= taken.touched_at:
        return 0
    values = {
        "link_id": taken.link_id,
        "distributor_id": taken.distributor_id,
        "touched_at": taken.touched_at,
        "poster_template_id": taken.poster_template_id,
    }
    if kept is None:
        await ShareTouch.create(member_id=survivor, **values)
    else:
        await ShareTouch.filter(member_id=survivor).update(**values)
    return 1

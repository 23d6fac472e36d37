"""One-ID merge (SPEC 3): the absorbed member's points, coupons and growth go to the survivor.

Lots, their transactions and spend records move as they are, so refunds of the absorbed
member's orders (which move too) still give points back to the same lots. Coupons move with a
new `seq` after the survivor's own of the same template: a merge may leave the survivor above a
template's per-member limit, which only stops further claims. Growth adds up and the survivor
is re-tiered. Runs inside the merge's transaction.
"""

from __future__ import annotations

from tortoise.functions import Max

from domain import clock
from domain.events import MemberMerged
from loyalty import tiers
from loyalty.models import (
    Coupon,
    GrowthRecord,
    ItemReward,
    MemberLoyalty,
    PointsLot,
    PointsSpend,
    PointsTransaction,
)


async def on_member_merged(event: MemberMerged) -> None:
    survivor, absorbed = event.survivor_id, event.absorbed_id
    counts = {
        "points_lots": await PointsLot.filter(member_id=absorbed).update(member_id=survivor),
        "coupons": await _move_coupons(survivor, absorbed),
    }
    for model in (PointsTransaction, PointsSpend, ItemReward, GrowthRecord):
        await model.filter(member_id=absorbed).update(member_id=survivor)
    counts["growth"] = await _move_growth(survivor, absorbed)
    event.moved.update({key: count for key, count in counts.items() if count})


async def _move_coupons(survivor: int, absorbed: int) -> int:
    coupons = await Coupon.filter(member_id=absorbed).order_by("template_id", "id")
    if not coupons:
        return 0
    highest = dict(
        await Coupon.filter(member_id=survivor)
        .annotate(top=Max("seq"))
        .group_by("template_id")
        .values_list("template_id", "top")
    )
    for coupon in coupons:
        seq = highest.get(coupon.template_id, 0) + 1
        highest[coupon.template_id] = seq
        await Coupon.filter(id=coupon.id).update(member_id=survivor, seq=seq)
    return len(coupons)


async def _move_growth(survivor: int, absorbed: int) -> int:
    row = await MemberLoyalty.get_or_none(member_id=absorbed)
    if row is None:
        return 0
    await MemberLoyalty.filter(member_id=absorbed).delete()
    await tiers.add_growth(survivor, row.growth)
    await tiers.retier(survivor, clock.now())
    return row.growth

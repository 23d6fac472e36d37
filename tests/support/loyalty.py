"""Loyalty test helpers: tiers, points and coupons set up through the admin API, and reads of
what the member sees."""

from __future__ import annotations

from typing import Any

from api.graphql.ids import from_global_id
from domain.db import transaction
from loyalty import tiers
from loyalty.models import Coupon, CouponTemplate, PointsLot, PointsSpend, PointsTransaction

CREATE_TEMPLATE = """
mutation($input: CouponTemplateInput!) {
  createCouponTemplate(input: $input) { template { id stockLeft } errors { code field } }
}
"""
CLAIM = """
mutation($id: ID!) {
  claimCoupon(templateId: $id) { coupon { id status } errors { code field } }
}
"""
ADJUST = """
mutation($member: ID!, $amount: Long!, $reason: String!) {
  adjustPoints(memberId: $member, amount: $amount, reason: $reason) {
    balance errors { code field }
  }
}
"""
MY_POINTS = """
query($after: String) {
  myPoints { balance transactions(first: 100, after: $after) {
    edges { node { kind delta note } } pageInfo { hasNextPage endCursor } } }
}
"""
ME = """
{ me { loyalty { tier { code } growth tierGrowth nextTier { code thresholdGrowth }
  growthToNextTier } } }
"""


def amount_off(amount: int, threshold: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": f"满{threshold // 100}减{amount // 100}",
        "kind": "AMOUNT_OFF",
        "amountFen": amount,
        "thresholdFen": threshold,
        "totalStock": 100,
        "validDays": 30,
        "public": True,
        **extra,
    }


async def template(operator, spec: dict[str, Any]) -> str:
    made = (await operator.client.data(CREATE_TEMPLATE, {"input": spec}))["createCouponTemplate"]
    assert made["errors"] == [], made
    return made["template"]["id"]


async def claimed(member, template_id: str) -> str:
    result = (await member.client.data(CLAIM, {"id": template_id}))["claimCoupon"]
    assert result["errors"] == [], result
    return result["coupon"]["id"]


async def give_points(staff, member, amount: int) -> None:
    result = (
        await staff.client.data(
            ADJUST, {"member": member.global_id, "amount": amount, "reason": "活动补发"}
        )
    )["adjustPoints"]
    assert result["errors"] == [], result


async def set_growth(member_id: int, growth: int) -> None:
    async with transaction():
        await tiers.add_growth(member_id, growth)


async def points_history(member) -> tuple[int, list[tuple[str, int]]]:
    """(balance, [(kind, delta)] oldest first)."""
    data = (await member.client.data(MY_POINTS))["myPoints"]
    rows = [(e["node"]["kind"], e["node"]["delta"]) for e in data["transactions"]["edges"]]
    return data["balance"], rows[::-1]


async def standing(member) -> dict[str, Any]:
    return (await member.client.data(ME))["me"]["loyalty"]


async def coupon_state(coupon_id: str) -> tuple[str, int | None]:
    coupon = await Coupon.get(id=from_global_id(coupon_id, "Coupon"))
    return coupon.status.value, coupon.order_id


async def lots_of(member_id: int) -> list[tuple[str, int, int, int]]:
    """(source, amount, remaining, expired) by id."""
    rows = await PointsLot.filter(member_id=member_id).order_by("id")
    return [(r.source.value, r.amount, r.remaining, r.expired) for r in rows]


async def loyalty_snapshot(member_id: int) -> tuple:
    """Everything points and coupons keep for a member: refusals must leave it unchanged."""
    return (
        await lots_of(member_id),
        await PointsTransaction.filter(member_id=member_id).count(),
        await PointsSpend.filter(member_id=member_id).count(),
        sorted(await Coupon.filter(member_id=member_id).values_list("id", "status", "order_id")),
        sorted(await CouponTemplate.all().values_list("id", "stock_left")),
    )

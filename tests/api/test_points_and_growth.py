"""Points and growth through an order's life (SPEC 9.1, 9.2, 8.6): earning at completion,
cumulative reversal over partial refunds, write-off of spent points, expiry, HQ adjustments,
tiers that drop, the review window, and HQ tier management."""

from datetime import timedelta

import pytest

from api.graphql.ids import to_global_id
from api.jobs import run_job
from domain import clock
from domain.orders import lifecycle
from domain.orders.models import Order
from domain.org.models import StaffRole
from domain.settings.service import update_settings
from loyalty import points
from loyalty.models import GrowthRecord, MemberLoyalty, PointsLot, Tier
from tests.support.commission import paid_order, refund, ship_and_confirm, sku
from tests.support.loyalty import (
    ADJUST,
    give_points,
    lots_of,
    points_history,
    set_growth,
    standing,
)
from tests.support.orders import delivery, order_pk, place_ok
from tests.support.sql import count_statements

TIERS = "{ tiers { edges { node { id code thresholdGrowth discountBp } } } }"
UPDATE_TIER = """
mutation($id: ID!, $input: UpdateTierInput!) {
  updateTier(id: $id, input: $input) { tier { code name thresholdGrowth } errors { code field } }
}
"""


async def completed_order(api, member, operator, price: int, quantity: int = 1, **extra):
    order = await paid_order(api, member, [(await sku(price), quantity)], **extra)
    await ship_and_confirm(operator, member, order)
    return order


async def test_partial_refunds_reverse_cumulatively_never_more_than_earned(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    finance = await api.staff(StaffRole.HQ_FINANCE)
    member = await api.member()
    order = await completed_order(api, member, operator, 9950)  # growth 99, points 99

    for _ in range(3):
        await refund(api, member, finance, order, 3300)
    partial = await points_history(member)
    await refund(api, member, finance, order, 50)

    # 9900 of 9950 refunded: floor(99 × 9900 / 9950) = 98 back; the last 50 takes the rest
    assert partial == (1, [("EARN", 99), ("REVERSE", -32), ("REVERSE", -33), ("REVERSE", -33)])
    assert await points_history(member) == (
        0,
        [("EARN", 99), ("REVERSE", -32), ("REVERSE", -33), ("REVERSE", -33), ("REVERSE", -1)],
    )
    assert (await standing(member))["growth"] == 0
    deltas = await GrowthRecord.filter(member_id=member.member_id).values_list("delta", flat=True)
    assert sorted(deltas) == [-33, -33, -32, -1, 99]


async def test_points_already_spent_are_written_off_and_the_balance_stays_at_zero(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    finance = await api.staff(StaffRole.HQ_FINANCE)
    member = await api.member()
    order = await completed_order(api, member, operator, 20000)  # 200 points
    await place_ok(member.client, delivery((await sku(1000), 1), points=200 - 150))
    await points.adjust(points.Adjustment(member.member_id, -150, "兑换礼品", "staff:1"))

    await refund(api, member, finance, order, 20000)

    balance, history = await points_history(member)
    assert balance == 0
    assert history[-1] == ("REVERSE", 0)
    assert await PointsLot.filter(member_id=member.member_id, remaining__lt=0).count() == 0


async def test_a_refund_before_completion_earns_on_what_is_left(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    finance = await api.staff(StaffRole.HQ_FINANCE)
    member = await api.member()
    order = await paid_order(api, member, [(await sku(20000), 1)])
    await refund(api, member, finance, order, 5000)

    await ship_and_confirm(operator, member, order)
    await refund(api, member, finance, order, 15000)

    assert await points_history(member) == (0, [("EARN", 150), ("REVERSE", -150)])
    assert (await standing(member))["growth"] == 0


async def test_the_tier_drops_after_a_refund(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    finance = await api.staff(StaffRole.HQ_FINANCE)
    member = await api.member()
    await set_growth(member.member_id, 900)
    order = await completed_order(api, member, operator, 20000)
    assert (await standing(member))["tier"] == {"code": "V1"}

    await refund(api, member, finance, order, 20000)

    assert (await standing(member))["tier"] == {"code": "V0"}
    assert (await standing(member))["growth"] == 900


async def test_points_earned_use_the_tier_multiplier_at_completion(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    await set_growth(member.member_id, 5000)  # V2: × 1.5, keeps 9500

    await completed_order(api, member, operator, 10000)

    # paid 9500 → growth 95, points floor(95 × 1.5) = 142
    assert await points_history(member) == (142, [("EARN", 142)])


async def test_the_expire_points_job_writes_off_lots_past_expiry_once(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    await give_points(operator, member, 300)
    later = clock.now() + timedelta(days=365, seconds=1)

    first = await run_job("expire-points", later)
    second = await run_job("expire-points", later)

    assert (first, second) == (300, 0)
    assert await points_history(member) == (0, [("ADJUST", 300), ("EXPIRE", -300)])
    assert await lots_of(member.member_id) == [("ADJUST", 300, 0, 300)]


async def test_points_returned_to_an_expired_lot_stay_expired(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    await give_points(operator, member, 1000)
    start = clock.now()
    order = await place_ok(member.client, delivery((await sku(5000), 1), points=400))

    with clock.frozen_at(start + timedelta(days=366)):  # tokens have expired by then
        await run_job("expire-points")
        cancelled = await lifecycle.cancel(await Order.get(id=order_pk(order)), "MEMBER")

    assert cancelled.status == "CANCELLED"
    assert await points_history(member) == (
        0,
        [("ADJUST", 1000), ("SPEND", -400), ("EXPIRE", -600), ("RETURN", 400), ("EXPIRE", -400)],
    )
    assert await lots_of(member.member_id) == [("ADJUST", 1000, 0, 1000)]


async def test_adjusting_below_the_balance_is_refused_and_nothing_changes(api):
    admin = await api.staff(StaffRole.HQ_ADMIN)
    member = await api.member()
    await give_points(admin, member, 100)

    result = await admin.client.data(
        ADJUST, {"member": member.global_id, "amount": -101, "reason": "扣减"}
    )
    no_reason = await admin.client.data(
        ADJUST, {"member": member.global_id, "amount": 5, "reason": " "}
    )

    assert result["adjustPoints"] == {
        "balance": None,
        "errors": [{"code": "INSUFFICIENT_POINTS", "field": "amount"}],
    }
    assert no_reason["adjustPoints"]["errors"] == [{"code": "REQUIRED", "field": "reason"}]
    assert await points_history(member) == (100, [("ADJUST", 100)])


@pytest.mark.parametrize("role", [StaffRole.STORE_MANAGER, StaffRole.GUIDE])
async def test_only_hq_adjusts_points(api, role):
    staff = await api.staff(role)
    member = await api.member()

    body = await staff.client.gql(
        ADJUST, {"member": member.global_id, "amount": 100, "reason": "x"}
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await PointsLot.all().count() == 0


async def test_the_review_window_counts_only_recent_growth(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    start = clock.now()
    old = await completed_order(api, member, operator, 100000)  # growth 1000: V1
    await GrowthRecord.filter(order_id=order_pk(old)).update(earned_at=start - timedelta(days=200))
    await completed_order(api, member, operator, 20000)  # growth 196 at V1 prices
    assert (await standing(member))["tier"] == {"code": "V1"}

    await update_settings([("tier.review_months", "6")], "test")
    changed = await run_job("review-tiers", start)

    assert changed == 1
    assert await standing(member) == {
        "tier": {"code": "V0"},
        "growth": 1196,
        "tierGrowth": 196,
        "nextTier": {"code": "V1", "thresholdGrowth": 1000},
        "growthToNextTier": 804,
    }


async def test_hq_edits_a_tier_and_members_are_retiered(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    await set_growth(member.member_id, 800)
    tiers = (await operator.client.data(TIERS))["tiers"]["edges"]
    v1 = tiers[1]["node"]

    moved = await operator.client.data(
        UPDATE_TIER, {"id": v1["id"], "input": {"thresholdGrowth": 500, "name": "银卡会员"}}
    )
    crossing = await operator.client.data(
        UPDATE_TIER, {"id": v1["id"], "input": {"thresholdGrowth": 5000}}
    )

    assert [t["node"]["code"] for t in tiers] == ["V0", "V1", "V2", "V3"]
    assert moved["updateTier"] == {
        "tier": {"code": "V1", "name": "银卡会员", "thresholdGrowth": 500},
        "errors": [],
    }
    assert crossing["updateTier"]["errors"] == [
        {"code": "OUT_OF_RANGE", "field": "input.thresholdGrowth"}
    ]
    assert (await Tier.get(code="V1")).threshold_growth == 500
    assert (
        await MemberLoyalty.get(member_id=member.member_id).select_related("tier")
    ).tier.code == "V1"


@pytest.mark.parametrize("role", [StaffRole.HQ_FINANCE, StaffRole.STORE_MANAGER, StaffRole.GUIDE])
async def test_only_hq_operators_and_admins_edit_tiers(api, role):
    staff = await api.staff(role)
    v1 = await Tier.get(code="V1")

    body = await staff.client.gql(
        UPDATE_TIER,
        {"id": to_global_id("Tier", v1.id), "input": {"name": "x"}},
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await Tier.get(code="V1")).name == "银卡"


MEMBERS_LOYALTY = """
query($n: Int) {
  members(first: $n) { edges { node { id loyalty { tier { code } growth pointsBalance } } } }
}
"""


async def test_staff_see_each_members_tier_growth_and_points_in_constant_statements(api):
    admin = await api.staff(StaffRole.HQ_ADMIN)
    silver = await api.member()
    await set_growth(silver.member_id, 1200)
    await give_points(admin, silver, 300)
    newcomer = await api.member()
    for _ in range(8):
        await api.member()

    counts = []
    for size in (2, 10):
        with count_statements() as log:
            data = await admin.client.data(MEMBERS_LOYALTY, {"n": size})
        counts.append(log.count)
    shown = {e["node"]["id"]: e["node"]["loyalty"] for e in data["members"]["edges"]}

    assert shown[silver.global_id] == {"tier": {"code": "V1"}, "growth": 1200, "pointsBalance": 300}
    assert shown[newcomer.global_id] == {"tier": {"code": "V0"}, "growth": 0, "pointsBalance": 0}
    # token check, the page, loyalty rows with tiers, the lowest tier, the balances
    assert counts == [5, 5]

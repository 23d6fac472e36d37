"""Issue 5's worked example through HTTP: a V1 member with 5000 points and an AMOUNT_OFF 2000
above 10000 coupon buys SKU A 19900 × 1 and SKU B 5900 × 2, then gets SKU B's item fully
refunded after the order completed."""

from api.graphql.ids import from_global_id
from domain.org.models import StaffRole
from loyalty.models import PointsLot
from tests.support.commission import refund, ship_and_confirm, sku
from tests.support.loyalty import (
    amount_off,
    claimed,
    coupon_state,
    give_points,
    lots_of,
    points_history,
    set_growth,
    standing,
    template,
)
from tests.support.orders import PREVIEW, delivery, pay, place_ok


async def test_the_loyalty_worked_example(api):
    # given a V1 member (growth 1000) with 5000 points and a claimed 满100减20 coupon
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    finance = await api.staff(StaffRole.HQ_FINANCE)
    member = await api.member()
    await set_growth(member.member_id, 1000)
    await give_points(operator, member, 5000)
    coupon = await claimed(member, await template(operator, amount_off(2000, 10000)))
    sku_a, sku_b = await sku(19900), await sku(5900)
    cart = delivery((sku_a, 1), (sku_b, 2), couponId=coupon, points=5000)

    # when the member previews, then places the order
    preview = (await member.client.data(PREVIEW, {"input": cart}))["checkoutPreview"]
    order = await place_ok(member.client, cart)

    # then: tier 398 + 236, coupon 1256 + 744, points 3139 + 1861, free shipping, 24066
    assert preview["errors"] == []
    assert preview["preview"]["payable"]["fen"] == order["payable"]["fen"] == 24066
    assert [line["paid"]["fen"] for line in preview["preview"]["lines"]] == [15107, 8959]
    assert (
        order["goods"]["fen"],
        order["tierDiscount"]["fen"],
        order["couponDiscount"]["fen"],
        order["pointsUsed"],
        order["shipping"]["fen"],
    ) == (31700, 634, 2000, 5000, 0)
    assert [(i["amount"]["fen"], i["paid"]["fen"]) for i in order["items"]] == [
        (19900, 15107),
        (11800, 8959),
    ]
    assert await coupon_state(coupon) == ("LOCKED", from_global_id(order["id"], "Order"))
    assert (await points_history(member))[0] == 0

    # when it is paid, shipped and received
    await pay(api, member.client, order)
    assert (await coupon_state(coupon))[0] == "USED"
    await ship_and_confirm(operator, member, order)

    # then growth +151 +89 and points 181 + 106 (× 1.2, V1 at completion)
    assert await standing(member) == {
        "tier": {"code": "V1"},
        "growth": 1240,
        "tierGrowth": 1240,
        "nextTier": {"code": "V2", "thresholdGrowth": 5000},
        "growthToNextTier": 3760,
    }
    assert await points_history(member) == (
        287,
        [("ADJUST", 5000), ("SPEND", -5000), ("EARN", 181), ("EARN", 106)],
    )

    # when SKU B's item is refunded in full
    await refund(api, member, finance, order, 8959, line=1)

    # then 1861 points go back to the lot they came from, 106 are reversed, growth −89
    assert await points_history(member) == (
        2042,
        [
            ("ADJUST", 5000),
            ("SPEND", -5000),
            ("EARN", 181),
            ("EARN", 106),
            ("RETURN", 1861),
            ("REVERSE", -106),
        ],
    )
    assert await lots_of(member.member_id) == [
        ("ADJUST", 5000, 1861, 0),
        ("EARN", 181, 181, 0),
        ("EARN", 106, 0, 0),
    ]
    assert (await standing(member))["growth"] == 1151
    assert (await standing(member))["tier"] == {"code": "V1"}
    assert (await coupon_state(coupon))[0] == "USED"
    assert await PointsLot.filter(member_id=member.member_id).count() == 3

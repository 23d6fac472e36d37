"""Coupons and points at checkout (SPEC 8.2, 8.3): bad input is a UserError that changes
nothing, placement locks what preview priced, and cancelling an unpaid order releases both."""

from datetime import timedelta

from api.graphql.ids import to_global_id
from api.jobs import run_job
from domain import clock
from domain.catalog.models import Sku
from domain.orders.models import Order
from domain.org.models import StaffRole
from loyalty.models import Coupon, CouponStatus
from tests.support.catalog import make_category, make_product
from tests.support.commission import sku
from tests.support.loyalty import (
    amount_off,
    claimed,
    coupon_state,
    give_points,
    loyalty_snapshot,
    points_history,
    set_growth,
    template,
)
from tests.support.orders import PREVIEW, delivery, order_pk, place, place_ok

CANCEL = "mutation($id: ID!) { cancelOrder(orderId: $id) { errors { code field } } }"


async def preview_errors(member, cart) -> list[tuple[str, str]]:
    result = (await member.client.data(PREVIEW, {"input": cart}))["checkoutPreview"]
    return [(e["code"], e["field"]) for e in result["errors"]]


async def refused(member, cart) -> list[tuple[str, str]]:
    result = await place(member.client, cart)
    assert result["order"] is None
    return [(e["code"], e["field"]) for e in result["errors"]]


async def test_a_coupon_below_its_threshold_is_refused_and_nothing_changes(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    coupon = await claimed(member, await template(operator, amount_off(2000, 10000)))
    cheap = await sku(9900)
    before = await loyalty_snapshot(member.member_id)
    cart = delivery((cheap, 1), couponId=coupon)

    assert await preview_errors(member, cart) == [("COUPON_THRESHOLD_NOT_MET", "input.couponId")]
    assert await refused(member, cart) == [("COUPON_THRESHOLD_NOT_MET", "input.couponId")]
    assert await loyalty_snapshot(member.member_id) == before
    assert await Order.all().count() == 0
    assert (await Sku.get(id=cheap.id)).stock == 100


async def test_threshold_counts_goods_after_tier_discount(api):
    # 10000 at V1 keeps 9800: below a 10000 threshold
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    await set_growth(member.member_id, 1000)
    coupon = await claimed(member, await template(operator, amount_off(500, 10000)))

    cart = delivery((await sku(10000), 1), couponId=coupon)

    assert await preview_errors(member, cart) == [("COUPON_THRESHOLD_NOT_MET", "input.couponId")]


async def test_someone_elses_or_a_used_coupon_is_refused(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    owner, other = await api.member(), await api.member()
    coupon = await claimed(owner, await template(operator, amount_off(500, 0)))
    item = await sku(9900)

    assert await refused(other, delivery((item, 1), couponId=coupon)) == [
        ("NOT_FOUND", "input.couponId")
    ]
    await place_ok(owner.client, delivery((item, 1), couponId=coupon))
    before = await loyalty_snapshot(owner.member_id)
    assert await refused(owner, delivery((item, 1), couponId=coupon)) == [
        ("COUPON_UNAVAILABLE", "input.couponId")
    ]
    assert await loyalty_snapshot(owner.member_id) == before
    assert await Order.all().count() == 1


async def test_a_coupon_scoped_to_products_covers_only_them(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    category = await make_category()
    covered = await make_product(category, (6000,))
    other = await make_product(category, (4000,))
    scoped = amount_off(
        1000, 5000, scope="PRODUCTS", scopeIds=[to_global_id("Product", covered.id)]
    )
    coupon = await claimed(member, await template(operator, scoped))
    cart = delivery(
        (await Sku.get(product_id=covered.id), 1),
        (await Sku.get(product_id=other.id), 1),
        couponId=coupon,
    )

    order = await place_ok(member.client, cart)

    assert [i["paid"]["fen"] for i in order["items"]] == [5000, 4000]
    assert order["shipping"]["fen"] == 1000  # 9000 after discounts is below 9900


async def test_a_percent_off_coupon_is_capped(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    spec = {**amount_off(0, 0), "kind": "PERCENT_OFF", "percentOffBp": 2000, "capFen": 3000}
    coupon = await claimed(member, await template(operator, spec))

    order = await place_ok(member.client, delivery((await sku(19900), 1), couponId=coupon))

    assert order["couponDiscount"]["fen"] == 3000


async def test_a_free_shipping_coupon_waives_shipping(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    spec = {**amount_off(0, 0), "kind": "FREE_SHIPPING"}
    coupon = await claimed(member, await template(operator, spec))
    item = await sku(5000)

    without = await place_ok(member.client, delivery((item, 1)))
    with_coupon = await place_ok(member.client, delivery((item, 1), couponId=coupon))

    assert (without["shipping"]["fen"], with_coupon["shipping"]["fen"]) == (1000, 0)
    assert (without["payable"]["fen"], with_coupon["payable"]["fen"]) == (6000, 5000)


async def test_gold_tier_ships_free(api):
    member = await api.member()
    await set_growth(member.member_id, 5000)

    order = await place_ok(member.client, delivery((await sku(5000), 1)))

    assert (order["tierDiscount"]["fen"], order["shipping"]["fen"]) == (250, 0)


async def test_points_beyond_the_balance_or_the_cap_are_refused_and_nothing_changes(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    await give_points(operator, member, 3000)
    item = await sku(5000)
    before = await loyalty_snapshot(member.member_id)

    # the cap is 50% of 5000 = 2500; the balance is 3000
    assert await refused(member, delivery((item, 1), points=2501)) == [
        ("POINTS_OVER_LIMIT", "input.points")
    ]
    assert await refused(member, delivery((item, 2), points=3001)) == [
        ("INSUFFICIENT_POINTS", "input.points")
    ]
    assert await loyalty_snapshot(member.member_id) == before
    assert await Order.all().count() == 0
    preview = await member.client.data(PREVIEW, {"input": delivery((item, 1))})
    assert preview["checkoutPreview"]["preview"]["pointsUsed"] == 0


async def test_cancelling_an_unpaid_order_releases_its_coupon_and_points(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    await give_points(operator, member, 1000)
    coupon = await claimed(member, await template(operator, amount_off(500, 0)))
    order = await place_ok(
        member.client, delivery((await sku(9900), 1), couponId=coupon, points=800)
    )
    assert await points_history(member) == (200, [("ADJUST", 1000), ("SPEND", -800)])

    cancelled = (await member.client.data(CANCEL, {"id": order["id"]}))["cancelOrder"]

    assert cancelled["errors"] == []
    assert await coupon_state(coupon) == ("AVAILABLE", None)
    assert await points_history(member) == (
        1000,
        [("ADJUST", 1000), ("SPEND", -800), ("RETURN", 800)],
    )


async def test_a_timed_out_order_past_the_coupons_validity_expires_it(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    start = clock.now()
    spec = amount_off(
        500,
        0,
        validDays=None,
        validFrom=(start - timedelta(days=1)).isoformat(),
        validUntil=(start + timedelta(minutes=10)).isoformat(),
    )
    coupon = await claimed(member, await template(operator, spec))
    order = await place_ok(member.client, delivery((await sku(9900), 1), couponId=coupon))

    cancelled = await run_job("cancel-unpaid", start + timedelta(minutes=31))

    assert cancelled == 1
    assert await coupon_state(coupon) == ("EXPIRED", None)
    assert (await Order.get(id=order_pk(order))).status == "CANCELLED"


async def test_the_expire_coupons_job_expires_only_available_coupons_past_validity(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    first = await template(operator, amount_off(500, 0, perMemberLimit=2, validDays=3))
    kept, locked = await claimed(member, first), await claimed(member, first)
    await place_ok(member.client, delivery((await sku(9900), 1), couponId=locked))
    later = clock.now() + timedelta(days=3, seconds=1)

    assert await run_job("expire-coupons", later) == 1
    assert await run_job("expire-coupons", later) == 0
    assert await coupon_state(kept) == ("EXPIRED", None)
    assert (await coupon_state(locked))[0] == "LOCKED"
    assert await Coupon.filter(status=CouponStatus.EXPIRED).count() == 1

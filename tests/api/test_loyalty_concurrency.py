"""Coupons and points under real concurrency on PostgreSQL, from two OS processes (SPEC 9.2,
9.3): the template's stock and the per-member limit hold however many claims race, one coupon
locks for one order, and orders racing for the same points never overdraw them."""

from api.graphql.ids import from_global_id
from domain.org.models import StaffRole
from loyalty import points
from loyalty.models import Coupon, CouponStatus, CouponTemplate, PointsSpend
from tests.support.commission import sku
from tests.support.loyalty import CLAIM, amount_off, claimed, give_points, template
from tests.support.orders import PLACE, delivery
from tests.support.racing import race, require_postgres


def claim_request(member, template_id: str) -> dict:
    return {
        "path": "/graphql",
        "token": member.client.token,
        "json": {"query": CLAIM, "variables": {"id": template_id}},
    }


def outcomes(results: list[dict]) -> list[str]:
    answers = [r["body"]["data"]["claimCoupon"] for r in results]
    return sorted("OK" if a["coupon"] else a["errors"][0]["code"] for a in answers)


async def test_30_members_claiming_the_last_10_coupons_get_exactly_10(
    api, backend, postgres_database_url
):
    require_postgres(backend)
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    template_id = await template(operator, amount_off(500, 0, totalStock=10))
    members = [await api.member() for _ in range(30)]
    requests = [claim_request(m, template_id) for m in members]

    results = await race(postgres_database_url, [requests[:15], requests[15:]])

    assert outcomes(results) == ["COUPON_OUT_OF_STOCK"] * 20 + ["OK"] * 10
    pk = from_global_id(template_id, "CouponTemplate")
    assert await Coupon.filter(template_id=pk).count() == 10
    assert (await CouponTemplate.get(id=pk)).stock_left == 0


async def test_one_member_claiming_5_times_at_once_with_limit_1_gets_one(
    api, backend, postgres_database_url
):
    require_postgres(backend)
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    template_id = await template(operator, amount_off(500, 0, totalStock=100))
    member = await api.member()
    request = claim_request(member, template_id)

    results = await race(postgres_database_url, [[request] * 3, [request] * 2])

    assert outcomes(results) == ["COUPON_LIMIT_REACHED"] * 4 + ["OK"]
    pk = from_global_id(template_id, "CouponTemplate")
    assert await Coupon.filter(template_id=pk, member_id=member.member_id).count() == 1
    assert (await CouponTemplate.get(id=pk)).stock_left == 99


def place_request(member, cart: dict, key: str) -> dict:
    return {
        "path": "/graphql",
        "token": member.client.token,
        "json": {"query": PLACE, "variables": {"input": cart, "key": key}},
    }


def placed(results: list[dict]) -> list[str]:
    answers = [r["body"]["data"]["placeOrder"] for r in results]
    return sorted("OK" if a["order"] else a["errors"][0]["code"] for a in answers)


async def test_ten_orders_racing_for_one_coupon_lock_it_once(api, backend, postgres_database_url):
    require_postgres(backend)
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    coupon = await claimed(member, await template(operator, amount_off(500, 0)))
    cart = delivery((await sku(9900), 1), couponId=coupon)
    requests = [place_request(member, cart, f"coupon-race-{n}") for n in range(10)]

    results = await race(postgres_database_url, [requests[:5], requests[5:]])

    assert placed(results) == ["COUPON_UNAVAILABLE"] * 9 + ["OK"]
    locked = await Coupon.get(id=from_global_id(coupon, "Coupon"))
    assert locked.status == CouponStatus.LOCKED and locked.order_id is not None


async def test_ten_orders_racing_for_1000_points_spend_at_most_1000(
    api, backend, postgres_database_url
):
    require_postgres(backend)
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    await give_points(operator, member, 1000)
    cart = delivery((await sku(9900), 1), points=300)
    requests = [place_request(member, cart, f"points-race-{n}") for n in range(10)]

    results = await race(postgres_database_url, [requests[:5], requests[5:]])

    assert placed(results) == ["INSUFFICIENT_POINTS"] * 7 + ["OK"] * 3
    assert await points.balance(member.member_id) == 100
    assert sum(await PointsSpend.all().values_list("amount", flat=True)) == 900

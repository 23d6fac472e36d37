"""Coupon claims under real concurrency on PostgreSQL, from two OS processes (SPEC 9.3): the
template's stock and the per-member limit hold however many claims race."""

from api.graphql.ids import from_global_id
from domain.org.models import StaffRole
from loyalty.models import Coupon, CouponTemplate
from tests.support.loyalty import CLAIM, amount_off, template
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

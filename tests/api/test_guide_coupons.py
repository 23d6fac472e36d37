"""Guide coupons (SPEC 22, issue 17 item 4): HQ allows templates with a monthly quota per guide;
a guide issues to their own customers through the ordinary grant (stock and per-member limit
hold), the coupon remembers the guide, its use shows in the guide's figures, and the quota holds
under parallel requests on PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest

from api.graphql.ids import from_global_id, to_global_id
from domain.events import MemberMerged
from domain.org.models import StaffRole
from loyalty.models import Coupon, CouponSource, CouponTemplate
from loyalty.workbench.guide_coupons import on_member_merged, quota_month
from loyalty.workbench.models import GuideCoupon, GuideCouponQuota
from loyalty.workbench.tasks import today
from tests.support.api import make_store
from tests.support.commission import sku
from tests.support.loyalty import amount_off, template
from tests.support.orders import delivery, pay, place_ok
from tests.support.racing import race, require_postgres
from tests.support.workbench import customer, serve

QUOTA = """
mutation($t: ID!, $q: Int!) {
  setGuideCouponQuota(templateId: $t, monthlyQuota: $q) { monthlyQuota errors { code field } }
}
"""
ISSUE = """
mutation($t: ID!, $m: ID!) {
  issueGuideCoupon(templateId: $t, memberId: $m) {
    coupon { id source status template { id } } errors { code field }
  }
}
"""
TEMPLATES = """
{ guideCouponTemplates { template { id } monthlyQuota issuedThisMonth leftThisMonth } }
"""
FIGURES = """
query($from: Date!, $to: Date!) {
  guideCouponFigures(from: $from, to: $to) { guideId issued used }
}
"""


@pytest.fixture
async def setup(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    other = await api.staff(StaffRole.GUIDE, store)
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    template_id = await template(operator, amount_off(1000, 5000, public=False))
    allowed = await operator.client.data(QUOTA, {"t": template_id, "q": 2})
    assert allowed["setGuideCouponQuota"] == {"monthlyQuota": 2, "errors": []}
    return {
        "store": store,
        "guide": guide,
        "other": other,
        "operator": operator,
        "template": template_id,
        "mine": [await customer(store, guide.staff.id) for _ in range(3)],
        "theirs": await customer(store, other.staff.id),
    }


def member(member_id: int) -> str:
    return to_global_id("Member", member_id)


async def issue(session, template_id: str, member_id: int) -> dict:
    return (await session.client.data(ISSUE, {"t": template_id, "m": member(member_id)}))[
        "issueGuideCoupon"
    ]


async def state(template_id: str) -> tuple[int, int, int, list[int]]:
    """Coupons, stock left, the guide's quota counters, and the guides remembered."""
    pk = from_global_id(template_id, "CouponTemplate")
    return (
        await Coupon.filter(template_id=pk).count(),
        (await CouponTemplate.get(id=pk)).stock_left,
        sum(await GuideCouponQuota.all().values_list("issued", flat=True)),
        sorted(await GuideCoupon.all().values_list("guide_id", flat=True)),
    )


async def test_a_guide_issues_to_their_customer_and_the_coupon_remembers_them(setup):
    guide = setup["guide"]

    issued = await issue(guide, setup["template"], setup["mine"][0])
    listed = await guide.client.data(TEMPLATES)

    assert issued["errors"] == []
    assert (issued["coupon"]["source"], issued["coupon"]["status"]) == ("GUIDE", "AVAILABLE")
    coupon = await Coupon.get(id=from_global_id(issued["coupon"]["id"], "Coupon"))
    assert (coupon.member_id, coupon.source) == (setup["mine"][0], CouponSource.GUIDE)
    remembered = await GuideCoupon.get(coupon_id=coupon.id)
    assert (remembered.guide_id, remembered.store_id) == (guide.staff.id, setup["store"].id)
    assert listed["guideCouponTemplates"] == [
        {
            "template": {"id": setup["template"]},
            "monthlyQuota": 2,
            "issuedThisMonth": 1,
            "leftThisMonth": 1,
        }
    ]
    assert await state(setup["template"]) == (1, 99, 1, [guide.staff.id])


async def test_beyond_the_monthly_quota_is_a_clear_error_and_changes_nothing(setup):
    guide = setup["guide"]
    for member_id in setup["mine"][:2]:
        assert (await issue(guide, setup["template"], member_id))["errors"] == []
    before = await state(setup["template"])

    refused = await issue(guide, setup["template"], setup["mine"][2])

    assert refused == {
        "coupon": None,
        "errors": [{"code": "GUIDE_COUPON_QUOTA_REACHED", "field": "templateId"}],
    }
    assert before == await state(setup["template"]) == (2, 98, 2, [guide.staff.id] * 2)


async def test_the_quota_is_per_guide(setup):
    for member_id in setup["mine"][:2]:
        await issue(setup["guide"], setup["template"], member_id)

    theirs = await issue(setup["other"], setup["template"], setup["theirs"])

    assert theirs["errors"] == []


async def test_another_guides_customer_is_not_found_exactly_like_a_missing_member(setup):
    guide = setup["guide"]

    theirs = await issue(guide, setup["template"], setup["theirs"])
    missing = await issue(guide, setup["template"], 999_999)

    assert (
        theirs
        == missing
        == {
            "coupon": None,
            "errors": [{"code": "NOT_FOUND", "field": "memberId"}],
        }
    )
    assert await state(setup["template"]) == (0, 100, 0, [])


async def test_a_template_guides_may_not_issue_is_not_found(setup):
    other_template = await template(setup["operator"], amount_off(500, 0, public=False))

    refused = await issue(setup["guide"], other_template, setup["mine"][0])

    assert refused["errors"] == [{"code": "NOT_FOUND", "field": "templateId"}]
    assert await Coupon.all().count() == 0


async def test_the_per_member_limit_applies_and_uses_no_quota(setup):
    guide = setup["guide"]
    await issue(guide, setup["template"], setup["mine"][0])

    again = await issue(guide, setup["template"], setup["mine"][0])

    assert again["errors"] == [{"code": "COUPON_LIMIT_REACHED", "field": "templateId"}]
    assert await state(setup["template"]) == (1, 99, 1, [guide.staff.id])


async def test_the_template_stock_applies_and_uses_no_quota(setup):
    operator, guide = setup["operator"], setup["guide"]
    scarce = await template(operator, amount_off(500, 0, public=False, totalStock=1))
    await operator.client.data(QUOTA, {"t": scarce, "q": 5})
    await issue(guide, scarce, setup["mine"][0])

    refused = await issue(guide, scarce, setup["mine"][1])

    assert refused["errors"] == [{"code": "COUPON_OUT_OF_STOCK", "field": "templateId"}]
    assert await state(scarce) == (1, 0, 1, [guide.staff.id])


async def test_a_quota_of_zero_takes_the_template_back(setup):
    await setup["operator"].client.data(QUOTA, {"t": setup["template"], "q": 0})

    listed = await setup["guide"].client.data(TEMPLATES)
    refused = await issue(setup["guide"], setup["template"], setup["mine"][0])

    assert listed["guideCouponTemplates"] == []
    assert refused["errors"] == [{"code": "NOT_FOUND", "field": "templateId"}]


@pytest.mark.parametrize("quota", [-1, 100_001])
async def test_a_quota_out_of_range_is_refused(setup, quota):
    refused = await setup["operator"].client.data(QUOTA, {"t": setup["template"], "q": quota})

    assert refused["setGuideCouponQuota"]["errors"] == [
        {"code": "OUT_OF_RANGE", "field": "monthlyQuota"}
    ]


def test_the_quota_month_is_the_shanghai_month():
    assert quota_month(datetime(2026, 1, 31, 15, 59, tzinfo=UTC)) == "2026-01"
    assert quota_month(datetime(2026, 1, 31, 16, 0, tzinfo=UTC)) == "2026-02"


async def test_last_months_issues_do_not_count_against_this_month(setup):
    guide = setup["guide"]
    last_month = quota_month(datetime.now(UTC) - timedelta(days=40))
    await GuideCouponQuota.create(
        guide_id=guide.staff.id,
        template_id=from_global_id(setup["template"], "CouponTemplate"),
        month=last_month,
        issued=2,
    )

    issued = await issue(guide, setup["template"], setup["mine"][0])

    assert issued["errors"] == []


async def test_a_guide_coupon_used_in_a_paid_order_shows_in_the_guides_figures(api, setup):
    guide = setup["guide"]
    buyer = await api.member()
    await serve(buyer.member_id, setup["store"], guide.staff.id)
    coupon_id = (await issue(guide, setup["template"], buyer.member_id))["coupon"]["id"]
    await issue(guide, setup["template"], setup["mine"][0])
    item = await sku(9900)

    order = await place_ok(buyer.client, delivery((item, 1), couponId=coupon_id))
    await pay(api, buyer.client, order)
    manager = await api.staff(StaffRole.STORE_MANAGER, setup["store"])
    period = {"from": today().isoformat(), "to": today().isoformat()}
    figures = await manager.client.data(FIGURES, period)
    own = await setup["other"].client.data(FIGURES, period)

    assert order["couponDiscount"] == {"fen": 1000}
    assert figures["guideCouponFigures"] == [
        {"guideId": to_global_id("Staff", guide.staff.id), "issued": 2, "used": 1}
    ]
    assert own["guideCouponFigures"] == []


async def test_parallel_issues_never_pass_the_quota(api, setup, backend, postgres_database_url):
    require_postgres(backend)
    guide = setup["guide"]
    customers = [await customer(setup["store"], guide.staff.id) for _ in range(12)]
    requests = [
        {
            "path": "/admin/graphql",
            "token": guide.client.token,
            "json": {"query": ISSUE, "variables": {"t": setup["template"], "m": member(m)}},
        }
        for m in customers
    ]

    answers = await race(postgres_database_url, [requests[i::3] for i in range(3)])

    codes = sorted(
        (a["body"]["data"]["issueGuideCoupon"]["errors"] or [{"code": "OK"}])[0]["code"]
        for a in answers
    )
    assert codes == ["GUIDE_COUPON_QUOTA_REACHED"] * 10 + ["OK"] * 2
    assert await state(setup["template"]) == (2, 98, 2, [guide.staff.id] * 2)


async def test_a_guide_coupon_follows_a_merged_member(setup):
    absorbed, survivor = setup["mine"][0], setup["mine"][1]
    await issue(setup["guide"], setup["template"], absorbed)

    await on_member_merged(MemberMerged(survivor, absorbed, {}))

    assert await GuideCoupon.all().values_list("member_id", flat=True) == [survivor]

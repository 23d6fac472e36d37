"""Coupons (SPEC 9.3): templates by HQ, claims within stock and per-member limit, issuing to
members, the welcome and new-customer coupons, and who may manage them."""

from datetime import timedelta

import pytest

from api.graphql.ids import from_global_id, to_global_id
from distribution import links
from distribution.models import ShareChannel, ShareTarget
from domain import clock
from domain.org.models import StaffRole
from domain.settings.service import update_settings
from loyalty.models import Coupon, CouponSource, CouponTemplate
from tests.api.test_audience_admin import CREATE_SEGMENT
from tests.api.test_binding_rules import VISIT, make_distributor
from tests.support.audience import member_with_orders, new_member
from tests.support.loyalty import (
    CLAIM,
    CREATE_TEMPLATE,
    amount_off,
    claimed,
    loyalty_snapshot,
    template,
)
from tests.support.sql import count_statements

CLAIMABLE = "{ claimableCoupons { edges { node { id name stockLeft } } } }"
MY_COUPONS = """
query($status: CouponStatus) {
  myCoupons(status: $status) { edges { node { status source template { name } } } totalCount }
}
"""
ISSUE = """
mutation($template: ID!, $members: [ID!]!) {
  issueCoupons(templateId: $template, memberIds: $members) { issued skipped errors { code field } }
}
"""
UPDATE = """
mutation($id: ID!, $input: CouponTemplateInput!) {
  updateCouponTemplate(id: $id, input: $input) {
    template { totalStock stockLeft } errors { code field }
  }
}
"""


async def claim_errors(member, template_id: str) -> list[tuple[str, str]]:
    result = (await member.client.data(CLAIM, {"id": template_id}))["claimCoupon"]
    return [(e["code"], e["field"]) for e in result["errors"]]


async def test_public_templates_with_stock_are_claimable(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    public = await template(operator, amount_off(500, 0, totalStock=1))
    await template(operator, amount_off(500, 0, public=False))
    member = await api.member()

    listed = (await api.shop().data(CLAIMABLE))["claimableCoupons"]["edges"]
    await claimed(member, public)

    assert [e["node"]["id"] for e in listed] == [public]
    assert (await api.shop().data(CLAIMABLE))["claimableCoupons"]["edges"] == []
    mine = (await member.client.data(MY_COUPONS, {"status": "AVAILABLE"}))["myCoupons"]
    assert mine["totalCount"] == 1
    assert mine["edges"][0]["node"]["source"] == "CLAIM"


async def test_a_second_claim_beyond_the_limit_is_refused_and_nothing_changes(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    limited = await template(operator, amount_off(500, 0))
    await claimed(member, limited)
    before = await loyalty_snapshot(member.member_id)

    assert await claim_errors(member, limited) == [("COUPON_LIMIT_REACHED", "templateId")]
    assert await loyalty_snapshot(member.member_id) == before


async def test_a_claim_with_no_stock_left_is_refused_and_nothing_changes(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    first, second = await api.member(), await api.member()
    last_one = await template(operator, amount_off(500, 0, totalStock=1))
    await claimed(first, last_one)
    before = await loyalty_snapshot(second.member_id)

    assert await claim_errors(second, last_one) == [("COUPON_OUT_OF_STOCK", "templateId")]
    assert await loyalty_snapshot(second.member_id) == before
    assert await Coupon.all().count() == 1


async def test_a_private_template_cannot_be_claimed(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    private = await template(operator, amount_off(500, 0, public=False))

    assert await claim_errors(member, private) == [("NOT_FOUND", "templateId")]
    assert await Coupon.all().count() == 0


async def test_a_fixed_window_gives_the_windows_validity_and_days_count_from_the_claim(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    start = clock.now()
    until = start + timedelta(days=7)
    window = amount_off(
        500, 0, validDays=None, validFrom=start.isoformat(), validUntil=until.isoformat()
    )
    fixed = await claimed(member, await template(operator, window))
    relative = await claimed(member, await template(operator, amount_off(500, 0, validDays=3)))

    fixed_row = await Coupon.get(id=from_global_id(fixed, "Coupon"))
    relative_row = await Coupon.get(id=from_global_id(relative, "Coupon"))
    assert fixed_row.valid_until == until
    assert relative_row.valid_until - relative_row.valid_from == timedelta(days=3)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"amountFen": 0}, ("OUT_OF_RANGE", "input.amountFen")),
        ({"validDays": None}, ("INVALID", "input.validDays")),
        ({"perMemberLimit": 0}, ("OUT_OF_RANGE", "input.perMemberLimit")),
        ({"scope": "PRODUCTS", "scopeIds": []}, ("OUT_OF_RANGE", "input.scopeIds")),
        ({"kind": "PERCENT_OFF", "percentOffBp": 10000}, ("OUT_OF_RANGE", "input.percentOffBp")),
    ],
)
async def test_an_invalid_template_is_refused(api, change, error):
    operator = await api.staff(StaffRole.HQ_OPERATOR)

    made = (
        await operator.client.data(CREATE_TEMPLATE, {"input": {**amount_off(500, 0), **change}})
    )["createCouponTemplate"]

    assert made == {"template": None, "errors": [{"code": error[0], "field": error[1]}]}
    assert await CouponTemplate.all().count() == 0


async def test_updating_stock_moves_what_is_left_and_never_below_what_was_granted(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    spec = amount_off(500, 0, totalStock=5)
    template_id = await template(operator, spec)
    await claimed(await api.member(), template_id)
    await claimed(await api.member(), template_id)

    raised = await operator.client.data(
        UPDATE, {"id": template_id, "input": {**spec, "totalStock": 8}}
    )
    lowered = await operator.client.data(
        UPDATE, {"id": template_id, "input": {**spec, "totalStock": 1}}
    )

    assert raised["updateCouponTemplate"] == {
        "template": {"totalStock": 8, "stockLeft": 6},
        "errors": [],
    }
    assert lowered["updateCouponTemplate"]["errors"] == [
        {"code": "OUT_OF_RANGE", "field": "input.totalStock"}
    ]
    saved = await CouponTemplate.get(id=from_global_id(template_id, "CouponTemplate"))
    assert (saved.total_stock, saved.stock_left) == (8, 6)


async def test_issuing_skips_members_at_their_limit_and_stops_at_the_stock(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    members = [await api.member() for _ in range(4)]
    template_id = await template(operator, amount_off(500, 0, totalStock=3, public=False))
    pk = from_global_id(template_id, "CouponTemplate")
    await Coupon.create(
        template_id=pk,
        member_id=members[0].member_id,
        seq=1,
        source=CouponSource.ISSUE,
        valid_from=clock.now(),
        valid_until=clock.now() + timedelta(days=1),
        created_at=clock.now(),
    )

    result = await operator.client.data(
        ISSUE, {"template": template_id, "members": [m.global_id for m in members]}
    )

    assert result["issueCoupons"] == {"issued": 3, "skipped": 1, "errors": []}
    holders = await Coupon.filter(template_id=pk).values_list("member_id", flat=True)
    assert sorted(holders) == sorted(m.member_id for m in members)
    assert (await CouponTemplate.get(id=pk)).stock_left == 0


ISSUE_TO_SEGMENT = """
mutation($template: ID!, $segment: ID, $members: [ID!]) {
  issueCoupons(templateId: $template, segmentId: $segment, memberIds: $members) {
    issued skipped errors { code field }
  }
}
"""


async def test_issuing_to_a_segment_reaches_its_members_only(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    template_id = await template(operator, amount_off(500, 0, public=False))
    repeat = [await member_with_orders(20, 10, now=clock.now()) for _ in range(3)]
    newcomer = await new_member()
    made = await operator.client.data(
        CREATE_SEGMENT, {"n": "复购", "f": {"lifecycles": ["REPEAT"]}}
    )
    segment_id = made["createSegment"]["segment"]["id"]

    result = await operator.client.data(
        ISSUE_TO_SEGMENT, {"template": template_id, "segment": segment_id}
    )

    assert result["issueCoupons"] == {"issued": 3, "skipped": 0, "errors": []}
    holders = await Coupon.all().values_list("member_id", flat=True)
    assert sorted(holders) == sorted(repeat)
    assert newcomer not in holders


async def test_issuing_needs_members_or_a_segment_but_not_both(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    template_id = await template(operator, amount_off(500, 0, public=False))
    member = await api.member()
    segment = to_global_id("Segment", 1)

    neither = await operator.client.data(ISSUE_TO_SEGMENT, {"template": template_id})
    both = await operator.client.data(
        ISSUE_TO_SEGMENT,
        {"template": template_id, "segment": segment, "members": [member.global_id]},
    )
    unknown = await operator.client.data(
        ISSUE_TO_SEGMENT, {"template": template_id, "segment": segment}
    )

    invalid = [{"code": "INVALID", "field": "segmentId"}]
    assert neither["issueCoupons"]["errors"] == invalid
    assert both["issueCoupons"]["errors"] == invalid
    assert unknown["issueCoupons"]["errors"] == [{"code": "NOT_FOUND", "field": "segmentId"}]
    assert await Coupon.all().count() == 0


async def test_issuing_refuses_more_than_100_members(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    template_id = await template(operator, amount_off(500, 0))
    ids = [to_global_id("Member", n) for n in range(1, 102)]

    result = await operator.client.data(ISSUE, {"template": template_id, "members": ids})

    assert result["issueCoupons"]["errors"] == [{"code": "OUT_OF_RANGE", "field": "memberIds"}]
    assert await Coupon.all().count() == 0


async def test_a_new_member_gets_the_welcome_coupon_once(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    template_id = await template(operator, amount_off(1000, 0, public=False))
    await update_settings(
        [("coupon.welcome_template_id", str(from_global_id(template_id, "CouponTemplate")))],
        "test",
    )

    member = await api.member("welcome-1")
    again = await api.member("welcome-1")

    assert again.member_id == member.member_id
    sources = await Coupon.filter(member_id=member.member_id).values_list("source", flat=True)
    assert sources == [CouponSource.WELCOME]


async def test_without_a_welcome_template_nobody_gets_one(api):
    await template(await api.staff(StaffRole.HQ_OPERATOR), amount_off(1000, 0))

    await api.member()

    assert await Coupon.all().count() == 0


async def test_a_referral_binding_gives_the_new_customer_coupon(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    template_id = await template(operator, amount_off(1000, 0, public=False))
    await update_settings(
        [("coupon.new_customer_template_id", str(from_global_id(template_id, "CouponTemplate")))],
        "test",
    )
    referrer = await make_distributor(api)
    link = await links.create_link(referrer, links.LinkRequest(ShareTarget.HOME, ShareChannel.CHAT))
    member = await api.member()

    visited = await member.client.data(VISIT, {"code": link.code})

    assert visited["recordShareVisit"]["outcome"] == "BOUND"
    sources = await Coupon.filter(member_id=member.member_id).values_list("source", flat=True)
    assert sources == [CouponSource.NEW_CUSTOMER]


@pytest.mark.parametrize("role", [StaffRole.HQ_FINANCE, StaffRole.STORE_MANAGER, StaffRole.GUIDE])
async def test_only_hq_operators_and_admins_manage_coupons(api, role):
    staff = await api.staff(role)
    admin = await api.staff(StaffRole.HQ_ADMIN)
    template_id = await template(admin, amount_off(500, 0))
    member = await api.member()

    created = await staff.client.gql(CREATE_TEMPLATE, {"input": amount_off(500, 0)})
    issued = await staff.client.gql(ISSUE, {"template": template_id, "members": [member.global_id]})

    for body in (created, issued):
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await CouponTemplate.all().count() == 1
    assert await Coupon.all().count() == 0


async def test_my_coupons_and_points_run_a_constant_number_of_statements(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    template_id = await template(operator, amount_off(500, 0, perMemberLimit=20))
    for _ in range(20):
        await claimed(member, template_id)
    query = """
    query($first: Int) {
      myCoupons(first: $first) { edges { node { id status template { name } } } }
      myPoints { balance transactions(first: $first) { edges { node { kind delta } } } }
    }
    """
    counts = []
    for size in (1, 10, 20):
        with count_statements() as log:
            data = await member.client.data(query, {"first": size})
        assert len(data["myCoupons"]["edges"]) == size
        counts.append(log.count)

    # the viewer's token check (version and revocation in one) for each of the two root fields,
    # coupons with their templates, the balance, the transactions
    assert counts == [5, 5, 5]

"""One customer's page (SPEC 22, issue 17 item 1): every section with exact contents, the
timeline in order across pages, and statements constant in the page sizes."""

from datetime import timedelta

from api.graphql.ids import to_global_id
from distribution.models import ServiceTouch, ShareVisit
from domain import clock
from domain.orders.models import OrderItem, Refund, RefundStatus
from domain.org.models import StaffRole
from loyalty.audience.models import MemberTag, Tag
from loyalty.models import (
    Coupon,
    CouponKind,
    CouponSource,
    CouponTemplate,
    PointsKind,
    PointsTransaction,
)
from tests.support.api import make_store
from tests.support.audience import paid_order
from tests.support.sql import count_statements

LINK = """
mutation { createShareLink(input: {target: HOME}) { link { code } errors { code } } }
"""
VISIT = "mutation($c: String!) { recordShareVisit(code: $c) { outcome errors { code } } }"
RECORD = """
mutation($m: ID!) { recordFollowUp(input: {memberId: $m, channel: IN_STORE, outcome: REACHED,
  note: "到店试用"}) { errors { code } } }
"""
PAGE = """
query($id: ID!, $n: Int) { customer(id: $id) {
  customer { id guideId member { phone audience { tags { name } } } }
  orders(first: $n) { totalCount edges { node { number items { title quantity } } } }
  refunds(first: $n) { totalCount edges { node { amount { fen } status } } }
  coupons(first: $n) { totalCount edges { node { status template { name } } } }
  points(first: $n) { totalCount edges { node { kind delta } } }
  timeline(first: $n) { totalCount edges { node { kind reason bindingOutcome } } }
  followUps(first: $n) { totalCount edges { node { channel note } } }
} }
"""
TIMELINE = """
query($id: ID!, $n: Int, $a: String) { customer(id: $id) { timeline(first: $n, after: $a) {
  edges { node { kind at } } pageInfo { hasNextPage endCursor } } } }
"""


async def _customer_of(api, guide):
    """A member who became the guide's customer by opening the guide's share link."""
    member = await api.member()
    code = (await guide.client.data(LINK))["createShareLink"]["link"]["code"]
    visited = await member.client.data(VISIT, {"c": code})
    assert visited["recordShareVisit"]["errors"] == []
    return member


async def _history(member_id: int) -> None:
    now = clock.now()
    order = await paid_order(member_id, now - timedelta(days=2), fen=8800)
    item = await OrderItem.get(order_id=order.id)
    await Refund.create(
        order=order, item=item, amount_fen=800, reason="少了一件", status=RefundStatus.REFUNDED,
        out_refund_no="R-page-1", created_at=now,
    )  # fmt: skip
    template = await CouponTemplate.create(
        name="满100减10", kind=CouponKind.AMOUNT_OFF, amount_fen=1000, total_stock=10,
        stock_left=9, created_at=now, updated_at=now,
    )  # fmt: skip
    await Coupon.create(
        template=template, member_id=member_id, seq=1, source=CouponSource.ISSUE,
        valid_from=now, valid_until=now + timedelta(days=7), created_at=now,
    )  # fmt: skip
    await PointsTransaction.create(
        member_id=member_id, kind=PointsKind.ADJUST, delta=50, note="补偿", created_at=now
    )
    tag = await Tag.create(name="敏感肌", created_by="t", created_at=now)
    await MemberTag.create(member_id=member_id, tag=tag, added_by="t", added_at=now)


async def test_the_customer_page_shows_every_section(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    member = await _customer_of(api, guide)
    await _history(member.member_id)
    await guide.client.data(RECORD, {"m": member.global_id})

    page = (await guide.client.data(PAGE, {"id": member.global_id, "n": 10}))["customer"]

    assert page["customer"]["id"] == member.global_id
    assert page["customer"]["guideId"] == to_global_id("Staff", guide.staff.id)
    assert page["customer"]["member"]["audience"]["tags"] == [{"name": "敏感肌"}]
    assert page["orders"]["totalCount"] == 1
    assert page["orders"]["edges"][0]["node"]["items"] == [{"title": "面霜", "quantity": 1}]
    assert page["refunds"]["edges"] == [{"node": {"amount": {"fen": 800}, "status": "REFUNDED"}}]
    assert page["coupons"]["edges"] == [
        {"node": {"status": "AVAILABLE", "template": {"name": "满100减10"}}}
    ]
    assert page["points"]["edges"] == [{"node": {"kind": "ADJUST", "delta": 50}}]
    assert page["timeline"]["totalCount"] == 2
    kinds = [(e["node"]["kind"], e["node"]["reason"]) for e in page["timeline"]["edges"]]
    # the touch is stored after the visit that made it, in the same moment: touches first
    assert sorted(kinds) == [("SERVICE_TOUCH", "GUIDE_SHARE"), ("SHARE_VISIT", None)]
    assert page["followUps"]["edges"] == [{"node": {"channel": "IN_STORE", "note": "到店试用"}}]


async def test_the_timeline_pages_through_visits_and_touches_in_order(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    member = await _customer_of(api, guide)
    code = (await guide.client.data(LINK))["createShareLink"]["link"]["code"]
    for _ in range(2):
        # a repeat within 30 minutes is not stored: move what is there an hour back
        await ShareVisit.all().update(visited_at=clock.now() - timedelta(hours=1))
        await ServiceTouch.all().update(touched_at=clock.now() - timedelta(hours=1))
        await member.client.data(VISIT, {"c": code})

    seen, after = [], None
    while True:
        data = await guide.client.data(TIMELINE, {"id": member.global_id, "n": 2, "a": after})
        timeline = data["customer"]["timeline"]
        seen += [(e["node"]["kind"], e["node"]["at"]) for e in timeline["edges"]]
        if not timeline["pageInfo"]["hasNextPage"]:
            break
        after = timeline["pageInfo"]["endCursor"]

    # three visits and the guide's touches (one per visit from the guide, kept or not)
    assert len(seen) == 6
    assert [at for _, at in seen] == sorted((at for _, at in seen), reverse=True)
    assert await ShareVisit.all().count() + await ServiceTouch.all().count() == 6
    assert sorted(kind for kind, _ in seen) == ["SERVICE_TOUCH"] * 3 + ["SHARE_VISIT"] * 3


async def test_another_guide_gets_null_and_sections_cost_constant_statements(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    colleague = await api.staff(StaffRole.GUIDE, store)
    member = await _customer_of(api, guide)
    await _history(member.member_id)

    foreign = await colleague.client.data(PAGE, {"id": member.global_id, "n": 10})
    counts = []
    for size in (1, 10):
        with count_statements() as log:
            await guide.client.data(PAGE, {"id": member.global_id, "n": size})
        counts.append(log.count)

    assert foreign == {"customer": None}
    # token 1, the customer 1, audience stats and tags 2; per section its page and count:
    # orders 2 + items 1, refunds 2, coupons 2, points 2, timeline 2 + 2, follow-ups 2
    assert counts == [19, 19]

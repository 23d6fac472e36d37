"""System tags (SPEC 9.4): lifecycle stage and RFM value at each boundary, kept by order events
(pay, refund) and by the `refresh-tags` job acting as of `--now`."""

from datetime import timedelta

import pytest

from api.jobs import run_job
from domain.catalog.models import Sku
from domain.org.models import StaffRole
from loyalty.audience.models import Lifecycle, MemberAudience, ValueLevel
from tests.support.audience import NOW, audience, member_with_orders, new_member
from tests.support.catalog import make_category, make_product
from tests.support.orders import delivery, pay, place_ok

REQUEST = """
mutation($item: ID!, $amount: Long!) {
  requestRefund(itemId: $item, amountFen: $amount, reason: "不想要了") {
    refund { id } errors { code }
  }
}
"""
REVIEW = """
mutation($id: ID!) { reviewRefund(id: $id, approve: true, note: "ok") { errors { code } } }
"""


@pytest.mark.parametrize(
    ("days_ago", "expected"),
    [
        ((200, 89), Lifecycle.REPEAT),
        ((200, 90), Lifecycle.REPEAT),
        ((200, 91), Lifecycle.AT_RISK),
        ((200, 180), Lifecycle.AT_RISK),
        ((200, 181), Lifecycle.CHURNED),
        ((89,), Lifecycle.FIRST_PURCHASE),
        ((90,), Lifecycle.FIRST_PURCHASE),
        ((91,), Lifecycle.AT_RISK),
        ((180,), Lifecycle.AT_RISK),
        ((181,), Lifecycle.CHURNED),
        ((), Lifecycle.NEW),
    ],
)
async def test_lifecycle_stage_at_each_boundary(api, days_ago, expected):
    member_id = await member_with_orders(*days_ago)

    refreshed = await run_job("refresh-tags", NOW)

    row = await audience(member_id)
    assert refreshed == 1
    assert row.lifecycle == expected
    assert row.paid_orders == len(days_ago)


@pytest.mark.parametrize(
    ("days_ago", "fen", "expected"),
    [
        # recency 3 (≤ 30 days) + frequency 2 (2 orders) + monetary 2 (≥ ¥500) = 7
        ((40, 30), 25_000, ValueLevel.HIGH),
        # recency 2 (31 days) + 2 + 2 = 6
        ((40, 31), 25_000, ValueLevel.MID),
        # recency 2 (90 days) + frequency 1 + monetary 1 = 4
        ((90,), 10_000, ValueLevel.MID),
        # recency 1 (91 days) + 1 + 1 = 3
        ((91,), 10_000, ValueLevel.LOW),
        # five orders within a year for ¥2000 or more, last one today: 9
        ((1, 2, 3, 4, 365), 40_000, ValueLevel.HIGH),
        # the order 366 days ago is outside the window: 3 + 2 (four orders) + 2 (¥1600) = 7
        ((1, 2, 3, 4, 366), 40_000, ValueLevel.HIGH),
        ((366,), 1_000_000, ValueLevel.LOW),
        ((), 0, ValueLevel.LOW),
    ],
)
async def test_rfm_value_at_each_boundary(api, days_ago, fen, expected):
    member_id = await member_with_orders(*days_ago, fen=fen)

    await run_job("refresh-tags", NOW)

    assert (await audience(member_id)).value == expected


async def test_the_rfm_window_is_365_days(api):
    member_id = await member_with_orders(1, 365, 366, fen=10_000)

    await run_job("refresh-tags", NOW)

    row = await audience(member_id)
    assert (row.paid_orders, row.spend_fen) == (3, 30_000)
    assert (row.orders_365, row.spend_365_fen) == (2, 20_000)


async def test_ages_move_with_the_job_now_without_any_order_event(api):
    member_id = await member_with_orders(200, 10)
    assert (await audience(member_id)).lifecycle == Lifecycle.REPEAT

    await run_job("refresh-tags", NOW + timedelta(days=81))

    assert (await audience(member_id)).lifecycle == Lifecycle.AT_RISK


async def test_the_refresh_job_is_idempotent(api):
    members = [await member_with_orders(*d) for d in ((), (10,), (200, 100), (400,))]

    first = await run_job("refresh-tags", NOW)
    before = [tuple((await MemberAudience.get(member_id=m)).__dict__.items()) for m in members]
    second = await run_job("refresh-tags", NOW)
    after = [tuple((await MemberAudience.get(member_id=m)).__dict__.items()) for m in members]

    assert (first, second) == (4, 4)
    assert after == before
    assert await MemberAudience.all().count() == 4


async def test_the_job_walks_members_in_batches(api, monkeypatch):
    monkeypatch.setattr("loyalty.audience.stats.BATCH", 2)
    members = [await new_member() for _ in range(5)]

    refreshed = await run_job("refresh-tags", NOW)

    assert refreshed == 5
    assert sorted(await MemberAudience.all().values_list("member_id", flat=True)) == members


async def _paid_through_the_shop(api):
    product = await make_product(await make_category(), (5000,), stock=10)
    sku = await Sku.get(product_id=product.id)
    member = await api.member()
    order = await place_ok(member.client, delivery((sku, 2)))
    await pay(api, member.client, order)
    return member, order


async def test_paying_an_order_moves_the_member_to_first_purchase(api):
    member = await api.member()
    assert await audience(member.member_id) is None

    paid, _ = await _paid_through_the_shop(api)

    row = await audience(paid.member_id)
    assert (row.lifecycle, row.paid_orders, row.spend_fen) == (Lifecycle.FIRST_PURCHASE, 1, 10000)
    assert row.last_paid_at is not None


async def test_a_partial_refund_lowers_spend_and_a_full_one_makes_the_member_new_again(api):
    member, order = await _paid_through_the_shop(api)
    finance = await api.staff(StaffRole.HQ_FINANCE)
    item = order["items"][0]["id"]

    for amount, expected in ((4000, (Lifecycle.FIRST_PURCHASE, 1, 6000)), (6000, None)):
        asked = await member.client.data(REQUEST, {"item": item, "amount": amount})
        reviewed = await finance.client.data(REVIEW, {"id": asked["requestRefund"]["refund"]["id"]})
        assert reviewed["reviewRefund"]["errors"] == []
        row = await audience(member.member_id)
        if expected:
            assert (row.lifecycle, row.paid_orders, row.spend_fen) == expected
    assert (row.lifecycle, row.paid_orders, row.spend_fen, row.last_paid_at) == (
        Lifecycle.NEW,
        0,
        0,
        None,
    )

"""System tags (SPEC 9.4): lifecycle stage and RFM value at each boundary, kept by order events
(pay, refund) and by the `refresh-tags` job acting as of `--now`."""

from datetime import timedelta

import pytest

from api.jobs import run_job
from distribution.models import BindingOutcome, DistributorKind, ShareVisit
from domain import clock
from domain.catalog.models import Sku
from domain.db import transaction
from domain.members.models import Member, MemberMerge
from domain.members.service import merge_members
from domain.orders.models import Order
from domain.org.models import StaffRole
from loyalty.audience.models import Lifecycle, MemberAudience, MemberTag, Tag, ValueLevel
from loyalty.audience.rules import KOC_MIN_REFERRED_ORDERS, KOC_MIN_UNIQUE_VISITORS, KOC_WINDOW_DAYS
from loyalty.audience.stats import refresh_member
from tests.support.audience import NOW, audience, member_with_orders, new_member, paid_order
from tests.support.catalog import make_category, make_product
from tests.support.distribution import make_distributor, touch
from tests.support.orders import delivery, pay, place_ok
from tests.support.sql import count_statements

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


async def _sharer(kind: DistributorKind, visitors: int = 0, referred: int = 0) -> int:
    """A distributor whose link had `visitors` distinct visitors (ids no member has: visit
    rows do not reference members) at the window's start, and `referred` level-1 orders."""
    member_id = await new_member()
    sharer = await make_distributor(member_id, kind)
    link = await touch(await new_member(), sharer)
    await ShareVisit.bulk_create(
        ShareVisit(
            link=link,
            member_id=1_000_000 + visitor,
            outcome=BindingOutcome.ALREADY_BOUND,
            visited_at=NOW - timedelta(days=KOC_WINDOW_DAYS),
        )
        for visitor in range(visitors)
    )
    buyer = await member_with_orders(*[KOC_WINDOW_DAYS] * referred)
    await Order.filter(member_id=buyer).update(level1_distributor_id=sharer.id)
    return member_id


async def test_koc_candidates_share_a_lot_or_bring_orders_and_are_not_kocs_yet(api):
    visits = await _sharer(DistributorKind.MEMBER, visitors=KOC_MIN_UNIQUE_VISITORS)
    orders = await _sharer(DistributorKind.MEMBER, referred=KOC_MIN_REFERRED_ORDERS)
    almost = await _sharer(
        DistributorKind.MEMBER,
        visitors=KOC_MIN_UNIQUE_VISITORS - 1,
        referred=KOC_MIN_REFERRED_ORDERS - 1,
    )
    koc = await _sharer(DistributorKind.KOC, visitors=KOC_MIN_UNIQUE_VISITORS * 2)

    await run_job("refresh-tags", NOW)

    flags = dict(await MemberAudience.all().values_list("member_id", "koc_candidate"))
    assert [flags[m] for m in (visits, orders, almost, koc)] == [True, True, False, False]


async def test_older_activity_does_not_make_a_koc_candidate(api):
    visits = await _sharer(DistributorKind.MEMBER, visitors=KOC_MIN_UNIQUE_VISITORS)

    await run_job("refresh-tags", NOW + timedelta(seconds=1))

    assert (await audience(visits)).koc_candidate is False


async def test_an_order_event_costs_the_same_statements_whatever_the_history(api):
    small, large = await member_with_orders(10), await member_with_orders(*range(1, 30))
    counts = []
    for member_id in (small, large):
        with count_statements() as log:
            async with transaction():
                await refresh_member(member_id)
        counts.append(log.count)

    # create-if-missing and lock the stats row (one upsert), the member's orders, the upsert
    assert counts == [3, 3]


async def test_a_merge_moves_tags_and_stats_to_the_survivor(api):
    survivor, absorbed = await api.member(), await api.member()
    await paid_order(absorbed.member_id, NOW - timedelta(days=10))
    await paid_order(survivor.member_id, NOW - timedelta(days=300))
    shared, own = [
        await Tag.create(name=name, created_by="t", created_at=NOW) for name in ("孕期", "敏感肌")
    ]
    for member, tag in ((survivor, shared), (absorbed, shared), (absorbed, own)):
        await MemberTag.create(member_id=member.member_id, tag=tag, added_by="t", added_at=NOW)
    survivor_row = await Member.get(id=survivor.member_id)
    absorbed_row = await Member.get(id=absorbed.member_id)

    with clock.frozen_at(NOW):
        async with transaction():
            await merge_members(survivor_row, absorbed_row, "test", "+8613800009999")

    tags = sorted(await MemberTag.all().values_list("member_id", "tag_id"))
    assert tags == [(survivor.member_id, shared.id), (survivor.member_id, own.id)]
    assert await audience(absorbed.member_id) is None
    row = await audience(survivor.member_id)
    assert (row.paid_orders, row.lifecycle) == (2, Lifecycle.REPEAT)
    merge = await MemberMerge.get(absorbed_id=absorbed.member_id)
    assert merge.moved["tags"] == 1

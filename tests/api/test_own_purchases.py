"""A distributor's own purchases (SPEC 8.4): an ACTIVE distributor is the level-1 candidate for
what they buy, so their upline never earns level 1 on them (level 2 at most, and only with
`distribution.self_purchase` on); no other sharer takes level 1 either."""

import pytest

from api.graphql.ids import to_global_id
from distribution.models import BeneficiaryRole, CommissionEntry, Distributor, DistributorStatus
from domain.orders.models import Order, OrderChannel
from domain.settings.service import update_settings
from tests.api.test_attribution import buy
from tests.support.distribution import bind, make_distributor, touch
from tests.support.orders import pay


async def self_purchase(on: bool) -> None:
    await update_settings([("distribution.self_purchase", "true" if on else "false")], "test")


def slots(order: Order) -> tuple:
    return (
        order.level1_distributor_id,
        order.attribution["level1"]["rule"],
        order.level2_distributor_id,
        order.attribution["level2"]["rule"],
        order.share_link_id,
        order.channel,
    )


async def a_distributor_below(api, upline_status=DistributorStatus.ACTIVE):
    """A buyer who is an ACTIVE distributor, bound to (and enrolled under) their upline."""
    member = await api.member()
    upline = await make_distributor(status=upline_status)
    me = await make_distributor(member.member_id, upline=upline)
    await bind(member.member_id, upline)
    return member, me, upline


@pytest.mark.parametrize("touched_by", ["nobody", "upline", "stranger"])
async def test_by_default_nobody_earns_on_a_distributors_own_purchase(api, touched_by):
    member, _, upline = await a_distributor_below(api)
    if touched_by != "nobody":
        sharer = upline if touched_by == "upline" else await make_distributor()
        await touch(member.member_id, sharer)

    order = await buy(api, member)

    assert slots(order) == (
        None,
        "self_purchase_excluded",
        None,
        None,
        None,
        OrderChannel.MINI_PROGRAM,
    )
    assert order.attribution["self_purchase"] is True


@pytest.mark.parametrize("touched_by", ["nobody", "upline", "stranger"])
async def test_with_self_purchase_on_the_buyer_earns_level_1_and_the_upline_level_2(
    api, touched_by
):
    await self_purchase(True)
    member, me, upline = await a_distributor_below(api)
    if touched_by != "nobody":
        sharer = upline if touched_by == "upline" else await make_distributor()
        await touch(member.member_id, sharer)

    order = await buy(api, member)

    assert slots(order) == (
        me.id,
        "own_purchase",
        upline.id,
        "level1_upline",
        None,
        OrderChannel.MINI_PROGRAM,
    )


async def test_own_link_with_self_purchase_on_keeps_the_link_on_the_order(api):
    await self_purchase(True)
    member, me, upline = await a_distributor_below(api)
    link = await touch(member.member_id, me)

    order = await buy(api, member)

    assert slots(order) == (
        me.id,
        "own_purchase",
        upline.id,
        "level1_upline",
        link.id,
        OrderChannel.SHARE_LINK,
    )


async def test_one_level_only_leaves_the_upline_nothing_on_an_own_purchase(api):
    await self_purchase(True)
    await update_settings([("distribution.levels", "1")], "test")
    member, me, _ = await a_distributor_below(api)

    order = await buy(api, member)

    assert (order.level1_distributor_id, order.level2_distributor_id) == (me.id, None)


async def test_an_inactive_upline_earns_no_level_2_on_an_own_purchase(api):
    await self_purchase(True)
    member, me, _ = await a_distributor_below(api, upline_status=DistributorStatus.FROZEN)

    order = await buy(api, member)

    assert (order.level1_distributor_id, order.level2_distributor_id) == (me.id, None)


@pytest.mark.parametrize("status", [DistributorStatus.FROZEN, DistributorStatus.DISABLED])
async def test_a_distributor_who_is_not_active_buys_like_any_member(api, status):
    member, me, upline = await a_distributor_below(api)
    await Distributor.filter(id=me.id).update(status=status)

    order = await buy(api, member)

    assert (
        order.level1_distributor_id,
        order.attribution["level1"]["rule"],
        order.level2_distributor_id,
    ) == (
        upline.id,
        "bound_referrer",
        None,
    )


@pytest.mark.parametrize("on", [False, True])
async def test_commission_on_a_paid_own_purchase(api, on):
    await self_purchase(on)
    member, me, upline = await a_distributor_below(api)
    order = await buy(api, member)
    await pay(api, member.client, {"id": to_global_id("Order", order.id)})

    entries = await CommissionEntry.filter(order_id=order.id).order_by("role")
    earned = [(e.role, e.distributor_id) for e in entries]
    assert earned == (
        [(BeneficiaryRole.LEVEL1, me.id), (BeneficiaryRole.LEVEL2, upline.id)] if on else []
    )

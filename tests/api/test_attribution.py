"""Attribution snapshot on every order (SPEC 8.4)."""

from datetime import timedelta

from api.graphql.ids import to_global_id
from distribution.models import DistributorStatus, ServiceReason, ServiceRelationship
from domain import clock
from domain.catalog.models import Sku
from domain.orders.models import Order, OrderChannel
from domain.org.models import StaffRole
from domain.settings.service import update_settings
from tests.support.api import make_store
from tests.support.catalog import make_category, make_product
from tests.support.distribution import bind, make_distributor, touch
from tests.support.orders import delivery, place_ok

ASSISTED = """
mutation($m: ID!, $i: CheckoutInput!) {
  placeAssistedOrder(memberId: $m, input: $i, idempotencyKey: "assist-1") {
    order { id channel serviceGuideId } errors { code field }
  }
}
"""


async def buy(api, member) -> Order:
    product = await make_product(await make_category(), (19900,), stock=10)
    sku = await Sku.get(product_id=product.id)
    placed = await place_ok(member.client, delivery((sku, 2)))
    return await Order.get(number=placed["number"])


async def test_last_share_within_window_beats_the_bound_referrer(api):
    member = await api.member()
    k0 = await make_distributor()
    k1 = await make_distributor(upline=k0)
    g = await make_distributor()
    await bind(member.member_id, g)
    link = await touch(member.member_id, k1)

    order = await buy(api, member)

    assert (order.level1_distributor_id, order.level2_distributor_id, order.share_link_id) == (
        k1.id,
        k0.id,
        link.id,
    )
    assert order.channel == OrderChannel.SHARE_LINK
    assert order.attribution["level1"] == {
        "distributor_id": k1.id,
        "rule": "last_share_within_window",
    }
    assert order.attribution["level2"] == {"distributor_id": k0.id, "rule": "level1_upline"}


async def test_a_stale_touch_falls_back_to_the_bound_referrer(api):
    member = await api.member()
    g = await make_distributor()
    await bind(member.member_id, g)
    await touch(member.member_id, await make_distributor(), at=clock.now() - timedelta(hours=169))

    order = await buy(api, member)

    assert (order.level1_distributor_id, order.level2_distributor_id) == (g.id, None)
    assert order.attribution["level1"]["rule"] == "bound_referrer"
    assert order.channel == OrderChannel.MINI_PROGRAM


async def test_relationship_mode_uses_the_referrer_even_after_a_share(api):
    await update_settings([("attribution.mode", "RELATIONSHIP")], "test")
    member = await api.member()
    g = await make_distributor()
    await bind(member.member_id, g)
    await touch(member.member_id, await make_distributor())

    order = await buy(api, member)

    assert order.level1_distributor_id == g.id


async def test_an_inactive_sharer_earns_nothing_and_the_referrer_takes_level_1(api):
    member = await api.member()
    g = await make_distributor()
    await bind(member.member_id, g)
    await touch(member.member_id, await make_distributor(status=DistributorStatus.FROZEN))

    order = await buy(api, member)

    assert order.level1_distributor_id == g.id


async def test_self_purchase_is_excluded_by_default_and_allowed_when_on(api):
    member = await api.member()
    upline = await make_distributor()
    me = await make_distributor(member.member_id, upline=upline)
    await touch(member.member_id, me)

    excluded = await buy(api, member)
    await update_settings([("distribution.self_purchase", "true")], "test")
    allowed = await buy(api, member)

    assert (excluded.level1_distributor_id, excluded.level2_distributor_id) == (None, None)
    assert excluded.attribution["level1"]["rule"] == "self_purchase_excluded"
    assert (allowed.level1_distributor_id, allowed.level2_distributor_id) == (me.id, upline.id)


async def test_one_level_only_leaves_level_2_empty(api):
    await update_settings([("distribution.levels", "1")], "test")
    member = await api.member()
    k1 = await make_distributor(upline=await make_distributor())
    await touch(member.member_id, k1)

    order = await buy(api, member)

    assert (order.level1_distributor_id, order.level2_distributor_id) == (k1.id, None)


async def test_service_relationship_gives_store_and_guide(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    member = await api.member()
    await ServiceRelationship.create(
        member_id=member.member_id,
        store_id=store.id,
        guide_id=guide.staff.id,
        reason=ServiceReason.GUIDE_SHARE,
        actor="test",
        valid_from=clock.now(),
    )

    order = await buy(api, member)

    assert (order.service_store_id, order.service_guide_id) == (store.id, guide.staff.id)
    assert order.attribution["service"]["rule"] == "service_relationship"


async def test_guide_assisted_order_for_an_own_customer_only(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    customer, stranger = await api.member(), await api.member()
    await ServiceRelationship.create(
        member_id=customer.member_id,
        store_id=store.id,
        guide_id=guide.staff.id,
        reason=ServiceReason.OFFLINE_SIGNUP,
        actor="test",
        valid_from=clock.now(),
    )
    product = await make_product(await make_category(), (5000,), stock=5)
    sku = await Sku.get(product_id=product.id)
    checkout = delivery((sku, 1))

    placed = await guide.client.data(
        ASSISTED, {"m": to_global_id("Member", customer.member_id), "i": checkout}
    )
    refused = await guide.client.data(
        ASSISTED, {"m": to_global_id("Member", stranger.member_id), "i": checkout}
    )

    result = placed["placeAssistedOrder"]
    assert result["errors"] == []
    assert result["order"]["channel"] == "GUIDE_ASSISTED"
    assert result["order"]["serviceGuideId"] == to_global_id("Staff", guide.staff.id)
    assert refused["placeAssistedOrder"] == {
        "order": None,
        "errors": [{"code": "NOT_FOUND", "field": "memberId"}],
    }
    assert await Order.filter(member_id=stranger.member_id).count() == 0
    assert (await Order.get(member_id=customer.member_id)).placed_by_staff_id == guide.staff.id

"""What HQ sees of an order's attribution (SPEC 8.4) and of the commission cap (SPEC 10.1) on
the admin Order: typed fields with global IDs, and `orders(commissionCapped:)`."""

from api.graphql.ids import to_global_id
from domain.orders.models import Order
from domain.org.models import StaffRole, Store
from tests.support.api import make_store
from tests.support.commission import distributor, guide, paid_order, sku
from tests.support.distribution import bind, make_distributor, touch
from tests.support.orders import delivery, order_pk, pickup, place_ok
from tests.support.sql import count_statements

ATTRIBUTION = """
channel level1DistributorId level1Rule level2DistributorId level2Rule serviceStoreId
serviceGuideId serviceRule shareLinkId selfPurchase
"""
ORDER = "query($id: ID!) { order(id: $id) { attribution { %s } } }" % ATTRIBUTION
ORDERS = (
    """
query($capped: Boolean, $first: Int) {
  orders(commissionCapped: $capped, first: $first) {
    edges { node { number commissionCapped attribution { %s } } }
  }
}
"""
    % ATTRIBUTION
)
NUMBERS = """
query($capped: Boolean) { orders(commissionCapped: $capped) { edges { node { number } } } }
"""
SET_RULES = """
mutation($rules: [CommissionRuleInput!]!) {
  setCommissionRules(rules: $rules) { errors { code field } }
}
"""


async def test_a_shared_orders_attribution_names_both_levels_by_global_id_with_their_rules(api):
    # given a member who followed KOC k1's link (k1's upline is k0) and is bound to g
    member = await api.member()
    k0 = await make_distributor()
    k1 = await make_distributor(upline=k0)
    await bind(member.member_id, await make_distributor())
    link = await touch(member.member_id, k1)
    order = await place_ok(member.client, delivery((await sku(10000), 1)))
    finance = await api.staff(StaffRole.HQ_FINANCE)

    # when HQ reads the order
    shown = (await finance.client.data(ORDER, {"id": order["id"]}))["order"]

    # then every slot is a global ID with the rule that filled it
    assert shown["attribution"] == {
        "channel": "SHARE_LINK",
        "level1DistributorId": to_global_id("Distributor", k1.id),
        "level1Rule": "last_share_within_window",
        "level2DistributorId": to_global_id("Distributor", k0.id),
        "level2Rule": "level1_upline",
        "serviceStoreId": None,
        "serviceGuideId": None,
        "serviceRule": "none",
        "shareLinkId": to_global_id("ShareLink", link.id),
        "selfPurchase": False,
    }


async def test_a_pickup_orders_attribution_names_the_pickup_store_as_its_service_slot(api):
    member = await api.member()
    store = await make_store()
    order = await place_ok(member.client, pickup(store.id, (await sku(10000), 1)))
    admin = await api.staff(StaffRole.HQ_ADMIN)

    shown = (await admin.client.data(ORDER, {"id": order["id"]}))["order"]

    assert shown["attribution"] == {
        "channel": "MINI_PROGRAM",
        "level1DistributorId": None,
        "level1Rule": None,
        "level2DistributorId": None,
        "level2Rule": None,
        "serviceStoreId": to_global_id("Store", store.id),
        "serviceGuideId": None,
        "serviceRule": "pickup_store",
        "shareLinkId": None,
        "selfPurchase": False,
    }


async def test_a_page_of_orders_with_their_attribution_costs_what_a_page_without_it_costs(api):
    member = await api.member()
    k1 = await make_distributor(upline=await make_distributor())
    await touch(member.member_id, k1)
    item = await sku(10000)
    for _ in range(3):
        await place_ok(member.client, delivery((item, 1)))
    admin = await api.staff(StaffRole.HQ_ADMIN)
    bare = "{ orders(first: 10) { edges { node { number } } } }"

    with count_statements() as without:
        await admin.client.data(bare)
    with count_statements() as with_attribution:
        listed = (await admin.client.data(ORDERS, {"first": 10}))["orders"]["edges"]

    assert len(listed) == 3
    assert {e["node"]["attribution"]["level1DistributorId"] for e in listed} == {
        to_global_id("Distributor", k1.id)
    }
    assert with_attribution.count == without.count


async def _capped_and_uncapped_orders(api) -> tuple[dict, dict]:
    """Two paid orders of 10000: one under rules of 30% + 15% + 2% (over the 40% cap), one
    after HQ went back to 10% for level 1 only."""
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    k0 = await distributor(api)
    k1 = await distributor(api, upline=k0)
    store = await make_store()
    g = await guide(api, store)
    member = await api.member()
    attribution = {
        "level1_distributor_id": k1.id,
        "level2_distributor_id": k0.id,
        "service_store_id": store.id,
        "service_guide_id": g.id,
    }
    rich = [
        {"role": "LEVEL1", "scope": "ALL", "rateBp": 3000},
        {"role": "LEVEL2", "scope": "ALL", "rateBp": 1500},
        {"role": "GUIDE_SERVICE", "scope": "ALL", "rateBp": 200},
    ]
    assert (await operator.client.data(SET_RULES, {"rules": rich}))["setCommissionRules"] == {
        "errors": []
    }
    capped = await paid_order(api, member, [(await sku(10000), 1)], **attribution)
    modest = [{"role": "LEVEL1", "scope": "ALL", "rateBp": 1000}]
    assert (await operator.client.data(SET_RULES, {"rules": modest}))["setCommissionRules"] == {
        "errors": []
    }
    uncapped = await paid_order(api, member, [(await sku(10000), 1)], **attribution)
    return capped, uncapped


async def test_an_order_whose_commission_the_cap_scaled_down_is_flagged_for_hq(api):
    capped, uncapped = await _capped_and_uncapped_orders(api)
    finance = await api.staff(StaffRole.HQ_FINANCE)

    listed = (await finance.client.data(ORDERS, {"capped": None}))["orders"]["edges"]

    assert [(e["node"]["number"], e["node"]["commissionCapped"]) for e in listed] == [
        (uncapped["number"], False),
        (capped["number"], True),
    ]
    assert (await Order.get(id=order_pk(capped))).commission_capped is True


async def test_hq_filters_orders_by_the_commission_cap_flag(api):
    capped, uncapped = await _capped_and_uncapped_orders(api)
    admin = await api.staff(StaffRole.HQ_ADMIN)

    only_capped = (await admin.client.data(NUMBERS, {"capped": True}))["orders"]["edges"]
    not_capped = (await admin.client.data(NUMBERS, {"capped": False}))["orders"]["edges"]

    assert [e["node"]["number"] for e in only_capped] == [capped["number"]]
    assert [e["node"]["number"] for e in not_capped] == [uncapped["number"]]


async def test_a_store_manager_filtering_capped_orders_sees_only_their_stores(api):
    capped, _ = await _capped_and_uncapped_orders(api)
    served_by = await Store.get(id=(await Order.get(id=order_pk(capped))).service_store_id)
    own = await api.staff(StaffRole.STORE_MANAGER, served_by)
    elsewhere = await api.staff(StaffRole.STORE_MANAGER)

    theirs = (await own.client.data(NUMBERS, {"capped": True}))["orders"]["edges"]
    others = (await elsewhere.client.data(NUMBERS, {"capped": True}))["orders"]["edges"]

    assert [e["node"]["number"] for e in theirs] == [capped["number"]]
    assert others == []

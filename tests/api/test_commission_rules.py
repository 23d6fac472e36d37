"""Commission rules (SPEC 10.1): the default plan, which rule wins, the SKU override, the cap,
who earns, and `setCommissionRules` / `commissionRules` for HQ."""

from datetime import timedelta

from api.graphql.ids import to_global_id
from distribution.distributors import for_guide
from distribution.models import (
    CommissionEntry,
    CommissionRule,
    Distributor,
    DistributorKind,
    DistributorStatus,
    RuleScope,
)
from domain import clock
from domain.orders.models import Order
from domain.org.models import Staff, StaffRole, StaffStatus, StoreKind
from domain.settings.service import update_settings
from tests.support.api import make_store
from tests.support.catalog import make_category
from tests.support.commission import (
    assert_ledger_sound,
    balances,
    distributor,
    entries_of,
    guide,
    paid_order,
    sku,
)
from tests.support.orders import order_pk

SET_RULES = """
mutation($rules: [CommissionRuleInput!]!) {
  setCommissionRules(rules: $rules) {
    rules { id role distributorKind scope scopeId rateBp fixedPerUnit { fen } priority createdBy }
    errors { code field }
  }
}
"""
RULES = "{ commissionRules { role scope scopeId rateBp fixedPerUnit { fen } priority } }"


def rule(role, rate=None, *, scope="ALL", scope_id=None, fixed=None, **extra):
    body = {"role": role, "scope": scope}
    if scope_id is not None:
        body["scopeId"] = scope_id
    if rate is not None:
        body["rateBp"] = rate
    if fixed is not None:
        body["fixedFenPerUnit"] = fixed
    body.update(extra)
    return body


async def set_rules(api, rules):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    return (await operator.client.data(SET_RULES, {"rules": rules}))["setCommissionRules"]


async def test_the_default_plan_is_seeded_once(api):
    reader = await api.staff(StaffRole.HQ_FINANCE)

    listed = (await reader.client.data(RULES))["commissionRules"]

    assert sorted((r["role"], r["scope"], r["rateBp"]) for r in listed) == [
        ("GUIDE_SERVICE", "ALL", 200),
        ("LEVEL1", "ALL", 1000),
        ("LEVEL2", "ALL", 300),
        ("STORE_SHARE", "ALL", 500),
    ]


async def test_the_cap_scales_every_role_down_proportionally_and_flags_the_order(api):
    # given rules worth 30% + 15% + 2% = 47% of a 10000 item, over the 40% cap
    await set_rules(
        api,
        [rule("LEVEL1", 3000), rule("LEVEL2", 1500), rule("GUIDE_SERVICE", 200)],
    )
    k0 = await distributor(api)
    k1 = await distributor(api, upline=k0)
    store = await make_store()
    g = await guide(api, store)
    m = await api.member()

    order = await paid_order(
        api,
        m,
        [(await sku(10000), 1)],
        level1_distributor_id=k1.id,
        level2_distributor_id=k0.id,
        service_store_id=store.id,
        service_guide_id=g.id,
    )

    # then 4000 is allocated over 3000:1500:200 by largest remainder: 2553 + 1277 + 170
    assert await entries_of(order) == [
        ("GUIDE_SERVICE", 170, 170, "PENDING"),
        ("LEVEL1", 2553, 2553, "PENDING"),
        ("LEVEL2", 1277, 1277, "PENDING"),
    ]
    assert all(e.capped for e in await CommissionEntry.all())
    assert (await Order.get(id=order_pk(order))).commission_capped is True
    await assert_ledger_sound()


async def test_an_order_within_the_cap_is_not_flagged(api):
    k1 = await distributor(api)
    m = await api.member()

    order = await paid_order(api, m, [(await sku(10000), 1)], level1_distributor_id=k1.id)

    assert (await Order.get(id=order_pk(order))).commission_capped is False
    assert not (await CommissionEntry.get()).capped


async def test_a_skus_fixed_commission_times_quantity_overrides_every_level_rule(api):
    # given a SKU paying 500 / 200 fen per unit, and a SKU-scoped LEVEL1 rule it still beats
    fixed_sku = await sku(10000, fixed=(500, 200))
    await set_rules(
        api,
        [
            rule("LEVEL1", 1000),
            rule("LEVEL1", 3000, scope="SKU", scope_id=to_global_id("Sku", fixed_sku.id)),
            rule("LEVEL2", 300),
            rule("GUIDE_SERVICE", 200),
        ],
    )
    k0 = await distributor(api)
    k1 = await distributor(api, upline=k0)
    store = await make_store()
    g = await guide(api, store)
    m = await api.member()

    order = await paid_order(
        api,
        m,
        [(fixed_sku, 3)],
        level1_distributor_id=k1.id,
        level2_distributor_id=k0.id,
        service_store_id=store.id,
        service_guide_id=g.id,
    )

    assert await entries_of(order) == [
        ("GUIDE_SERVICE", 600, 600, "PENDING"),
        ("LEVEL1", 1500, 1500, "PENDING"),
        ("LEVEL2", 600, 600, "PENDING"),
    ]
    bases = sorted(await CommissionEntry.all().values_list("basis", flat=True))
    assert bases == ["RATE:200bp", "SKU:200x3", "SKU:500x3"]


async def test_a_sku_with_only_a_level1_override_leaves_level2_to_the_rules(api):
    k0 = await distributor(api)
    k1 = await distributor(api, upline=k0)
    m = await api.member()

    order = await paid_order(
        api,
        m,
        [(await sku(10000, fixed=(800, None)), 2)],
        level1_distributor_id=k1.id,
        level2_distributor_id=k0.id,
    )

    assert await entries_of(order) == [
        ("LEVEL1", 1600, 1600, "PENDING"),
        ("LEVEL2", 600, 600, "PENDING"),
    ]


async def test_a_fixed_rule_is_multiplied_by_quantity(api):
    await set_rules(api, [rule("LEVEL1", fixed=250)])
    k1 = await distributor(api)
    m = await api.member()

    order = await paid_order(api, m, [(await sku(5000), 4)], level1_distributor_id=k1.id)

    assert await entries_of(order) == [("LEVEL1", 1000, 1000, "PENDING")]


async def test_products_with_commission_disabled_earn_nothing(api):
    k1 = await distributor(api)
    m = await api.member()

    order = await paid_order(
        api,
        m,
        [(await sku(10000, commission_enabled=False), 1), (await sku(20000), 1)],
        level1_distributor_id=k1.id,
    )

    assert await entries_of(order) == [("LEVEL1", 2000, 2000, "PENDING")]
    assert await balances(k1) == (2000, 0)


async def test_frozen_and_disabled_distributors_earn_nothing_new(api):
    k0 = await distributor(api)
    k1 = await distributor(api, upline=k0, status=DistributorStatus.DISABLED)
    store = await make_store()
    g = await guide(api, store)
    guide_distributor = await for_guide(g)
    await Distributor.filter(id=guide_distributor.id).update(status=DistributorStatus.FROZEN)
    m = await api.member()

    order = await paid_order(
        api,
        m,
        [(await sku(10000), 1)],
        level1_distributor_id=k1.id,
        level2_distributor_id=k0.id,
        service_store_id=store.id,
        service_guide_id=g.id,
    )

    assert await entries_of(order) == [("LEVEL2", 300, 300, "PENDING")]
    assert await balances(k1) == (0, 0)
    assert await balances(guide_distributor) == (0, 0)


async def test_a_guide_who_left_earns_no_service_commission(api):
    store = await make_store()
    g = await guide(api, store)
    await Staff.filter(id=g.id).update(status=StaffStatus.LEFT)
    m = await api.member()

    order = await paid_order(
        api, m, [(await sku(10000), 1)], service_store_id=store.id, service_guide_id=g.id
    )

    assert await entries_of(order) == []
    assert (await Distributor.get(staff_id=g.id)).status == DistributorStatus.DISABLED


async def test_a_franchise_service_store_earns_its_share_a_direct_one_does_not(api):
    franchise = await make_store(StoreKind.FRANCHISE)
    direct = await make_store(StoreKind.DIRECT)
    m = await api.member()
    item = await sku(10000)

    via_franchise = await paid_order(api, m, [(item, 1)], service_store_id=franchise.id)
    via_direct = await paid_order(api, m, [(item, 1)], service_store_id=direct.id)

    assert await entries_of(via_franchise) == [("STORE_SHARE", 500, 500, "PENDING")]
    assert await entries_of(via_direct) == []
    entry = await CommissionEntry.get(order_id=order_pk(via_franchise))
    assert (entry.store_id, entry.distributor_id) == (franchise.id, None)
    assert await balances(franchise) == (500, 0)
    await assert_ledger_sound()


async def test_with_one_level_configured_level2_earns_nothing(api):
    await update_settings([("distribution.levels", "1")], actor="test")
    k0 = await distributor(api)
    k1 = await distributor(api, upline=k0)
    m = await api.member()

    order = await paid_order(
        api, m, [(await sku(10000), 1)], level1_distributor_id=k1.id, level2_distributor_id=k0.id
    )

    assert await entries_of(order) == [("LEVEL1", 1000, 1000, "PENDING")]


async def test_the_most_specific_scope_wins_then_priority_then_the_newest(api):
    parent = await make_category()
    child, sibling = await make_category(parent=parent), await make_category(parent=parent)
    by_sku, by_product, in_child = [await sku(10000, category=child) for _ in range(3)]
    in_sibling, elsewhere = await sku(10000, category=sibling), await sku(10000)
    product_id = to_global_id("Product", by_product.product_id)
    await set_rules(
        api,
        [
            rule("LEVEL1", 100),
            rule("LEVEL1", 150),  # same scope and priority, newer: beats 100
            rule("LEVEL1", 900, priority=-1),
            rule("LEVEL1", 200, scope="CATEGORY", scope_id=to_global_id("Category", parent.id)),
            rule("LEVEL1", 300, scope="CATEGORY", scope_id=to_global_id("Category", child.id)),
            rule("LEVEL1", 400, scope="PRODUCT", scope_id=product_id, priority=2),
            rule("LEVEL1", 450, scope="PRODUCT", scope_id=product_id, priority=1),
            rule("LEVEL1", 500, scope="SKU", scope_id=to_global_id("Sku", by_sku.id)),
        ],
    )
    k1 = await distributor(api)
    m = await api.member()

    order = await paid_order(
        api,
        m,
        [(by_sku, 1), (by_product, 1), (in_child, 1), (in_sibling, 1), (elsewhere, 1)],
        level1_distributor_id=k1.id,
    )

    entries = await CommissionEntry.filter(order_id=order_pk(order)).order_by("item_id")
    # SKU 5%; product 4% (priority 2 beats 1); own category 3%; a sub-category of the rule's
    # category 2%; everything else: the newest ALL rule of the highest priority, 1.5%
    assert [e.amount_fen for e in entries] == [500, 400, 300, 200, 150]


async def test_a_distributor_kind_rule_applies_only_to_that_kind(api):
    await set_rules(
        api,
        [rule("LEVEL1", 1000), rule("LEVEL1", 2000, distributorKind="SHOP")],
    )
    shop = await distributor(api, kind=DistributorKind.SHOP)
    koc = await distributor(api, kind=DistributorKind.KOC)
    m = await api.member()
    item = await sku(10000)

    for_shop = await paid_order(api, m, [(item, 1)], level1_distributor_id=shop.id)
    for_koc = await paid_order(api, m, [(item, 1)], level1_distributor_id=koc.id)

    assert await entries_of(for_shop) == [("LEVEL1", 2000, 2000, "PENDING")]
    assert await entries_of(for_koc) == [("LEVEL1", 1000, 1000, "PENDING")]


async def test_rules_outside_their_active_window_do_not_apply(api):
    now = clock.now()
    await set_rules(
        api,
        [
            rule("LEVEL1", 1000),
            rule("LEVEL1", 3000, priority=9, activeFrom=(now + timedelta(days=1)).isoformat()),
            rule("LEVEL1", 2500, priority=8, activeTo=(now - timedelta(days=1)).isoformat()),
        ],
    )
    k1 = await distributor(api)
    m = await api.member()

    order = await paid_order(api, m, [(await sku(10000), 1)], level1_distributor_id=k1.id)

    assert await entries_of(order) == [("LEVEL1", 1000, 1000, "PENDING")]


async def test_replacing_the_rules_keeps_history_and_never_touches_accrued_commission(api):
    k1 = await distributor(api)
    m = await api.member()
    item = await sku(10000)
    before = await paid_order(api, m, [(item, 1)], level1_distributor_id=k1.id)
    operator = await api.staff(StaffRole.HQ_OPERATOR)

    result = (await operator.client.data(SET_RULES, {"rules": [rule("LEVEL1", 500, priority=3)]}))[
        "setCommissionRules"
    ]
    after = await paid_order(api, m, [(item, 1)], level1_distributor_id=k1.id)

    assert result["errors"] == []
    assert [(r["role"], r["rateBp"], r["priority"]) for r in result["rules"]] == [
        ("LEVEL1", 500, 3)
    ]
    assert result["rules"][0]["createdBy"] == f"staff:{operator.staff.id}"
    assert await entries_of(before) == [("LEVEL1", 1000, 1000, "PENDING")]
    assert await entries_of(after) == [("LEVEL1", 500, 500, "PENDING")]
    assert await CommissionRule.filter(retired_at__isnull=False).count() == 4
    assert await CommissionRule.filter(retired_at__isnull=True).count() == 1
    listed = (await operator.client.data(RULES))["commissionRules"]
    assert listed == [
        {
            "role": "LEVEL1",
            "scope": "ALL",
            "scopeId": None,
            "rateBp": 500,
            "fixedPerUnit": None,
            "priority": 3,
        }
    ]


async def test_invalid_rule_sets_are_refused_whole_and_change_nothing(api):
    category = await make_category()
    product_sku = await sku(10000)
    good = rule("LEVEL1", 1000)
    cases = [
        (rule("LEVEL1", 1000, fixed=100), ("INVALID_RULE", "rules.1.rateBp")),
        (rule("LEVEL1"), ("INVALID_RULE", "rules.1.rateBp")),
        (rule("LEVEL1", 10001), ("OUT_OF_RANGE", "rules.1.rateBp")),
        (rule("LEVEL1", -1), ("OUT_OF_RANGE", "rules.1.rateBp")),
        (rule("LEVEL1", fixed=-1), ("OUT_OF_RANGE", "rules.1.fixedFenPerUnit")),
        (rule("LEVEL1", 100, scope="CATEGORY"), ("REQUIRED", "rules.1.scopeId")),
        (
            rule("LEVEL1", 100, scope="PRODUCT", scope_id=to_global_id("Product", 999999)),
            ("NOT_FOUND", "rules.1.scopeId"),
        ),
        (
            rule("LEVEL1", 100, scope="PRODUCT", scope_id=to_global_id("Category", category.id)),
            ("INVALID_ID", "rules.1.scopeId"),
        ),
        (
            rule("LEVEL1", 100, scope_id=to_global_id("Sku", product_sku.id)),
            ("INVALID_RULE", "rules.1.scopeId"),
        ),
        (
            rule("GUIDE_SERVICE", 100, distributorKind="KOC"),
            ("INVALID_RULE", "rules.1.distributorKind"),
        ),
        (
            rule(
                "LEVEL1",
                100,
                activeFrom="2030-01-02T00:00:00+08:00",
                activeTo="2030-01-01T00:00:00+08:00",
            ),
            ("INVALID_RULE", "rules.1.activeTo"),
        ),
    ]
    before = sorted(await CommissionRule.all().values_list("id", "retired_at"))

    results = [(await set_rules(api, [good, bad]), expected) for bad, expected in cases]

    for result, (code, field) in results:
        assert result == {"rules": None, "errors": [{"code": code, "field": field}]}
    assert sorted(await CommissionRule.all().values_list("id", "retired_at")) == before


async def test_more_than_100_rules_are_refused(api):
    before = await CommissionRule.all().count()

    result = await set_rules(api, [rule("LEVEL1", 10)] * 101)

    assert result["errors"] == [{"code": "OUT_OF_RANGE", "field": "rules"}]
    assert await CommissionRule.all().count() == before


async def test_scoped_rules_read_back_with_their_global_ids(api):
    category = await make_category()

    result = await set_rules(
        api,
        [
            rule(
                "LEVEL2",
                fixed=300,
                scope="CATEGORY",
                scope_id=to_global_id("Category", category.id),
            )
        ],
    )

    assert result["errors"] == []
    (saved,) = result["rules"]
    assert (saved["scope"], saved["scopeId"], saved["fixedPerUnit"], saved["rateBp"]) == (
        "CATEGORY",
        to_global_id("Category", category.id),
        {"fen": 300},
        None,
    )
    stored = await CommissionRule.get(retired_at__isnull=True)
    assert (stored.scope, stored.scope_id) == (RuleScope.CATEGORY, category.id)

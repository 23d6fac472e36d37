"""The distribution centre's estimated commission (issue 16 item 6): accrual's own rules at a V0
member's price, level 1 only, checked fen for fen against the accrual of the same purchase."""

from api.graphql.ids import to_global_id
from distribution.models import CommissionEntry, Distributor, DistributorKind, DistributorStatus
from domain import clock
from domain.catalog.models import Product, Sku
from tests.support.catalog import make_category, make_product
from tests.support.commission import distributor, paid_order, sku
from tests.support.orders import order_pk

ESTIMATE = """
query($id: ID!) {
  distributionCenter {
    estimatedCommission(productId: $id) { minFen maxFen skus { skuId priceFen level1Fen } }
  }
}
"""


async def estimate(member, product_id: int) -> dict | None:
    data = await member.client.data(ESTIMATE, {"id": to_global_id("Product", product_id)})
    return data["distributionCenter"]["estimatedCommission"]


async def distributor_session(api, upline=None, kind=DistributorKind.KOC):
    """A logged-in member who is an ACTIVE distributor (as support/commission.py makes them)."""
    session = await api.member()
    moment = clock.now()
    made = await Distributor.create(
        kind=kind,
        status=DistributorStatus.ACTIVE,
        member_id=session.member_id,
        upline=upline,
        ancestry=f"{upline.ancestry}{upline.id}/" if upline else "/",
        display_name=f"D{session.member_id}",
        created_at=moment,
        updated_at=moment,
    )
    return session, made


async def level1_entries(order) -> list[int]:
    rows = await CommissionEntry.filter(order_id=order_pk(order), role="LEVEL1").order_by("item_id")
    return [row.amount_fen for row in rows]


async def test_estimate_equals_the_level1_accrual_of_the_same_purchase(api):
    # given K1 (upline K0) and a product with SKUs at 19900 and 333 (the default 10% rule)
    k0 = await distributor(api)
    k1_session, k1 = await distributor_session(api, upline=k0)
    product = await make_product(await make_category(), (19900, 333))
    skus = await Sku.filter(product_id=product.id).order_by("id")

    # when a V0 member buys one of each through K1's link
    buyer = await api.member()
    order = await paid_order(
        api,
        buyer,
        [(skus[0], 1), (skus[1], 1)],
        level1_distributor_id=k1.id,
        level2_distributor_id=k0.id,
    )

    # then K1's estimate is exactly the LEVEL1 entry of each item
    accrued = await level1_entries(order)
    assert accrued == [1990, 33]
    seen = await estimate(k1_session, product.id)
    assert seen == {
        "minFen": 33,
        "maxFen": 1990,
        "skus": [
            {"skuId": to_global_id("Sku", skus[0].id), "priceFen": 19900, "level1Fen": 1990},
            {"skuId": to_global_id("Sku", skus[1].id), "priceFen": 333, "level1Fen": 33},
        ],
    }


async def test_the_cap_is_shared_with_level2_exactly_as_accrual_shares_it(api):
    # given fixed SKU commissions 6000 + 3000 on a 19900 SKU: above the 40% cap of 7960
    k0 = await distributor(api)
    k1_session, k1 = await distributor_session(api, upline=k0)
    capped = await sku(19900, fixed=(6000, 3000))
    buyer = await api.member()

    order = await paid_order(
        api, buyer, [(capped, 1)], level1_distributor_id=k1.id, level2_distributor_id=k0.id
    )

    # then accrual scales level 1 to 5307 and the estimate says the same
    assert await level1_entries(order) == [5307]
    seen = await estimate(k1_session, capped.product_id)
    assert (seen["minFen"], seen["maxFen"]) == (5307, 5307)


async def test_no_commission_for_disabled_products_and_non_distributors(api):
    k1_session, k1 = await distributor_session(api)
    plain = await sku(19900, commission_enabled=False)
    earning = await sku(19900)
    stranger = await api.member()

    assert (await estimate(k1_session, plain.product_id))["maxFen"] == 0
    assert (await estimate(k1_session, earning.product_id))["maxFen"] == 1990
    assert (await estimate(stranger, earning.product_id))["skus"][0]["level1Fen"] == 0

    # a frozen distributor earns nothing new, so estimates nothing
    await Distributor.filter(id=k1.id).update(status=DistributorStatus.FROZEN)
    assert (await estimate(k1_session, earning.product_id))["maxFen"] == 0


async def test_an_unknown_or_unlisted_product_has_no_estimate(api):
    k1_session, _ = await distributor_session(api)
    draft = await sku(19900)
    await Product.filter(id=draft.product_id).update(status="OFF_SALE")

    assert await estimate(k1_session, draft.product_id) is None
    assert await estimate(k1_session, 987654) is None

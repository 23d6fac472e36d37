"""Checkout (SPEC 8.2, 8.3 shipping): placement, preview, idempotency, stock, refusals."""

from api.graphql.ids import to_global_id
from domain.catalog.models import Sku
from domain.orders.models import Order, OrderItem
from tests.support.api import make_store
from tests.support.catalog import make_category, make_product
from tests.support.orders import PREVIEW, delivery, new_key, pickup, place, place_ok


async def sku_priced(price: int, stock: int = 100) -> Sku:
    product = await make_product(await make_category(), (price,), stock=stock)
    return await Sku.get(product_id=product.id)


async def test_delivery_below_the_free_threshold_pays_shipping(api):
    sku = await sku_priced(4900)
    member = await api.member()

    order = await place_ok(member.client, delivery((sku, 2)))

    assert order["status"] == "PENDING_PAYMENT"
    assert (order["goods"], order["shipping"], order["payable"]) == (
        {"fen": 9800},
        {"fen": 1000},
        {"fen": 10800},
    )
    assert [(i["quantity"], i["amount"]["fen"], i["paid"]["fen"]) for i in order["items"]] == [
        (2, 9800, 9800)
    ]
    assert (await Sku.get(id=sku.id)).stock == 98


async def test_delivery_at_the_free_threshold_ships_free(api):
    sku = await sku_priced(9900)
    member = await api.member()

    order = await place_ok(member.client, delivery((sku, 1)))

    assert (order["shipping"], order["payable"]) == ({"fen": 0}, {"fen": 9900})


async def test_pickup_is_free_and_attributed_to_the_pickup_store(api):
    sku = await sku_priced(1000)
    store = await make_store()
    member = await api.member()

    order = await place_ok(member.client, pickup(store.id, (sku, 1)))

    assert (order["shipping"], order["payable"]) == ({"fen": 0}, {"fen": 1000})
    saved = await Order.get(number=order["number"])
    assert (saved.service_store_id, saved.channel, saved.attribution["service"]) == (
        store.id,
        "MINI_PROGRAM",
        {"store_id": store.id, "guide_id": None, "rule": "pickup_store"},
    )


async def test_preview_equals_placement_and_changes_nothing(api):
    cheap, dear = await sku_priced(2990), await sku_priced(19900)
    member = await api.member()
    checkout = delivery((cheap, 3), (dear, 1))

    preview = (await member.client.data(PREVIEW, {"input": checkout}))["checkoutPreview"]
    assert await Order.all().count() == 0
    assert (await Sku.get(id=cheap.id)).stock == 100
    order = await place_ok(member.client, checkout)

    assert preview["errors"] == []
    assert preview["preview"]["payable"] == order["payable"] == {"fen": 28870}
    assert [line["paid"] for line in preview["preview"]["lines"]] == [
        i["paid"] for i in order["items"]
    ]


async def test_same_key_returns_the_same_order(api):
    sku = await sku_priced(1000)
    member = await api.member()
    key = new_key()

    first = await place(member.client, delivery((sku, 1)), key)
    again = await place(member.client, delivery((sku, 1)), key)

    assert first["created"] is True
    assert again["created"] is False
    assert again["order"]["id"] == first["order"]["id"]
    assert await Order.all().count() == 1
    assert (await Sku.get(id=sku.id)).stock == 99


async def test_same_key_with_another_cart_is_refused(api):
    sku = await sku_priced(1000)
    member = await api.member()
    key = new_key()
    await place(member.client, delivery((sku, 1)), key)

    conflict = await place(member.client, delivery((sku, 2)), key)

    assert conflict == {
        "created": False,
        "order": None,
        "errors": [{"code": "IDEMPOTENCY_CONFLICT", "field": "idempotencyKey"}],
    }
    assert await Order.all().count() == 1
    assert (await Sku.get(id=sku.id)).stock == 99


async def test_keys_are_per_member(api):
    sku = await sku_priced(1000)
    one, two = await api.member(), await api.member()

    await place(one.client, delivery((sku, 1)), "shared-key")
    other = await place(two.client, delivery((sku, 2)), "shared-key")

    assert other["errors"] == []
    assert await Order.all().count() == 2


async def test_not_enough_stock_is_refused_and_nothing_is_taken(api):
    plenty, scarce = await sku_priced(1000), await sku_priced(1000, stock=1)
    member = await api.member()

    result = await place(member.client, delivery((plenty, 1), (scarce, 2)))

    assert result["errors"] == [{"code": "INSUFFICIENT_STOCK", "field": "input.lines.1.quantity"}]
    assert (await Sku.get(id=plenty.id)).stock == 100
    assert (await Sku.get(id=scarce.id)).stock == 1
    assert await Order.all().count() == 0


async def test_refusals_change_nothing(api):
    sku = await sku_priced(1000)
    draft = await make_product(await make_category(), status="DRAFT")
    draft_sku = await Sku.get(product_id=draft.id)
    member = await api.member()
    cases = [
        (delivery((sku, 0)), {"code": "OUT_OF_RANGE", "field": "input.lines.0.quantity"}),
        (delivery((sku, 100)), {"code": "OUT_OF_RANGE", "field": "input.lines.0.quantity"}),
        (delivery((sku, 1), (sku, 1)), {"code": "DUPLICATE", "field": "input.lines.1.skuId"}),
        (delivery((draft_sku, 1)), {"code": "NOT_ON_SALE", "field": "input.lines.0.skuId"}),
        ({**delivery((sku, 1)), "address": None}, {"code": "REQUIRED", "field": "input.address"}),
        (
            {**delivery((sku, 1)), "address": {**delivery()["address"], "phone": "12"}},
            {"code": "INVALID_PHONE", "field": "input.address.phone"},
        ),
        (pickup(999999, (sku, 1)), {"code": "NOT_FOUND", "field": "input.pickupStoreId"}),
        (
            {**delivery(), "lines": [{"skuId": to_global_id("Product", sku.id), "quantity": 1}]},
            {"code": "INVALID_ID", "field": "input.lines.0.skuId"},
        ),
        ({**delivery(), "lines": []}, {"code": "REQUIRED", "field": "input.lines"}),
    ]
    for checkout, error in cases:
        result = await place(member.client, checkout)
        assert result["errors"] == [error], (checkout, result)

    assert await Order.all().count() == 0
    assert await OrderItem.all().count() == 0
    assert (await Sku.get(id=sku.id)).stock == 100


async def test_more_than_50_lines_are_refused(api):
    member = await api.member()
    lines = [{"skuId": to_global_id("Sku", n), "quantity": 1} for n in range(1, 52)]

    result = await place(member.client, {**delivery(), "lines": lines})

    assert result["errors"] == [{"code": "OUT_OF_RANGE", "field": "input.lines"}]


async def test_anonymous_cannot_place_orders(api):
    sku = await sku_priced(1000)

    body = await api.shop().gql(
        'mutation($i: CheckoutInput!) { placeOrder(input: $i, idempotencyKey: "k") '
        "{ errors { code } } }",
        {"i": delivery((sku, 1))},
    )

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await Order.all().count() == 0

"""The member's cart (SPEC 21, issue 16 item 1): add, change quantity, select, remove, member
price, price change and availability, the 100-line limit, constant statements per read, and
checkout from the selected lines."""

from api.graphql.ids import to_global_id
from distribution.models import ServiceReason, ServiceRelationship
from domain import clock
from domain.catalog import service as catalog
from domain.catalog.models import Product, ProductStatus, Sku
from domain.orders.models import Order, OrderItem
from domain.org.models import StaffRole
from domain.storefront.models import CartLine
from tests.support.api import make_store
from tests.support.catalog import make_category, make_product
from tests.support.loyalty import set_growth
from tests.support.orders import ADDRESS, PREVIEW, new_key, place, place_ok
from tests.support.sql import count_statements
from tests.support.storefront import (
    HOME,
    REMOVE,
    SELECT,
    SET_QUANTITY,
    add_to_cart,
    added,
    create_address,
    read_cart,
    sku_id,
)


async def _sku(price: int = 10_000, stock: int = 100, **specs: str) -> Sku:
    product = await make_product(await make_category(), (price,), stock=stock)
    sku = (await product.skus.all())[0]
    if specs:
        await Sku.filter(id=sku.id).update(specs=specs)
        sku.specs = specs
    return sku


async def _cart_rows(member) -> list[tuple[int, int, bool]]:
    return [
        (line.sku_id, line.quantity, line.selected)
        for line in await CartLine.filter(member_id=member.member_id).order_by("id")
    ]


async def test_adding_a_sku_again_adds_to_its_line_capped_at_99(api):
    member = await api.member()
    sku = await _sku(stock=500)

    await added(member.client, sku, 2)
    cart = await added(member.client, sku, 3)
    assert [(line["quantity"], line["selected"]) for line in cart["lines"]] == [(5, True)]

    cart = await added(member.client, sku, 98)

    assert [line["quantity"] for line in cart["lines"]] == [99]
    assert await _cart_rows(member) == [(sku.id, 99, True)]


async def test_each_line_shows_member_price_price_change_and_availability(api):
    member = await api.member()
    await set_growth(member.member_id, 5_000)  # V2: pays 95%
    cheaper = await _sku(10_000, 50, 颜色="红")
    dearer = await _sku(2_999, 50)
    off_sale = await _sku(5_000, 50)
    sold_out = await _sku(5_000, 50)
    over = await _sku(5_000, 50)
    for sku in (cheaper, dearer, off_sale, sold_out, over):
        await added(member.client, sku, 3)
    await Sku.filter(id=cheaper.id).update(price_fen=9_000)
    await Sku.filter(id=dearer.id).update(price_fen=3_001)
    await Product.filter(id=off_sale.product_id).update(status=ProductStatus.OFF_SALE)
    await Sku.filter(id=sold_out.id).update(stock=0)
    await Sku.filter(id=over.id).update(stock=2)

    cart = await read_cart(member.client)

    lines = {line["sku"]["id"]: line for line in cart["lines"]}
    assert [line["sku"]["id"] for line in cart["lines"]] == [
        sku_id(s) for s in (over, sold_out, off_sale, dearer, cheaper)
    ]  # newest first
    first = lines[sku_id(cheaper)]
    assert first["memberPrice"] == {"fen": 8_550}  # 9000 × 95%
    assert first["sku"]["memberPrice"] == {"fen": 8_550}  # the storefront's own figure
    assert (first["addedPrice"], first["priceChange"]) == ({"fen": 10_000}, {"fen": -1_000})
    assert first["sku"]["specs"] == [{"name": "颜色", "value": "红"}]
    assert lines[sku_id(dearer)]["memberPrice"] == {"fen": 2_850}  # floor(3001 × 0.95)
    assert lines[sku_id(dearer)]["priceChange"] == {"fen": 2}
    assert {sku: line["availability"] for sku, line in lines.items()} == {
        sku_id(cheaper): "AVAILABLE",
        sku_id(dearer): "AVAILABLE",
        sku_id(off_sale): "OFF_SALE",
        sku_id(sold_out): "OUT_OF_STOCK",
        sku_id(over): "OVER_STOCK",
    }
    assert (cart["selectedCount"], cart["unavailableCount"]) == (5, 3)


async def test_bad_quantities_off_sale_and_unknown_skus_are_refused_and_change_nothing(api):
    member = await api.member()
    sku = await _sku(stock=10)
    off = await _sku()
    await Product.filter(id=off.product_id).update(status=ProductStatus.OFF_SALE)
    draft = await make_product(await make_category(), status=ProductStatus.DRAFT)
    draft_sku = (await draft.skus.all())[0]
    await added(member.client, sku, 4)

    refusals = [
        (sku, 0, "OUT_OF_RANGE", "quantity"),
        (sku, 100, "OUT_OF_RANGE", "quantity"),
        (off, 1, "NOT_ON_SALE", "skuId"),
        (draft_sku, 1, "NOT_FOUND", "skuId"),
        (sku, 7, "INSUFFICIENT_STOCK", "quantity"),  # 4 + 7 > 10 in stock
    ]
    for target, quantity, code, field in refusals:
        result = await add_to_cart(member.client, target, quantity)
        assert result["cart"] is None
        assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)]

    line = (await read_cart(member.client))["lines"][0]["id"]
    for quantity in (0, 100):
        result = (await member.client.data(SET_QUANTITY, {"line": line, "quantity": quantity}))[
            "setCartQuantity"
        ]
        assert [(e["code"], e["field"]) for e in result["errors"]] == [("OUT_OF_RANGE", "quantity")]
    assert await _cart_rows(member) == [(sku.id, 4, True)]


async def test_a_quantity_may_drop_below_the_stock_but_not_rise_past_it(api):
    member = await api.member()
    sku = await _sku(stock=10)
    line = (await added(member.client, sku, 8))["lines"][0]["id"]
    await Sku.filter(id=sku.id).update(stock=5)

    raised = (await member.client.data(SET_QUANTITY, {"line": line, "quantity": 9}))[
        "setCartQuantity"
    ]
    assert [e["code"] for e in raised["errors"]] == ["INSUFFICIENT_STOCK"]
    lowered = (await member.client.data(SET_QUANTITY, {"line": line, "quantity": 5}))[
        "setCartQuantity"
    ]

    assert lowered == {"cart": {"lines": [{"id": line, "quantity": 5}]}, "errors": []}


async def test_someone_elses_line_is_not_found_like_a_missing_one_and_nothing_changes(api):
    owner, other = await api.member(), await api.member()
    sku = await _sku()
    line = (await added(owner.client, sku, 2))["lines"][0]["id"]
    missing = to_global_id("CartLine", 999_999)

    for target in (line, missing):
        quantity = (await other.client.data(SET_QUANTITY, {"line": target, "quantity": 3}))[
            "setCartQuantity"
        ]
        selected = (await other.client.data(SELECT, {"lines": [target], "selected": False}))[
            "selectCartLines"
        ]
        removed = (await other.client.data(REMOVE, {"lines": [target]}))["removeCartLines"]
        assert quantity["errors"] == [{"code": "NOT_FOUND", "field": "lineId"}]
        assert selected["errors"] == [{"code": "NOT_FOUND", "field": "lineIds.0"}]
        assert removed["errors"] == [{"code": "NOT_FOUND", "field": "lineIds.0"}]
    assert await _cart_rows(owner) == [(sku.id, 2, True)]


async def test_select_one_or_all_and_remove(api):
    member = await api.member()
    skus = [await _sku() for _ in range(3)]
    for sku in skus:
        await added(member.client, sku)
    ids = [line["id"] for line in (await read_cart(member.client))["lines"]]

    none = (await member.client.data(SELECT, {"selected": False}))["selectCartLines"]
    assert none["cart"]["selectedCount"] == 0
    one = (await member.client.data(SELECT, {"lines": [ids[1]], "selected": True}))[
        "selectCartLines"
    ]
    assert [line["selected"] for line in one["cart"]["lines"]] == [False, True, False]
    # one unknown id among good ones refuses the whole request
    mixed = (
        await member.client.data(REMOVE, {"lines": [ids[0], to_global_id("CartLine", 999_999)]})
    )["removeCartLines"]
    assert mixed["errors"] == [{"code": "NOT_FOUND", "field": "lineIds.1"}]
    assert await CartLine.filter(member_id=member.member_id).count() == 3

    removed = (await member.client.data(REMOVE, {"lines": [ids[0], ids[2]]}))["removeCartLines"]

    assert removed == {"cart": {"lines": [{"id": ids[1]}]}, "errors": []}


async def test_a_cart_holds_100_lines_and_refuses_the_101st(api):
    member = await api.member()
    category = await make_category()
    product = await catalog.create_product(
        catalog.ProductInput(title="百色", category_id=category.id, status=ProductStatus.ON_SALE),
        [catalog.SkuInput(code=f"C-{i}", price_fen=100 + i, stock=10) for i in range(101)],
    )
    skus = list(await product.skus.all().order_by("id"))
    for sku in skus[:100]:
        await added(member.client, sku)

    refused = await add_to_cart(member.client, skus[100])
    again = await add_to_cart(member.client, skus[0])  # more of a line already there is fine

    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("CART_FULL", "skuId")]
    assert again["errors"] == []
    assert await CartLine.filter(member_id=member.member_id).count() == 100
    assert not await CartLine.exists(member_id=member.member_id, sku_id=skus[100].id)


async def test_reading_the_cart_costs_the_same_for_1_and_100_lines(api):
    member = await api.member()
    category = await make_category()
    counts = []
    for size in (1, 100):
        await CartLine.filter(member_id=member.member_id).delete()
        for _ in range(size):
            product = await make_product(category)
            await added(member.client, (await product.skus.all())[0])
        with count_statements(cold_settings=False) as log:
            cart = await read_cart(member.client)
        assert len(cart["lines"]) == size
        counts.append(log.count)

    assert counts == [3, 3], counts  # token, tier, lines with SKUs and products


FROM_CART = {"fromCart": True, "fulfilment": "DELIVERY", "address": ADDRESS}


async def test_preview_from_the_cart_costs_one_statement_more_than_from_lines(api):
    member = await api.member()
    a, b = await _sku(10_000), await _sku(2_500)
    await added(member.client, a, 2)
    await added(member.client, b, 1)
    lines = {
        "lines": [
            {"skuId": sku_id(b), "quantity": 1},
            {"skuId": sku_id(a), "quantity": 2},
        ],
        "fulfilment": "DELIVERY",
        "address": ADDRESS,
    }
    previews, counts = [], []
    for checkout in (lines, FROM_CART):
        await member.client.data(PREVIEW, {"input": checkout})  # warm, as a running server
        with count_statements(cold_settings=False) as log:
            previews.append(
                (await member.client.data(PREVIEW, {"input": checkout}))["checkoutPreview"]
            )
        counts.append(log.count)

    assert previews[0] == previews[1]
    assert previews[1]["preview"]["goods"] == {"fen": 22_500}
    assert counts[1] - counts[0] == 1, counts
    assert counts[1] - counts[0] <= 2


async def test_placing_from_the_cart_removes_the_selected_lines_only(api):
    member = await api.member()
    bought, kept = await _sku(10_000, 20), await _sku(3_000, 20)
    await added(member.client, bought, 2)
    cart = await added(member.client, kept, 1)
    kept_line = next(line["id"] for line in cart["lines"] if line["sku"]["id"] == sku_id(kept))
    await member.client.data(SELECT, {"lines": [kept_line], "selected": False})

    order = await place_ok(member.client, FROM_CART)

    assert order["goods"] == {"fen": 20_000}
    assert [(i["quantity"], i["amount"]) for i in order["items"]] == [(2, {"fen": 20_000})]
    assert await _cart_rows(member) == [(kept.id, 1, False)]
    assert (await Sku.get(id=bought.id)).stock == 18


async def test_an_unavailable_selected_line_refuses_the_order_naming_it(api):
    member = await api.member()
    fine, gone = await _sku(10_000), await _sku(5_000, 20, 尺码="L")
    await added(member.client, fine, 1)
    await added(member.client, gone, 2)
    await Product.filter(id=gone.product_id).update(status=ProductStatus.OFF_SALE, title="旧款外套")

    refused = await place(member.client, FROM_CART)

    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("NOT_ON_SALE", "input.fromCart")
    ]
    message = (
        await member.client.data(
            "query($input: CheckoutInput!) { checkoutPreview(input: $input) "
            "{ errors { message } } }",
            {"input": FROM_CART},
        )
    )["checkoutPreview"]["errors"][0]["message"]
    assert "旧款外套 L" in message
    assert await Order.all().count() == 0
    assert await CartLine.filter(member_id=member.member_id).count() == 2
    assert (await Sku.get(id=fine.id)).stock == 100


async def test_an_empty_selection_or_lines_with_from_cart_are_refused(api):
    member = await api.member()
    sku = await _sku()

    empty = await place(member.client, FROM_CART)
    await added(member.client, sku)
    both = await place(
        member.client, {**FROM_CART, "lines": [{"skuId": sku_id(sku), "quantity": 1}]}
    )

    assert [(e["code"], e["field"]) for e in empty["errors"]] == [("REQUIRED", "input.fromCart")]
    assert [(e["code"], e["field"]) for e in both["errors"]] == [("INVALID", "input.fromCart")]
    assert await Order.all().count() == 0
    assert await OrderItem.all().count() == 0


async def test_a_replayed_cart_order_returns_the_same_order(api):
    member = await api.member()
    await added(member.client, await _sku(), 1)
    key = new_key()

    first = await place(member.client, FROM_CART, key)
    again = await place(member.client, FROM_CART, key)

    assert (first["created"], again["created"]) == (True, False)
    assert first["order"]["id"] == again["order"]["id"]
    assert await Order.all().count() == 1


ASSISTED = """
mutation($m: ID!, $i: CheckoutInput!) {
  placeAssistedOrder(memberId: $m, input: $i, idempotencyKey: "assist-1") {
    order { id } errors { code field }
  }
}
"""


async def test_a_guide_cannot_place_from_the_members_cart_or_address_book(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    customer = await api.member()
    await ServiceRelationship.create(
        member_id=customer.member_id,
        store_id=store.id,
        guide_id=guide.staff.id,
        reason=ServiceReason.OFFLINE_SIGNUP,
        actor="test",
        valid_from=clock.now(),
    )
    await added(customer.client, await _sku(), 1)
    home = await create_address(customer.client, HOME)
    member_id = to_global_id("Member", customer.member_id)

    from_cart = await guide.client.data(ASSISTED, {"m": member_id, "i": FROM_CART})
    by_id = await guide.client.data(
        ASSISTED,
        {
            "m": member_id,
            "i": {
                "lines": [{"skuId": sku_id(await _sku()), "quantity": 1}],
                "fulfilment": "DELIVERY",
                "addressId": home["id"],
            },
        },
    )

    assert from_cart["placeAssistedOrder"]["errors"] == [
        {"code": "INVALID", "field": "input.fromCart"}
    ]
    assert by_id["placeAssistedOrder"]["errors"] == [
        {"code": "INVALID", "field": "input.addressId"}
    ]
    assert await Order.all().count() == 0
    assert await CartLine.filter(member_id=customer.member_id).count() == 1

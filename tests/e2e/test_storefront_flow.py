"""Issue 16's storefront flow through HTTP, as the mini-program drives it: browse → favourite →
add to cart → pick an address → see usable coupons → preview → place from the cart (the
selected lines leave it, the unselected stay) → pay in the sandbox, with exact amounts.

A V1 member (pays 98%) holds 满300减30 and 满600减60; the cart has a coat 39900 × 1 and a scarf
9900 × 2 selected, and a hat 5000 × 1 not selected."""

from api.graphql.ids import to_global_id
from domain.catalog.models import Product, Sku
from domain.orders.models import Order, OrderStatus
from domain.org.models import StaffRole
from domain.payments.models import Payment, PaymentStatus
from domain.storefront.models import CartLine
from loyalty.models import Coupon, CouponStatus
from tests.support.catalog import make_category, make_product
from tests.support.loyalty import amount_off, claimed, set_growth, template
from tests.support.orders import ORDER_FIELDS, new_key, order_pk, pay
from tests.support.storefront import HOME, MY_ADDRESSES, SELECT, added, create_address

PRODUCTS = "{ products(first: 10) { edges { node { id title memberPrice { fen } } } } }"
PRODUCT = "query($id: ID!) { product(id: $id) { id title skus { id memberPrice { fen } } } }"
FAVOURITE = "mutation($id: ID!) { addFavourite(productId: $id) { favourite errors { code } } }"
LISTS = """
{ myFavourites { edges { node { product { title } } } }
  browsingHistory { edges { node { product { title } } } } }
"""
COUPONS = """
query($input: CheckoutInput!) {
  couponsForCheckout(input: $input) {
    coupons { coupon { id template { name } } usable reason discount { fen } shortfall { fen } }
    errors { code field }
  }
}
"""
PREVIEW = """
query($input: CheckoutInput!) {
  checkoutPreview(input: $input) {
    preview { goods { fen } tierDiscount { fen } couponDiscount { fen } shipping { fen }
      payable { fen } lines { title specs { value } memberPrice { fen } quantity paid { fen } } }
    errors { code field }
  }
}
"""
PLACE = (
    """
mutation($input: CheckoutInput!, $key: String!) {
  placeOrder(input: $input, idempotencyKey: $key) { order { %s } errors { code field } }
}
"""
    % ORDER_FIELDS
)


async def test_browse_favourite_cart_address_coupons_preview_place_pay(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    await set_growth(member.member_id, 1_000)
    category = await make_category()
    coat = await make_product(category, (39_900,), title="羊毛大衣")
    scarf = await make_product(category, (9_900,), title="围巾")
    hat = await make_product(category, (5_000,), title="帽子")
    coat_sku = await Sku.get(product_id=coat.id)
    await Sku.filter(id=coat_sku.id).update(specs={"颜色": "黑"})
    small = await claimed(member, await template(operator, amount_off(3_000, 30_000)))
    large = await claimed(member, await template(operator, amount_off(6_000, 60_000)))

    # browse: the list, then the coat's page (which goes into the history)
    listed = (await member.client.data(PRODUCTS))["products"]["edges"]
    assert {e["node"]["title"]: e["node"]["memberPrice"]["fen"] for e in listed} == {
        "羊毛大衣": 39_102,
        "围巾": 9_702,
        "帽子": 4_900,
    }
    page = (await member.client.data(PRODUCT, {"id": to_global_id("Product", coat.id)}))["product"]
    assert page["skus"] == [
        {"id": to_global_id("Sku", coat_sku.id), "memberPrice": {"fen": 39_102}}
    ]

    # favourite it, and put three products in the cart; the hat stays unselected
    favourite = (await member.client.data(FAVOURITE, {"id": page["id"]}))["addFavourite"]
    assert favourite == {"favourite": True, "errors": []}
    await added(member.client, coat_sku, 1)
    await added(member.client, await Sku.get(product_id=scarf.id), 2)
    cart = await added(member.client, await Sku.get(product_id=hat.id), 1)
    hat_line = next(line["id"] for line in cart["lines"] if line["title"] == "帽子")
    await member.client.data(SELECT, {"lines": [hat_line], "selected": False})
    lists = await member.client.data(LISTS)
    assert [e["node"]["product"]["title"] for e in lists["myFavourites"]["edges"]] == ["羊毛大衣"]
    assert [e["node"]["product"]["title"] for e in lists["browsingHistory"]["edges"]] == [
        "羊毛大衣"
    ]

    # pick an address: the first one is the default
    await create_address(member.client, HOME)
    address = (await member.client.data(MY_ADDRESSES))["myAddresses"][0]
    assert address["isDefault"] is True
    checkout = {"fromCart": True, "fulfilment": "DELIVERY", "addressId": address["id"]}

    # see the coupons: after tier the selected goods are 39102 + 19404 = 58506
    coupons = (await member.client.data(COUPONS, {"input": checkout}))["couponsForCheckout"]
    assert [
        (c["coupon"]["id"], c["usable"], c["reason"], c["discount"]["fen"], c["shortfall"]["fen"])
        for c in coupons["coupons"]
    ] == [(small, True, None, 3_000, 0), (large, False, "THRESHOLD_NOT_MET", 0, 1_494)]

    # preview with the usable coupon: 3000 spread 2005 / 995, free shipping above 9900
    with_coupon = {**checkout, "couponId": small}
    preview = (await member.client.data(PREVIEW, {"input": with_coupon}))["checkoutPreview"]
    assert preview["errors"] == []
    assert preview["preview"]["lines"] == [
        {
            "title": "围巾",
            "specs": [],
            "memberPrice": {"fen": 9_702},
            "quantity": 2,
            "paid": {"fen": 18_409},
        },
        {
            "title": "羊毛大衣",
            "specs": [{"value": "黑"}],
            "memberPrice": {"fen": 39_102},
            "quantity": 1,
            "paid": {"fen": 37_097},
        },
    ]
    figures = preview["preview"]
    assert (
        figures["goods"]["fen"],
        figures["tierDiscount"]["fen"],
        figures["couponDiscount"]["fen"],
        figures["shipping"]["fen"],
        figures["payable"]["fen"],
    ) == (59_700, 1_194, 3_000, 0, 55_506)

    # place from the cart: the selected lines leave it, the hat stays
    placed = (await member.client.data(PLACE, {"input": with_coupon, "key": new_key()}))[
        "placeOrder"
    ]
    assert placed["errors"] == []
    order = placed["order"]
    assert order["payable"] == {"fen": 55_506}
    assert [(i["quantity"], i["paid"]["fen"]) for i in order["items"]] == [(2, 18_409), (1, 37_097)]
    assert [
        (line.sku_id, line.quantity, line.selected)
        for line in await CartLine.filter(member_id=member.member_id)
    ] == [((await Sku.get(product_id=hat.id)).id, 1, False)]
    stored = await Order.get(id=order_pk(order))
    assert stored.address == {
        "name": "李四",
        "phone": "+8613900002222",
        "region": "上海市徐汇区",
        "detail": "漕溪北路 2 号",
    }

    # pay in the sandbox
    await pay(api, member.client, order)
    paid = await Order.get(id=order_pk(order))
    assert (paid.status, paid.payable_fen) == (OrderStatus.PAID, 55_506)
    payment = await Payment.get(order_id=paid.id)
    assert (payment.status, payment.amount_fen) == (PaymentStatus.SUCCEEDED, 55_506)
    assert await Coupon.filter(status=CouponStatus.USED).count() == 1
    assert (await Sku.get(id=coat_sku.id)).stock == 99
    assert await Product.filter(id=coat.id).values_list("sales_count", flat=True) == [1]

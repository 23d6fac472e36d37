"""Coupons for a cart (SPEC 21, issue 16 item 4): usable ones first with what each takes off
(the checkout's own figures), then the unusable ones with the reason and the shortfall;
COUPON_THRESHOLD_NOT_MET says how much is missing; preview lines carry title, spec, image and
prices; constant statements however many coupons the member holds."""

from datetime import timedelta

from api.graphql.ids import from_global_id, to_global_id
from domain import clock
from domain.catalog.models import Product, Sku
from domain.org.models import StaffRole
from loyalty.models import (
    Coupon,
    CouponKind,
    CouponScope,
    CouponSource,
    CouponStatus,
    CouponTemplate,
)
from tests.support.catalog import make_category, make_product
from tests.support.loyalty import amount_off, claimed, set_growth, template
from tests.support.orders import ADDRESS, delivery, place
from tests.support.sql import count_statements

COUPONS = """
query($input: CheckoutInput!) {
  couponsForCheckout(input: $input) {
    coupons { coupon { id template { name } } usable reason discount { fen }
      shippingSaved { fen } shortfall { fen } }
    errors { code field }
  }
}
"""
PREVIEW = """
query($input: CheckoutInput!) {
  checkoutPreview(input: $input) {
    preview { couponDiscount { fen } shipping { fen } payable { fen }
      lines { skuId productId title specs { name value } image unitPrice { fen }
        memberPrice { fen } quantity amount { fen } tierDiscount { fen } } }
    errors { code field message }
  }
}
"""


async def _cart():
    parent = await make_category()
    child = await make_category(parent=parent)
    dress = await make_product(child, (6_000,), title="连衣裙")
    socks = await make_product(await make_category(), (2_000,), title="袜子")
    elsewhere = await make_product(await make_category(), (100,))
    skus = [await Sku.get(product_id=p.id) for p in (dress, socks)]
    return parent, elsewhere, delivery((skus[0], 1), (skus[1], 1))


async def test_usable_coupons_first_with_their_discount_then_the_unusable_with_reasons(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    parent, elsewhere, cart = await _cart()  # goods 8000, shipping 1000 (below 9900)
    specs = {
        "满50减10": amount_off(1_000, 5_000, name="满50减10"),
        "八折": {
            **amount_off(0, 0),
            "name": "八折",
            "kind": "PERCENT_OFF",
            "percentOffBp": 2_000,
            "capFen": 3_000,
        },
        "包邮": {**amount_off(0, 0), "name": "包邮", "kind": "FREE_SHIPPING"},
        "满100减5": amount_off(500, 10_000, name="满100减5"),
        "女装3元": amount_off(
            300,
            0,
            name="女装3元",
            scope="CATEGORIES",
            scopeIds=[to_global_id("Category", parent.id)],
        ),
        "他品": amount_off(
            300, 0, name="他品", scope="PRODUCTS", scopeIds=[to_global_id("Product", elsewhere.id)]
        ),
        "锁定": amount_off(200, 0, name="锁定"),
        "过期": amount_off(200, 0, name="过期"),
        "未到期": amount_off(200, 0, name="未到期"),
        "已用": amount_off(200, 0, name="已用"),
    }
    ids = {}
    with clock.frozen_at(clock.now()):
        for name, spec in specs.items():
            ids[name] = from_global_id(
                await claimed(member, await template(operator, spec)), "Coupon"
            )
    now = clock.now()
    await Coupon.filter(id=ids["锁定"]).update(status=CouponStatus.LOCKED)
    await Coupon.filter(id=ids["过期"]).update(
        status=CouponStatus.EXPIRED, valid_until=now - timedelta(days=1)
    )
    await Coupon.filter(id=ids["未到期"]).update(valid_from=now + timedelta(days=1))
    await Coupon.filter(id=ids["已用"]).update(status=CouponStatus.USED)

    result = (await member.client.data(COUPONS, {"input": cart}))["couponsForCheckout"]

    assert result["errors"] == []
    listed = [
        (
            c["coupon"]["template"]["name"],
            c["usable"],
            c["reason"],
            c["discount"]["fen"],
            c["shippingSaved"]["fen"],
            c["shortfall"]["fen"],
        )
        for c in result["coupons"]
    ]
    assert listed == [
        ("八折", True, None, 1_600, 0, 0),
        ("满50减10", True, None, 1_000, 0, 0),
        ("包邮", True, None, 0, 1_000, 0),
        ("女装3元", True, None, 300, 0, 0),  # the dress is in a sub-category
        ("满100减5", False, "THRESHOLD_NOT_MET", 0, 0, 2_000),
        ("他品", False, "OUT_OF_SCOPE", 0, 0, 0),
        ("未到期", False, "NOT_YET_VALID", 0, 0, 0),
        ("锁定", False, "LOCKED", 0, 0, 0),
        ("过期", False, "EXPIRED", 0, 0, 0),
    ]
    # the figures are checkout's: previewing with each usable coupon gives the same
    plain = (await member.client.data(PREVIEW, {"input": cart}))["checkoutPreview"]["preview"]
    for coupon in result["coupons"][:4]:
        priced = (
            await member.client.data(
                PREVIEW, {"input": {**cart, "couponId": coupon["coupon"]["id"]}}
            )
        )["checkoutPreview"]["preview"]
        assert priced["couponDiscount"] == coupon["discount"]
        assert (
            plain["shipping"]["fen"] - priced["shipping"]["fen"] == coupon["shippingSaved"]["fen"]
        )


async def test_the_threshold_refusal_says_how_much_is_missing(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    await set_growth(member.member_id, 1_000)  # V1: pays 98%, the threshold is judged after it
    _, _, cart = await _cart()
    coupon = await claimed(member, await template(operator, amount_off(500, 10_000)))

    refused = await place(member.client, {**cart, "couponId": coupon})
    previewed = (await member.client.data(PREVIEW, {"input": {**cart, "couponId": coupon}}))[
        "checkoutPreview"
    ]

    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("COUPON_THRESHOLD_NOT_MET", "input.couponId")
    ]
    assert previewed["errors"][0]["message"] == (
        "未达到优惠券使用门槛 / The order does not reach the coupon's threshold."
        " (还差 2160 分 / 2160 fen short)"  # 10000 - (5880 + 1960)
    )
    assert await Coupon.filter(status=CouponStatus.AVAILABLE).count() == 1


async def test_preview_lines_carry_title_spec_image_and_prices(api):
    member = await api.member()
    await set_growth(member.member_id, 1_000)  # V1: pays 98%
    product = await make_product(await make_category(), (2_999,), title="衬衫")
    await Product.filter(id=product.id).update(images=["https://img/1.jpg", "https://img/2.jpg"])
    sku = await Sku.get(product_id=product.id)
    await Sku.filter(id=sku.id).update(specs={"颜色": "白", "尺码": "M"})

    preview = (
        await member.client.data(
            PREVIEW,
            {
                "input": {
                    "lines": [{"skuId": to_global_id("Sku", sku.id), "quantity": 3}],
                    "fulfilment": "DELIVERY",
                    "address": ADDRESS,
                }
            },
        )
    )["checkoutPreview"]["preview"]

    (line,) = preview["lines"]
    # the spec values as stored (PostgreSQL's jsonb keeps its own key order)
    assert sorted(line.pop("specs"), key=lambda spec: spec["name"]) == [
        {"name": "尺码", "value": "M"},
        {"name": "颜色", "value": "白"},
    ]
    assert [line] == [
        {
            "skuId": to_global_id("Sku", sku.id),
            "productId": to_global_id("Product", product.id),
            "title": "衬衫",
            "image": "https://img/1.jpg",
            "unitPrice": {"fen": 2_999},
            "memberPrice": {"fen": 2_939},  # floor(2999 × 98%), as the product page shows
            "quantity": 3,
            "amount": {"fen": 8_997},
            "tierDiscount": {"fen": 180},  # 8997 - floor(8997 × 98%)
        }
    ]


async def _hold(member_id: int, count: int, parent_id: int) -> None:
    """`count` coupons of every kind and scope, made directly (the listing is under test)."""
    now = clock.now()
    kinds = [
        (CouponKind.AMOUNT_OFF, CouponScope.ALL, []),
        (CouponKind.PERCENT_OFF, CouponScope.ALL, []),
        (CouponKind.AMOUNT_OFF, CouponScope.CATEGORIES, [parent_id]),
        (CouponKind.FREE_SHIPPING, CouponScope.PRODUCTS, [999_999]),
    ]
    coupons = []
    for number in range(count):
        kind, scope, scope_ids = kinds[number % len(kinds)]
        made = await CouponTemplate.create(
            name=f"券{number}",
            kind=kind,
            amount_fen=100 + number,
            percent_off_bp=500,
            threshold_fen=number * 50,
            scope=scope,
            scope_ids=scope_ids,
            total_stock=1,
            stock_left=0,
            valid_days=30,
            created_at=now,
            updated_at=now,
        )
        coupons.append(
            Coupon(
                template=made,
                member_id=member_id,
                seq=1,
                source=CouponSource.ISSUE,
                status=[CouponStatus.AVAILABLE, CouponStatus.LOCKED][number % 7 == 0],
                valid_from=now,
                valid_until=now + timedelta(days=30),
                created_at=now,
            )
        )
    await Coupon.bulk_create(coupons)


async def test_the_listing_costs_the_same_for_1_and_200_coupons(api):
    one, many = await api.member(), await api.member()
    parent, _, cart = await _cart()
    await _hold(one.member_id, 3, parent.id)
    await _hold(many.member_id, 200, parent.id)
    counts, sizes = [], []
    for member in (one, many):
        await member.client.data(COUPONS, {"input": cart})  # warm, as a running server
        with count_statements(cold_settings=False) as log:
            listed = (await member.client.data(COUPONS, {"input": cart}))["couponsForCheckout"]
        counts.append(log.count)
        sizes.append(len(listed["coupons"]))

    assert sizes == [3, 200]
    # token, SKUs, tier, coupons with templates, sub-categories
    assert counts == [5, 5], counts

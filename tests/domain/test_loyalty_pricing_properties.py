"""Preview equals placement with every loyalty step plugged (SPEC 8.2, 8.3): random carts of a
member with a tier, a coupon and points price the same in `checkoutPreview` and `placeOrder`, and
the parts add up on every item."""

import random
from dataclasses import replace

from api.plugins import install_plugins
from domain import clock
from domain.catalog.models import Sku
from domain.errors import DomainError, ErrorCode
from domain.members.models import Member
from domain.orders import checkout, lifecycle
from domain.orders.models import Fulfilment, Order
from loyalty import points, tiers
from loyalty.coupons import grants
from loyalty.coupons.templates import TemplateInput, create_template
from loyalty.models import CouponKind, CouponSource
from tests.support.catalog import make_category, make_product


async def test_preview_equals_placement_with_tier_coupon_and_points(db):
    install_plugins()
    rng = random.Random(20261205)
    category = await make_category()
    skus = []
    for _ in range(10):
        product = await make_product(category, (rng.randint(100, 30000),), stock=10_000)
        skus.append(await Sku.get(product_id=product.id))
    coupon_kinds = [
        TemplateInput("满减", CouponKind.AMOUNT_OFF, amount_fen=1500, threshold_fen=5000),
        TemplateInput("折扣", CouponKind.PERCENT_OFF, percent_off_bp=1200, cap_fen=4000),
        TemplateInput("包邮", CouponKind.FREE_SHIPPING),
    ]
    templates = [
        await create_template(replace(spec, total_stock=1000, valid_days=30))
        for spec in coupon_kinds
    ]
    address = checkout.Address("李四", "13900001111", "杭州市", "湖滨路 1 号")
    for n in range(20):
        moment = clock.now()
        member = await Member.create(created_at=moment, updated_at=moment)
        await tiers.add_growth(member.id, rng.choice([0, 1000, 5000, 20000]))
        await points.adjust(points.Adjustment(member.id, rng.randint(1, 50_000), "t", "t"))
        coupon = await grants.grant(rng.choice(templates), member.id, CouponSource.ISSUE)
        chosen = rng.sample(skus, rng.randint(1, 5))
        lines = tuple(checkout.CartLine(s.id, rng.randint(1, 9)) for s in chosen)
        request = checkout.CheckoutRequest(
            lines=lines, fulfilment=Fulfilment.DELIVERY, address=address, coupon_id=coupon.id
        )
        try:
            limit = (await checkout.quote(member.id, request)).notes["points_limit"]
        except DomainError as error:  # below the coupon's threshold: no coupon then
            assert error.code == ErrorCode.COUPON_THRESHOLD_NOT_MET
            request = replace(request, coupon_id=None)
            limit = (await checkout.quote(member.id, request)).notes["points_limit"]
        held = await points.balance(member.id)
        wanted = rng.randint(0, min(limit, held))
        request = replace(request, points=wanted)

        quote = await checkout.quote(member.id, request)
        placed = await checkout.place_order(member.id, request, f"loyalty-prop-{n}")
        order = await Order.get(id=placed.order.id).prefetch_related("items")
        items = sorted(order.items, key=lambda i: i.line)

        assert order.payable_fen == quote.payable_fen
        assert (order.tier_discount_fen, order.coupon_discount_fen, order.points_used) == (
            quote.tier_discount_fen,
            quote.coupon_discount_fen,
            wanted,
        )
        assert [i.paid_fen for i in items] == [line.paid_fen for line in quote.lines]
        assert all(i.paid_fen >= 0 for i in items)
        assert sum(i.paid_fen for i in items) + order.shipping_fen == max(1, order.payable_fen)
        for item in items:
            assert item.amount_fen == (
                item.tier_discount_fen
                + item.coupon_discount_fen
                + item.points_discount_fen
                + item.paid_fen
            )
        assert await points.balance(member.id) == held - wanted
        await lifecycle.cancel(order, "TEST")
        assert await points.balance(member.id) == held

"""Pricing properties over random carts: parts add up, nothing negative, preview = placement."""

import asyncio
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import clock
from domain.catalog.models import Product, Sku
from domain.members.models import Member
from domain.orders import checkout
from domain.orders.models import Fulfilment, Order
from domain.orders.pricing import Pipeline, Quote, QuoteLine
from domain.settings.definitions import DEFINITIONS
from domain.settings.service import Settings
from tests.support.catalog import make_category, make_product

DEFAULTS = Settings({key: d.default for key, d in DEFINITIONS.items()})

lines_strategy = st.lists(
    st.tuples(st.integers(1, 10_000_000), st.integers(1, 99)), min_size=1, max_size=50
)


@given(lines=lines_strategy, pickup=st.booleans())
@settings(max_examples=200, deadline=None)
def test_item_paid_amounts_add_up_and_are_never_negative(lines, pickup):
    quote = Quote(
        member_id=1,
        lines=[
            QuoteLine(i, Sku(id=i + 1, price_fen=price), Product(id=i + 1), quantity)
            for i, (price, quantity) in enumerate(lines)
        ],
        fulfilment=Fulfilment.PICKUP if pickup else Fulfilment.DELIVERY,
        settings=DEFAULTS,
    )
    # The core's own pipeline: the loyalty steps (plugged by the app) need a database.
    asyncio.run(Pipeline().price(quote))

    assert all(line.paid_fen >= 0 for line in quote.lines)
    assert sum(line.paid_fen for line in quote.lines) == quote.goods_after_discounts_fen
    assert quote.goods_after_discounts_fen == (
        quote.goods_fen
        - quote.tier_discount_fen
        - quote.coupon_discount_fen
        - quote.points_discount_fen
    )
    assert quote.payable_fen == max(1, quote.goods_after_discounts_fen + quote.shipping_fen)
    free = pickup or quote.goods_after_discounts_fen >= 9900
    assert quote.shipping_fen == (0 if free else 1000)


async def test_preview_equals_placement_for_random_carts(db):
    rng = random.Random(20261122)
    category = await make_category()
    skus = []
    for _ in range(12):
        product = await make_product(category, (rng.randint(1, 30000),), stock=10_000)
        skus.append(await Sku.get(product_id=product.id))
    member = await Member.create(created_at=clock.now(), updated_at=clock.now())
    address = checkout.Address("李四", "13900001111", "杭州市", "湖滨路 1 号")

    for n in range(25):
        chosen = rng.sample(skus, rng.randint(1, 6))
        request = checkout.CheckoutRequest(
            lines=tuple(checkout.CartLine(s.id, rng.randint(1, 99)) for s in chosen),
            fulfilment=Fulfilment.DELIVERY,
            address=address,
        )
        quote = await checkout.quote(member.id, request)
        placed = await checkout.place_order(member.id, request, f"prop-{n}")
        order = await Order.get(id=placed.order.id).prefetch_related("items")
        items = sorted(order.items, key=lambda i: i.line)

        assert order.payable_fen == quote.payable_fen
        assert order.shipping_fen == quote.shipping_fen
        assert [i.paid_fen for i in items] == [line.paid_fen for line in quote.lines]
        assert sum(i.paid_fen for i in items) + order.shipping_fen == order.payable_fen

"""Concurrency on PostgreSQL with real parallel requests from two OS processes (SPEC 4, 8.2)."""

from domain.catalog.models import Product, Sku
from domain.orders.models import Order, OrderItem, OrderStatus
from domain.payments.models import PaymentNotification
from tests.support.catalog import make_category, make_product
from tests.support.orders import PAY, PLACE, delivery, order_pk, place_ok
from tests.support.racing import race, require_postgres


async def test_40_buyers_from_two_processes_race_for_10_units(api, backend, postgres_database_url):
    require_postgres(backend)
    product = await make_product(await make_category(), (1000,), stock=10)
    sku = await Sku.get(product_id=product.id)
    buyers = [await api.member() for _ in range(40)]
    requests = [
        {
            "path": "/graphql",
            "token": buyer.client.token,
            "json": {"query": PLACE, "variables": {"input": delivery((sku, 1)), "key": "race"}},
        }
        for buyer in buyers
    ]

    results = await race(postgres_database_url, [requests[:20], requests[20:]])

    placed = [r for r in results if r["body"]["data"]["placeOrder"]["order"]]
    refused = [r["body"]["data"]["placeOrder"]["errors"] for r in results if r not in placed]
    assert len(placed) == 10
    assert refused == [[{"code": "INSUFFICIENT_STOCK", "field": "input.lines.0.quantity"}]] * 30
    assert (await Sku.get(id=sku.id)).stock == 0
    assert await Order.all().count() == 10
    assert await OrderItem.all().count() == 10


async def test_same_idempotency_key_ten_times_at_once_makes_one_order(
    api, backend, postgres_database_url
):
    require_postgres(backend)
    product = await make_product(await make_category(), (1000,), stock=100)
    sku = await Sku.get(product_id=product.id)
    buyer = await api.member()
    request = {
        "path": "/graphql",
        "token": buyer.client.token,
        "json": {"query": PLACE, "variables": {"input": delivery((sku, 1)), "key": "once"}},
    }

    results = await race(postgres_database_url, [[request] * 5, [request] * 5])

    orders = {r["body"]["data"]["placeOrder"]["order"]["id"] for r in results}
    created = [r["body"]["data"]["placeOrder"]["created"] for r in results]
    assert len(orders) == 1
    assert created.count(True) == 1
    assert await Order.all().count() == 1
    assert (await Sku.get(id=sku.id)).stock == 99


async def test_the_same_payment_notification_20_times_at_once_pays_once(
    api, backend, postgres_database_url
):
    require_postgres(backend)
    product = await make_product(await make_category(), (1000,), stock=100)
    sku = await Sku.get(product_id=product.id)
    buyer = await api.member()
    order = await place_ok(buyer.client, delivery((sku, 2)))
    started = (await buyer.client.data(PAY, {"id": order["id"]}))["payOrder"]
    notify = {"path": f"/payments/sandbox/{started['outTradeNo']}/succeed"}

    results = await race(postgres_database_url, [[notify] * 10, [notify] * 10])

    assert [r["status"] for r in results] == [204] * 20
    saved = await Order.get(id=order_pk(order))
    assert saved.status == OrderStatus.PAID
    outcomes = await PaymentNotification.all().values_list("outcome", flat=True)
    assert sorted(outcomes) == ["PAID"] + ["REPEAT"] * 19
    assert (await Product.get(id=product.id)).sales_count == 2

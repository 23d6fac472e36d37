"""Order lifecycle (SPEC 8.1): guarded transitions, fulfilment, jobs as of --now."""

from datetime import timedelta

from api.jobs import run_job
from domain import clock, events
from domain.catalog.models import Product, Sku
from domain.orders.models import Order, OrderStatus
from domain.org.models import StaffRole
from domain.payments.models import Payment, PaymentStatus
from tests.support.api import make_store
from tests.support.catalog import make_category, make_product
from tests.support.orders import PAY, delivery, order_pk, pay, pickup, place_ok

CANCEL = "mutation($id: ID!) { cancelOrder(orderId: $id) { order { status } errors { code } } }"
CONFIRM = "mutation($id: ID!) { confirmReceipt(orderId: $id) { order { status } errors { code } } }"
SHIP = """
mutation($id: ID!) {
  shipOrder(orderId: $id, carrier: "SF", trackingNumber: "SF123") {
    order { status carrier trackingNumber } errors { code field }
  }
}
"""
VERIFY = """
mutation($code: String!) { verifyPickup(code: $code) { order { status } errors { code field } } }
"""


async def sku_with_stock(stock: int = 10, price: int = 5000) -> Sku:
    product = await make_product(await make_category(), (price,), stock=stock)
    return await Sku.get(product_id=product.id)


async def test_member_cancels_an_unpaid_order_and_stock_comes_back(api):
    sku = await sku_with_stock()
    member = await api.member()
    order = await place_ok(member.client, delivery((sku, 3)))

    result = (await member.client.data(CANCEL, {"id": order["id"]}))["cancelOrder"]

    assert result == {"order": {"status": "CANCELLED"}, "errors": []}
    assert (await Sku.get(id=sku.id)).stock == 10


async def test_paid_order_cannot_be_cancelled(api):
    sku = await sku_with_stock()
    member = await api.member()
    order = await place_ok(member.client, delivery((sku, 1)))
    await pay(api, member.client, order)

    result = (await member.client.data(CANCEL, {"id": order["id"]}))["cancelOrder"]

    assert result == {"order": None, "errors": [{"code": "INVALID_STATE"}]}
    assert (await Order.get(id=order_pk(order))).status == OrderStatus.PAID
    assert (await Sku.get(id=sku.id)).stock == 9


async def test_another_members_order_looks_not_found(api):
    sku = await sku_with_stock()
    owner, stranger = await api.member(), await api.member()
    order = await place_ok(owner.client, delivery((sku, 1)))

    result = (await stranger.client.data(CANCEL, {"id": order["id"]}))["cancelOrder"]
    lookup = await stranger.client.data(
        "query($id: ID!) { order(id: $id) { id } }", {"id": order["id"]}
    )

    assert result == {"order": None, "errors": [{"code": "NOT_FOUND"}]}
    assert lookup == {"order": None}
    assert (await Order.get(id=order_pk(order))).status == OrderStatus.PENDING_PAYMENT


async def test_delivery_is_shipped_then_received(api):
    sku = await sku_with_stock()
    member = await api.member()
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    order = await place_ok(member.client, delivery((sku, 2)))
    await pay(api, member.client, order)

    shipped = (await operator.client.data(SHIP, {"id": order["id"]}))["shipOrder"]
    again = (await operator.client.data(SHIP, {"id": order["id"]}))["shipOrder"]
    received = (await member.client.data(CONFIRM, {"id": order["id"]}))["confirmReceipt"]

    assert shipped == {
        "order": {"status": "SHIPPED", "carrier": "SF", "trackingNumber": "SF123"},
        "errors": [],
    }
    assert again == {"order": None, "errors": [{"code": "INVALID_STATE", "field": "orderId"}]}
    assert received == {"order": {"status": "COMPLETED"}, "errors": []}
    assert (await Product.get(id=sku.product_id)).sales_count == 2


async def test_unpaid_order_cannot_be_shipped_or_received(api):
    sku = await sku_with_stock()
    member = await api.member()
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    order = await place_ok(member.client, delivery((sku, 1)))

    shipped = (await operator.client.data(SHIP, {"id": order["id"]}))["shipOrder"]
    received = (await member.client.data(CONFIRM, {"id": order["id"]}))["confirmReceipt"]

    assert shipped["errors"] == [{"code": "INVALID_STATE", "field": "orderId"}]
    assert received["errors"] == [{"code": "INVALID_STATE"}]
    assert (await Order.get(id=order_pk(order))).status == OrderStatus.PENDING_PAYMENT


async def test_pickup_code_verified_by_staff_of_that_store_only(api):
    sku = await sku_with_stock()
    store, elsewhere = await make_store(), await make_store()
    member = await api.member()
    own_guide = await api.staff(StaffRole.GUIDE, store)
    other_guide = await api.staff(StaffRole.GUIDE, elsewhere)
    order = await place_ok(member.client, pickup(store.id, (sku, 1)))
    await pay(api, member.client, order)
    code = (await Order.get(id=order_pk(order))).pickup_code

    wrong_store = (await other_guide.client.data(VERIFY, {"code": code}))["verifyPickup"]
    right_store = (await own_guide.client.data(VERIFY, {"code": code}))["verifyPickup"]
    twice = (await own_guide.client.data(VERIFY, {"code": code}))["verifyPickup"]

    assert len(code) == 6
    assert wrong_store == {
        "order": None,
        "errors": [{"code": "INVALID_PICKUP_CODE", "field": "code"}],
    }
    assert right_store == {"order": {"status": "COMPLETED"}, "errors": []}
    assert twice["errors"] == [{"code": "INVALID_PICKUP_CODE", "field": "code"}]


async def test_jobs_cancel_unpaid_and_complete_shipped_as_of_now(api):
    sku = await sku_with_stock()
    member = await api.member()
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    start = clock.now()
    unpaid = await place_ok(member.client, delivery((sku, 1)))
    paid = await place_ok(member.client, delivery((sku, 1)))
    await pay(api, member.client, paid)
    await operator.client.data(SHIP, {"id": paid["id"]})

    assert await run_job("cancel-unpaid", start + timedelta(minutes=29)) == 0
    assert await run_job("cancel-unpaid", start + timedelta(minutes=31)) == 1
    assert await run_job("cancel-unpaid", start + timedelta(minutes=31)) == 0
    assert await run_job("auto-complete", start + timedelta(days=9, hours=23)) == 0
    assert await run_job("auto-complete", start + timedelta(days=10, minutes=1)) == 1

    assert (await Order.get(id=order_pk(unpaid))).status == OrderStatus.CANCELLED
    assert (await Order.get(id=order_pk(paid))).status == OrderStatus.COMPLETED
    assert (await Sku.get(id=sku.id)).stock == 9


async def test_a_failing_order_paid_handler_leaves_the_order_unpaid(api):
    sku = await sku_with_stock()
    member = await api.member()
    order = await place_ok(member.client, delivery((sku, 1)))
    started = (await member.client.data(PAY, {"id": order["id"]}))["payOrder"]

    async def broken(event):
        raise RuntimeError("commission could not be written")

    events.subscribe(events.OrderPaid, broken)
    try:
        response = await api.http.post(f"/payments/sandbox/{started['outTradeNo']}/succeed")
    finally:
        events.unsubscribe(events.OrderPaid, broken)

    assert response.status_code == 500
    assert (await Order.get(id=order_pk(order))).status == OrderStatus.PENDING_PAYMENT
    payment = await Payment.get(out_trade_no=started["outTradeNo"])
    assert payment.status == PaymentStatus.PENDING
    retried = await api.http.post(f"/payments/sandbox/{started['outTradeNo']}/succeed")
    assert retried.status_code == 204
    assert (await Order.get(id=order_pk(order))).status == OrderStatus.PAID

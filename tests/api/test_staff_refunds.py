"""Staff-initiated refunds (SPEC 21 "Refunds"): a stock-out refund of one item and the
cancellation of a paid, unshipped order, both through the normal approval path, scoped like
reviewRefund; every refusal changes nothing."""

from domain.catalog.models import Sku
from domain.orders.models import Order, OrderItem, OrderStatus, Refund, RefundStatus
from domain.org.models import StaffRole
from tests.api.test_refund_reasons import SAVE, reason
from tests.api.test_refunds import SHIP, paid_order, request
from tests.support.api import make_store
from tests.support.orders import order_pk

REFUND_ITEM = """
mutation($item: ID!, $code: String!, $amount: Long) {
  refundItem(itemId: $item, reasonCode: $code, amountFen: $amount, note: "缺货") {
    refund { status amount { fen } reasonCode reason } errors { code field }
  }
}
"""
CANCEL = """
mutation($id: ID!, $code: String!) {
  cancelPaidOrder(orderId: $id, reasonCode: $code) {
    refunds { status amount { fen } } errors { code field }
  }
}
"""


async def with_reasons(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    await operator.client.data(SAVE, reason("OUT_OF_STOCK"))
    await operator.client.data(SAVE, reason("OLD", active=False))
    return operator


async def item_states(order):
    items = await OrderItem.filter(order_id=order_pk(order)).order_by("line")
    return [(i.refunded_fen, i.refund_open, i.restocked_quantity) for i in items]


async def test_a_stock_out_refund_goes_straight_to_the_provider(api):
    operator = await with_reasons(api)
    _, order, (sku,) = await paid_order(api, (2,))
    item = order["items"][0]["id"]

    part = await operator.client.data(
        REFUND_ITEM, {"item": item, "code": "OUT_OF_STOCK", "amount": 5000}
    )
    rest = await operator.client.data(REFUND_ITEM, {"item": item, "code": "OUT_OF_STOCK"})

    assert part["refundItem"] == {
        "refund": {
            "status": "REFUNDED",
            "amount": {"fen": 5000},
            "reasonCode": "OUT_OF_STOCK",
            "reason": "缺货",
        },
        "errors": [],
    }
    assert rest["refundItem"]["refund"]["amount"] == {"fen": 5000}
    assert await item_states(order) == [(10000, False, 2)]
    assert (await Sku.get(id=sku.id)).stock == 10
    assert (await Order.get(id=order_pk(order))).status == OrderStatus.CLOSED
    refunds = await Refund.all().order_by("id")
    assert [(r.initiated_by, r.reviewed_by) for r in refunds] == [
        (f"staff:{operator.staff.id}", f"staff:{operator.staff.id}")
    ] * 2


async def test_refusals_change_nothing(api):
    operator = await with_reasons(api)
    store, other = await make_store(), await make_store()
    member, order, _ = await paid_order(api, (1, 1), store=store)
    foreign = await api.staff(StaffRole.STORE_MANAGER, other)
    guide = await api.staff(StaffRole.GUIDE, store)
    first, second = (i["id"] for i in order["items"])
    await request(member, order, 1000, line=1)
    before = await item_states(order)

    cases = [
        (operator, {"item": first, "code": "NOPE"}),
        (operator, {"item": first, "code": "OLD"}),
        (operator, {"item": first, "code": "OUT_OF_STOCK", "amount": 5001}),
        (operator, {"item": first, "code": "OUT_OF_STOCK", "amount": 0}),
        (operator, {"item": second, "code": "OUT_OF_STOCK"}),
        (foreign, {"item": first, "code": "OUT_OF_STOCK"}),
    ]
    results = [(await s.client.data(REFUND_ITEM, v))["refundItem"] for s, v in cases]
    by_guide = await guide.client.post(REFUND_ITEM, {"item": first, "code": "OUT_OF_STOCK"})

    assert [r["errors"] for r in results] == [
        [{"code": "UNKNOWN_REFUND_REASON", "field": "reasonCode"}],
        [{"code": "UNKNOWN_REFUND_REASON", "field": "reasonCode"}],
        [{"code": "REFUND_EXCEEDS_PAID", "field": "amountFen"}],
        [{"code": "AMOUNT_NOT_POSITIVE", "field": "amountFen"}],
        [{"code": "REFUND_IN_PROGRESS", "field": "itemId"}],
        [{"code": "NOT_FOUND", "field": "itemId"}],
    ]
    assert by_guide.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await item_states(order) == before == [(0, False, 0), (0, True, 0)]
    assert await Refund.all().count() == 1


async def test_store_manager_refunds_their_own_stores_item(api):
    await with_reasons(api)
    store = await make_store()
    _, order, _ = await paid_order(api, (1,), store=store)
    manager = await api.staff(StaffRole.STORE_MANAGER, store)

    done = await manager.client.data(
        REFUND_ITEM, {"item": order["items"][0]["id"], "code": "OUT_OF_STOCK"}
    )

    assert done["refundItem"]["refund"]["status"] == "REFUNDED"
    assert await item_states(order) == [(5000, False, 1)]


async def test_cancelling_a_paid_order_refunds_every_item_and_closes_it(api):
    operator = await with_reasons(api)
    _, order, skus = await paid_order(api, (1, 3))

    cancelled = await operator.client.data(CANCEL, {"id": order["id"], "code": "OUT_OF_STOCK"})

    assert cancelled["cancelPaidOrder"] == {
        "refunds": [
            {"status": "REFUNDED", "amount": {"fen": 5000}},
            {"status": "REFUNDED", "amount": {"fen": 15000}},
        ],
        "errors": [],
    }
    assert await item_states(order) == [(5000, False, 1), (15000, False, 3)]
    assert [(await Sku.get(id=s.id)).stock for s in skus] == [10, 10]
    assert (await Order.get(id=order_pk(order))).status == OrderStatus.CLOSED


async def test_cancelling_refuses_shipped_orders_open_refunds_and_other_stores(api):
    operator = await with_reasons(api)
    store, other = await make_store(), await make_store()
    member, pending, _ = await paid_order(api, (1, 1), store=store)
    await request(member, pending, 1000, line=1)
    _, shipped, _ = await paid_order(api, (1,))
    await operator.client.data(SHIP, {"id": shipped["id"]})
    _, fresh, _ = await paid_order(api, (1,), store=store)
    foreign = await api.staff(StaffRole.STORE_MANAGER, other)
    before = (await item_states(pending), await item_states(shipped), await item_states(fresh))

    results = [
        (await s.client.data(CANCEL, {"id": o["id"], "code": code}))["cancelPaidOrder"]
        for s, o, code in (
            (operator, pending, "OUT_OF_STOCK"),
            (operator, shipped, "OUT_OF_STOCK"),
            (operator, fresh, "OLD"),
            (foreign, fresh, "OUT_OF_STOCK"),
        )
    ]

    assert [r["errors"] for r in results] == [
        [{"code": "REFUND_IN_PROGRESS", "field": "itemId"}],
        [{"code": "INVALID_STATE", "field": "orderId"}],
        [{"code": "UNKNOWN_REFUND_REASON", "field": "reasonCode"}],
        [{"code": "NOT_FOUND", "field": "orderId"}],
    ]
    after = (await item_states(pending), await item_states(shipped), await item_states(fresh))
    assert after == before
    assert await Refund.filter(status=RefundStatus.REQUESTED).count() == 1
    assert await Refund.all().count() == 1
    statuses = [(await Order.get(id=order_pk(o))).status for o in (pending, shipped, fresh)]
    assert statuses == [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.PAID]

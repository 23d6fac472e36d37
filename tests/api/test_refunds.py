"""Refunds (SPEC 8.6): per item, never more than paid, stock back when unshipped, CLOSED at the
end, reviewed by the order's store manager or HQ."""

from domain.catalog.models import Sku
from domain.orders.models import Order, OrderItem, OrderStatus, Refund, RefundStatus
from domain.org.models import StaffRole
from tests.support.api import make_store
from tests.support.catalog import make_category, make_product
from tests.support.orders import delivery, order_pk, pay, pickup, place_ok

REQUEST = """
mutation($item: ID!, $amount: Long!) {
  requestRefund(itemId: $item, amountFen: $amount, reason: "不想要了") {
    refund { id status amount { fen } } errors { code field }
  }
}
"""
REVIEW = """
mutation($id: ID!, $approve: Boolean!) {
  reviewRefund(id: $id, approve: $approve, note: "ok") { refund { status } errors { code field } }
}
"""
SHIP = """
mutation($id: ID!) {
  shipOrder(orderId: $id, carrier: "SF", trackingNumber: "1") { errors { code } }
}
"""


async def paid_order(api, quantities=(2,), price=5000, store=None):
    skus = []
    for _ in quantities:
        product = await make_product(await make_category(), (price,), stock=10)
        skus.append(await Sku.get(product_id=product.id))
    member = await api.member()
    lines = list(zip(skus, quantities, strict=True))
    checkout = pickup(store.id, *lines) if store else delivery(*lines)
    order = await place_ok(member.client, checkout)
    await pay(api, member.client, order)
    return member, order, skus


async def request(member, order, amount, line=0):
    item_id = order["items"][line]["id"]
    return (await member.client.data(REQUEST, {"item": item_id, "amount": amount}))["requestRefund"]


async def review(staff, refund_id, approve=True):
    return (await staff.client.data(REVIEW, {"id": refund_id, "approve": approve}))["reviewRefund"]


async def test_full_refund_of_an_unshipped_item_restocks_and_closes(api):
    member, order, (sku,) = await paid_order(api, (2,))
    hq = await api.staff(StaffRole.HQ_FINANCE)

    requested = await request(member, order, 10000)
    approved = await review(hq, requested["refund"]["id"])

    assert requested["refund"]["status"] == "REQUESTED"
    assert approved == {"refund": {"status": "REFUNDED"}, "errors": []}
    item = await OrderItem.get(order_id=order_pk(order))
    assert (item.refunded_fen, item.restocked_quantity, item.refund_open) == (10000, 2, False)
    assert (await Sku.get(id=sku.id)).stock == 10
    assert (await Order.get(id=order_pk(order))).status == OrderStatus.CLOSED


async def test_partial_refunds_never_pass_what_was_paid(api):
    member, order, _ = await paid_order(api, (2,))
    hq = await api.staff(StaffRole.HQ_ADMIN)

    first = await request(member, order, 6000)
    open_twice = await request(member, order, 100)
    await review(hq, first["refund"]["id"])
    too_much = await request(member, order, 4001)
    rest = await request(member, order, 4000)
    await review(hq, rest["refund"]["id"])
    after_full = await request(member, order, 1)

    assert open_twice == {
        "refund": None,
        "errors": [{"code": "REFUND_IN_PROGRESS", "field": "itemId"}],
    }
    assert too_much["errors"] == [{"code": "REFUND_EXCEEDS_PAID", "field": "amountFen"}]
    assert after_full["errors"] == [{"code": "INVALID_STATE", "field": "itemId"}]
    item = await OrderItem.get(order_id=order_pk(order))
    assert item.refunded_fen == 10000
    assert await Refund.filter(status=RefundStatus.REFUNDED).count() == 2


async def test_shipped_items_are_not_restocked_and_one_item_refund_keeps_the_order_open(api):
    member, order, skus = await paid_order(api, (1, 1))
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    await operator.client.data(SHIP, {"id": order["id"]})

    refund = await request(member, order, 5000, line=0)
    await review(operator, refund["refund"]["id"])

    assert [(await Sku.get(id=s.id)).stock for s in skus] == [9, 9]
    assert (await Order.get(id=order_pk(order))).status == OrderStatus.SHIPPED


async def test_rejection_reopens_the_item_and_changes_no_money(api):
    member, order, _ = await paid_order(api, (1,))
    hq = await api.staff(StaffRole.HQ_OPERATOR)
    refund = await request(member, order, 5000)

    rejected = await review(hq, refund["refund"]["id"], approve=False)
    again = await review(hq, refund["refund"]["id"], approve=True)
    reopened = await request(member, order, 5000)

    assert rejected == {"refund": {"status": "REJECTED"}, "errors": []}
    assert again["errors"] == [{"code": "INVALID_STATE", "field": "id"}]
    assert reopened["errors"] == []
    assert (await OrderItem.get(order_id=order_pk(order))).refunded_fen == 0


async def test_store_manager_reviews_only_their_stores_refunds(api):
    store, other = await make_store(), await make_store()
    member, order, _ = await paid_order(api, (1,), store=store)
    own = await api.staff(StaffRole.STORE_MANAGER, store)
    foreign = await api.staff(StaffRole.STORE_MANAGER, other)
    refund = await request(member, order, 5000)

    refused = await review(foreign, refund["refund"]["id"])
    still = (await Refund.get(out_refund_no__isnull=False)).status
    approved = await review(own, refund["refund"]["id"])

    assert refused == {"refund": None, "errors": [{"code": "NOT_FOUND", "field": "id"}]}
    assert still == RefundStatus.REQUESTED
    assert approved == {"refund": {"status": "REFUNDED"}, "errors": []}


async def test_unpaid_order_items_cannot_be_refunded(api):
    product = await make_product(await make_category(), (5000,), stock=10)
    sku = await Sku.get(product_id=product.id)
    member = await api.member()
    order = await place_ok(member.client, delivery((sku, 1)))

    result = await request(member, order, 100)

    assert result["errors"] == [{"code": "INVALID_STATE", "field": "itemId"}]
    assert await Refund.all().count() == 0


async def test_guides_cannot_review_refunds(api):
    member, order, _ = await paid_order(api, (1,))
    guide = await api.staff(StaffRole.GUIDE)
    refund = await request(member, order, 5000)

    body = await guide.client.gql(REVIEW, {"id": refund["refund"]["id"], "approve": True})

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await Refund.get(out_refund_no__isnull=False)).status == RefundStatus.REQUESTED

"""Return-and-refund (退货退款, SPEC 21 "Refunds"): approval with returnRequired waits for the
goods, the member records how they come back, the store confirms receipt, then the money goes
back through the normal path. Bad input is refused and changes nothing."""

from domain.orders.models import OrderItem, Refund, RefundStatus, ReturnMethod
from domain.org.models import StaffRole
from tests.api.test_refunds import SHIP, paid_order, request
from tests.support.api import make_store
from tests.support.orders import order_pk

APPROVE_WITH_RETURN = """
mutation($id: ID!) {
  reviewRefund(id: $id, approve: true, returnRequired: true) {
    refund { status } errors { code field }
  }
}
"""
RECORD = """
mutation($id: ID!, $method: ReturnMethod!, $carrier: String, $tracking: String) {
  recordRefundReturn(id: $id, method: $method, carrier: $carrier, trackingNumber: $tracking) {
    refund { status returnMethod returnCarrier returnTrackingNumber item { title } }
    errors { code field }
  }
}
"""
CONFIRM = """
mutation($id: ID!) { confirmRefundReturn(id: $id) { refund { status } errors { code field } } }
"""


async def shipped_refund(api, store=None):
    member, order, _ = await paid_order(api, (1,), store=store)
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    if store is None:
        await operator.client.data(SHIP, {"id": order["id"]})
    refund_id = (await request(member, order, 5000))["refund"]["id"]
    return member, order, operator, refund_id


async def return_state(refund_id_of_order):
    refund = await Refund.get(order_id=refund_id_of_order)
    return (
        refund.status,
        refund.return_method,
        refund.return_carrier,
        refund.return_tracking_number,
        refund.return_received_at is None,
    )


async def test_a_return_by_courier_then_receipt_refunds_the_money(api):
    member, order, operator, refund_id = await shipped_refund(api)

    approved = await operator.client.data(APPROVE_WITH_RETURN, {"id": refund_id})
    item_while_waiting = await OrderItem.get(order_id=order_pk(order))
    recorded = await member.client.data(
        RECORD, {"id": refund_id, "method": "EXPRESS", "carrier": "顺丰", "tracking": "SF123"}
    )
    confirmed = await operator.client.data(CONFIRM, {"id": refund_id})

    assert approved["reviewRefund"] == {"refund": {"status": "AWAITING_RETURN"}, "errors": []}
    assert (item_while_waiting.refunded_fen, item_while_waiting.refund_open) == (0, True)
    refund_after = recorded["recordRefundReturn"]["refund"]
    assert refund_after["status"] == "AWAITING_RETURN"
    assert (
        refund_after["returnMethod"],
        refund_after["returnCarrier"],
        refund_after["returnTrackingNumber"],
    ) == ("EXPRESS", "顺丰", "SF123")
    assert refund_after["item"]["title"] != ""
    assert confirmed["confirmRefundReturn"] == {"refund": {"status": "REFUNDED"}, "errors": []}
    item = await OrderItem.get(order_id=order_pk(order))
    assert (item.refunded_fen, item.refund_open) == (5000, False)
    refund = await Refund.get(order_id=order_pk(order))
    assert refund.return_received_by == f"staff:{operator.staff.id}"


async def test_a_return_at_the_store_confirmed_by_its_manager(api):
    store = await make_store()
    member, order, _, refund_id = await shipped_refund(api, store=store)
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    await manager.client.data(APPROVE_WITH_RETURN, {"id": refund_id})

    recorded = await member.client.data(RECORD, {"id": refund_id, "method": "STORE"})
    confirmed = await manager.client.data(CONFIRM, {"id": refund_id})

    assert recorded["recordRefundReturn"]["errors"] == []
    assert recorded["recordRefundReturn"]["refund"]["returnMethod"] == "STORE"
    assert confirmed["confirmRefundReturn"] == {"refund": {"status": "REFUNDED"}, "errors": []}
    assert (await Refund.get(order_id=order_pk(order))).return_method == ReturnMethod.STORE


async def test_bad_returns_are_refused_and_change_nothing(api):
    member, order, operator, refund_id = await shipped_refund(api)
    stranger = await api.member()
    express = {"id": refund_id, "method": "EXPRESS", "carrier": "顺丰", "tracking": "SF1"}

    not_asked = await member.client.data(RECORD, express)
    confirm_early = await operator.client.data(CONFIRM, {"id": refund_id})
    untouched = await return_state(order_pk(order))
    await operator.client.data(APPROVE_WITH_RETURN, {"id": refund_id})
    waiting = await return_state(order_pk(order))
    bad = [
        (await client.data(RECORD, variables))["recordRefundReturn"]["errors"]
        for client, variables in (
            (member.client, {**express, "tracking": None}),
            (member.client, {**express, "carrier": " "}),
            (member.client, {"id": refund_id, "method": "STORE", "tracking": "SF1"}),
            (stranger.client, express),
        )
    ]
    still_waiting = await return_state(order_pk(order))
    first = await member.client.data(RECORD, express)
    second = await member.client.data(RECORD, {**express, "tracking": "SF2"})

    assert not_asked["recordRefundReturn"]["errors"] == [
        {"code": "RETURN_NOT_REQUESTED", "field": "id"}
    ]
    assert confirm_early["confirmRefundReturn"]["errors"] == [
        {"code": "INVALID_STATE", "field": "id"}
    ]
    assert untouched == (RefundStatus.REQUESTED, None, None, None, True)
    assert waiting == (RefundStatus.AWAITING_RETURN, None, None, None, True)
    assert bad == [
        [{"code": "REQUIRED", "field": "trackingNumber"}],
        [{"code": "REQUIRED", "field": "carrier"}],
        [{"code": "INVALID", "field": "trackingNumber"}],
        [{"code": "NOT_FOUND", "field": "id"}],
    ]
    assert still_waiting == waiting
    assert first["recordRefundReturn"]["errors"] == []
    assert second["recordRefundReturn"]["errors"] == [
        {"code": "RETURN_ALREADY_RECORDED", "field": "id"}
    ]
    assert await return_state(order_pk(order)) == (
        RefundStatus.AWAITING_RETURN,
        ReturnMethod.EXPRESS,
        "顺丰",
        "SF1",
        True,
    )

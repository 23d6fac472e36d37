"""What the core tells of orders and refunds: the facts announced in their transactions (the
event handlers, one outbox row each) and whom each fact reaches."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from domain import clock, events
from domain.notifications.catalogue import NotifyEvent
from domain.notifications.fanout import Delivery, ToMember, ToStaff, announce
from domain.notifications.templates import amount_text, moment_text
from domain.orders.models import Order, OrderItem, Refund
from domain.org.models import StaffRole, Store

Values = dict[str, str]
PAID, SHIPPED, PICKUP_READY = "order.paid", "order.shipped", "order.pickup_ready"
REFUNDED, REFUND_REJECTED, REFUND_REQUESTED = "refund.done", "refund.rejected", "refund.requested"


async def on_order_paid(event: events.OrderPaid) -> None:
    await announce(PAID, f"o{event.order_id}", {"order_id": event.order_id})


async def on_order_shipped(event: events.OrderShipped) -> None:
    await announce(SHIPPED, f"o{event.order_id}", {"order_id": event.order_id})


async def on_ready_for_pickup(event: events.OrderReadyForPickup) -> None:
    data = {"order_id": event.order_id, "at": clock.now().isoformat()}
    await announce(PICKUP_READY, f"o{event.order_id}", data)


async def on_item_refunded(event: events.ItemRefunded) -> None:
    await announce(REFUNDED, f"r{event.refund_id}", {"refund_id": event.refund_id})


async def on_refund_rejected(event: events.RefundRejected) -> None:
    await announce(REFUND_REJECTED, f"r{event.refund_id}", {"refund_id": event.refund_id})


async def on_refund_requested(event: events.RefundRequested) -> None:
    await announce(REFUND_REQUESTED, f"r{event.refund_id}", {"refund_id": event.refund_id})


SUBSCRIPTIONS = (
    (events.OrderPaid, on_order_paid),
    (events.OrderShipped, on_order_shipped),
    (events.OrderReadyForPickup, on_ready_for_pickup),
    (events.ItemRefunded, on_item_refunded),
    (events.RefundRejected, on_refund_rejected),
    (events.RefundRequested, on_refund_requested),
)
"""What api/plugins.py subscribes."""


async def order_summary(order_id: int) -> tuple[Order, str] | None:
    """The order and what it bought in a few words ('Tea 等3件')."""
    order = await Order.get_or_none(id=order_id)
    if order is None:
        return None
    titles = (
        await OrderItem.filter(order_id=order_id).order_by("line").values_list("title", flat=True)
    )
    product = str(titles[0]) if titles else ""
    if len(titles) > 1:
        product += f" 等{len(titles)}件"
    return order, product


async def _to_buyer(
    payload: dict[str, Any], event: NotifyEvent, details: Callable[[Order], Awaitable[Values]]
) -> list[Delivery]:
    """The order's member told of it: its number and what it bought, with `details`."""
    found = await order_summary(payload["order_id"])
    if found is None:
        return []
    order, product = found
    values = {"order_no": order.number, "product": product, **await details(order)}
    return [ToMember(event, order.member_id, values)]


async def paid_member(payload: dict[str, Any]) -> list[Delivery]:
    async def details(order: Order) -> Values:
        return {"amount": amount_text(order.payable_fen), "paid_at": moment_text(order.paid_at)}

    return await _to_buyer(payload, NotifyEvent.ORDER_PAID, details)


async def shipped_member(payload: dict[str, Any]) -> list[Delivery]:
    async def details(order: Order) -> Values:
        return {
            "carrier": order.carrier or "",
            "tracking_no": order.tracking_number or "",
            "shipped_at": moment_text(order.shipped_at),
        }

    return await _to_buyer(payload, NotifyEvent.ORDER_SHIPPED, details)


async def pickup_member(payload: dict[str, Any]) -> list[Delivery]:
    async def details(order: Order) -> Values:
        store_id = order.pickup_store_id
        store = await Store.get_or_none(id=store_id) if store_id else None
        return {
            "store": store.name if store else "",
            "pickup_code": order.pickup_code or "",
            "ready_at": moment_text(datetime.fromisoformat(payload["at"])),
        }

    return await _to_buyer(payload, NotifyEvent.PICKUP_READY, details)


async def _refund_result(payload: dict[str, Any], result: str) -> list[Delivery]:
    refund = await Refund.get_or_none(id=payload["refund_id"]).prefetch_related("order", "item")
    if refund is None:
        return []
    values = {
        "order_no": refund.order.number,
        "product": refund.item.title,
        "amount": amount_text(refund.amount_fen),
        "result": result,
        "decided_at": moment_text(refund.reviewed_at or refund.created_at),
    }
    return [ToMember(NotifyEvent.REFUND_RESULT, refund.order.member_id, values)]


async def refunded_member(payload: dict[str, Any]) -> list[Delivery]:
    return await _refund_result(payload, "退款成功")


async def rejected_member(payload: dict[str, Any]) -> list[Delivery]:
    return await _refund_result(payload, "退款被拒")


async def requested_staff(payload: dict[str, Any]) -> list[Delivery]:
    """The store's managers review it (the order's pickup or serving store); an order of no
    store is HQ's: its operators."""
    refund = await Refund.get_or_none(id=payload["refund_id"]).prefetch_related("order")
    if refund is None:
        return []
    order = refund.order
    store_id = order.pickup_store_id or order.service_store_id
    body = f"订单 {order.number} 申请退款 {amount_text(refund.amount_fen)}"
    subject = f"Refund:{refund.id}"
    if store_id is None:
        roles: tuple[StaffRole, ...] = (StaffRole.HQ_OPERATOR,)
        return [ToStaff(NotifyEvent.REFUND_REQUESTED, roles, "退款待审核", body, subject=subject)]
    return [
        ToStaff(
            NotifyEvent.REFUND_REQUESTED,
            (StaffRole.STORE_MANAGER,),
            "退款待审核",
            body,
            store_id=store_id,
            confined=True,
            subject=subject,
        )
    ]


RESOLVERS = (
    (PAID, paid_member),
    (SHIPPED, shipped_member),
    (PICKUP_READY, pickup_member),
    (REFUNDED, refunded_member),
    (REFUND_REJECTED, rejected_member),
    (REFUND_REQUESTED, requested_staff),
)
"""What api/plugins.py registers with fanout.resolve."""

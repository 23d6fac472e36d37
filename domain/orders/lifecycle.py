"""Order state changes (SPEC 8.1) as compare-and-set updates on the current state.

An illegal transition changes nothing and reports INVALID_STATE with the state the order is in
and the one the change needs ("order is PAID; receipt needs SHIPPED"). Each change publishes its
event inside the same transaction, and only the caller that won the compare-and-set publishes, so
jobs running twice at once act once.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from datetime import datetime, timedelta

from tortoise.expressions import Subquery

from domain import clock, events, sql
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.orders import stock
from domain.orders.models import Fulfilment, Order, OrderItem, OrderStatus
from domain.settings.service import get_setting
from domain.shipping import uploads
from domain.shipping.models import WechatOrderState
from domain.shipping.packages import Package
from domain.shipping.uploads import UploadKind
from domain.sql import Sql

# Pickup codes are made at payment as six digits; anything else cannot be one.
_PICKUP_CODE = re.compile(r"[0-9]{6}")

PAID_STATES = (
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.READY_FOR_PICKUP,
    OrderStatus.COMPLETED,
)


async def _move(
    order_id: int, sources: tuple[OrderStatus, ...], target: OrderStatus, **changes: object
) -> bool:
    moved = await Order.filter(id=order_id, status__in=list(sources)).update(
        status=target, **changes
    )
    return bool(moved)


async def _refusal(order_id: int, change: str, sources: tuple[OrderStatus, ...]) -> DomainError:
    """INVALID_STATE for a compare-and-set that found the order elsewhere: read after the
    failed update, so it names the state that made it fail."""
    current = await Order.filter(id=order_id).first().values_list("status", flat=True)
    needed = " or ".join(sources)
    return DomainError(
        ErrorCode.INVALID_STATE, "id", f"order is {current}; {change} needs {needed}"
    )


async def _items_by_sku(order_id: int) -> Counter[int]:
    quantities: Counter[int] = Counter()
    for item in await OrderItem.filter(order_id=order_id):
        quantities[item.sku_id] += item.quantity
    return quantities


async def cancel(order: Order, reason: str) -> Order:
    """PENDING_PAYMENT → CANCELLED: stock comes back; coupon and points via OrderCancelled."""
    async with transaction():
        if not await _move(
            order.id,
            (OrderStatus.PENDING_PAYMENT,),
            OrderStatus.CANCELLED,
            cancelled_at=clock.now(),
            cancel_reason=reason,
        ):
            raise await _refusal(order.id, "cancelling", (OrderStatus.PENDING_PAYMENT,))
        await stock.give_back(dict(await _items_by_sku(order.id)))
        await events.publish(events.OrderCancelled(order.id, reason))
    await order.refresh_from_db()
    return order


# Hand-written (domain.sql): every paid order runs these.
_PAY = Sql(
    "orders.mark_paid",
    """UPDATE "order" SET status = :paid, paid_at = :now, pickup_code = :code
    WHERE id = :id AND status = :pending""",
)
_ITEMS = Sql(
    "orders.items",
    "SELECT {i} FROM order_item i WHERE i.order_id = :order_id ORDER BY i.line",
    i=OrderItem,
)
_COUNT_SALES = Sql(
    "orders.count_sales",
    "UPDATE product SET sales_count = sales_count + :quantity WHERE id = :id",
)


async def mark_paid(order: Order) -> bool:
    """PENDING_PAYMENT → PAID. False when the order was not awaiting payment. Caller's
    transaction. `order` may have been read before the transaction: only its id, fulfilment,
    amounts and attribution are used, and those never change."""
    order_id = order.id
    moment = clock.now()
    code = f"{secrets.randbelow(10**6):06d}" if order.fulfilment == Fulfilment.PICKUP else None
    paid = await sql.execute(
        _PAY,
        id=order_id,
        pending=OrderStatus.PENDING_PAYMENT,
        paid=OrderStatus.PAID,
        now=moment,
        code=code,
    )
    if not paid:
        return False
    # OrderPaid promises the order as paid: handlers read its payment time from the event.
    order.status, order.paid_at, order.pickup_code = OrderStatus.PAID, moment, code
    rows = await sql.fetch(_ITEMS, order_id=order_id)
    items = tuple(sql.as_model(OrderItem, row, "i") for row in rows)
    quantities: Counter[int] = Counter()
    for item in items:
        quantities[item.product_id] += item.quantity
    # Product rows in id order, like stock: concurrent payments must not deadlock.
    for product_id, quantity in sorted(quantities.items()):
        await sql.execute(_COUNT_SALES, id=product_id, quantity=quantity)
    await events.publish(events.OrderPaid(order_id, order, items))
    return True


async def ship(order: Order, packages: list[Package]) -> Order:
    """PAID → SHIPPED with its packages (checked by domain.shipping.packages; the order keeps
    the first one's carrier and tracking number, the upload all of them), and the order's
    shipping upload to WeChat written to the outbox: one statement more than the state change
    alone."""
    if order.fulfilment != Fulfilment.DELIVERY:
        raise DomainError(ErrorCode.INVALID_STATE, "id", "pickup orders are not shipped")
    first = packages[0]
    moment = clock.now()
    async with transaction():
        if not await _move(
            order.id,
            (OrderStatus.PAID,),
            OrderStatus.SHIPPED,
            shipped_at=moment,
            carrier=first.carrier,
            tracking_number=first.tracking_number,
        ):
            raise await _refusal(order.id, "shipping", (OrderStatus.PAID,))
        await uploads.enqueue(order, UploadKind.EXPRESS, moment, packages)
        await events.publish(events.OrderShipped(order.id))
    await order.refresh_from_db()
    return order


async def ready_for_pickup(order: Order) -> Order:
    if order.fulfilment != Fulfilment.PICKUP:
        raise DomainError(ErrorCode.INVALID_STATE, "id", "delivery orders are shipped")
    async with transaction():
        if not await _move(order.id, (OrderStatus.PAID,), OrderStatus.READY_FOR_PICKUP):
            raise await _refusal(order.id, "ready for pickup", (OrderStatus.PAID,))
        await events.publish(events.OrderReadyForPickup(order.id))
    await order.refresh_from_db()
    return order


async def complete(
    order: Order, sources: tuple[OrderStatus, ...], upload: UploadKind | None = None
) -> bool:
    """→ COMPLETED from one of `sources`; False when another actor got there first. `upload`:
    the completion is the fulfilment (pickup), whose shipping upload is written with it."""
    moment = clock.now()
    async with transaction():
        if not await _move(order.id, sources, OrderStatus.COMPLETED, completed_at=moment):
            return False
        if upload is not None:
            await uploads.enqueue(order, upload, moment)
        await events.publish(events.OrderCompleted(order.id))
    return True


async def confirm_receipt(order: Order) -> Order:
    if not await complete(order, (OrderStatus.SHIPPED,)):
        raise await _refusal(order.id, "receipt", (OrderStatus.SHIPPED,))
    await order.refresh_from_db()
    return order


async def verify_pickup(store_id: int | None, code: str) -> Order:
    """Store staff hand over a pickup order: its code, at its store (HQ may verify any)."""
    code = code.strip()
    if not _PICKUP_CODE.fullmatch(code):
        raise DomainError(ErrorCode.INVALID_PICKUP_CODE, "code")
    query = Order.filter(
        fulfilment=Fulfilment.PICKUP,
        pickup_code=code,
        status__in=[OrderStatus.PAID, OrderStatus.READY_FOR_PICKUP],
    )
    if store_id is not None:
        query = query.filter(pickup_store_id=store_id)
    found = await query.order_by("-paid_at").first()
    if found is None:
        raise DomainError(ErrorCode.INVALID_PICKUP_CODE, "code")
    handed_over = (OrderStatus.PAID, OrderStatus.READY_FOR_PICKUP)
    if not await complete(found, handed_over, upload=UploadKind.PICKUP):
        refusal = await _refusal(found.id, "pickup", handed_over)
        raise DomainError(refusal.code, "code", refusal.detail)
    await found.refresh_from_db()
    return found


async def cancel_expired(now: datetime) -> int:
    """Job: cancel unpaid orders past their payment deadline. Returns how many it cancelled."""
    cancelled = 0
    for order in await Order.filter(
        status=OrderStatus.PENDING_PAYMENT, pay_deadline__lte=now
    ).order_by("id"):
        try:
            await cancel(order, "PAYMENT_TIMEOUT")
            cancelled += 1
        except DomainError:
            continue  # paid or cancelled meanwhile
    return cancelled


async def complete_shipped(now: datetime) -> int:
    """Job: complete orders shipped `order.auto_complete_days` ago. With
    `wechat.shipping_management` on, only those WeChat has settled (domain.shipping.settlement):
    completing one earlier would settle commission ahead of WeChat releasing the money."""
    days = await get_setting("order.auto_complete_days")
    due = Order.filter(status=OrderStatus.SHIPPED, shipped_at__lte=now - timedelta(days=days))
    if await get_setting("wechat.shipping_management"):
        settled = WechatOrderState.filter(settled_at__isnull=False)
        due = due.filter(id__in=Subquery(settled.values_list("order_id", flat=True)))
    completed = 0
    for order in await due.order_by("id"):
        if await complete(order, (OrderStatus.SHIPPED,)):
            completed += 1
    return completed

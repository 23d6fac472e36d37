"""Order types shared by both schemas, built at the root field from the order row.

Items are read only when the selection asks for them, through a per-request DataLoader: a page
of orders costs one query for all their items, and a payOrder that asks for none costs none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from api.graphql.enums import FulfilmentEnum, OrderStatusEnum, RefundStatusEnum
from api.graphql.ids import to_global_id
from api.graphql.scalars import Long, Money
from api.shop.catalog import SpecValue
from domain.orders.models import Order, OrderItem, OrderStatus, Refund, RefundReason

SHOW_PICKUP_CODE = (OrderStatus.PAID, OrderStatus.READY_FOR_PICKUP)


@strawberry.type(
    name="OrderItem",
    description=(
        "One line of an order, priced at placing time (SPEC 8.3); its "
        "paid amount is the base of commission, growth and points."
    ),
)
class OrderItemNode:
    id: strawberry.ID = strawberry.field(description="Global ID (OrderItem).")
    sku_id: strawberry.ID = strawberry.field(description="Global ID of the Sku bought.")
    product_id: strawberry.ID = strawberry.field(description="Global ID of its Product.")
    title: str = strawberry.field(description="The product title when ordered.")
    specs: list[SpecValue] = strawberry.field(description="The SKU's specs when ordered.")
    unit_price: Money = strawberry.field(
        description="The SKU price when ordered, before any discount."
    )
    quantity: int
    amount: Money = strawberry.field(description="unitPrice × quantity.")
    tier_discount: Money = strawberry.field(
        description="Taken off by the member's tier (会员折扣)."
    )
    coupon_discount: Money = strawberry.field(
        description="This item's share of the coupon (largest-remainder allocation)."
    )
    points_discount: Money = strawberry.field(
        description="This item's share of the points used (1 point = 1 fen)."
    )
    paid: Money = strawberry.field(description="What this item paid, shipping excluded.")
    refunded: Money = strawberry.field(description="Refunded so far (at most paid).")


@strawberry.type(description="Where a delivery order goes.")
class DeliveryAddress:
    name: str
    phone: str
    region: str
    detail: str


@strawberry.type(
    name="Order",
    description=(
        "An order (订单). Amounts are Money in fen: payable = goods − "
        "tierDiscount − couponDiscount − points + shipping (at least 1 "
        "fen)."
    ),
)
class OrderNode:
    id: strawberry.ID = strawberry.field(description="Global ID (Order).")
    number: str = strawberry.field(description="The order number (订单号) shown to people; unique.")
    status: OrderStatusEnum
    fulfilment: FulfilmentEnum
    address: DeliveryAddress | None = strawberry.field(
        description="DELIVERY orders; null for PICKUP."
    )
    pickup_store_id: strawberry.ID | None = strawberry.field(
        description="PICKUP orders: global ID of the Store."
    )
    pickup_code: str | None = strawberry.field(description="Shown while the order awaits pickup.")
    goods: Money = strawberry.field(description="Sum of the items' amounts, before discounts.")
    tier_discount: Money = strawberry.field(description="Total tier discount.")
    coupon_discount: Money = strawberry.field(description="Total coupon discount.")
    points_used: Long = strawberry.field(  # type: ignore[valid-type]
        description="Points spent on the order (1 point = 1 fen off)."
    )
    shipping: Money = strawberry.field(
        description=(
            "Shipping fee; 0 for PICKUP, free shipping tiers or goods over "
            "order.free_shipping_threshold_fen."
        )
    )
    payable: Money = strawberry.field(description="What the member pays (实付), at least 1 fen.")
    order_pk: strawberry.Private[int]

    @strawberry.field(description="The order's lines in order.")
    async def items(self, info: Info) -> list[OrderItemNode]:
        return [item_node(item) for item in await order_items_loader(info).load(self.order_pk)]

    carrier: str | None = strawberry.field(description="Set when shipped.")
    tracking_number: str | None = strawberry.field(description="Set when shipped.")
    created_at: datetime
    pay_deadline: datetime = strawberry.field(
        description=(
            "Unpaid after this, the order is cancelled "
            "(order.payment_timeout_minutes after placing)."
        )
    )
    paid_at: datetime | None
    shipped_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None


def item_node(item: OrderItem) -> OrderItemNode:
    return OrderItemNode(
        id=strawberry.ID(to_global_id("OrderItem", item.id)),
        sku_id=strawberry.ID(to_global_id("Sku", item.sku_id)),
        product_id=strawberry.ID(to_global_id("Product", item.product_id)),
        title=item.title,
        specs=[SpecValue(name=k, value=v) for k, v in item.specs.items()],
        unit_price=Money.of(item.unit_price_fen),
        quantity=item.quantity,
        amount=Money.of(item.amount_fen),
        tier_discount=Money.of(item.tier_discount_fen),
        coupon_discount=Money.of(item.coupon_discount_fen),
        points_discount=Money.of(item.points_discount_fen),
        paid=Money.of(item.paid_fen),
        refunded=Money.of(item.refunded_fen),
    )


def order_fields(order: Order, phone: str | None) -> dict:
    """The fields both schemas show; `phone` is the address phone as this viewer may see it."""
    address = None
    if order.address:
        address = DeliveryAddress(
            name=order.address["name"],
            phone=phone or "",
            region=order.address["region"],
            detail=order.address["detail"],
        )
    return {
        "id": strawberry.ID(to_global_id("Order", order.id)),
        "number": order.number,
        "status": order.status,
        "fulfilment": order.fulfilment,
        "address": address,
        "pickup_store_id": (
            strawberry.ID(to_global_id("Store", order.pickup_store_id))
            if order.pickup_store_id
            else None
        ),
        "pickup_code": order.pickup_code if order.status in SHOW_PICKUP_CODE else None,
        "goods": Money.of(order.goods_fen),
        "tier_discount": Money.of(order.tier_discount_fen),
        "coupon_discount": Money.of(order.coupon_discount_fen),
        "points_used": order.points_used,
        "shipping": Money.of(order.shipping_fen),
        "payable": Money.of(order.payable_fen),
        "order_pk": order.id,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "created_at": order.created_at,
        "pay_deadline": order.pay_deadline,
        "paid_at": order.paid_at,
        "shipped_at": order.shipped_at,
        "completed_at": order.completed_at,
        "cancelled_at": order.cancelled_at,
    }


async def _items_by_order(order_ids: Sequence[int]) -> list[list[OrderItem]]:
    grouped: dict[int, list[OrderItem]] = defaultdict(list)
    for item in await OrderItem.filter(order_id__in=list(order_ids)).order_by("order_id", "line"):
        grouped[item.order_id].append(item)
    return [grouped[order_id] for order_id in order_ids]


def order_items_loader(info: Info) -> DataLoader[int, list[OrderItem]]:
    return info.context.loader("order_items", lambda: DataLoader(load_fn=_items_by_order))


@strawberry.type(
    name="Refund", description="An after-sale refund request (售后) on one order item."
)
class RefundNode:
    id: strawberry.ID = strawberry.field(description="Global ID (Refund).")
    item_id: strawberry.ID = strawberry.field(description="Global ID of the OrderItem refunded.")
    amount: Money = strawberry.field(
        description="Asked for, in fen; refunded in full when approved."
    )
    reason: str
    reason_code: str | None = strawberry.field(
        description="The code of the refund reason chosen; null for words alone."
    )
    status: RefundStatusEnum
    review_note: str | None = strawberry.field(description="The reviewer's note, once reviewed.")


def refund_node(refund: Refund) -> RefundNode:
    return RefundNode(
        id=strawberry.ID(to_global_id("Refund", refund.id)),
        item_id=strawberry.ID(to_global_id("OrderItem", refund.item_id)),
        amount=Money.of(refund.amount_fen),
        reason=refund.reason,
        reason_code=refund.reason_code,
        status=refund.status,
        review_note=refund.review_note,
    )


@strawberry.type(name="RefundReason", description="A reason to choose when asking for a refund.")
class RefundReasonNode:
    code: str = strawberry.field(description="Stable code, given as requestRefund's reasonCode.")
    text_zh: str = strawberry.field(description="Chinese text.")
    text_en: str = strawberry.field(description="English text.")
    position: int = strawberry.field(description="Order in the list, smallest first.")
    active: bool = strawberry.field(description="Offered to members.")


def refund_reason_node(reason: RefundReason) -> RefundReasonNode:
    return RefundReasonNode(
        code=reason.code,
        text_zh=reason.text_zh,
        text_en=reason.text_en,
        position=reason.position,
        active=reason.active,
    )

"""The member's orders: preview, place, pay, cancel, confirm receipt, refund requests, lists."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import require_member
from api.graphql.enums import FulfilmentEnum, OrderStatusEnum
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, optional_global_id, to_global_id
from api.graphql.orders import OrderNode, RefundNode, order_fields, refund_node
from api.graphql.relay import NEWEST_FIRST, After, Connection, First, build_connection, fetch_page
from api.graphql.scalars import Long, Money
from api.shop.catalog import SpecValue, member_price_fen, spec_values
from domain.errors import DomainError, ErrorCode
from domain.money import BP_SCALE
from domain.orders import checkout, lifecycle, refunds
from domain.orders.models import Order, OrderStatus
from domain.orders.pricing import Quote
from domain.orders.queries import order_to_pay
from domain.payments.service import start_payment


@strawberry.input
class CartLineInput:
    sku_id: strawberry.ID = strawberry.field(
        description="A Sku global ID; each SKU at most once per cart (DUPLICATE)."
    )
    quantity: int = strawberry.field(description="1..99.")


@strawberry.input
class AddressInput:
    name: str = strawberry.field(description="Recipient's name (收货人), at most 32 characters.")
    phone: str = strawberry.field(
        description="Recipient's mobile number; stored normalised (E.164)."
    )
    region: str = strawberry.field(
        description="Province, city and district (省市区), at most 64 characters."
    )
    detail: str = strawberry.field(
        description="Street and number (详细地址), at most 200 characters."
    )


@strawberry.input
class CheckoutInput:
    lines: list[CartLineInput] = strawberry.field(
        default_factory=list, description="The goods (1 to 50 lines), unless `fromCart`."
    )
    fulfilment: FulfilmentEnum = strawberry.field(
        description="DELIVERY needs address or addressId; PICKUP needs pickupStoreId."
    )
    address: AddressInput | None = strawberry.field(
        default=None, description="Delivery: the address written out, or `addressId`."
    )
    pickup_store_id: strawberry.ID | None = strawberry.field(
        default=None, description="A Store global ID of an active store; required for PICKUP."
    )
    coupon_id: strawberry.ID | None = strawberry.field(
        default=None,
        description=(
            "One of the member's AVAILABLE coupons (a Coupon global ID); at most one per order."
        ),
    )
    points: Long = strawberry.field(  # type: ignore[valid-type]
        default=0,
        description=(
            "Points to use (1 point = 1 fen off); 0 by default; at most the balance and "
            "checkoutPreview's pointsLimit."
        ),
    )
    share_code: str | None = strawberry.field(
        default=None,
        description=(
            "The share code the member landed with, if any (at most 32 characters); an unknown "
            "code is ignored."
        ),
    )
    from_cart: bool = strawberry.field(
        default=False,
        description="The goods are the cart's selected lines (then `lines` stays empty); they "
        "leave the cart when the order is placed.",
    )
    address_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Delivery to an address of the member's book (the order keeps a copy).",
    )

    def to_domain(self) -> checkout.CheckoutRequest:
        if len(self.lines) > checkout.MAX_LINES:
            # Before parsing a line's id: the domain's limit, checked early.
            raise DomainError(ErrorCode.OUT_OF_RANGE, "lines", f"max {checkout.MAX_LINES}")
        address = self.address
        return checkout.CheckoutRequest(
            lines=tuple(
                checkout.CartLine(
                    from_global_id(line.sku_id, "Sku", f"lines.{i}.skuId"), line.quantity
                )
                for i, line in enumerate(self.lines)
            ),
            fulfilment=self.fulfilment,
            address=(
                checkout.Address(address.name, address.phone, address.region, address.detail)
                if address
                else None
            ),
            pickup_store_id=optional_global_id(self.pickup_store_id, "Store", "pickupStoreId"),
            coupon_id=optional_global_id(self.coupon_id, "Coupon", "couponId"),
            points=self.points,
            share_code=(self.share_code or "").strip() or None,
            from_cart=self.from_cart,
            address_id=optional_global_id(self.address_id, "Address", "addressId"),
        )


@strawberry.type(description="One cart line priced (SPEC 8.3), in fen.")
class PreviewLine:
    sku_id: strawberry.ID = strawberry.field(description="Global ID of the Sku.")
    product_id: strawberry.ID = strawberry.field(description="Global ID of the Product.")
    title: str
    specs: list[SpecValue] = strawberry.field(description="The SKU's spec values.")
    image: str | None = strawberry.field(description="The product's first image.")
    unit_price: Money = strawberry.field(description="The SKU's price of one unit.")
    member_price: Money = strawberry.field(
        description="One unit at this member's tier, as the product page shows it."
    )
    quantity: int
    amount: Money = strawberry.field(description="Price × quantity.")
    tier_discount: Money = strawberry.field(description="Taken off by the member's tier.")
    coupon_discount: Money = strawberry.field(description="This line's share of the coupon.")
    points_discount: Money = strawberry.field(description="This line's share of the points.")
    paid: Money = strawberry.field(description="What this line pays, shipping excluded.")


@strawberry.type(
    description=("What placeOrder would charge for this cart now, in fen; nothing is held.")
)
class CheckoutPreview:
    lines: list[PreviewLine]
    goods: Money = strawberry.field(description="Sum of the lines' amounts, before discounts.")
    tier_discount: Money
    coupon_discount: Money
    points_used: Long = strawberry.field(  # type: ignore[valid-type]
        description="Points that would be spent (1 point = 1 fen)."
    )
    points_limit: Long = strawberry.field(  # type: ignore[valid-type]
        description="The most points this cart may use (points.max_deduct_bp of goods after "
        "coupon), whatever the member holds."
    )
    points_discount: Money = strawberry.field(description="Taken off by those points.")
    shipping: Money = strawberry.field(description="Shipping fee after free-shipping rules.")
    payable: Money = strawberry.field(description="What the member would pay, at least 1 fen.")


@strawberry.type
class CheckoutPreviewResult:
    preview: CheckoutPreview | None = None
    errors: list[UserError]


def preview_of(quote: Quote) -> CheckoutPreview:
    keep_bp = quote.notes.get("price_keep_bp", BP_SCALE)
    return CheckoutPreview(
        lines=[
            PreviewLine(
                sku_id=strawberry.ID(to_global_id("Sku", line.sku.id)),
                product_id=strawberry.ID(to_global_id("Product", line.product.id)),
                title=line.product.title,
                specs=spec_values(line.sku),
                image=line.product.images[0] if line.product.images else None,
                unit_price=Money.of(line.sku.price_fen),
                member_price=Money.of(member_price_fen(line.sku.price_fen, keep_bp)),
                quantity=line.quantity,
                amount=Money.of(line.amount_fen),
                tier_discount=Money.of(line.tier_discount_fen),
                coupon_discount=Money.of(line.coupon_discount_fen),
                points_discount=Money.of(line.points_discount_fen),
                paid=Money.of(line.paid_fen),
            )
            for line in quote.lines
        ],
        goods=Money.of(quote.goods_fen),
        tier_discount=Money.of(quote.tier_discount_fen),
        coupon_discount=Money.of(quote.coupon_discount_fen),
        points_used=quote.points_used,
        points_limit=quote.notes.get("points_limit", 0),
        points_discount=Money.of(quote.points_discount_fen),
        shipping=Money.of(quote.shipping_fen),
        payable=Money.of(quote.payable_fen),
    )


@strawberry.type
class OrderPayload:
    order: OrderNode | None = None
    errors: list[UserError]


@strawberry.type
class PlaceOrderPayload:
    order: OrderNode | None = None
    created: bool = strawberry.field(
        default=False, description="False when the idempotency key returned an earlier order."
    )
    errors: list[UserError]


@strawberry.type
class PayOrderPayload:
    order: OrderNode | None = None
    provider: str | None = strawberry.field(
        default=None, description="The payment provider: SANDBOX or WECHAT_PAY_V3."
    )
    out_trade_no: str | None = strawberry.field(
        default=None, description="The payment's merchant order number (商户订单号)."
    )
    pay_params: strawberry.scalars.JSON | None = strawberry.field(
        default=None, description="Pass to wx.requestPayment as is."
    )
    errors: list[UserError]


@strawberry.type
class RefundPayload:
    refund: RefundNode | None = None
    errors: list[UserError]


def member_order_node(order: Order) -> OrderNode:
    phone = order.address["phone"] if order.address else None
    return OrderNode(**order_fields(order, phone))


async def _own_order(member_id: int, order_id: strawberry.ID) -> Order:
    pk = from_global_id(order_id, "Order", "orderId")
    order = await Order.filter(id=pk, member_id=member_id).first()
    if order is None:
        raise DomainError(ErrorCode.NOT_FOUND, "orderId")
    return order


async def checkout_preview(
    info: Info,
    input: Annotated[
        CheckoutInput, strawberry.argument(description="The cart as placeOrder would receive it.")
    ],
) -> CheckoutPreviewResult:
    member_id = await require_member(info)
    quote = await checkout.quote(member_id, input.to_domain())
    return CheckoutPreviewResult(preview=preview_of(quote), errors=[])


async def place_order(
    info: Info,
    input: Annotated[
        CheckoutInput,
        strawberry.argument(description="The cart, fulfilment, coupon, points and share code."),
    ],
    idempotency_key: Annotated[
        str,
        strawberry.argument(
            description=(
                "Required, at most 64 characters, chosen by the client per checkout (e.g. a UUID): "
                "sending it again returns the same order; the same key with another cart answers "
                "IDEMPOTENCY_CONFLICT."
            )
        ),
    ],
) -> PlaceOrderPayload:
    member_id = await require_member(info)
    placed = await checkout.place_order(member_id, input.to_domain(), idempotency_key)
    return PlaceOrderPayload(
        order=member_order_node(placed.order), created=placed.created, errors=[]
    )


async def cancel_order(
    info: Info,
    order_id: Annotated[
        strawberry.ID, strawberry.argument(description="An Order global ID of the member's own.")
    ],
) -> OrderPayload:
    member_id = await require_member(info)
    order = await lifecycle.cancel(await _own_order(member_id, order_id), "MEMBER")
    return OrderPayload(order=member_order_node(order), errors=[])


async def confirm_receipt(
    info: Info,
    order_id: Annotated[
        strawberry.ID,
        strawberry.argument(description="An Order global ID of the member's own, SHIPPED."),
    ],
) -> OrderPayload:
    member_id = await require_member(info)
    order = await lifecycle.confirm_receipt(await _own_order(member_id, order_id))
    return OrderPayload(order=member_order_node(order), errors=[])


async def pay_order(
    info: Info,
    order_id: Annotated[
        strawberry.ID,
        strawberry.argument(description="An Order global ID of the member's own, PENDING_PAYMENT."),
    ],
) -> PayOrderPayload:
    member_id = await require_member(info)
    provider = info.context.services.config.payment_provider
    to_pay = await order_to_pay(member_id, from_global_id(order_id, "Order", "orderId"))
    if to_pay is None:
        raise DomainError(ErrorCode.NOT_FOUND, "orderId")
    order, payer_openid = to_pay
    started = await start_payment(order, provider, payer_openid)
    return PayOrderPayload(
        order=member_order_node(order),
        provider=started.payment.provider,
        out_trade_no=started.payment.out_trade_no,
        pay_params=started.client_params,
        errors=[],
    )


async def request_refund(
    info: Info,
    item_id: Annotated[
        strawberry.ID,
        strawberry.argument(description="An OrderItem global ID of the member's own paid order."),
    ],
    amount_fen: Annotated[
        Long,  # type: ignore[valid-type]
        strawberry.argument(
            description=(
                "The amount to refund in fen, above 0 and at most what is left to refund of the "
                "item's paid amount."
            )
        ),
    ],
    reason: Annotated[
        str | None,
        strawberry.argument(
            description=(
                "The member's own words (退款说明), at most 200 characters; required when no "
                "reasonCode is given."
            )
        ),
    ] = None,
    reason_code: Annotated[
        str | None,
        strawberry.argument(description="The code of one of the active refundReasons."),
    ] = None,
) -> RefundPayload:
    member_id = await require_member(info)
    refund = await refunds.request_refund(
        member_id, from_global_id(item_id, "OrderItem", "itemId"), amount_fen, reason, reason_code
    )
    return RefundPayload(refund=refund_node(refund), errors=[])


async def order(
    info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="An Order global ID.")]
) -> OrderNode | None:
    """Null for an unknown, malformed or another member's id alike."""
    member_id = await require_member(info)
    return member_order_node(await _own_order(member_id, id))


async def my_orders(
    info: Info,
    status: Annotated[
        OrderStatusEnum | None,
        strawberry.argument(description="Only orders in this status; all when omitted."),
    ] = None,
    first: First = 20,
    after: After = None,
) -> Connection[OrderNode]:
    member_id = await require_member(info)
    queryset = Order.filter(member_id=member_id)
    if status is not None:
        queryset = queryset.filter(status=OrderStatus(status))
    rows, has_next = await fetch_page(queryset, NEWEST_FIRST, first, after)
    nodes = [member_order_node(r) for r in rows]
    return build_connection(rows, nodes, has_next, after, NEWEST_FIRST, queryset.count)

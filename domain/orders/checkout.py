"""Checkout (SPEC 8.2): preview and placement share one pricing path, so they always agree.

Placement is one transaction: stock taken with guarded updates, the order and its items written,
coupon and points reserved by their pricing steps, the attribution snapshot stored and
`OrderPlaced` published. An idempotency key makes retries return the same order; the same key
with a different request is refused.

The goods are the request's `lines`, or the member's selected cart lines (`from_cart`, one
statement more): those lines leave the cart in the order's transaction. A cart line that
cannot be bought is refused on `fromCart`, the message naming the product and its spec. The
delivery address is written inline or taken from the address book (`address_id`, one statement
more); either way the order keeps its own copy.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import timedelta

from tortoise.exceptions import IntegrityError

from domain import clock, events, sql
from domain.catalog.models import Product, ProductStatus, Sku
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.orders import attribution, stock
from domain.orders.models import Fulfilment, Order, OrderItem
from domain.orders.pricing import Quote, QuoteLine, pipeline
from domain.org.models import Store, StoreStatus
from domain.settings.service import load_settings
from domain.sql import Sql
from domain.storefront import addresses, cart
from domain.validation import clean_text

MAX_LINES = 50
MAX_SHARE_CODE = 32
MAX_QUANTITY = 99
MAX_POINTS = 10**9


@dataclass(frozen=True)
class CartLine:
    sku_id: int
    quantity: int


Address = addresses.AddressFields


@dataclass(frozen=True)
class CheckoutRequest:
    lines: tuple[CartLine, ...]
    fulfilment: Fulfilment
    address: Address | None = None
    pickup_store_id: int | None = None
    coupon_id: int | None = None
    points: int = 0
    share_code: str | None = None
    from_cart: bool = False
    address_id: int | None = None

    def fingerprint(self) -> str:
        """A hash of the request as sent, taken before it is validated (a replayed key answers
        with its order): a lone surrogate in the text must hash too, hence surrogatepass."""
        canonical = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Assistance:
    """A guide placing the order for the member (代客下单)."""

    staff_id: int
    store_id: int | None


@dataclass(frozen=True)
class Placement:
    order: Order
    created: bool


@dataclass(frozen=True)
class _Goods:
    """The lines to price and, when they come from the cart, their cart line ids."""

    lines: tuple[CartLine, ...]
    cart_line_ids: tuple[int, ...] = ()

    def field(self, index: int, name: str) -> str:
        return "fromCart" if self.cart_line_ids else f"lines.{index}.{name}"


async def _goods(member_id: int, request: CheckoutRequest) -> _Goods:
    if not request.from_cart:
        if not request.lines:
            raise DomainError(ErrorCode.REQUIRED, "lines")
        if len(request.lines) > MAX_LINES:
            raise DomainError(ErrorCode.OUT_OF_RANGE, "lines", f"max {MAX_LINES}")
        return _Goods(request.lines)
    if request.lines:
        raise DomainError(ErrorCode.INVALID, "fromCart", "lines or fromCart, not both")
    selected = await cart.selected_lines(member_id)
    if not selected:
        raise DomainError(ErrorCode.REQUIRED, "fromCart", "no line of the cart is selected")
    if len(selected) > MAX_LINES:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "fromCart", f"max {MAX_LINES} lines an order")
    return _Goods(
        tuple(CartLine(line.sku_id, line.quantity) for line in selected),
        tuple(line.line_id for line in selected),
    )


async def _address(member_id: int, request: CheckoutRequest) -> dict[str, str]:
    if request.address_id is not None:
        if request.address is not None:
            raise DomainError(ErrorCode.INVALID, "addressId", "address or addressId, not both")
        return await addresses.for_order(member_id, request.address_id)
    if request.address is None:
        raise DomainError(ErrorCode.REQUIRED, "address")
    return addresses.cleaned(request.address, "address.")


async def _validated(
    member_id: int, request: CheckoutRequest
) -> tuple[_Goods, dict[str, str] | None, int | None]:
    goods = await _goods(member_id, request)
    if request.share_code is not None and len(request.share_code) > MAX_SHARE_CODE:
        # No link has such a code: say so rather than shorten it into someone else's.
        raise DomainError(ErrorCode.INVALID_SHARE_CODE, "shareCode", f"max {MAX_SHARE_CODE}")
    seen: set[int] = set()
    for index, line in enumerate(goods.lines):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise DomainError(ErrorCode.OUT_OF_RANGE, f"lines.{index}.quantity", "1..99")
        if line.sku_id in seen:
            raise DomainError(ErrorCode.DUPLICATE, f"lines.{index}.skuId")
        seen.add(line.sku_id)
    if not 0 <= request.points <= MAX_POINTS:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "points")
    if request.fulfilment == Fulfilment.DELIVERY:
        return goods, await _address(member_id, request), None
    if request.pickup_store_id is None:
        raise DomainError(ErrorCode.REQUIRED, "pickupStoreId")
    if not await Store.exists(id=request.pickup_store_id, status=StoreStatus.ACTIVE):
        raise DomainError(ErrorCode.NOT_FOUND, "pickupStoreId")
    return goods, None, request.pickup_store_id


@sql.family("checkout.skus", sql.sizes(1, 3))
def _skus_statement(count: int) -> Sql:
    return Sql(  # only placeholders are formatted in
        f"checkout.skus[{count}]",
        f"""SELECT {{s}}, {{p}} FROM sku s JOIN product p ON p.id = s.product_id
        WHERE s.id IN ({sql.placeholders("sku", count)})""",  # noqa: S608
        s=Sku,
        p=Product,
    )


async def _skus_with_products(sku_ids: list[int]) -> dict[int, Sku]:
    """The SKUs by id, each with its product: one hand-written statement per checkout."""
    rows = await sql.fetch(_skus_statement(len(sku_ids)), **sql.numbered("sku", sku_ids))
    skus = {}
    for row in rows:
        sku = sql.as_model(Sku, row, "s")
        sku.product = sql.as_model(Product, row, "p")
        skus[sku.id] = sku
    return skus


_BY_IDEMPOTENCY_KEY = Sql(
    "checkout.order_by_key",
    'SELECT {o} FROM "order" o WHERE o.member_id = :member_id AND o.idempotency_key = :key',
    o=Order,
)


async def _order_by_key(member_id: int, key: str) -> Order | None:
    row = await sql.fetch_one(_BY_IDEMPOTENCY_KEY, member_id=member_id, key=key)
    return sql.as_model(Order, row, "o") if row else None


async def quote(member_id: int, request: CheckoutRequest) -> Quote:
    """Validate and price a cart without side effects (checkoutPreview; placeOrder's first step)."""
    return (await _priced(member_id, request)).quote


@dataclass(frozen=True)
class _Priced:
    quote: Quote
    address: dict[str, str] | None
    pickup_store_id: int | None
    cart_line_ids: tuple[int, ...]


def _named(sku: Sku) -> str:
    """A line as the member knows it (product title and spec values), for refusals of cart
    lines: the member picked them in the cart, not by position."""
    return " ".join([sku.product.title, *(str(value) for value in sku.specs.values())])


async def _priced(member_id: int, request: CheckoutRequest) -> _Priced:
    """The quote with the cleaned address and pickup store, validated once."""
    goods, address, pickup_store_id = await _validated(member_id, request)
    skus = await _skus_with_products([line.sku_id for line in goods.lines])
    lines = []
    for index, line in enumerate(goods.lines):
        sku = skus.get(line.sku_id)
        if sku is None:
            raise DomainError(ErrorCode.NOT_FOUND, goods.field(index, "skuId"))
        product = sku.product
        named = _named(sku) if goods.cart_line_ids else None
        if product.status != ProductStatus.ON_SALE:
            raise DomainError(ErrorCode.NOT_ON_SALE, goods.field(index, "skuId"), named)
        if sku.stock < line.quantity:
            raise DomainError(ErrorCode.INSUFFICIENT_STOCK, goods.field(index, "quantity"), named)
        lines.append(QuoteLine(index, sku, product, line.quantity))
    priced = Quote(
        member_id=member_id,
        lines=lines,
        fulfilment=request.fulfilment,
        settings=await load_settings(),
        coupon_id=request.coupon_id,
        points_requested=request.points,
    )
    await pipeline.price(priced)
    return _Priced(priced, address, pickup_store_id, goods.cart_line_ids)


async def place_order(
    member_id: int,
    request: CheckoutRequest,
    idempotency_key: str,
    assistance: Assistance | None = None,
) -> Placement:
    key = clean_text(idempotency_key, "idempotencyKey", 64)
    if assistance is not None:
        # A guide places for the member with the goods and address written out: the member's
        # cart and address book are the member's own (SPEC 13: staff never see a full phone).
        if request.from_cart:
            raise DomainError(ErrorCode.INVALID, "fromCart", "not for assisted orders")
        if request.address_id is not None:
            raise DomainError(ErrorCode.INVALID, "addressId", "not for assisted orders")
    fingerprint = request.fingerprint()
    existing = await _order_by_key(member_id, key)
    if existing is not None:
        return _replayed(existing, fingerprint)
    priced = await _priced(member_id, request)
    try:
        async with transaction():
            order = await _write(member_id, request, priced, key, fingerprint, assistance)
    except IntegrityError:
        # The same key was used concurrently: the other request made the order.
        existing = await _order_by_key(member_id, key)
        if existing is None:
            raise
        return _replayed(existing, fingerprint)
    return Placement(order, created=True)


def _replayed(order: Order, fingerprint: str) -> Placement:
    if order.request_hash != fingerprint:
        raise DomainError(ErrorCode.IDEMPOTENCY_CONFLICT, "idempotencyKey")
    return Placement(order, created=False)


def _order_number() -> str:
    return clock.to_shanghai(clock.now()).strftime("%y%m%d") + f"{secrets.randbelow(10**10):010d}"


async def _write(
    member_id: int,
    request: CheckoutRequest,
    checked: _Priced,
    key: str,
    fingerprint: str,
    assistance: Assistance | None,
) -> Order:
    priced = checked.quote
    pickup_store_id = checked.pickup_store_id
    await stock.take(
        {line.sku.id: line.quantity for line in priced.lines},
        {line.sku.id: f"lines.{line.line}.quantity" for line in priced.lines},
    )
    attributed = await attribution.attribute(
        attribution.AttributionRequest(
            member_id=member_id,
            fulfilment=request.fulfilment,
            pickup_store_id=pickup_store_id,
            share_code=request.share_code,
            assisting_staff_id=assistance.staff_id if assistance else None,
            assisting_store_id=assistance.store_id if assistance else None,
            settings=priced.settings,
        )
    )
    moment = clock.now()
    timeout = priced.settings["order.payment_timeout_minutes"]
    order = Order(
        number=_order_number(),
        member_id=member_id,
        fulfilment=request.fulfilment,
        address=checked.address,
        pickup_store_id=pickup_store_id,
        goods_fen=priced.goods_fen,
        tier_discount_fen=priced.tier_discount_fen,
        coupon_discount_fen=priced.coupon_discount_fen,
        points_used=priced.points_used,
        shipping_fen=priced.shipping_fen,
        payable_fen=priced.payable_fen,
        coupon_id=priced.applied_coupon_id,
        idempotency_key=key,
        request_hash=fingerprint,
        channel=attributed.channel,
        placed_by_staff_id=assistance.staff_id if assistance else None,
        share_code=request.share_code,
        service_store_id=attributed.service_store_id,
        service_guide_id=attributed.service_guide_id,
        level1_distributor_id=attributed.level1_distributor_id,
        level2_distributor_id=attributed.level2_distributor_id,
        share_link_id=attributed.share_link_id,
        attribution=attributed.snapshot,
        created_at=moment,
        pay_deadline=moment + timedelta(minutes=timeout),
    )
    await sql.insert(order)
    await sql.insert_many(
        [
            OrderItem(
                order=order,
                line=line.line,
                sku_id=line.sku.id,
                product_id=line.product.id,
                category_id=line.product.category_id,
                title=line.product.title,
                specs=line.sku.specs,
                commission_enabled=line.product.commission_enabled,
                unit_price_fen=line.sku.price_fen,
                quantity=line.quantity,
                amount_fen=line.amount_fen,
                tier_discount_fen=line.tier_discount_fen,
                coupon_discount_fen=line.coupon_discount_fen,
                points_discount_fen=line.points_discount_fen,
                paid_fen=line.paid_fen,
            )
            for line in priced.lines
        ]
    )
    await pipeline.commit(priced, order)
    if checked.cart_line_ids:
        await cart.remove_ordered(member_id, checked.cart_line_ids)
    await events.publish(events.OrderPlaced(order.id))
    return order

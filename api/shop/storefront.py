"""The member's storefront belongings (SPEC 21): cart, address book, favourites and browsing
history. Every id is the member's own: another member's cart line or address is NOT_FOUND,
exactly like a missing one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeAlias

import strawberry
from strawberry.types import Info

from api.auth.permissions import require_member
from api.graphql.enums import expose_enum
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, to_global_id
from api.graphql.relay import (
    After,
    Connection,
    First,
    Ordering,
    SortField,
    build_connection,
    fetch_page,
)
from api.graphql.scalars import Money
from api.shop.catalog import ProductNode, SkuNode, member_price_fen, product_nodes, sku_node
from domain.catalog.models import ProductStatus
from domain.errors import DomainError, ErrorCode
from domain.storefront import addresses, cart, favourites, history
from domain.storefront.models import Address, Availability, CartLine
from loyalty.tiers import price_keep_bp

expose_enum(
    Availability,
    "CartLineAvailability",
    "Whether a cart line can be bought as it stands (checked again at checkout).",
    {
        Availability.AVAILABLE: "On sale with enough stock for the quantity.",
        Availability.OFF_SALE: "The product is no longer on sale (下架).",
        Availability.OUT_OF_STOCK: "The SKU has no stock left (售罄).",
        Availability.OVER_STOCK: "The quantity is more than the stock left; lower it.",
    },
)
AvailabilityEnum: TypeAlias = Availability


# ---- cart ------------------------------------------------------------------------------------


@strawberry.type(name="CartLine")
class CartLineNode:
    id: strawberry.ID
    sku: SkuNode = strawberry.field(description="The SKU now (price, member price, stock).")
    product_id: strawberry.ID
    title: str
    image: str | None = strawberry.field(description="The product's first image.")
    quantity: int
    selected: bool
    member_price: Money = strawberry.field(
        description="One unit at this member's tier now, as the product page shows it."
    )
    added_price: Money = strawberry.field(description="The SKU's price when it was added.")
    price_change: Money = strawberry.field(
        description="The SKU's price now minus `addedPrice`: negative when it got cheaper."
    )
    availability: AvailabilityEnum
    added_at: datetime


@strawberry.type(name="Cart")
class CartNode:
    lines: list[CartLineNode] = strawberry.field(
        description=f"Newest first; at most {cart.MAX_LINES}. The amounts to pay come from "
        "`checkoutPreview(input: {fromCart: true})`."
    )
    selected_count: int = strawberry.field(description="Selected lines.")
    unavailable_count: int = strawberry.field(description="Lines not AVAILABLE.")


def _cart_line_node(line: CartLine, keep_bp: int) -> CartLineNode:
    sku = line.sku
    product = sku.product
    return CartLineNode(
        id=strawberry.ID(to_global_id("CartLine", line.id)),
        sku=sku_node(sku, keep_bp),
        product_id=strawberry.ID(to_global_id("Product", product.id)),
        title=product.title,
        image=product.images[0] if product.images else None,
        quantity=line.quantity,
        selected=line.selected,
        member_price=Money.of(member_price_fen(sku.price_fen, keep_bp)),
        added_price=Money.of(line.added_price_fen),
        price_change=Money.of(sku.price_fen - line.added_price_fen),
        availability=cart.availability(line),
        added_at=line.created_at,
    )


async def cart_of(member_id: int) -> CartNode:
    """Two statements whatever the cart holds: the tier and the lines with SKUs and products."""
    keep_bp = await price_keep_bp(member_id)
    nodes = [_cart_line_node(line, keep_bp) for line in await cart.lines(member_id)]
    return CartNode(
        lines=nodes,
        selected_count=sum(1 for node in nodes if node.selected),
        unavailable_count=sum(1 for node in nodes if node.availability != Availability.AVAILABLE),
    )


@strawberry.type
class CartPayload:
    cart: CartNode | None = None
    errors: list[UserError]


async def my_cart(info: Info) -> CartNode:
    return await cart_of(await require_member(info))


async def add_to_cart(
    info: Info,
    sku_id: Annotated[strawberry.ID, strawberry.argument(description="A Sku global ID.")],
    quantity: Annotated[
        int, strawberry.argument(description="1..99, added to the line's quantity (capped at 99).")
    ] = 1,
) -> CartPayload:
    """Adding a SKU already in the cart adds to its line (at most 99) and selects it."""
    member_id = await require_member(info)
    await cart.add(member_id, from_global_id(sku_id, "Sku", "skuId"), quantity)
    return CartPayload(cart=await cart_of(member_id), errors=[])


async def set_cart_quantity(
    info: Info,
    line_id: Annotated[strawberry.ID, strawberry.argument(description="A CartLine global ID.")],
    quantity: Annotated[int, strawberry.argument(description="The new quantity, 1..99.")],
) -> CartPayload:
    member_id = await require_member(info)
    await cart.set_quantity(member_id, from_global_id(line_id, "CartLine", "lineId"), quantity)
    return CartPayload(cart=await cart_of(member_id), errors=[])


def _line_ids(line_ids: list[strawberry.ID]) -> list[int]:
    if len(line_ids) > cart.MAX_LINES:
        # Before parsing each id: the limit, checked early (the domain checks it again).
        raise DomainError(ErrorCode.OUT_OF_RANGE, "lineIds", f"max {cart.MAX_LINES}")
    return [
        from_global_id(line_id, "CartLine", f"lineIds.{index}")
        for index, line_id in enumerate(line_ids)
    ]


async def select_cart_lines(
    info: Info,
    selected: Annotated[bool, strawberry.argument(description="true selects, false unselects.")],
    line_ids: Annotated[
        list[strawberry.ID] | None,
        strawberry.argument(description="CartLine global IDs (at most 100); omitted: every line."),
    ] = None,
) -> CartPayload:
    """Select or unselect the lines named, or every line when `lineIds` is left out."""
    member_id = await require_member(info)
    await cart.select(member_id, None if line_ids is None else _line_ids(line_ids), selected)
    return CartPayload(cart=await cart_of(member_id), errors=[])


async def remove_cart_lines(
    info: Info,
    line_ids: Annotated[
        list[strawberry.ID], strawberry.argument(description="CartLine global IDs (at most 100).")
    ],
) -> CartPayload:
    member_id = await require_member(info)
    await cart.remove(member_id, _line_ids(line_ids))
    return CartPayload(cart=await cart_of(member_id), errors=[])


# ---- address book ----------------------------------------------------------------------------


@strawberry.type(name="Address")
class AddressNode:
    id: strawberry.ID
    name: str
    phone: str = strawberry.field(description="The member's own entry, unmasked (E.164).")
    region: str
    detail: str
    is_default: bool


@strawberry.input
class AddressBookInput:
    name: str = strawberry.field(description="The recipient (收货人), at most 32 characters.")
    phone: str = strawberry.field(description="The recipient's mobile, normalised to E.164.")
    region: str = strawberry.field(description="Province, city and district, at most 64.")
    detail: str = strawberry.field(description="Street and number, at most 200 characters.")

    def to_domain(self) -> addresses.AddressFields:
        return addresses.AddressFields(self.name, self.phone, self.region, self.detail)


def address_node(address: Address) -> AddressNode:
    return AddressNode(
        id=strawberry.ID(to_global_id("Address", address.id)),
        name=address.name,
        phone=address.phone,
        region=address.region,
        detail=address.detail,
        is_default=address.is_default,
    )


@strawberry.type
class AddressPayload:
    address: AddressNode | None = None
    addresses: list[AddressNode] = strawberry.field(
        default_factory=list, description="The whole book after the change, default first."
    )
    errors: list[UserError]


async def _book_payload(member_id: int, changed: Address | None = None) -> AddressPayload:
    book = await addresses.book(member_id)
    current = next((a for a in book if changed is not None and a.id == changed.id), None)
    return AddressPayload(
        address=address_node(current) if current else None,
        addresses=[address_node(a) for a in book],
        errors=[],
    )


async def my_addresses(info: Info) -> list[AddressNode]:
    return [address_node(a) for a in await addresses.book(await require_member(info))]


async def create_address(
    info: Info,
    input: Annotated[AddressBookInput, strawberry.argument(description="The address.")],
    is_default: Annotated[
        bool, strawberry.argument(description="Make it the default (the first one always is).")
    ] = False,
) -> AddressPayload:
    """The first address is the default whatever `isDefault` says."""
    member_id = await require_member(info)
    created = await addresses.create(member_id, input.to_domain(), is_default)
    return await _book_payload(member_id, created)


async def update_address(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="An Address global ID.")],
    input: Annotated[AddressBookInput, strawberry.argument(description="Its new fields.")],
) -> AddressPayload:
    member_id = await require_member(info)
    address = await addresses.update(member_id, from_global_id(id, "Address"), input.to_domain())
    return await _book_payload(member_id, address)


async def delete_address(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="An Address global ID.")],
) -> AddressPayload:
    """Deleting the default makes the newest remaining address the default."""
    member_id = await require_member(info)
    await addresses.delete(member_id, from_global_id(id, "Address"))
    return await _book_payload(member_id)


async def set_default_address(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="An Address global ID.")],
) -> AddressPayload:
    member_id = await require_member(info)
    address = await addresses.set_default(member_id, from_global_id(id, "Address"))
    return await _book_payload(member_id, address)


# ---- favourites and history ------------------------------------------------------------------


@strawberry.type(name="Favourite")
class FavouriteNode:
    product: ProductNode
    on_sale: bool = strawberry.field(description="False once the product went off sale.")
    added_at: datetime


@strawberry.type(name="BrowsingRecord")
class BrowsingRecordNode:
    product: ProductNode
    on_sale: bool = strawberry.field(description="False once the product went off sale.")
    viewed_at: datetime


FAVOURITES_NEWEST_FIRST = Ordering((SortField("created_at", True, True), SortField("id", True)))
HISTORY_NEWEST_FIRST = Ordering((SortField("viewed_at", True, True), SortField("id", True)))


async def my_favourites(
    info: Info, first: First = 20, after: After = None
) -> Connection[FavouriteNode]:
    """Newest first, with each product as the product page shows it."""
    queryset = favourites.of_member(await require_member(info))
    rows, has_next = await fetch_page(queryset, FAVOURITES_NEWEST_FIRST, first, after)
    products = await product_nodes(info, [row.product for row in rows])
    nodes = [
        FavouriteNode(
            product=node,
            on_sale=row.product.status == ProductStatus.ON_SALE,
            added_at=row.created_at,
        )
        for row, node in zip(rows, products, strict=True)
    ]
    return build_connection(rows, nodes, has_next, after, FAVOURITES_NEWEST_FIRST, queryset.count)


async def browsing_history(
    info: Info, first: First = 20, after: After = None
) -> Connection[BrowsingRecordNode]:
    queryset = history.of_member(await require_member(info))
    rows, has_next = await fetch_page(queryset, HISTORY_NEWEST_FIRST, first, after)
    products = await product_nodes(info, [row.product for row in rows])
    nodes = [
        BrowsingRecordNode(
            product=node,
            on_sale=row.product.status == ProductStatus.ON_SALE,
            viewed_at=row.viewed_at,
        )
        for row, node in zip(rows, products, strict=True)
    ]
    return build_connection(rows, nodes, has_next, after, HISTORY_NEWEST_FIRST, queryset.count)


@strawberry.type
class FavouritePayload:
    product_id: strawberry.ID | None = None
    favourite: bool = strawberry.field(
        default=False, description="Whether the product is now among the favourites."
    )
    errors: list[UserError]


async def add_favourite(
    info: Info,
    product_id: Annotated[
        strawberry.ID, strawberry.argument(description="A Product global ID (on sale).")
    ],
) -> FavouritePayload:
    """Idempotent; a product not on sale is NOT_FOUND (as `product(id)` answers null)."""
    member_id = await require_member(info)
    await favourites.add(member_id, from_global_id(product_id, "Product", "productId"))
    return FavouritePayload(product_id=product_id, favourite=True, errors=[])


async def remove_favourite(
    info: Info,
    product_id: Annotated[strawberry.ID, strawberry.argument(description="A Product global ID.")],
) -> FavouritePayload:
    """Idempotent: removing a product that is not a favourite changes nothing."""
    member_id = await require_member(info)
    await favourites.remove(member_id, from_global_id(product_id, "Product", "productId"))
    return FavouritePayload(product_id=product_id, favourite=False, errors=[])


@strawberry.type
class ClearHistoryPayload:
    cleared: int = strawberry.field(default=0, description="How many products it held.")
    errors: list[UserError]


async def clear_browsing_history(info: Info) -> ClearHistoryPayload:
    return ClearHistoryPayload(cleared=await history.clear(await require_member(info)), errors=[])

"""The member's cart (SPEC 21): add, change quantity, select, remove; checkout takes the selected
lines and removes them in the order's transaction.

A cart holds at most `MAX_LINES` lines of 1..`MAX_QUANTITY` units each. Adding a SKU already in
the cart adds to its line (capped at `MAX_QUANTITY`) and selects it. Adding or raising a
quantity past the stock is refused; lowering one never is, so an over-stock line can be fixed.
Reading the cart is one statement whatever its size (lines with their SKUs and products).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain import clock, sql
from domain.catalog.models import ProductStatus, Sku
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.sql import Sql
from domain.storefront.members import lock_member
from domain.storefront.models import Availability, CartLine
from domain.validation import in_range

MAX_LINES = 100
MAX_QUANTITY = 99


def availability(line: CartLine) -> Availability:
    """Whether the line can be bought as it stands (its SKU and product loaded)."""
    if line.sku.product.status != ProductStatus.ON_SALE:
        return Availability.OFF_SALE
    if line.sku.stock <= 0:
        return Availability.OUT_OF_STOCK
    if line.quantity > line.sku.stock:
        return Availability.OVER_STOCK
    return Availability.AVAILABLE


async def lines(member_id: int) -> list[CartLine]:
    """The cart, newest line first, each with its SKU and product: one statement."""
    return list(
        await CartLine.filter(member_id=member_id).select_related("sku__product").order_by("-id")
    )


async def _sale_sku(sku_id: int) -> Sku:
    sku = await Sku.get_or_none(id=sku_id).select_related("product")
    if sku is None or sku.product.status == ProductStatus.DRAFT:
        raise DomainError(ErrorCode.NOT_FOUND, "skuId")
    if sku.product.status != ProductStatus.ON_SALE:
        raise DomainError(ErrorCode.NOT_ON_SALE, "skuId")
    return sku


async def add(member_id: int, sku_id: int, quantity: int) -> CartLine:
    """Put `quantity` of a SKU on sale into the cart (a new line, or more on its line)."""
    in_range(quantity, "quantity", 1, MAX_QUANTITY)
    sku = await _sale_sku(sku_id)
    moment = clock.now()
    async with transaction():
        await lock_member(member_id)
        line = await CartLine.get_or_none(member_id=member_id, sku_id=sku.id)
        if line is not None:
            wanted = min(line.quantity + quantity, MAX_QUANTITY)
            if wanted > sku.stock:
                raise DomainError(ErrorCode.INSUFFICIENT_STOCK, "quantity", f"{sku.stock} left")
            await CartLine.filter(id=line.id).update(
                quantity=wanted, selected=True, updated_at=moment
            )
            line.quantity, line.selected, line.updated_at = wanted, True, moment
            return line
        if await CartLine.filter(member_id=member_id).count() >= MAX_LINES:
            raise DomainError(ErrorCode.CART_FULL, "skuId", f"max {MAX_LINES}")
        if quantity > sku.stock:
            raise DomainError(ErrorCode.INSUFFICIENT_STOCK, "quantity", f"{sku.stock} left")
        return await CartLine.create(
            member_id=member_id,
            sku_id=sku.id,
            quantity=quantity,
            selected=True,
            added_price_fen=sku.price_fen,
            created_at=moment,
            updated_at=moment,
        )


async def set_quantity(member_id: int, line_id: int, quantity: int) -> None:
    """Change a line's quantity; raising it past the stock is refused, lowering is not."""
    in_range(quantity, "quantity", 1, MAX_QUANTITY)
    line = await CartLine.get_or_none(id=line_id, member_id=member_id).select_related("sku")
    if line is None:
        raise DomainError(ErrorCode.NOT_FOUND, "lineId")
    if quantity > line.quantity and quantity > line.sku.stock:
        raise DomainError(ErrorCode.INSUFFICIENT_STOCK, "quantity", f"{line.sku.stock} left")
    await CartLine.filter(id=line_id, member_id=member_id).update(
        quantity=quantity, updated_at=clock.now()
    )


async def _own_ids(member_id: int, line_ids: Sequence[int], field: str) -> list[int]:
    """The ids, each checked to be one of the member's lines: another member's line is
    NOT_FOUND exactly like a missing one, and names its place in the list."""
    if not line_ids:
        raise DomainError(ErrorCode.REQUIRED, field)
    if len(line_ids) > MAX_LINES:
        raise DomainError(ErrorCode.OUT_OF_RANGE, field, f"max {MAX_LINES}")
    rows = await CartLine.filter(member_id=member_id, id__in=list(line_ids)).values("id")
    found: set[int] = {row["id"] for row in rows}
    for index, line_id in enumerate(line_ids):
        if line_id not in found:
            raise DomainError(ErrorCode.NOT_FOUND, f"{field}.{index}")
    return sorted(found)


async def select(member_id: int, line_ids: Sequence[int] | None, selected: bool) -> None:
    """Select or unselect the given lines, or every line when `line_ids` is None."""
    lines_of_member = CartLine.filter(member_id=member_id)
    if line_ids is not None:
        lines_of_member = lines_of_member.filter(
            id__in=await _own_ids(member_id, line_ids, "lineIds")
        )
    await lines_of_member.update(selected=selected, updated_at=clock.now())


async def remove(member_id: int, line_ids: Sequence[int]) -> None:
    ids = await _own_ids(member_id, line_ids, "lineIds")
    await CartLine.filter(member_id=member_id, id__in=ids).delete()


@dataclass(frozen=True)
class SelectedLine:
    line_id: int
    sku_id: int
    quantity: int


_SELECTED = Sql(
    "cart.selected",
    """SELECT c.id, c.sku_id, c.quantity FROM cart_line c
    WHERE c.member_id = :member_id AND c.selected = :selected ORDER BY c.id DESC""",
)


async def selected_lines(member_id: int) -> list[SelectedLine]:
    """The selected lines, in the cart's order, for checkout: one statement."""
    rows = await sql.fetch(_SELECTED, member_id=member_id, selected=True)
    return [SelectedLine(row["id"], row["sku_id"], row["quantity"]) for row in rows]


async def remove_ordered(member_id: int, line_ids: Sequence[int]) -> None:
    """The lines an order was placed from leave the cart (the order's transaction)."""
    await CartLine.filter(member_id=member_id, id__in=list(line_ids)).delete()

"""Stock moves as guarded atomic updates: never negative, never oversold, any number of buyers
and processes. Callers run these inside the order's transaction."""

from __future__ import annotations

from tortoise.expressions import F

from domain import sql
from domain.catalog.models import Sku
from domain.errors import DomainError, ErrorCode
from domain.sql import Sql

_TAKE = Sql(
    "stock.take",
    "UPDATE sku SET stock = stock - :quantity WHERE id = :id AND stock >= :quantity",
)


async def take(quantities: dict[int, int], field_for: dict[int, str]) -> None:
    """Decrement every SKU or none (the caller's transaction rolls back on the refusal).

    SKUs are taken in id order so two carts never lock each other's rows in opposite orders.
    The update is hand-written SQL (`domain.sql`): every order line runs it.
    """
    for sku_id in sorted(quantities):
        quantity = quantities[sku_id]
        if not await sql.execute(_TAKE, id=sku_id, quantity=quantity):
            raise DomainError(ErrorCode.INSUFFICIENT_STOCK, field_for[sku_id])


async def give_back(quantities: dict[int, int]) -> None:
    for sku_id in sorted(quantities):
        if quantities[sku_id]:
            await Sku.filter(id=sku_id).update(stock=F("stock") + quantities[sku_id])

"""Favourite products (收藏): adding one already kept, or removing one not kept, changes
nothing. Only a product on sale can be added; a kept product that goes off sale stays listed
(the list says whether it is on sale)."""

from __future__ import annotations

from tortoise.queryset import QuerySet

from domain import clock, sql
from domain.catalog.models import Product, ProductStatus
from domain.errors import DomainError, ErrorCode
from domain.storefront.models import Favourite

_ADD = sql.Insert(
    "favourites.add", Favourite, tail='ON CONFLICT ("member_id", "product_id") DO NOTHING'
)


async def add(member_id: int, product_id: int) -> None:
    if not await Product.exists(id=product_id, status=ProductStatus.ON_SALE):
        raise DomainError(ErrorCode.NOT_FOUND, "productId")
    favourite = Favourite(member_id=member_id, product_id=product_id, created_at=clock.now())
    await sql.execute(_ADD, **_ADD.params([favourite]))


async def remove(member_id: int, product_id: int) -> None:
    await Favourite.filter(member_id=member_id, product_id=product_id).delete()


def of_member(member_id: int) -> QuerySet[Favourite]:
    """The member's favourites with their products (page them newest first)."""
    return Favourite.filter(member_id=member_id).select_related("product")

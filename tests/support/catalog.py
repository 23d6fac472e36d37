"""Catalog rows for tests, made through the domain services."""

from __future__ import annotations

import itertools

from domain.catalog import service as catalog
from domain.catalog.models import Category, Product, ProductStatus

_numbers = itertools.count(1)


async def make_category(name: str | None = None, parent: Category | None = None) -> Category:
    return await catalog.create_category(
        name or f"分类{next(_numbers)}", parent.id if parent else None
    )


async def make_product(
    category: Category,
    prices: tuple[int, ...] = (19900,),
    *,
    title: str | None = None,
    status: ProductStatus = ProductStatus.ON_SALE,
    stock: int = 100,
) -> Product:
    number = next(_numbers)
    return await catalog.create_product(
        catalog.ProductInput(
            title=title or f"商品{number}", category_id=category.id, status=status
        ),
        [
            catalog.SkuInput(code=f"SKU-{number}-{i}", price_fen=price, stock=stock)
            for i, price in enumerate(prices)
        ],
    )

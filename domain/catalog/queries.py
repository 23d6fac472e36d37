"""What the storefront may show: ON_SALE products, filtered; SKUs and categories in batches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from domain.catalog.models import Category, Product, ProductStatus, Sku
from domain.validation import search_text

MAX_KEYWORD = 50


@dataclass(frozen=True)
class ProductFilter:
    category_id: int | None = None
    keyword: str | None = None
    min_price_fen: int | None = None
    max_price_fen: int | None = None


def storefront_products(criteria: ProductFilter) -> QuerySet[Product]:
    """ON_SALE products matching the filter; a top-level category includes its children."""
    query = Product.filter(status=ProductStatus.ON_SALE)
    if criteria.category_id is not None:
        query = query.filter(
            Q(category_id=criteria.category_id) | Q(category__parent_id=criteria.category_id)
        )
    keyword = search_text(criteria.keyword, "filter.keyword", MAX_KEYWORD)
    if keyword:
        query = query.filter(title__icontains=keyword)
    if criteria.min_price_fen is not None:
        query = query.filter(min_price_fen__gte=criteria.min_price_fen)
    if criteria.max_price_fen is not None:
        query = query.filter(min_price_fen__lte=criteria.max_price_fen)
    return query


async def skus_by_product(product_ids: Iterable[int]) -> dict[int, list[Sku]]:
    grouped: dict[int, list[Sku]] = defaultdict(list)
    ids = list(product_ids)
    if ids:
        for sku in await Sku.filter(product_id__in=ids).order_by("id"):
            grouped[sku.product_id].append(sku)
    return grouped


async def categories_by_id(category_ids: Iterable[int]) -> dict[int, Category]:
    ids = list(set(category_ids))
    if not ids:
        return {}
    return {c.id: c for c in await Category.filter(id__in=ids)}

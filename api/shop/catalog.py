"""Storefront catalog: categories, the product list (filters, sorts, keyset pages) and details.

Every node is built whole at the root field from three batched queries (page, SKUs, categories)
plus the caller's tier, so a page costs the same SQL for 5 or 100 products and no per-field
resolver runs inside the list.
"""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.types import Info

from api.auth.permissions import optional_member
from api.graphql.ids import from_global_id, to_global_id
from api.graphql.relay import Connection, Ordering, SortField, build_connection, fetch_page
from api.graphql.scalars import Long, Money
from domain.catalog.models import Category, Product, ProductStatus, Sku
from domain.catalog.queries import (
    ProductFilter,
    categories_by_id,
    skus_by_product,
    storefront_products,
)
from domain.money import share
from domain.storefront import history
from loyalty.tiers import price_keep_bp


@strawberry.type(name="Category")
class CategoryNode:
    id: strawberry.ID
    name: str
    parent_id: strawberry.ID | None
    children: list[CategoryNode]


@strawberry.type(name="Sku")
class SkuNode:
    id: strawberry.ID
    code: str
    specs: list[SpecValue]
    price: Money
    list_price: Money | None
    member_price: Money
    stock: int
    in_stock: bool


@strawberry.type
class SpecValue:
    name: str
    value: str


@strawberry.type(name="Product")
class ProductNode:
    id: strawberry.ID
    title: str
    description: str
    images: list[str]
    sales_count: Long  # type: ignore[valid-type]
    price: Money = strawberry.field(description="The lowest SKU price.")
    member_price: Money = strawberry.field(description="The lowest SKU price for this member.")
    category: CategoryNode
    skus: list[SkuNode]


@strawberry.enum
class ProductSort(Enum):
    NEWEST = "NEWEST"
    PRICE_ASC = "PRICE_ASC"
    PRICE_DESC = "PRICE_DESC"
    SALES = "SALES"


ORDERINGS = {
    ProductSort.NEWEST: Ordering((SortField("created_at", True, True), SortField("id", True))),
    ProductSort.PRICE_ASC: Ordering((SortField("min_price_fen"), SortField("id"))),
    ProductSort.PRICE_DESC: Ordering((SortField("min_price_fen", True), SortField("id", True))),
    ProductSort.SALES: Ordering((SortField("sales_count", True), SortField("id", True))),
}


@strawberry.input
class ProductFilterInput:
    category_id: strawberry.ID | None = None
    keyword: str | None = None
    min_price_fen: Long | None = None  # type: ignore[valid-type]
    max_price_fen: Long | None = None  # type: ignore[valid-type]


def category_node(category: Category, children: list[CategoryNode] | None = None) -> CategoryNode:
    return CategoryNode(
        id=strawberry.ID(to_global_id("Category", category.id)),
        name=category.name,
        parent_id=(
            strawberry.ID(to_global_id("Category", category.parent_id))
            if category.parent_id
            else None
        ),
        children=children or [],
    )


def spec_values(sku: Sku) -> list[SpecValue]:
    return [SpecValue(name=k, value=v) for k, v in sku.specs.items()]


def member_price_fen(price_fen: int, keep_bp: int) -> int:
    """The storefront's member price of one unit: what every screen that shows a member price
    (product, cart, checkout preview) shows."""
    return share(price_fen, keep_bp)


def sku_node(sku: Sku, keep_bp: int) -> SkuNode:
    return SkuNode(
        id=strawberry.ID(to_global_id("Sku", sku.id)),
        code=sku.code,
        specs=spec_values(sku),
        price=Money.of(sku.price_fen),
        list_price=Money.of(sku.list_price_fen) if sku.list_price_fen is not None else None,
        member_price=Money.of(member_price_fen(sku.price_fen, keep_bp)),
        stock=sku.stock,
        in_stock=sku.stock > 0,
    )


def product_node(
    product: Product, skus: list[Sku], category: Category, keep_bp: int
) -> ProductNode:
    return ProductNode(
        id=strawberry.ID(to_global_id("Product", product.id)),
        title=product.title,
        description=product.description,
        images=list(product.images),
        sales_count=product.sales_count,
        price=Money.of(product.min_price_fen),
        member_price=Money.of(member_price_fen(product.min_price_fen, keep_bp)),
        category=category_node(category),
        skus=[sku_node(s, keep_bp) for s in skus],
    )


async def product_nodes(info: Info, products: list[Product]) -> list[ProductNode]:
    keep_bp = await price_keep_bp(await optional_member(info))
    skus = await skus_by_product(p.id for p in products)
    categories = await categories_by_id(p.category_id for p in products)
    return [
        product_node(p, skus.get(p.id, []), categories[p.category_id], keep_bp) for p in products
    ]


async def products(
    info: Info,
    filter: ProductFilterInput | None = None,
    sort: ProductSort = ProductSort.NEWEST,
    first: int | None = 20,
    after: str | None = None,
) -> Connection[ProductNode]:
    """A filter that makes no sense is BAD_USER_INPUT with its UserError."""
    criteria = filter or ProductFilterInput()
    queryset = storefront_products(
        ProductFilter(
            category_id=(
                from_global_id(criteria.category_id, "Category", "filter.categoryId")
                if criteria.category_id
                else None
            ),
            keyword=criteria.keyword,
            min_price_fen=criteria.min_price_fen,
            max_price_fen=criteria.max_price_fen,
        )
    )
    ordering = ORDERINGS[sort]
    rows, has_next = await fetch_page(queryset, ordering, first, after)
    return build_connection(
        rows, await product_nodes(info, rows), has_next, after, ordering, queryset.count
    )


async def product(info: Info, id: strawberry.ID) -> ProductNode | None:
    """Null for an unknown, malformed or unlisted id alike. A member's view goes into their
    browsing history (no statement for an anonymous visitor)."""
    found = await Product.get_or_none(
        id=from_global_id(id, "Product"), status=ProductStatus.ON_SALE
    )
    if found is None:
        return None
    member_id = await optional_member(info)
    if member_id is not None:
        await history.record(member_id, found.id)
    return (await product_nodes(info, [found]))[0]


async def category_tree() -> list[CategoryNode]:
    """The whole two-level tree, in display order: one query, and a plain list rather than a
    connection because a brand has tens of categories, not thousands."""
    rows = await Category.all().order_by("sort_order", "id")
    children: dict[int, list[CategoryNode]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(category_node(row))
    return [category_node(row, children.get(row.id)) for row in rows if row.parent_id is None]

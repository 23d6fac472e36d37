"""Storefront catalog: categories, the product list (filters, sorts, keyset pages) and details.

Every node is built whole at the root field from three batched queries (page, SKUs, categories)
plus the caller's tier, so a page costs the same SQL for 5 or 100 products and no per-field
resolver runs inside the list.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import optional_member
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


@strawberry.type(name="Category", description="A product category (分类); two levels.")
class CategoryNode:
    id: strawberry.ID = strawberry.field(description="Global ID (Category).")
    name: str
    parent_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the parent; null for a top-level category."
    )
    children: list[CategoryNode] = strawberry.field(
        description="Second-level categories (empty for those)."
    )


@strawberry.type(name="Sku", description="A SKU (规格): one buyable variant of a product.")
class SkuNode:
    id: strawberry.ID = strawberry.field(description="Global ID (Sku); pass as skuId in a cart.")
    code: str
    specs: list[SpecValue]
    price: Money = strawberry.field(description="Selling price.")
    list_price: Money | None = strawberry.field(
        description="Crossed-out list price (划线价), display only; null when none."
    )
    member_price: Money = strawberry.field(
        description=(
            "The price for the viewer after the tier discount; the price for anonymous visitors."
        )
    )
    stock: int = strawberry.field(description="Units in stock now.")
    in_stock: bool


@strawberry.type(description="One spec of a SKU, e.g. 颜色: 红色.")
class SpecValue:
    name: str = strawberry.field(description="Spec name, e.g. 颜色.")
    value: str = strawberry.field(description="Spec value, e.g. 红色.")


@strawberry.type(name="Product", description="A product on sale (SPU) with its SKUs.")
class ProductNode:
    id: strawberry.ID = strawberry.field(description="Global ID (Product).")
    title: str
    description: str = strawberry.field(description="Rich text for the product page.")
    images: list[str] = strawberry.field(description="https URLs; the first is the cover.")
    sales_count: Long = strawberry.field(  # type: ignore[valid-type]
        description="Units sold (销量), as the SALES sort uses it."
    )
    price: Money = strawberry.field(description="The lowest SKU price.")
    member_price: Money = strawberry.field(description="The lowest SKU price for this member.")
    category: CategoryNode
    skus: list[SkuNode]


@strawberry.enum(description="The order of a product list.")
class ProductSort(Enum):
    NEWEST = strawberry.enum_value("NEWEST", description="Newest first (default).")
    PRICE_ASC = strawberry.enum_value("PRICE_ASC", description="Lowest SKU price first.")
    PRICE_DESC = strawberry.enum_value("PRICE_DESC", description="Highest SKU price first.")
    SALES = strawberry.enum_value("SALES", description="Best selling first (销量).")


ORDERINGS = {
    ProductSort.NEWEST: Ordering((SortField("created_at", True, True), SortField("id", True))),
    ProductSort.PRICE_ASC: Ordering((SortField("min_price_fen"), SortField("id"))),
    ProductSort.PRICE_DESC: Ordering((SortField("min_price_fen", True), SortField("id", True))),
    ProductSort.SALES: Ordering((SortField("sales_count", True), SortField("id", True))),
}


@strawberry.input
class ProductFilterInput:
    category_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A Category global ID; a top-level category includes its children.",
    )
    keyword: str | None = strawberry.field(
        default=None, description="Words in the title (case-insensitive), at most 50 characters."
    )
    min_price_fen: Long | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Lowest SKU price at least this, in fen (分)."
    )
    max_price_fen: Long | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Lowest SKU price at most this, in fen."
    )


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
    filter: Annotated[
        ProductFilterInput | None,
        strawberry.argument(description="Optional conditions, all of which must hold."),
    ] = None,
    sort: Annotated[
        ProductSort, strawberry.argument(description="Order of the list; NEWEST by default.")
    ] = ProductSort.NEWEST,
    first: First = 20,
    after: After = None,
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


async def product(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A Product global ID.")],
) -> ProductNode | None:
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

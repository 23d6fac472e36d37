"""Storefront catalog: categories, the product list (filters, sorts, keyset pages) and details.

The root fields read through the lean read path (issue 18): hand-written statements
(domain/catalog/reads.py: the page with its categories, then the SKUs) plus the caller's tier,
so a page costs the same SQL for 5 or 100 products; rows become plain views
(api/shop/lean_nodes.py) that api/graphql/lean.py completes without a resolver per field. The
strawberry types below define the schema; favourites, history and the cart still build them
from models.
"""

from __future__ import annotations

from collections import OrderedDict
from enum import Enum
from typing import Annotated, Any, cast

import strawberry
from graphql import FieldNode, FragmentSpreadNode
from strawberry.types import Info

from api.auth.permissions import optional_member
from api.graphql.ids import from_global_id, to_global_id
from api.graphql.relay import (
    After,
    Connection,
    First,
    Ordering,
    SortField,
    connection_of,
    page_size,
)
from api.graphql.scalars import Long, Money
from api.shop.lean_nodes import CategoryView, product_views
from domain.catalog import reads
from domain.catalog.models import Category, Product, Sku
from domain.catalog.queries import (
    ProductFilter,
    categories_by_id,
    skus_by_product,
    storefront_products,
)
from domain.money import share
from domain.storefront import history


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
    keep_bp = await info.context.price_keep_bp()
    skus = await skus_by_product(p.id for p in products)
    categories = await categories_by_id(p.category_id for p in products)
    return [
        product_node(p, skus.get(p.id, []), categories[p.category_id], keep_bp) for p in products
    ]


SORT_KEYS = {
    ProductSort.NEWEST: ("created_at", reads.P_CREATED),
    ProductSort.PRICE_ASC: ("min_price_fen", reads.P_MIN_PRICE),
    ProductSort.PRICE_DESC: ("min_price_fen desc", reads.P_MIN_PRICE),
    ProductSort.SALES: ("sales_count", reads.P_SALES),
}
"""The lean read path's sort key (domain.catalog.reads.SORT_KEYS) and the row position of the
sort value, per sort."""


def _selects(selections: Any, name: str, fragments: dict[str, Any]) -> bool:
    """Whether a selection set asks for a field called `name` anywhere below it."""
    for selection in selections or ():
        if isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            found = fragment is not None and _selects(
                fragment.selection_set.selections, name, fragments
            )
        else:
            found = isinstance(selection, FieldNode) and selection.name.value == name
            inner = selection.selection_set
            found = found or (inner is not None and _selects(inner.selections, name, fragments))
        if found:
            return True
    return False


_DESCRIPTION_ASKED: OrderedDict[int, tuple[Any, bool]] = OrderedDict()
DESCRIPTION_ASKED_SIZE = 1024


def _asks_for_description(info: Info) -> bool:
    """Whether the page must read `description`: only when the document selects it (the list
    screens do not, and it is the longest column). Remembered per field node (documents are
    prepared once and reused): the entry holds its node, so the id is not reused meanwhile."""
    raw = info._raw_info
    node = raw.field_nodes[0]
    known = _DESCRIPTION_ASKED.get(id(node))
    if known is not None and known[0] is node and len(raw.field_nodes) == 1:
        return known[1]
    asked = any(
        _selects(
            field_node.selection_set.selections if field_node.selection_set else (),
            "description",
            raw.fragments,
        )
        for field_node in raw.field_nodes
    )
    if len(raw.field_nodes) == 1:
        _DESCRIPTION_ASKED[id(node)] = (node, asked)
        while len(_DESCRIPTION_ASKED) > DESCRIPTION_ASKED_SIZE:
            _DESCRIPTION_ASKED.popitem(last=False)
    return asked


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
    """A filter that makes no sense is BAD_USER_INPUT with its UserError.

    The lean read path: one statement for the page (with its categories), the viewer's tier,
    one for the SKUs; rows become plain views (api/shop/lean_nodes.py)."""
    criteria = filter or ProductFilterInput()
    product_filter = ProductFilter(
        category_id=(
            from_global_id(criteria.category_id, "Category", "filter.categoryId")
            if criteria.category_id
            else None
        ),
        keyword=criteria.keyword,
        min_price_fen=criteria.min_price_fen,
        max_price_fen=criteria.max_price_fen,
    )
    ordering = ORDERINGS[sort]
    sort_key, sort_position = SORT_KEYS[sort]
    size = page_size(first)
    position = ordering.position(after) if after else None
    page = reads.PageRequest(
        product_filter,
        sort_key,
        (position[0], position[1]) if position else None,
        size + 1,
        _asks_for_description(info),
    )
    rows = await reads.product_rows(page) if size else []
    rows, has_next = rows[:size], len(rows) > size
    keep_bp = await info.context.price_keep_bp()
    skus = await reads.sku_rows([row[reads.P_ID] for row in rows])
    cursors = [ordering.cursor_of((row[sort_position], row[reads.P_ID])) for row in rows]
    views = product_views(rows, skus, keep_bp)
    connection = connection_of(
        cursors,
        views,
        has_next,
        after is not None,
        lambda: storefront_products(product_filter).count(),  # built only if asked for
    )
    return cast("Connection[ProductNode]", connection)  # views stand in for the nodes


async def product(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A Product global ID.")],
) -> ProductNode | None:
    """Null for an unknown, malformed or unlisted id alike. A member's view goes into their
    browsing history (no statement for an anonymous visitor)."""
    found = await reads.product_row(from_global_id(id, "Product"))
    if found is None:
        return None
    member_id = await optional_member(info)
    if member_id is not None:
        await history.record(member_id, found[reads.P_ID])
    keep_bp = await info.context.price_keep_bp()
    skus = await reads.sku_rows([found[reads.P_ID]])
    return cast("ProductNode", product_views([found], skus, keep_bp)[0])


async def category_tree() -> list[CategoryNode]:
    """The whole two-level tree, in display order: one query, and a plain list rather than a
    connection because a brand has tens of categories, not thousands."""
    rows = await reads.category_rows()
    children: dict[int, list[CategoryView]] = {}
    for row in rows:
        parent = row[reads.CAT_PARENT]
        if parent is not None:
            children.setdefault(parent, []).append(
                CategoryView(row[reads.CAT_ID], row[reads.CAT_NAME], parent)
            )
    tree = [
        CategoryView(row[reads.CAT_ID], row[reads.CAT_NAME], None, children.get(row[reads.CAT_ID]))
        for row in rows
        if row[reads.CAT_PARENT] is None
    ]
    return cast("list[CategoryNode]", tree)  # views stand in for the nodes

"""Catalog administration for HQ_OPERATOR and HQ_ADMIN: every status, stock and commissions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.enums import ProductStatusEnum
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, optional_global_id, to_global_id
from api.graphql.relay import NEWEST_FIRST, After, Connection, First, build_connection, fetch_page
from api.graphql.scalars import Long
from api.shop.catalog import CategoryNode, SpecValue, category_node, category_tree
from domain.catalog import service as catalog
from domain.catalog.models import Category, Product, Sku
from domain.catalog.queries import skus_by_product
from domain.errors import DomainError, ErrorCode

MAX_SKUS = 100


@strawberry.type(name="Sku")
class AdminSkuNode:
    id: strawberry.ID = strawberry.field(description="Global ID (Sku).")
    code: str
    specs: list[SpecValue]
    price_fen: Long = strawberry.field(description="Selling price in fen.")  # type: ignore[valid-type]
    list_price_fen: Long | None = strawberry.field(  # type: ignore[valid-type]
        description="Crossed-out list price (划线价) in fen, display only."
    )
    stock: Long  # type: ignore[valid-type]
    commission_l1_fen: Long | None = strawberry.field(  # type: ignore[valid-type]
        description=("Fixed level-1 commission in fen per unit; null: the rules decide.")
    )
    commission_l2_fen: Long | None = strawberry.field(  # type: ignore[valid-type]
        description=("Fixed level-2 commission in fen per unit; null: the rules decide.")
    )


@strawberry.type(name="Product")
class AdminProductNode:
    id: strawberry.ID = strawberry.field(description="Global ID (Product).")
    title: str
    description: str
    images: list[str]
    category_id: strawberry.ID = strawberry.field(description="Global ID of its Category.")
    status: ProductStatusEnum
    commission_enabled: bool = strawberry.field(description="False: no commission on this product.")
    sales_count: Long = strawberry.field(description="Units sold (销量).")  # type: ignore[valid-type]
    created_at: datetime
    updated_at: datetime
    skus: list[AdminSkuNode]


def admin_sku_node(sku: Sku) -> AdminSkuNode:
    return AdminSkuNode(
        id=strawberry.ID(to_global_id("Sku", sku.id)),
        code=sku.code,
        specs=[SpecValue(name=k, value=v) for k, v in sku.specs.items()],
        price_fen=sku.price_fen,
        list_price_fen=sku.list_price_fen,
        stock=sku.stock,
        commission_l1_fen=sku.commission_l1_fen,
        commission_l2_fen=sku.commission_l2_fen,
    )


def admin_product_node(product: Product, skus: list[Sku]) -> AdminProductNode:
    return AdminProductNode(
        id=strawberry.ID(to_global_id("Product", product.id)),
        title=product.title,
        description=product.description,
        images=list(product.images),
        category_id=strawberry.ID(to_global_id("Category", product.category_id)),
        status=product.status,
        commission_enabled=product.commission_enabled,
        sales_count=product.sales_count,
        created_at=product.created_at,
        updated_at=product.updated_at,
        skus=[admin_sku_node(s) for s in skus],
    )


async def _with_skus(product: Product) -> AdminProductNode:
    skus = await skus_by_product([product.id])
    return admin_product_node(product, skus.get(product.id, []))


@strawberry.input
class SpecInput:
    name: str = strawberry.field(
        description="Spec name, e.g. 颜色 (colour), at most 16 characters."
    )
    value: str = strawberry.field(description="Spec value, e.g. 红色, at most 32 characters.")


@strawberry.input
class SkuInput:
    code: str = strawberry.field(description="Unique SKU code, at most 64 characters.")
    price_fen: Long = strawberry.field(description="Selling price in fen (分), 1..100000000.")  # type: ignore[valid-type]
    stock: Long = strawberry.field(description="Units in stock, 0..10000000.")  # type: ignore[valid-type]
    specs: list[SpecInput] = strawberry.field(
        default_factory=list, description="At most 5 specs, names unique."
    )
    list_price_fen: Long | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description=(
            "Crossed-out list price (划线价) in fen, for display only; at least the price."
        ),
    )
    commission_l1_fen: Long | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description=(
            "Fixed level-1 commission (一级佣金) in fen per unit, 0..price; "
            "overrides every LEVEL1 rule."
        ),
    )
    commission_l2_fen: Long | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description=(
            "Fixed level-2 commission (二级佣金) in fen per unit, 0..price; "
            "overrides every LEVEL2 rule."
        ),
    )

    def to_domain(self) -> catalog.SkuInput:
        specs = {s.name: s.value for s in self.specs}
        if len(specs) != len(self.specs):
            raise DomainError(ErrorCode.DUPLICATE, "specs")
        return catalog.SkuInput(
            code=self.code,
            price_fen=self.price_fen,
            stock=self.stock,
            specs=specs,
            list_price_fen=self.list_price_fen,
            commission_l1_fen=self.commission_l1_fen,
            commission_l2_fen=self.commission_l2_fen,
        )


@strawberry.input
class ProductInput:
    title: str | None = strawberry.field(default=None, description="At most 120 characters.")
    description: str | None = strawberry.field(
        default=None, description="Rich text shown on the product page, at most 20000 characters."
    )
    images: list[str] | None = strawberry.field(
        default=None,
        description=(
            "At most 20 https:// URLs (each at most 512 characters), the first is the cover."
        ),
    )
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="A Category global ID."
    )
    status: ProductStatusEnum | None = strawberry.field(
        default=None, description="DRAFT by default when created."
    )
    commission_enabled: bool | None = strawberry.field(
        default=None, description="False: no commission on this product (default true)."
    )

    def to_domain(self) -> catalog.ProductInput:
        return catalog.ProductInput(
            title=self.title,
            description=self.description,
            images=self.images,
            category_id=optional_global_id(self.category_id, "Category", "categoryId"),
            status=self.status,
            commission_enabled=self.commission_enabled,
        )


@strawberry.type
class CategoryPayload:
    category: CategoryNode | None = None
    errors: list[UserError]


@strawberry.type
class ProductPayload:
    product: AdminProductNode | None = None
    errors: list[UserError]


@strawberry.type
class SkuPayload:
    sku: AdminSkuNode | None = None
    errors: list[UserError]


async def products(
    info: Info,
    status: Annotated[
        ProductStatusEnum | None,
        strawberry.argument(description="Only products in this status; all when omitted."),
    ] = None,
    first: First = 20,
    after: After = None,
) -> Connection[AdminProductNode]:
    queryset = Product.all() if status is None else Product.filter(status=status)
    rows, has_next = await fetch_page(queryset, NEWEST_FIRST, first, after)
    skus = await skus_by_product(r.id for r in rows)
    nodes = [admin_product_node(r, skus.get(r.id, [])) for r in rows]
    return build_connection(rows, nodes, has_next, after, NEWEST_FIRST, queryset.count)


async def categories(info: Info) -> list[CategoryNode]:
    return await category_tree()


async def create_category(
    info: Info,
    name: Annotated[str, strawberry.argument(description="Unique name, at most 32 characters.")],
    parent_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(
            description="A top-level Category global ID: makes a second-level category."
        ),
    ] = None,
    sort_order: Annotated[
        int, strawberry.argument(description="Display order, ascending; 0 by default.")
    ] = 0,
) -> CategoryPayload:
    parent = optional_global_id(parent_id, "Category", "parentId")
    category = await catalog.create_category(name, parent, sort_order)
    return CategoryPayload(category=category_node(category), errors=[])


async def update_category(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A Category global ID.")],
    name: Annotated[
        str | None,
        strawberry.argument(
            description="New unique name, at most 32 characters; kept when omitted."
        ),
    ] = None,
    sort_order: Annotated[
        int | None, strawberry.argument(description="New display order; kept when omitted.")
    ] = None,
) -> CategoryPayload:
    category: Category = await catalog.update_category(
        from_global_id(id, "Category"), name, sort_order
    )
    return CategoryPayload(category=category_node(category), errors=[])


async def create_product(
    info: Info,
    input: Annotated[
        ProductInput,
        strawberry.argument(description="The product; title and categoryId are required here."),
    ],
    skus: Annotated[
        list[SkuInput], strawberry.argument(description="Its SKUs, at least one, codes unique.")
    ],
) -> ProductPayload:
    if len(skus) > MAX_SKUS:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "skus", f"max {MAX_SKUS}")
    product = await catalog.create_product(input.to_domain(), [s.to_domain() for s in skus])
    return ProductPayload(product=await _with_skus(product), errors=[])


async def update_product(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A Product global ID.")],
    input: Annotated[
        ProductInput, strawberry.argument(description="The fields to change; null fields are kept.")
    ],
) -> ProductPayload:
    product = await catalog.update_product(from_global_id(id, "Product"), input.to_domain())
    return ProductPayload(product=await _with_skus(product), errors=[])


async def create_sku(
    info: Info,
    product_id: Annotated[strawberry.ID, strawberry.argument(description="A Product global ID.")],
    input: Annotated[SkuInput, strawberry.argument(description="The new SKU.")],
) -> SkuPayload:
    sku = await catalog.create_sku(
        from_global_id(product_id, "Product", "productId"), input.to_domain()
    )
    return SkuPayload(sku=admin_sku_node(sku), errors=[])


async def update_sku(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A Sku global ID.")],
    input: Annotated[
        SkuInput, strawberry.argument(description="The SKU's new values (all of them).")
    ],
) -> SkuPayload:
    sku = await catalog.update_sku(from_global_id(id, "Sku"), input.to_domain())
    return SkuPayload(sku=admin_sku_node(sku), errors=[])

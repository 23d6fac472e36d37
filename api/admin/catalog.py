"""Catalog administration for HQ_OPERATOR and HQ_ADMIN: every status, stock and commissions."""

from __future__ import annotations

from datetime import datetime

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
    id: strawberry.ID
    code: str
    specs: list[SpecValue]
    price_fen: Long  # type: ignore[valid-type]
    list_price_fen: Long | None  # type: ignore[valid-type]
    stock: Long  # type: ignore[valid-type]
    commission_l1_fen: Long | None  # type: ignore[valid-type]
    commission_l2_fen: Long | None  # type: ignore[valid-type]


@strawberry.type(name="Product")
class AdminProductNode:
    id: strawberry.ID
    title: str
    description: str
    images: list[str]
    category_id: strawberry.ID
    status: ProductStatusEnum
    commission_enabled: bool
    sales_count: Long  # type: ignore[valid-type]
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
    name: str
    value: str


@strawberry.input
class SkuInput:
    code: str
    price_fen: Long  # type: ignore[valid-type]
    stock: Long  # type: ignore[valid-type]
    specs: list[SpecInput] = strawberry.field(default_factory=list)
    list_price_fen: Long | None = None  # type: ignore[valid-type]
    commission_l1_fen: Long | None = None  # type: ignore[valid-type]
    commission_l2_fen: Long | None = None  # type: ignore[valid-type]

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
    title: str | None = None
    description: str | None = None
    images: list[str] | None = None
    category_id: strawberry.ID | None = None
    status: ProductStatusEnum | None = None
    commission_enabled: bool | None = None

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
    status: ProductStatusEnum | None = None,
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
    info: Info, name: str, parent_id: strawberry.ID | None = None, sort_order: int = 0
) -> CategoryPayload:
    parent = optional_global_id(parent_id, "Category", "parentId")
    category = await catalog.create_category(name, parent, sort_order)
    return CategoryPayload(category=category_node(category), errors=[])


async def update_category(
    info: Info, id: strawberry.ID, name: str | None = None, sort_order: int | None = None
) -> CategoryPayload:
    category: Category = await catalog.update_category(
        from_global_id(id, "Category"), name, sort_order
    )
    return CategoryPayload(category=category_node(category), errors=[])


async def create_product(info: Info, input: ProductInput, skus: list[SkuInput]) -> ProductPayload:
    if len(skus) > MAX_SKUS:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "skus", f"max {MAX_SKUS}")
    product = await catalog.create_product(input.to_domain(), [s.to_domain() for s in skus])
    return ProductPayload(product=await _with_skus(product), errors=[])


async def update_product(info: Info, id: strawberry.ID, input: ProductInput) -> ProductPayload:
    product = await catalog.update_product(from_global_id(id, "Product"), input.to_domain())
    return ProductPayload(product=await _with_skus(product), errors=[])


async def create_sku(info: Info, product_id: strawberry.ID, input: SkuInput) -> SkuPayload:
    sku = await catalog.create_sku(
        from_global_id(product_id, "Product", "productId"), input.to_domain()
    )
    return SkuPayload(sku=admin_sku_node(sku), errors=[])


async def update_sku(info: Info, id: strawberry.ID, input: SkuInput) -> SkuPayload:
    sku = await catalog.update_sku(from_global_id(id, "Sku"), input.to_domain())
    return SkuPayload(sku=admin_sku_node(sku), errors=[])

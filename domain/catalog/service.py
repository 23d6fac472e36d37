"""Catalog administration: categories, products and SKUs, validated and transactional; every
change bumps the catalog version in its transaction (domain/catalog/version.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.exceptions import IntegrityError
from tortoise.functions import Min

from domain import clock
from domain.catalog.models import Category, Product, ProductStatus, Sku
from domain.catalog.version import bump_catalog_version
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.validation import clean_text, https_url, in_range

MAX_PRICE_FEN = 100_000_000
MAX_STOCK = 10_000_000
MAX_IMAGES = 20


async def create_category(name: str, parent_id: int | None, sort_order: int = 0) -> Category:
    name = clean_text(name, "name", 32)
    if parent_id is not None:
        parent = await Category.get_or_none(id=parent_id)
        if parent is None:
            raise DomainError(ErrorCode.NOT_FOUND, "parentId")
        if parent.parent_id is not None:
            raise DomainError(ErrorCode.CATEGORY_DEPTH, "parentId")
    try:
        async with transaction():
            await bump_catalog_version()
            return await Category.create(
                name=name, parent_id=parent_id, sort_order=sort_order, created_at=clock.now()
            )
    except IntegrityError:
        raise DomainError(ErrorCode.DUPLICATE, "name") from None


async def update_category(category_id: int, name: str | None, sort_order: int | None) -> Category:
    category = await Category.get_or_none(id=category_id)
    if category is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    if name is not None:
        category.name = clean_text(name, "name", 32)
    if sort_order is not None:
        category.sort_order = sort_order
    try:
        async with transaction():
            await category.save()
            await bump_catalog_version()
    except IntegrityError:
        raise DomainError(ErrorCode.DUPLICATE, "name") from None
    return category


@dataclass(frozen=True)
class SkuInput:
    code: str
    price_fen: int
    stock: int
    specs: dict[str, str] = field(default_factory=dict)
    list_price_fen: int | None = None
    commission_l1_fen: int | None = None
    commission_l2_fen: int | None = None


@dataclass(frozen=True)
class ProductInput:
    """For updates, fields left as None are not changed."""

    title: str | None = None
    description: str | None = None
    images: list[str] | None = None
    category_id: int | None = None
    status: ProductStatus | None = None
    commission_enabled: bool | None = None


def _validated_sku(sku: SkuInput, prefix: str) -> dict[str, object]:
    in_range(sku.price_fen, f"{prefix}priceFen", 1, MAX_PRICE_FEN)
    in_range(sku.stock, f"{prefix}stock", 0, MAX_STOCK)
    if sku.list_price_fen is not None:
        in_range(sku.list_price_fen, f"{prefix}listPriceFen", sku.price_fen, MAX_PRICE_FEN)
    for name in ("commission_l1_fen", "commission_l2_fen"):
        value = getattr(sku, name)
        if value is not None:
            in_range(value, prefix + _camel(name), 0, sku.price_fen)
    if len(sku.specs) > 5:
        raise DomainError(ErrorCode.OUT_OF_RANGE, f"{prefix}specs", "max 5")
    specs = {
        clean_text(k, f"{prefix}specs", 16): clean_text(v, f"{prefix}specs", 32)
        for k, v in sku.specs.items()
    }
    return {
        "code": clean_text(sku.code, f"{prefix}code", 64),
        "price_fen": sku.price_fen,
        "stock": sku.stock,
        "specs": specs,
        "list_price_fen": sku.list_price_fen,
        "commission_l1_fen": sku.commission_l1_fen,
        "commission_l2_fen": sku.commission_l2_fen,
    }


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)


async def _validated_product(data: ProductInput, *, creating: bool) -> dict[str, object]:
    values: dict[str, object] = {}
    if data.title is not None or creating:
        values["title"] = clean_text(data.title or "", "title", 120)
    if data.description is not None:
        values["description"] = clean_text(
            data.description, "description", 20_000, multiline=True, required=False
        )
    if data.images is not None:
        if len(data.images) > MAX_IMAGES:
            raise DomainError(ErrorCode.OUT_OF_RANGE, "images", f"max {MAX_IMAGES}")
        values["images"] = [
            https_url(url, f"images.{index}") for index, url in enumerate(data.images)
        ]
    if data.category_id is not None or creating:
        if data.category_id is None or not await Category.exists(id=data.category_id):
            raise DomainError(ErrorCode.NOT_FOUND, "categoryId")
        values["category_id"] = data.category_id
    if data.status is not None:
        values["status"] = data.status
    if data.commission_enabled is not None:
        values["commission_enabled"] = data.commission_enabled
    return values


async def create_product(data: ProductInput, skus: list[SkuInput]) -> Product:
    values = await _validated_product(data, creating=True)
    sku_rows = [_validated_sku(sku, f"skus.{i}.") for i, sku in enumerate(skus)]
    if not sku_rows:
        raise DomainError(ErrorCode.REQUIRED, "skus")
    if len({row["code"] for row in sku_rows}) != len(sku_rows):
        raise DomainError(ErrorCode.DUPLICATE, "skus")
    moment = clock.now()
    try:
        async with transaction():
            product = await Product.create(
                **values,
                min_price_fen=min(int(row["price_fen"]) for row in sku_rows),
                created_at=moment,
                updated_at=moment,
            )
            for row in sku_rows:
                await Sku.create(product=product, created_at=moment, **row)
            await bump_catalog_version()
    except IntegrityError:
        raise DomainError(ErrorCode.DUPLICATE, "skus", "SKU code") from None
    return product


async def update_product(product_id: int, data: ProductInput) -> Product:
    product = await Product.get_or_none(id=product_id)
    if product is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    values = await _validated_product(data, creating=False)
    async with transaction():
        if values:
            values["updated_at"] = clock.now()
            await Product.filter(id=product_id).update(**values)
            await bump_catalog_version()
        await product.refresh_from_db()
    return product


async def create_sku(product_id: int, sku: SkuInput) -> Sku:
    if not await Product.exists(id=product_id):
        raise DomainError(ErrorCode.NOT_FOUND, "productId")
    row = _validated_sku(sku, "")
    try:
        async with transaction():
            created = await Sku.create(product_id=product_id, created_at=clock.now(), **row)
            await _refresh_min_price(product_id)
            await bump_catalog_version()
    except IntegrityError:
        raise DomainError(ErrorCode.DUPLICATE, "code") from None
    return created


async def update_sku(sku_id: int, sku: SkuInput) -> Sku:
    """Replace a SKU's sellable data. Stock set here is an absolute count (stocktake)."""
    existing = await Sku.get_or_none(id=sku_id)
    if existing is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    row = _validated_sku(sku, "")
    try:
        async with transaction():
            await Sku.filter(id=sku_id).update(**row)
            await _refresh_min_price(existing.product_id)
            await bump_catalog_version()
    except IntegrityError:
        raise DomainError(ErrorCode.DUPLICATE, "code") from None
    await existing.refresh_from_db()
    return existing


async def _refresh_min_price(product_id: int) -> None:
    row = (
        await Sku.filter(product_id=product_id)
        .annotate(low=Min("price_fen"))
        .group_by("product_id")
        .values("low")
    )
    await Product.filter(id=product_id).update(min_price_fen=row[0]["low"], updated_at=clock.now())

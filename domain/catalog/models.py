"""Categories (two levels), products (SPU) and SKUs (SPEC 4). Prices are fen."""

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class ProductStatus(StrEnum):
    DRAFT = "DRAFT"
    ON_SALE = "ON_SALE"
    OFF_SALE = "OFF_SALE"


class Category(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=32)
    parent = fields.ForeignKeyField("models.Category", related_name="children", null=True)
    sort_order = fields.IntField(default=0)
    created_at = fields.DatetimeField()

    class Meta:
        table = "category"
        unique_together = (("parent", "name"),)


class Product(Model):
    """`min_price_fen` and `sales_count` are kept by the services for list sorting and filters."""

    id = fields.BigIntField(primary_key=True)
    title = fields.CharField(max_length=120)
    description = fields.TextField(default="")
    images = fields.JSONField(default=list)
    category = fields.ForeignKeyField("models.Category", related_name="products")
    status = fields.CharEnumField(ProductStatus, max_length=8, default=ProductStatus.DRAFT)
    commission_enabled = fields.BooleanField(default=True)
    min_price_fen = fields.BigIntField(default=0)
    sales_count = fields.BigIntField(default=0)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "product"
        indexes = (
            Index(fields=("status", "created_at", "id"), name="product_status_created"),
            Index(fields=("status", "min_price_fen", "id"), name="product_status_price"),
            Index(fields=("status", "sales_count", "id"), name="product_status_sales"),
            Index(fields=("category_id", "status"), name="product_category_status"),
        )


class Sku(Model):
    """A sellable variant. Fixed per-unit commissions, when set, override level-1/2 rules."""

    id = fields.BigIntField(primary_key=True)
    product = fields.ForeignKeyField("models.Product", related_name="skus")
    code = fields.CharField(max_length=64, unique=True)
    specs = fields.JSONField(default=dict)
    price_fen = fields.BigIntField()
    list_price_fen = fields.BigIntField(null=True)
    stock = fields.BigIntField(default=0)
    commission_l1_fen = fields.BigIntField(null=True)
    commission_l2_fen = fields.BigIntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "sku"


class CatalogVersion(Model):
    """One row (id 1): a counter every change to what the storefront shows bumps in the
    change's own transaction, so a response cache knows its entries are stale (issue 18)."""

    id = fields.IntField(primary_key=True)
    version = fields.BigIntField(default=0)

    class Meta:
        table = "catalog_version"

"""A member's cart lines, delivery addresses, favourite products and browsing history (SPEC 21).
Every row belongs to one member and is reached only through that member."""

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class CartLine(Model):
    """One SKU in a member's cart. `added_price_fen` is the SKU's price when the line was made
    (kept when more of it is added), so the cart can show how the price moved since."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    sku = fields.ForeignKeyField("models.Sku", related_name="cart_lines")
    quantity = fields.IntField()
    selected = fields.BooleanField(default=True)
    added_price_fen = fields.BigIntField()
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "cart_line"
        unique_together = (("member_id", "sku"),)


class Availability(StrEnum):
    """Whether a cart line can be bought as it stands."""

    AVAILABLE = "AVAILABLE"
    OFF_SALE = "OFF_SALE"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    OVER_STOCK = "OVER_STOCK"


class Address(Model):
    """A delivery address of the member's book. Exactly one of a member's addresses is the
    default (kept by the services under the member's row lock). Orders keep their own copy."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    name = fields.CharField(max_length=32)
    phone = fields.CharField(max_length=20)
    region = fields.CharField(max_length=64)
    detail = fields.CharField(max_length=200)
    is_default = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "member_address"
        indexes = (Index(fields=("member_id", "id"), name="member_address_member"),)


class Favourite(Model):
    """A product the member keeps (收藏). Adding it again changes nothing."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    product = fields.ForeignKeyField("models.Product", related_name="favourites")
    created_at = fields.DatetimeField()

    class Meta:
        table = "favourite"
        unique_together = (("member_id", "product"),)
        indexes = (Index(fields=("member_id", "created_at", "id"), name="favourite_member_newest"),)


class BrowsingRecord(Model):
    """A product the member opened, once per product (viewing it again moves `viewed_at`).
    At most `history.MAX_RECORDS` rows per member: a new product past the limit takes over
    the member's oldest row."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    product = fields.ForeignKeyField("models.Product", related_name="browsing_records")
    viewed_at = fields.DatetimeField()

    class Meta:
        table = "browsing_record"
        unique_together = (("member_id", "product"),)
        indexes = (Index(fields=("member_id", "viewed_at", "id"), name="browsing_member_newest"),)

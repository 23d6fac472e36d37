"""Content items (素材) and guides' shares of them.

Each guide shares an item through one share link of their own, made on their first share and
reused after (`ContentLink`, unique per item and distributor), so the link's funnel counters
(SPEC 7) are that item's funnel for that guide; every share act is a `ContentShare` row, which
the store manager's view counts per period.
"""

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class ContentTarget(StrEnum):
    PRODUCT = "PRODUCT"
    CAMPAIGN = "CAMPAIGN"


class ContentItem(Model):
    id = fields.BigIntField(primary_key=True)
    title = fields.CharField(max_length=64)
    share_text = fields.TextField()
    images = fields.JSONField(default=list)
    target = fields.CharEnumField(ContentTarget, max_length=8)
    target_id = fields.BigIntField(null=True)
    campaign = fields.CharField(max_length=64, null=True)
    valid_from = fields.DatetimeField()
    valid_until = fields.DatetimeField()
    all_stores = fields.BooleanField(default=True)
    created_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "content_item"
        indexes = (Index(fields=("valid_until", "valid_from"), name="content_item_window"),)


class ContentItemStore(Model):
    """A store an item is meant for (when not for all stores)."""

    id = fields.BigIntField(primary_key=True)
    item = fields.ForeignKeyField("models.ContentItem", related_name="store_rows")
    store_id = fields.BigIntField()

    class Meta:
        table = "content_item_store"
        unique_together = (("item", "store_id"),)
        indexes = (Index(fields=("store_id", "item_id"), name="content_item_store_store"),)


class ContentLink(Model):
    """The one share link a distributor (a guide's) shares an item through."""

    id = fields.BigIntField(primary_key=True)
    item = fields.ForeignKeyField("models.ContentItem", related_name="links")
    distributor_id = fields.BigIntField()
    guide_id = fields.BigIntField()
    store_id = fields.BigIntField(null=True)
    link = fields.ForeignKeyField("models.ShareLink", related_name="content_links")
    created_at = fields.DatetimeField()

    class Meta:
        table = "content_link"
        unique_together = (("item", "distributor_id"),)
        indexes = (Index(fields=("guide_id", "item_id"), name="content_link_guide"),)


class ContentShare(Model):
    """One share act of an item by a guide."""

    id = fields.BigIntField(primary_key=True)
    item = fields.ForeignKeyField("models.ContentItem", related_name="shares")
    guide_id = fields.BigIntField()
    store_id = fields.BigIntField(null=True)
    link_id = fields.BigIntField()
    shared_at = fields.DatetimeField()

    class Meta:
        table = "content_share"
        indexes = (Index(fields=("guide_id", "shared_at"), name="content_share_guide"),)

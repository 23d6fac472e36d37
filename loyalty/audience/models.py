"""Audience data (SPEC 9.4): each member's order stats with the system tags derived from them,
manual tags, and saved segments."""

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class Lifecycle(StrEnum):
    NEW = "NEW"
    FIRST_PURCHASE = "FIRST_PURCHASE"
    REPEAT = "REPEAT"
    AT_RISK = "AT_RISK"
    CHURNED = "CHURNED"


class ValueLevel(StrEnum):
    HIGH = "HIGH"
    MID = "MID"
    LOW = "LOW"


class MemberAudience(Model):
    """A member's paid-order stats and system tags, as of `refreshed_at`. Kept by order events
    and the refresh job. A member without a row is NEW and LOW."""

    member_id = fields.BigIntField(primary_key=True)
    paid_orders = fields.IntField(default=0)
    last_paid_at = fields.DatetimeField(null=True)
    spend_fen = fields.BigIntField(default=0, description="Net of refunds, all time.")
    orders_365 = fields.IntField(default=0)
    spend_365_fen = fields.BigIntField(default=0)
    lifecycle = fields.CharEnumField(Lifecycle, max_length=16, default=Lifecycle.NEW)
    value = fields.CharEnumField(ValueLevel, max_length=4, default=ValueLevel.LOW)
    koc_candidate = fields.BooleanField(default=False)
    refreshed_at = fields.DatetimeField()

    class Meta:
        table = "member_audience"
        indexes = (
            Index(fields=("lifecycle", "member_id"), name="member_audience_lifecycle"),
            Index(fields=("value", "member_id"), name="member_audience_value"),
            Index(fields=("last_paid_at",), name="member_audience_last_paid"),
            Index(fields=("spend_fen",), name="member_audience_spend"),
        )


class Tag(Model):
    """A manual tag that staff put on members (孕期, 敏感肌)."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=32, unique=True)
    created_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()

    class Meta:
        table = "tag"


class MemberTag(Model):
    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    tag = fields.ForeignKeyField("models.Tag", related_name="member_tags")
    added_by = fields.CharField(max_length=64)
    added_at = fields.DatetimeField()

    class Meta:
        table = "member_tag"
        unique_together = (("member_id", "tag"),)
        indexes = (Index(fields=("tag_id", "member_id"), name="member_tag_by_tag"),)


class Segment(Model):
    """A saved member filter (see `loyalty.audience.filters.AudienceFilter` for `rules`)."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    rules = fields.JSONField()
    created_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "segment"

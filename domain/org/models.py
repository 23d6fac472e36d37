"""Stores and staff of the one brand (SPEC 2)."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class StoreKind(StrEnum):
    DIRECT = "DIRECT"
    FRANCHISE = "FRANCHISE"


class StoreStatus(StrEnum):
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


class StaffRole(StrEnum):
    HQ_ADMIN = "HQ_ADMIN"
    HQ_FINANCE = "HQ_FINANCE"
    HQ_OPERATOR = "HQ_OPERATOR"
    STORE_MANAGER = "STORE_MANAGER"
    GUIDE = "GUIDE"


STORE_ROLES = frozenset({StaffRole.STORE_MANAGER, StaffRole.GUIDE})


class StaffStatus(StrEnum):
    ACTIVE = "ACTIVE"
    LEFT = "LEFT"


class Store(Model):
    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=64)
    kind = fields.CharEnumField(StoreKind, max_length=16)
    region = fields.CharField(max_length=64, default="")
    address = fields.CharField(max_length=255, default="")
    latitude = fields.FloatField(null=True)
    longitude = fields.FloatField(null=True)
    status = fields.CharEnumField(StoreStatus, max_length=16, default=StoreStatus.ACTIVE)
    created_at = fields.DatetimeField()

    class Meta:
        table = "store"


class Staff(Model):
    id = fields.BigIntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=64, default="")
    password_hash = fields.CharField(max_length=255)
    role = fields.CharEnumField(StaffRole, max_length=16)
    store = fields.ForeignKeyField("models.Store", related_name="staff", null=True)
    status = fields.CharEnumField(StaffStatus, max_length=8, default=StaffStatus.ACTIVE)
    token_version = fields.IntField(default=1)
    created_at = fields.DatetimeField()

    class Meta:
        table = "staff"


class StoreTarget(Model):
    """HQ's monthly targets for one store (month 'YYYY-MM' in Asia/Shanghai), the yardstick of
    the store performance report. Setting them again for a month replaces them."""

    id = fields.BigIntField(primary_key=True)
    store = fields.ForeignKeyField("models.Store", related_name="targets")
    month = fields.CharField(max_length=7)
    new_members = fields.IntField(default=0)
    sales_fen = fields.BigIntField(default=0)
    distribution_sales_fen = fields.BigIntField(default=0)
    updated_by = fields.CharField(max_length=64)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "store_target"
        unique_together = (("store", "month"),)

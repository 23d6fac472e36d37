"""Member tiers (SPEC 9.1): thresholds on growth, a price discount, a points multiplier."""

from tortoise import fields
from tortoise.models import Model


class Tier(Model):
    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=8, unique=True)
    name = fields.CharField(max_length=32)
    threshold_growth = fields.BigIntField(unique=True)
    discount_bp = fields.IntField()
    points_multiplier_bp = fields.IntField()
    free_shipping = fields.BooleanField(default=False)

    class Meta:
        table = "tier"


class MemberLoyalty(Model):
    """A member's growth and current tier (a member without a row is at the lowest tier)."""

    member_id = fields.BigIntField(primary_key=True)
    growth = fields.BigIntField(default=0)
    tier = fields.ForeignKeyField("models.Tier", related_name="members")
    updated_at = fields.DatetimeField()

    class Meta:
        table = "member_loyalty"

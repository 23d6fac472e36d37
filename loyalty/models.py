"""Loyalty (SPEC 9.1–9.3): tiers and growth, points lots and their transactions, coupons.

Balances are never stored beside their parts: a member's points are the sum of their unexpired
lot remainders, and growth history rows explain every change of `MemberLoyalty.growth`.
"""

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
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
    """A member's growth and current tier (a member without a row is at the lowest tier).
    `tier_growth` is the growth the tier is judged on: all of it, or the last
    `tier.review_months` months of it."""

    member_id = fields.BigIntField(primary_key=True)
    growth = fields.BigIntField(default=0)
    tier_growth = fields.BigIntField(default=0)
    tier = fields.ForeignKeyField("models.Tier", related_name="members")
    updated_at = fields.DatetimeField()

    class Meta:
        table = "member_loyalty"


class GrowthReason(StrEnum):
    EARN = "EARN"
    REVERSE = "REVERSE"


class GrowthRecord(Model):
    """One change of a member's growth. `earned_at` is when the growth was first earned (a
    reversal keeps its earning's date), so a review window counts net growth of that window."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    reason = fields.CharEnumField(GrowthReason, max_length=8)
    delta = fields.BigIntField()
    order_id = fields.BigIntField(null=True)
    item_id = fields.BigIntField(null=True)
    earned_at = fields.DatetimeField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "growth_record"
        indexes = (Index(fields=("member_id", "earned_at"), name="growth_member_earned"),)


class ItemReward(Model):
    """What an order item earned when its order completed, and how much of it refunds have
    taken back. The primary key on the item makes earning twice impossible."""

    item_id = fields.BigIntField(primary_key=True)
    order_id = fields.BigIntField(db_index=True)
    member_id = fields.BigIntField()
    base_fen = fields.BigIntField(description="Paid minus refunded when the order completed.")
    refunded_at_earn_fen = fields.BigIntField()
    growth = fields.BigIntField()
    growth_reversed = fields.BigIntField(default=0)
    points = fields.BigIntField()
    points_reversed = fields.BigIntField(default=0)
    lot_id = fields.BigIntField(null=True)
    earned_at = fields.DatetimeField()

    class Meta:
        table = "item_reward"


class LotSource(StrEnum):
    EARN = "EARN"
    ADJUST = "ADJUST"


class PointsLot(Model):
    """Points earned together, expiring together. `remaining` counts while `expires_at` is in
    the future. The expiry job moves what is left to `expired`."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    source = fields.CharEnumField(LotSource, max_length=8)
    amount = fields.BigIntField()
    remaining = fields.BigIntField()
    expired = fields.BigIntField(default=0)
    order_id = fields.BigIntField(null=True)
    item_id = fields.BigIntField(null=True)
    expires_at = fields.DatetimeField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "points_lot"
        indexes = (
            Index(fields=("member_id", "expires_at", "id"), name="points_lot_member_expiry"),
            Index(fields=("expires_at", "remaining"), name="points_lot_expiry"),
        )


class PointsKind(StrEnum):
    EARN = "EARN"
    SPEND = "SPEND"
    RETURN = "RETURN"
    REVERSE = "REVERSE"
    EXPIRE = "EXPIRE"
    ADJUST = "ADJUST"


class PointsTransaction(Model):
    """Every change of a member's points, as the member sees it: `delta` is signed."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    kind = fields.CharEnumField(PointsKind, max_length=8)
    delta = fields.BigIntField()
    order_id = fields.BigIntField(null=True)
    item_id = fields.BigIntField(null=True)
    lot_id = fields.BigIntField(null=True)
    note = fields.CharField(max_length=200, default="")
    actor = fields.CharField(max_length=64, default="system")
    created_at = fields.DatetimeField()

    class Meta:
        table = "points_transaction"
        indexes = (Index(fields=("member_id", "created_at", "id"), name="points_tx_member"),)


class PointsSpend(Model):
    """Which lot paid how many points of which order item: refunds and cancellations give
    points back to the same lots."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    order_id = fields.BigIntField(db_index=True)
    item_id = fields.BigIntField(db_index=True)
    lot_id = fields.BigIntField()
    amount = fields.BigIntField()
    returned = fields.BigIntField(default=0)

    class Meta:
        table = "points_spend"


class CouponKind(StrEnum):
    AMOUNT_OFF = "AMOUNT_OFF"
    PERCENT_OFF = "PERCENT_OFF"
    FREE_SHIPPING = "FREE_SHIPPING"


class CouponScope(StrEnum):
    ALL = "ALL"
    CATEGORIES = "CATEGORIES"
    PRODUCTS = "PRODUCTS"


class CouponTemplate(Model):
    """A kind of coupon HQ hands out. `stock_left` is decremented by a guarded update per
    coupon granted. Validity is a fixed window (`valid_from`..`valid_until`) or `valid_days`
    after the coupon is granted."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64)
    kind = fields.CharEnumField(CouponKind, max_length=16)
    amount_fen = fields.BigIntField(default=0)
    percent_off_bp = fields.IntField(default=0)
    threshold_fen = fields.BigIntField(default=0)
    cap_fen = fields.BigIntField(default=0, description="PERCENT_OFF at most this much, 0 = none")
    scope = fields.CharEnumField(CouponScope, max_length=16, default=CouponScope.ALL)
    scope_ids = fields.JSONField(default=list)
    total_stock = fields.BigIntField()
    stock_left = fields.BigIntField()
    per_member_limit = fields.IntField(default=1)
    valid_from = fields.DatetimeField(null=True)
    valid_until = fields.DatetimeField(null=True)
    valid_days = fields.IntField(null=True)
    public = fields.BooleanField(default=False)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "coupon_template"


class CouponStatus(StrEnum):
    AVAILABLE = "AVAILABLE"
    LOCKED = "LOCKED"
    USED = "USED"
    EXPIRED = "EXPIRED"


class CouponSource(StrEnum):
    CLAIM = "CLAIM"
    ISSUE = "ISSUE"
    WELCOME = "WELCOME"
    NEW_CUSTOMER = "NEW_CUSTOMER"
    GUIDE = "GUIDE"


class Coupon(Model):
    """One member's coupon. `seq` numbers a member's coupons of one template from 1 to the
    template's per-member limit, and the unique (template, member, seq) makes a limit
    impossible to pass, however many claims race."""

    id = fields.BigIntField(primary_key=True)
    template = fields.ForeignKeyField("models.CouponTemplate", related_name="coupons")
    member_id = fields.BigIntField()
    seq = fields.IntField()
    source = fields.CharEnumField(CouponSource, max_length=16)
    status = fields.CharEnumField(CouponStatus, max_length=10, default=CouponStatus.AVAILABLE)
    valid_from = fields.DatetimeField()
    valid_until = fields.DatetimeField()
    order_id = fields.BigIntField(null=True, db_index=True)
    created_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "coupon"
        unique_together = (("template", "member_id", "seq"),)
        indexes = (
            Index(fields=("member_id", "status", "id"), name="coupon_member_status"),
            Index(fields=("status", "valid_until"), name="coupon_status_until"),
        )

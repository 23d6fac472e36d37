"""Loyalty types shared by both schemas: tiers, coupon templates, coupons, points rows."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.graphql.enums import (
    CouponKindEnum,
    CouponScopeEnum,
    CouponSourceEnum,
    CouponStatusEnum,
    PointsKindEnum,
)
from api.graphql.ids import to_global_id
from api.graphql.scalars import Long, Money
from loyalty.models import Coupon, CouponScope, CouponTemplate, PointsTransaction, Tier


@strawberry.type(
    name="Tier",
    description=(
        "A member tier (会员等级): reached by growth (成长值), it sets "
        "the member price, the points multiplier and free shipping."
    ),
)
class TierNode:
    id: strawberry.ID = strawberry.field(description="Global ID (Tier).")
    code: str = strawberry.field(description="Stable code, V0 (lowest) upwards.")
    name: str = strawberry.field(description="Display name, e.g. 金卡.")
    threshold_growth: Long = strawberry.field(  # type: ignore[valid-type]
        description="Growth needed to reach this tier; the lowest tier needs 0."
    )
    discount_bp: int = strawberry.field(
        description="Share of the price (not the list price 划线价) a member of this tier pays:"
        " 9800 = pays 98%, 2% off."
    )
    points_multiplier_bp: int = strawberry.field(description="12000 = points × 1.2.")
    free_shipping: bool = strawberry.field(description="Delivery orders ship free for this tier.")


def tier_node(tier: Tier) -> TierNode:
    return TierNode(
        id=strawberry.ID(to_global_id("Tier", tier.id)),
        code=tier.code,
        name=tier.name,
        threshold_growth=tier.threshold_growth,
        discount_bp=tier.discount_bp,
        points_multiplier_bp=tier.points_multiplier_bp,
        free_shipping=tier.free_shipping,
    )


@strawberry.type(
    name="CouponTemplate",
    description=(
        "A coupon template (优惠券模板): what its coupons take off, "
        "where, how many, and how long they are valid."
    ),
)
class CouponTemplateNode:
    id: strawberry.ID = strawberry.field(description="Global ID (CouponTemplate).")
    name: str
    kind: CouponKindEnum
    amount: Money = strawberry.field(description="AMOUNT_OFF: the fen taken off.")
    percent_off_bp: int = strawberry.field(description="PERCENT_OFF: 1000 takes 10% off.")
    threshold: Money = strawberry.field(description="Goods in scope must reach this.")
    cap: Money = strawberry.field(description="PERCENT_OFF at most this much; 0 = no cap.")
    scope: CouponScopeEnum
    scope_ids: list[strawberry.ID] = strawberry.field(
        description=("Global IDs of the Categories or Products in scope; empty for ALL.")
    )
    total_stock: Long = strawberry.field(description="How many may be granted in all.")  # type: ignore[valid-type]
    stock_left: Long = strawberry.field(description="How many may still be granted.")  # type: ignore[valid-type]
    per_member_limit: int = strawberry.field(description="How many one member may hold.")
    valid_from: datetime | None = strawberry.field(
        description="Fixed window start; null when validDays is set."
    )
    valid_until: datetime | None = strawberry.field(
        description="Fixed window end; null when validDays is set."
    )
    valid_days: int | None = strawberry.field(description="Valid N days after it is granted.")
    public: bool = strawberry.field(description="Members may claim it (领券中心).")
    active: bool = strawberry.field(description="Claims and issues allowed.")


def template_node(template: CouponTemplate) -> CouponTemplateNode:
    scope_type = "Category" if template.scope == CouponScope.CATEGORIES else "Product"
    return CouponTemplateNode(
        id=strawberry.ID(to_global_id("CouponTemplate", template.id)),
        name=template.name,
        kind=template.kind,
        amount=Money.of(template.amount_fen),
        percent_off_bp=template.percent_off_bp,
        threshold=Money.of(template.threshold_fen),
        cap=Money.of(template.cap_fen),
        scope=template.scope,
        scope_ids=[strawberry.ID(to_global_id(scope_type, pk)) for pk in template.scope_ids],
        total_stock=template.total_stock,
        stock_left=template.stock_left,
        per_member_limit=template.per_member_limit,
        valid_from=template.valid_from,
        valid_until=template.valid_until,
        valid_days=template.valid_days,
        public=template.public,
        active=template.active,
    )


@strawberry.type(name="Coupon", description="A coupon a member holds (优惠券).")
class CouponNode:
    id: strawberry.ID = strawberry.field(
        description="Global ID (Coupon); pass as couponId at checkout."
    )
    template: CouponTemplateNode
    status: CouponStatusEnum
    source: CouponSourceEnum
    valid_from: datetime = strawberry.field(description="Usable from.")
    valid_until: datetime = strawberry.field(description="Usable until; EXPIRED after.")
    order_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the Order that locked or used it."
    )
    created_at: datetime = strawberry.field(description="When it was granted.")
    used_at: datetime | None


def coupon_node(coupon: Coupon) -> CouponNode:
    """`coupon.template` must be fetched with the coupon (select_related)."""
    return CouponNode(
        id=strawberry.ID(to_global_id("Coupon", coupon.id)),
        template=template_node(coupon.template),
        status=coupon.status,
        source=coupon.source,
        valid_from=coupon.valid_from,
        valid_until=coupon.valid_until,
        order_id=strawberry.ID(to_global_id("Order", coupon.order_id)) if coupon.order_id else None,
        created_at=coupon.created_at,
        used_at=coupon.used_at,
    )


@strawberry.type(
    name="PointsTransaction", description="One movement of a member's points (积分明细)."
)
class PointsTransactionNode:
    id: strawberry.ID = strawberry.field(description="Global ID.")
    kind: PointsKindEnum
    delta: Long = strawberry.field(description="Points added (positive) or taken (negative).")  # type: ignore[valid-type]
    order_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the Order it came from, if any."
    )
    note: str = strawberry.field(
        description="An ADJUST's reason, or why (e.g. returned to an expired lot); may be empty."
    )
    created_at: datetime


def points_transaction_node(row: PointsTransaction) -> PointsTransactionNode:
    return PointsTransactionNode(
        id=strawberry.ID(to_global_id("PointsTransaction", row.id)),
        kind=row.kind,
        delta=row.delta,
        order_id=strawberry.ID(to_global_id("Order", row.order_id)) if row.order_id else None,
        note=row.note,
        created_at=row.created_at,
    )

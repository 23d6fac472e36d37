"""Coupon templates and issuing for HQ_OPERATOR and HQ_ADMIN (SPEC 13)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.enums import CouponKindEnum, CouponScopeEnum
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id
from api.graphql.loyalty import CouponTemplateNode, template_node
from api.graphql.relay import NEWEST_FIRST, After, Connection, First, paginate
from api.graphql.scalars import Long
from domain.errors import DomainError, ErrorCode
from loyalty.audience.segments import segment_member_ids
from loyalty.coupons import grants, templates
from loyalty.models import CouponKind, CouponScope, CouponTemplate

MAX_MEMBERS = 100


async def coupon_templates(
    info: Info, first: First = 20, after: After = None
) -> Connection[CouponTemplateNode]:
    return await paginate(CouponTemplate.all(), NEWEST_FIRST, first, after, template_node)


@strawberry.input
class CouponTemplateInput:
    """Validity: `validFrom` and `validUntil` (a fixed window) or `validDays` after granting."""

    name: str = strawberry.field(description="Shown to members, at most 64 characters.")
    kind: CouponKindEnum = strawberry.field(description="What the coupon takes off.")
    total_stock: Long = strawberry.field(  # type: ignore[valid-type]
        description="How many may be granted in all (claims and issues); 0 or more."
    )
    amount_fen: Long = strawberry.field(  # type: ignore[valid-type]
        default=0, description="AMOUNT_OFF: fen taken off (1 or more)."
    )
    percent_off_bp: int = strawberry.field(
        default=0, description="PERCENT_OFF: basis points off, 1..9999 (1000 = 10% off)."
    )
    threshold_fen: Long = strawberry.field(  # type: ignore[valid-type]
        default=0, description="Goods in scope must reach this many fen (满); 0 = no threshold."
    )
    cap_fen: Long = strawberry.field(  # type: ignore[valid-type]
        default=0, description="PERCENT_OFF: at most this many fen off; 0 = no cap."
    )
    scope: CouponScopeEnum = strawberry.field(
        default=CouponScope.ALL, description="Which goods it applies to; ALL by default."
    )
    scope_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description=(
            "Category or Product global IDs for CATEGORIES / PRODUCTS, 1 to 100; empty for ALL."
        ),
    )
    per_member_limit: int = strawberry.field(
        default=1, description="How many one member may hold; 1 by default."
    )
    valid_from: datetime | None = strawberry.field(
        default=None, description="Fixed window start; with validUntil, instead of validDays."
    )
    valid_until: datetime | None = strawberry.field(
        default=None, description="Fixed window end, after validFrom."
    )
    valid_days: int | None = strawberry.field(
        default=None,
        description=("Valid this many days after granting (1..3650); instead of a fixed window."),
    )
    public: bool = strawberry.field(
        default=False,
        description=(
            "Listed in claimableCoupons for members to claim (领券中心); false: issued only."
        ),
    )
    active: bool = strawberry.field(
        default=True, description="false stops claims and issues; coupons granted stay usable."
    )

    def to_domain(self) -> templates.TemplateInput:
        scope = CouponScope(self.scope)
        scope_type = "Category" if scope == CouponScope.CATEGORIES else "Product"
        if len(self.scope_ids) > templates.MAX_SCOPE_IDS:
            raise DomainError(ErrorCode.OUT_OF_RANGE, "scopeIds")
        return templates.TemplateInput(
            name=self.name,
            kind=CouponKind(self.kind),
            amount_fen=self.amount_fen,
            percent_off_bp=self.percent_off_bp,
            threshold_fen=self.threshold_fen,
            cap_fen=self.cap_fen,
            scope=scope,
            scope_ids=tuple(
                from_global_id(value, scope_type, f"scopeIds.{i}")
                for i, value in enumerate(self.scope_ids)
            )
            if scope != CouponScope.ALL
            else (),
            total_stock=self.total_stock,
            per_member_limit=self.per_member_limit,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            valid_days=self.valid_days,
            public=self.public,
            active=self.active,
        )


@strawberry.type
class CouponTemplatePayload:
    template: CouponTemplateNode | None = None
    errors: list[UserError]


async def create_coupon_template(
    info: Info,
    input: Annotated[CouponTemplateInput, strawberry.argument(description="The template.")],
) -> CouponTemplatePayload:
    template = await templates.create_template(input.to_domain())
    return CouponTemplatePayload(template=template_node(template), errors=[])


async def update_coupon_template(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A CouponTemplate global ID.")],
    input: Annotated[
        CouponTemplateInput,
        strawberry.argument(description="The template's new settings (all of them)."),
    ],
) -> CouponTemplatePayload:
    template = await templates.update_template(
        from_global_id(id, "CouponTemplate"), input.to_domain()
    )
    return CouponTemplatePayload(template=template_node(template), errors=[])


@strawberry.type
class IssueCouponsPayload:
    issued: int = 0
    skipped: int = strawberry.field(
        default=0, description="At their limit, not active, or left when the stock ran out."
    )
    errors: list[UserError]


async def issue_coupons(
    info: Info,
    template_id: Annotated[
        strawberry.ID, strawberry.argument(description="A CouponTemplate global ID.")
    ],
    member_ids: Annotated[
        list[strawberry.ID] | None,
        strawberry.argument(description="Member global IDs, 1 to 100; or segmentId."),
    ] = None,
    segment_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(
            description="A Segment global ID: every member matching it now; or memberIds."
        ),
    ] = None,
) -> IssueCouponsPayload:
    """To the listed members (at most 100) or to every member of a segment, not both."""
    template = from_global_id(template_id, "CouponTemplate", "templateId")
    if (member_ids is None) == (segment_id is None):
        raise DomainError(ErrorCode.INVALID, "segmentId", "give memberIds or segmentId")
    if segment_id is not None:
        segment = from_global_id(segment_id, "Segment", "segmentId")
        batches = segment_member_ids(segment, grants.ISSUE_CHUNK)
        result = await grants.issue_in_batches(template, batches)
    else:
        assert member_ids is not None
        if not 1 <= len(member_ids) <= MAX_MEMBERS:
            raise DomainError(ErrorCode.OUT_OF_RANGE, "memberIds", f"1..{MAX_MEMBERS}")
        members = [
            from_global_id(value, "Member", f"memberIds.{i}") for i, value in enumerate(member_ids)
        ]
        result = await grants.issue_coupons(template, members)
    return IssueCouponsPayload(issued=result.issued, skipped=result.skipped, errors=[])

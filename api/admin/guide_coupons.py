"""Guide coupons for staff (SPEC 22): HQ lets guides issue a template with a monthly quota per
guide; a guide sees what they may still issue this month and hands a coupon to a customer they
serve; the figures show what guides issued and how much of it was used."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import granted
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, to_global_id
from api.graphql.loyalty import CouponNode, CouponTemplateNode, coupon_node, template_node
from distribution.reports.periods import period
from domain.access.capabilities import ScopeKind
from loyalty.models import Coupon
from loyalty.workbench import guide_coupons


@strawberry.type(name="GuideCouponTemplate")
class GuideCouponTemplateNode:
    template: CouponTemplateNode
    monthly_quota: int = strawberry.field(description="Per guide per month (Asia/Shanghai).")
    issued_this_month: int = strawberry.field(
        description="By the calling guide this month (0 for other roles)."
    )
    left_this_month: int = strawberry.field(description="What the calling guide may still issue.")


async def guide_coupon_templates(info: Info) -> list[GuideCouponTemplateNode]:
    grant = await granted(info)
    guide_id = grant.staff.id if grant.scope == ScopeKind.OWN_CUSTOMERS else 0
    return [
        GuideCouponTemplateNode(
            template=template_node(row.template),
            monthly_quota=row.monthly_quota,
            issued_this_month=row.issued_this_month,
            left_this_month=row.left,
        )
        for row in await guide_coupons.templates_for_guide(guide_id)
    ]


@strawberry.type
class GuideCouponQuotaPayload:
    monthly_quota: int = 0
    errors: list[UserError]


async def set_guide_coupon_quota(
    info: Info,
    template_id: Annotated[
        strawberry.ID, strawberry.argument(description="A CouponTemplate global ID.")
    ],
    monthly_quota: Annotated[
        int,
        strawberry.argument(
            description="Coupons each guide may issue per month, 0..100000; 0 stops guides."
        ),
    ],
) -> GuideCouponQuotaPayload:
    grant = await granted(info)
    quota = await guide_coupons.allow_for_guides(
        from_global_id(template_id, "CouponTemplate", "templateId"),
        monthly_quota,
        grant.staff.username,
    )
    return GuideCouponQuotaPayload(monthly_quota=quota, errors=[])


@strawberry.type
class IssueGuideCouponPayload:
    coupon: CouponNode | None = None
    errors: list[UserError]


async def issue_guide_coupon(
    info: Info,
    template_id: Annotated[
        strawberry.ID, strawberry.argument(description="A template guides may issue.")
    ],
    member_id: Annotated[
        strawberry.ID, strawberry.argument(description="A customer the guide serves (Member).")
    ],
) -> IssueGuideCouponPayload:
    grant = await granted(info)
    coupon = await guide_coupons.issue_by_guide(
        grant.staff,
        from_global_id(template_id, "CouponTemplate", "templateId"),
        from_global_id(member_id, "Member", "memberId"),
    )
    issued = await Coupon.get(id=coupon.id).select_related("template")
    return IssueGuideCouponPayload(coupon=coupon_node(issued), errors=[])


@strawberry.type(name="GuideCouponFigures")
class GuideCouponFiguresNode:
    guide_id: strawberry.ID = strawberry.field(description="A Staff ID.")
    issued: int = strawberry.field(description="Coupons the guide issued in the period.")
    used: int = strawberry.field(description="Of those, used in a paid order.")


async def guide_coupon_figures(
    info: Info,
    from_day: Annotated[
        date, strawberry.argument(name="from", description="First day issued, inclusive.")
    ],
    to_day: Annotated[
        date, strawberry.argument(name="to", description="Last day issued, inclusive.")
    ],
) -> list[GuideCouponFiguresNode]:
    grant = await granted(info)
    days = period(from_day, to_day, "to")
    figures = await guide_coupons.guide_coupon_figures(
        days.start, days.end, store_id=grant.store_id, guide_id=grant.guide_id
    )
    return [
        GuideCouponFiguresNode(
            guide_id=strawberry.ID(to_global_id("Staff", guide)), issued=row.issued, used=row.used
        )
        for guide, row in sorted(figures.items())
    ]

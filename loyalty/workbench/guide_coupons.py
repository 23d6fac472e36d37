"""Guide coupons (SPEC 22): HQ lets guides issue some coupon templates, each guide at most
`monthly_quota` of each per Asia/Shanghai month; a guide hands one to a customer they serve.

The coupon is granted by the same `grants.grant` as every other way of getting one, so the
template's stock and per-member limit hold exactly as for claims and HQ issues. The quota is a
guarded increment (`issued < quota`) in the same transaction as the grant: a refusal of either
(quota, stock, limit) rolls both back, and racing issues never pass the quota.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Subquery
from tortoise.functions import Count

from domain import clock, events
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.members.audience_sources import audience_sources
from domain.members.models import Member, MemberStatus
from domain.org.models import Staff
from loyalty.coupons.grants import grant
from loyalty.models import Coupon, CouponSource, CouponStatus, CouponTemplate
from loyalty.workbench.models import GuideCoupon, GuideCouponQuota, GuideCouponTemplate

MAX_QUOTA = 100_000


def quota_month(moment: datetime) -> str:
    """The quota's month: `YYYY-MM` in Asia/Shanghai."""
    return clock.to_shanghai(moment).strftime("%Y-%m")


async def allow_for_guides(template_id: int, monthly_quota: int, actor: str) -> int:
    """HQ sets a template's monthly quota per guide; 0 takes it off the guides' list. Returns
    the quota now in force."""
    if not 0 <= monthly_quota <= MAX_QUOTA:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "monthlyQuota", f"0..{MAX_QUOTA}")
    if not await CouponTemplate.exists(id=template_id):
        raise DomainError(ErrorCode.NOT_FOUND, "templateId")
    allowance = GuideCouponTemplate.filter(template_id=template_id)
    if monthly_quota == 0:
        await allowance.delete()
        return 0
    changes: dict[str, Any] = {
        "monthly_quota": monthly_quota,
        "updated_by": actor,
        "updated_at": clock.now(),
    }
    if await allowance.update(**changes):
        return monthly_quota
    try:
        async with transaction():
            await GuideCouponTemplate.create(template_id=template_id, **changes)
    except IntegrityError:  # set at the same moment by another request: last write wins
        await allowance.update(**changes)
    return monthly_quota


async def guide_template(template_id: int, field: str) -> GuideCouponTemplate:
    """The template's guide allowance; a template guides may not issue is NOT_FOUND to them."""
    allowed = await GuideCouponTemplate.get_or_none(template_id=template_id)
    if allowed is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return allowed


async def issue_by_guide(guide: Staff, template_id: int, member_id: int) -> Coupon:
    """One coupon of an allowed template for a customer the guide serves now. Another guide's
    customer is NOT_FOUND, like a missing member; beyond the month's quota is
    GUIDE_COUPON_QUOTA_REACHED; stock and per-member limit refuse as for any grant."""
    allowed = await guide_template(template_id, "templateId")
    served = audience_sources().members_served(None, guide.id)
    if not await Member.filter(id=member_id, status=MemberStatus.ACTIVE, id__in=served).exists():
        raise DomainError(ErrorCode.NOT_FOUND, "memberId")
    template = await CouponTemplate.get(id=template_id)
    moment = clock.now()
    month = quota_month(moment)
    await _quota_row(guide.id, template_id, month)
    async with transaction():
        taken = await GuideCouponQuota.filter(
            guide_id=guide.id,
            template_id=template_id,
            month=month,
            issued__lt=allowed.monthly_quota,
        ).update(issued=F("issued") + 1)
        if not taken:
            raise DomainError(
                ErrorCode.GUIDE_COUPON_QUOTA_REACHED, "templateId", f"{allowed.monthly_quota}"
            )
        coupon = await grant(template, member_id, CouponSource.GUIDE)
        await GuideCoupon.create(
            coupon_id=coupon.id,
            guide_id=guide.id,
            store_id=guide.store_id,
            member_id=member_id,
            template_id=template_id,
            issued_at=moment,
        )
    return coupon


async def _quota_row(guide_id: int, template_id: int, month: str) -> None:
    """The month's counter exists before the guarded increment (a racing creation is fine)."""
    if await GuideCouponQuota.exists(guide_id=guide_id, template_id=template_id, month=month):
        return
    try:
        async with transaction():
            await GuideCouponQuota.create(
                guide_id=guide_id, template_id=template_id, month=month, issued=0
            )
    except IntegrityError:
        pass


@dataclass(frozen=True)
class GuideTemplateQuota:
    template: CouponTemplate
    monthly_quota: int
    issued_this_month: int

    @property
    def left(self) -> int:
        return max(self.monthly_quota - self.issued_this_month, 0)


async def templates_for_guide(guide_id: int) -> list[GuideTemplateQuota]:
    """Every template guides may issue, with what this guide has left this month (3 statements;
    a handful of rows)."""
    allowed = {row.template_id: row.monthly_quota for row in await GuideCouponTemplate.all()}
    templates = await CouponTemplate.filter(id__in=list(allowed), active=True).order_by("id")
    issued = dict(
        await GuideCouponQuota.filter(
            guide_id=guide_id, month=quota_month(clock.now()), template_id__in=list(allowed)
        ).values_list("template_id", "issued")
    )
    return [
        GuideTemplateQuota(template, allowed[template.id], issued.get(template.id, 0))
        for template in templates
    ]


@dataclass(frozen=True)
class GuideCouponFigures:
    """Coupons a guide issued in a period, and how many of them were used in a paid order."""

    issued: int = 0
    used: int = 0


async def guide_coupon_figures(
    start: datetime, end: datetime, store_id: int | None = None, guide_id: int | None = None
) -> dict[int, GuideCouponFigures]:
    """Per guide, coupons issued in [start, end) and of those the ones USED (a coupon is USED
    once its order is paid): two grouped statements."""
    issued = GuideCoupon.filter(issued_at__gte=start, issued_at__lt=end)
    if store_id is not None:
        issued = issued.filter(store_id=store_id)
    if guide_id is not None:
        issued = issued.filter(guide_id=guide_id)
    totals = dict(
        await issued.annotate(count=Count("coupon_id"))
        .group_by("guide_id")
        .values_list("guide_id", "count")
    )
    used_ids = Coupon.filter(status=CouponStatus.USED).values("id")
    used = dict(
        await issued.filter(coupon_id__in=Subquery(used_ids))
        .annotate(count=Count("coupon_id"))
        .group_by("guide_id")
        .values_list("guide_id", "count")
    )
    return {
        guide: GuideCouponFigures(issued=count, used=used.get(guide, 0))
        for guide, count in totals.items()
    }


async def on_member_merged(event: events.MemberMerged) -> None:
    """A guide's coupons move with the absorbed member's coupons (loyalty.merging)."""
    await GuideCoupon.filter(member_id=event.absorbed_id).update(member_id=event.survivor_id)

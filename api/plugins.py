"""What `distribution` and `loyalty` plug into the core, wired once per process (the app and
the job runner call `install_plugins` before any request or job runs): domain event handlers,
pricing steps and the attributor; and the business counters of api/metrics.py."""

from __future__ import annotations

from api import metrics
from distribution import distributors, links, merging
from distribution.attribution import DistributionAttributor
from distribution.audience import DistributionAudienceSources
from distribution.commission import accrual as commission_accrual
from distribution.commission import refunds as commission_refunds
from distribution.enrollment import enroll_on_threshold
from distribution.reports import rollups as report_rollups
from domain import events
from domain.members.audience_sources import use_audience_sources
from domain.orders.attribution import use_attributor
from domain.orders.pricing import pipeline
from loyalty import merging as loyalty_merging
from loyalty import points, rewards
from loyalty.audience import handlers as audience
from loyalty.coupons import grants, usage
from loyalty.pricing import CouponStep, PointsStep, TierStep
from loyalty.workbench import guide_coupons
from loyalty.workbench import tasks as guide_tasks

_installed = False


def install_plugins() -> None:
    """Idempotent: tests build many apps in one process."""
    global _installed
    if _installed:
        return
    _installed = True
    subscriptions: list[tuple[type, object]] = [
        (events.MemberMerged, merging.on_member_merged),
        (events.MemberMerged, loyalty_merging.on_member_merged),
        (events.MemberMerged, report_rollups.on_member_merged),
        (events.OrderPaid, links.on_order_paid),
        (events.OrderPaid, commission_accrual.on_order_paid),
        (events.OrderPaid, report_rollups.on_order_paid),
        (events.OrderCompleted, commission_accrual.on_order_completed),
        (events.ItemRefunded, commission_refunds.on_item_refunded),
        (events.OrderPaid, enroll_on_threshold),
        (events.OrderPaid, usage.on_order_paid),
        (events.OrderCancelled, usage.on_order_cancelled),
        (events.OrderCancelled, _return_points),
        (events.OrderCompleted, rewards.on_order_completed),
        (events.ItemRefunded, rewards.on_item_refunded),
        (events.MemberJoined, grants.on_member_joined),
        (events.ReferralBound, grants.on_referral_bound),
        (events.OrderPaid, audience.on_order_paid),
        (events.ItemRefunded, audience.on_item_refunded),
        (events.MemberMerged, audience.on_member_merged),
        (events.StaffJoined, distributors.on_staff_joined),
        (events.StaffLeft, distributors.on_staff_left),
        (events.CustomersReassigned, guide_tasks.on_customers_reassigned),
        (events.MemberMerged, guide_tasks.on_member_merged),
        (events.MemberMerged, guide_coupons.on_member_merged),
    ]
    use_attributor(DistributionAttributor())
    use_audience_sources(DistributionAudienceSources())
    pipeline.plug("tier", TierStep())
    pipeline.plug("coupon", CouponStep())
    pipeline.plug("points", PointsStep())
    # Counted last, and only once the event's transaction has committed.
    subscriptions.extend(metrics.SUBSCRIPTIONS)
    for event_type, handler in subscriptions:
        events.subscribe(event_type, handler)


async def _return_points(event: events.OrderCancelled) -> None:
    await points.return_order(event.order_id)

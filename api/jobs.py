"""The periodic jobs (SPEC 15), one command each: idempotent, safe to run twice at once, and
acting as of `--now` when given. Every change they make is a compare-and-set, so two processes
running the same job never act twice on one row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from distribution.commission import settlement
from domain import clock
from domain.orders import lifecycle
from loyalty import points, tiers
from loyalty.audience import stats as audience_stats
from loyalty.coupons import usage as coupons

Job = Callable[[datetime], Awaitable[int]]

JOBS: dict[str, tuple[Job, str]] = {
    "cancel-unpaid": (lifecycle.cancel_expired, "cancel unpaid orders past the payment timeout"),
    "auto-complete": (lifecycle.complete_shipped, "complete orders shipped N days ago"),
    "settle-commission": (settlement.settle_due, "settle commission past its freeze days"),
    "expire-points": (points.expire_due, "write off points in lots past their expiry"),
    "expire-coupons": (coupons.expire_due, "expire unused coupons past their validity"),
    "review-tiers": (tiers.review_tiers, "re-tier members on the last tier.review_months"),
    "refresh-tags": (audience_stats.refresh_all, "recompute lifecycle, value and KOC tags"),
}


async def run_job(name: str, now: datetime | None = None) -> int:
    job, _ = JOBS[name]
    moment = now or clock.now()
    with clock.frozen_at(moment):
        return await job(moment)

"""The system tags' rules (SPEC 9.4): lifecycle stage, RFM value and KOC candidate, as pure
functions of a member's order stats and "now". The README ("Decisions") states the same rules.

Ages are measured from the last paid order's `paid_at` to now, in exact time: an order paid
exactly 90 days ago is still REPEAT, exactly 180 days ago still AT_RISK.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.members.audience_sources import SharingActivity
from loyalty.audience.models import Lifecycle, ValueLevel

ACTIVE_DAYS = 90  # last order at most this long ago: REPEAT / FIRST_PURCHASE
AT_RISK_DAYS = 180  # more than ACTIVE_DAYS and at most this long ago: AT_RISK; beyond: CHURNED
RFM_WINDOW_DAYS = 365

# RFM: each of recency, frequency and monetary scores 0-3 over the window; the sum (0-9) gives
# the value: >= HIGH_SCORE is HIGH, >= MID_SCORE is MID, else LOW (no order in a year scores 0).
RECENCY_DAYS = (30, 90, 365)  # at most 30 days: 3, 90: 2, 365: 1
FREQUENCY_ORDERS = (5, 2, 1)  # at least 5 orders: 3, 2: 2, 1: 1
MONETARY_FEN = (200_000, 50_000, 1)  # at least ¥2000: 3, ¥500: 2, anything: 1
HIGH_SCORE = 7
MID_SCORE = 4

# KOC candidate: in the last KOC_WINDOW_DAYS, at least this many unique visitors of the member's
# share links (people, not page loads: one visitor opening a link 55 times is one) or this many
# paid orders credited to them at level 1 (and not a KOC or shop yet).
KOC_WINDOW_DAYS = 90
KOC_MIN_UNIQUE_VISITORS = 50
KOC_MIN_REFERRED_ORDERS = 5


@dataclass(frozen=True)
class PaidOrder:
    """One order that counts: paid and not wholly refunded. `net_fen` is its items' paid fen
    less refunds (shipping excluded)."""

    paid_at: datetime
    net_fen: int


@dataclass(frozen=True)
class Stats:
    paid_orders: int
    last_paid_at: datetime | None
    spend_fen: int
    orders_365: int
    spend_365_fen: int
    lifecycle: Lifecycle
    value: ValueLevel


def lifecycle_of(paid_orders: int, last_paid_at: datetime | None, now: datetime) -> Lifecycle:
    """A one-time buyer ages like a repeat buyer: FIRST_PURCHASE only while the order is at most
    ACTIVE_DAYS old, then AT_RISK and CHURNED."""
    if paid_orders == 0 or last_paid_at is None:
        return Lifecycle.NEW
    age = now - last_paid_at
    if age > timedelta(days=AT_RISK_DAYS):
        return Lifecycle.CHURNED
    if age > timedelta(days=ACTIVE_DAYS):
        return Lifecycle.AT_RISK
    return Lifecycle.FIRST_PURCHASE if paid_orders == 1 else Lifecycle.REPEAT


def _score_at_most(value: float, limits: tuple[int, ...]) -> int:
    for points, limit in zip((3, 2, 1), limits, strict=True):
        if value <= limit:
            return points
    return 0


def _score_at_least(value: int, limits: tuple[int, ...]) -> int:
    for points, limit in zip((3, 2, 1), limits, strict=True):
        if value >= limit:
            return points
    return 0


def value_of(
    last_paid_at: datetime | None, orders_365: int, spend_365_fen: int, now: datetime
) -> ValueLevel:
    recency = (
        _score_at_most((now - last_paid_at) / timedelta(days=1), RECENCY_DAYS)
        if last_paid_at is not None and orders_365
        else 0
    )
    score = (
        recency
        + _score_at_least(orders_365, FREQUENCY_ORDERS)
        + _score_at_least(spend_365_fen, MONETARY_FEN)
    )
    if score >= HIGH_SCORE:
        return ValueLevel.HIGH
    return ValueLevel.MID if score >= MID_SCORE else ValueLevel.LOW


def stats_of(orders: list[PaidOrder], now: datetime) -> Stats:
    since = now - timedelta(days=RFM_WINDOW_DAYS)
    recent = [o for o in orders if o.paid_at >= since]
    last_paid_at = max((o.paid_at for o in orders), default=None)
    orders_365 = len(recent)
    spend_365_fen = sum(o.net_fen for o in recent)
    return Stats(
        paid_orders=len(orders),
        last_paid_at=last_paid_at,
        spend_fen=sum(o.net_fen for o in orders),
        orders_365=orders_365,
        spend_365_fen=spend_365_fen,
        lifecycle=lifecycle_of(len(orders), last_paid_at, now),
        value=value_of(last_paid_at, orders_365, spend_365_fen, now),
    )


def is_koc_candidate(activity: SharingActivity | None) -> bool:
    if activity is None:
        return False
    return (
        activity.unique_visitors >= KOC_MIN_UNIQUE_VISITORS
        or activity.referred_orders >= KOC_MIN_REFERRED_ORDERS
    )

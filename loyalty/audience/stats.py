"""Keeping each member's order stats and system tags current (SPEC 9.4).

Order events refresh one member inside the order's transaction, in a constant number of
statements whatever the member's history: the stats are recomputed from the member's orders, so
a refund or a retried event can never make them drift. The refresh job walks all members in
keyset batches with the same rules, as of `--now`: ages move with time even when no order
happens.

Every refresh first locks the members' stats rows (creating them when missing) and only then
reads their orders: two payments of one member, or a payment and a job batch, take turns, and
the later one reads what the earlier one committed. Rows are locked in member-id order, so two
jobs at once never deadlock and write the same values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from tortoise.functions import Sum

from domain import clock
from domain.db import transaction
from domain.members.audience_sources import audience_sources
from domain.members.models import Member, MemberStatus
from domain.orders.lifecycle import PAID_STATES
from domain.orders.models import Order
from loyalty.audience.models import MemberAudience
from loyalty.audience.rules import KOC_WINDOW_DAYS, PaidOrder, is_koc_candidate, stats_of

BATCH = 500
STATS_FIELDS = [
    "paid_orders",
    "last_paid_at",
    "spend_fen",
    "orders_365",
    "spend_365_fen",
    "lifecycle",
    "value",
    "refreshed_at",
]


async def _paid_orders(member_ids: Sequence[int]) -> dict[int, list[PaidOrder]]:
    """The orders that count, one statement: paid (a CLOSED order was wholly refunded) and not
    wholly refunded yet (the order closes after the refund's event)."""
    rows = (
        await Order.filter(member_id__in=list(member_ids), status__in=list(PAID_STATES))
        .annotate(paid=Sum("items__paid_fen"), refunded=Sum("items__refunded_fen"))
        .group_by("id", "member_id", "paid_at")
        .values_list("member_id", "paid_at", "paid", "refunded")
    )
    orders: dict[int, list[PaidOrder]] = defaultdict(list)
    for member_id, paid_at, paid, refunded in rows:
        paid, refunded = int(paid or 0), int(refunded or 0)
        if paid_at is not None and (paid == 0 or refunded < paid):
            orders[member_id].append(PaidOrder(paid_at, paid - refunded))
    return orders


def _row(member_id: int, orders: list[PaidOrder], now: datetime, **extra: object):
    stats = stats_of(orders, now)
    return MemberAudience(
        member_id=member_id,
        paid_orders=stats.paid_orders,
        last_paid_at=stats.last_paid_at,
        spend_fen=stats.spend_fen,
        orders_365=stats.orders_365,
        spend_365_fen=stats.spend_365_fen,
        lifecycle=stats.lifecycle,
        value=stats.value,
        refreshed_at=now,
        **extra,
    )


async def _lock_rows(member_ids: list[int], now: datetime) -> None:
    """The members' stats rows exist and are held until the transaction ends, in one
    statement: an upsert locks the row it inserts or updates (PostgreSQL, in the order given:
    callers pass ids sorted, so two refreshes never wait for each other crosswise; SQLite has
    one writer at a time anyway)."""
    await MemberAudience.bulk_create(
        [MemberAudience(member_id=m, refreshed_at=now) for m in member_ids],
        on_conflict=["member_id"],
        update_fields=["refreshed_at"],
    )


async def refresh_member(member_id: int) -> None:
    """Recompute one member's stats and order-based tags now, in three statements. Runs in
    the caller's transaction (an order event's or a merge's), which holds the row lock."""
    now = clock.now()
    await _lock_rows([member_id], now)
    orders = await _paid_orders([member_id])
    await MemberAudience.bulk_create(
        [_row(member_id, orders[member_id], now)],
        on_conflict=["member_id"],
        update_fields=STATS_FIELDS,
    )


async def refresh_batch(member_ids: Sequence[int], now: datetime) -> None:
    """Every system tag of these members as of `now`: a constant number of statements, in one
    transaction."""
    ids = sorted(member_ids)
    async with transaction():
        await _lock_rows(ids, now)
        orders = await _paid_orders(ids)
        activity = await audience_sources().sharing_activity(
            ids, now - timedelta(days=KOC_WINDOW_DAYS)
        )
        rows = [
            _row(m, orders[m], now, koc_candidate=is_koc_candidate(activity.get(m))) for m in ids
        ]
        await MemberAudience.bulk_create(
            rows, on_conflict=["member_id"], update_fields=[*STATS_FIELDS, "koc_candidate"]
        )


async def refresh_all(now: datetime) -> int:
    """Job `refresh-tags`: every active member, BATCH at a time by id. Returns how many."""
    refreshed, last_id = 0, 0
    while True:
        ids = await (
            Member.filter(status=MemberStatus.ACTIVE, id__gt=last_id)
            .order_by("id")
            .limit(BATCH)
            .values_list("id", flat=True)
        )
        if not ids:
            return refreshed
        await refresh_batch(ids, now)
        refreshed += len(ids)
        last_id = ids[-1]

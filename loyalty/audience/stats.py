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
from dataclasses import asdict
from datetime import datetime, timedelta

from domain import clock, sql
from domain.db import transaction
from domain.members.audience_sources import audience_sources
from domain.members.models import Member, MemberStatus
from domain.orders.lifecycle import PAID_STATES
from domain.orders.models import Order
from domain.sql import Sql
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


@sql.family("audience.paid_orders", sql.sizes(1, 3))
def _paid_orders_statement(members: int) -> Sql:
    return Sql(  # only placeholders are formatted in
        f"audience.paid_orders[{members}]",
        f"""SELECT o.member_id, o.paid_at,
        COALESCE(SUM(i.paid_fen), 0) AS paid, COALESCE(SUM(i.refunded_fen), 0) AS refunded
        FROM "order" o LEFT JOIN order_item i ON i.order_id = o.id
        WHERE o.member_id IN ({sql.placeholders("member", members)})
        AND o.status IN ({sql.placeholders("status", len(PAID_STATES))})
        GROUP BY o.id, o.member_id, o.paid_at""",  # noqa: S608
    )


async def _paid_orders(member_ids: Sequence[int]) -> dict[int, list[PaidOrder]]:
    """The orders that count, one statement: paid (a CLOSED order was wholly refunded) and not
    wholly refunded yet (the order closes after the refund's event)."""
    rows = await sql.fetch(
        _paid_orders_statement(len(member_ids)),
        **sql.numbered("member", member_ids),
        **sql.numbered("status", PAID_STATES),
    )
    orders: dict[int, list[PaidOrder]] = defaultdict(list)
    for row in rows:
        paid, refunded = int(row["paid"]), int(row["refunded"])
        paid_at = sql.python_value(Order, "paid_at", row["paid_at"])
        if paid_at is not None and (paid == 0 or refunded < paid):
            orders[row["member_id"]].append(PaidOrder(paid_at, paid - refunded))
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


@sql.family("audience.lock", sql.sizes(1, 3))
def _lock_statement(members: int) -> sql.Insert:
    """The stats rows' upsert, generated from the model (a new column needs no edit here)."""
    return sql.Insert(
        f"audience.lock[{members}]",
        MemberAudience,
        rows=members,
        with_key=True,
        tail="ON CONFLICT (member_id) DO UPDATE SET refreshed_at = excluded.refreshed_at",
    )


async def _lock_rows(member_ids: list[int], now: datetime) -> None:
    """The members' stats rows exist and are held until the transaction ends, in one
    statement: an upsert locks the row it inserts or updates (PostgreSQL, in the order given:
    callers pass ids sorted, so two refreshes never wait for each other crosswise; SQLite has
    one writer at a time anyway). A new row is a member with no order: the model's defaults
    (NEW and LOW)."""
    statement = _lock_statement(len(member_ids))
    rows = [MemberAudience(member_id=member_id, refreshed_at=now) for member_id in member_ids]
    await sql.execute(statement, **statement.params(rows))


_WRITE_STATS = Sql(
    "audience.write_stats",
    """UPDATE member_audience SET paid_orders = :paid_orders, last_paid_at = :last_paid_at,
    spend_fen = :spend_fen, orders_365 = :orders_365, spend_365_fen = :spend_365_fen,
    lifecycle = :lifecycle, value = :value, refreshed_at = :now WHERE member_id = :member_id""",
)


async def refresh_member(member_id: int) -> None:
    """Recompute one member's stats and order-based tags now, in three hand-written statements
    (every payment runs them). Runs in the caller's transaction (an order event's or a
    merge's), which holds the row lock."""
    now = clock.now()
    await _lock_rows([member_id], now)
    orders = await _paid_orders([member_id])
    stats = stats_of(orders[member_id], now)
    await sql.execute(_WRITE_STATS, member_id=member_id, now=now, **asdict(stats))


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
        ids: list[int] = await (  # type: ignore[assignment]  # flat values_list: ints
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

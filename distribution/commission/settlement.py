"""The settlement job (SPEC 10.2, 15): PENDING entries whose settle date has come and whose
item has no open refund become SETTLED, moving their amount from pending to available.

Each entry settles in its own short transaction with a compare-and-set on (status, amount), so
two processes running the job at once settle every entry exactly once, and a refund that reduces
an entry meanwhile makes the settlement of that entry wait for the next run. Entries are read in
keyset batches: memory stays constant whatever the backlog.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Subquery

from distribution.events import CommissionSettled
from distribution.ledger import Deltas, Refs, move
from distribution.models import CommissionEntry, EntryStatus, LedgerKind
from domain import events
from domain.db import transaction
from domain.orders.models import OrderItem

BATCH = 500
ACTOR = "job:settle-commission"


def due(now: datetime):
    """Entries ready to settle at `now` (a query)."""
    return CommissionEntry.filter(
        status=EntryStatus.PENDING,
        settle_at__lte=now,
        amount_fen__gt=0,
        item__refund_open=False,
    )


async def settle_one(
    entry_id: int, item_id: int, account_id: int, amount_fen: int, order_id: int, now: datetime
) -> bool:
    """PENDING → SETTLED for one entry, with its SETTLE row; False when another process or a
    refund got there first."""
    async with transaction():
        # No join here: Tortoise turns a join filter into `id IN (subquery)`, and PostgreSQL
        # does not re-check a subquery's conditions on the row version it waited for, which
        # would let two processes settle the same entry. The guards stay on the row itself.
        won = await CommissionEntry.filter(
            id=entry_id,
            status=EntryStatus.PENDING,
            amount_fen=amount_fen,
            item_id__in=Subquery(OrderItem.filter(id=item_id, refund_open=False).values("id")),
        ).update(status=EntryStatus.SETTLED, settled_at=now)
        if not won:
            return False
        await move(
            account_id,
            LedgerKind.SETTLE,
            Deltas(pending=-amount_fen, available=amount_fen),
            actor=ACTOR,
            reason="settled",
            refs=Refs(entry_id=entry_id, order_id=order_id),
        )
        await events.publish(CommissionSettled(order_id, entry_id, account_id, amount_fen))
    return True


async def settle_due(now: datetime) -> int:
    """Job `settle-commission`: settle everything due at `now`. Returns how many it settled."""
    settled, last_id = 0, 0
    while True:
        batch = (
            await due(now)
            .filter(id__gt=last_id)
            .order_by("id")
            .limit(BATCH)
            .values_list("id", "item_id", "account_id", "amount_fen", "order_id")
        )
        for entry_id, item_id, account_id, amount_fen, order_id in batch:
            if await settle_one(entry_id, item_id, account_id, amount_fen, order_id, now):
                settled += 1
        if len(batch) < BATCH:
            return settled
        last_id = batch[-1][0]

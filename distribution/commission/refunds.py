"""Commission follows refunds (SPEC 10.2): on `ItemRefunded`, inside the refund transaction,
every entry on the item comes down to original − floor(original × refunded / paid), and to
exactly zero once the item is fully refunded. The target is computed from the item's cumulative
refunded total, so repeated partial refunds never drift from one refund of the same sum.

A PENDING entry's reduction is a CANCEL on pending (the entry is CANCELLED at zero); a SETTLED
entry's is a CLAWBACK on available, which may go negative: the platform never absorbs it.
Each change is a compare-and-set on (status, amount); losing to the settlement job means
reading the entry again and applying the reduction to its new state.
"""

from __future__ import annotations

from distribution.commission.calculation import plan_reduction
from distribution.ledger import Deltas, Refs, move
from distribution.models import CommissionEntry, LedgerKind
from domain import events

ACTOR = "system:refund"
MAX_ATTEMPTS = 10


async def on_item_refunded(event: events.ItemRefunded) -> None:
    for entry in await CommissionEntry.filter(item_id=event.item_id).order_by("id"):
        await reduce_entry(entry, event)


async def reduce_entry(entry: CommissionEntry, event: events.ItemRefunded) -> int:
    """Bring one entry down to what the refunds leave it; returns the amount given back."""
    for _ in range(MAX_ATTEMPTS):
        plan = plan_reduction(
            entry.status, entry.amount_fen, entry.original_fen, event.paid_fen, event.refunded_fen
        )
        if plan is None:
            return 0
        changed = await CommissionEntry.filter(
            id=entry.id, status=entry.status, amount_fen=entry.amount_fen
        ).update(amount_fen=plan.target_fen, status=plan.status)
        if changed:
            given_back = plan.given_back_fen
            await move(
                entry.account_id,
                LedgerKind.CLAWBACK if plan.clawback else LedgerKind.CANCEL,
                Deltas(available=-given_back) if plan.clawback else Deltas(pending=-given_back),
                actor=ACTOR,
                reason=f"refund {event.refund_id}",
                refs=Refs(entry_id=entry.id, order_id=event.order_id),
            )
            return given_back
        entry = await CommissionEntry.get(id=entry.id)
    raise RuntimeError(f"commission entry {entry.id} kept changing under a refund")

"""The one way money moves between an account's buckets: an append-only ledger row and a
guarded update of the cached balances, in the caller's transaction.

Every reported move also adds to its day's `commission_day` rollup (reports/rollups.py) in the
same transaction, so the commission report never has to read the ledger itself.

Buckets: pending (accrued, not yet settled), available (withdrawable, may go negative after a
clawback), withdrawing (held by a withdrawal request), withdrawn (paid out). Balances always
equal the sums of the ledger deltas; `check_ledger` proves it for every account, and
`rollups.check_commission_days` that the rollup equals a GROUP BY over the ledger
(`siyu check-ledger` runs both).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Sum

from distribution.models import AccountOwner, CommissionAccount, LedgerEntry, LedgerKind
from distribution.reports.rollups import add_to_commission_day
from domain import clock
from domain.db import transaction
from domain.errors import DomainError, ErrorCode


@dataclass(frozen=True)
class Deltas:
    pending: int = 0
    available: int = 0
    withdrawing: int = 0
    withdrawn: int = 0


@dataclass(frozen=True)
class Refs:
    entry_id: int | None = None
    withdrawal_id: int | None = None
    order_id: int | None = None


async def account_for(owner_type: AccountOwner, owner_id: int) -> CommissionAccount:
    """The owner's account, created on first use (concurrent first uses make one)."""
    found = await CommissionAccount.get_or_none(owner_type=owner_type, owner_id=owner_id)
    if found is not None:
        return found
    try:
        async with transaction():  # a savepoint: losing the race must not abort the caller's
            return await CommissionAccount.create(
                owner_type=owner_type, owner_id=owner_id, created_at=clock.now()
            )
    except IntegrityError:
        return await CommissionAccount.get(owner_type=owner_type, owner_id=owner_id)


async def move(
    account_id: int,
    kind: LedgerKind,
    deltas: Deltas,
    *,
    actor: str,
    reason: str = "",
    refs: Refs = Refs(),
    require_available: int | None = None,
) -> LedgerEntry:
    """Apply `deltas` to the balances and record them. With `require_available`, the update
    only happens while available >= that amount (withdrawal holds): no number of concurrent
    requests can overdraw. Must run inside the caller's transaction. One more statement (the
    rollup upsert) for every kind the commission report shows, none for HOLD and RELEASE."""
    query = CommissionAccount.filter(id=account_id)
    if require_available is not None:
        query = query.filter(available_fen__gte=require_available)
    updated = await query.update(
        pending_fen=F("pending_fen") + deltas.pending,
        available_fen=F("available_fen") + deltas.available,
        withdrawing_fen=F("withdrawing_fen") + deltas.withdrawing,
        withdrawn_fen=F("withdrawn_fen") + deltas.withdrawn,
    )
    if not updated:
        raise DomainError(ErrorCode.INSUFFICIENT_BALANCE, "amountFen")
    now = clock.now()
    row = await LedgerEntry.create(
        account_id=account_id,
        kind=kind,
        pending_delta=deltas.pending,
        available_delta=deltas.available,
        withdrawing_delta=deltas.withdrawing,
        withdrawn_delta=deltas.withdrawn,
        entry_id=refs.entry_id,
        withdrawal_id=refs.withdrawal_id,
        order_id=refs.order_id,
        actor=actor,
        reason=reason[:200],
        created_at=now,
    )
    await add_to_commission_day(
        clock.to_shanghai(now).date(), account_id, kind, asdict(deltas), refs.entry_id
    )
    return row


@dataclass(frozen=True)
class Mismatch:
    account_id: int
    balances: tuple[int, int, int, int]
    ledger: tuple[int, int, int, int]


async def check_ledger() -> list[Mismatch]:
    """Every account whose cached balances differ from its ledger sums (empty when sound).
    One aggregate query over the ledger, one over the accounts."""
    sums = {
        row["account_id"]: row
        for row in await LedgerEntry.all()
        .group_by("account_id")
        .annotate(
            p=Sum("pending_delta"),
            a=Sum("available_delta"),
            w=Sum("withdrawing_delta"),
            d=Sum("withdrawn_delta"),
        )
        .values("account_id", "p", "a", "w", "d")
    }
    mismatches = []
    for account in await CommissionAccount.all().order_by("id"):
        row = sums.get(account.id, {})
        ledger = tuple(int(row.get(k) or 0) for k in ("p", "a", "w", "d"))
        balances = (
            account.pending_fen,
            account.available_fen,
            account.withdrawing_fen,
            account.withdrawn_fen,
        )
        if ledger != balances:
            mismatches.append(Mismatch(account.id, balances, ledger))
    return mismatches

"""Manual adjustments by HQ finance (SPEC 10.2): a signed amount on an account's available
balance, with who and why, as a ledger row like any other."""

from __future__ import annotations

from distribution.ledger import Deltas, account_for, move
from distribution.models import AccountOwner, CommissionAccount, Distributor, LedgerKind
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.org.models import Store
from domain.validation import clean_text

MAX_ADJUSTMENT_FEN = 10_000_000_00  # ¥10,000,000: a typo guard, not a business limit


async def adjust(
    owner_type: AccountOwner, owner_id: int, amount_fen: int, reason: str, actor: str
) -> CommissionAccount:
    """Post ±`amount_fen` on the owner's available balance (it may go negative)."""
    reason = clean_text(reason, "reason", 200, multiline=True)
    if amount_fen == 0 or abs(amount_fen) > MAX_ADJUSTMENT_FEN:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, "amountFen", f"non-zero, at most {MAX_ADJUSTMENT_FEN}"
        )
    model = Distributor if owner_type == AccountOwner.DISTRIBUTOR else Store
    if not await model.exists(id=owner_id):
        field = "distributorId" if owner_type == AccountOwner.DISTRIBUTOR else "storeId"
        raise DomainError(ErrorCode.NOT_FOUND, field)
    async with transaction():
        account = await account_for(owner_type, owner_id)
        await move(
            account.id, LedgerKind.ADJUST, Deltas(available=amount_fen), actor=actor, reason=reason
        )
    await account.refresh_from_db()
    return account

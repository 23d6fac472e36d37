"""Reading commission: entries by account, order or status, and balances. For the admin API
and the shop's distribution centre (find the owner's account with `account_of`, then list
`entries(account_id=...)` newest first: index `commission_entry_account`)."""

from __future__ import annotations

from dataclasses import dataclass

from distribution.models import AccountOwner, CommissionAccount, CommissionEntry, EntryStatus


async def account_of(owner_type: AccountOwner, owner_id: int) -> CommissionAccount | None:
    """The owner's account, or None when it never earned (no row is made by reading)."""
    return await CommissionAccount.get_or_none(owner_type=owner_type, owner_id=owner_id)


def entries(
    *,
    account_id: int | None = None,
    order_id: int | None = None,
    status: EntryStatus | None = None,
):
    """Entries matching every filter given (a query to paginate)."""
    query = CommissionEntry.all()
    if account_id is not None:
        query = query.filter(account_id=account_id)
    if order_id is not None:
        query = query.filter(order_id=order_id)
    if status is not None:
        query = query.filter(status=status)
    return query


@dataclass(frozen=True)
class Balances:
    account_id: int | None
    pending_fen: int = 0
    available_fen: int = 0
    withdrawing_fen: int = 0
    withdrawn_fen: int = 0


def balances_of(account: CommissionAccount | None) -> Balances:
    if account is None:
        return Balances(None)
    return Balances(
        account.id,
        account.pending_fen,
        account.available_fen,
        account.withdrawing_fen,
        account.withdrawn_fen,
    )


async def balances(owner_type: AccountOwner, owner_id: int) -> Balances:
    """The owner's four balances; zeros when nothing was ever earned."""
    return balances_of(await account_of(owner_type, owner_id))

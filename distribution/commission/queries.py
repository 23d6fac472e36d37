"""Reading commission: entries by account, order or status, accounts and their balances. For
the admin API and the shop's distribution centre (find the owner's account with `account_of`,
then list `entries(account_id=...)` newest first: index `commission_entry_account`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from distribution.models import (
    AccountOwner,
    CommissionAccount,
    CommissionEntry,
    Distributor,
    DistributorKind,
    EntryStatus,
)
from domain.org.models import Store


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


class AccountKind(StrEnum):
    """Whose an account is: a store's own (STORE), or a distributor's of that kind."""

    GUIDE = "GUIDE"
    KOC = "KOC"
    MEMBER = "MEMBER"
    SHOP = "SHOP"
    STORE = "STORE"


def accounts(
    *,
    kind: AccountKind | None = None,
    store_id: int | None = None,
    distributor_id: int | None = None,
    guide_staff_id: int | None = None,
) -> QuerySet[CommissionAccount]:
    """Accounts of every beneficiary matching every filter given (a query to paginate by id).
    A store's accounts are its own and its guides' (a distributor's store is a guide's store;
    KOCs, members and partner shops have none), as in the commission report's store dimension.
    `guide_staff_id` keeps only that guide's own account."""
    query = CommissionAccount.all()
    if kind == AccountKind.STORE:
        query = query.filter(owner_type=AccountOwner.STORE)
    elif kind is not None:
        of_kind = Distributor.filter(kind=DistributorKind(kind.value)).values("id")
        query = query.filter(owner_type=AccountOwner.DISTRIBUTOR, owner_id__in=Subquery(of_kind))
    if store_id is not None:
        guides = Distributor.filter(store_id=store_id).values("id")
        query = query.filter(
            Q(owner_type=AccountOwner.STORE, owner_id=store_id)
            | Q(owner_type=AccountOwner.DISTRIBUTOR, owner_id__in=Subquery(guides))
        )
    if distributor_id is not None:
        query = query.filter(owner_type=AccountOwner.DISTRIBUTOR, owner_id=distributor_id)
    if guide_staff_id is not None:
        own = Distributor.filter(staff_id=guide_staff_id).values("id")
        query = query.filter(owner_type=AccountOwner.DISTRIBUTOR, owner_id__in=Subquery(own))
    return query


@dataclass(frozen=True)
class AccountOwnerFacts:
    """Who an account belongs to, as HQ finance reads it beside the balances."""

    kind: AccountKind
    name: str
    store_id: int | None


async def owners_of(rows: Iterable[CommissionAccount]) -> dict[int, AccountOwnerFacts]:
    """Kind, name and store of each account's owner, by account id: two statements at most
    for a whole page (its distributors, its stores), whatever the page size."""
    rows = list(rows)
    distributor_ids = [a.owner_id for a in rows if a.owner_type == AccountOwner.DISTRIBUTOR]
    store_ids = [a.owner_id for a in rows if a.owner_type == AccountOwner.STORE]
    distributors = (
        {d.id: d for d in await Distributor.filter(id__in=distributor_ids)}
        if distributor_ids
        else {}
    )
    stores = dict(
        await Store.filter(id__in=store_ids).values_list("id", "name") if store_ids else []
    )
    facts: dict[int, AccountOwnerFacts] = {}
    for account in rows:
        if account.owner_type == AccountOwner.STORE:
            name = stores.get(account.owner_id, "")
            facts[account.id] = AccountOwnerFacts(AccountKind.STORE, name, account.owner_id)
            continue
        owner = distributors[account.owner_id]  # distributors are never deleted
        facts[account.id] = AccountOwnerFacts(
            AccountKind(owner.kind.value), owner.display_name, owner.store_id
        )
    return facts

"""Accrual (SPEC 10.2): on `OrderPaid`, inside the payment transaction, one PENDING entry per
(order item, beneficiary account, role) with its ACCRUE ledger row; on `OrderCompleted`, every
entry of the order gets its settle date.

Beneficiaries come from the order's attribution snapshot: LEVEL1 and LEVEL2 (the latter only
while `distribution.levels` is 2), GUIDE_SERVICE for the distributor of the order's service guide,
STORE_SHARE for the service store when it is an active FRANCHISE store. Only ACTIVE distributors
earn; FROZEN and DISABLED ones earn nothing new. The unique (item, account, role) constraint makes
a second accrual of the same order impossible: a clash is taken as "already accrued".
Roles are independent: a guide who is both the order's level-1 distributor and its service
guide earns both (the cap bounds what one item pays out in total).

SQL per accrual is constant in the size of the member base and the upline chain (everything is
looked up by key); it grows only with the entries the order earns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from tortoise.exceptions import IntegrityError

from distribution.commission.calculation import ItemFacts, Share, item_shares
from distribution.commission.rules import rules_in_force
from distribution.distributors import for_guide
from distribution.events import CommissionAccrued
from distribution.ledger import Deltas, Refs, account_for, move
from distribution.models import (
    AccountOwner,
    BeneficiaryRole,
    CommissionEntry,
    Distributor,
    DistributorKind,
    DistributorStatus,
    LedgerKind,
)
from domain import clock, events
from domain.catalog.models import Category, Sku
from domain.db import transaction
from domain.orders.models import Order, OrderItem
from domain.org.models import Staff, Store, StoreKind, StoreStatus
from domain.settings.service import get_setting, load_settings

ACTOR = "system:commission"


@dataclass(frozen=True)
class Beneficiary:
    role: BeneficiaryRole
    owner_type: AccountOwner
    owner_id: int
    kind: DistributorKind | None


async def beneficiaries_of(order: Order, levels: int) -> list[Beneficiary]:
    """Who earns on `order`, from its snapshot; only active distributors and stores."""
    found: list[Beneficiary] = []
    wanted = {BeneficiaryRole.LEVEL1: order.level1_distributor_id}
    if levels == 2:
        wanted[BeneficiaryRole.LEVEL2] = order.level2_distributor_id
    ids = [pk for pk in wanted.values() if pk]
    active = (
        {d.id: d for d in await Distributor.filter(id__in=ids, status=DistributorStatus.ACTIVE)}
        if ids
        else {}
    )
    for role, pk in wanted.items():
        if pk in active:
            found.append(Beneficiary(role, AccountOwner.DISTRIBUTOR, pk, active[pk].kind))
    if order.service_guide_id:
        staff = await Staff.get_or_none(id=order.service_guide_id)
        guide = await for_guide(staff) if staff is not None else None
        if guide is not None and guide.status == DistributorStatus.ACTIVE:
            found.append(
                Beneficiary(
                    BeneficiaryRole.GUIDE_SERVICE, AccountOwner.DISTRIBUTOR, guide.id, guide.kind
                )
            )
    if order.service_store_id:
        store = await Store.get_or_none(id=order.service_store_id)
        if store and store.kind == StoreKind.FRANCHISE and store.status == StoreStatus.ACTIVE:
            found.append(
                Beneficiary(BeneficiaryRole.STORE_SHARE, AccountOwner.STORE, store.id, None)
            )
    return found


async def _item_facts(items: list[OrderItem]) -> dict[int, ItemFacts]:
    skus = {
        row["id"]: row
        for row in await Sku.filter(id__in=[i.sku_id for i in items]).values(
            "id", "commission_l1_fen", "commission_l2_fen"
        )
    }
    parents = dict(
        await Category.filter(id__in=list({i.category_id for i in items})).values_list(
            "id", "parent_id"
        )
    )
    facts = {}
    for item in items:
        sku = skus.get(item.sku_id, {})
        facts[item.id] = ItemFacts(
            sku_id=item.sku_id,
            product_id=item.product_id,
            category_id=item.category_id,
            parent_category_id=parents.get(item.category_id),
            paid_fen=item.paid_fen,
            quantity=item.quantity,
            commission_enabled=item.commission_enabled,
            sku_level1_fen=sku.get("commission_l1_fen"),
            sku_level2_fen=sku.get("commission_l2_fen"),
        )
    return facts


async def already_accrued(order_id: int) -> bool:
    """The cheap first check; the unique constraint is what actually forbids duplicates."""
    return await CommissionEntry.filter(order_id=order_id).exists()


async def accrue_order(order_id: int) -> int:
    """Create the order's entries and ACCRUE rows (caller's transaction). Returns how many
    entries this call created: 0 when the order was already accrued."""
    if await already_accrued(order_id):
        return 0
    order = await Order.get(id=order_id)
    return await _accrue_items(order, await OrderItem.filter(order_id=order_id).order_by("line"))


async def _accrue_items(order: Order, items: Sequence[OrderItem]) -> int:
    settings = await load_settings()
    beneficiaries = await beneficiaries_of(order, settings["distribution.levels"])
    if not beneficiaries:
        return 0
    facts = await _item_facts(items)
    rules = await rules_in_force(clock.now())
    by_role = {b.role: b for b in beneficiaries}
    kinds = {b.role: b.kind for b in beneficiaries}
    accounts: dict[tuple[AccountOwner, int], int] = {}
    work = []
    for item in items:
        for piece in item_shares(facts[item.id], kinds, rules, settings["commission.max_share_bp"]):
            beneficiary = by_role[piece.role]
            key = (beneficiary.owner_type, beneficiary.owner_id)
            if key not in accounts:
                accounts[key] = (await account_for(*key)).id
            work.append((accounts[key], item, beneficiary, piece))
    # Balances are updated in account-id order: two payments crediting the same accounts in
    # opposite roles would otherwise lock each other's rows (a deadlock on PostgreSQL).
    work.sort(key=lambda unit: unit[0])
    created, capped = 0, False
    for account_id, item, beneficiary, piece in work:
        if await _accrue(order, item, beneficiary, account_id, piece):
            created += 1
            capped = capped or piece.capped
    if capped:
        await Order.filter(id=order.id).update(commission_capped=True)
    return created


async def _accrue(
    order: Order, item: OrderItem, beneficiary: Beneficiary, account_id: int, piece: Share
) -> bool:
    is_store = beneficiary.owner_type == AccountOwner.STORE
    try:
        async with transaction():  # a savepoint: a clash must not abort the payment
            entry = await CommissionEntry.create(
                order_id=order.id,
                item_id=item.id,
                account_id=account_id,
                role=piece.role,
                distributor_id=None if is_store else beneficiary.owner_id,
                store_id=beneficiary.owner_id if is_store else None,
                rule_id=piece.rule_id,
                basis=piece.basis[:32],
                original_fen=piece.amount_fen,
                amount_fen=piece.amount_fen,
                capped=piece.capped,
                created_at=clock.now(),
            )
    except IntegrityError:
        return False  # already accrued by an earlier delivery of the same event
    await move(
        account_id,
        LedgerKind.ACCRUE,
        Deltas(pending=piece.amount_fen),
        actor=ACTOR,
        reason=f"order {order.number} {piece.role.value}",
        refs=Refs(entry_id=entry.id, order_id=order.id),
    )
    await events.publish(CommissionAccrued(order.id, entry.id, piece.role.value, piece.amount_fen))
    return True


async def on_order_paid(event: events.OrderPaid) -> None:
    """OrderPaid fires once per order (the order's compare-and-set), so nothing is accrued yet;
    the entries' unique constraint still guards against a double."""
    await _accrue_items(event.order, event.items)


async def on_order_completed(event: events.OrderCompleted) -> None:
    """settle_at = completed_at + `commission.freeze_days` for every entry of the order."""
    order = await Order.get(id=event.order_id)
    if order.completed_at is None:
        return
    days = await get_setting("commission.freeze_days")
    await CommissionEntry.filter(order_id=order.id).update(
        settle_at=order.completed_at + timedelta(days=days)
    )

"""Commission types shared by the admin API and the shop's distribution centre: entries with
their state, and an account's four balances."""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias

import strawberry

from api.graphql.enums import expose_enum
from api.graphql.ids import to_global_id
from api.graphql.scalars import Money
from distribution.commission.queries import Balances
from distribution.models import BeneficiaryRole, CommissionEntry, EntryStatus

expose_enum(
    BeneficiaryRole,
    "BeneficiaryRole",
    "Why someone earns commission (佣金) on an order item (SPEC 10.1).",
    {
        BeneficiaryRole.LEVEL1: "The distributor credited with the sale (一级).",
        BeneficiaryRole.LEVEL2: "That distributor's upline (二级); commission never goes deeper.",
        BeneficiaryRole.GUIDE_SERVICE: "The guide serving the buyer (导购服务佣金).",
        BeneficiaryRole.STORE_SHARE: "The franchise store serving the buyer (门店分成).",
    },
)
BeneficiaryRoleEnum: TypeAlias = BeneficiaryRole
expose_enum(
    EntryStatus,
    "CommissionEntryStatus",
    "Where a commission entry is (SPEC 10.2).",
    {
        EntryStatus.PENDING: "Accrued on payment (待结算): counts in the pending balance until"
        " commission.freeze_days after the order completes.",
        EntryStatus.SETTLED: "Settled (已结算): moved to the available balance, withdrawable.",
        EntryStatus.CANCELLED: "Reduced to zero by refunds before settling (已取消).",
    },
)
EntryStatusEnum: TypeAlias = EntryStatus


def _gid(type_name: str, pk: int | None) -> strawberry.ID | None:
    return strawberry.ID(to_global_id(type_name, pk)) if pk else None


@strawberry.type(
    name="CommissionEntry",
    description=(
        "Commission (佣金) one beneficiary earns on one order item in "
        "one role; created PENDING when the order is paid."
    ),
)
class CommissionEntryNode:
    id: strawberry.ID = strawberry.field(description="Global ID (CommissionEntry).")
    order_id: strawberry.ID = strawberry.field(description="Global ID of the Order.")
    order_item_id: strawberry.ID = strawberry.field(description="Global ID of the OrderItem.")
    role: BeneficiaryRoleEnum
    status: EntryStatusEnum
    distributor_id: strawberry.ID | None = strawberry.field(
        description=("Global ID of the Distributor earning it; null for a store's own entry.")
    )
    store_id: strawberry.ID | None = strawberry.field(
        description=("Global ID of the Store earning it (STORE_SHARE); null for a distributor's.")
    )
    original: Money = strawberry.field(description="What was accrued.")
    amount: Money = strawberry.field(description="What remains after refunds.")
    basis: str = strawberry.field(description='How it was computed: "RATE:1000bp", "SKU:500x2".')
    capped: bool = strawberry.field(description="Scaled down by commission.max_share_bp.")
    created_at: datetime
    settle_at: datetime | None = strawberry.field(
        description=(
            "When it settles: the order's completion + "
            "commission.freeze_days; null until completed."
        )
    )
    settled_at: datetime | None = strawberry.field(
        description="When it moved to the available balance."
    )


def entry_node(entry: CommissionEntry) -> CommissionEntryNode:
    return CommissionEntryNode(
        id=strawberry.ID(to_global_id("CommissionEntry", entry.id)),
        order_id=strawberry.ID(to_global_id("Order", entry.order_id)),
        order_item_id=strawberry.ID(to_global_id("OrderItem", entry.item_id)),
        role=entry.role,
        status=entry.status,
        distributor_id=_gid("Distributor", entry.distributor_id),
        store_id=_gid("Store", entry.store_id),
        original=Money.of(entry.original_fen),
        amount=Money.of(entry.amount_fen),
        basis=entry.basis,
        capped=entry.capped,
        created_at=entry.created_at,
        settle_at=entry.settle_at,
        settled_at=entry.settled_at,
    )


@strawberry.type(
    name="CommissionBalances",
    description=("An account's four balances in fen; they always equal the sums of its ledger."),
)
class BalancesNode:
    pending: Money = strawberry.field(description="Accrued, not yet settled.")
    available: Money = strawberry.field(description="Withdrawable; negative after clawbacks.")
    withdrawing: Money = strawberry.field(description="Held by withdrawal requests.")
    withdrawn: Money = strawberry.field(description="Paid out to the payee so far.")


def balances_node(balances: Balances) -> BalancesNode:
    return BalancesNode(
        pending=Money.of(balances.pending_fen),
        available=Money.of(balances.available_fen),
        withdrawing=Money.of(balances.withdrawing_fen),
        withdrawn=Money.of(balances.withdrawn_fen),
    )

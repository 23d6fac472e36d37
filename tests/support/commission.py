"""Commission test helpers: distributors, guides, attributed paid orders, refunds through the
real mutations, balances, the ledger check and the commission rollup's check against it."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from distribution.ledger import check_ledger
from distribution.models import (
    AccountOwner,
    CommissionAccount,
    CommissionDay,
    CommissionEntry,
    Distributor,
    DistributorKind,
    DistributorStatus,
    LedgerEntry,
    LedgerKind,
)
from distribution.reports.rollups import FIGURES, check_commission_days
from domain import clock
from domain.catalog.models import Category, Product, Sku
from domain.clock import to_shanghai
from domain.orders.models import Order
from domain.org.models import Staff, StaffRole, Store
from tests.support.catalog import make_category, make_product
from tests.support.orders import delivery, order_pk, pay, place_ok

REQUEST_REFUND = """
mutation($item: ID!, $amount: Long!) {
  requestRefund(itemId: $item, amountFen: $amount, reason: "不想要了") {
    refund { id status } errors { code field }
  }
}
"""
REVIEW_REFUND = """
mutation($id: ID!, $approve: Boolean!) {
  reviewRefund(id: $id, approve: $approve, note: "ok") { refund { status } errors { code field } }
}
"""
SHIP = """
mutation($id: ID!) {
  shipOrder(orderId: $id, carrier: "SF", trackingNumber: "SF1") { errors { code field } }
}
"""
CONFIRM = """
mutation($id: ID!) { confirmReceipt(orderId: $id) { order { status } errors { code field } } }
"""


async def distributor(
    api,
    kind: DistributorKind = DistributorKind.KOC,
    upline: Distributor | None = None,
    status: DistributorStatus = DistributorStatus.ACTIVE,
) -> Distributor:
    member = await api.member()
    moment = clock.now()
    return await Distributor.create(
        kind=kind,
        status=status,
        member_id=member.member_id,
        upline=upline,
        ancestry=f"{upline.ancestry}{upline.id}/" if upline else "/",
        display_name=f"{kind.value}-{member.member_id}",
        created_at=moment,
        updated_at=moment,
    )


async def guide(api, store: Store) -> Staff:
    return (await api.staff(StaffRole.GUIDE, store)).staff


async def sku(
    price: int = 19900,
    *,
    category: Category | None = None,
    fixed: tuple[int | None, int | None] = (None, None),
    commission_enabled: bool = True,
    stock: int = 100,
) -> Sku:
    product = await make_product(category or await make_category(), (price,), stock=stock)
    if not commission_enabled:
        await Product.filter(id=product.id).update(commission_enabled=False)
    made = await Sku.get(product_id=product.id)
    if fixed != (None, None):
        await Sku.filter(id=made.id).update(commission_l1_fen=fixed[0], commission_l2_fen=fixed[1])
        await made.refresh_from_db()
    return made


async def attributed_order(api, member, lines, **attribution: Any) -> dict[str, Any]:
    """Placed over HTTP, its attribution columns set (as the attributor would), unpaid."""
    order = await place_ok(member.client, delivery(*lines))
    await Order.filter(id=order_pk(order)).update(**attribution)
    return order


async def paid_order(api, member, lines, **attribution: Any) -> dict[str, Any]:
    order = await attributed_order(api, member, lines, **attribution)
    await pay(api, member.client, order)
    return order


async def refund(api, member, staff, order: dict[str, Any], amount: int, line: int = 0) -> None:
    """Requested by the member and approved by `staff`, through the real mutations."""
    item_id = order["items"][line]["id"]
    requested = (await member.client.data(REQUEST_REFUND, {"item": item_id, "amount": amount}))[
        "requestRefund"
    ]
    assert requested["errors"] == [], requested
    reviewed = (
        await staff.client.data(REVIEW_REFUND, {"id": requested["refund"]["id"], "approve": True})
    )["reviewRefund"]
    assert reviewed == {"refund": {"status": "REFUNDED"}, "errors": []}


async def request_refund(member, order: dict[str, Any], amount: int, line: int = 0) -> str:
    item_id = order["items"][line]["id"]
    requested = (await member.client.data(REQUEST_REFUND, {"item": item_id, "amount": amount}))[
        "requestRefund"
    ]
    assert requested["errors"] == [], requested
    return requested["refund"]["id"]


async def ship_and_confirm(operator, member, order: dict[str, Any]) -> Order:
    assert (await operator.client.data(SHIP, {"id": order["id"]}))["shipOrder"]["errors"] == []
    confirmed = (await member.client.data(CONFIRM, {"id": order["id"]}))["confirmReceipt"]
    assert confirmed["errors"] == [], confirmed
    return await Order.get(id=order_pk(order))


async def balances(owner: Distributor | Store) -> tuple[int, int]:
    """(pending, available) of a distributor's or store's account; zeros without one."""
    owner_type = AccountOwner.STORE if isinstance(owner, Store) else AccountOwner.DISTRIBUTOR
    account = await CommissionAccount.get_or_none(owner_type=owner_type, owner_id=owner.id)
    return (account.pending_fen, account.available_fen) if account else (0, 0)


async def entries_of(order: dict[str, Any]) -> list[tuple[str, int, int, str]]:
    """(role, original, amount, status) of an order's entries, by role then id."""
    rows = await CommissionEntry.filter(order_id=order_pk(order)).order_by("role", "id")
    return [(e.role.value, e.original_fen, e.amount_fen, e.status.value) for e in rows]


async def assert_ledger_sound() -> None:
    """What `siyu check-ledger` checks: balances against the ledger, the rollup against it."""
    assert await check_ledger() == []
    assert await check_commission_days() == []


# What each reported ledger kind adds to which rollup figure, written out independently of
# distribution/reports/rollups.py so the check does not repeat the code it checks.
_ROLLED_UP = {
    LedgerKind.ACCRUE: ("accrued_fen", lambda r: r.pending_delta),
    LedgerKind.CANCEL: ("cancelled_fen", lambda r: -r.pending_delta),
    LedgerKind.SETTLE: ("settled_fen", lambda r: r.available_delta),
    LedgerKind.CLAWBACK: ("clawed_back_fen", lambda r: -r.available_delta),
    LedgerKind.PAID: ("withdrawn_fen", lambda r: r.withdrawn_delta),
    LedgerKind.ADJUST: ("adjusted_fen", lambda r: r.pending_delta + r.available_delta),
}


async def commission_days() -> dict[tuple, tuple[int, ...]]:
    """The commission rollup's non-zero rows, keyed by (day, account, role)."""
    return {
        (row.day, row.account_id, row.role): figures
        for row in await CommissionDay.all()
        if any(figures := tuple(getattr(row, column) for column in FIGURES))
    }


async def commission_days_from_ledger() -> dict[tuple, tuple[int, ...]]:
    """The same rows grouped in Python from every ledger row: Shanghai day of the row, account,
    role of its entry ('' without one). HOLD and RELEASE rows are not reported."""
    roles = {e.id: e.role.value for e in await CommissionEntry.all()}
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(FIGURES))
    for row in await LedgerEntry.all():
        if row.kind not in _ROLLED_UP:
            continue
        column, amount = _ROLLED_UP[row.kind]
        key = (to_shanghai(row.created_at).date(), row.account_id, roles.get(row.entry_id, ""))
        sums[key][FIGURES.index(column)] += amount(row)
    return {key: tuple(v) for key, v in sums.items() if any(v)}


async def assert_rollup_equals_ledger() -> None:
    assert await commission_days() == await commission_days_from_ledger()

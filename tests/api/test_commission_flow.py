"""Commission through an order's life (SPEC 10.2, issue 4's worked example at the commission
level): accrual on payment, proportional cancel before settlement, settlement after the freeze
days, clawback after it, and the ledger balanced at every step."""

from datetime import timedelta

from api.jobs import run_job
from distribution.ledger import Deltas, account_for, move
from distribution.models import (
    AccountOwner,
    CommissionEntry,
    Distributor,
    DistributorKind,
    EntryStatus,
    LedgerEntry,
    LedgerKind,
)
from domain.org.models import StaffRole
from tests.support.api import make_store
from tests.support.commission import (
    REVIEW_REFUND,
    assert_ledger_sound,
    balances,
    distributor,
    entries_of,
    guide,
    paid_order,
    refund,
    request_refund,
    ship_and_confirm,
    sku,
)


async def test_the_worked_example_of_issue_4(api):
    # given K0 ← K1 (KOCs), guide G of DIRECT store S1, and M ordering 2 × SKU A (19900)
    k0 = await distributor(api)
    k1 = await distributor(api, upline=k0)
    s1 = await make_store()
    g = await guide(api, s1)
    sku_a = await sku(19900)
    m = await api.member()
    finance = await api.staff(StaffRole.HQ_FINANCE)
    operator = await api.staff(StaffRole.HQ_OPERATOR)

    # when M pays: level 1 = K1, level 2 = K0, service S1/G
    order = await paid_order(
        api,
        m,
        [(sku_a, 2)],
        level1_distributor_id=k1.id,
        level2_distributor_id=k0.id,
        service_store_id=s1.id,
        service_guide_id=g.id,
    )
    g_distributor = await Distributor.get(staff_id=g.id)

    # then pending K1 3980, K0 1194, G 796 and no STORE_SHARE (S1 is DIRECT)
    assert order["payable"]["fen"] == 39800
    assert await entries_of(order) == [
        ("GUIDE_SERVICE", 796, 796, "PENDING"),
        ("LEVEL1", 3980, 3980, "PENDING"),
        ("LEVEL2", 1194, 1194, "PENDING"),
    ]
    assert g_distributor.kind == DistributorKind.GUIDE
    assert [await balances(d) for d in (k1, k0, g_distributor)] == [
        (3980, 0),
        (1194, 0),
        (796, 0),
    ]
    assert await balances(s1) == (0, 0)
    await assert_ledger_sound()

    # when M confirms receipt, then gets 19900 of the item back before settle_at
    completed = await ship_and_confirm(operator, m, order)
    await refund(api, m, finance, order, 19900)

    assert [await balances(d) for d in (k1, k0, g_distributor)] == [
        (1990, 0),
        (597, 0),
        (398, 0),
    ]
    settle_at = completed.completed_at + timedelta(days=7)
    assert {e.settle_at for e in await CommissionEntry.all()} == {settle_at}
    await assert_ledger_sound()

    # when the settlement job runs a second early, then exactly at settle_at
    early = await run_job("settle-commission", settle_at - timedelta(seconds=1))
    on_time = await run_job("settle-commission", settle_at)
    again = await run_job("settle-commission", settle_at + timedelta(days=1))

    assert (early, on_time, again) == (0, 3, 0)
    assert [await balances(d) for d in (k1, k0, g_distributor)] == [
        (0, 1990),
        (0, 597),
        (0, 398),
    ]
    await assert_ledger_sound()

    # when K1 withdraws 1000 (the withdrawal flow's hold and payout, posted directly here)
    account = await account_for(AccountOwner.DISTRIBUTOR, k1.id)
    await move(account.id, LedgerKind.HOLD, Deltas(available=-1000, withdrawing=1000), actor="t")
    await move(account.id, LedgerKind.PAID, Deltas(withdrawing=-1000, withdrawn=1000), actor="t")

    # and M is refunded the remaining 19900: clawbacks of 1990, 597, 398
    await refund(api, m, finance, order, 19900)

    assert [await balances(d) for d in (k1, k0, g_distributor)] == [
        (0, -1000),
        (0, 0),
        (0, 0),
    ]
    assert await entries_of(order) == [
        ("GUIDE_SERVICE", 796, 0, "SETTLED"),
        ("LEVEL1", 3980, 0, "SETTLED"),
        ("LEVEL2", 1194, 0, "SETTLED"),
    ]
    clawbacks = await LedgerEntry.filter(kind=LedgerKind.CLAWBACK).order_by("id")
    assert sorted(c.available_delta for c in clawbacks) == [-1990, -597, -398]
    assert all(c.entry_id and c.order_id for c in clawbacks)
    await assert_ledger_sound()


async def test_full_refund_before_settlement_cancels_every_entry(api):
    k1 = await distributor(api)
    m = await api.member()
    finance = await api.staff(StaffRole.HQ_FINANCE)
    order = await paid_order(api, m, [(await sku(19900), 2)], level1_distributor_id=k1.id)

    await refund(api, m, finance, order, 10000)
    await refund(api, m, finance, order, 29800)

    assert await entries_of(order) == [("LEVEL1", 3980, 0, "CANCELLED")]
    assert await balances(k1) == (0, 0)
    cancels = await LedgerEntry.filter(kind=LedgerKind.CANCEL).order_by("id")
    # floor(3980 × 10000 / 39800) = 1000, then the rest to exactly zero
    assert [c.pending_delta for c in cancels] == [-1000, -2980]
    await assert_ledger_sound()


async def test_refunds_of_one_item_leave_the_other_items_entries_alone(api):
    k1 = await distributor(api)
    m = await api.member()
    finance = await api.staff(StaffRole.HQ_FINANCE)
    order = await paid_order(
        api, m, [(await sku(10000), 1), (await sku(20000), 1)], level1_distributor_id=k1.id
    )

    await refund(api, m, finance, order, 10000, line=0)

    assert await entries_of(order) == [
        ("LEVEL1", 1000, 0, "CANCELLED"),
        ("LEVEL1", 2000, 2000, "PENDING"),
    ]
    assert await balances(k1) == (2000, 0)


async def test_an_open_refund_blocks_settlement_until_it_is_decided(api):
    k1 = await distributor(api)
    m = await api.member()
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    order = await paid_order(api, m, [(await sku(10000), 1)], level1_distributor_id=k1.id)
    completed = await ship_and_confirm(operator, m, order)
    due = completed.completed_at + timedelta(days=7)
    refund_id = await request_refund(m, order, 5000)

    blocked = await run_job("settle-commission", due)
    rejected = (await operator.client.data(REVIEW_REFUND, {"id": refund_id, "approve": False}))[
        "reviewRefund"
    ]
    settled = await run_job("settle-commission", due)

    assert blocked == 0
    assert rejected["errors"] == []
    assert settled == 1
    assert await balances(k1) == (0, 1000)
    assert (await CommissionEntry.get()).status == EntryStatus.SETTLED
    await assert_ledger_sound()


async def test_entries_of_an_uncompleted_order_never_settle(api):
    k1 = await distributor(api)
    m = await api.member()
    await paid_order(api, m, [(await sku(10000), 1)], level1_distributor_id=k1.id)
    entry = await CommissionEntry.get()

    settled = await run_job("settle-commission", entry.created_at + timedelta(days=365))

    assert settled == 0
    assert await balances(k1) == (1000, 0)


async def test_settlement_works_through_more_than_one_batch(api, monkeypatch):
    from distribution.commission import settlement

    monkeypatch.setattr(settlement, "BATCH", 2)
    k1 = await distributor(api)
    m = await api.member()
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    order = await paid_order(
        api, m, [(await sku(1000 * (i + 1)), 1) for i in range(5)], level1_distributor_id=k1.id
    )
    completed = await ship_and_confirm(operator, m, order)

    settled = await run_job("settle-commission", completed.completed_at + timedelta(days=7))

    assert settled == 5
    assert await balances(k1) == (0, 1500)
    await assert_ledger_sound()


async def test_a_repeated_order_paid_event_accrues_nothing_more(api):
    from distribution.commission.accrual import accrue_order
    from domain.db import transaction

    k1 = await distributor(api)
    m = await api.member()
    order = await paid_order(api, m, [(await sku(10000), 1)], level1_distributor_id=k1.id)
    order_id = (await CommissionEntry.get()).order_id

    async with transaction():
        again = await accrue_order(order_id)

    assert again == 0
    assert await CommissionEntry.all().count() == 1
    assert await balances(k1) == (1000, 0)
    assert await entries_of(order) == [("LEVEL1", 1000, 1000, "PENDING")]
    await assert_ledger_sound()


async def test_the_unique_constraint_refuses_a_duplicate_even_past_the_first_check(
    api, monkeypatch
):
    """A delivery racing past the existence check: its insert clashes on the (item, account,
    role) constraint, is taken as already accrued, and the payment transaction survives."""
    from distribution.commission import accrual
    from domain.db import transaction

    k1 = await distributor(api)
    m = await api.member()
    order = await paid_order(api, m, [(await sku(10000), 1)], level1_distributor_id=k1.id)
    order_id = (await CommissionEntry.get()).order_id

    async def never_accrued(_order_id: int) -> bool:
        return False

    monkeypatch.setattr(accrual, "already_accrued", never_accrued)
    async with transaction():
        created = await accrual.accrue_order(order_id)
        still_usable = await CommissionEntry.filter(order_id=order_id).count()

    assert (created, still_usable) == (0, 1)
    assert await balances(k1) == (1000, 0)
    assert await entries_of(order) == [("LEVEL1", 1000, 1000, "PENDING")]
    await assert_ledger_sound()


async def test_accrual_runs_the_same_sql_whatever_the_length_of_the_upline_chain(api):
    from distribution.commission.accrual import accrue_order
    from domain.db import transaction
    from tests.support.commission import attributed_order
    from tests.support.orders import order_pk
    from tests.support.sql import count_statements

    chain = [await distributor(api)]
    for _ in range(8):
        chain.append(await distributor(api, upline=chain[-1]))
    for member_of_chain in chain:  # accounts exist already: count only the accrual itself
        await account_for(AccountOwner.DISTRIBUTOR, member_of_chain.id)
    m = await api.member()
    item = await sku(10000)
    counts = []
    for level1, level2 in ((chain[1], chain[0]), (chain[-1], chain[-2])):
        order = await attributed_order(
            api, m, [(item, 1)], level1_distributor_id=level1.id, level2_distributor_id=level2.id
        )
        async with transaction():
            with count_statements() as log:
                await accrue_order(order_pk(order))
        counts.append(log.count)

    assert counts[0] == counts[1]
    assert await CommissionEntry.all().count() == 4
    await assert_ledger_sound()

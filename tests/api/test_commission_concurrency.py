"""Commission under real concurrency on PostgreSQL, from several OS processes (issue 4): two
settlement jobs at once settle each entry once; the same payment notification 20 times at once
accrues one set of entries. Both keep the commission rollup equal to the ledger: its upsert adds
under the row lock, so concurrent moves on the same day and account lose nothing."""

from datetime import timedelta

from distribution.ledger import check_ledger
from distribution.models import (
    CommissionEntry,
    Distributor,
    EntryStatus,
    LedgerEntry,
    LedgerKind,
)
from domain.org.models import StaffRole, StoreKind
from tests.support.api import make_store
from tests.support.commission import (
    assert_rollup_equals_ledger,
    attributed_order,
    balances,
    distributor,
    entries_of,
    guide,
    paid_order,
    ship_and_confirm,
    sku,
)
from tests.support.orders import PAY
from tests.support.racing import race, require_postgres, run_workers


async def run_jobs_at_once(database_url: str, job: str, now: str, processes: int) -> list[int]:
    payload = {"database_url": database_url, "job": job, "now": now}
    return await run_workers("tests.support.job_worker", [payload] * processes)


async def test_two_settlement_jobs_at_once_settle_each_entry_once(
    api, backend, postgres_database_url
):
    require_postgres(backend)
    # given one order of 50 lines earning 4 roles each: 200 entries due for settlement
    k0 = await distributor(api)
    k1 = await distributor(api, upline=k0)
    store = await make_store(StoreKind.FRANCHISE)
    g = await guide(api, store)
    m = await api.member()
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    lines = [(await sku(1000 + i), 1) for i in range(50)]
    order = await paid_order(
        api,
        m,
        lines,
        level1_distributor_id=k1.id,
        level2_distributor_id=k0.id,
        service_store_id=store.id,
        service_guide_id=g.id,
    )
    completed = await ship_and_confirm(operator, m, order)
    due = (completed.completed_at + timedelta(days=7)).isoformat()
    total = sum(e.amount_fen for e in await CommissionEntry.all())
    assert await CommissionEntry.all().count() == 200

    settled = await run_jobs_at_once(postgres_database_url, "settle-commission", due, 2)

    assert sum(settled) == 200
    assert await CommissionEntry.filter(status=EntryStatus.SETTLED).count() == 200
    settles = await LedgerEntry.filter(kind=LedgerKind.SETTLE).values_list("entry_id", flat=True)
    assert sorted(settles) == sorted(set(settles)) and len(settles) == 200
    owners = [k1, k0, store, await Distributor.get(staff_id=g.id)]
    states = [await balances(o) for o in owners]
    assert sum(available for _, available in states) == total
    assert [pending for pending, _ in states] == [0, 0, 0, 0]
    assert await check_ledger() == []
    await assert_rollup_equals_ledger()


async def test_the_same_payment_notification_20_times_accrues_one_set_of_entries(
    api, backend, postgres_database_url
):
    require_postgres(backend)
    k0 = await distributor(api)
    k1 = await distributor(api, upline=k0)
    m = await api.member()
    order = await attributed_order(
        api,
        m,
        [(await sku(19900), 2)],
        level1_distributor_id=k1.id,
        level2_distributor_id=k0.id,
    )
    started = (await m.client.data(PAY, {"id": order["id"]}))["payOrder"]
    notify = {"path": f"/payments/sandbox/{started['outTradeNo']}/succeed"}

    results = await race(postgres_database_url, [[notify] * 10, [notify] * 10])

    assert [r["status"] for r in results] == [204] * 20
    assert await entries_of(order) == [
        ("LEVEL1", 3980, 3980, "PENDING"),
        ("LEVEL2", 1194, 1194, "PENDING"),
    ]
    assert await LedgerEntry.filter(kind=LedgerKind.ACCRUE).count() == 2
    assert [await balances(k1), await balances(k0)] == [(3980, 0), (1194, 0)]
    assert await check_ledger() == []
    await assert_rollup_equals_ledger()

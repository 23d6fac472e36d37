"""Withdrawals under real concurrency on PostgreSQL, from two OS processes (SPEC 11): the
guarded hold never overdraws, and one approved withdrawal is paid once however many payouts
race for it."""

from distribution.models import CommissionAccount, LedgerEntry, LedgerKind, Withdrawal
from domain.org.models import StaffRole
from tests.api.test_withdrawals import (
    BANK,
    PAY,
    REQUEST,
    approved,
    assert_ledger_sound,
    balances,
    make_distributor,
    pk,
    settings,
)
from tests.support.racing import race, require_postgres


async def test_20_requests_of_1000_on_5000_from_two_processes_hold_exactly_5(
    api, backend, postgres_database_url
):
    require_postgres(backend)
    await settings(daily_max_count=100)
    member, _, account = await make_distributor(api, available=5000)
    request = {
        "path": "/graphql",
        "token": member.client.token,
        "json": {"query": REQUEST, "variables": {"input": {"amountFen": 1000, **BANK}}},
    }

    results = await race(postgres_database_url, [[request] * 10, [request] * 10])

    answers = [r["body"]["data"]["requestWithdrawal"] for r in results]
    held = [a["withdrawal"] for a in answers if a["withdrawal"]]
    refused = [
        [(e["code"], e["field"]) for e in a["errors"]] for a in answers if not a["withdrawal"]
    ]
    assert len(held) == 5
    assert refused == [[("INSUFFICIENT_BALANCE", "input.amountFen")]] * 15
    assert await balances(account) == {
        "pending": 0,
        "available": 0,
        "withdrawing": 5000,
        "withdrawn": 0,
    }
    assert await Withdrawal.all().count() == 5
    assert await LedgerEntry.filter(kind=LedgerKind.HOLD).count() == 5
    assert (await CommissionAccount.get(id=account.id)).withdraw_day_count == 5
    await assert_ledger_sound()


async def test_10_payouts_of_one_withdrawal_from_two_processes_pay_once(
    api, backend, postgres_database_url
):
    require_postgres(backend)
    await settings(fee_bp=100)
    account, finance, withdrawal = await approved(api)
    pay = {
        "path": "/admin/graphql",
        "token": finance.client.token,
        "json": {"query": PAY, "variables": {"id": withdrawal["id"]}},
    }

    results = await race(postgres_database_url, [[pay] * 5, [pay] * 5])

    answers = [r["body"]["data"]["payWithdrawal"] for r in results]
    assert [a["errors"] for a in answers] == [[]] * 10
    assert {a["withdrawal"]["status"] for a in answers} == {"PAID"}
    assert len({a["withdrawal"]["paidAt"] for a in answers}) == 1
    paid_rows = await LedgerEntry.filter(kind=LedgerKind.PAID)
    assert [(r.withdrawal_id, r.withdrawing_delta, r.withdrawn_delta) for r in paid_rows] == [
        (pk(withdrawal), -1000, 1000)
    ]
    assert await balances(account) == {
        "pending": 0,
        "available": 4000,
        "withdrawing": 0,
        "withdrawn": 1000,
    }
    await assert_ledger_sound()


async def test_a_release_racing_payouts_never_both_pays_and_releases(
    api, backend, postgres_database_url
):
    require_postgres(backend)
    account, finance, withdrawal = await approved(api)
    admin = await api.staff(StaffRole.HQ_ADMIN)
    api.app.state.payouts.sandbox.fail_next("sandbox: bank unavailable")
    failed = await finance.client.data(PAY, {"id": withdrawal["id"]})
    assert failed["payWithdrawal"]["withdrawal"]["status"] == "FAILED"
    pay = {
        "path": "/admin/graphql",
        "token": finance.client.token,
        "json": {"query": PAY, "variables": {"id": withdrawal["id"]}},
    }
    release = {
        "path": "/admin/graphql",
        "token": admin.client.token,
        "json": {
            "query": "mutation($id: ID!) { releaseWithdrawal(id: $id) "
            "{ withdrawal { status } errors { code } } }",
            "variables": {"id": withdrawal["id"]},
        },
    }

    await race(postgres_database_url, [[pay, release] * 3, [release, pay] * 3])

    saved = await Withdrawal.get(id=pk(withdrawal))
    kinds = await LedgerEntry.filter(withdrawal_id=saved.id).values_list("kind", flat=True)
    if saved.status == "PAID":
        assert sorted(kinds) == [LedgerKind.HOLD, LedgerKind.PAID]
        assert (await balances(account))["withdrawn"] == 1000
    else:
        assert saved.status == "RELEASED"
        assert sorted(kinds) == [LedgerKind.HOLD, LedgerKind.RELEASE]
        assert (await balances(account))["available"] == 5000
    assert (await balances(account))["withdrawing"] == 0
    await assert_ledger_sound()

"""Withdrawals (SPEC 11) through HTTP: the request and its guarded hold, the minimum, the daily
count per Shanghai day, the fee taken off the payout, reviews, payouts through the sandbox
provider (success, failure, retry, release), and the payee kept as personal data."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

import pytest

from api.graphql.ids import from_global_id, to_global_id
from api.shop.withdrawals import member_withdrawals, withdrawals_of_member
from distribution import ledger
from distribution.ledger import Deltas
from distribution.models import (
    AccountOwner,
    CommissionAccount,
    Distributor,
    DistributorKind,
    LedgerEntry,
    LedgerKind,
    Withdrawal,
    WithdrawalStatus,
)
from domain import clock
from domain.db import transaction
from domain.org.models import StaffRole
from domain.settings.service import update_settings
from tests.support.sql import count_statements

R = StaffRole
CARD = "6222021234567890123"
CARD_TYPED = "6222 0212 3456 7890 123"
CARD_MASK = "**** **** **** 0123"
BANK = {
    "method": "BANK",
    "payeeName": "张三丰",
    "bankName": "招商银行",
    "accountNumber": CARD_TYPED,
}
# 10:00 in Shanghai on 1 May is 02:00 UTC: the same UTC day as 00:30 on 2 May in Shanghai.
MAY_1 = datetime.fromisoformat("2024-05-01T10:00:00+08:00")
MAY_2 = datetime.fromisoformat("2024-05-02T00:30:00+08:00")

WITHDRAWAL = """
id amount { fen } fee { fen } payout { fen } method payeeMasked status requestedAt paidAt
failureReason
"""
REQUEST = (
    """
mutation($input: RequestWithdrawalInput!) {
  requestWithdrawal(input: $input) { withdrawal { %s } errors { code field message } }
}
"""
    % WITHDRAWAL
)
ADMIN_WITHDRAWAL = (
    WITHDRAWAL + " distributorId reviewedBy reviewedAt payee { name bankName account }"
)
REVIEW = (
    """
mutation($id: ID!, $approve: Boolean!, $note: String!) {
  reviewWithdrawal(id: $id, approve: $approve, note: $note) {
    withdrawal { %s } errors { code field message }
  }
}
"""
    % ADMIN_WITHDRAWAL
)
PAY = (
    """
mutation($id: ID!) {
  payWithdrawal(id: $id) { withdrawal { %s } errors { code field message } }
}
"""
    % ADMIN_WITHDRAWAL
)
RELEASE = (
    """
mutation($id: ID!) {
  releaseWithdrawal(id: $id) { withdrawal { %s } errors { code field message } }
}
"""
    % ADMIN_WITHDRAWAL
)
LIST = (
    """
query($status: WithdrawalStatus, $distributorId: ID, $first: Int, $after: String) {
  withdrawals(status: $status, distributorId: $distributorId, first: $first, after: $after) {
    edges { node { %s } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}
"""
    % ADMIN_WITHDRAWAL
)


# Given


async def make_distributor(api, available: int = 0, openid: str | None = None):
    """A logged-in member who is a KOC with `available` fen to withdraw."""
    member = await api.member(openid)
    moment = clock.now()
    distributor = await Distributor.create(
        kind=DistributorKind.KOC, member_id=member.member_id, created_at=moment, updated_at=moment
    )
    account = await ledger.account_for(AccountOwner.DISTRIBUTOR, distributor.id)
    if available:
        await adjust(account, available)
    return member, distributor, account


async def adjust(account: CommissionAccount, available: int) -> None:
    async with transaction():
        await ledger.move(
            account.id, LedgerKind.ADJUST, Deltas(available=available), actor="test:setup"
        )


async def balances(account: CommissionAccount) -> dict[str, int]:
    fresh = await CommissionAccount.get(id=account.id)
    return {
        "pending": fresh.pending_fen,
        "available": fresh.available_fen,
        "withdrawing": fresh.withdrawing_fen,
        "withdrawn": fresh.withdrawn_fen,
    }


async def state(account: CommissionAccount) -> dict[str, Any]:
    """Everything a refused request must leave as it was."""
    fresh = await CommissionAccount.get(id=account.id)
    return {
        **(await balances(account)),
        "day": (fresh.withdraw_day, fresh.withdraw_day_count),
        "withdrawals": await Withdrawal.all().values_list("id", "status"),
        "ledger": await LedgerEntry.all().count(),
    }


async def assert_ledger_sound() -> None:
    assert await ledger.check_ledger() == []


async def settings(**values: int) -> None:
    await update_settings([(f"withdraw.{k}", str(v)) for k, v in values.items()], "test")


async def request(member, amount: int, **payee: str) -> dict[str, Any]:
    fields = payee or BANK
    data = await member.client.data(REQUEST, {"input": {"amountFen": amount, **fields}})
    return data["requestWithdrawal"]


async def request_ok(member, amount: int, **payee: str) -> dict[str, Any]:
    result = await request(member, amount, **payee)
    assert result["errors"] == [], result["errors"]
    return result["withdrawal"]


async def admin(session, document: str, **variables: Any) -> dict[str, Any]:
    data = await session.client.data(document, variables)
    return next(iter(data.values()))


def pk(withdrawal: dict[str, Any]) -> int:
    return from_global_id(withdrawal["id"], "Withdrawal")


async def approved(api, amount: int = 1000, available: int = 5000):
    member, _, account = await make_distributor(api, available)
    withdrawal = await request_ok(member, amount)
    finance = await api.staff(R.HQ_FINANCE)
    reviewed = await admin(finance, REVIEW, id=withdrawal["id"], approve=True, note="")
    assert reviewed["errors"] == []
    return account, finance, withdrawal


# Requesting


async def test_a_request_holds_the_amount_and_takes_the_fee_off_the_payout(api):
    await settings(fee_bp=100)
    member, _, account = await make_distributor(api, available=5000)

    withdrawal = await request_ok(member, 1000)

    assert withdrawal["amount"] == {"fen": 1000}
    assert withdrawal["fee"] == {"fen": 10}
    assert withdrawal["payout"] == {"fen": 990}
    assert withdrawal["method"] == "BANK"
    assert withdrawal["payeeMasked"] == CARD_MASK
    assert withdrawal["status"] == "PENDING_REVIEW"
    assert withdrawal["paidAt"] is None
    assert await balances(account) == {
        "pending": 0,
        "available": 4000,
        "withdrawing": 1000,
        "withdrawn": 0,
    }
    hold = await LedgerEntry.get(kind=LedgerKind.HOLD)
    assert (hold.available_delta, hold.withdrawing_delta, hold.withdrawal_id) == (
        -1000,
        1000,
        pk(withdrawal),
    )
    await assert_ledger_sound()


async def test_a_member_who_is_not_a_distributor_is_refused(api):
    member = await api.member()

    result = await request(member, 1000)

    assert result == {
        "withdrawal": None,
        "errors": [
            {
                "code": "NOT_A_DISTRIBUTOR",
                "field": None,
                "message": "您还不是分销员 / You are not a distributor.",
            }
        ],
    }
    assert await Withdrawal.all().count() == 0


async def test_below_the_minimum_is_refused_and_changes_nothing(api):
    member, _, account = await make_distributor(api, available=5000)
    before = await state(account)

    result = await request(member, 999)

    assert [(e["code"], e["field"]) for e in result["errors"]] == [
        ("WITHDRAWAL_BELOW_MINIMUM", "input.amountFen")
    ]
    assert "¥10.00" in result["errors"][0]["message"]
    assert await state(account) == before
    await assert_ledger_sound()


async def test_the_minimum_is_a_setting(api):
    await settings(min_fen=5000)
    member, _, account = await make_distributor(api, available=6000)

    refused = await request(member, 4999)
    accepted = await request_ok(member, 5000)

    assert [e["code"] for e in refused["errors"]] == ["WITHDRAWAL_BELOW_MINIMUM"]
    assert accepted["amount"] == {"fen": 5000}
    assert (await balances(account))["available"] == 1000


async def test_more_than_available_is_refused_and_changes_nothing(api):
    member, _, account = await make_distributor(api, available=1500)
    before = await state(account)

    result = await request(member, 1501)

    assert [(e["code"], e["field"]) for e in result["errors"]] == [
        ("INSUFFICIENT_BALANCE", "input.amountFen")
    ]
    assert await state(account) == before


async def test_a_distributor_without_an_account_is_refused_without_making_one(api):
    member = await api.member()
    moment = clock.now()
    await Distributor.create(
        kind=DistributorKind.KOC, member_id=member.member_id, created_at=moment, updated_at=moment
    )

    result = await request(member, 1000)

    assert [e["code"] for e in result["errors"]] == ["INSUFFICIENT_BALANCE"]
    assert await CommissionAccount.all().count() == 0


async def test_a_negative_available_balance_blocks_withdrawals(api):
    member, _, account = await make_distributor(api, available=3000)
    await adjust(account, -4000)  # a clawback after settlement left −1000
    before = await state(account)

    result = await request(member, 1000)

    assert [(e["code"], e["field"]) for e in result["errors"]] == [
        ("NEGATIVE_BALANCE", "input.amountFen")
    ]
    assert await state(account) == before
    assert before["available"] == -1000
    await assert_ledger_sound()


async def test_three_requests_a_shanghai_day_then_the_next_day_again(api):
    token = clock.freeze(MAY_1)
    try:
        member, _, account = await make_distributor(api, 10_000, openid="koc-daily")
        for _ in range(3):
            await request_ok(member, 1000)
        before = await state(account)

        fourth = await request(member, 1000)

        assert [(e["code"], e["field"]) for e in fourth["errors"]] == [
            ("DAILY_WITHDRAWAL_LIMIT", "input.amountFen")
        ]
        assert await state(account) == before
        assert before["day"] == ("2024-05-01", 3)

        # Still 1 May in UTC, already 2 May in Shanghai: a new day of withdrawals.
        clock.advance(MAY_2 - MAY_1)
        member = await api.member("koc-daily")  # access tokens last 15 minutes
        next_day = await request_ok(member, 1000)
    finally:
        clock.unfreeze(token)

    assert next_day["status"] == "PENDING_REVIEW"
    fresh = await CommissionAccount.get(id=account.id)
    assert (fresh.withdraw_day, fresh.withdraw_day_count) == ("2024-05-02", 1)
    assert (await balances(account))["available"] == 6000
    assert await Withdrawal.filter(requested_day="2024-05-02").count() == 1
    await assert_ledger_sound()


async def test_a_refused_request_does_not_use_up_the_days_count(api):
    await settings(daily_max_count=1)
    member, _, account = await make_distributor(api, available=1500)

    refused = await request(member, 2000)
    accepted = await request_ok(member, 1500)

    assert [e["code"] for e in refused["errors"]] == ["INSUFFICIENT_BALANCE"]
    assert accepted["status"] == "PENDING_REVIEW"
    assert (await CommissionAccount.get(id=account.id)).withdraw_day_count == 1


async def test_a_fee_that_leaves_nothing_to_pay_is_refused(api):
    await settings(fee_bp=10_000)
    member, _, account = await make_distributor(api, available=5000)

    result = await request(member, 1000)

    assert [e["code"] for e in result["errors"]] == ["WITHDRAWAL_BELOW_MINIMUM"]
    assert (await balances(account))["available"] == 5000


@pytest.mark.parametrize(
    ("payee", "code", "field"),
    [
        (
            {"method": "BANK", "bankName": "招商银行", "accountNumber": CARD},
            "REQUIRED",
            "input.payeeName",
        ),
        (
            {"method": "BANK", "payeeName": "张三", "accountNumber": CARD},
            "REQUIRED",
            "input.bankName",
        ),
        (
            {"method": "BANK", "payeeName": "张三", "bankName": "招行"},
            "REQUIRED",
            "input.accountNumber",
        ),
        (
            {
                "method": "BANK",
                "payeeName": "张三",
                "bankName": "招行",
                "accountNumber": "62220x12345",
            },
            "INVALID",
            "input.accountNumber",
        ),
        (
            {"method": "ALIPAY", "payeeName": "张三", "accountNumber": "not-an-account"},
            "INVALID",
            "input.accountNumber",
        ),
        ({"method": "ALIPAY", "accountNumber": "13812341234"}, "REQUIRED", "input.payeeName"),
        (
            {"method": "BANK", "payeeName": "张" * 65, "bankName": "招行", "accountNumber": CARD},
            "TOO_LONG",
            "input.payeeName",
        ),
    ],
)
async def test_an_incomplete_or_malformed_payee_is_refused_without_echoing_it(
    api, payee, code, field
):
    member, _, account = await make_distributor(api, available=5000)
    before = await state(account)

    result = await request(member, 1000, **payee)

    assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)]
    message = result["errors"][0]["message"]
    assert (payee.get("accountNumber") or "\0") not in message
    assert await state(account) == before


async def test_alipay_accounts_are_masked(api):
    member, _, _ = await make_distributor(api, available=5000)

    phone = await request_ok(
        member, 1000, method="ALIPAY", payeeName="李四", accountNumber="+86 138-1234-5678"
    )
    email = await request_ok(
        member, 1000, method="ALIPAY", payeeName="李四", accountNumber="Alice@Example.com"
    )

    assert phone["payeeMasked"] == "138****5678"
    assert email["payeeMasked"] == "a***@example.com"


async def test_wechat_balance_goes_to_the_members_openid_and_keeps_no_typed_payee(api):
    member, _, account = await make_distributor(api, available=5000)

    withdrawal = await request_ok(
        member, 1000, method="WECHAT_BALANCE", payeeName="ignored", accountNumber=CARD
    )

    assert withdrawal["payeeMasked"] == "微信零钱"
    saved = await Withdrawal.get(id=pk(withdrawal))
    assert (saved.payee_name, saved.payee_bank) == ("", "")
    assert CARD not in saved.payee_encrypted
    finance = await api.staff(R.HQ_FINANCE)
    await admin(finance, REVIEW, id=withdrawal["id"], approve=True, note="")
    paid = await admin(finance, PAY, id=withdrawal["id"])
    assert paid["errors"] == []
    assert paid["withdrawal"]["status"] == "PAID"
    assert paid["withdrawal"]["payee"] == {"name": "", "bankName": "", "account": None}
    assert api.app.state.payouts.sandbox.payouts[str(saved.id)].amount_fen == 1000
    assert (await balances(account))["withdrawn"] == 1000


# Reviewing


async def test_rejecting_releases_the_hold_once(api):
    member, _, account = await make_distributor(api, available=5000)
    withdrawal = await request_ok(member, 1000)
    finance = await api.staff(R.HQ_FINANCE)

    rejected = await admin(finance, REVIEW, id=withdrawal["id"], approve=False, note="账户信息有误")
    again = await admin(finance, REVIEW, id=withdrawal["id"], approve=False, note="")

    assert rejected["errors"] == []
    assert rejected["withdrawal"]["status"] == "REJECTED"
    assert rejected["withdrawal"]["failureReason"] == "账户信息有误"
    assert rejected["withdrawal"]["reviewedBy"] == f"staff:{finance.staff.id}"
    assert again["errors"] == []
    assert again["withdrawal"]["status"] == "REJECTED"
    assert await balances(account) == {
        "pending": 0,
        "available": 5000,
        "withdrawing": 0,
        "withdrawn": 0,
    }
    kinds = await LedgerEntry.filter(withdrawal_id=pk(withdrawal)).order_by("id")
    assert [(e.kind, e.available_delta, e.withdrawing_delta) for e in kinds] == [
        (LedgerKind.HOLD, -1000, 1000),
        (LedgerKind.RELEASE, 1000, -1000),
    ]
    await assert_ledger_sound()


async def test_approving_twice_is_one_approval_and_a_rejected_one_cannot_be_approved(api):
    account, finance, withdrawal = await approved(api)
    before = await state(account)

    again = await admin(finance, REVIEW, id=withdrawal["id"], approve=True, note="")
    reject = await admin(finance, REVIEW, id=withdrawal["id"], approve=False, note="")

    assert again["errors"] == []
    assert again["withdrawal"]["status"] == "APPROVED"
    assert [(e["code"], e["field"]) for e in reject["errors"]] == [("INVALID_STATE", "id")]
    assert reject["withdrawal"] is None
    assert await state(account) == before


async def test_paying_before_approval_is_refused(api):
    member, _, account = await make_distributor(api, available=5000)
    withdrawal = await request_ok(member, 1000)
    finance = await api.staff(R.HQ_FINANCE)
    before = await state(account)

    result = await admin(finance, PAY, id=withdrawal["id"])

    assert [(e["code"], e["field"]) for e in result["errors"]] == [("INVALID_STATE", "id")]
    assert await state(account) == before
    assert api.app.state.payouts.sandbox.attempts == 0


async def test_an_unknown_or_foreign_id_is_not_found(api):
    finance = await api.staff(R.HQ_FINANCE)

    missing = await admin(finance, PAY, id=to_global_id("Withdrawal", 404))
    wrong_type = await admin(finance, PAY, id=to_global_id("Order", 1))

    assert [(e["code"], e["field"]) for e in missing["errors"]] == [("NOT_FOUND", "id")]
    assert [(e["code"], e["field"]) for e in wrong_type["errors"]] == [("INVALID_ID", "id")]


# Paying


async def test_paying_pays_amount_minus_fee_once_under_the_withdrawal_id(api):
    await settings(fee_bp=100)
    account, finance, withdrawal = await approved(api)
    sandbox = api.app.state.payouts.sandbox

    paid = await admin(finance, PAY, id=withdrawal["id"])
    again = await admin(finance, PAY, id=withdrawal["id"])

    assert paid["errors"] == []
    assert paid["withdrawal"]["status"] == "PAID"
    assert paid["withdrawal"]["paidAt"] is not None
    assert again["errors"] == []
    assert again["withdrawal"]["status"] == "PAID"
    assert list(sandbox.payouts) == [str(pk(withdrawal))]
    assert sandbox.payouts[str(pk(withdrawal))].amount_fen == 990
    assert sandbox.attempts == 1
    assert await balances(account) == {
        "pending": 0,
        "available": 4000,
        "withdrawing": 0,
        "withdrawn": 1000,
    }
    row = await LedgerEntry.get(kind=LedgerKind.PAID)
    assert (row.withdrawing_delta, row.withdrawn_delta, row.withdrawal_id) == (
        -1000,
        1000,
        pk(withdrawal),
    )
    assert sandbox.payouts[str(pk(withdrawal))].reference in row.reason
    await assert_ledger_sound()


async def test_a_refused_payout_fails_then_a_retry_pays_with_the_same_key(api):
    account, finance, withdrawal = await approved(api)
    sandbox = api.app.state.payouts.sandbox
    sandbox.fail_next(f"收款账户 {CARD} 已冻结")
    held = await balances(account)

    failed = await admin(finance, PAY, id=withdrawal["id"])

    assert [(e["code"], e["field"]) for e in failed["errors"]] == [("PAYOUT_FAILED", "id")]
    assert failed["withdrawal"]["status"] == "FAILED"
    assert failed["withdrawal"]["failureReason"] == "收款账户 *** 已冻结"
    assert await balances(account) == held
    assert sandbox.payouts == {}
    await assert_ledger_sound()

    retried = await admin(finance, PAY, id=withdrawal["id"])

    assert retried["errors"] == []
    assert retried["withdrawal"]["status"] == "PAID"
    assert retried["withdrawal"]["failureReason"] is None
    assert list(sandbox.payouts) == [str(pk(withdrawal))]
    assert sandbox.attempts == 2
    assert await balances(account) == {
        "pending": 0,
        "available": 4000,
        "withdrawing": 0,
        "withdrawn": 1000,
    }
    assert await LedgerEntry.filter(kind=LedgerKind.PAID).count() == 1
    await assert_ledger_sound()


async def test_a_payout_whose_answer_was_lost_changes_nothing_and_paying_again_finds_it(api):
    account, finance, withdrawal = await approved(api)
    sandbox = api.app.state.payouts.sandbox
    sandbox.lose_next_answer()
    before = await state(account)

    unknown = await admin(finance, PAY, id=withdrawal["id"])

    assert [(e["code"], e["field"]) for e in unknown["errors"]] == [("PAYOUT_FAILED", "id")]
    assert unknown["withdrawal"] is None
    assert await state(account) == before
    assert (await Withdrawal.get(id=pk(withdrawal))).status == WithdrawalStatus.APPROVED

    paid = await admin(finance, PAY, id=withdrawal["id"])

    assert paid["errors"] == []
    assert paid["withdrawal"]["status"] == "PAID"
    assert list(sandbox.payouts) == [str(pk(withdrawal))]
    assert sandbox.attempts == 2
    row = await LedgerEntry.get(kind=LedgerKind.PAID)
    assert sandbox.payouts[str(pk(withdrawal))].reference in row.reason
    await assert_ledger_sound()


async def test_a_failed_payout_can_be_released_once_and_then_not_paid(api):
    account, finance, withdrawal = await approved(api)
    api.app.state.payouts.sandbox.fail_next("sandbox: bank unavailable")
    await admin(finance, PAY, id=withdrawal["id"])

    released = await admin(finance, RELEASE, id=withdrawal["id"])
    again = await admin(finance, RELEASE, id=withdrawal["id"])
    before = await state(account)
    pay = await admin(finance, PAY, id=withdrawal["id"])

    assert released["errors"] == []
    assert released["withdrawal"]["status"] == "RELEASED"
    assert again["errors"] == []
    assert again["withdrawal"]["status"] == "RELEASED"
    assert [(e["code"], e["field"]) for e in pay["errors"]] == [("INVALID_STATE", "id")]
    assert await state(account) == before
    assert await balances(account) == {
        "pending": 0,
        "available": 5000,
        "withdrawing": 0,
        "withdrawn": 0,
    }
    rows = await LedgerEntry.filter(withdrawal_id=pk(withdrawal)).order_by("id")
    assert [r.kind for r in rows] == [LedgerKind.HOLD, LedgerKind.RELEASE]
    assert api.app.state.payouts.sandbox.payouts == {}
    await assert_ledger_sound()


async def test_only_a_failed_payout_can_be_released(api):
    account, finance, withdrawal = await approved(api)
    before = await state(account)

    result = await admin(finance, RELEASE, id=withdrawal["id"])

    assert [(e["code"], e["field"]) for e in result["errors"]] == [("INVALID_STATE", "id")]
    assert await state(account) == before


async def test_concurrent_payouts_in_one_process_pay_once(api):
    account, finance, withdrawal = await approved(api)
    sandbox = api.app.state.payouts.sandbox

    results = await asyncio.gather(*(admin(finance, PAY, id=withdrawal["id"]) for _ in range(10)))

    assert [r["errors"] for r in results] == [[]] * 10
    assert {r["withdrawal"]["status"] for r in results} == {"PAID"}
    assert sandbox.attempts == 1
    assert await LedgerEntry.filter(kind=LedgerKind.PAID).count() == 1
    assert (await balances(account))["withdrawn"] == 1000
    await assert_ledger_sound()


# Personal data


async def test_finance_sees_the_payee_masked_and_hq_admin_in_full(api):
    member, distributor, _ = await make_distributor(api, available=5000)
    withdrawal = await request_ok(member, 1000)
    finance = await api.staff(R.HQ_FINANCE)
    hq_admin = await api.staff(R.HQ_ADMIN)

    masked = (await admin(finance, LIST))["edges"][0]["node"]
    full = (await admin(hq_admin, LIST))["edges"][0]["node"]

    assert masked["payee"] == {"name": "张**", "bankName": "招商银行", "account": CARD_MASK}
    assert full["payee"] == {"name": "张三丰", "bankName": "招商银行", "account": CARD}
    assert masked["payeeMasked"] == full["payeeMasked"] == CARD_MASK
    assert masked["distributorId"] == to_global_id("Distributor", distributor.id)
    assert masked["id"] == withdrawal["id"]


async def test_the_account_number_never_reaches_the_member_the_logs_or_the_database(api, caplog):
    caplog.set_level(logging.DEBUG)
    member, _, _ = await make_distributor(api, available=5000)
    finance = await api.staff(R.HQ_FINANCE)
    api.app.state.payouts.sandbox.fail_next(f"account {CARD} refused")
    shop_bodies = []

    response = await member.client.post(REQUEST, {"input": {"amountFen": 1000, **BANK}})
    shop_bodies.append(response.text)
    withdrawal = response.json()["data"]["requestWithdrawal"]["withdrawal"]
    bad = await member.client.post(
        REQUEST, {"input": {"amountFen": 1000, **BANK, "accountNumber": CARD + "x"}}
    )
    shop_bodies.append(bad.text)
    staff_bodies = [
        await admin(finance, REVIEW, id=withdrawal["id"], approve=True, note=""),
        await admin(finance, PAY, id=withdrawal["id"]),
        await admin(finance, PAY, id=withdrawal["id"]),
        await admin(finance, LIST),
    ]
    rows = await member_withdrawals(member.member_id)
    saved = await Withdrawal.get(id=pk(withdrawal))

    assert all(CARD not in body and CARD_TYPED not in body for body in shop_bodies)
    assert CARD_MASK in shop_bodies[0]
    assert all(CARD not in repr(body) for body in staff_bodies)
    assert rows.edges[0].node.payee_masked == CARD_MASK
    assert CARD not in repr(rows)
    logged = caplog.text + "".join(repr(vars(record)) for record in caplog.records)
    assert CARD not in logged and CARD_TYPED not in logged
    assert "payout refused" in logged and "withdrawal paid" in logged
    assert "withdrawal requested" in logged
    assert staff_bodies[1]["withdrawal"]["failureReason"] == "account *** refused"
    assert CARD not in (saved.failure_reason or "")
    assert CARD not in saved.payee_encrypted
    assert saved.payee_masked == CARD_MASK


# Lists


async def test_the_members_own_withdrawals_and_nobody_elses(api):
    member, _, _ = await make_distributor(api, available=5000)
    other, _, _ = await make_distributor(api, available=5000)
    first = await request_ok(member, 1000)
    second = await request_ok(member, 1200)
    await request_ok(other, 1000)

    page = await member_withdrawals(member.member_id, first=1)
    rest = await member_withdrawals(member.member_id, first=5, after=page.page_info.end_cursor)
    count = await withdrawals_of_member(member.member_id).count()

    assert [e.node.id for e in page.edges] == [second["id"]]
    assert [e.node.id for e in rest.edges] == [first["id"]]
    assert page.page_info.has_next_page is True
    assert count == 2
    assert await withdrawals_of_member(10_000).count() == 0


async def test_finance_lists_by_status_and_distributor_in_constant_queries(api):
    finance = await api.staff(R.HQ_FINANCE)
    member, distributor, _ = await make_distributor(api, available=50_000)
    other, _, _ = await make_distributor(api, available=5000)
    await settings(daily_max_count=20)
    await request_ok(other, 1000)
    await request_ok(member, 1000)

    with count_statements() as one:
        small = await admin(finance, LIST, status="PENDING_REVIEW", first=10)
    for _ in range(8):
        await request_ok(member, 1000)
    with count_statements() as many:
        large = await admin(finance, LIST, status="PENDING_REVIEW", first=10)
    mine = await admin(
        finance, LIST, distributorId=to_global_id("Distributor", distributor.id), first=20
    )
    page = await admin(finance, LIST, status="PENDING_REVIEW", first=6)
    rest = await admin(
        finance, LIST, status="PENDING_REVIEW", first=6, after=page["pageInfo"]["endCursor"]
    )
    approved_only = await admin(finance, LIST, status="APPROVED")

    assert len(small["edges"]) == 2
    assert len(large["edges"]) == 10
    assert large["pageInfo"]["hasNextPage"] is False
    assert large["totalCount"] == 10
    assert many.count == one.count
    assert len(mine["edges"]) == 9
    assert (len(page["edges"]), page["pageInfo"]["hasNextPage"]) == (6, True)
    assert (len(rest["edges"]), rest["pageInfo"]["hasNextPage"]) == (4, False)
    ids = [e["node"]["id"] for e in page["edges"] + rest["edges"]]
    assert ids == [e["node"]["id"] for e in large["edges"]]
    assert approved_only["edges"] == []


@pytest.mark.parametrize("role", [R.HQ_OPERATOR, R.STORE_MANAGER, R.GUIDE])
async def test_other_roles_cannot_see_or_move_withdrawals(api, role):
    account, _, withdrawal = await approved(api)
    before = await state(account)
    session = await api.staff(role)

    bodies = [
        await session.client.gql(LIST),
        await session.client.gql(PAY, {"id": withdrawal["id"]}),
        await session.client.gql(REVIEW, {"id": withdrawal["id"], "approve": False, "note": ""}),
        await session.client.gql(RELEASE, {"id": withdrawal["id"]}),
    ]

    assert [[e["extensions"]["code"] for e in b["errors"]] for b in bodies] == [["FORBIDDEN"]] * 4
    assert await state(account) == before
    assert api.app.state.payouts.sandbox.attempts == 0


async def test_hq_admin_reviews_and_pays_too(api):
    member, _, account = await make_distributor(api, available=5000)
    withdrawal = await request_ok(member, 1000)
    hq_admin = await api.staff(R.HQ_ADMIN)

    await admin(hq_admin, REVIEW, id=withdrawal["id"], approve=True, note="ok")
    paid = await admin(hq_admin, PAY, id=withdrawal["id"])

    assert paid["withdrawal"]["status"] == "PAID"
    assert (await balances(account))["withdrawn"] == 1000
    assert (await Withdrawal.get(id=pk(withdrawal))).status == WithdrawalStatus.PAID


async def test_members_cannot_use_the_admin_api_and_anonymous_cannot_request(api):
    anonymous = await api.shop().gql(REQUEST, {"input": {"amountFen": 1000, **BANK}})

    assert [e["extensions"]["code"] for e in anonymous["errors"]] == ["UNAUTHENTICATED"]
    assert await Withdrawal.all().count() == 0

"""WECHAT_BALANCE withdrawals paid by WeChat transfer bills (商家转账, SPEC 20), through HTTP and
the fake WeChat Pay server on loopback: the payee's real name from 2000 yuan, the package the
member confirms, the notification, expiry and cancel with the hold released, and faults (a
timeout after WeChat accepted, 5xx, SYSTEM_ERROR, FREQUENCY_LIMITED, NOT_ENOUGH) that never pay
twice nor release money that may have left."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from api.rest.payouts import TRANSFER_NOTIFY_PATH
from distribution.models import (
    Distributor,
    LedgerEntry,
    LedgerKind,
    PayeeNameReveal,
    Withdrawal,
)
from domain import clock
from domain.org.models import StaffRole
from domain.settings.service import update_settings
from tests.api.test_payments_wechat import APP_ID, MCH_ID, wechat_pay_settings
from tests.api.test_withdrawals import (
    ADMIN_WITHDRAWAL,
    PAY,
    REVIEW,
    admin,
    assert_ledger_sound,
    balances,
    make_distributor,
    pk,
    request_ok,
)
from tests.fakes.wechat_pay import FakeWechatPay, running_fake_wechat_pay
from tests.support.api import ApiFactory

R = StaffRole
_koc = itertools.count(1)
NOTIFY_URL = "https://shop.example.com" + TRANSFER_NOTIFY_PATH
WECHAT = {"method": "WECHAT_BALANCE"}
REAL_NAME = "张小三"
SET_NAME = """
mutation($name: String!) {
  setPayeeRealName(realName: $name) { realNameMasked errors { code field message } }
}
"""
CENTRE = """
{ distributionCenter { withdrawals(first: 5) { edges { node {
  id status realNameMasked payeeConfirmation { mchId appId package expiresAt }
} } } } }
"""
REVEAL = """
mutation($id: ID!, $reason: String!) {
  revealPayeeRealName(withdrawalId: $id, reason: $reason) {
    realName errors { code field message }
  }
}
"""
CANCEL = """
mutation($id: ID!) {
  cancelWithdrawalTransfer(id: $id) { withdrawal { %s } errors { code field message } }
}
""" % (ADMIN_WITHDRAWAL + " transferState transferBillNo realNameMasked")
ADMIN_PAY = PAY.replace("payee {", "transferState transferBillNo realNameMasked payee {")
ADMIN_REVIEW = REVIEW.replace("payee {", "realNameMasked payee {")


@pytest.fixture
async def wechat_pay() -> AsyncIterator[FakeWechatPay]:
    async with running_fake_wechat_pay(MCH_ID, APP_ID) as fake:
        yield fake


@pytest.fixture
async def shop(db, wechat_pay: FakeWechatPay) -> AsyncIterator[ApiFactory]:
    """The app paying WECHAT_BALANCE withdrawals by transfer bills against the fake, whose
    notifications go to the app's notify route."""
    api = ApiFactory(
        **wechat_pay_settings(wechat_pay),
        wechat_transfer_payouts="on",
        wechat_transfer_notify_url=NOTIFY_URL,
    )

    async def deliver(headers: dict[str, str], body: bytes) -> int:
        response = await api.http.post(TRANSFER_NOTIFY_PATH, content=body, headers=headers)
        return response.status_code

    wechat_pay.transfers.deliver = deliver
    yield api
    await api.app.state.payouts.aclose()
    await api.app.state.payments.aclose()


def client_timeout(api: ApiFactory, seconds: float) -> None:
    api.app.state.payouts.transfer.wechat._client.timeout = seconds


async def koc_with_name(api, available: int, name: str | None = REAL_NAME):
    member, distributor, account = await make_distributor(api, available, f"o-koc-{next(_koc)}")
    if name:
        named = await member.client.data(SET_NAME, {"name": name})
        assert named["setPayeeRealName"]["errors"] == []
    return member, distributor, account


async def approved_transfer(api, amount: int, available: int | None = None, name=REAL_NAME):
    member, _, account = await koc_with_name(api, available or amount, name)
    withdrawal = await request_ok(member, amount, **WECHAT)
    finance = await api.staff(R.HQ_FINANCE)
    reviewed = await admin(finance, ADMIN_REVIEW, id=withdrawal["id"], approve=True, note="")
    assert reviewed["errors"] == []
    return member, account, finance, withdrawal


async def pay(finance, withdrawal) -> dict[str, Any]:
    return await admin(finance, ADMIN_PAY, id=withdrawal["id"])


async def centre(member) -> list[dict[str, Any]]:
    data = await member.client.data(CENTRE)
    return [e["node"] for e in data["distributionCenter"]["withdrawals"]["edges"]]


async def ledger_kinds(withdrawal) -> list[str]:
    rows = LedgerEntry.filter(withdrawal_id=pk(withdrawal)).order_by("id")
    return list(await rows.values_list("kind", flat=True))


# Done means


async def test_a_koc_withdraws_2500_yuan_with_a_real_name_confirms_and_is_paid(shop, wechat_pay):
    member, account, finance, withdrawal = await approved_transfer(shop, 250_000, 300_000)

    paying = await pay(finance, withdrawal)

    assert paying["errors"] == []
    assert paying["withdrawal"]["status"] == "AWAITING_PAYEE"
    assert paying["withdrawal"]["transferState"] == "WAIT_USER_CONFIRM"
    assert paying["withdrawal"]["realNameMasked"] == "张*三"
    bill = wechat_pay.transfers.bills["WD%d" % pk(withdrawal)]
    assert (bill["openid"], bill["transfer_amount"], bill["user_name"]) == (
        member_openid := (await _openid(member)),
        250_000,
        REAL_NAME,
    )
    assert member_openid
    assert (bill["transfer_scene_id"], bill["transfer_remark"]) == ("1005", "佣金提现")
    assert bill["report_infos"] == [
        {"info_type": "岗位类型", "info_content": "分销员"},
        {"info_type": "报酬说明", "info_content": "分销佣金提现"},
    ]
    [seen] = await centre(member)
    confirmation = seen["payeeConfirmation"]
    assert (confirmation["mchId"], confirmation["appId"], confirmation["package"]) == (
        MCH_ID,
        APP_ID,
        bill["package_info"],
    )
    assert confirmation["expiresAt"].endswith("+08:00")
    assert await balances(account) == {
        "pending": 0,
        "available": 50_000,
        "withdrawing": 250_000,
        "withdrawn": 0,
    }

    assert await wechat_pay.transfers.confirm(bill["out_bill_no"]) == 204
    repeat_headers, repeat_body = wechat_pay.transfers.notification(bill)
    repeat = await shop.http.post(TRANSFER_NOTIFY_PATH, content=repeat_body, headers=repeat_headers)

    assert repeat.status_code == 204
    saved = await Withdrawal.get(id=pk(withdrawal))
    assert (saved.status, saved.transfer_state, saved.package_info) == ("PAID", "SUCCESS", None)
    assert saved.paid_at is not None
    [after] = await centre(member)
    assert (after["status"], after["payeeConfirmation"]) == ("PAID", None)
    assert await balances(account) == {
        "pending": 0,
        "available": 50_000,
        "withdrawing": 0,
        "withdrawn": 250_000,
    }
    assert await ledger_kinds(withdrawal) == [LedgerKind.HOLD, LedgerKind.PAID]
    assert wechat_pay.transfers.paid_fen == 250_000
    await assert_ledger_sound()


async def _openid(member) -> str:
    from domain.members.models import MemberIdentity

    identity = await MemberIdentity.get(member_id=member.member_id, provider="WECHAT")
    return identity.openid


async def test_a_payee_who_never_confirms_expires_after_24_hours_and_the_hold_is_released(
    shop, wechat_pay
):
    member, account, finance, withdrawal = await approved_transfer(shop, 250_000)
    await pay(finance, withdrawal)
    out_bill_no = "WD%d" % pk(withdrawal)
    started = clock.now()

    with clock.frozen_at(started + timedelta(hours=23, minutes=59)):
        from api.jobs import run_job

        assert await run_job("poll-transfers") == 0
    assert wechat_pay.transfers.calls["cancel"] == 0
    assert (await Withdrawal.get(id=pk(withdrawal))).status == "AWAITING_PAYEE"

    assert await run_job("poll-transfers", started + timedelta(hours=24, minutes=1)) == 1

    saved = await Withdrawal.get(id=pk(withdrawal))
    assert (saved.status, saved.transfer_state, saved.package_info) == (
        "EXPIRED",
        "CANCELLED",
        None,
    )
    assert saved.failure_reason == "the payee did not confirm in time"
    assert wechat_pay.transfers.bills[out_bill_no]["state"] == "CANCELLED"
    assert wechat_pay.transfers.calls["cancel"] == 1
    assert await balances(account) == {
        "pending": 0,
        "available": 250_000,
        "withdrawing": 0,
        "withdrawn": 0,
    }
    assert await ledger_kinds(withdrawal) == [LedgerKind.HOLD, LedgerKind.RELEASE]
    assert wechat_pay.transfers.paid_fen == 0
    [seen] = await centre(member)
    assert (seen["status"], seen["payeeConfirmation"]) == ("EXPIRED", None)
    assert await run_job("poll-transfers", started + timedelta(hours=25)) == 0
    await assert_ledger_sound()
    again = await request_ok(member, 250_000, **WECHAT)
    assert again["status"] == "PENDING_REVIEW"


async def test_finance_cancels_an_unconfirmed_transfer_and_the_hold_is_released(shop, wechat_pay):
    _, account, finance, withdrawal = await approved_transfer(shop, 5000)
    await pay(finance, withdrawal)

    cancelled = await admin(finance, CANCEL, id=withdrawal["id"])
    repeated = await admin(finance, CANCEL, id=withdrawal["id"])

    assert cancelled["errors"] == [] and repeated["errors"] == []
    assert cancelled["withdrawal"]["status"] == "CANCELLED"
    assert cancelled["withdrawal"]["transferState"] == "CANCELLED"
    assert repeated["withdrawal"]["status"] == "CANCELLED"
    assert await balances(account) == {
        "pending": 0,
        "available": 5000,
        "withdrawing": 0,
        "withdrawn": 0,
    }
    assert await ledger_kinds(withdrawal) == [LedgerKind.HOLD, LedgerKind.RELEASE]
    await assert_ledger_sound()


async def test_wechat_closing_or_failing_a_bill_notifies_and_releases_once(shop, wechat_pay):
    _, account, finance, first = await approved_transfer(shop, 5000, 20_000)
    await pay(finance, first)
    _, account2, _, second = await approved_transfer(shop, 7000)
    await pay(finance, second)

    assert await wechat_pay.transfers.expire("WD%d" % pk(first)) == 204
    assert await wechat_pay.transfers.fail("WD%d" % pk(second)) == 204

    one = await Withdrawal.get(id=pk(first))
    two = await Withdrawal.get(id=pk(second))
    assert (one.status, two.status) == ("CANCELLED", "FAILED")
    assert two.transfer_state == "FAIL"
    assert two.failure_reason == "PAYEE_ACCOUNT_ABNORMAL"
    assert (await balances(account))["available"] == 20_000
    assert (await balances(account2))["available"] == 7000
    # A bill that failed released its hold: it can neither be paid again nor released again.
    again = await pay(finance, second)
    assert [e["code"] for e in again["errors"]] == ["INVALID_STATE"]
    released = await finance.client.data(
        "mutation($id: ID!) { releaseWithdrawal(id: $id) { errors { code } } }",
        {"id": second["id"]},
    )
    assert released["releaseWithdrawal"]["errors"] == [{"code": "INVALID_STATE"}]
    assert await ledger_kinds(second) == [LedgerKind.HOLD, LedgerKind.RELEASE]
    await assert_ledger_sound()


# Faults


async def test_a_timeout_after_wechat_accepted_is_queried_and_found_never_paid_twice(
    shop, wechat_pay
):
    _, account, finance, withdrawal = await approved_transfer(shop, 5000)
    client_timeout(shop, 0.3)
    wechat_pay.transfers.faults.append("TIMEOUT_AFTER_ACCEPT")
    wechat_pay.transfers.late_by = 1.0

    lost = await pay(finance, withdrawal)

    assert lost["errors"] == []
    assert lost["withdrawal"]["status"] == "PAYING"
    assert len(wechat_pay.transfers.bills) == 1
    assert await ledger_kinds(withdrawal) == [LedgerKind.HOLD]
    assert (await balances(account))["withdrawing"] == 5000
    # Releasing what may have left is refused.
    released = await finance.client.data(
        "mutation($id: ID!) { releaseWithdrawal(id: $id) { errors { code } } }",
        {"id": withdrawal["id"]},
    )
    assert released["releaseWithdrawal"]["errors"] == [{"code": "INVALID_STATE"}]

    found = await pay(finance, withdrawal)

    assert found["withdrawal"]["status"] == "AWAITING_PAYEE"
    assert wechat_pay.transfers.calls["query"] == 1
    assert len(wechat_pay.transfers.bills) == 1
    bill = wechat_pay.transfers.bills["WD%d" % pk(withdrawal)]
    assert (await Withdrawal.get(id=pk(withdrawal))).package_info == bill["package_info"]
    assert await wechat_pay.transfers.confirm(bill["out_bill_no"]) == 204
    assert wechat_pay.transfers.paid_fen == 5000
    assert await ledger_kinds(withdrawal) == [LedgerKind.HOLD, LedgerKind.PAID]
    await assert_ledger_sound()


@pytest.mark.parametrize("fault", ["HTTP_502", "SYSTEM_ERROR", "FREQUENCY_LIMITED"])
async def test_a_5xx_or_a_transient_error_is_an_unknown_outcome_and_the_poll_settles_it(
    shop, wechat_pay, fault
):
    _, account, finance, withdrawal = await approved_transfer(shop, 5000)
    wechat_pay.transfers.faults.append(fault)

    unknown = await pay(finance, withdrawal)

    assert unknown["withdrawal"]["status"] == "PAYING"
    assert unknown["withdrawal"]["failureReason"] is None
    assert wechat_pay.transfers.bills == {}
    from api.jobs import run_job

    assert await run_job("poll-transfers", clock.now() + timedelta(minutes=5)) == 0
    assert wechat_pay.transfers.calls["query"] == 0
    assert await run_job("poll-transfers", clock.now() + timedelta(minutes=11)) == 1

    saved = await Withdrawal.get(id=pk(withdrawal))
    assert saved.status == "AWAITING_PAYEE"
    assert wechat_pay.transfers.calls["query"] == 1
    assert list(wechat_pay.transfers.bills) == ["WD%d" % pk(withdrawal)]
    assert (await balances(account))["withdrawing"] == 5000
    await assert_ledger_sound()


async def test_not_enough_funds_fails_keeping_the_hold_and_paying_again_succeeds(shop, wechat_pay):
    _, account, finance, withdrawal = await approved_transfer(shop, 5000)
    wechat_pay.transfers.faults.append("NOT_ENOUGH")

    refused = await pay(finance, withdrawal)

    assert refused["withdrawal"]["status"] == "FAILED"
    assert refused["withdrawal"]["failureReason"] == "wechat: NOT_ENOUGH"
    assert [e["code"] for e in refused["errors"]] == ["PAYOUT_FAILED"]
    assert refused["withdrawal"]["transferState"] is None
    assert (await balances(account))["withdrawing"] == 5000

    retried = await pay(finance, withdrawal)

    assert retried["errors"] == []
    assert retried["withdrawal"]["status"] == "AWAITING_PAYEE"
    assert len(wechat_pay.transfers.bills) == 1
    await assert_ledger_sound()


async def test_a_notification_not_signed_by_wechat_or_for_another_amount_changes_nothing(
    shop, wechat_pay
):
    from tests.fakes.wechat_pay import new_key

    _, account, finance, withdrawal = await approved_transfer(shop, 5000)
    await pay(finance, withdrawal)
    bill = dict(wechat_pay.transfers.bills["WD%d" % pk(withdrawal)], state="SUCCESS")

    forged_headers, forged_body = wechat_pay.transfers.notification(bill, signing_key=new_key())
    forged = await shop.http.post(TRANSFER_NOTIFY_PATH, content=forged_body, headers=forged_headers)
    other_headers, other_body = wechat_pay.transfers.notification(bill, transfer_amount=500_000)
    other = await shop.http.post(TRANSFER_NOTIFY_PATH, content=other_body, headers=other_headers)

    assert (forged.status_code, forged.json()["code"]) == (401, "FAIL")
    assert (other.status_code, other.json()["code"]) == (400, "FAIL")
    assert (await Withdrawal.get(id=pk(withdrawal))).status == "AWAITING_PAYEE"
    assert await ledger_kinds(withdrawal) == [LedgerKind.HOLD]
    assert (await balances(account))["withdrawing"] == 5000


async def test_in_certificate_mode_transfers_use_the_downloaded_certificates_across_a_rotation(
    db, wechat_pay
):
    from tests.api.test_wechat_pay_keys import certificate_mode
    from tests.fakes.wechat_pay import CERTIFICATES

    api = ApiFactory(
        **certificate_mode(wechat_pay),
        wechat_transfer_payouts="on",
        wechat_transfer_notify_url=NOTIFY_URL,
    )

    async def deliver(headers: dict[str, str], body: bytes) -> int:
        response = await api.http.post(TRANSFER_NOTIFY_PATH, content=body, headers=headers)
        return response.status_code

    wechat_pay.transfers.deliver = deliver
    try:
        first_serial = wechat_pay.platform_serial
        _, account, finance, withdrawal = await approved_transfer(api, 250_000)

        paying = await pay(finance, withdrawal)

        assert paying["errors"] == []
        assert paying["withdrawal"]["status"] == "AWAITING_PAYEE"
        bill = wechat_pay.transfers.bills["WD%d" % pk(withdrawal)]
        # The fake decrypts user_name with the certificate the Wechatpay-Serial header names.
        assert bill["user_name"] == REAL_NAME
        assert wechat_pay.calls[CERTIFICATES] == 1

        wechat_pay.rotate_certificate()
        assert await wechat_pay.transfers.confirm(bill["out_bill_no"]) == 204

        assert wechat_pay.platform_serial != first_serial
        assert wechat_pay.calls[CERTIFICATES] == 2
        assert (await Withdrawal.get(id=pk(withdrawal))).status == "PAID"
        assert await ledger_kinds(withdrawal) == [LedgerKind.HOLD, LedgerKind.PAID]
        assert (await balances(account))["withdrawn"] == 250_000
        await assert_ledger_sound()
    finally:
        await api.app.state.payouts.aclose()
        await api.app.state.payments.aclose()


# Payee identity


async def test_approval_of_2000_yuan_or_more_needs_the_real_name_and_changes_nothing_without(
    shop, wechat_pay
):
    member, _, _ = await koc_with_name(shop, 400_000, name=None)
    withdrawal = await request_ok(member, 200_000, **WECHAT)
    finance = await shop.staff(R.HQ_FINANCE)

    refused = await admin(finance, ADMIN_REVIEW, id=withdrawal["id"], approve=True, note="")

    assert refused == {
        "withdrawal": None,
        "errors": [
            {
                "code": "PAYEE_REAL_NAME_REQUIRED",
                "field": "id",
                "message": "提现 2000 元及以上需先填写收款人真实姓名 / "
                "A payout of 2000 yuan or more needs the payee's real name first.",
            }
        ],
    }
    saved = await Withdrawal.get(id=pk(withdrawal))
    assert (saved.status, saved.reviewed_by, saved.real_name_encrypted) == (
        "PENDING_REVIEW",
        None,
        "",
    )
    named = await member.client.data(SET_NAME, {"name": "欧阳娜娜"})
    assert named["setPayeeRealName"] == {"realNameMasked": "欧**娜", "errors": []}
    approved = await admin(finance, ADMIN_REVIEW, id=withdrawal["id"], approve=True, note="")
    assert approved["withdrawal"]["status"] == "APPROVED"
    assert approved["withdrawal"]["realNameMasked"] == "欧**娜"
    small = await request_ok(member, 199_999, **WECHAT)
    approved_small = await admin(finance, ADMIN_REVIEW, id=small["id"], approve=True, note="")
    assert approved_small["withdrawal"]["realNameMasked"] == ""


async def test_the_real_name_is_encrypted_masked_for_every_role_and_revealed_with_an_audit(
    shop, wechat_pay
):
    member, _, finance, withdrawal = await approved_transfer(shop, 250_000)
    hq_admin = await shop.staff(R.HQ_ADMIN)
    distributor = await Distributor.get(member_id=member.member_id)
    assert REAL_NAME not in distributor.real_name_encrypted
    assert distributor.real_name_masked == "张*三"
    saved = await Withdrawal.get(id=pk(withdrawal))
    assert REAL_NAME not in saved.real_name_encrypted

    listed = await hq_admin.client.data(
        "{ withdrawals(first: 5) { edges { node { realNameMasked payee { name } } } } }"
    )
    finance_view = await finance.client.data(
        "{ withdrawals(first: 5) { edges { node { realNameMasked } } } }"
    )
    denied = await finance.client.gql(REVEAL, {"id": withdrawal["id"], "reason": "核对"})
    revealed = await hq_admin.client.data(REVEAL, {"id": withdrawal["id"], "reason": "审核前核对"})

    assert listed["withdrawals"]["edges"][0]["node"]["realNameMasked"] == "张*三"
    assert finance_view["withdrawals"]["edges"][0]["node"]["realNameMasked"] == "张*三"
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert revealed["revealPayeeRealName"] == {"realName": REAL_NAME, "errors": []}
    [audit] = await PayeeNameReveal.all()
    assert (audit.distributor_id, audit.withdrawal_id, audit.staff_id, audit.reason) == (
        distributor.id,
        pk(withdrawal),
        hq_admin.staff.id,
        "审核前核对",
    )
    no_reason = await hq_admin.client.data(REVEAL, {"id": withdrawal["id"], "reason": " "})
    assert no_reason["revealPayeeRealName"]["errors"][0]["code"] == "REQUIRED"
    assert await PayeeNameReveal.all().count() == 1


@pytest.mark.parametrize(
    ("typed", "code"),
    [("", "REQUIRED"), ("张", "INVALID"), ("张三13812341234", "INVALID"), ("张" * 65, "TOO_LONG")],
)
async def test_a_bad_real_name_is_refused_without_echoing_it(shop, typed, code):
    member, _, _ = await koc_with_name(shop, 0, name=None)

    answer = await member.client.data(SET_NAME, {"name": typed})

    [error] = answer["setPayeeRealName"]["errors"]
    assert (error["code"], error["field"]) == (code, "realName")
    assert typed not in error["message"] or not typed
    assert (await Distributor.get(member_id=member.member_id)).real_name_encrypted is None


async def test_a_member_who_is_not_a_distributor_cannot_set_a_real_name(shop):
    member = await shop.member()

    answer = await member.client.data(SET_NAME, {"name": REAL_NAME})

    assert [e["code"] for e in answer["setPayeeRealName"]["errors"]] == ["NOT_A_DISTRIBUTOR"]


async def test_bank_withdrawals_still_go_to_the_payout_provider(shop, wechat_pay):
    member, _, _ = await koc_with_name(shop, 5000)
    withdrawal = await request_ok(member, 1000)  # BANK
    finance = await shop.staff(R.HQ_FINANCE)
    await admin(finance, ADMIN_REVIEW, id=withdrawal["id"], approve=True, note="")

    paid = await pay(finance, withdrawal)

    assert paid["withdrawal"]["status"] == "PAID"
    assert wechat_pay.transfers.calls == {}
    await assert_ledger_sound()


async def test_the_report_infos_and_remark_are_settings(shop, wechat_pay):
    await update_settings(
        [
            ("payout.transfer_scene_report_infos", "活动名称=会员推广;奖励说明=推广佣金"),
            ("payout.transfer_remark", "推广奖励"),
            ("payout.transfer_scene_id", "1000"),
        ],
        "test",
    )
    _, _, finance, withdrawal = await approved_transfer(shop, 5000)

    await pay(finance, withdrawal)

    bill = wechat_pay.transfers.bills["WD%d" % pk(withdrawal)]
    assert (bill["transfer_scene_id"], bill["transfer_remark"]) == ("1000", "推广奖励")
    assert bill["report_infos"] == [
        {"info_type": "活动名称", "info_content": "会员推广"},
        {"info_type": "奖励说明", "info_content": "推广佣金"},
    ]
    assert bill["user_name"] is None


# Concurrency (PostgreSQL, two OS processes)


async def test_20_payouts_of_one_withdrawal_from_two_processes_pay_once(
    shop, wechat_pay, backend, postgres_database_url
):
    from tests.support.racing import race, require_postgres

    require_postgres(backend)
    _, account, finance, withdrawal = await approved_transfer(shop, 250_000)
    pay_request = {
        "path": "/admin/graphql",
        "token": finance.client.token,
        "json": {"query": ADMIN_PAY, "variables": {"id": withdrawal["id"]}},
    }
    config = {
        **wechat_pay_settings(wechat_pay),
        "wechat_transfer_payouts": "on",
        "wechat_transfer_notify_url": NOTIFY_URL,
    }

    results = await race(postgres_database_url, [[pay_request] * 10, [pay_request] * 10], config)

    answers = [r["body"]["data"]["payWithdrawal"] for r in results]
    assert [a["errors"] for a in answers] == [[]] * 20
    assert {a["withdrawal"]["status"] for a in answers} <= {"PAYING", "AWAITING_PAYEE"}
    assert list(wechat_pay.transfers.bills) == ["WD%d" % pk(withdrawal)]
    saved = await Withdrawal.get(id=pk(withdrawal))
    assert saved.status == "AWAITING_PAYEE"
    assert await wechat_pay.transfers.confirm("WD%d" % pk(withdrawal)) == 204
    assert wechat_pay.transfers.paid_fen == 250_000
    assert await ledger_kinds(withdrawal) == [LedgerKind.HOLD, LedgerKind.PAID]
    assert await balances(account) == {
        "pending": 0,
        "available": 0,
        "withdrawing": 0,
        "withdrawn": 250_000,
    }
    await assert_ledger_sound()

"""Daily reconciliation with WeChat Pay's bills (SPEC 20) against the fake over real HTTP: the
gzip trade bill with its digest, streamed and compared with payments and refunds; differences
for finance (admin query, CSV) resolved with a note; each bill reconciled once."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from api.jobs import run_job
from api.payments.sandbox import SandboxProvider
from domain import clock
from domain.ops.models import JobRun
from domain.orders.models import OrderItem, Refund, RefundResolution, RefundStatus
from domain.org.models import StaffRole
from domain.payments.models import (
    BillLine,
    Payment,
    PaymentStatus,
    ReconciliationDifference,
    ReconciliationRun,
)
from domain.payments.provider import BillSource
from domain.payments.reconciliation import TradeBill, bill_values, yuan_to_fen
from domain.payments.service import start_payment
from tests.api.test_payments_wechat import (
    APP_ID,
    MCH_ID,
    NOTIFY_PATH,
    OPENID,
    wechat_pay_settings,
)
from tests.fakes.wechat_pay import (
    FUND_FLOW_BILL,
    TRADE_BILL,
    TRADE_BILL_COLUMNS,
    FakeWechatPay,
    refund_row,
    running_fake_wechat_pay,
    trade_row,
)
from tests.support.api import ApiFactory
from tests.support.orders import unpaid_order

DIFFERENCES = """
query($resolved: Boolean) {
  reconciliationDifferences(resolved: $resolved, first: 50) { totalCount edges { node {
    id kind subject reference siyuFen billFen siyuState billState resolvedBy resolutionNote } } }
}
"""
RUNS = "{ reconciliationRuns { edges { node { billDate kind status lines differences failure "
RUNS += "incomeFen expenseFen } } } }"
RESOLVE = """
mutation($id: ID!, $note: String!) {
  resolveReconciliationDifference(id: $id, note: $note) {
    difference { resolutionNote } errors { code field }
  }
}
"""


@pytest.fixture
async def wechat_pay() -> AsyncIterator[FakeWechatPay]:
    async with running_fake_wechat_pay(MCH_ID, APP_ID) as fake:
        yield fake


@pytest.fixture
async def shop(db, wechat_pay: FakeWechatPay) -> AsyncIterator[ApiFactory]:
    api = ApiFactory(**wechat_pay_settings(wechat_pay))
    yield api
    await api.app.state.payments.aclose()


def today() -> str:
    return clock.to_shanghai(clock.now()).date().isoformat()


def next_morning() -> datetime:
    """11:00 the next day in Shanghai: today's bills are ready."""
    local = clock.to_shanghai(clock.now())
    return datetime.combine(
        local.date() + timedelta(days=1), datetime.min.time(), tzinfo=clock.SHANGHAI
    ) + timedelta(hours=11)


async def paid(shop: ApiFactory, fake: FakeWechatPay, fen: int) -> Payment:
    order = await unpaid_order(fen)
    payment = (await start_payment(order, "WECHAT_PAY_V3", OPENID)).payment
    headers, body = fake.notification(payment.out_trade_no, fen)
    assert (await shop.http.post(NOTIFY_PATH, content=body, headers=headers)).status_code == 204
    return await Payment.get(id=payment.id)


async def refunded(payment: Payment, fen: int, status: RefundStatus, number: str) -> Refund:
    item = await OrderItem.get(order_id=payment.order_id)
    return await Refund.create(
        order_id=payment.order_id,
        item_id=item.id,
        amount_fen=fen,
        reason="r",
        status=status,
        out_refund_no=number,
        created_at=clock.now(),
        finished_at=clock.now() if status == RefundStatus.REFUNDED else None,
    )


async def a_day_of_business(shop, fake) -> dict[str, str]:
    matched = await paid(shop, fake, 12900)
    other_amount = await paid(shop, fake, 5000)
    not_billed = await paid(shop, fake, 3000)
    pending = await start_payment(await unpaid_order(800), "WECHAT_PAY_V3", OPENID)
    await refunded(matched, 2900, RefundStatus.REFUNDED, "R-MATCHED")
    await refunded(other_amount, 1000, RefundStatus.PROCESSING, "R-STILL-PROCESSING")
    await refunded(not_billed, 3000, RefundStatus.REFUNDED, "R-NOT-BILLED")
    fake.set_trade_bill(
        today(),
        [
            trade_row(matched.out_trade_no, 12900),
            trade_row(other_amount.out_trade_no, 4000),
            trade_row("P-NOT-OURS", 100),
            trade_row(pending.payment.out_trade_no, 800),
            refund_row(matched.out_trade_no, "R-MATCHED", 2900, total_fen=12900),
            refund_row(other_amount.out_trade_no, "R-STILL-PROCESSING", 1000, total_fen=5000),
        ],
    )
    fake.set_fund_flow_bill(
        today(),
        [
            "`2024-05-20 13:29:35,`4200,`1,`交易,`交易,`收入,`129.00,`129.00,`系统,`,`P1",
            "`2024-05-20 13:29:36,`4200,`2,`交易,`交易,`收入,`40.00,`169.00,`系统,`,`P2",
            "`2024-05-21 10:05:00,`5030,`3,`退款,`退款,`支出,`29.00,`140.00,`系统,`,`R1",
        ],
    )
    return {
        "matched": matched.out_trade_no,
        "other_amount": other_amount.out_trade_no,
        "not_billed": not_billed.out_trade_no,
        "pending": pending.payment.out_trade_no,
    }


def found(differences: list[dict]) -> set[tuple]:
    return {
        (
            d["kind"],
            d["subject"],
            d["reference"],
            d["siyuFen"],
            d["billFen"],
            d["siyuState"],
            d["billState"],
        )
        for d in differences
    }


async def test_the_daily_bills_are_compared_with_payments_and_refunds(shop, wechat_pay):
    numbers = await a_day_of_business(shop, wechat_pay)
    finance = await shop.staff(StaffRole.HQ_FINANCE)

    differences = await run_job("reconcile-bills", next_morning())
    again = await run_job("reconcile-bills", next_morning() + timedelta(hours=1))
    listed = (await finance.client.data(DIFFERENCES))["reconciliationDifferences"]
    runs = (await finance.client.data(RUNS))["reconciliationRuns"]["edges"]

    assert (differences, again) == (8, 0)
    assert found([e["node"] for e in listed["edges"]]) == {
        ("AMOUNT", "PAYMENT", numbers["other_amount"], 5000, 4000, "SUCCEEDED", "SUCCESS"),
        ("MISSING_IN_SIYU", "PAYMENT", "P-NOT-OURS", None, 100, None, "SUCCESS"),
        ("STATE", "PAYMENT", numbers["pending"], 800, 800, "PENDING", "SUCCESS"),
        ("MISSING_IN_BILL", "PAYMENT", numbers["not_billed"], 3000, None, "SUCCEEDED", None),
        ("STATE", "REFUND", "R-STILL-PROCESSING", 1000, 1000, "PROCESSING", "SUCCESS"),
        ("MISSING_IN_BILL", "REFUND", "R-NOT-BILLED", 3000, None, "REFUNDED", None),
        # Fund flow: siyu took 12900 + 5000 + 3000 that day, the bill 16900.
        ("AMOUNT", "TOTAL", "交易收入", 20900, 16900, None, None),
        # …and refunded 2900 + 3000, the bill 2900.
        ("AMOUNT", "TOTAL", "退款支出", 5900, 2900, None, None),
    }
    today_runs = [r["node"] for r in runs if r["node"]["billDate"] == today()]
    assert sorted((r["kind"], r["status"], r["lines"], r["differences"]) for r in today_runs) == [
        ("FUND_FLOW", "DONE", 3, 2),
        ("TRADE", "DONE", 6, 6),
    ]
    fund_flow = next(r for r in today_runs if r["kind"] == "FUND_FLOW")
    assert (fund_flow["incomeFen"], fund_flow["expenseFen"]) == (16900, 2900)
    # Days before had no bill (NO_STATEMENT_EXIST) and no business: reconciled, nothing found.
    assert len(runs) == 6
    assert all(r["node"]["status"] == "DONE" for r in runs)
    assert await BillLine.all().count() == 0
    assert wechat_pay.calls[TRADE_BILL] == 3
    assert wechat_pay.calls[FUND_FLOW_BILL] == 3


async def test_finance_resolves_a_difference_with_a_note_once(shop, wechat_pay):
    await a_day_of_business(shop, wechat_pay)
    await run_job("reconcile-bills", next_morning())
    finance = await shop.staff(StaffRole.HQ_FINANCE)
    open_before = (await finance.client.data(DIFFERENCES, {"resolved": False}))[
        "reconciliationDifferences"
    ]
    target = open_before["edges"][0]["node"]["id"]

    resolved = await finance.client.data(RESOLVE, {"id": target, "note": "商户平台已核实"})
    twice = await finance.client.data(RESOLVE, {"id": target, "note": "again"})
    blank = await finance.client.data(
        RESOLVE, {"id": open_before["edges"][1]["node"]["id"], "note": "  "}
    )
    open_after = (await finance.client.data(DIFFERENCES, {"resolved": False}))[
        "reconciliationDifferences"
    ]
    done = (await finance.client.data(DIFFERENCES, {"resolved": True}))["reconciliationDifferences"]

    assert resolved["resolveReconciliationDifference"] == {
        "difference": {"resolutionNote": "商户平台已核实"},
        "errors": [],
    }
    assert twice["resolveReconciliationDifference"]["errors"] == [
        {"code": "INVALID_STATE", "field": "id"}
    ]
    assert blank["resolveReconciliationDifference"]["errors"] == [
        {"code": "REQUIRED", "field": "note"}
    ]
    assert (open_before["totalCount"], open_after["totalCount"], done["totalCount"]) == (8, 7, 1)
    row = done["edges"][0]["node"]
    assert (row["resolvedBy"], row["resolutionNote"]) == (
        f"staff:{finance.staff.id}",
        "商户平台已核实",
    )


async def test_differences_export_as_csv_for_finance_only(shop, wechat_pay):
    await a_day_of_business(shop, wechat_pay)
    await run_job("reconcile-bills", next_morning())
    finance = await shop.staff(StaffRole.HQ_FINANCE)
    operator = await shop.staff(StaffRole.HQ_OPERATOR)
    path = "/admin/exports/reconciliation-differences.csv"

    exported = await shop.http.get(
        path,
        params={"resolved": "false"},
        headers={"Authorization": f"Bearer {finance.client.token}"},
    )
    refused = await shop.http.get(
        path, headers={"Authorization": f"Bearer {operator.client.token}"}
    )

    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "id", "bill_date", "kind", "subject", "reference", "siyu_fen", "bill_fen",
        "siyu_state", "bill_state", "resolved_by", "resolution_note", "resolved_at",
    ]  # fmt: skip
    assert len(rows) == 1 + 8
    assert {(r[2], r[4], r[5], r[6]) for r in rows[1:]} >= {
        ("MISSING_IN_SIYU", "P-NOT-OURS", "", "100"),
        ("MISSING_IN_BILL", "R-NOT-BILLED", "3000", ""),
    }
    assert all(r[1] == today() for r in rows[1:])
    assert refused.status_code == 403


async def test_a_bill_whose_digest_does_not_match_is_not_believed_and_retried(shop, wechat_pay):
    await a_day_of_business(shop, wechat_pay)
    wechat_pay.bill_digest = "0" * 40

    first = await run_job_recorded(next_morning())
    failed = await ReconciliationRun.get(bill_date=today(), kind="TRADE")
    nothing = await ReconciliationDifference.all().count()
    wechat_pay.bill_digest = None
    second = await run_job_recorded(next_morning() + timedelta(hours=1))

    assert first.error is not None and first.error.startswith("ProviderError")
    assert (failed.status, failed.failure) == ("FAILED", "bill digest mismatch")
    # Neither bill of the day (both announce the wrong digest) was used.
    assert nothing == 0
    assert await BillLine.all().count() == 0
    assert second.error is None
    assert second.changed == 8
    assert (await ReconciliationRun.get(bill_date=today(), kind="TRADE")).status == "DONE"
    assert await ReconciliationDifference.all().count() == 8


async def run_job_recorded(moment: datetime) -> JobRun:
    from api.jobs import run_recorded

    return await run_recorded("reconcile-bills", moment, trigger="COMMAND", holder="test")


def test_bill_values_keep_commas_inside_a_backticked_value():
    header = TRADE_BILL_COLUMNS
    line = trade_row("P1", 12345).replace("`订单", "`订单,含逗号")

    parsed = TradeBill(header).parse(line)

    assert parsed is not None
    assert (parsed.reference, parsed.amount_fen, parsed.state) == ("P1", 12345, "SUCCESS")
    assert bill_values("`a,`b,c,`d") == ["a", "b,c", "d"]
    assert [yuan_to_fen(v) for v in ("0.01", "129.00", "129.5", "-3.20", "7")] == [
        1,
        12900,
        12950,
        -320,
        700,
    ]


def test_the_sandbox_publishes_no_bills():
    assert not isinstance(SandboxProvider(APP_ID), BillSource)


async def test_refunds_finance_paid_offline_are_not_expected_in_the_bill(shop, wechat_pay):
    payment = await paid(shop, wechat_pay, 5000)
    refund = await refunded(payment, 5000, RefundStatus.REFUNDED, "R-OFFLINE")
    await Refund.filter(id=refund.id).update(resolution=RefundResolution.REFUNDED_OFFLINE)
    wechat_pay.set_trade_bill(today(), [trade_row(payment.out_trade_no, 5000)])
    wechat_pay.set_fund_flow_bill(
        today(), ["`2024-05-20 13:29:35,`4200,`1,`交易,`交易,`收入,`50.00,`50.00,`系统,`,`P1"]
    )

    assert await run_job("reconcile-bills", next_morning()) == 0
    assert await Payment.filter(status=PaymentStatus.SUCCEEDED).count() == 1

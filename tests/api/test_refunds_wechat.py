"""Refunds that finish (SPEC 8.6, 20) through WeChat Pay's refund protocol against the fake over
real HTTP: PROCESSING keeps the item refunding; SUCCESS (in the answer, by notification or by
polling) applies stock, commission and points once; ABNORMAL and CLOSED go to finance; an
unknown outcome is queried before anything is sent again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from api.jobs import run_job
from domain import clock
from domain.catalog.models import Sku
from domain.orders.models import Order, OrderItem, OrderStatus, Refund, RefundStatus
from domain.org.models import StaffRole
from domain.payments.models import PaymentNotification
from tests.api.test_payments_wechat import APP_ID, MCH_ID, wechat_pay_settings
from tests.fakes.wechat_pay import (
    FREQUENCY_LIMITED,
    HTTP_500,
    REFUND_QUERY,
    REFUNDS,
    SYSTEM_ERROR,
    TIMEOUT_AFTER_ACCEPT,
    FakeWechatPay,
    running_fake_wechat_pay,
)
from tests.support.api import ApiFactory
from tests.support.commission import (
    REVIEW_REFUND,
    assert_ledger_sound,
    balances,
    distributor,
    entries_of,
    request_refund,
    sku,
)
from tests.support.loyalty import give_points, points_history
from tests.support.orders import PAY, delivery, order_pk, place_ok

REFUND_NOTIFY_PATH = "/payments/refund-notify/WECHAT_PAY_V3"
NOTIFY_PATH = "/payments/notify/WECHAT_PAY_V3"
ATTENTION = """
{ refundsNeedingAttention { totalCount edges { node {
  id status outRefundNo amount { fen } suggestedAction } } } }
"""
RESOLVE = """
mutation($id: ID!, $resolution: RefundResolution!, $note: String!) {
  resolveRefund(id: $id, resolution: $resolution, note: $note) {
    status refund { status outRefundNo } errors { code field }
  }
}
"""


@pytest.fixture
async def wechat_pay() -> AsyncIterator[FakeWechatPay]:
    async with running_fake_wechat_pay(MCH_ID, APP_ID) as fake:
        yield fake


@pytest.fixture
async def shop(db, wechat_pay: FakeWechatPay) -> AsyncIterator[ApiFactory]:
    api = ApiFactory(**wechat_pay_settings(wechat_pay), wechat_pay_timeout_seconds=0.5)
    yield api
    await api.app.state.payments.aclose()


class Scenario:
    """A member paid 10000 fen (500 of it in points) through WeChat for one unit of a SKU
    attributed to a KOC, and asked for the item's whole paid amount back."""

    async def start(self, shop: ApiFactory, fake: FakeWechatPay) -> Scenario:
        self.shop, self.fake = shop, fake
        self.finance = await shop.staff(StaffRole.HQ_FINANCE)
        self.koc = await distributor(shop)
        self.sku = await sku(10000, stock=10)
        self.member = await shop.member()
        await give_points(await shop.staff(StaffRole.HQ_ADMIN), self.member, 1000)
        self.order = await place_ok(self.member.client, delivery((self.sku, 1), points=500))
        await Order.filter(id=order_pk(self.order)).update(level1_distributor_id=self.koc.id)
        started = (await self.member.client.data(PAY, {"id": self.order["id"]}))["payOrder"]
        assert started["errors"] == [], started
        headers, body = fake.notification(started["outTradeNo"], self.order["payable"]["fen"])
        assert (await shop.http.post(NOTIFY_PATH, content=body, headers=headers)).status_code == 204
        self.paid_fen = self.order["items"][0]["paid"]["fen"]
        self.refund_id = await request_refund(self.member, self.order, self.paid_fen)
        return self

    async def approve(self) -> dict:
        reviewed = await self.finance.client.data(
            REVIEW_REFUND, {"id": self.refund_id, "approve": True}
        )
        return reviewed["reviewRefund"]

    async def refund(self) -> Refund:
        return await Refund.get(order_id=order_pk(self.order))

    async def snapshot(self) -> tuple:
        item = await OrderItem.get(order_id=order_pk(self.order))
        return (
            (await Sku.get(id=self.sku.id)).stock,
            await entries_of(self.order),
            await balances(self.koc),
            await points_history(self.member),
            (item.refunded_fen, item.refund_open),
            (await Order.get(id=order_pk(self.order))).status,
        )

    async def notify(self, status: str) -> int:
        refund = await self.refund()
        headers, body = self.fake.finish_refund(refund.out_refund_no, status)
        response = await self.shop.http.post(REFUND_NOTIFY_PATH, content=body, headers=headers)
        return response.status_code


@pytest.fixture
async def scenario(shop, wechat_pay) -> Scenario:
    return await Scenario().start(shop, wechat_pay)


def eleven_minutes_on() -> datetime:
    """Past `refunds.poll_after_minutes` (10). The clock is not moved: notifications carry the
    wall clock's time and must stay fresh."""
    return clock.now() + timedelta(minutes=11)


async def refund_outcomes() -> list[str]:
    rows = await PaymentNotification.filter(outcome__startswith="REFUND").order_by("id")
    return [row.outcome for row in rows]


def reversed_books(before: tuple, paid_fen: int) -> tuple:
    """What a full refund of the item leaves: stock back, commission cancelled, the 500 points
    spent returned, the item refunded and closed, the order CLOSED."""
    stock, entries, _, (points, history), _, _ = before
    return (
        stock + 1,
        [(role, original, 0, "CANCELLED") for role, original, _, _ in entries],
        (0, 0),
        (points + 500, [*history, ("RETURN", 500)]),
        (paid_fen, False),
        OrderStatus.CLOSED,
    )


async def test_processing_then_abnormal_moves_nothing_and_shows_finance_the_case(scenario):
    before = await scenario.snapshot()

    approved = await scenario.approve()
    while_processing = await scenario.snapshot()
    answered = await scenario.notify("ABNORMAL")
    repeated = await scenario.notify("ABNORMAL")
    attention = (await scenario.finance.client.data(ATTENTION))["refundsNeedingAttention"]

    assert approved == {"refund": {"status": "PROCESSING"}, "errors": []}
    stock, entries, koc_balances, points, _, status = before
    assert (stock, koc_balances, points[0], status) == (9, (1000 - 50, 0), 500, OrderStatus.PAID)
    assert entries == [("LEVEL1", 950, 950, "PENDING")]
    # The item stays refunding (its commission cannot settle) and nothing was reversed.
    assert while_processing == (*before[:4], (0, True), OrderStatus.PAID)
    assert (answered, repeated) == (204, 204)
    assert await scenario.snapshot() == while_processing
    refund = await scenario.refund()
    assert refund.status == RefundStatus.ABNORMAL
    assert await refund_outcomes() == ["REFUND_ABNORMAL", "REFUND_REPEAT"]
    assert attention["totalCount"] == 1
    node = attention["edges"][0]["node"]
    assert (node["id"], node["status"], node["outRefundNo"]) == (
        scenario.refund_id,
        "ABNORMAL",
        refund.out_refund_no,
    )
    assert node["amount"] == {"fen": scenario.paid_fen}
    assert "商户平台" in node["suggestedAction"] and "REFUNDED_OFFLINE" in node["suggestedAction"]
    await assert_ledger_sound()


async def test_processing_then_success_by_notification_reverses_once(scenario):
    before = await scenario.snapshot()
    await scenario.approve()

    first = await scenario.notify("SUCCESS")
    after_first = await scenario.snapshot()
    again = await scenario.notify("SUCCESS")
    polled = await run_job("poll-refunds", eleven_minutes_on())

    assert (first, again, polled) == (204, 204, 0)
    assert after_first == reversed_books(before, scenario.paid_fen)
    assert await scenario.snapshot() == after_first
    assert (await scenario.refund()).status == RefundStatus.REFUNDED
    assert await refund_outcomes() == ["REFUND_SUCCESS", "REFUND_REPEAT"]
    await assert_ledger_sound()


async def test_processing_then_success_by_polling_reverses_once(scenario):
    before = await scenario.snapshot()
    await scenario.approve()
    refund = await scenario.refund()
    scenario.fake.refunds[refund.out_refund_no]["status"] = "SUCCESS"  # its notification is lost

    too_soon = await run_job("poll-refunds")
    unchanged = await scenario.snapshot()
    polled = await run_job("poll-refunds", eleven_minutes_on())
    after_poll = await scenario.snapshot()
    late_notice = await scenario.notify("SUCCESS")
    polled_again = await run_job("poll-refunds", eleven_minutes_on())

    assert (too_soon, polled, late_notice, polled_again) == (0, 1, 204, 0)
    assert unchanged == (*before[:4], (0, True), OrderStatus.PAID)
    assert after_poll == reversed_books(before, scenario.paid_fen)
    assert await scenario.snapshot() == after_poll
    assert scenario.fake.calls[REFUND_QUERY] == 1
    assert await refund_outcomes() == ["REFUND_REPEAT"]
    await assert_ledger_sound()


async def test_success_in_the_answer_reverses_at_once(scenario):
    before = await scenario.snapshot()
    scenario.fake.refund_status = "SUCCESS"

    approved = await scenario.approve()
    late_notice = await scenario.notify("SUCCESS")

    assert approved == {"refund": {"status": "REFUNDED"}, "errors": []}
    assert late_notice == 204
    assert await scenario.snapshot() == reversed_books(before, scenario.paid_fen)


async def test_a_timeout_after_wechat_accepted_is_queried_not_refunded_twice(scenario):
    before = await scenario.snapshot()
    scenario.fake.inject(REFUNDS, TIMEOUT_AFTER_ACCEPT)

    approved = await scenario.approve()

    assert approved == {"refund": {"status": "PROCESSING"}, "errors": []}
    assert (scenario.fake.calls[REFUNDS], scenario.fake.calls[REFUND_QUERY]) == (1, 1)
    assert list(scenario.fake.refunds) == [(await scenario.refund()).out_refund_no]
    assert await scenario.snapshot() == (*before[:4], (0, True), OrderStatus.PAID)
    assert await scenario.notify("SUCCESS") == 204
    assert await scenario.snapshot() == reversed_books(before, scenario.paid_fen)


async def test_a_refund_wechat_never_received_is_sent_again_under_the_same_number(scenario):
    scenario.fake.inject(REFUNDS, SYSTEM_ERROR)

    approved = await scenario.approve()

    refund = await scenario.refund()
    assert approved == {"refund": {"status": "PROCESSING"}, "errors": []}
    assert (scenario.fake.calls[REFUNDS], scenario.fake.calls[REFUND_QUERY]) == (2, 1)
    assert list(scenario.fake.refunds) == [refund.out_refund_no]


async def test_an_outcome_still_unknown_is_left_to_the_poller(scenario):
    before = await scenario.snapshot()
    scenario.fake.inject(REFUNDS, HTTP_500)
    scenario.fake.inject(REFUND_QUERY, SYSTEM_ERROR)

    approved = await scenario.approve()
    refund = await scenario.refund()
    scenario.fake.refunds[refund.out_refund_no]["status"] = "SUCCESS"
    polled = await run_job("poll-refunds", eleven_minutes_on())

    assert approved == {"refund": {"status": "PROCESSING"}, "errors": []}
    assert polled == 1
    assert scenario.fake.calls[REFUNDS] == 1
    assert await scenario.snapshot() == reversed_books(before, scenario.paid_fen)


async def test_a_frequency_limit_refuses_the_approval_and_changes_nothing(scenario):
    before = await scenario.snapshot()
    scenario.fake.inject(REFUNDS, FREQUENCY_LIMITED)

    refused = await scenario.approve()
    again = await scenario.approve()

    assert refused == {"refund": None, "errors": [{"code": "REFUND_FAILED", "field": "id"}]}
    assert again == {"refund": {"status": "PROCESSING"}, "errors": []}
    assert await scenario.snapshot() == (*before[:4], (0, True), OrderStatus.PAID)


async def test_finance_refunds_an_abnormal_refund_offline_and_the_reversals_apply_once(scenario):
    before = await scenario.snapshot()
    await scenario.approve()
    await scenario.notify("ABNORMAL")

    resolved = await scenario.finance.client.data(
        RESOLVE, {"id": scenario.refund_id, "resolution": "REFUNDED_OFFLINE", "note": "线下转账"}
    )
    twice = await scenario.finance.client.data(
        RESOLVE, {"id": scenario.refund_id, "resolution": "REFUNDED_OFFLINE", "note": "再次"}
    )
    late_success = await scenario.notify("SUCCESS")

    assert resolved["resolveRefund"] == {"status": "REFUNDED", "refund": None, "errors": []}
    assert twice["resolveRefund"]["errors"] == [{"code": "INVALID_STATE", "field": "id"}]
    assert late_success == 204
    assert await scenario.snapshot() == reversed_books(before, scenario.paid_fen)
    refund = await scenario.refund()
    assert (refund.resolution, refund.resolved_by, refund.resolution_note) == (
        "REFUNDED_OFFLINE",
        f"staff:{scenario.finance.staff.id}",
        "线下转账",
    )
    attention = (await scenario.finance.client.data(ATTENTION))["refundsNeedingAttention"]
    assert attention["totalCount"] == 0


async def test_a_closed_refund_is_re_initiated_under_a_new_number(scenario):
    await scenario.approve()
    await scenario.notify("CLOSED")
    closed = await scenario.refund()
    offline = await scenario.finance.client.data(
        RESOLVE, {"id": scenario.refund_id, "resolution": "REFUNDED_OFFLINE", "note": "x"}
    )

    retried = await scenario.finance.client.data(
        RESOLVE, {"id": scenario.refund_id, "resolution": "RETRIED", "note": "重新发起"}
    )

    assert offline["resolveRefund"]["errors"] == [{"code": "INVALID_STATE", "field": "id"}]
    assert retried["resolveRefund"]["status"] == "PROCESSING"
    assert retried["resolveRefund"]["errors"] == []
    refund = await scenario.refund()
    assert refund.out_refund_no != closed.out_refund_no
    assert list(scenario.fake.refunds) == [closed.out_refund_no, refund.out_refund_no]
    assert (await OrderItem.get(order_id=order_pk(scenario.order))).refund_open is True


async def test_a_refund_notice_with_another_amount_is_refused(scenario):
    before_approval = await scenario.snapshot()
    await scenario.approve()
    refund = await scenario.refund()
    scenario.fake.finish_refund(refund.out_refund_no, "SUCCESS")
    headers, body = scenario.fake.refund_notification(refund.out_refund_no, refund_fen=1)

    response = await scenario.shop.http.post(REFUND_NOTIFY_PATH, content=body, headers=headers)

    assert response.status_code == 400
    assert (await scenario.refund()).status == RefundStatus.PROCESSING
    assert await scenario.snapshot() == (*before_approval[:4], (0, True), OrderStatus.PAID)
    assert await refund_outcomes() == ["REFUND_REFUSED"]


async def test_store_managers_and_operators_do_not_see_refunds_needing_attention(scenario):
    operator = await scenario.shop.staff(StaffRole.HQ_OPERATOR)

    body = await operator.client.gql(ATTENTION)

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

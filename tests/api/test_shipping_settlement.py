"""WeChat's settlement of shipped orders (wechat.shipping_management, SPEC 18): the buyer's
confirm-receipt pushed by WeChat completes the order, auto-complete waits for WeChat, and the
daily reconcile asks WeChat about every open shipped order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from api.jobs import run_job
from domain import clock
from domain.orders.models import Order, OrderStatus
from domain.org.models import StaffRole
from domain.settings.service import update_settings
from domain.shipping.models import WechatOrderState
from tests.fakes.wechat import FakeWechat, PushSender
from tests.support.api import ApiFactory
from tests.support.orders import order_pk
from tests.support.shipping import (
    APP_ID,
    PUSH_AES_KEY,
    PUSH_TOKEN,
    SHIP,
    a_sku,
    drain_until_settled,
    one_delivery,
    paid,
    wechat_mall,
)

CONFIRM = "mutation($id: ID!) { confirmReceipt(orderId: $id) { order { status } errors { code } } }"


@pytest.fixture
async def mall(db) -> AsyncIterator[tuple[FakeWechat, ApiFactory]]:
    async with wechat_mall() as pair:
        yield pair


async def managed(on: bool = True) -> None:
    await update_settings([("wechat.shipping_management", "true" if on else "false")], "test")


async def shipped_and_uploaded(fake, api):
    """A delivery order shipped, its shipping info on WeChat."""
    operator = await api.staff(StaffRole.HQ_ADMIN)
    order, payment, member = await paid(api, fake, one_delivery(await a_sku()))
    variables = {"id": order["id"], "carrier": "SF", "tracking": "SF1"}
    assert (await operator.client.data(SHIP, variables))["shipOrder"]["errors"] == []
    await drain_until_settled(clock.now())
    assert fake.payments[payment.transaction_id].state == 2
    return order, payment, member


async def status_of(order) -> OrderStatus:
    return (await Order.get(id=order_pk(order))).status


async def test_the_pushed_confirm_receipt_completes_the_order(mall):
    fake, api = mall
    await managed()
    order, payment, _ = await shipped_and_uploaded(fake, api)
    event = fake.confirm_receipt(payment.transaction_id)

    answers = [
        await PushSender(PUSH_TOKEN, PUSH_AES_KEY, APP_ID).send(api.http, "/wechat/push", event)
        for _ in range(2)
    ]

    assert [(a.status_code, a.text) for a in answers] == [(200, "success")] * 2
    assert await status_of(order) == OrderStatus.COMPLETED
    settled = await WechatOrderState.get(order_id=order_pk(order))
    assert settled.settled_at is not None


async def test_without_shipping_management_the_push_is_recorded_and_the_order_waits(mall):
    fake, api = mall
    order, payment, _ = await shipped_and_uploaded(fake, api)
    event = fake.confirm_receipt(payment.transaction_id)

    await PushSender(PUSH_TOKEN, PUSH_AES_KEY, APP_ID).send(api.http, "/wechat/push", event)

    assert await status_of(order) == OrderStatus.SHIPPED
    assert (await WechatOrderState.get(order_id=order_pk(order))).settled_at is not None


async def test_the_shipped_notice_without_confirmation_changes_nothing(mall):
    fake, api = mall
    await managed()
    order, payment, _ = await shipped_and_uploaded(fake, api)
    event = fake.confirm_receipt(payment.transaction_id)
    event.update(
        confirm_receive_time=0, confirm_receive_method=0, CreateTime=event["CreateTime"] + 1
    )

    await PushSender(PUSH_TOKEN, PUSH_AES_KEY, APP_ID).send(api.http, "/wechat/push", event)

    assert await status_of(order) == OrderStatus.SHIPPED
    assert not await WechatOrderState.exists()


async def test_auto_complete_waits_for_wechat_and_the_reconcile_completes_settled_orders(mall):
    fake, api = mall
    await managed()
    settled, settled_payment, _ = await shipped_and_uploaded(fake, api)
    waiting, _, _ = await shipped_and_uploaded(fake, api)
    later = clock.now() + timedelta(days=11)

    assert await run_job("auto-complete", later) == 0
    fake.confirm_receipt(settled_payment.transaction_id)  # in WeChat; the push got lost
    reconciled = await run_job("reconcile-shipping", later)
    auto = await run_job("auto-complete", later + timedelta(days=1))

    assert (reconciled, auto) == (1, 0)
    assert await status_of(settled) == OrderStatus.COMPLETED
    assert await status_of(waiting) == OrderStatus.SHIPPED
    states = {
        row.order_id: (row.order_state, row.settled_at is not None)
        for row in await WechatOrderState.all()
    }
    assert states == {order_pk(settled): (3, True), order_pk(waiting): (2, False)}


async def test_the_member_may_still_confirm_receipt_with_shipping_management_on(mall):
    fake, api = mall
    await managed()
    order, _, member = await shipped_and_uploaded(fake, api)

    confirmed = (await member.client.data(CONFIRM, {"id": order["id"]}))["confirmReceipt"]

    assert confirmed == {"order": {"status": "COMPLETED"}, "errors": []}


async def test_without_shipping_management_auto_complete_runs_on_its_days(mall):
    fake, api = mall
    order, _, _ = await shipped_and_uploaded(fake, api)

    completed = await run_job("auto-complete", clock.now() + timedelta(days=11))

    assert completed == 1
    assert await status_of(order) == OrderStatus.COMPLETED
    assert await run_job("reconcile-shipping", clock.now()) == 0

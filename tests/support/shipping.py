"""Orders paid, shipped or picked up against the fake WeChat's shipping management, and the
outbox drained as the scheduler drains it."""

from __future__ import annotations

import base64
import itertools
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from api.jobs import run_job
from domain.catalog.models import Sku
from domain.outbox.models import OutboxMessage, OutboxState
from domain.payments.models import Payment
from tests.fakes.wechat import FakeWechat, running_fake_wechat
from tests.support.api import ApiFactory, MemberSession
from tests.support.catalog import make_category, make_product
from tests.support.orders import delivery, order_pk, pay, pickup, place_ok

APP_ID = "wx-mall"
SECRET = "mall-secret"
MCH_ID = "1900000109"
PUSH_TOKEN = "push-token-of-the-mall"
PUSH_AES_KEY = base64.b64encode(os.urandom(32)).decode().rstrip("=")
TOPIC = "wechat.shipping"
_buyers = itertools.count(1)

SHIP = """
mutation($id: ID!, $carrier: String, $tracking: String, $packages: [ShipmentPackageInput!]) {
  shipOrder(orderId: $id, carrier: $carrier, trackingNumber: $tracking, packages: $packages) {
    order { status carrier trackingNumber } errors { code field }
  }
}
"""
VERIFY = """
mutation($code: String!) { verifyPickup(code: $code) { order { status } errors { code field } } }
"""


@asynccontextmanager
async def wechat_mall(call_seconds: float = 0.3) -> AsyncIterator[tuple[FakeWechat, ApiFactory]]:
    """The fake WeChat and an app pointed at it (WeChat login, push in safe mode)."""
    async with running_fake_wechat(APP_ID, SECRET) as fake:
        fake.open_codes = True
        yield (
            fake,
            ApiFactory(
                login_provider="WECHAT",
                wechat_app_id=APP_ID,
                wechat_app_secret=SECRET,
                wechat_api_base_url=fake.base_url,
                wechat_api_timeout=call_seconds,
                wechat_pay_mch_id=MCH_ID,
                wechat_push_token=PUSH_TOKEN,
                wechat_push_aes_key=PUSH_AES_KEY,
            ),
        )


async def a_sku(stock: int = 1000) -> Sku:
    product = await make_product(await make_category(), (5000,), stock=stock)
    return await Sku.get(product_id=product.id)


async def paid(
    api: ApiFactory, fake: FakeWechat, checkout: dict[str, Any], known: bool = True
) -> tuple[dict[str, Any], Payment, MemberSession]:
    """An order placed and paid by a new member; WeChat knows its payment unless not `known`."""
    openid = f"o-buyer-{next(_buyers)}"
    member = await api.member(openid)
    order = await place_ok(member.client, checkout)
    await pay(api, member.client, order)
    payment = await Payment.get(order_id=order_pk(order))
    if known:
        fake.add_payment(payment.transaction_id, openid, payment.out_trade_no, MCH_ID)
    return order, payment, member


def one_delivery(sku: Sku) -> dict[str, Any]:
    return delivery((sku, 1))


def one_pickup(sku: Sku, store_id: int) -> dict[str, Any]:
    return pickup(store_id, (sku, 1))


async def drain_until_settled(start: datetime, rounds: int = 14) -> datetime:
    """Run drain-outbox as the scheduler would, an hour apart (past any backoff), until no
    shipping upload is pending; the moment of the last run."""
    moment = start
    for _ in range(rounds):
        await run_job("drain-outbox", moment)
        if not await OutboxMessage.filter(topic=TOPIC, state=OutboxState.PENDING).exists():
            return moment
        moment += timedelta(hours=1)
    return moment

"""Shipping info reaches WeChat (SPEC 18, issue 13 item 4) through the outbox, against the fake
WeChat: every paid order's fulfilment exactly once even with half the calls failing, rate
limits waited out, a timed-out upload resolved by asking WeChat, dead letters listed for HQ,
bad shipments refused with nothing changed, and shipOrder's transaction one statement longer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from api.jobs import run_job
from domain.catalog.models import Product
from domain.orders.models import Order, OrderStatus
from domain.org.models import StaffRole
from domain.outbox.models import OutboxMessage, OutboxState
from domain.settings.service import update_settings
from domain.shipping.models import DeliveryCompany
from tests.fakes.wechat import GET_ORDER, UPLOAD_SHIPPING_INFO, FakeWechat
from tests.support.api import ApiFactory, make_store
from tests.support.orders import order_pk
from tests.support.shipping import (
    MCH_ID,
    SHIP,
    TOPIC,
    VERIFY,
    a_sku,
    drain_until_settled,
    one_delivery,
    one_pickup,
    paid,
    wechat_mall,
)
from tests.support.sql import count_statements

NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)

DEAD_LETTERS = """
query { outboxMessages(topic: "wechat.shipping") { edges { node { key state attempts reason } } } }
"""


@pytest.fixture
async def mall(db) -> AsyncIterator[tuple[FakeWechat, ApiFactory]]:
    async with wechat_mall() as pair:
        yield pair


async def ship(operator, order, carrier="SF", tracking="SF1234567890", packages=None):
    variables = {"id": order["id"], "carrier": carrier, "tracking": tracking}
    if packages is not None:
        variables = {"id": order["id"], "packages": packages}
    return (await operator.client.data(SHIP, variables))["shipOrder"]


async def outbox_states() -> dict[str, tuple[OutboxState, str | None]]:
    return {
        m.key: (m.state, m.reason) for m in await OutboxMessage.filter(topic=TOPIC).order_by("id")
    }


async def test_every_fulfilment_reaches_wechat_exactly_once_with_half_the_calls_failing(mall):
    fake, api = mall
    operator = await api.staff(StaffRole.HQ_ADMIN)
    store = await make_store()
    sku = await a_sku()
    shipped = [await paid(api, fake, one_delivery(sku)) for _ in range(6)]
    picked = [await paid(api, fake, one_pickup(sku, store.id)) for _ in range(2)]
    for order, _, _ in shipped[:5]:
        assert (await ship(operator, order))["errors"] == []
    split = [
        {"carrier": "ZTO", "trackingNumber": "ZT100", "itemDescription": "上衣*1"},
        {"carrier": "YTO", "trackingNumber": "YT200"},
    ]
    assert (await ship(operator, shipped[5][0], packages=split))["errors"] == []
    for order, _, _ in picked:
        code = (await Order.get(id=order_pk(order))).pickup_code
        verified = (await operator.client.data(VERIFY, {"code": code}))["verifyPickup"]
        assert verified["order"] == {"status": "COMPLETED"}
    # Half of the uploads fail: by turns a 502 (not done) and a timeout (done all the same);
    # half of the queries answer 502.
    fake.late_seconds = 0.6
    fake.fail_every_other(UPLOAD_SHIPPING_INFO, "mixed")
    fake.fail_every_other(GET_ORDER, "5xx")

    await drain_until_settled(NOW)

    uploads = {
        payment.transaction_id: fake.uploads_of(payment.transaction_id)
        for _, payment, _ in shipped + picked
    }
    assert {txn: len(bodies) for txn, bodies in uploads.items()} == {txn: 1 for txn in uploads}
    assert set((await outbox_states()).values()) == {(OutboxState.SENT, None)}
    first = uploads[shipped[0][1].transaction_id][0]
    assert first["order_key"] == {
        "order_number_type": 2,
        "transaction_id": shipped[0][1].transaction_id,
    }
    assert (first["logistics_type"], first["delivery_mode"]) == (1, 1)
    assert first["shipping_list"] == [
        {
            "tracking_no": "SF1234567890",
            "express_company": "SF",
            "item_desc": f"{(await Product.get(id=sku.product_id)).title}*1",
            "contact": {"receiver_contact": "138****1111"},
        }
    ]
    assert first["payer"] == {"openid": fake.payments[shipped[0][1].transaction_id].openid}
    assert first["upload_time"].endswith("+08:00")
    two = uploads[shipped[5][1].transaction_id][0]
    assert (two["delivery_mode"], two["is_all_delivered"]) == (2, True)
    assert [
        (p["express_company"], p["tracking_no"], p["item_desc"]) for p in two["shipping_list"]
    ] == [
        ("ZTO", "ZT100", "上衣*1"),
        ("YTO", "YT200", two["shipping_list"][1]["item_desc"]),
    ]
    self_pickup = uploads[picked[0][1].transaction_id][0]
    assert (self_pickup["logistics_type"], len(self_pickup["shipping_list"])) == (4, 1)
    assert set(self_pickup["shipping_list"][0]) == {"item_desc"}

    # The uploads that timed out had happened: their retries asked WeChat and did not upload
    # again; those answered 502 were uploaded again.
    assert fake.calls[UPLOAD_SHIPPING_INFO] > 8
    assert fake.calls[GET_ORDER] >= 4

"""Shipping info reaches WeChat (SPEC 18, issue 13 item 4) through the outbox, against the fake
WeChat: every paid order's fulfilment exactly once even with half the calls failing, rate
limits waited out, a timed-out upload resolved by asking WeChat, dead letters listed for HQ,
bad shipments refused with nothing changed, and shipOrder's transaction one statement longer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from api.jobs import run_job
from domain import clock
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

    await drain_until_settled(clock.now())

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


async def shipped_order(fake, api, known: bool = True):
    """A paid delivery order shipped by HQ with SF; its upload waiting in the outbox."""
    operator = await api.staff(StaffRole.HQ_ADMIN)
    order, payment, _ = await paid(api, fake, one_delivery(await a_sku()), known=known)
    assert (await ship(operator, order))["errors"] == []
    number = (await Order.get(id=order_pk(order))).number
    return order, payment, f"order:{number}"


async def hq_dead_letters(api) -> list[tuple[str, str, int, str]]:
    admin = await api.staff(StaffRole.HQ_OPERATOR)
    listed = (await admin.client.data(DEAD_LETTERS))["outboxMessages"]["edges"]
    return [
        (e["node"]["key"], e["node"]["state"], e["node"]["attempts"], e["node"]["reason"])
        for e in listed
    ]


async def test_uploads_out_of_tries_are_dead_letters_hq_sees(mall):
    fake, api = mall
    await update_settings([("outbox.max_attempts", "3")], "test")
    _, _, key = await shipped_order(fake, api)
    for _ in range(3):
        fake.fail_next(-1, UPLOAD_SHIPPING_INFO)

    await drain_until_settled(clock.now())

    assert await hq_dead_letters(api) == [(key, "DEAD", 3, "WechatBusy: errcode -1")]
    assert fake.uploads == []
    assert fake.calls[UPLOAD_SHIPPING_INFO] == 3


async def test_an_upload_wechat_refuses_for_good_is_a_dead_letter_at_once(mall):
    """WeChat does not know the payment: it may not have registered it yet, so two tries
    retry; the third is final (outbox.max_attempts is 12)."""
    fake, api = mall
    _, _, key = await shipped_order(fake, api, known=False)

    await drain_until_settled(clock.now())

    assert await hq_dead_letters(api) == [(key, "DEAD", 3, "WechatError: errcode 10060001")]
    assert fake.uploads == []


async def test_a_rate_limit_is_waited_out_without_spending_a_try(mall):
    fake, api = mall
    _, payment, key = await shipped_order(fake, api)
    fake.fail_next(45009, UPLOAD_SHIPPING_INFO)
    start = clock.now()

    await run_job("drain-outbox", start)
    waiting = await OutboxMessage.get(topic=TOPIC, key=key)
    await run_job("drain-outbox", start + timedelta(seconds=299))
    calls_before_due = fake.calls[UPLOAD_SHIPPING_INFO]
    await run_job("drain-outbox", start + timedelta(seconds=300))

    assert (waiting.state, waiting.attempts, waiting.reason) == (
        OutboxState.PENDING,
        0,
        "rate limited (errcode 45009)",
    )
    assert waiting.due_at == start + timedelta(seconds=300)
    assert calls_before_due == 1
    assert len(fake.uploads_of(payment.transaction_id)) == 1
    assert (await outbox_states())[key] == (OutboxState.SENT, None)


async def test_a_timed_out_upload_is_resolved_by_asking_wechat_not_by_uploading_again(mall):
    fake, api = mall
    _, payment, key = await shipped_order(fake, api)
    fake.answer_late(1.0, UPLOAD_SHIPPING_INFO)
    start = clock.now()

    await run_job("drain-outbox", start)
    unknown = await OutboxMessage.get(topic=TOPIC, key=key)
    await run_job("drain-outbox", start + timedelta(hours=1))

    assert (unknown.state, unknown.attempts, unknown.reason) == (
        OutboxState.PENDING,
        1,
        "WechatTimeout: ReadTimeout",
    )
    assert (fake.calls[UPLOAD_SHIPPING_INFO], fake.calls[GET_ORDER]) == (1, 1)
    assert len(fake.uploads_of(payment.transaction_id)) == 1
    assert (await outbox_states())[key] == (OutboxState.SENT, None)


@pytest.mark.parametrize(
    ("variables", "error"),
    [
        ({"carrier": "XYZ", "tracking": "XY1"}, {"code": "INVALID", "field": "carrier"}),
        ({"carrier": "SF", "tracking": "  "}, {"code": "REQUIRED", "field": "trackingNumber"}),
        (
            {"packages": [{"carrier": "SF", "trackingNumber": f"SF{n}"} for n in range(16)]},
            {"code": "OUT_OF_RANGE", "field": "packages"},
        ),
        (
            {
                "packages": [
                    {"carrier": "SF", "trackingNumber": "SF1"},
                    {"carrier": "ZTO", "trackingNumber": ""},
                ]
            },
            {"code": "REQUIRED", "field": "packages.1.trackingNumber"},
        ),
        (
            {
                "packages": [
                    {"carrier": "SF", "trackingNumber": "SF1"},
                    {"carrier": "NOPE", "trackingNumber": "N1"},
                ]
            },
            {"code": "INVALID", "field": "packages.1.carrier"},
        ),
        (
            {
                "carrier": "SF",
                "tracking": "SF1",
                "packages": [{"carrier": "SF", "trackingNumber": "SF1"}],
            },
            {"code": "INVALID", "field": "packages"},
        ),
        ({"carrier": "SF"}, {"code": "REQUIRED", "field": "trackingNumber"}),
    ],
)
async def test_a_bad_shipment_is_refused_and_changes_nothing(api, variables, error):
    operator = await api.staff(StaffRole.HQ_ADMIN)
    member = await api.member()
    from tests.support.orders import delivery, pay, place_ok

    order = await place_ok(member.client, delivery((await a_sku(), 1)))
    await pay(api, member.client, order)

    result = (await operator.client.data(SHIP, {"id": order["id"], **variables}))["shipOrder"]

    assert result == {"order": None, "errors": [error]}
    stored = await Order.get(id=order_pk(order))
    assert (stored.status, stored.carrier, stored.tracking_number) == (OrderStatus.PAID, None, None)
    assert await OutboxMessage.filter(topic=TOPIC).count() == 0


async def test_the_carrier_list_comes_from_wechat_once_refreshed(mall):
    fake, api = mall
    operator = await api.staff(StaffRole.HQ_ADMIN)
    fake.delivery_companies = {"SF": "顺丰速运", "DBL": "德邦快递"}
    before, _, _ = await paid(api, fake, one_delivery(await a_sku()))
    after, _, _ = await paid(api, fake, one_delivery(await a_sku()))
    gone, _, _ = await paid(api, fake, one_delivery(await a_sku()))

    built_in = await ship(operator, before, carrier="DBL", tracking="DB1")
    assert await run_job("refresh-carriers", clock.now()) == 2
    refreshed = await ship(operator, after, carrier="DBL", tracking="DB2")
    no_longer = await ship(operator, gone, carrier="ZTO", tracking="ZT3")

    assert built_in["errors"] == [{"code": "INVALID", "field": "carrier"}]
    assert refreshed["errors"] == []
    assert no_longer["errors"] == [{"code": "INVALID", "field": "carrier"}]
    assert sorted(await DeliveryCompany.all().values_list("delivery_id", "name")) == [
        ("DBL", "德邦快递"),
        ("SF", "顺丰速运"),
    ]


async def test_shipping_adds_one_statement_to_the_ship_orders_transaction(api):
    """shipOrder's statements as a busy server runs them (settings cached): the carrier check
    before the transaction, and in it the guarded update and the outbox insert."""
    operator = await api.staff(StaffRole.HQ_ADMIN)
    member = await api.member()
    from tests.support.orders import delivery, pay, place_ok

    orders = []
    for _ in range(2):
        order = await place_ok(member.client, delivery((await a_sku(), 1)))
        await pay(api, member.client, order)
        orders.append(order)
    await ship(operator, orders[0])  # warms what a running server has warm

    with count_statements(cold_settings=False) as log:
        assert (await ship(operator, orders[1]))["errors"] == []

    assert len(log.statements) == 7, log.statements
    writes = [" ".join(s.split()[:3]) for s in log.statements if s.startswith(("UPDATE", "INSERT"))]
    # Before the upload the transaction was the guarded update alone.
    assert writes == ['UPDATE "order" SET', 'INSERT INTO "outbox_message"']

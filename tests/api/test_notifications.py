"""Notifications (SPEC 19, issue 14) through HTTP and the fake WeChat: the worked flow (a member
accepts the shipped template, pays, the order ships: exactly one subscribeMessage.send with the
right fields; the KOC who shared the link hears of the commission; finance's inbox shows the
withdrawal to review), WeChat down for an hour and quiet hours, no quota, WeChat's refusals,
the payment path's one added statement and the staff inbox's scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from distribution import ledger
from distribution.ledger import Deltas
from distribution.models import AccountOwner, CommissionEntry, LedgerKind
from domain import clock, events
from domain.db import transaction
from domain.notifications import orders as order_notices
from domain.notifications.models import StaffNotice, SubscriptionQuota
from domain.orders.models import Order
from domain.org.models import StaffRole
from domain.outbox.models import OutboxMessage, OutboxState
from domain.settings.service import load_settings
from tests.api.test_binding_rules import home_link, make_distributor, visit
from tests.api.test_metrics_business import moves_during
from tests.fakes.wechat import SUBSCRIBE_SEND, FakeWechat, PushSender, running_fake_wechat
from tests.support.api import ApiFactory, make_store
from tests.support.catalog import make_category, make_product
from tests.support.commission import SHIP, request_refund
from tests.support.notifications import (
    APP_ID,
    COMMISSION,
    SECRET,
    SHIPPED,
    UPDATE_SETTINGS,
    accept,
    deliveries,
    drain,
    due_messages,
    map_templates,
    notify_api,
)
from tests.support.orders import PAY, delivery, order_pk, pay, pickup, place_ok
from tests.support.racing import require_postgres, run_workers
from tests.support.sql import count_statements

R = StaffRole
PUSH_TOKEN = "push-token-of-the-mall"
PUSH_KEY = "a" * 43
# 10:00 in Shanghai: outside quiet hours.
MORNING = datetime.fromisoformat("2026-12-07T10:00:00+08:00")
TITLE = "一二三四五六七八九十一二三四五六七八九十一二三"  # 23 characters: a thing takes 20
BANK = {
    "method": "BANK",
    "payeeName": "张三丰",
    "bankName": "招商银行",
    "accountNumber": "6222021234567890123",
}
REQUEST_WITHDRAWAL = """
mutation($input: RequestWithdrawalInput!) {
  requestWithdrawal(input: $input) { withdrawal { id } errors { code field } }
}
"""
INBOX = """
query($unread: Boolean!) {
  staffInbox(unreadOnly: $unread) {
    edges { node { id kind title body subject readAt } }
    totalCount
  }
  staffInboxCounts { kind unread }
}
"""
MARK = """
mutation($ids: [ID!]) { markStaffNoticesRead(ids: $ids) { marked errors { code field } } }
"""


@pytest.fixture
async def wechat(db) -> AsyncIterator[FakeWechat]:
    async with running_fake_wechat(APP_ID, SECRET) as fake:
        fake.open_payments = True  # the sandbox's payments are WeChat's: shipping info uploads
        yield fake


@pytest.fixture
def api(wechat: FakeWechat):
    return notify_api(wechat)


async def _sku(title: str = TITLE, price: int = 19900):
    product = await make_product(await make_category(), (price,), title=title)
    return (await product.skus.all())[0]


def _unread(data: dict) -> dict[str, int]:
    return {c["kind"]: c["unread"] for c in data["staffInboxCounts"] if c["unread"]}


async def test_the_worked_flow_ships_one_message_tells_the_koc_and_finance(api, wechat):
    with clock.frozen_at(MORNING):
        # given HQ's mapping, a KOC whose link the buyer opened, both having accepted
        admin = await api.staff(R.HQ_ADMIN)
        operator = await api.staff(R.HQ_OPERATOR)
        finance = await api.staff(R.HQ_FINANCE)
        await map_templates(admin, wechat)
        koc_member = await api.member("o-koc")
        koc = await make_distributor(api, member_id=koc_member.member_id)
        buyer = await api.member("o-buyer")
        assert (await visit(buyer, await home_link(koc)))["errors"] == []
        accepted = await accept(wechat, buyer, "o-buyer", SHIPPED)
        assert accepted == {"quotas": [{"templateId": SHIPPED, "remaining": 1}], "errors": []}
        await accept(wechat, koc_member, "o-koc", COMMISSION)

        # when the buyer pays, the order ships and the drain runs
        order = await place_ok(buyer.client, delivery((await _sku(), 1)))
        await pay(api, buyer.client, order)
        shipped = await operator.client.data(SHIP, {"id": order["id"]})
        assert shipped["shipOrder"]["errors"] == []
        await drain(MORNING)

        # then exactly one shipped message to the buyer, and the commission one to the KOC
        number = (await Order.get(id=order_pk(order))).number
        earned = sum(
            await CommissionEntry.filter(order_id=order_pk(order)).values_list(
                "amount_fen", flat=True
            )
        )
        assert earned == 1990
        assert wechat.calls[SUBSCRIBE_SEND] == 2
        assert [m for m in wechat.messages if m["touser"] == "o-buyer"] == [
            {
                "touser": "o-buyer",
                "template_id": SHIPPED,
                "page": f"pages/order/detail?no={number}",
                "data": {
                    "thing1": {"value": TITLE[:19] + "…"},
                    "character_string2": {"value": number},
                    "thing3": {"value": "SF"},
                    "character_string4": {"value": "SF1"},
                    "date5": {"value": "2026年12月7日 10:00"},
                },
                "miniprogram_state": "formal",
                "lang": "zh_CN",
            }
        ]
        assert [m for m in wechat.messages if m["touser"] == "o-koc"] == [
            {
                "touser": "o-koc",
                "template_id": COMMISSION,
                "page": "pages/distribution/commission",
                "data": {
                    "character_string1": {"value": number},
                    "thing2": {"value": "微信用户"},
                    "amount3": {"value": "¥19.90"},
                    "date4": {"value": "2026年12月7日 10:00"},
                },
                "miniprogram_state": "formal",
                "lang": "zh_CN",
            }
        ]
        assert (
            await SubscriptionQuota.get(member_id=buyer.member_id, template_id=SHIPPED).values_list(
                "remaining", flat=True
            )
            == 0
        )
        log = await deliveries(admin, buyer)
        assert sorted((d["event"], d["state"], d["reason"] or "") for d in log) == [
            ("order_paid", "SKIPPED", "no template mapped for order_paid"),
            ("order_shipped", "SENT", ""),
        ]

        figures = await admin.client.data(
            '{ notificationFigures(since: "2026-12-07T00:00:00+08:00") '
            "{ event sent skipped failed waiting } }"
        )
        by_event = {f.pop("event"): f for f in figures["notificationFigures"]}
        assert by_event["ORDER_SHIPPED"] == {"sent": 1, "skipped": 0, "failed": 0, "waiting": 0}
        assert by_event["COMMISSION_NEW"] == {"sent": 1, "skipped": 0, "failed": 0, "waiting": 0}
        assert by_event["ORDER_PAID"] == {"sent": 0, "skipped": 1, "failed": 0, "waiting": 0}
        assert by_event["CUSTOMER_BOUND"]["skipped"] == 1
        koc_log = {
            d["event"]: (d["state"], d["reason"]) for d in await deliveries(admin, koc_member)
        }
        assert koc_log == {
            "commission_new": ("SENT", None),
            "customer_bound": ("SKIPPED", "no template mapped for customer_bound"),
        }

        # when the KOC asks to withdraw what they have available, and the drain runs again
        account = await ledger.account_for(AccountOwner.DISTRIBUTOR, koc.id)
        async with transaction():
            await ledger.move(account.id, LedgerKind.ADJUST, Deltas(available=5000), actor="t")
        requested = await koc_member.client.data(
            REQUEST_WITHDRAWAL, {"input": {"amountFen": 5000, **BANK}}
        )
        assert requested["requestWithdrawal"]["errors"] == []
        await drain(MORNING)
        again = await drain(MORNING + timedelta(minutes=1))

        # then finance's inbox shows it, unread; the buyer got nothing more
        inbox = await finance.client.data(INBOX, {"unread": True})
        withdrawal_id = requested["requestWithdrawal"]["withdrawal"]["id"]
        assert [
            (e["node"]["kind"], e["node"]["title"], e["node"]["readAt"])
            for e in inbox["staffInbox"]["edges"]
        ] == [("WITHDRAWAL_REVIEW", "提现待审核", None)]
        assert inbox["staffInbox"]["edges"][0]["node"]["subject"].startswith("Withdrawal:")
        assert withdrawal_id
        assert _unread(inbox) == {"WITHDRAWAL_REVIEW": 1}
        assert again == 0
        assert wechat.calls[SUBSCRIBE_SEND] == 2
        assert len(wechat.uploads) == 1  # the shipment reached WeChat's order management once


async def test_wechat_down_for_an_hour_the_message_waits_then_quiet_hours_hold_it(api, wechat):
    evening = datetime.fromisoformat("2026-12-07T21:00:00+08:00")
    with clock.frozen_at(evening):
        # given a member who accepted the shipped template, and WeChat down from 21:00
        admin = await api.staff(R.HQ_ADMIN)
        operator = await api.staff(R.HQ_OPERATOR)
        await map_templates(admin, wechat)
        buyer = await api.member("o-late")
        await accept(wechat, buyer, "o-late", SHIPPED)
        order = await place_ok(buyer.client, delivery((await _sku("茶叶"), 1)))
        await pay(api, buyer.client, order)
        wechat.down = True
        assert (await operator.client.data(SHIP, {"id": order["id"]}))["shipOrder"]["errors"] == []

    # when the drain runs every 5 minutes; WeChat is back at 22:00, inside quiet hours
    minute = 0
    while minute <= 90:
        moment = evening + timedelta(minutes=minute)
        wechat.down = moment < evening + timedelta(hours=1)
        await drain(moment)
        minute += 5
    tried_while_down = wechat.calls[SUBSCRIBE_SEND] + wechat.calls["/cgi-bin/stable_token"]
    held = await OutboxMessage.get(
        topic="notify.wechat", key__startswith=f"m{buyer.member_id}:order_shipped"
    )

    # then nothing reached the member that night; the message waits for 08:00
    assert wechat.messages == []
    assert tried_while_down >= 6
    assert held.state == OutboxState.PENDING
    assert held.due_at == datetime.fromisoformat("2026-12-08T08:00:00+08:00")
    assert held.reason == "quiet hours"

    # when the drain runs at 08:00, then the message goes out once, on the one authorization
    await drain(datetime.fromisoformat("2026-12-08T08:00:00+08:00"))
    await drain(datetime.fromisoformat("2026-12-08T08:05:00+08:00"))
    assert [m["touser"] for m in wechat.messages] == ["o-late"]
    assert (
        await SubscriptionQuota.get(member_id=buyer.member_id, template_id=SHIPPED).values_list(
            "remaining", flat=True
        )
        == 0
    )
    sent = await OutboxMessage.get(id=held.id)
    assert sent.state == OutboxState.SENT


async def test_a_member_without_quota_gets_nothing_and_the_log_says_why(api, wechat):
    with clock.frozen_at(MORNING):
        # given a member who never accepted the shipped template
        admin = await api.staff(R.HQ_ADMIN)
        operator = await api.staff(R.HQ_OPERATOR)
        await map_templates(admin, wechat)
        buyer = await api.member("o-silent")
        order = await place_ok(buyer.client, delivery((await _sku("茶叶"), 1)))
        await pay(api, buyer.client, order)

        # when the order ships and the drain runs
        await operator.client.data(SHIP, {"id": order["id"]})
        moved, _ = await moves_during(api, lambda: drain(MORNING))

        # then WeChat was not asked, the skip is counted per event, and support reads why
        assert wechat.calls[SUBSCRIBE_SEND] == 0
        counted = "siyu_notifications_total"
        assert moved(counted, event="order_shipped", outcome="skipped") == 1
        assert moved(counted, event="order_shipped", outcome="sent") == 0
        log = await deliveries(admin, buyer)
        assert sorted((d["event"], d["templateId"], d["state"], d["reason"]) for d in log) == [
            ("order_paid", "-", "SKIPPED", "no template mapped for order_paid"),
            (
                "order_shipped",
                SHIPPED,
                "SKIPPED",
                f"no quota: the member has not accepted template {SHIPPED}",
            ),
        ]
        assert await SubscriptionQuota.filter(member_id=buyer.member_id).count() == 0


async def _shipped_with_quota(api, wechat, openid: str):
    admin = await api.staff(R.HQ_ADMIN)
    operator = await api.staff(R.HQ_OPERATOR)
    await map_templates(admin, wechat)
    buyer = await api.member(openid)
    await accept(wechat, buyer, openid, SHIPPED)
    order = await place_ok(buyer.client, delivery((await _sku("茶叶"), 1)))
    await pay(api, buyer.client, order)
    await operator.client.data(SHIP, {"id": order["id"]})
    return buyer


async def _remaining(member_id: int) -> int:
    row = await SubscriptionQuota.get(member_id=member_id, template_id=SHIPPED)
    return row.remaining


async def test_a_field_wechat_refuses_gives_the_authorization_back(api, wechat):
    with clock.frozen_at(MORNING):
        buyer = await _shipped_with_quota(api, wechat, "o-47003")
        wechat.fail_next(47003, SUBSCRIBE_SEND)

        await drain(MORNING)

        message = await OutboxMessage.get(topic="notify.wechat", key__contains="order_shipped")
        assert (message.state, message.reason) == (
            OutboxState.DEAD,
            "47003: WeChat refused the message data",
        )
        assert await _remaining(buyer.member_id) == 1
        assert wechat.messages == []


async def test_a_member_who_refused_has_the_quota_emptied(api, wechat):
    with clock.frozen_at(MORNING):
        buyer = await _shipped_with_quota(api, wechat, "o-43101")
        await SubscriptionQuota.filter(member_id=buyer.member_id).update(remaining=2)
        wechat.fail_next(43101, SUBSCRIBE_SEND)

        await drain(MORNING)

        message = await OutboxMessage.get(topic="notify.wechat", key__contains="order_shipped")
        assert (message.state, message.reason) == (
            OutboxState.DEAD,
            "43101: the member refused this template",
        )
        assert await _remaining(buyer.member_id) == 0


async def test_a_timeout_retries_without_taking_a_second_authorization(api, wechat):
    with clock.frozen_at(MORNING):
        buyer = await _shipped_with_quota(api, wechat, "o-late-answer")
        await SubscriptionQuota.filter(member_id=buyer.member_id).update(remaining=2)
        wechat.fail_next_http(502, "<html>bad gateway</html>", SUBSCRIBE_SEND)

        await drain(MORNING)
        after_failure = await _remaining(buyer.member_id)
        await drain(MORNING + timedelta(minutes=5))

        assert after_failure == 1
        assert await _remaining(buyer.member_id) == 1
        assert [m["touser"] for m in wechat.messages] == ["o-late-answer"]


async def test_the_payment_path_gains_exactly_one_statement_the_outbox_insert(api, wechat):
    member = await api.member("o-count")
    sku = await _sku("茶叶", 12_900)

    async def notification_statements() -> list[str]:
        order = await place_ok(member.client, delivery((sku, 1)))
        started = (await member.client.data(PAY, {"id": order["id"]}))["payOrder"]
        with count_statements(cold_settings=False) as log:
            response = await api.http.post(f"/payments/sandbox/{started['outTradeNo']}/succeed")
        assert response.status_code == 204
        return log.statements

    await notification_statements()  # warms what a running server has warm
    events.unsubscribe(events.OrderPaid, order_notices.on_order_paid)
    try:
        before = await notification_statements()
    finally:
        events.subscribe(events.OrderPaid, order_notices.on_order_paid)
    after = await notification_statements()

    added = [s for s in after if "outbox_message" in s]
    assert (len(before), len(after)) == (11, 12)
    assert len(added) == 1 and added[0].lstrip().upper().startswith("INSERT"), added


async def test_a_store_manager_sees_their_stores_refund_requests_only(api, wechat):
    with clock.frozen_at(MORNING):
        # given two stores' managers, and a refund asked for on a pickup order at store A
        store_a, store_b = await make_store(), await make_store()
        manager_a = await api.staff(R.STORE_MANAGER, store_a)
        manager_b = await api.staff(R.STORE_MANAGER, store_b)
        member = await api.member("o-refund")
        order = await place_ok(member.client, pickup(store_a.id, (await _sku("茶叶"), 1)))
        await pay(api, member.client, order)
        await request_refund(member, order, 19900)

        # when the drain runs
        await drain(MORNING)

        # then A's manager has it unread, B's inbox is empty
        a_inbox = await manager_a.client.data(INBOX, {"unread": False})
        b_inbox = await manager_b.client.data(INBOX, {"unread": False})
        notice = a_inbox["staffInbox"]["edges"][0]["node"]
        assert a_inbox["staffInbox"]["totalCount"] == 1
        assert (notice["kind"], notice["title"]) == ("REFUND_REQUESTED", "退款待审核")
        assert _unread(a_inbox) == {"REFUND_REQUESTED": 1}
        assert b_inbox["staffInbox"]["totalCount"] == 0
        assert _unread(b_inbox) == {}

        # when B tries to mark A's notice read: nothing changes
        refused = await manager_b.client.data(MARK, {"ids": [notice["id"]]})
        assert refused["markStaffNoticesRead"] == {"marked": 0, "errors": []}
        assert await StaffNotice.filter(unread=1).count() == 1

        # when A marks it read: it leaves the unread list and the counts
        marked = await manager_a.client.data(MARK, {"ids": [notice["id"]]})
        assert marked["markStaffNoticesRead"] == {"marked": 1, "errors": []}
        a_after = await manager_a.client.data(INBOX, {"unread": True})
        assert a_after["staffInbox"]["totalCount"] == 0
        assert _unread(a_after) == {}


async def test_a_mapping_with_a_value_the_event_lacks_is_refused_and_nothing_changes(api):
    admin = await api.staff(R.HQ_ADMIN)
    bad = '{"id": "TPL", "page": "", "data": {"thing1": "pickup_code"}}'

    result = await admin.client.data(
        UPDATE_SETTINGS, {"changes": [{"key": "notify.template.order_shipped", "value": bad}]}
    )

    errors = result["updateSettings"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID_SETTING", "changes.0.value")]
    assert "data.thing1: one of order_no, product" in errors[0]["message"]
    assert (await load_settings(fresh=True))["notify.template.order_shipped"] == ""


async def test_a_switched_off_event_is_skipped_with_why(api, wechat):
    with clock.frozen_at(MORNING):
        buyer = await _shipped_with_quota(api, wechat, "o-off")
        admin = await api.staff(R.HQ_ADMIN)
        off = [{"key": "notify.wechat.order_shipped", "value": "false"}]
        assert (await admin.client.data(UPDATE_SETTINGS, {"changes": off}))["updateSettings"][
            "errors"
        ] == []

        await drain(MORNING)

        assert wechat.messages == []
        log = {d["event"]: d for d in await deliveries(admin, buyer)}
        assert log["order_shipped"]["state"] == "SKIPPED"
        assert log["order_shipped"]["reason"] == "order_shipped is switched off"
        assert await _remaining(buyer.member_id) == 1


async def test_two_processes_draining_at_once_send_each_message_once(
    api, wechat, backend, postgres_database_url
):
    require_postgres(backend)
    # given HQ's mapping and 300 due shipped messages, each member with one authorization
    with clock.frozen_at(MORNING):
        await map_templates(await api.staff(R.HQ_ADMIN), wechat)
    members = await due_messages(300, wechat, MORNING)
    job = {
        "database_url": postgres_database_url,
        "now": MORNING.isoformat(),
        "base_url": wechat.base_url,
        "app_id": APP_ID,
        "secret": SECRET,
    }

    # when two OS processes drain at the same moment
    handled = await run_workers("tests.support.notify_worker", [job, job])

    # then WeChat received each message once, and every row is SENT once
    assert sum(handled) == 300
    assert wechat.calls[SUBSCRIBE_SEND] == 300
    assert sorted(m["touser"] for m in wechat.messages) == sorted(f"o{m}" for m in members)
    assert await OutboxMessage.filter(topic="notify.wechat", state=OutboxState.SENT).count() == 300
    assert await SubscriptionQuota.filter(remaining=0).count() == 300


async def test_a_template_turned_off_in_wechat_empties_the_quota(db, wechat):
    # given a member with two authorizations of the shipped template and one of another
    push_api = ApiFactory(
        wechat_app_id=APP_ID, wechat_push_token=PUSH_TOKEN, wechat_push_aes_key=PUSH_KEY
    )
    member = await push_api.member("o-turned-off")
    for template_id in (SHIPPED, SHIPPED, COMMISSION):
        await accept(wechat, member, "o-turned-off", template_id)
    sender = PushSender(PUSH_TOKEN, PUSH_KEY, APP_ID)
    change = {
        "ToUserName": "gh_97417a04a28d",
        "FromUserName": "o-turned-off",
        "CreateTime": 1764900000,
        "MsgType": "event",
        "Event": "subscribe_msg_change_event",
        "List": {"TemplateId": SHIPPED, "SubscribeStatusString": "reject"},
    }

    # when WeChat pushes the change, twice (a retried push)
    first = await sender.send(push_api.http, "/wechat/push", change)
    second = await sender.send(push_api.http, "/wechat/push", change)

    # then the shipped quota is empty and the other untouched
    assert (first.status_code, second.status_code) == (200, 200)
    quotas = dict(
        await SubscriptionQuota.filter(member_id=member.member_id).values_list(
            "template_id", "remaining"
        )
    )
    assert quotas == {SHIPPED: 0, COMMISSION: 1}

"""Notification test helpers: the app wired to the fake WeChat (members log in with its open
`dev:` codes), HQ's template mapping through updateSettings, the member's report of
wx.requestSubscribeMessage, and the drain job."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from api.jobs import run_job
from domain.members.models import Member
from domain.notifications.catalogue import NotifyEvent
from domain.notifications.fanout import WECHAT, message_key
from domain.notifications.models import SubscriptionQuota
from domain.outbox import service as outbox
from tests.fakes.wechat import FakeWechat
from tests.support.api import ApiFactory, MemberSession

APP_ID = "wx-notify"
SECRET = "notify-secret"
SHIPPED = "TPL-SHIPPED"
COMMISSION = "TPL-COMMISSION"
SHIPPED_KEYS = {
    "thing1": "product",
    "character_string2": "order_no",
    "thing3": "carrier",
    "character_string4": "tracking_no",
    "date5": "shipped_at",
}
COMMISSION_KEYS = {
    "character_string1": "order_no",
    "thing2": "buyer",
    "amount3": "amount",
    "date4": "paid_at",
}
SHIPPED_PAGE = "pages/order/detail"
COMMISSION_PAGE = "pages/distribution/commission"

UPDATE_SETTINGS = """
mutation($changes: [SettingChangeInput!]!) {
  updateSettings(changes: $changes) { settings { key } errors { code field message } }
}
"""
RECORD = """
mutation($results: [SubscribeResultInput!]!) {
  recordSubscribeResults(results: $results) {
    quotas { templateId remaining } errors { code field }
  }
}
"""
DELIVERIES = """
query($id: ID!) {
  memberNotifications(memberId: $id) {
    edges { node { event templateId subject state attempts reason } }
  }
}
"""


def notify_api(fake: FakeWechat) -> ApiFactory:
    fake.open_codes = True
    return ApiFactory(
        login_provider="WECHAT",
        wechat_app_id=APP_ID,
        wechat_app_secret=SECRET,
        wechat_api_base_url=fake.base_url,
    )


def mapping(template_id: str, page: str, keys: dict[str, str]) -> str:
    return json.dumps({"id": template_id, "page": page, "data": keys})


async def map_templates(admin, fake: FakeWechat) -> None:
    """HQ maps shipped and new-commission messages; the fake knows both templates."""
    fake.add_template(SHIPPED, set(SHIPPED_KEYS))
    fake.add_template(COMMISSION, set(COMMISSION_KEYS))
    fake.published_pages |= {SHIPPED_PAGE, COMMISSION_PAGE}
    changes = [
        {
            "key": "notify.template.order_shipped",
            "value": mapping(SHIPPED, SHIPPED_PAGE + "?no={order_no}", SHIPPED_KEYS),
        },
        {
            "key": "notify.template.commission_new",
            "value": mapping(COMMISSION, COMMISSION_PAGE, COMMISSION_KEYS),
        },
    ]
    result = (await admin.client.data(UPDATE_SETTINGS, {"changes": changes}))["updateSettings"]
    assert result["errors"] == [], result


async def accept(fake: FakeWechat, member: MemberSession, openid: str, template_id: str) -> Any:
    """The member taps accept in wx.requestSubscribeMessage, and the mini-program reports it."""
    fake.accept(openid, template_id)
    results = [{"templateId": template_id, "choice": "ACCEPT"}]
    return (await member.client.data(RECORD, {"results": results}))["recordSubscribeResults"]


async def drain(moment: datetime) -> int:
    return await run_job("drain-outbox", moment)


async def deliveries(admin, member: MemberSession) -> list[dict[str, Any]]:
    data = await admin.client.data(DELIVERIES, {"id": member.global_id})
    return [edge["node"] for edge in data["memberNotifications"]["edges"]]


async def due_messages(count: int, fake: FakeWechat, moment: datetime) -> list[int]:
    """`count` members with an openid and one authorization each (here and at the fake), and
    one due shipped message each, as the fan-out writes them."""
    members = [await Member.create(created_at=moment, updated_at=moment) for _ in range(count)]
    await SubscriptionQuota.bulk_create(
        [
            SubscriptionQuota(member_id=m.id, template_id=SHIPPED, remaining=1, updated_at=moment)
            for m in members
        ]
    )
    values = {
        "product": "茶叶",
        "order_no": "D1",
        "carrier": "SF",
        "tracking_no": "SF1",
        "shipped_at": "2026年12月7日 10:00",
    }
    messages = []
    for member in members:
        fake.accept(f"o{member.id}", SHIPPED)
        payload = {
            "member_id": member.id,
            "openid": f"o{member.id}",
            "event": NotifyEvent.ORDER_SHIPPED.value,
            "subject": f"o{member.id}",
            "values": values,
        }
        key = message_key(member.id, NotifyEvent.ORDER_SHIPPED, SHIPPED, f"o{member.id}")
        messages.append((key, payload))
    await outbox.enqueue_many(WECHAT, messages, moment)
    return [m.id for m in members]

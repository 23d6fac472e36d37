"""Notification test helpers: the app wired to the fake WeChat (members log in with its open
`dev:` codes), HQ's template mapping through updateSettings, the member's report of
wx.requestSubscribeMessage, and the drain job."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from api.jobs import run_job
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

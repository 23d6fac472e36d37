"""What WeChat pushes about subscription messages (消息推送, JSON: `List` is one object, or an
array when several templates changed at once), handled inside push.py's de-duplicating
transaction:

- `subscribe_msg_change_event` with `reject`: the member turned the template off in WeChat's
  settings → their quota of it is emptied (nothing more is tried until they accept again);
- `subscribe_msg_sent_event` with `ErrorCode` 20004 (the member refuses messages): the same;
- `subscribe_msg_popup_event`: recorded, not counted. The mini-program reports the same choice
  through `recordSubscribeResults`, which keeps the quota; counting both would allow two
  messages per authorization, and WeChat would refuse the second (43101).
"""

from __future__ import annotations

from typing import Any

from api.wechat import push
from domain import clock
from domain.members.models import MemberIdentity
from domain.notifications import quota

REFUSED_BY_MEMBER = 20004


def _entries(message: push.PushMessage) -> list[dict[str, Any]]:
    listed = message.get("List")
    if isinstance(listed, dict):
        return [listed]
    return (
        [entry for entry in listed if isinstance(entry, dict)] if isinstance(listed, list) else []
    )


async def _members_of(openid: object) -> list[int]:
    if not isinstance(openid, str) or not openid:
        return []
    ids = await MemberIdentity.filter(provider="WECHAT", openid=openid).values_list(
        "member_id", flat=True
    )
    return [int(member_id) for member_id in ids]


async def _empty(message: push.PushMessage, refused: list[str]) -> None:
    now = clock.now()
    for member_id in await _members_of(message.get("FromUserName")):
        for template_id in refused:
            await quota.empty(member_id, template_id[:64], now)


@push.on("subscribe_msg_change_event")
async def subscription_changed(message: push.PushMessage) -> None:
    refused = [
        str(entry.get("TemplateId", ""))
        for entry in _entries(message)
        if entry.get("SubscribeStatusString") == "reject"
    ]
    await _empty(message, refused)


@push.on("subscribe_msg_sent_event")
async def subscription_sent(message: push.PushMessage) -> None:
    refused = [
        str(entry.get("TemplateId", ""))
        for entry in _entries(message)
        if str(entry.get("ErrorCode", "0")) == str(REFUSED_BY_MEMBER)
    ]
    await _empty(message, refused)


@push.on("subscribe_msg_popup_event")
async def subscription_popup(message: push.PushMessage) -> None:
    """Counted from the mini-program's report instead (module docstring)."""

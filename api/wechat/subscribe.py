"""The `notify.wechat` sender: one mini-program subscription message (`subscribeMessage.send`,
POST /cgi-bin/message/subscribe/send) per outbox row, following SPEC 19's rules in order:

1. the event switched off, or no template mapped → skipped, with why;
2. quiet hours (Asia/Shanghai) → deferred to their end (not counted as a try);
3. no WeChat openid (read by the fan-out into the row) → skipped;
4. first try only: take one authorization of the member's quota (domain/notifications/quota.py
   says when a quota is spent and given back); none → skipped "no quota";
5. the values fitted to WeChat's limits and sent.
WeChat's answer: 43101 (the member refused) empties the quota and fails the message; 47003,
40003, 40037 and 41030 (our data) give the authorization back and fail it (HQ fixes the mapping
and retries the dead letter); a timeout (outcome unknown), a 5xx, a busy or rate-limited WeChat
→ retried with backoff, the authorization kept for this message.
Every outcome is counted per event in `siyu_notifications_total`.
"""

from __future__ import annotations

import json

from api import metrics
from api.wechat.client import WechatClient
from api.wechat.errors import WechatError, WechatUnavailable
from domain import clock
from domain.notifications import quota
from domain.notifications.catalogue import NotifyEvent, switch_key, template_key
from domain.notifications.quiet import quiet_until
from domain.notifications.templates import TemplateMapping
from domain.outbox.dispatch import Defer, Fail, Outcome, Retry, Sent, Skip
from domain.outbox.service import Leased
from domain.settings.service import load_settings

SEND = "/cgi-bin/message/subscribe/send"
REFUSED_BY_MEMBER = 43101
# WeChat refused what we sent (bad data, openid, template id, page): nothing was delivered.
OUR_MISTAKE = frozenset({47003, 40003, 40037, 41030})
# Which version of the mini-program a message opens: the one the 小程序码 open.
_STATES = {"RELEASE": "formal", "TRIAL": "trial", "DEVELOP": "developer"}


class SubscriptionSender:
    """Registered for `notify.wechat` by the composition root, with the app's client."""

    def __init__(self, wechat: WechatClient):
        self.wechat = wechat

    async def __call__(self, message: Leased) -> Outcome:
        event = NotifyEvent(message.payload["event"])
        outcome = await self._send(event, message)
        metrics.NOTIFICATIONS.labels(event.value, _outcome_name(outcome)).inc()
        return outcome

    async def _send(self, event: NotifyEvent, message: Leased) -> Outcome:
        settings = await load_settings()
        if not settings[switch_key(event)]:
            return Skip(f"{event.value} is switched off")
        mapping_text = settings[template_key(event)]
        if not mapping_text:
            return Skip(f"no template mapped for {event.value}")
        spec = json.loads(mapping_text)
        mapping = TemplateMapping(spec["id"], spec["page"], spec["data"])
        now = clock.now()
        until = quiet_until(
            now, settings["notify.quiet_from_hour"], settings["notify.quiet_until_hour"]
        )
        if until is not None:
            return Defer(until, "quiet hours")
        member_id = int(message.payload["member_id"])
        openid = message.payload.get("openid")
        if not openid:
            return Skip("the member has no WeChat openid")
        first_try = message.attempts <= 1
        if first_try and not await quota.consume(member_id, mapping.template_id, now):
            return Skip(f"no quota: the member has not accepted template {mapping.template_id}")
        page, data = mapping.render(message.payload["values"])
        body = {
            "touser": openid,
            "template_id": mapping.template_id,
            "data": data,
            "miniprogram_state": _STATES[settings["wechat.env_version"]],
            "lang": "zh_CN",
        }
        if page:
            body["page"] = page
        try:
            await self.wechat.call_json("POST", SEND, body=body)
        except WechatUnavailable as error:  # a timeout included: the outcome is unknown
            return Retry(f"{type(error).__name__}: {error.detail}")
        except WechatError as error:
            return await _refused(error, member_id, mapping.template_id)
        return Sent()


async def _refused(error: WechatError, member_id: int, template_id: str) -> Outcome:
    now = clock.now()
    if error.errcode == REFUSED_BY_MEMBER:
        await quota.empty(member_id, template_id, now)
        return Fail("43101: the member refused this template")
    if error.errcode in OUR_MISTAKE:
        await quota.give_back(member_id, template_id, now)
        return Fail(f"{error.errcode}: WeChat refused the message data")
    return Retry(f"{type(error).__name__}: {error.detail}")


def _outcome_name(outcome: Outcome) -> str:
    match outcome:
        case Sent():
            return "sent"
        case Skip():
            return "skipped"
        case Defer():
            return "deferred"
        case Fail():
            return "failed"
    return "retried"

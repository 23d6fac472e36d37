"""Subscription messages from the mini-program's side: which templates to ask the member for
(`notificationTemplates`, the ids HQ mapped), and what `wx.requestSubscribeMessage` answered
(`recordSubscribeResults`), kept as a quota per member × template (SPEC 19)."""

from __future__ import annotations

import json
import re
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import require_member
from api.graphql.enums import expose_enum
from api.graphql.errors import UserError
from domain import clock
from domain.errors import DomainError, ErrorCode
from domain.notifications import quota
from domain.notifications.catalogue import (
    EVENTS,
    Channel,
    NotifyEvent,
    switch_key,
    template_key,
)
from domain.notifications.quota import SubscribeChoice
from domain.settings.service import load_settings
from domain.validation import clean_text

# WeChat asks for at most three templates at once (wx.requestSubscribeMessage).
MAX_RESULTS = 3
_TEMPLATE_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")

expose_enum(
    SubscribeChoice,
    "SubscribeChoice",
    "What the member chose for one template in wx.requestSubscribeMessage.",
    {
        SubscribeChoice.ACCEPT: "accept: one message of this template may be sent.",
        SubscribeChoice.REJECT: "reject: nothing this time.",
        SubscribeChoice.BAN: "ban: the member turned the template off; the quota empties.",
    },
)


@strawberry.type(description="A subscription event and the template the mini-program asks for.")
class NotificationTemplate:
    event: NotifyEvent
    template_id: str = strawberry.field(description="Pass it to wx.requestSubscribeMessage.")


async def notification_templates(info: Info) -> list[NotificationTemplate]:
    """The subscription events HQ mapped to a template and switched on."""
    settings = await load_settings()
    found = []
    for event, spec in EVENTS.items():
        mapping = settings[template_key(event)] if spec.channel == Channel.WECHAT else ""
        if mapping and settings[switch_key(event)]:
            found.append(NotificationTemplate(event=event, template_id=json.loads(mapping)["id"]))
    return found


@strawberry.input(description="One template's outcome of wx.requestSubscribeMessage.")
class SubscribeResultInput:
    template_id: str = strawberry.field(description="The template id asked for.")
    choice: SubscribeChoice = strawberry.field(description="accept, reject or ban.")


@strawberry.type(description="How many messages of a template the member allows now.")
class SubscriptionQuotaNode:
    template_id: str = strawberry.field(description="The template id.")
    remaining: int = strawberry.field(description="Messages that may still be sent.")


@strawberry.type
class RecordSubscribeResultsPayload:
    quotas: list[SubscriptionQuotaNode] = strawberry.field(
        default_factory=list, description="The member's quota of each template reported."
    )
    errors: list[UserError]


async def record_subscribe_results(
    info: Info,
    results: Annotated[
        list[SubscribeResultInput],
        strawberry.argument(description="Each template's result (at most 3, as WeChat asks)."),
    ],
) -> RecordSubscribeResultsPayload:
    """Errors: OUT_OF_RANGE (more than 3 results), INVALID (a template id)."""
    member_id = await require_member(info)
    if not 1 <= len(results) <= MAX_RESULTS:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "results", f"1 to {MAX_RESULTS} results")
    choices = []
    for index, result in enumerate(results):
        field = f"results.{index}.templateId"
        template_id = clean_text(result.template_id, field, 64)
        if not _TEMPLATE_ID.fullmatch(template_id):
            raise DomainError(ErrorCode.INVALID, field, "not a WeChat template id")
        choices.append((template_id, result.choice))
    rows = await quota.record_choices(member_id, choices, clock.now())
    return RecordSubscribeResultsPayload(
        quotas=[
            SubscriptionQuotaNode(template_id=r.template_id, remaining=r.remaining) for r in rows
        ],
        errors=[],
    )

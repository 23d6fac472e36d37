"""A member's quota of subscription messages per template (SPEC 19).

WeChat lets a mini-program send one message per accepted one-time authorization
(`wx.requestSubscribeMessage`), so the service counts them: each "accept" the mini-program
reports adds one, "reject" and "ban" add none (a ban — the member turned the template off —
empties the quota).

When a quota is consumed: at send, by the message's first try (a guarded decrement, so two
senders never spend one authorization twice), before asking WeChat. A definite refusal gives it
back: 47003 (our data), 40003 (openid), 41030 (page) — WeChat delivered nothing and the
authorization is unused. 43101 (the member refused or withdrew) empties the quota. A timeout or
a 5xx keeps it spent for that message: WeChat may have delivered, and the retries of that
message do not take another one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from tortoise.expressions import F

from domain import sql
from domain.db import transaction
from domain.notifications.models import SubscriptionQuota


class SubscribeChoice(StrEnum):
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"
    BAN = "BAN"


async def record_choices(
    member_id: int, choices: Sequence[tuple[str, SubscribeChoice]], now: datetime
) -> list[SubscriptionQuota]:
    """What `wx.requestSubscribeMessage` answered, template by template."""
    async with transaction():
        for template_id, choice in choices:
            row, _ = await SubscriptionQuota.get_or_create(
                member_id=member_id, template_id=template_id, defaults={"updated_at": now}
            )
            rows = SubscriptionQuota.filter(id=row.id)
            if choice == SubscribeChoice.ACCEPT:
                await rows.update(
                    remaining=F("remaining") + 1, accepted=F("accepted") + 1, updated_at=now
                )
            elif choice == SubscribeChoice.REJECT:
                await rows.update(rejected=F("rejected") + 1, updated_at=now)
            else:
                await rows.update(remaining=0, rejected=F("rejected") + 1, updated_at=now)
        return list(
            await SubscriptionQuota.filter(
                member_id=member_id, template_id__in=[t for t, _ in choices]
            ).order_by("template_id")
        )


# Every subscription message takes one: the dispatcher's hot path (bench/notifications.py).
_CONSUME = sql.Sql(
    "notifications.consume_quota",
    """
    UPDATE subscription_quota SET remaining = remaining - 1, updated_at = :now
     WHERE member_id = :member_id AND template_id = :template_id AND remaining > 0
    """,
)


async def consume(member_id: int, template_id: str, now: datetime) -> bool:
    """Take one authorization; False when there is none left."""
    taken = await sql.execute(_CONSUME, member_id=member_id, template_id=template_id, now=now)
    return bool(taken)


async def give_back(member_id: int, template_id: str, now: datetime) -> None:
    """WeChat refused the message for good without using the authorization."""
    await SubscriptionQuota.filter(member_id=member_id, template_id=template_id).update(
        remaining=F("remaining") + 1, updated_at=now
    )


async def empty(member_id: int, template_id: str, now: datetime) -> None:
    """The member refused the template (43101, or turned it off in WeChat's settings)."""
    await SubscriptionQuota.filter(member_id=member_id, template_id=template_id).update(
        remaining=0, updated_at=now
    )

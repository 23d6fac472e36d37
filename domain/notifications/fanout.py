"""Facts announced in a business transaction, fanned out to their recipients after commit.

`announce` writes one `notify.event` outbox row in the caller's transaction: the only cost a
business operation pays (the payment path's statement count is pinned by a test). Once it is
committed, the drain hands the row to `fan_out`, which asks every resolver registered for the
fact whom to tell (the core resolves orders and refunds; distribution and loyalty register
theirs at start-up) and writes, in one transaction:
- a `notify.wechat` row per subscription message, keyed by recipient, event, template and
  subject, so a fact fanned out twice (a lost lease) sends nothing twice;
- a staff notice per staff member concerned (unique per staff, kind and subject).
Topics drain in name order, so the messages a fact fans out go out in the same drain run.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain import clock
from domain.db import transaction
from domain.members.models import MemberIdentity
from domain.notifications.catalogue import EVENTS, NotifyEvent, switch_key, template_key
from domain.notifications.models import StaffNotice
from domain.org.models import Staff, StaffRole, StaffStatus
from domain.outbox import service as outbox
from domain.outbox.dispatch import Outcome, Sent, Skip
from domain.outbox.service import Leased
from domain.settings.service import load_settings

FACTS = "notify.event"
WECHAT = "notify.wechat"


@dataclass(frozen=True)
class ToMember:
    """A subscription message to a member (a distributor is told as the member they are)."""

    event: NotifyEvent
    member_id: int
    values: dict[str, str]


@dataclass(frozen=True)
class ToStaff:
    """A notice for the active staff of `roles`; with `confined`, only those of `store_id`."""

    event: NotifyEvent
    roles: tuple[StaffRole, ...]
    title: str
    body: str
    store_id: int | None = None
    confined: bool = False
    subject: str = field(default="")


Delivery = ToMember | ToStaff
Resolver = Callable[[dict[str, Any]], Awaitable[list[Delivery]]]

_resolvers: dict[str, list[Resolver]] = defaultdict(list)


def resolve(fact: str, resolver: Resolver) -> None:
    """Register who hears of `fact` (the composition root calls this once per process)."""
    if resolver not in _resolvers[fact]:
        _resolvers[fact].append(resolver)


async def announce(fact: str, subject: str, data: dict[str, Any]) -> None:
    """One outbox row in the caller's transaction; the same fact and subject again is a no-op."""
    now = clock.now()
    await outbox.enqueue(FACTS, f"{fact}:{subject}", fact_payload(fact, subject, data), now)


def fact_payload(fact: str, subject: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"fact": fact, "subject": subject, **data}


def message_key(member_id: int, event: NotifyEvent, template_id: str, subject: str) -> str:
    """The subscription message's idempotency key: recipient first, so a member's delivery
    log is a prefix search (`m12:`)."""
    return f"m{member_id}:{event.value}:{template_id or '-'}:{subject}"[:160]


def member_log_prefix(member_id: int) -> str:
    return f"m{member_id}:"


async def fan_out(message: Leased) -> Outcome:
    """The `notify.event` sender: whom to tell, written as messages and notices."""
    fact, subject = message.payload["fact"], message.payload["subject"]
    deliveries: list[Delivery] = []
    for resolver in _resolvers.get(fact, ()):
        deliveries.extend(await resolver(message.payload))
    if not deliveries:
        return Skip(f"nobody to tell of {fact}")
    settings = await load_settings()
    now = clock.now()
    openids = await _openids([d.member_id for d in deliveries if isinstance(d, ToMember)])
    messages: list[tuple[str, dict[str, Any]]] = []
    notices: list[StaffNotice] = []
    for delivery in deliveries:
        if isinstance(delivery, ToMember):
            mapping = settings[template_key(delivery.event)]
            template_id = json.loads(mapping)["id"] if mapping else ""
            key = message_key(delivery.member_id, delivery.event, template_id, subject)
            payload = _message_payload(delivery, subject, openids.get(delivery.member_id))
            messages.append((key, payload))
        elif settings[switch_key(delivery.event)]:
            notices.extend(await _notices(delivery, f"{fact}:{subject}", now))
    async with transaction():
        await outbox.enqueue_many(WECHAT, messages, now)
        if notices:
            await StaffNotice.bulk_create(notices, ignore_conflicts=True)
    return Sent()


async def _openids(member_ids: list[int]) -> dict[int, str]:
    """Each member's mini-program openid (their first WeChat login), read once per fact so
    the sender asks the database nothing but the quota."""
    if not member_ids:
        return {}
    rows = (
        await MemberIdentity.filter(member_id__in=member_ids, provider="WECHAT")
        .order_by("-id")
        .values_list("member_id", "openid")
    )
    return {int(member_id): str(openid) for member_id, openid in rows}


def _message_payload(delivery: ToMember, subject: str, openid: str | None) -> dict[str, Any]:
    return {
        "member_id": delivery.member_id,
        "openid": openid,
        "event": delivery.event.value,
        "subject": subject,
        "values": delivery.values,
    }


async def _notices(delivery: ToStaff, key: str, now: datetime) -> list[StaffNotice]:
    staff = Staff.filter(role__in=list(delivery.roles), status=StaffStatus.ACTIVE)
    if delivery.confined:
        staff = staff.filter(store_id=delivery.store_id)
    kind = EVENTS[delivery.event].kind
    assert kind is not None
    return [
        StaffNotice(
            staff_id=staff_id,
            kind=kind,
            key=key[:120],
            store_id=delivery.store_id,
            title=delivery.title[:64],
            body=delivery.body[:200],
            subject=delivery.subject[:64],
            created_at=now,
        )
        for staff_id in await staff.values_list("id", flat=True)
    ]

"""Notifications in the admin API (SPEC 19): the staff inbox (each staff member's own notices,
unread first, marked read, unread counts per kind) and a member's delivery log for support
(what was sent, skipped or failed and why, without the message's content or the openid)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info
from tortoise.functions import Count

from api.admin.outbox import outbox_node
from api.auth.permissions import granted
from api.graphql.enums import expose_enum
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, to_global_id
from api.graphql.relay import After, Connection, First, Ordering, SortField, paginate
from domain import clock
from domain.errors import DomainError, ErrorCode
from domain.notifications import inbox
from domain.notifications.catalogue import EVENTS, Channel, NotifyEvent
from domain.notifications.fanout import WECHAT, member_log_prefix
from domain.notifications.models import NoticeKind, StaffNotice
from domain.outbox.models import OutboxMessage, OutboxState

UNREAD_FIRST = Ordering((SortField("unread", descending=True), SortField("id", descending=True)))
NEWEST_FIRST = Ordering((SortField("id", descending=True),))
MAX_MARKED = 100

expose_enum(
    NoticeKind,
    "NoticeKind",
    "What a staff inbox notice is about.",
    {
        NoticeKind.REFUND_REQUESTED: "A member asked for a refund (the store's managers).",
        NoticeKind.WITHDRAWAL_REVIEW: "A withdrawal waits for review (finance).",
        NoticeKind.DISTRIBUTOR_APPLICATION: "A distributor application waits (operators).",
        NoticeKind.JOB_FAILED: "A scheduled job failed (administrators).",
        NoticeKind.DEAD_LETTER: "Messages to WeChat gave up (administrators).",
    },
)


@strawberry.type(name="StaffNotice", description="A notice in the staff member's own inbox.")
class StaffNoticeNode:
    id: strawberry.ID
    kind: NoticeKind
    title: str = strawberry.field(description="A few words.")
    body: str = strawberry.field(description="What happened (no personal data).")
    subject: str = strawberry.field(description="What it is about, e.g. Withdrawal:12.")
    store_id: strawberry.ID | None = strawberry.field(description="The store it concerns.")
    created_at: datetime
    read_at: datetime | None = strawberry.field(description="When it was marked read.")


def notice_node(notice: StaffNotice) -> StaffNoticeNode:
    return StaffNoticeNode(
        id=strawberry.ID(to_global_id("StaffNotice", notice.id)),
        kind=notice.kind,
        title=notice.title,
        body=notice.body,
        subject=notice.subject,
        store_id=(
            strawberry.ID(to_global_id("Store", notice.store_id)) if notice.store_id else None
        ),
        created_at=notice.created_at,
        read_at=notice.read_at,
    )


def _own_inbox(grant_staff_id: int, store_id: int | None, unread_only: bool = False):
    notices = inbox.inbox_of(grant_staff_id, unread_only)
    return notices if store_id is None else notices.filter(store_id=store_id)


async def staff_inbox(
    info: Info,
    first: First = 20,
    after: After = None,
    unread_only: Annotated[
        bool, strawberry.argument(description="Only notices not marked read.")
    ] = False,
) -> Connection[StaffNoticeNode]:
    """The caller's notices (消息中心), unread first, newest first within each."""
    grant = await granted(info)
    notices = _own_inbox(grant.staff.id, grant.store_id, unread_only)
    return await paginate(notices, UNREAD_FIRST, first, after, notice_node)


@strawberry.type(description="Unread notices of one kind.")
class NoticeCount:
    kind: NoticeKind
    unread: int = strawberry.field(description="How many are not marked read.")


async def staff_inbox_counts(info: Info) -> list[NoticeCount]:
    """Unread notices per kind (every kind listed, zero included)."""
    grant = await granted(info)
    counts = await inbox.unread_counts(grant.staff.id)
    return [NoticeCount(kind=kind, unread=n) for kind, n in counts.items()]


@strawberry.type
class MarkStaffNoticesReadPayload:
    marked: int = strawberry.field(default=0, description="Notices newly marked read.")
    errors: list[UserError]


async def mark_staff_notices_read(
    info: Info,
    ids: Annotated[
        list[strawberry.ID] | None,
        strawberry.argument(description="StaffNotice global IDs (at most 100); none: all."),
    ] = None,
) -> MarkStaffNoticesReadPayload:
    """Errors: OUT_OF_RANGE (more than 100 ids), NOT_FOUND (an id not of a StaffNotice).
    Another's notice is left alone, as if it did not exist."""
    grant = await granted(info)
    now = clock.now()
    if ids is None:
        return MarkStaffNoticesReadPayload(
            marked=await inbox.mark_all_read(grant.staff.id, now), errors=[]
        )
    if len(ids) > MAX_MARKED:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "ids", f"at most {MAX_MARKED} ids")
    notice_ids = [from_global_id(i, "StaffNotice", f"ids.{n}") for n, i in enumerate(ids)]
    marked = await inbox.mark_read(grant.staff.id, notice_ids, now)
    return MarkStaffNoticesReadPayload(marked=marked, errors=[])


@strawberry.type(description="One subscription message to a member, as support sees it.")
class NotificationDelivery:
    event: str = strawberry.field(description="The event, e.g. order_shipped.")
    template_id: str = strawberry.field(description="The template it was sent as ('-': none).")
    subject: str = strawberry.field(description="What it was about, e.g. o12 (order 12).")
    message: strawberry.ID = strawberry.field(description="The OutboxMessage, to retry it.")
    state: OutboxState
    attempts: int = strawberry.field(description="Tries so far.")
    reason: str | None = strawberry.field(description="Why it was not sent (no quota, ...).")
    created_at: datetime
    finished_at: datetime | None = strawberry.field(description="Sent, skipped or dead at.")


def delivery_node(message: OutboxMessage) -> NotificationDelivery:
    _, event, template_id, subject = [*message.key.split(":", 3), "", "", ""][:4]
    node = outbox_node(message)
    return NotificationDelivery(
        event=event,
        template_id=template_id,
        subject=subject,
        message=node.id,
        state=message.state,
        attempts=message.attempts,
        reason=message.reason,
        created_at=message.created_at,
        finished_at=message.finished_at,
    )


async def member_notifications(
    info: Info,
    member_id: Annotated[strawberry.ID, strawberry.argument(description="A Member global ID.")],
    first: First = 20,
    after: After = None,
) -> Connection[NotificationDelivery]:
    """A member's subscription messages (消息发送记录), newest first: content and openid
    are not shown."""
    await granted(info)
    member = from_global_id(member_id, "Member", "memberId")
    messages = OutboxMessage.filter(topic=WECHAT, key__startswith=member_log_prefix(member))
    return await paginate(messages, NEWEST_FIRST, first, after, delivery_node)


@strawberry.type(description="One subscription event's messages since a moment, by outcome.")
class NotificationFigure:
    event: NotifyEvent
    sent: int = strawberry.field(description="Delivered to WeChat.")
    skipped: int = strawberry.field(description="Not sent on purpose: no quota, switched off...")
    failed: int = strawberry.field(description="Refused for good or out of tries (dead).")
    waiting: int = strawberry.field(description="Not tried yet, retrying or deferred.")


async def notification_figures(
    info: Info,
    since: Annotated[
        datetime, strawberry.argument(description="Messages written from this moment on.")
    ],
) -> list[NotificationFigure]:
    """Per subscription event: sent, skipped, failed, waiting (one count per event)."""
    await granted(info)
    figures = []
    for event, spec in EVENTS.items():
        if spec.channel != Channel.WECHAT:
            continue
        rows = (
            await OutboxMessage.filter(
                topic=WECHAT, created_at__gte=since, key__contains=f":{event.value}:"
            )
            .annotate(n=Count("id"))
            .group_by("state")
            .values_list("state", "n")
        )
        counts = {OutboxState(state): int(n) for state, n in rows}
        figures.append(
            NotificationFigure(
                event=event,
                sent=counts.get(OutboxState.SENT, 0),
                skipped=counts.get(OutboxState.SKIPPED, 0),
                failed=counts.get(OutboxState.DEAD, 0),
                waiting=counts.get(OutboxState.PENDING, 0),
            )
        )
    return figures

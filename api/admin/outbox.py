"""The outbox as HQ sees it: messages to WeChat that are waiting, were skipped or gave up
(dead letters), and a retry for the dead ones. Payloads are not shown (they carry openids and
order details); the topic, key, tries and the reason are what support needs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.enums import expose_enum
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, to_global_id
from api.graphql.relay import After, Connection, First, Ordering, SortField, paginate
from domain import clock
from domain.outbox import service
from domain.outbox.models import OutboxMessage, OutboxState

NEWEST_FIRST = Ordering((SortField("id", descending=True),))

expose_enum(
    OutboxState,
    "OutboxState",
    "Where a message to an outside system (WeChat) stands.",
    {
        OutboxState.PENDING: "Waiting for its next try (or being sent right now).",
        OutboxState.SENT: "Delivered.",
        OutboxState.SKIPPED: "Nothing was sent, on purpose (`reason` says why).",
        OutboxState.DEAD: "Refused for good or out of tries: retry it once the cause is fixed.",
    },
)


@strawberry.type(name="OutboxMessage", description="A message to an outside system.")
class OutboxMessageNode:
    id: strawberry.ID
    topic: str = strawberry.field(description="What it is, e.g. wechat.shipping.")
    key: str = strawberry.field(description="Its idempotency key, e.g. the order number.")
    state: OutboxState
    attempts: int = strawberry.field(description="Tries so far.")
    due_at: datetime = strawberry.field(description="When it is (or was) next tried.")
    reason: str | None = strawberry.field(
        description="Why the last try did not deliver it; null once sent."
    )
    created_at: datetime
    finished_at: datetime | None = strawberry.field(
        description="When it was sent, skipped or gave up."
    )


def outbox_node(message: OutboxMessage) -> OutboxMessageNode:
    return OutboxMessageNode(
        id=strawberry.ID(to_global_id("OutboxMessage", message.id)),
        topic=message.topic,
        key=message.key,
        state=message.state,
        attempts=message.attempts,
        due_at=message.due_at,
        reason=message.reason,
        created_at=message.created_at,
        finished_at=message.finished_at,
    )


async def outbox_messages(
    info: Info,
    first: First = 20,
    after: After = None,
    state: Annotated[
        OutboxState, strawberry.argument(description="Which messages; dead letters by default.")
    ] = OutboxState.DEAD,
    topic: Annotated[
        str | None, strawberry.argument(description="Only this topic, e.g. wechat.shipping.")
    ] = None,
) -> Connection[OutboxMessageNode]:
    """Messages to WeChat in one state, newest first (出站消息; dead letters by default)."""
    messages = OutboxMessage.filter(state=state)
    if topic is not None:
        messages = messages.filter(topic=topic)
    return await paginate(messages, NEWEST_FIRST, first, after, outbox_node)


@strawberry.type
class RetryOutboxMessagePayload:
    message: OutboxMessageNode | None = None
    errors: list[UserError]


async def retry_outbox_message(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="An OutboxMessage global ID.")],
) -> RetryOutboxMessagePayload:
    """Send a dead letter again from its first try (重发). Errors: NOT_FOUND, INVALID_STATE
    (not DEAD)."""
    message = await service.retry_dead(from_global_id(id, "OutboxMessage"), clock.now())
    return RetryOutboxMessagePayload(message=outbox_node(message), errors=[])

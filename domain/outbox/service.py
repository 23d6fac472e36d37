"""Writing, leasing and settling outbox messages: one statement each, guarded so that two
processes draining at once never take the same message and only a lease's holder records
what became of it."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import F

from domain import sql
from domain.errors import DomainError, ErrorCode
from domain.outbox.models import OutboxMessage, OutboxState

REASON_MAX = 300

_ENQUEUE = sql.Insert(
    "outbox.enqueue", OutboxMessage, tail='ON CONFLICT ("topic", "key") DO NOTHING'
)

# The outer conditions repeat the inner ones: on PostgreSQL a row another drainer leased
# meanwhile is re-checked after its lock is released and skipped, and SKIP LOCKED lets the
# second drainer take the next rows instead of waiting.
_LEASE_TEXT = """
    UPDATE outbox_message
       SET due_at = :leased_until, lease_token = :token, attempts = attempts + 1
     WHERE id IN (SELECT id FROM outbox_message
                   WHERE topic = :topic AND state = :pending AND due_at <= :now
                   ORDER BY due_at, id LIMIT :limit LOCKING)
       AND state = :pending AND due_at <= :now
    RETURNING id, key, payload, attempts
"""
_LEASE = sql.Sql(
    "outbox.lease",
    lambda postgres: _LEASE_TEXT.replace("LOCKING", "FOR UPDATE SKIP LOCKED" if postgres else ""),
    constants={"pending": OutboxState.PENDING},
)


@dataclass(frozen=True, slots=True)
class Leased:
    """A message taken for sending: the sender sees its key, payload and which try this is."""

    id: int
    topic: str
    key: str
    payload: dict[str, Any]
    attempts: int
    token: str


async def enqueue(
    topic: str, key: str, payload: dict[str, Any], now: datetime, due_at: datetime | None = None
) -> None:
    """Write a message in the caller's transaction; the same (topic, key) again is a no-op.
    One statement, so the operation that causes a message pays for one insert only."""
    message = OutboxMessage(
        topic=topic, key=key, payload=payload, due_at=due_at or now, created_at=now
    )
    await sql.execute(_ENQUEUE, **_ENQUEUE.params([message]))


async def lease(topic: str, now: datetime, limit: int, lease_for: timedelta) -> list[Leased]:
    """Take up to `limit` due messages of `topic` for `lease_for`, oldest due first."""
    token = secrets.token_hex(16)
    rows = await sql.fetch(
        _LEASE, topic=topic, now=now, limit=limit, leased_until=now + lease_for, token=token
    )
    return [
        Leased(
            id=row["id"],
            topic=topic,
            key=row["key"],
            payload=sql.python_value(OutboxMessage, "payload", row["payload"]),
            attempts=row["attempts"],
            token=token,
        )
        for row in rows
    ]


def _held(message: Leased) -> Any:
    return OutboxMessage.filter(id=message.id, lease_token=message.token)


async def mark_sent(messages: Sequence[Leased], now: datetime) -> int:
    """Record messages of one lease as sent (one statement)."""
    if not messages:
        return 0
    return await OutboxMessage.filter(
        id__in=[m.id for m in messages], lease_token=messages[0].token
    ).update(state=OutboxState.SENT, finished_at=now, lease_token=None, reason=None)


async def mark_retry(message: Leased, due_at: datetime, reason: str) -> int:
    return await _held(message).update(due_at=due_at, lease_token=None, reason=reason[:REASON_MAX])


async def mark_deferred(message: Leased, due_at: datetime, reason: str) -> int:
    """Not tried after all (quiet hours, say): due again at `due_at`, the try not counted."""
    return await _held(message).update(
        due_at=due_at, lease_token=None, attempts=F("attempts") - 1, reason=reason[:REASON_MAX]
    )


async def mark_final(message: Leased, state: OutboxState, now: datetime, reason: str) -> int:
    """SKIPPED or DEAD, with why."""
    return await _held(message).update(
        state=state, finished_at=now, lease_token=None, reason=reason[:REASON_MAX]
    )


async def retry_dead(message_id: int, now: datetime) -> OutboxMessage:
    """HQ sends a dead letter again: due now with its tries reset (compare-and-set on DEAD)."""
    changed = await OutboxMessage.filter(id=message_id, state=OutboxState.DEAD).update(
        state=OutboxState.PENDING, attempts=0, due_at=now, finished_at=None
    )
    message = await OutboxMessage.get_or_none(id=message_id)
    if message is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id", "No such outbox message.")
    if not changed:
        raise DomainError(ErrorCode.INVALID_STATE, "id", f"This message is {message.state}.")
    return message

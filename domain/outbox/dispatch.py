"""Sending what the outbox holds: each topic has one sender (registered by the composition
root, since the senders speak to outside systems), and `drain` hands it every due message.

A sender answers with an `Outcome`. `Retry` covers both a transient failure and an unknown
outcome (a timeout): the message comes back after a backoff with its `attempts` counted, so a
sender whose call may have landed checks first (it sees `attempts > 1`). A sender that raises
is treated as `Retry` with the exception's type (never its message, which may quote personal
data). After `outbox.max_attempts` tries a message is DEAD, listed for HQ.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.outbox import service
from domain.outbox.models import OutboxState
from domain.outbox.service import Leased
from domain.settings.service import load_settings


@dataclass(frozen=True, slots=True)
class Sent:
    pass


@dataclass(frozen=True, slots=True)
class Retry:
    reason: str


@dataclass(frozen=True, slots=True)
class Fail:
    """Refused for good (bad data the other side will never accept): DEAD at once."""

    reason: str


@dataclass(frozen=True, slots=True)
class Skip:
    reason: str


@dataclass(frozen=True, slots=True)
class Defer:
    until: datetime
    reason: str


Outcome = Sent | Retry | Fail | Skip | Defer
Sender = Callable[[Leased], Awaitable[Outcome]]

LEASE = timedelta(seconds=120)
MAX_DELAY = timedelta(hours=1)

_senders: dict[str, Sender] = {}


def register_sender(topic: str, sender: Sender) -> None:
    _senders[topic] = sender


def unregister_sender(topic: str) -> None:
    _senders.pop(topic, None)


def topics() -> list[str]:
    return sorted(_senders)


def retry_delay(attempts: int, base_seconds: int) -> timedelta:
    """Exponential backoff from `base_seconds`, at most an hour between tries."""
    return min(timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0)), MAX_DELAY)


async def _attempt(sender: Sender, message: Leased, slots: asyncio.Semaphore) -> Outcome:
    async with slots:
        try:
            return await sender(message)
        except Exception as error:
            return Retry(f"{type(error).__name__} while sending")


async def drain(
    now: datetime, *, batch: int = 100, concurrency: int = 16, max_batches: int = 50
) -> Counter[tuple[str, str]]:
    """Send every due message of every registered topic (up to `max_batches` leases per topic
    per run, so one run ends); counts of (topic, outcome)."""
    settings = await load_settings()
    max_attempts: int = settings["outbox.max_attempts"]
    base_seconds: int = settings["outbox.retry_base_seconds"]
    tally: Counter[tuple[str, str]] = Counter()
    slots = asyncio.Semaphore(concurrency)
    for topic in topics():
        sender = _senders[topic]
        for _ in range(max_batches):
            leased = await service.lease(topic, now, batch, LEASE)
            if not leased:
                break
            outcomes = await asyncio.gather(*(_attempt(sender, m, slots) for m in leased))
            sent = [
                m for m, outcome in zip(leased, outcomes, strict=True) if isinstance(outcome, Sent)
            ]
            await service.mark_sent(sent, now)
            tally[(topic, "sent")] += len(sent)
            for message, outcome in zip(leased, outcomes, strict=True):
                if not isinstance(outcome, Sent):
                    tally[
                        (topic, await _settle(message, outcome, now, max_attempts, base_seconds))
                    ] += 1
            if len(leased) < batch:
                break
    return tally


async def _settle(
    message: Leased, outcome: Outcome, now: datetime, max_attempts: int, base_seconds: int
) -> str:
    """Record a message's outcome other than sent; the name counted in metrics."""
    match outcome:
        case Skip(reason):
            await service.mark_final(message, OutboxState.SKIPPED, now, reason)
            return "skipped"
        case Defer(until, reason):
            await service.mark_deferred(message, until, reason)
            return "deferred"
        case Fail(reason):
            await service.mark_final(message, OutboxState.DEAD, now, reason)
            return "dead"
        case Retry(reason) if message.attempts >= max_attempts:
            await service.mark_final(message, OutboxState.DEAD, now, reason)
            return "dead"
        case Retry(reason):
            await service.mark_retry(
                message, now + retry_delay(message.attempts, base_seconds), reason
            )
            return "retried"
    raise TypeError(f"not an outcome: {outcome!r}")

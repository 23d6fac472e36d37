"""The outbox (domain/outbox): written in the causing transaction, once per key; drained with
leases so two drainers never send one message twice; retried with backoff until DEAD; skipped
and deferred messages recorded with why; dead letters retried by HQ."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.outbox import dispatch, service
from domain.outbox.dispatch import Defer, Fail, Retry, Sent, Skip
from domain.outbox.models import OutboxMessage, OutboxState
from domain.outbox.service import Leased
from domain.settings.service import update_settings

NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
TOPIC = "test.topic"


class Boom(Exception):
    pass


@pytest.fixture
def sender():
    """A registered sender answering from a script per key; every call recorded."""

    class Scripted:
        def __init__(self) -> None:
            self.calls: list[tuple[str, int]] = []
            self.answers: dict[str, list[object]] = {}

        async def __call__(self, message: Leased):
            self.calls.append((message.key, message.attempts))
            await asyncio.sleep(0)
            script = self.answers.get(message.key)
            answer = script.pop(0) if script else Sent()
            if isinstance(answer, Exception):
                raise answer
            return answer

    scripted = Scripted()
    dispatch.register_sender(TOPIC, scripted)
    yield scripted
    dispatch.unregister_sender(TOPIC)


async def state_of(key: str) -> tuple[OutboxState, int, str | None]:
    message = await OutboxMessage.get(topic=TOPIC, key=key)
    return message.state, message.attempts, message.reason


async def test_a_message_is_written_once_per_key_with_its_payload(db):
    await service.enqueue(TOPIC, "order-1", {"n": 1, "name": "一"}, NOW)
    await service.enqueue(TOPIC, "order-1", {"n": 2}, NOW)
    messages = await OutboxMessage.all()
    assert [(m.key, m.payload, m.state, m.attempts) for m in messages] == [
        ("order-1", {"n": 1, "name": "一"}, OutboxState.PENDING, 0)
    ]


async def test_a_rolled_back_transaction_leaves_no_message(db):
    with pytest.raises(Boom):
        async with transaction():
            await service.enqueue(TOPIC, "order-1", {}, NOW)
            raise Boom
    assert await OutboxMessage.all().count() == 0


async def test_drain_sends_due_messages_only_and_marks_them_sent(db, sender):
    await service.enqueue(TOPIC, "now", {"k": "now"}, NOW)
    await service.enqueue(TOPIC, "later", {}, NOW, due_at=NOW + timedelta(minutes=1))
    tally = await dispatch.drain(NOW)
    assert tally == Counter({(TOPIC, "sent"): 1})
    assert sender.calls == [("now", 1)]
    sent = await OutboxMessage.get(key="now")
    assert (sent.state, sent.finished_at, sent.lease_token) == (OutboxState.SENT, NOW, None)
    assert await state_of("later") == (OutboxState.PENDING, 0, None)


async def test_a_failing_send_is_retried_with_backoff_then_dead(db, sender):
    await update_settings([("outbox.max_attempts", "3"), ("outbox.retry_base_seconds", "30")], "t")
    await service.enqueue(TOPIC, "k", {}, NOW)
    sender.answers["k"] = [Retry("HTTP 503"), Boom("secret 13800138000"), Retry("timeout")]

    assert await dispatch.drain(NOW) == Counter({(TOPIC, "retried"): 1})
    message = await OutboxMessage.get(key="k")
    assert (message.state, message.attempts, message.due_at, message.reason) == (
        OutboxState.PENDING,
        1,
        NOW + timedelta(seconds=30),
        "HTTP 503",
    )
    assert await dispatch.drain(NOW + timedelta(seconds=29)) == Counter()
    assert await dispatch.drain(NOW + timedelta(seconds=30)) == Counter({(TOPIC, "retried"): 1})
    message = await OutboxMessage.get(key="k")
    assert (message.attempts, message.due_at, message.reason) == (
        2,
        NOW + timedelta(seconds=90),
        "Boom while sending",  # the exception's type, never its message
    )
    assert await dispatch.drain(NOW + timedelta(seconds=90)) == Counter({(TOPIC, "dead"): 1})
    assert await state_of("k") == (OutboxState.DEAD, 3, "timeout")
    assert sender.calls == [("k", 1), ("k", 2), ("k", 3)]


def test_the_backoff_doubles_up_to_an_hour():
    delays = [dispatch.retry_delay(n, 30).total_seconds() for n in (1, 2, 3, 8, 20)]
    assert delays == [30, 60, 120, 3600, 3600]


async def test_skip_fail_and_defer_are_recorded_with_why(db, sender):
    for key in ("skip", "fail", "defer"):
        await service.enqueue(TOPIC, key, {}, NOW)
    later = NOW + timedelta(hours=8)
    sender.answers = {
        "skip": [Skip("no quota")],
        "fail": [Fail("47003 bad field")],
        "defer": [Defer(later, "quiet hours")],
    }
    tally = await dispatch.drain(NOW)
    assert tally == Counter({(TOPIC, "skipped"): 1, (TOPIC, "dead"): 1, (TOPIC, "deferred"): 1})
    assert await state_of("skip") == (OutboxState.SKIPPED, 1, "no quota")
    assert await state_of("fail") == (OutboxState.DEAD, 1, "47003 bad field")
    assert await state_of("defer") == (OutboxState.PENDING, 0, "quiet hours")
    assert (await OutboxMessage.get(key="defer")).due_at == later


async def test_a_lease_outlived_by_a_dead_process_lets_the_message_be_sent_again(db, sender):
    await service.enqueue(TOPIC, "k", {}, NOW)
    [taken] = await service.lease(TOPIC, NOW, 10, dispatch.LEASE)  # a process that then died
    assert await dispatch.drain(NOW + dispatch.LEASE - timedelta(seconds=1)) == Counter()
    assert await dispatch.drain(NOW + dispatch.LEASE) == Counter({(TOPIC, "sent"): 1})
    # The dead process's lease can no longer record anything.
    assert await service.mark_retry(taken, NOW, "late") == 0
    assert await state_of("k") == (OutboxState.SENT, 2, None)


async def test_two_drainers_at_once_send_every_message_exactly_once(db, sender):
    for number in range(300):
        await service.enqueue(TOPIC, f"m{number}", {}, NOW)
    tallies = await asyncio.gather(
        dispatch.drain(NOW, batch=20), dispatch.drain(NOW, batch=20), dispatch.drain(NOW, batch=20)
    )
    assert sum(t[(TOPIC, "sent")] for t in tallies) == 300
    assert Counter(key for key, _ in sender.calls) == Counter({f"m{n}": 1 for n in range(300)})
    assert await OutboxMessage.filter(state=OutboxState.SENT).count() == 300


async def test_hq_retries_a_dead_letter_from_its_first_try(db, sender):
    await service.enqueue(TOPIC, "k", {}, NOW)
    sender.answers["k"] = [Fail("bad")]
    await dispatch.drain(NOW)
    message = await OutboxMessage.get(key="k")
    with pytest.raises(DomainError) as pending:
        await service.retry_dead(message.id + 1, NOW)
    assert pending.value.code == ErrorCode.NOT_FOUND

    retried = await service.retry_dead(message.id, NOW + timedelta(hours=1))
    assert (retried.state, retried.attempts, retried.due_at, retried.finished_at) == (
        OutboxState.PENDING,
        0,
        NOW + timedelta(hours=1),
        None,
    )
    with pytest.raises(DomainError) as again:
        await service.retry_dead(message.id, NOW)
    assert (again.value.code, again.value.field) == (ErrorCode.INVALID_STATE, "id")
    assert await dispatch.drain(NOW + timedelta(hours=1)) == Counter({(TOPIC, "sent"): 1})

"""Without a WeChat app (DEV), messages bound for WeChat are recorded as skipped with why, not
left to go out days late once an app is configured; the staff inbox works either way."""

from __future__ import annotations

from datetime import UTC, datetime

from api.app import start_notifications
from api.jobs import run_job
from api.wechat import shipping
from domain.notifications.fanout import WECHAT as WECHAT_MESSAGES
from domain.outbox import service
from domain.outbox.models import OutboxMessage, OutboxState
from domain.shipping.uploads import TOPIC as SHIPPING

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai: no quiet hours


async def test_without_wechat_messages_and_uploads_are_skipped_with_the_reason(db):
    start_notifications(None)
    shipping.install(None, "")
    await service.enqueue(WECHAT_MESSAGES, "m1:order_paid:T:o1", {}, NOW)
    await service.enqueue(SHIPPING, "order:SY1", {}, NOW)

    assert await run_job("drain-outbox", NOW) == 2

    stored = {(m.topic, m.state, m.attempts, m.reason) for m in await OutboxMessage.all()}
    reason = "WeChat is not configured (DEV login provider)"
    assert stored == {
        (WECHAT_MESSAGES, OutboxState.SKIPPED, 1, reason),
        (SHIPPING, OutboxState.SKIPPED, 1, reason),
    }

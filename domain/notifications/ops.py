"""What the administrator hears of: a scheduled job that failed, outbox messages that gave up.
Both are announced by api/jobs.py (outside any business transaction) and resolved here."""

from __future__ import annotations

from typing import Any

from domain.notifications.catalogue import NotifyEvent
from domain.notifications.fanout import Delivery, ToStaff, announce
from domain.org.models import StaffRole

JOB_FAILED, DEAD_LETTERS = "job.failed", "outbox.dead"
_ADMIN = (StaffRole.HQ_ADMIN,)


async def job_failed(job: str, run_id: int, failure: str) -> None:
    await announce(JOB_FAILED, f"run{run_id}", {"job": job, "run_id": run_id, "failure": failure})


async def dead_letters(topic: str, count: int, run_at: str) -> None:
    """`count` messages of `topic` gave up in the drain run at `run_at`."""
    data = {"topic": topic, "count": count}
    await announce(DEAD_LETTERS, f"{topic}:{run_at}", data)


async def job_failed_admin(payload: dict[str, Any]) -> list[Delivery]:
    body = f"{payload['job']}：{payload['failure']}"
    subject = f"JobRun:{payload['run_id']}"
    return [ToStaff(NotifyEvent.JOB_FAILED, _ADMIN, "定时任务失败", body, subject=subject)]


async def dead_letters_admin(payload: dict[str, Any]) -> list[Delivery]:
    body = f"{payload['topic']}：{payload['count']} 条消息发送失败，见出站消息死信"
    subject = f"Outbox:{payload['topic']}"
    return [ToStaff(NotifyEvent.DEAD_LETTER, _ADMIN, "出站消息死信", body, subject=subject)]


RESOLVERS = ((JOB_FAILED, job_failed_admin), (DEAD_LETTERS, dead_letters_admin))
"""What api/plugins.py registers with fanout.resolve."""

"""The scheduler's lease, each job's schedule and its run records: guarded atomic updates only,
so every process and machine sharing the database agrees on who runs what, on PostgreSQL and
SQLite alike.

Times come from the caller (the injectable clock), so tests can move them. The lease compares
the holders' clocks: machines sharing a database keep their clocks in sync (NTP), and the lease
lasts many times any plausible skew.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from domain.ops.models import JobRun, ScheduledJob, SchedulerLease

SCHEDULER_LEASE = "scheduler"
# A job never run before is due at once.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


async def acquire_lease(name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take the lease or renew it until `now + ttl`; False while someone else holds it.

    One compare-and-set on (holder, expiry): it succeeds for the holder itself or once the lease
    has expired, so of two processes racing for an expired lease exactly one wins. The row is
    created by the first process ever to ask (the primary key settles a race for that too).
    """
    expires_at = now + ttl
    taken = await SchedulerLease.filter(
        Q(holder=holder) | Q(expires_at__lte=now), name=name
    ).update(holder=holder, expires_at=expires_at)
    if taken:
        return True
    if await SchedulerLease.exists(name=name):
        return False
    try:
        await SchedulerLease.create(name=name, holder=holder, expires_at=expires_at)
    except IntegrityError:
        return False
    return True


async def release_lease(name: str, holder: str, now: datetime) -> None:
    """Give the lease up (graceful shutdown): another process takes it at its next attempt."""
    await SchedulerLease.filter(name=name, holder=holder).update(expires_at=now)


async def claim_if_due(
    job: str, now: datetime, interval: timedelta, retry_after: timedelta
) -> bool:
    """Claim this interval's run of `job` when it is due, by compare-and-set on its last start.

    Due `interval` after the last start, or `retry_after` after a failed one when that is
    sooner. Two claimers reading the same last start cannot both move it: one run per interval
    even if a paused leader wakes up after its lease was taken over.
    """
    schedule = await ScheduledJob.get_or_none(job=job)
    if schedule is None:
        try:
            await ScheduledJob.create(job=job, last_started_at=now, last_succeeded=True)
        except IntegrityError:
            return False
        return True
    wait = interval if schedule.last_succeeded else min(interval, retry_after)
    if now < schedule.last_started_at + wait:
        return False
    claimed = await ScheduledJob.filter(job=job, last_started_at=schedule.last_started_at).update(
        last_started_at=now
    )
    return claimed == 1


async def start_run(job: str, trigger: str, holder: str, started_at: datetime) -> JobRun:
    return await JobRun.create(job=job, trigger=trigger, holder=holder, started_at=started_at)


async def finish_run(
    run: JobRun, finished_at: datetime, changed: int | None, error: str | None
) -> None:
    """Record the outcome, and on the schedule whether the run that claimed it succeeded."""
    await JobRun.filter(id=run.id).update(finished_at=finished_at, changed=changed, error=error)
    await ScheduledJob.filter(job=run.job, last_started_at=run.started_at).update(
        last_succeeded=error is None
    )
    run.update_from_dict({"finished_at": finished_at, "changed": changed, "error": error})

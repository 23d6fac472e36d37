"""The scheduler inside `siyu serve` (SPEC 15): every process runs one, one of them leads.

Leadership is a lease row in the database (domain/ops/service.py), renewed by a heartbeat every
`lease / 6`; a leader that dies stops renewing, and once its lease has expired the next process
to try takes over. The leader runs each job when its interval (a business setting,
`scheduler.<job>_every_seconds`) has passed since its last start, claiming that run by
compare-and-set, and records every run (`jobRuns` in the admin API). Jobs stay idempotent and
safe to run twice at once, so `siyu jobs` from cron is an alternative: `SCHEDULER=off`.

Time comes from the injectable clock (domain/clock.py): a test freezes it, moves it and calls
`tick()` to see exactly what one pass of the loop does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta

from api.jobs import JOBS, Job, process_name, run_recorded
from domain import clock
from domain.ops import service as ops
from domain.ops.models import JobRun
from domain.settings.definitions import DEFINITIONS, job_interval_key
from domain.settings.service import load_settings

log = logging.getLogger("siyu.scheduler")

TRIGGER = "SCHEDULER"
DEFAULT_LEASE_SECONDS = 30.0
# A failed run is tried again this soon, rather than a whole interval (a day for settlement)
# later; a job failing every time then runs at most this often.
RETRY_AFTER = timedelta(minutes=5)


class Scheduler:
    """One process's scheduler: `run()` for the service, `tick()` for one pass (tests)."""

    def __init__(
        self,
        jobs: Mapping[str, Job] | None = None,
        *,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        holder: str | None = None,
    ) -> None:
        self.jobs = dict(jobs) if jobs is not None else {n: job for n, (job, _) in JOBS.items()}
        unscheduled = [name for name in self.jobs if job_interval_key(name) not in DEFINITIONS]
        if unscheduled:
            raise ValueError(f"no interval setting for job(s) {', '.join(unscheduled)}")
        self.lease = timedelta(seconds=lease_seconds)
        self.pause = lease_seconds / 6
        # Unique per scheduler, so two in one process (tests) are two contenders.
        self.holder = holder or f"{process_name()}:{secrets.token_hex(3)}"
        self.leading = False

    async def renew(self) -> bool:
        """Take or keep the lease; whether this scheduler leads until the next renewal."""
        self.leading = await ops.acquire_lease(
            ops.SCHEDULER_LEASE, self.holder, clock.now(), self.lease
        )
        return self.leading

    async def run_due(self) -> list[JobRun]:
        """Run, one after another, every job whose interval has passed, while still leading."""
        settings = await load_settings()
        runs = []
        for name, job in self.jobs.items():
            if not self.leading:
                break
            moment = clock.now()
            interval = timedelta(seconds=settings[job_interval_key(name)])
            if await ops.claim_if_due(name, moment, interval, RETRY_AFTER):
                runs.append(
                    await run_recorded(name, moment, trigger=TRIGGER, holder=self.holder, job=job)
                )
        return runs

    async def tick(self) -> list[JobRun]:
        """One pass: renew the lease, and run the due jobs if this scheduler leads."""
        if not await self.renew():
            return []
        return await self.run_due()

    async def run(self) -> None:
        """Until cancelled: a heartbeat keeps the lease (also while a long job runs), the loop
        runs due jobs whenever this process leads. Database hiccups are logged and retried."""
        heartbeat = asyncio.create_task(self._keep_lease())
        try:
            while True:
                if self.leading:
                    try:
                        await self.run_due()
                    except Exception:
                        log.exception("scheduler pass failed")
                await asyncio.sleep(self.pause)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            if self.leading:
                self.leading = False
                with contextlib.suppress(Exception):
                    await ops.release_lease(ops.SCHEDULER_LEASE, self.holder, clock.now())

    async def _keep_lease(self) -> None:
        while True:
            try:
                await self.renew()
            except Exception:
                self.leading = False
                log.exception("scheduler lease renewal failed")
            await asyncio.sleep(self.pause)


@contextlib.asynccontextmanager
async def running(scheduler: Scheduler | None) -> AsyncIterator[None]:
    """Run `scheduler` in the background for the duration of the block (the app's lifespan);
    None (`SCHEDULER=off`) runs nothing."""
    if scheduler is None:
        yield
        return
    task = asyncio.create_task(scheduler.run(), name="siyu-scheduler")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

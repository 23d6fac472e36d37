"""The periodic jobs (SPEC 15), one command each: idempotent, safe to run twice at once, and
acting as of `--now` when given. Every change they make is a compare-and-set, so two processes
running the same job never act twice on one row."""

from __future__ import annotations

import logging
import os
import socket
import traceback
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from api import metrics
from distribution import withdrawals
from distribution.commission import settlement
from domain import clock
from domain.errors import DomainError
from domain.ops import service as ops
from domain.ops.models import JobRun
from domain.orders import lifecycle, refunds
from domain.outbox import dispatch as outbox
from domain.payments import reconciliation
from loyalty import points, tiers
from loyalty.audience import stats as audience_stats
from loyalty.coupons import usage as coupons
from loyalty.workbench import batches, reminders

log = logging.getLogger("siyu.jobs")

Job = Callable[[datetime], Awaitable[int]]


async def drain_outbox(now: datetime) -> int:
    """Send what the outbox holds; every outcome counted per topic in metrics."""
    tally = await outbox.drain(now)
    for (topic, outcome), count in tally.items():
        metrics.OUTBOX_MESSAGES.labels(topic, outcome).inc(count)
    return sum(tally.values())


JOBS: dict[str, tuple[Job, str]] = {
    "cancel-unpaid": (lifecycle.cancel_expired, "cancel unpaid orders past the payment timeout"),
    "auto-complete": (lifecycle.complete_shipped, "complete orders shipped N days ago"),
    "settle-commission": (settlement.settle_due, "settle commission past its freeze days"),
    "expire-points": (points.expire_due, "write off points in lots past their expiry"),
    "expire-coupons": (coupons.expire_due, "expire unused coupons past their validity"),
    "review-tiers": (tiers.review_tiers, "re-tier members on the last tier.review_months"),
    "guide-reminders": (reminders.generate_reminders, "make guides' reminder tasks, once each"),
    "resume-task-batches": (batches.resume_batches, "finish guide task batches left running"),
    "poll-transfers": (
        withdrawals.poll_transfers,
        "query WeChat transfer bills not final, cancel those the payee left unconfirmed",
    ),
    # Before refresh-tags: the last job of a tick stays refresh-tags (tests read the order).
    "poll-refunds": (refunds.poll_unfinished, "ask the provider about refunds not final yet"),
    "reconcile-bills": (reconciliation.reconcile_bills, "compare WeChat Pay's daily bills"),
    "drain-outbox": (drain_outbox, "send due outbox messages (WeChat uploads and messages)"),
    "refresh-tags": (audience_stats.refresh_all, "recompute lifecycle, value and KOC tags"),
}

for _name in JOBS:  # every job's series from 0: alert on `increase(siyu_job_failures_total...)`
    metrics.JOB_RUNS.labels(_name)
    metrics.JOB_FAILURES.labels(_name)


async def run_job(name: str, now: datetime | None = None) -> int:
    job, _ = JOBS[name]
    moment = now or clock.now()
    with clock.frozen_at(moment):
        return await job(moment)


def process_name() -> str:
    """Which process ran a job, for the run records: host and pid (no personal data)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def describe_failure(error: BaseException) -> str:
    """The exception's type and where it was raised, never its message: a database error's
    message may quote the row it choked on (a phone, a name)."""
    frames = traceback.extract_tb(error.__traceback__)
    kind = type(error).__name__
    if isinstance(error, DomainError):
        kind += f" {error.code.value}"
    if not frames:
        return kind
    where = frames[-1]
    return f"{kind} at {Path(where.filename).name}:{where.lineno} in {where.name}"


async def run_recorded(
    name: str, moment: datetime, *, trigger: str, holder: str, job: Job | None = None
) -> JobRun:
    """Run one job as of `moment` and record the run (start, end, rows changed, failure).

    Every run is counted in `siyu_job_runs_total`; a failure is recorded, counted in
    `siyu_job_failures_total` and logged, not raised: the
    scheduler goes on with the other jobs and retries this one sooner (domain/ops/service.py).
    """
    run = await ops.start_run(name, trigger, holder, moment)
    metrics.JOB_RUNS.labels(name).inc()
    work = job or JOBS[name][0]
    try:
        with clock.frozen_at(moment):
            changed = await work(moment)
    except Exception as error:
        failure = describe_failure(error)
        metrics.JOB_FAILURES.labels(name).inc()
        trace = "".join(traceback.format_list(traceback.extract_tb(error.__traceback__)))
        log.error("job failed", extra={"job": name, "failure": failure, "trace": trace})
        await ops.finish_run(run, clock.now(), None, failure)
        return run
    await ops.finish_run(run, clock.now(), changed, None)
    return run

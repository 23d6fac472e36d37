"""Runs of the periodic jobs (scheduler or `siyu jobs`), newest first, for HQ_ADMIN: is the
shop's housekeeping happening, and what failed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.errors import InvalidArgument
from api.graphql.ids import to_global_id
from api.graphql.relay import After, Connection, First, Ordering, SortField, paginate
from api.jobs import JOBS
from domain.ops.models import JobRun

NEWEST_FIRST = Ordering((SortField("id", descending=True),))


@strawberry.type(name="JobRun", description="One run of a periodic job.")
class JobRunNode:
    id: strawberry.ID
    job: str = strawberry.field(description="The job's name, as in `siyu jobs`.")
    trigger: str = strawberry.field(description="SCHEDULER (in `siyu serve`) or COMMAND.")
    holder: str = strawberry.field(description="The process that ran it: host:pid[:scheduler].")
    started_at: datetime
    finished_at: datetime | None = strawberry.field(
        description="Null while running, or for ever when its process died mid-run."
    )
    changed: int | None = strawberry.field(description="Rows the job changed; null on failure.")
    error: str | None = strawberry.field(
        description="Null on success; else the failure's type and where it was raised."
    )


def job_run_node(run: JobRun) -> JobRunNode:
    return JobRunNode(
        id=strawberry.ID(to_global_id("JobRun", run.id)),
        job=run.job,
        trigger=run.trigger,
        holder=run.holder,
        started_at=run.started_at,
        finished_at=run.finished_at,
        changed=run.changed,
        error=run.error,
    )


async def job_runs(
    info: Info,
    first: First = 20,
    after: After = None,
    job: Annotated[
        str | None, strawberry.argument(description="Only this job's runs, e.g. cancel-unpaid.")
    ] = None,
) -> Connection[JobRunNode]:
    runs = JobRun.all()
    if job is not None:
        if job not in JOBS:
            raise InvalidArgument(f"Unknown job; one of {', '.join(JOBS)}. / 未知任务")
        runs = runs.filter(job=job)
    return await paginate(runs, NEWEST_FIRST, first, after, job_run_node)

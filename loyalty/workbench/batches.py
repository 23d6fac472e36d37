"""Task batches (SPEC 22): a store manager or HQ turns a segment into one task per customer for
the guide serving them.

A batch walks the segment in member-id order, CHUNK members per transaction; each transaction
inserts the chunk's tasks and moves the batch's cursor by compare-and-set, so a batch stopped
half-way (a crash, a deploy) resumes after its last committed chunk (`resume_batches`, a job),
and two runners of one batch never both commit a chunk. One task per (batch, member) is a
unique constraint besides: running a batch twice makes no duplicates.

Members with no guide (served by a store alone, or by nobody) get no task: they are counted in
`members_without_guide`. A store manager's batch reaches only the customers of their store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tortoise.expressions import F, Q

from domain import clock
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.members.audience_sources import audience_sources
from domain.validation import clean_text
from loyalty.audience.models import Segment
from loyalty.audience.segments import segment_members
from loyalty.workbench.guide_coupons import guide_template
from loyalty.workbench.models import BatchState, GuideTask, TaskBatch, TaskKind
from loyalty.workbench.tasks import MAX_OUTCOME, today

CHUNK = 1000


@dataclass(frozen=True)
class BatchRequest:
    segment_id: int
    due_on: date
    instructions: str
    coupon_template_id: int | None = None


class _ChunkTaken(Exception):
    """Another runner committed this chunk first: roll ours back and read the cursor again."""


async def create_batch(request: BatchRequest, store_id: int | None, actor: str) -> TaskBatch:
    """Validate, record the batch, then run it to the end (see the module docstring)."""
    instructions = clean_text(
        request.instructions, "input.instructions", MAX_OUTCOME, multiline=True
    )
    if request.due_on < today():
        raise DomainError(ErrorCode.OUT_OF_RANGE, "input.dueOn", "today or later")
    if not await Segment.exists(id=request.segment_id):
        raise DomainError(ErrorCode.NOT_FOUND, "input.segmentId")
    if request.coupon_template_id is not None:
        await guide_template(request.coupon_template_id, "input.couponTemplateId")
    batch = await TaskBatch.create(
        segment_id=request.segment_id,
        store_id=store_id,
        due_on=request.due_on,
        instructions=instructions,
        coupon_template_id=request.coupon_template_id,
        created_by=actor,
        created_at=clock.now(),
    )
    return await run_batch(batch.id)


async def run_batch(batch_id: int) -> TaskBatch:
    """Run (or resume) the batch to its end; a DONE batch is returned as it is."""
    while True:
        batch = await TaskBatch.get(id=batch_id)
        if batch.state == BatchState.DONE:
            return batch
        try:
            more = await _run_chunk(batch)
        except _ChunkTaken:
            continue
        if not more:
            await TaskBatch.filter(id=batch_id, state=BatchState.RUNNING).update(
                state=BatchState.DONE, finished_at=clock.now()
            )


async def _chunk_members(batch: TaskBatch) -> list[int]:
    segment = await Segment.get_or_none(id=batch.segment_id)
    if segment is None:  # deleted since: nothing more to walk
        return []
    members = (await segment_members(segment)).filter(id__gt=batch.cursor_member_id)
    if batch.store_id is not None:
        members = members.filter(Q(id__in=audience_sources().members_served(batch.store_id, None)))
    rows = await members.order_by("id").limit(CHUNK).values_list("id")
    return [member_id for (member_id,) in rows]


async def _run_chunk(batch: TaskBatch) -> bool:
    """One chunk in one transaction; False when the segment has no member past the cursor."""
    member_ids = await _chunk_members(batch)
    if not member_ids:
        return False
    serving = await audience_sources().serving(member_ids)
    moment = clock.now()
    tasks = [
        GuideTask(
            kind=TaskKind.BATCH,
            batch_id=batch.id,
            member_id=member_id,
            store_id=serving[member_id].store_id,
            guide_id=serving[member_id].guide_id,
            due_on=batch.due_on,
            instructions=batch.instructions,
            coupon_template_id=batch.coupon_template_id,
            created_at=moment,
        )
        for member_id in member_ids
        if member_id in serving and serving[member_id].guide_id is not None
    ]
    async with transaction():
        await GuideTask.bulk_create(tasks, ignore_conflicts=True)
        moved = await TaskBatch.filter(
            id=batch.id, state=BatchState.RUNNING, cursor_member_id=batch.cursor_member_id
        ).update(
            cursor_member_id=member_ids[-1],
            tasks_created=F("tasks_created") + len(tasks),
            members_without_guide=F("members_without_guide") + (len(member_ids) - len(tasks)),
        )
        if not moved:
            raise _ChunkTaken()
    return True


async def resume_batches(now: datetime) -> int:
    """The job: finish every batch still RUNNING (one interrupted, or still being run by its
    request: the cursor's compare-and-set keeps the two apart). Returns how many it finished."""
    finished = 0
    for (batch_id,) in await TaskBatch.filter(state=BatchState.RUNNING).values_list("id"):
        await run_batch(batch_id)
        finished += 1
    return finished

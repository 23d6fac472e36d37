"""Guide tasks for staff (SPEC 22): a store manager or HQ makes a task batch from a segment; a
guide lists their tasks and marks each done or skipped; managers see overdue tasks and the
completion rates per guide, store and batch. Scoped as SPEC 13: a guide their own tasks, a
store manager their store's, HQ all; out of scope is NOT_FOUND like missing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, TypeAlias

import strawberry
from strawberry.types import Info

from api.auth.permissions import granted
from api.graphql.enums import expose_enum
from api.graphql.errors import UserError, matching_id
from api.graphql.ids import from_global_id, optional_global_id, to_global_id
from api.graphql.relay import BY_ID, NEWEST_FIRST, After, Connection, First, paginate
from distribution.reports.periods import period
from domain.access.capabilities import Grant
from domain.errors import DomainError, ErrorCode
from loyalty.workbench import batches
from loyalty.workbench import tasks as task_service
from loyalty.workbench.models import BatchState, GuideTask, TaskBatch, TaskKind, TaskState
from loyalty.workbench.tasks import Due, TaskFilter, TaskGrouping, TaskScope

MAX_FILTER_ITEMS = 10

expose_enum(
    TaskKind,
    "GuideTaskKind",
    "Where a guide task (导购任务) came from.",
    {
        TaskKind.BATCH: "A task batch a store manager or HQ made from a segment.",
        TaskKind.BIRTHDAY: "Reminder: the customer's birthday is in 3 days.",
        TaskKind.COUPON_EXPIRING: "Reminder: a coupon of the customer's is about to expire.",
        TaskKind.AFTER_SALE: "Reminder: an after-sale (refund) of the customer's just finished.",
        TaskKind.AT_RISK: "Reminder: the customer became AT_RISK (no paid order for 90 days).",
    },
)
GuideTaskKindEnum: TypeAlias = TaskKind
expose_enum(
    TaskState,
    "GuideTaskState",
    "Where a guide task stands.",
    {
        TaskState.OPEN: "To do.",
        TaskState.DONE: "Done, with its outcome (and the follow-up it produced, if any).",
        TaskState.SKIPPED: "Skipped, with the reason.",
        TaskState.CLOSED: "Closed by the system: the customer moved to a store without a guide.",
    },
)
GuideTaskStateEnum: TypeAlias = TaskState
expose_enum(
    Due,
    "GuideTaskDue",
    "Open tasks by their due day (Asia/Shanghai).",
    {
        Due.OVERDUE: "Open and due before today.",
        Due.TODAY: "Open and due today.",
        Due.UPCOMING: "Open and due after today.",
    },
)
GuideTaskDueEnum: TypeAlias = Due
expose_enum(
    TaskGrouping,
    "GuideTaskGrouping",
    "What task completion figures are grouped by.",
    {
        TaskGrouping.GUIDE: "Per guide (key: a Staff ID).",
        TaskGrouping.STORE: "Per store (key: a Store ID).",
        TaskGrouping.BATCH: "Per task batch (key: a GuideTaskBatch ID); reminders left out.",
    },
)
GuideTaskGroupingEnum: TypeAlias = TaskGrouping
expose_enum(
    BatchState,
    "GuideTaskBatchState",
    "Whether a task batch has walked its whole segment.",
    {
        BatchState.RUNNING: "Still making tasks (an interrupted batch is resumed by a job).",
        BatchState.DONE: "Every member of the segment was considered.",
    },
)
GuideTaskBatchStateEnum: TypeAlias = BatchState


def scope_of(grant: Grant) -> TaskScope:
    return TaskScope(store_id=grant.store_id, guide_id=grant.guide_id)


@strawberry.type(name="GuideTask")
class GuideTaskNode:
    id: strawberry.ID
    kind: GuideTaskKindEnum
    state: GuideTaskStateEnum
    member_id: strawberry.ID = strawberry.field(description="The customer (a Member ID).")
    guide_id: strawberry.ID = strawberry.field(description="The guide doing it (a Staff ID).")
    store_id: strawberry.ID
    batch_id: strawberry.ID | None = strawberry.field(description="Null for a reminder.")
    due_on: date = strawberry.field(description="The day it is due (Asia/Shanghai).")
    overdue: bool = strawberry.field(description="Open and due before today.")
    instructions: str
    coupon_template_id: strawberry.ID | None = strawberry.field(
        description="A coupon the guide may offer (issueGuideCoupon), if any."
    )
    outcome: str | None = strawberry.field(description="DONE: what came of it; SKIPPED: why.")
    follow_up_id: strawberry.ID | None = strawberry.field(
        description="DONE: the follow-up it produced, if any."
    )
    finished_at: datetime | None
    reassigned_from_guide_id: strawberry.ID | None = strawberry.field(
        description="The guide who had it before the customer moved to this one."
    )
    created_at: datetime


def _gid(type_name: str, pk: int | None) -> strawberry.ID | None:
    return strawberry.ID(to_global_id(type_name, pk)) if pk is not None else None


def task_node(task: GuideTask) -> GuideTaskNode:
    return GuideTaskNode(
        id=strawberry.ID(to_global_id("GuideTask", task.id)),
        kind=task.kind,
        state=task.state,
        member_id=strawberry.ID(to_global_id("Member", task.member_id)),
        guide_id=strawberry.ID(to_global_id("Staff", task.guide_id)),
        store_id=strawberry.ID(to_global_id("Store", task.store_id)),
        batch_id=_gid("GuideTaskBatch", task.batch_id),
        due_on=task.due_on,
        overdue=task.state == TaskState.OPEN and task.due_on < task_service.today(),
        instructions=task.instructions,
        coupon_template_id=_gid("CouponTemplate", task.coupon_template_id),
        outcome=task.outcome,
        follow_up_id=_gid("FollowUp", task.follow_up_id),
        finished_at=task.finished_at,
        reassigned_from_guide_id=_gid("Staff", task.reassigned_from_guide_id),
        created_at=task.created_at,
    )


@strawberry.type(name="GuideTaskBatch")
class GuideTaskBatchNode:
    id: strawberry.ID
    segment_id: strawberry.ID
    store_id: strawberry.ID | None = strawberry.field(
        description="A store manager's batch: their store; null: HQ's, every store."
    )
    due_on: date
    instructions: str
    coupon_template_id: strawberry.ID | None
    state: GuideTaskBatchStateEnum
    tasks_created: int
    members_without_guide: int = strawberry.field(
        description="Members of the segment no guide serves: no task for them."
    )
    created_by: str
    created_at: datetime
    finished_at: datetime | None


def batch_node(batch: TaskBatch) -> GuideTaskBatchNode:
    return GuideTaskBatchNode(
        id=strawberry.ID(to_global_id("GuideTaskBatch", batch.id)),
        segment_id=strawberry.ID(to_global_id("Segment", batch.segment_id)),
        store_id=_gid("Store", batch.store_id),
        due_on=batch.due_on,
        instructions=batch.instructions,
        coupon_template_id=_gid("CouponTemplate", batch.coupon_template_id),
        state=batch.state,
        tasks_created=batch.tasks_created,
        members_without_guide=batch.members_without_guide,
        created_by=batch.created_by,
        created_at=batch.created_at,
        finished_at=batch.finished_at,
    )


@strawberry.input(description="Every condition is optional; the given ones must all hold.")
class GuideTaskFilterInput:
    states: list[GuideTaskStateEnum] | None = strawberry.field(
        default=None, description="Any of these states (at most 10)."
    )
    kinds: list[GuideTaskKindEnum] | None = strawberry.field(
        default=None, description="Any of these kinds (at most 10)."
    )
    due: GuideTaskDueEnum | None = strawberry.field(
        default=None, description="Open tasks overdue, due today or upcoming."
    )
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="One customer's tasks (a Member ID)."
    )
    batch_id: strawberry.ID | None = strawberry.field(
        default=None, description="One batch's tasks (a GuideTaskBatch ID)."
    )

    def to_domain(self) -> TaskFilter:
        for name in ("states", "kinds"):
            if len(getattr(self, name) or ()) > MAX_FILTER_ITEMS:
                raise DomainError(ErrorCode.OUT_OF_RANGE, f"filter.{name}", "max 10")
        return TaskFilter(
            states=tuple(TaskState(s) for s in self.states or ()),
            kinds=tuple(TaskKind(k) for k in self.kinds or ()),
            due=Due(self.due) if self.due else None,
            member_id=matching_id(lambda: optional_global_id(self.member_id, "Member", "")),
            batch_id=matching_id(lambda: optional_global_id(self.batch_id, "GuideTaskBatch", "")),
        )


async def guide_tasks(
    info: Info,
    filter: Annotated[
        GuideTaskFilterInput | None, strawberry.argument(description="Which tasks.")
    ] = None,
    first: First = 20,
    after: After = None,
) -> Connection[GuideTaskNode]:
    grant = await granted(info)
    wanted = filter.to_domain() if filter else TaskFilter()
    return await paginate(
        task_service.filtered(scope_of(grant), wanted), BY_ID, first, after, task_node
    )


async def guide_task(
    info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A GuideTask ID.")]
) -> GuideTaskNode | None:
    grant = await granted(info)
    task = await task_service.task_in_scope(scope_of(grant), from_global_id(id, "GuideTask"))
    return task_node(task)


async def guide_task_batches(
    info: Info, first: First = 20, after: After = None
) -> Connection[GuideTaskBatchNode]:
    grant = await granted(info)
    query = TaskBatch.all()
    if grant.store_id is not None:
        query = query.filter(store_id=grant.store_id)
    return await paginate(query, NEWEST_FIRST, first, after, batch_node)


@strawberry.input
class CreateGuideTaskBatchInput:
    segment_id: strawberry.ID = strawberry.field(description="The Segment whose members to reach.")
    due_on: date = strawberry.field(description="The day the tasks are due; today or later.")
    instructions: str = strawberry.field(description="What to do, at most 2000 characters.")
    coupon_template_id: strawberry.ID | None = strawberry.field(
        default=None, description="A coupon template guides may issue, to offer (optional)."
    )


@strawberry.type
class GuideTaskBatchPayload:
    batch: GuideTaskBatchNode | None = None
    errors: list[UserError]


async def create_guide_task_batch(
    info: Info,
    input: Annotated[CreateGuideTaskBatchInput, strawberry.argument(description="The batch.")],
) -> GuideTaskBatchPayload:
    grant = await granted(info)
    request = batches.BatchRequest(
        segment_id=from_global_id(input.segment_id, "Segment", "input.segmentId"),
        due_on=input.due_on,
        instructions=input.instructions,
        coupon_template_id=optional_global_id(
            input.coupon_template_id, "CouponTemplate", "input.couponTemplateId"
        ),
    )
    batch = await batches.create_batch(request, grant.store_id, grant.staff.username)
    return GuideTaskBatchPayload(batch=batch_node(batch), errors=[])


@strawberry.type
class GuideTaskPayload:
    task: GuideTaskNode | None = None
    errors: list[UserError]


async def complete_guide_task(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A GuideTask ID.")],
    outcome: Annotated[
        str, strawberry.argument(description="What came of it, at most 2000 characters.")
    ],
    follow_up_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(description="The follow-up (a FollowUp ID) the task produced."),
    ] = None,
) -> GuideTaskPayload:
    grant = await granted(info)
    task = await task_service.complete_task(
        scope_of(grant),
        from_global_id(id, "GuideTask"),
        outcome,
        optional_global_id(follow_up_id, "FollowUp", "followUpId"),
    )
    return GuideTaskPayload(task=task_node(task), errors=[])


async def skip_guide_task(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A GuideTask ID.")],
    reason: Annotated[str, strawberry.argument(description="Why, at most 2000 characters.")],
) -> GuideTaskPayload:
    grant = await granted(info)
    task = await task_service.skip_task(scope_of(grant), from_global_id(id, "GuideTask"), reason)
    return GuideTaskPayload(task=task_node(task), errors=[])


@strawberry.type(name="GuideTaskFigures")
class GuideTaskFiguresNode:
    key: strawberry.ID = strawberry.field(
        description="A Staff, Store or GuideTaskBatch ID, as grouped."
    )
    due: int = strawberry.field(description="Tasks due in the period.")
    done: int
    skipped: int
    closed: int
    open: int
    overdue: int = strawberry.field(description="Open and due before today.")
    completion_bp: int = strawberry.field(description="done / due in basis points.")


_KEY_TYPE = {
    TaskGrouping.GUIDE: "Staff",
    TaskGrouping.STORE: "Store",
    TaskGrouping.BATCH: "GuideTaskBatch",
}


async def guide_task_completion(
    info: Info,
    group_by: Annotated[GuideTaskGroupingEnum, strawberry.argument(description="Grouping.")],
    from_day: Annotated[
        date, strawberry.argument(name="from", description="First due day, inclusive.")
    ],
    to_day: Annotated[date, strawberry.argument(name="to", description="Last due day, inclusive.")],
) -> list[GuideTaskFiguresNode]:
    grant = await granted(info)
    days = period(from_day, to_day, "to")
    grouping = TaskGrouping(group_by)
    figures = await task_service.task_figures(
        scope_of(grant), days.first_day, days.last_day, grouping
    )
    return [
        GuideTaskFiguresNode(
            key=strawberry.ID(to_global_id(_KEY_TYPE[grouping], key)),
            due=row.due,
            done=row.done,
            skipped=row.skipped,
            closed=row.closed,
            open=row.open,
            overdue=row.overdue,
            completion_bp=row.completion_bp,
        )
        for key, row in sorted(figures.items())
    ]

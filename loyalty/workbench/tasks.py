"""A guide's tasks (SPEC 22): listing, finishing (DONE or SKIPPED, compare-and-set on OPEN),
following customers who change hands, and the completion figures.

Scope: a guide reaches their own tasks, a store manager their store's, HQ every task; a task out
of scope is NOT_FOUND exactly like a missing one (the scope is part of the query).

A customer who moves to another guide takes their open tasks along (`reassigned_from_guide_id`
keeps who had them); a customer left with no guide (a transfer to the store itself) has their
open tasks CLOSED: a closed task stays listed with the reason, so none is ever lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from domain import clock, events
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.validation import clean_text
from loyalty.workbench.models import GuideTask, TaskKind, TaskState

MAX_OUTCOME = 2000
CLOSED_CUSTOMER_LEFT = "客户已转给门店，无导购跟进 (customer moved to the store without a guide)"
CLOSED_MERGED = "客户账号已合并，同批次任务见合并后的账号 (account merged: see the survivor's task)"


def today() -> date:
    """The business day (Asia/Shanghai) tasks fall due on."""
    return clock.to_shanghai(clock.now()).date()


@dataclass(frozen=True)
class TaskScope:
    """Whose tasks a caller reaches: None is no limit."""

    store_id: int | None = None
    guide_id: int | None = None

    def tasks(self) -> QuerySet[GuideTask]:
        query = GuideTask.all()
        if self.store_id is not None:
            query = query.filter(store_id=self.store_id)
        if self.guide_id is not None:
            query = query.filter(guide_id=self.guide_id)
        return query


class Due(StrEnum):
    OVERDUE = "OVERDUE"
    TODAY = "TODAY"
    UPCOMING = "UPCOMING"


@dataclass(frozen=True)
class TaskFilter:
    states: tuple[TaskState, ...] = ()
    kinds: tuple[TaskKind, ...] = ()
    due: Due | None = None
    member_id: int | None = None
    batch_id: int | None = None


def filtered(scope: TaskScope, wanted: TaskFilter) -> QuerySet[GuideTask]:
    """The scoped tasks matching the filter, one statement. OVERDUE: open past its due day;
    TODAY: open and due today; UPCOMING: open and due later."""
    query = scope.tasks()
    if wanted.states:
        query = query.filter(state__in=list(wanted.states))
    if wanted.kinds:
        query = query.filter(kind__in=list(wanted.kinds))
    if wanted.member_id is not None:
        query = query.filter(member_id=wanted.member_id)
    if wanted.batch_id is not None:
        query = query.filter(batch_id=wanted.batch_id)
    if wanted.due is not None:
        day = today()
        due = {Due.OVERDUE: "due_on__lt", Due.TODAY: "due_on", Due.UPCOMING: "due_on__gt"}
        query = query.filter(state=TaskState.OPEN, **{due[wanted.due]: day})
    return query


async def task_in_scope(scope: TaskScope, task_id: int, field: str = "id") -> GuideTask:
    task = await scope.tasks().get_or_none(id=task_id)
    if task is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return task


async def complete_task(
    scope: TaskScope, task_id: int, outcome: str, follow_up_id: int | None = None
) -> GuideTask:
    """DONE with what came of it (required, ≤ 2000 characters) and, optionally, the follow-up
    it produced. Only an OPEN task: a second finish is INVALID_STATE and changes nothing."""
    text = clean_text(outcome, "outcome", MAX_OUTCOME, multiline=True)
    return await _finish(scope, task_id, TaskState.DONE, text, follow_up_id)


async def skip_task(scope: TaskScope, task_id: int, reason: str) -> GuideTask:
    """SKIPPED with the reason (required, ≤ 2000 characters)."""
    text = clean_text(reason, "reason", MAX_OUTCOME, multiline=True)
    return await _finish(scope, task_id, TaskState.SKIPPED, text, None)


async def _finish(
    scope: TaskScope, task_id: int, state: TaskState, text: str, follow_up_id: int | None
) -> GuideTask:
    await task_in_scope(scope, task_id)
    async with transaction():
        changed = await (
            scope.tasks()
            .filter(id=task_id, state=TaskState.OPEN)
            .update(state=state, outcome=text, follow_up_id=follow_up_id, finished_at=clock.now())
        )
        if not changed:
            raise DomainError(ErrorCode.INVALID_STATE, "id")
    return await GuideTask.get(id=task_id)


async def on_customers_reassigned(event: events.CustomersReassigned) -> None:
    """Open tasks follow their customers, in the transaction that moved them."""
    mine = GuideTask.filter(member_id__in=list(event.member_ids), state=TaskState.OPEN)
    if event.guide_id is None:
        await mine.update(
            state=TaskState.CLOSED, outcome=CLOSED_CUSTOMER_LEFT, finished_at=clock.now()
        )
        return
    previous_guides = await mine.exclude(guide_id=event.guide_id).values_list("guide_id")
    for previous in sorted({guide_id for (guide_id,) in previous_guides}):
        await mine.filter(guide_id=previous).update(
            guide_id=event.guide_id, store_id=event.store_id, reassigned_from_guide_id=previous
        )


async def on_member_merged(event: events.MemberMerged) -> None:
    """The absorbed account's tasks belong to the surviving member (One-ID), except one of a
    batch the survivor already has a task in (one task per member and batch): that one stays
    with the absorbed account, closed if it was open."""
    survivor_batches = Subquery(
        GuideTask.filter(member_id=event.survivor_id, batch_id__isnull=False).values("batch_id")
    )
    absorbed = GuideTask.filter(member_id=event.absorbed_id)
    await absorbed.filter(Q(batch_id__isnull=True) | ~Q(batch_id__in=survivor_batches)).update(
        member_id=event.survivor_id
    )
    await absorbed.filter(state=TaskState.OPEN).update(
        state=TaskState.CLOSED, outcome=CLOSED_MERGED, finished_at=clock.now()
    )


@dataclass(frozen=True)
class TaskFigures:
    """Tasks falling due in a period: how many, done, skipped, closed, still open and, of
    those, overdue (due before today). Completion is done / due in basis points."""

    due: int = 0
    done: int = 0
    skipped: int = 0
    closed: int = 0
    open: int = 0
    overdue: int = 0

    @property
    def completion_bp(self) -> int:
        return self.done * 10_000 // self.due if self.due else 0


class TaskGrouping(StrEnum):
    GUIDE = "GUIDE"
    STORE = "STORE"
    BATCH = "BATCH"


_GROUP_COLUMN = {
    TaskGrouping.GUIDE: "guide_id",
    TaskGrouping.STORE: "store_id",
    TaskGrouping.BATCH: "batch_id",
}


async def task_figures(
    scope: TaskScope, first_day: date, last_day: date, grouping: TaskGrouping
) -> dict[int, TaskFigures]:
    """Per guide, store or batch (tasks without a batch are left out of BATCH): two grouped
    statements whatever the number of groups."""
    column = _GROUP_COLUMN[grouping]
    query = scope.tasks().filter(due_on__gte=first_day, due_on__lte=last_day)
    if grouping == TaskGrouping.BATCH:
        query = query.filter(batch_id__isnull=False)
    counts: dict[int, dict[str, int]] = {}
    rows = (
        await query.annotate(count=Count("id"))
        .group_by(column, "state")
        .values_list(column, "state", "count")
    )
    for key, state, count in rows:
        counts.setdefault(key, {})[TaskState(state).value.lower()] = count
    overdue = dict(
        await query.filter(state=TaskState.OPEN, due_on__lt=today())
        .annotate(count=Count("id"))
        .group_by(column)
        .values_list(column, "count")
    )
    return {
        key: TaskFigures(
            due=sum(by_state.values()),
            done=by_state.get("done", 0),
            skipped=by_state.get("skipped", 0),
            closed=by_state.get("closed", 0),
            open=by_state.get("open", 0),
            overdue=overdue.get(key, 0),
        )
        for key, by_state in counts.items()
    }


async def task_figures_by_guide(
    scope: TaskScope, first_day: date, last_day: date
) -> dict[int, TaskFigures]:
    """What the store manager's view shows per guide: tasks done / due / overdue."""
    return await task_figures(scope, first_day, last_day, TaskGrouping.GUIDE)


def open_task_member_ids(scope: TaskScope) -> Subquery:
    """Ids of members with an open task in scope, as a subquery for `id__in=`."""
    return Subquery(scope.tasks().filter(state=TaskState.OPEN).values("member_id"))


def has_open_task(scope: TaskScope) -> Q:
    """The customer list's "has open task" condition on `member`: one subquery."""
    return Q(id__in=open_task_member_ids(scope))

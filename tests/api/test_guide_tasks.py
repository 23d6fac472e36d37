"""Guide tasks (SPEC 22, issue 17 item 3): batches from a segment for the guides serving its
customers, a guide's list, done / skipped with compare-and-set, overdue for the manager,
completion rates, tasks following customers who change hands."""

import asyncio
from datetime import timedelta

import pytest

from api.graphql.ids import to_global_id
from api.jobs import run_job
from distribution.models import ServiceReason
from distribution.service_relationships import Touch, locked_member, touch
from domain.db import transaction
from domain.events import MemberMerged
from domain.members.models import Member
from domain.org.models import StaffRole
from loyalty.workbench import batches
from loyalty.workbench.models import BatchState, GuideTask, TaskBatch, TaskKind, TaskState
from loyalty.workbench.tasks import (
    TaskScope,
    has_open_task,
    on_member_merged,
    task_figures_by_guide,
    today,
)
from tests.support.api import make_store
from tests.support.racing import require_postgres
from tests.support.sql import count_statements
from tests.support.workbench import customer, segment

CREATE = """
mutation($input: CreateGuideTaskBatchInput!) {
  createGuideTaskBatch(input: $input) {
    batch { id state tasksCreated membersWithoutGuide storeId }
    errors { code field }
  }
}
"""
TASKS = """
query($filter: GuideTaskFilterInput) {
  guideTasks(filter: $filter, first: 100) {
    totalCount
    edges { node { id memberId guideId state kind dueOn overdue outcome followUpId
      reassignedFromGuideId } }
  }
}
"""
TASK = "query($id: ID!) { guideTask(id: $id) { id state } }"
COMPLETE = """
mutation($id: ID!, $outcome: String!, $followUp: ID) {
  completeGuideTask(id: $id, outcome: $outcome, followUpId: $followUp) {
    task { state outcome followUpId } errors { code field }
  }
}
"""
SKIP = """
mutation($id: ID!, $reason: String!) {
  skipGuideTask(id: $id, reason: $reason) { task { state outcome } errors { code field } }
}
"""
COMPLETION = """
query($by: GuideTaskGrouping!, $from: Date!, $to: Date!) {
  guideTaskCompletion(groupBy: $by, from: $from, to: $to) {
    key due done skipped closed open overdue completionBp
  }
}
"""
TRANSFER = """
mutation($from: ID!, $to: ID) {
  transferCustomers(fromGuideId: $from, toGuideId: $to) { moved errors { code } }
}
"""


def batch_input(segment_id: int, **extra) -> dict:
    return {
        "input": {
            "segmentId": to_global_id("Segment", segment_id),
            "dueOn": (today() + timedelta(days=2)).isoformat(),
            "instructions": "电话回访，邀请到店体验新品",
            **extra,
        }
    }


@pytest.fixture
async def shop(api):
    """A store with two guides: A serves 3 customers, B 2; one customer has only the store,
    and one is nobody's."""
    store = await make_store()
    a = await api.staff(StaffRole.GUIDE, store)
    b = await api.staff(StaffRole.GUIDE, store)
    of_a = [await customer(store, a.staff.id) for _ in range(3)]
    of_b = [await customer(store, b.staff.id) for _ in range(2)]
    store_only = await customer(store)
    return {"store": store, "a": a, "b": b, "of_a": of_a, "of_b": of_b, "store_only": store_only}


async def task_of(member_id: int) -> GuideTask:
    return await GuideTask.get(member_id=member_id)


async def test_hq_makes_one_task_per_customer_for_the_guide_serving_them(api, shop):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    segment_row = await segment()

    made = await operator.client.data(CREATE, batch_input(segment_row.id))

    payload = made["createGuideTaskBatch"]
    assert payload["errors"] == []
    assert payload["batch"]["state"] == "DONE"
    assert (payload["batch"]["tasksCreated"], payload["batch"]["membersWithoutGuide"]) == (5, 1)
    assert payload["batch"]["storeId"] is None
    rows = await GuideTask.all().order_by("member_id").values_list("member_id", "guide_id")
    assert rows == [(m, shop["a"].staff.id) for m in shop["of_a"]] + [
        (m, shop["b"].staff.id) for m in shop["of_b"]
    ]


async def test_a_store_manager_reaches_only_the_customers_of_their_store(api, shop):
    elsewhere = await make_store()
    other_guide = await api.staff(StaffRole.GUIDE, elsewhere)
    await customer(elsewhere, other_guide.staff.id)
    manager = await api.staff(StaffRole.STORE_MANAGER, shop["store"])

    made = await manager.client.data(CREATE, batch_input((await segment()).id))

    batch = made["createGuideTaskBatch"]["batch"]
    assert (batch["tasksCreated"], batch["membersWithoutGuide"]) == (5, 1)
    assert batch["storeId"] == to_global_id("Store", shop["store"].id)
    assert await GuideTask.filter(guide_id=other_guide.staff.id).count() == 0


async def test_a_batch_stopped_half_way_resumes_without_duplicates(api, shop, monkeypatch):
    monkeypatch.setattr(batches, "CHUNK", 2)
    segment_row = await segment()
    batch = await TaskBatch.create(
        segment_id=segment_row.id,
        due_on=today(),
        instructions="x",
        created_by="test",
        created_at=shop["store"].created_at,
    )
    first = batch  # one chunk committed, then the process "died"
    assert await batches._run_chunk(first)
    assert await GuideTask.all().count() == 2

    finished = await run_job("resume-task-batches")
    again = await batches.run_batch(batch.id)

    assert finished == 1
    assert (again.state, again.tasks_created, again.members_without_guide) == (
        BatchState.DONE,
        5,
        1,
    )
    assert await GuideTask.all().count() == 5


async def test_running_a_batch_again_from_the_start_makes_no_duplicate(api, shop):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    await operator.client.data(CREATE, batch_input((await segment()).id))
    batch = await TaskBatch.get()
    await TaskBatch.filter(id=batch.id).update(state=BatchState.RUNNING, cursor_member_id=0)

    await batches.run_batch(batch.id)

    assert await GuideTask.all().count() == 5


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"instructions": "长" * 2001}, {"code": "TOO_LONG", "field": "input.instructions"}),
        ({"instructions": "  "}, {"code": "REQUIRED", "field": "input.instructions"}),
        ({"dueOn": "2000-01-01"}, {"code": "OUT_OF_RANGE", "field": "input.dueOn"}),
        (
            {"segmentId": to_global_id("Segment", 999)},
            {"code": "NOT_FOUND", "field": "input.segmentId"},
        ),
        (
            {"couponTemplateId": to_global_id("CouponTemplate", 999)},
            {"code": "NOT_FOUND", "field": "input.couponTemplateId"},
        ),
    ],
)
async def test_a_bad_batch_is_refused_and_makes_nothing(api, shop, change, error):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    variables = batch_input((await segment()).id)
    variables["input"].update(change)

    made = await operator.client.data(CREATE, variables)

    assert made["createGuideTaskBatch"] == {"batch": None, "errors": [error]}
    assert (await TaskBatch.all().count(), await GuideTask.all().count()) == (0, 0)


async def _batch(api, name: str = "新客") -> None:
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    await operator.client.data(CREATE, batch_input((await segment(name=name)).id))


async def test_a_guide_lists_only_their_own_tasks(api, shop):
    await _batch(api)

    listed = await shop["a"].client.data(TASKS)

    page = listed["guideTasks"]
    assert page["totalCount"] == 3
    assert sorted(e["node"]["memberId"] for e in page["edges"]) == sorted(
        to_global_id("Member", m) for m in shop["of_a"]
    )
    assert {
        (e["node"]["state"], e["node"]["kind"], e["node"]["overdue"]) for e in page["edges"]
    } == {("OPEN", "BATCH", False)}


async def test_another_guides_task_is_not_found_exactly_like_a_missing_one(api, shop):
    await _batch(api)
    theirs = to_global_id("GuideTask", (await task_of(shop["of_b"][0])).id)
    missing = to_global_id("GuideTask", 9999)

    answers = [
        (
            (await shop["a"].client.data(TASK, {"id": task}))["guideTask"],
            (await shop["a"].client.data(COMPLETE, {"id": task, "outcome": "ok"}))[
                "completeGuideTask"
            ],
            (await shop["a"].client.data(SKIP, {"id": task, "reason": "忙"}))["skipGuideTask"],
        )
        for task in (theirs, missing)
    ]

    assert (
        answers[0]
        == answers[1]
        == (
            None,
            {"task": None, "errors": [{"code": "NOT_FOUND", "field": "id"}]},
            {"task": None, "errors": [{"code": "NOT_FOUND", "field": "id"}]},
        )
    )
    assert await GuideTask.filter(state=TaskState.OPEN).count() == 5


async def test_done_with_outcome_and_follow_up_then_a_second_finish_changes_nothing(api, shop):
    await _batch(api)
    task = to_global_id("GuideTask", (await task_of(shop["of_a"][0])).id)
    follow_up = to_global_id("FollowUp", 42)

    done = await shop["a"].client.data(
        COMPLETE, {"id": task, "outcome": "已回访，下周到店", "followUp": follow_up}
    )
    again = await shop["a"].client.data(SKIP, {"id": task, "reason": "改主意"})

    assert done["completeGuideTask"] == {
        "task": {"state": "DONE", "outcome": "已回访，下周到店", "followUpId": follow_up},
        "errors": [],
    }
    assert again["skipGuideTask"] == {
        "task": None,
        "errors": [{"code": "INVALID_STATE", "field": "id"}],
    }
    row = await task_of(shop["of_a"][0])
    assert (row.state, row.outcome, row.follow_up_id) == (TaskState.DONE, "已回访，下周到店", 42)


async def test_skipping_needs_a_reason_of_at_most_2000_characters(api, shop):
    await _batch(api)
    task = to_global_id("GuideTask", (await task_of(shop["of_a"][0])).id)

    too_long = await shop["a"].client.data(SKIP, {"id": task, "reason": "因" * 2001})
    skipped = await shop["a"].client.data(SKIP, {"id": task, "reason": "客户出国"})

    assert too_long["skipGuideTask"]["errors"] == [{"code": "TOO_LONG", "field": "reason"}]
    assert skipped["skipGuideTask"] == {
        "task": {"state": "SKIPPED", "outcome": "客户出国"},
        "errors": [],
    }


async def test_the_manager_sees_overdue_tasks_and_completion_per_guide_store_and_batch(api, shop):
    await _batch(api)
    a, b = shop["a"].staff.id, shop["b"].staff.id
    due = today() - timedelta(days=1)
    await GuideTask.all().update(due_on=due)
    first, second = shop["of_a"][0], shop["of_a"][1]
    await GuideTask.filter(member_id=first).update(state=TaskState.DONE)
    await GuideTask.filter(member_id=second).update(state=TaskState.SKIPPED)
    manager = await api.staff(StaffRole.STORE_MANAGER, shop["store"])
    period = {"from": due.isoformat(), "to": today().isoformat()}

    overdue = await manager.client.data(TASKS, {"filter": {"due": "OVERDUE"}})
    by_guide = await manager.client.data(COMPLETION, {"by": "GUIDE", **period})
    by_store = await manager.client.data(COMPLETION, {"by": "STORE", **period})
    by_batch = await manager.client.data(COMPLETION, {"by": "BATCH", **period})

    assert overdue["guideTasks"]["totalCount"] == 3
    assert {e["node"]["overdue"] for e in overdue["guideTasks"]["edges"]} == {True}
    assert by_guide["guideTaskCompletion"] == [
        {"key": to_global_id("Staff", a), "due": 3, "done": 1, "skipped": 1, "closed": 0,
         "open": 1, "overdue": 1, "completionBp": 3333},
        {"key": to_global_id("Staff", b), "due": 2, "done": 0, "skipped": 0, "closed": 0,
         "open": 2, "overdue": 2, "completionBp": 0},
    ]  # fmt: skip
    store_row = by_store["guideTaskCompletion"]
    assert store_row == [
        {"key": to_global_id("Store", shop["store"].id), "due": 5, "done": 1, "skipped": 1,
         "closed": 0, "open": 3, "overdue": 3, "completionBp": 2000},
    ]  # fmt: skip
    batch_id = (await TaskBatch.get()).id
    assert [(r["key"], r["due"], r["done"]) for r in by_batch["guideTaskCompletion"]] == [
        (to_global_id("GuideTaskBatch", batch_id), 5, 1)
    ]


async def test_a_guide_sees_only_their_own_completion(api, shop):
    await _batch(api)
    period = {"from": today().isoformat(), "to": (today() + timedelta(days=5)).isoformat()}

    mine = await shop["b"].client.data(COMPLETION, {"by": "GUIDE", **period})

    assert [(r["key"], r["due"]) for r in mine["guideTaskCompletion"]] == [
        (to_global_id("Staff", shop["b"].staff.id), 2)
    ]


async def test_open_tasks_follow_a_customer_transferred_to_another_guide(api, shop):
    await _batch(api)
    done_one = shop["of_a"][0]
    await GuideTask.filter(member_id=done_one).update(state=TaskState.DONE)
    manager = await api.staff(StaffRole.STORE_MANAGER, shop["store"])
    a, b = shop["a"].staff.id, shop["b"].staff.id

    moved = await manager.client.data(
        TRANSFER, {"from": to_global_id("Staff", a), "to": to_global_id("Staff", b)}
    )
    b_tasks = await shop["b"].client.data(TASKS, {"filter": {"states": ["OPEN"]}})

    assert moved["transferCustomers"] == {"moved": 3, "errors": []}
    assert b_tasks["guideTasks"]["totalCount"] == 4
    rows = (
        await GuideTask.filter(member_id__in=shop["of_a"])
        .order_by("member_id")
        .values_list("guide_id", "reassigned_from_guide_id", "state")
    )
    assert rows == [(a, None, TaskState.DONE), (b, a, TaskState.OPEN), (b, a, TaskState.OPEN)]


async def test_open_tasks_of_a_customer_given_to_the_store_alone_are_closed_not_lost(api, shop):
    await _batch(api)
    manager = await api.staff(StaffRole.STORE_MANAGER, shop["store"])

    await manager.client.data(TRANSFER, {"from": to_global_id("Staff", shop["b"].staff.id)})
    closed = await manager.client.data(TASKS, {"filter": {"states": ["CLOSED"]}})

    assert closed["guideTasks"]["totalCount"] == 2
    assert await GuideTask.filter(state=TaskState.CLOSED).count() == 2
    assert await GuideTask.all().count() == 5


async def test_open_tasks_follow_a_customer_won_by_another_guides_share(api, shop):
    await _batch(api)
    member = shop["of_a"][0]
    a, b = shop["a"].staff.id, shop["b"].staff.id

    async with transaction():
        await locked_member(member)
        moved = await touch(member, Touch(shop["store"].id, b, ServiceReason.GUIDE_SHARE, "t"), 0)

    assert moved.replaced
    row = await task_of(member)
    assert (row.guide_id, row.reassigned_from_guide_id, row.state) == (b, a, TaskState.OPEN)


async def test_a_merged_accounts_tasks_go_to_the_survivor_but_never_twice_in_a_batch(api, shop):
    await _batch(api)
    survivor, absorbed = shop["of_a"][0], shop["of_a"][1]
    reminder = await GuideTask.create(
        kind=TaskKind.BIRTHDAY,
        reminder_key=f"BIRTHDAY:{absorbed}:2026",
        member_id=absorbed,
        store_id=shop["store"].id,
        guide_id=shop["a"].staff.id,
        due_on=today(),
        created_at=shop["store"].created_at,
    )

    async with transaction():
        await on_member_merged(MemberMerged(survivor, absorbed, {}))

    rows = (
        await GuideTask.filter(member_id__in=[survivor, absorbed])
        .order_by("id")
        .values_list("member_id", "kind", "state")
    )
    assert rows == [
        (survivor, TaskKind.BATCH, TaskState.OPEN),
        (absorbed, TaskKind.BATCH, TaskState.CLOSED),
        (survivor, TaskKind.BIRTHDAY, TaskState.OPEN),
    ]
    assert (await GuideTask.get(id=reminder.id)).member_id == survivor


async def test_a_page_of_tasks_costs_the_same_statements_whatever_its_size(api, shop):
    guide = shop["a"]
    counts = []
    for more in (0, 20):
        for _ in range(more):
            await customer(shop["store"], guide.staff.id)
        await GuideTask.all().delete()
        await _batch(api, name=f"新客{more}")
        with count_statements(cold_settings=False) as log:
            page = await guide.client.data(TASKS)
        counts.append((page["guideTasks"]["totalCount"], log.count))

    assert [total for total, _ in counts] == [3, 23]
    assert counts[0][1] == counts[1][1]


async def test_the_has_open_task_condition_and_figures_for_the_managers_view(api, shop):
    await _batch(api)
    a, b = shop["a"].staff.id, shop["b"].staff.id
    await GuideTask.filter(member_id=shop["of_a"][0]).update(state=TaskState.DONE)
    store_scope = TaskScope(store_id=shop["store"].id)

    with_open_task = await Member.filter(has_open_task(TaskScope(guide_id=a))).values_list(
        "id", flat=True
    )
    figures = await task_figures_by_guide(store_scope, today(), today() + timedelta(days=7))
    elsewhere = await task_figures_by_guide(TaskScope(store_id=0), today(), today())

    assert sorted(with_open_task) == shop["of_a"][1:]
    assert {g: (f.due, f.done, f.open, f.overdue) for g, f in figures.items()} == {
        a: (3, 1, 2, 0),
        b: (2, 0, 2, 0),
    }
    assert elsewhere == {}


async def test_a_period_ending_before_it_starts_is_invalid(api, shop):
    manager = await api.staff(StaffRole.STORE_MANAGER, shop["store"])

    body = await manager.client.gql(
        COMPLETION, {"by": "GUIDE", "from": "2026-02-01", "to": "2026-01-01"}
    )

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["userError"] == {"code": "INVALID_PERIOD", "field": "to"}


async def test_two_runners_of_one_batch_make_each_task_once(api, shop, backend, monkeypatch):
    require_postgres(backend)
    monkeypatch.setattr(batches, "CHUNK", 2)
    batch = await TaskBatch.create(
        segment_id=(await segment()).id,
        due_on=today(),
        instructions="x",
        created_by="test",
        created_at=shop["store"].created_at,
    )

    ran = await asyncio.gather(*(batches.run_batch(batch.id) for _ in range(3)))

    assert {(b.state, b.tasks_created, b.members_without_guide) for b in ran} == {
        (BatchState.DONE, 5, 1)
    }
    assert await GuideTask.all().count() == 5


@pytest.mark.parametrize(
    ("wanted", "positions"),
    [
        ({"due": "OVERDUE"}, [0]),
        ({"due": "TODAY"}, [1]),
        ({"due": "UPCOMING"}, [2]),
        ({"states": ["OPEN"], "kinds": ["BATCH"]}, [0, 1, 2]),
        ({"kinds": ["BIRTHDAY"]}, []),
        ({"states": ["DONE", "SKIPPED"]}, []),
    ],
)
async def test_a_guide_filters_their_tasks_by_due_state_and_kind(api, shop, wanted, positions):
    await _batch(api)
    for offset, member in zip((-1, 0, 1), shop["of_a"], strict=True):
        await GuideTask.filter(member_id=member).update(due_on=today() + timedelta(days=offset))

    listed = await shop["a"].client.data(TASKS, {"filter": wanted})

    assert sorted(e["node"]["memberId"] for e in listed["guideTasks"]["edges"]) == sorted(
        to_global_id("Member", shop["of_a"][p]) for p in positions
    )

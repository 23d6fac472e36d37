"""The two halves of the guide workbench joined (issue 17): the store manager's view shows the
tasks, content shares and guide coupons per guide; the customer page has the customer's tasks;
the customer list filters on an open task; a task is finished only with a follow-up of its own
customer by its own guide. Scope: a guide never sees another guide's tasks this way."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest

from api.graphql.ids import to_global_id
from distribution.content.models import ContentItem, ContentShare, ContentTarget
from distribution.follow_ups.models import FollowUpChannel, FollowUpOutcome
from distribution.follow_ups.service import FollowUpInput, record_follow_up
from domain import clock
from domain.clock import SHANGHAI
from domain.members.queries import MemberScope
from domain.org.models import StaffRole
from loyalty.workbench.models import GuideCoupon, GuideTask, TaskKind, TaskState
from loyalty.workbench.tasks import today
from tests.support.api import make_store
from tests.support.customers import make_customer
from tests.support.sql import count_statements

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
OVERVIEW = """
query($p: ReportPeriodInput!) { guideOverview(period: $p) {
  rows { staffId more { name value } }
} }
"""
LIST = """
query($f: CustomerFilterInput) { customers(filter: $f, first: 50) {
  totalCount edges { node { id } } } }
"""
PAGE = """
query($id: ID!, $n: Int) { customer(id: $id) { tasks(first: $n) {
  totalCount edges { node { id guideId state } } } } }
"""
COMPLETE = """
mutation($id: ID!, $f: ID) {
  completeGuideTask(id: $id, outcome: "已回访", followUpId: $f) {
    task { state followUpId } errors { code field }
  }
}
"""


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


async def task(member_id: int, store, guide, due_on: date, state=TaskState.OPEN) -> GuideTask:
    return await GuideTask.create(
        kind=TaskKind.AT_RISK,
        member_id=member_id,
        store_id=store.id,
        guide_id=guide.staff.id,
        due_on=due_on,
        state=state,
        created_at=clock.now(),
    )


async def share(item: ContentItem, guide, store, at: datetime) -> None:
    await ContentShare.create(
        item=item, guide_id=guide.staff.id, store_id=store.id, link_id=1, shared_at=at
    )


async def content_item() -> ContentItem:
    moment = clock.now()
    return await ContentItem.create(
        title="面霜回购",
        share_text="老客回购价",
        target=ContentTarget.CAMPAIGN,
        campaign="spring",
        valid_from=moment,
        valid_until=moment + timedelta(days=1),
        created_by="test",
        created_at=moment,
        updated_at=moment,
    )


async def follow_up(staff, member_id: int, scope: MemberScope) -> int:
    given = FollowUpInput(FollowUpChannel.CALL, FollowUpOutcome.REACHED)
    return (await record_follow_up(staff, scope, member_id, given)).id


# --- the store manager's view (item 6)


@pytest.fixture
async def march(api):
    """A store with guides A and B and March's tasks, shares and coupons, with one of each
    just outside March on either side (Asia/Shanghai days)."""
    store = await make_store()
    a = await api.staff(StaffRole.GUIDE, store)
    b = await api.staff(StaffRole.GUIDE, store)
    m = await make_customer(store, a.staff.id)
    n = await make_customer(store, b.staff.id)
    await task(m, store, a, date(2026, 3, 2), TaskState.DONE)
    await task(m, store, a, date(2026, 3, 31))  # open, due before today: overdue
    await task(m, store, a, date(2026, 3, 15), TaskState.SKIPPED)
    await task(m, store, a, date(2026, 4, 1))  # April's
    await task(n, store, b, date(2026, 3, 10), TaskState.DONE)
    await task(n, store, b, date(2026, 2, 28))  # February's
    item = await content_item()
    await share(item, a, store, datetime(2026, 3, 1, 0, 0, tzinfo=SHANGHAI))  # 02-28 16:00 UTC
    await share(item, a, store, datetime(2026, 3, 31, 23, 59, tzinfo=SHANGHAI))
    await share(item, a, store, datetime(2026, 4, 1, 0, 0, tzinfo=SHANGHAI))  # April's
    await share(item, b, store, datetime(2026, 2, 28, 23, 59, tzinfo=SHANGHAI))  # February's
    for coupon_id, at in ((9001, datetime(2026, 3, 5, tzinfo=SHANGHAI)),
                          (9002, datetime(2026, 4, 1, tzinfo=SHANGHAI))):  # fmt: skip
        await GuideCoupon.create(
            coupon_id=coupon_id,
            guide_id=b.staff.id,
            store_id=store.id,
            member_id=n,
            template_id=1,
            issued_at=at,
        )
    return store, a, b


async def test_the_managers_view_shows_tasks_shares_and_coupons_per_guide(api, march):
    store, a, b = march
    manager = await api.staff(StaffRole.STORE_MANAGER, store)

    data = (await manager.client.data(OVERVIEW, {"p": MARCH}))["guideOverview"]
    response = await api.http.get(
        "/admin/exports/guide-overview.csv",
        params=MARCH,
        headers={"Authorization": f"Bearer {manager.client.token}"},
    )

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").removeprefix("\ufeff"))))
    assert rows[0][8:] == [
        "tasks_due", "tasks_done", "tasks_overdue", "content_shares", "guide_coupons_issued",
        "guide_coupons_used",
    ]  # fmt: skip
    assert {row[0]: row[8:] for row in rows[1:]} == {
        str(a.staff.id): ["3", "1", "1", "2", "0", "0"],
        str(b.staff.id): ["1", "1", "0", "0", "1", "0"],
    }
    more = {row["staffId"]: {f["name"]: f["value"] for f in row["more"]} for row in data["rows"]}
    assert more[gid("Staff", a.staff.id)] == {
        "tasks_due": 3,
        "tasks_done": 1,
        "tasks_overdue": 1,
        "content_shares": 2,
        "guide_coupons_issued": 0,
        "guide_coupons_used": 0,
    }
    assert more[gid("Staff", b.staff.id)] == {
        "tasks_due": 1,
        "tasks_done": 1,
        "tasks_overdue": 0,
        "content_shares": 0,
        "guide_coupons_issued": 1,
        "guide_coupons_used": 0,
    }


async def test_another_stores_manager_sees_none_of_it(api, march):
    elsewhere = await make_store()
    manager = await api.staff(StaffRole.STORE_MANAGER, elsewhere)
    await api.staff(StaffRole.GUIDE, elsewhere)

    data = (await manager.client.data(OVERVIEW, {"p": MARCH}))["guideOverview"]

    assert [{f["value"] for f in row["more"]} for row in data["rows"]] == [{0}]


async def test_the_view_costs_the_same_statements_for_one_guide_or_many(api, march):
    store, _, _ = march
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    counts = []
    for extra_guides in (0, 3):
        for _ in range(extra_guides):
            guide = await api.staff(StaffRole.GUIDE, store)
            await task(await make_customer(store, guide.staff.id), store, guide, date(2026, 3, 3))
        with count_statements() as log:
            data = await manager.client.data(OVERVIEW, {"p": MARCH})
        counts.append((len(data["guideOverview"]["rows"]), log.count))

    # token 1, the page with its totals 1; tasks 2, shares 1, coupons 2: one call each
    assert counts == [(2, 7), (5, 7)]


# --- the customer page's tasks and the open-task filter (items 1 and 3)


@pytest.fixture
async def counter(api):
    """Guides A and B of one store. A's customers: `open_` (an open task of A's and a task B
    finished before the customer moved to A), `done` (a finished task only), `none` (no task),
    `others` (an open task still B's)."""
    store = await make_store()
    a = await api.staff(StaffRole.GUIDE, store)
    b = await api.staff(StaffRole.GUIDE, store)
    open_, done, none, others = [await make_customer(store, a.staff.id) for _ in range(4)]
    mine = await task(open_, store, a, today())
    earlier = await task(open_, store, b, today() - timedelta(days=9), TaskState.DONE)
    await task(done, store, a, today(), TaskState.DONE)
    await task(others, store, b, today())
    customers = {"open": open_, "done": done, "none": none, "others": others}
    return store, a, b, customers, mine, earlier


async def test_a_guide_sees_only_their_own_tasks_on_a_customers_page(api, counter):
    store, a, b, customers, mine, earlier = counter
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    page = {"id": gid("Member", customers["open"]), "n": 10}

    guides = (await a.client.data(PAGE, page))["customer"]["tasks"]
    managers = (await manager.client.data(PAGE, page))["customer"]["tasks"]
    other_guide = await b.client.data(PAGE, page)

    assert guides["totalCount"] == 1
    assert guides["edges"] == [
        {"node": {"id": gid("GuideTask", mine.id), "guideId": gid("Staff", a.staff.id),
                  "state": "OPEN"}}
    ]  # fmt: skip
    assert [e["node"]["id"] for e in managers["edges"]] == [
        gid("GuideTask", mine.id),
        gid("GuideTask", earlier.id),
    ]
    assert other_guide == {"customer": None}


async def test_the_tasks_section_costs_constant_statements(api, counter):
    store, _, _, customers, _, _ = counter
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    counts = []
    for size in (1, 10):
        with count_statements() as log:
            await manager.client.data(PAGE, {"id": gid("Member", customers["open"]), "n": size})
        counts.append(log.count)

    # token 1, the customer 1, the tasks page and count 2
    assert counts == [4, 4]


async def test_has_open_task_means_an_open_task_in_the_callers_reach(api, counter):
    store, a, _, customers, _, _ = counter
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    admin = await api.staff(StaffRole.HQ_ADMIN)

    async def listed(staff, has: bool) -> set[str]:
        data = await staff.client.data(LIST, {"f": {"hasOpenTask": has}})
        assert data["customers"]["totalCount"] == len(data["customers"]["edges"])
        return {e["node"]["id"] for e in data["customers"]["edges"]}

    def ids(*names: str) -> set[str]:
        return {gid("Member", customers[name]) for name in names}

    # a guide: only their own open tasks count (B's open task for A's customer does not)
    assert await listed(a, True) == ids("open")
    assert await listed(a, False) == ids("done", "none", "others")
    # the store manager and HQ: any open task of the store / anywhere
    assert await listed(manager, True) == ids("open", "others")
    assert await listed(manager, False) == ids("done", "none")
    assert await listed(admin, True) == ids("open", "others")


async def test_the_open_task_filter_adds_no_statement(api, counter):
    _, a, _, _, _, _ = counter
    counts = []
    for variables in ({}, {"f": {"hasOpenTask": True}}, {"f": {"hasOpenTask": False}}):
        with count_statements() as log:
            await a.client.data(LIST, variables)
        counts.append(log.count)

    assert counts[0] == counts[1] == counts[2]


# --- finishing a task with its follow-up (item 3, with item 2's FollowUp)


async def test_a_task_is_finished_only_with_its_customers_follow_up_by_its_guide(api, counter):
    store, a, _, customers, mine, _ = counter
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    a_scope = MemberScope(guide_id=a.staff.id)
    other_customer = await follow_up(a.staff, customers["done"], a_scope)
    by_manager = await follow_up(manager.staff, customers["open"], MemberScope(store_id=store.id))
    right = await follow_up(a.staff, customers["open"], a_scope)
    task_id = gid("GuideTask", mine.id)

    refused = [
        (await a.client.data(COMPLETE, {"id": task_id, "f": gid("FollowUp", pk)}))[
            "completeGuideTask"
        ]
        for pk in (other_customer, by_manager, right + 1000)
    ]
    unchanged = await GuideTask.get(id=mine.id)
    done = await a.client.data(COMPLETE, {"id": task_id, "f": gid("FollowUp", right)})

    not_found = {"task": None, "errors": [{"code": "NOT_FOUND", "field": "followUpId"}]}
    assert refused == [not_found] * 3
    assert (unchanged.state, unchanged.follow_up_id, unchanged.outcome) == (
        TaskState.OPEN,
        None,
        None,
    )
    assert done["completeGuideTask"] == {
        "task": {"state": "DONE", "followUpId": gid("FollowUp", right)},
        "errors": [],
    }

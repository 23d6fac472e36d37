"""Follow-ups in the figures (SPEC 12 and 22, issue 17 items 2 and 6): orders credited to the
latest follow-up within guide.follow_up_credit_days, guide performance's follow-up columns,
and the store manager's per-guide overview with its CSV and its extension point."""

import csv
import io
from datetime import datetime, timedelta

import pytest

from api.admin import guide_overview
from api.graphql.ids import to_global_id
from distribution.follow_ups.models import FollowUpChannel, FollowUpOutcome
from distribution.follow_ups.service import FollowUpInput, record_follow_up
from distribution.service_relationships import Transfer, transfer_customers
from domain import clock
from domain.clock import SHANGHAI
from domain.members.models import Member
from domain.members.queries import MemberScope
from domain.orders.models import Order
from domain.org.models import StaffRole
from domain.settings.service import update_settings
from tests.support.api import make_store
from tests.support.audience import paid_order
from tests.support.customers import make_customer

T = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
PERFORMANCE = """
query($p: ReportPeriodInput!) { guidePerformance(period: $p) {
  rows { staffId figures { followUps followUpConversionBp followUpOrders followUpSales { fen } } }
  totals { followUps followUpConversionBp followUpOrders followUpSales { fen } }
} }
"""
OVERVIEW = """
query($p: ReportPeriodInput!, $s: ID) { guideOverview(period: $p, storeId: $s) {
  rows { staffId displayName figures { customers newMembers followUps orders sales { fen } }
    more { name value } }
  totals { customers newMembers followUps orders sales { fen } }
  rowCount errors { code }
} }
"""


async def follow_up(guide, member_id: int, at: datetime) -> None:
    with clock.frozen_at(at):
        await record_follow_up(
            guide.staff,
            MemberScope(guide_id=guide.staff.id),
            member_id,
            FollowUpInput(FollowUpChannel.CALL, FollowUpOutcome.REACHED),
        )


def staff_gid(session) -> str:
    return to_global_id("Staff", session.staff.id)


@pytest.fixture
async def month(api):
    """March 2026 of two guides of one store: follow-ups and the orders after them."""
    store = await make_store()
    a = await api.staff(StaffRole.GUIDE, store)
    b = await api.staff(StaffRole.GUIDE, store)
    bound = T - timedelta(days=30)
    m1 = await make_customer(store, a.staff.id, bound_at=bound)
    m2 = await make_customer(store, a.staff.id, bound_at=bound)
    m3 = await make_customer(store, a.staff.id, bound_at=bound)
    await paid_order(m1, T - timedelta(days=1), fen=1_000)  # before: not credited
    await follow_up(a, m1, T)
    await paid_order(m1, T + timedelta(days=2), fen=10_000)  # credited to a
    await paid_order(m1, T + timedelta(days=7, seconds=1), fen=4_000)  # too late
    await follow_up(a, m2, T)
    with clock.frozen_at(T + timedelta(hours=12)):  # m2 moves to b, who follows up next
        await transfer_customers(Transfer(a.staff.id, b.staff.id, (m2,)), store.id, "test")
    await follow_up(b, m2, T + timedelta(days=1))
    await paid_order(m2, T + timedelta(days=2), fen=25_000)  # credited to b, the latest
    await follow_up(a, m3, T)  # nothing bought
    await follow_up(a, m3, T + timedelta(days=40))  # April: not March's
    return store, a, b


async def test_guide_performance_credits_the_latest_follow_up_within_the_window(api, month):
    _, a, b = month
    operator = await api.staff(StaffRole.HQ_OPERATOR)

    data = await operator.client.data(PERFORMANCE, {"p": MARCH})

    rows = {r["staffId"]: r["figures"] for r in data["guidePerformance"]["rows"]}
    assert rows[staff_gid(a)] == {
        "followUps": 3,
        "followUpConversionBp": 3333,
        "followUpOrders": 1,
        "followUpSales": {"fen": 10_000},
    }
    assert rows[staff_gid(b)] == {
        "followUps": 1,
        "followUpConversionBp": 10_000,
        "followUpOrders": 1,
        "followUpSales": {"fen": 25_000},
    }
    assert data["guidePerformance"]["totals"] == {
        "followUps": 4,
        "followUpConversionBp": 5000,
        "followUpOrders": 2,
        "followUpSales": {"fen": 35_000},
    }


async def test_the_credit_window_is_the_setting_when_the_follow_up_was_recorded(api):
    store = await make_store()
    guide = await api.staff(StaffRole.GUIDE, store)
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    early = await make_customer(store, guide.staff.id)
    late = await make_customer(store, guide.staff.id)
    await follow_up(guide, early, T)  # 7 days
    await update_settings([("guide.follow_up_credit_days", "3")], "test")
    await follow_up(guide, late, T)  # 3 days
    await update_settings([("guide.follow_up_credit_days", "7")], "test")
    await paid_order(early, T + timedelta(days=5), fen=2_000)
    await paid_order(late, T + timedelta(days=5), fen=3_000)

    data = await operator.client.data(PERFORMANCE, {"p": MARCH})

    [row] = [r for r in data["guidePerformance"]["rows"] if r["staffId"] == staff_gid(guide)]
    assert row["figures"] == {
        "followUps": 2,
        "followUpConversionBp": 5000,
        "followUpOrders": 1,
        "followUpSales": {"fen": 2_000},
    }


async def test_a_guide_without_follow_ups_has_no_conversion(api):
    await api.staff(StaffRole.GUIDE)
    operator = await api.staff(StaffRole.HQ_OPERATOR)

    data = await operator.client.data(PERFORMANCE, {"p": MARCH})

    assert [r["figures"] for r in data["guidePerformance"]["rows"]] == [
        {"followUps": 0, "followUpConversionBp": None, "followUpOrders": 0,
         "followUpSales": {"fen": 0}}
    ]  # fmt: skip


async def _served_orders_and_sign_ups(month) -> None:
    """Give guide a two paid orders it served in March and one member it signed up."""
    store, a, _ = month
    orders = await Order.filter(paid_at__isnull=False).order_by("paid_at", "id").limit(2)
    await Order.filter(id__in=[o.id for o in orders]).update(
        service_guide_id=a.staff.id, service_store_id=store.id
    )
    signed = await make_customer(store, a.staff.id)
    await Member.filter(id=signed).update(created_at=T, source_guide_id=a.staff.id)


async def test_the_store_manager_sees_each_guide_of_the_store(api, month):
    store, a, b = month
    await _served_orders_and_sign_ups(month)
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    await api.staff(StaffRole.GUIDE)  # another store's guide

    data = (await manager.client.data(OVERVIEW, {"p": MARCH}))["guideOverview"]

    by_guide = {r["staffId"]: r for r in data["rows"]}
    assert data["rowCount"] == 2
    assert by_guide[staff_gid(a)]["figures"] == {
        "customers": 2,  # m1 and m3 (m2 moved to b); the sign-up was bound after March
        "newMembers": 1,
        "followUps": 3,
        "orders": 2,
        "sales": {"fen": 1_000 + 10_000},
    }
    assert by_guide[staff_gid(b)]["figures"] == {
        "customers": 1,
        "newMembers": 0,
        "followUps": 1,
        "orders": 0,
        "sales": {"fen": 0},
    }
    assert by_guide[staff_gid(a)]["more"] == []
    assert data["totals"] == {
        "customers": 3,
        "newMembers": 1,
        "followUps": 4,
        "orders": 2,
        "sales": {"fen": 11_000},
    }


async def test_another_stores_overview_is_empty_for_a_store_manager(api, month):
    manager = await api.staff(StaffRole.STORE_MANAGER, await make_store())
    store, _, _ = month

    data = await manager.client.data(OVERVIEW, {"p": MARCH, "s": to_global_id("Store", store.id)})

    assert data["guideOverview"]["rows"] == []
    assert data["guideOverview"]["rowCount"] == 0


async def _csv(api, staff, **params) -> tuple[int, list[list[str]]]:
    response = await api.http.get(
        "/admin/exports/guide-overview.csv",
        params=params,
        headers={"Authorization": f"Bearer {staff.client.token}"},
    )
    text = response.content.decode("utf-8")
    return response.status_code, list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


async def test_the_overview_exports_as_csv_for_the_managers_store(api, month):
    store, a, b = month
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    guide = await api.staff(StaffRole.GUIDE, store)

    status, rows = await _csv(api, manager, **MARCH)
    refused, _ = await _csv(api, guide, **MARCH)

    assert status == 200
    assert rows[0] == [
        "staff_id", "display_name", "store_id", "customers", "new_members", "follow_ups",
        "orders", "sales_fen",
    ]  # fmt: skip
    body = sorted(rows[1:])
    assert body == sorted(
        [
            [str(a.staff.id), a.staff.display_name, str(store.id), "2", "0", "3", "0", "0"],
            [str(b.staff.id), b.staff.display_name, str(store.id), "1", "0", "1", "0", "0"],
            [str(guide.staff.id), guide.staff.display_name, str(store.id), "0", "0", "0", "0",
             "0"],
        ]
    )  # fmt: skip
    assert refused == 403


async def test_registered_figure_providers_add_columns_to_the_view_and_the_csv(
    api, month, monkeypatch
):
    store, a, b = month
    manager = await api.staff(StaffRole.STORE_MANAGER, store)
    asked = []

    async def tasks(store_id, period):
        asked.append((store_id, period.start))
        return {a.staff.id: {"tasks_done": 2, "tasks_overdue": 1}}

    monkeypatch.setattr(guide_overview, "_PROVIDERS", [])
    guide_overview.register_guide_figures(
        guide_overview.GuideFigureProvider(("tasks_done", "tasks_overdue"), tasks)
    )

    data = (await manager.client.data(OVERVIEW, {"p": MARCH}))["guideOverview"]
    _, rows = await _csv(api, manager, **MARCH)

    more = {r["staffId"]: r["more"] for r in data["rows"]}
    assert more[staff_gid(a)] == [
        {"name": "tasks_done", "value": 2},
        {"name": "tasks_overdue", "value": 1},
    ]
    assert more[staff_gid(b)] == [
        {"name": "tasks_done", "value": 0},
        {"name": "tasks_overdue", "value": 0},
    ]
    assert rows[0][-2:] == ["tasks_done", "tasks_overdue"]
    assert {row[0]: row[-2:] for row in rows[1:]} == {
        str(a.staff.id): ["2", "1"],
        str(b.staff.id): ["0", "0"],
    }
    assert asked == [(store.id, T.replace(day=1, hour=0))] * 2

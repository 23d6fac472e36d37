"""Who may read which report, and a store manager confined to their store (SPEC 12, 13):
another store's report, over GraphQL or CSV, gives nothing of it. Bad filters are refused with
a clear message and no rows."""

import pytest

from api.graphql.ids import to_global_id
from domain.org.models import StaffRole, StoreTarget
from tests.support.reports import build_business

PERIOD = {"from": "2026-03-01", "to": "2026-03-31"}
STORES = """
query($period: ReportPeriodInput!, $storeId: ID) {
  storePerformance(period: $period, storeId: $storeId) {
    rows { storeId figures { sales { fen } } } totals { sales { fen } orders } rowCount
    errors { code field message }
  }
}
"""
COMMISSION = """
query($period: ReportPeriodInput!, $storeId: ID) {
  commissionReport(period: $period, storeId: $storeId, dimension: STORE, groupBy: MONTH) {
    rows { key figures { accrued { fen } } } totals { accrued { fen } } rowCount errors { code }
  }
}
"""
FIELDS = {
    "commissionReport": "totals { accrued { fen } }",
    "promoterRanking": "totals { paid { fen } }",
    "storePerformance": "totals { sales { fen } }",
    "guidePerformance": "totals { sales { fen } }",
    "channelCohorts": "totals { members }",
    "shareFunnel": "totals { visits }",
}


def report_query(name: str) -> str:
    return f"query($p: ReportPeriodInput!) {{ {name}(period: $p) {{ {FIELDS[name]} }} }}"


@pytest.fixture
async def business(api):
    return await build_business(api)


async def test_a_store_manager_sees_their_store_only(api, business):
    manager = await api.staff(StaffRole.STORE_MANAGER, business.s1)
    s1, s2 = (to_global_id("Store", s.id) for s in (business.s1, business.s2))

    own = (await manager.client.data(STORES, {"period": PERIOD}))["storePerformance"]
    other = (await manager.client.data(STORES, {"period": PERIOD, "storeId": s2}))[
        "storePerformance"
    ]

    assert [row["storeId"] for row in own["rows"]] == [s1]
    assert own["totals"] == {"sales": {"fen": 39800}, "orders": 1}
    assert other == {
        "rows": [],
        "totals": {"sales": {"fen": 0}, "orders": 0},
        "rowCount": 0,
        "errors": [],
    }


async def test_a_store_manager_gets_only_their_stores_commission(api, business):
    manager = await api.staff(StaffRole.STORE_MANAGER, business.s2)
    s1 = to_global_id("Store", business.s1.id)

    own = (await manager.client.data(COMMISSION, {"period": PERIOD}))["commissionReport"]
    other = (await manager.client.data(COMMISSION, {"period": PERIOD, "storeId": s1}))[
        "commissionReport"
    ]

    # s2 is FRANCHISE: its STORE_SHARE is 500 bp of 19900
    assert own["rows"] == [
        {"key": to_global_id("Store", business.s2.id), "figures": {"accrued": {"fen": 995}}}
    ]
    assert other["rows"] == [] and other["totals"] == {"accrued": {"fen": 0}}


async def test_a_store_managers_csv_of_another_store_is_the_header_alone(api, business):
    manager = await api.staff(StaffRole.STORE_MANAGER, business.s1)
    s2 = to_global_id("Store", business.s2.id)
    for report in ("store-performance", "commission", "commission-entries", "guide-performance"):
        response = await api.http.get(
            f"/admin/exports/{report}.csv",
            params={"from": "2026-03-01", "to": "2026-03-31", "storeId": s2},
            headers={"Authorization": f"Bearer {manager.client.token}"},
        )
        assert response.status_code == 200
        assert len(response.text.strip().splitlines()) == 1, report


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (StaffRole.HQ_ADMIN, set(FIELDS)),
        (StaffRole.HQ_OPERATOR, set(FIELDS)),
        (StaffRole.STORE_MANAGER, set(FIELDS)),
        (StaffRole.HQ_FINANCE, {"commissionReport", "promoterRanking"}),
        (StaffRole.GUIDE, set()),
    ],
)
async def test_report_readers_by_role(api, db, role, allowed):
    staff = await api.staff(role)
    for name in FIELDS:
        body = await staff.client.gql(report_query(name), {"p": PERIOD})
        if name in allowed:
            assert "errors" not in body, (name, body)
        else:
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", name
            assert body["data"] is None


@pytest.mark.parametrize(
    ("period", "detail"),
    [
        ({"from": "2026-03-31", "to": "2026-03-01"}, "from must not be after to"),
        ({"from": "2025-01-01", "to": "2026-03-01"}, "at most 366 days"),
    ],
)
async def test_a_bad_period_is_a_user_error_with_no_rows(api, db, period, detail):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    report = (await operator.client.data(STORES, {"period": period}))["storePerformance"]
    assert report["rows"] == [] and report["rowCount"] == 0
    assert [(e["code"], e["field"]) for e in report["errors"]] == [("INVALID_PERIOD", "period")]
    assert detail in report["errors"][0]["message"]
    assert "报表周期无效" in report["errors"][0]["message"]


async def test_a_foreign_store_id_is_a_user_error(api, db):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    bad = to_global_id("Staff", 1)
    report = (await operator.client.data(STORES, {"period": PERIOD, "storeId": bad}))[
        "storePerformance"
    ]
    assert [(e["code"], e["field"]) for e in report["errors"]] == [("INVALID_ID", "storeId")]


async def test_report_pages_are_bounded_and_cost_counted(api, db):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    query = (
        "query($p: ReportPeriodInput!) { storePerformance(period: $p, first: 101) { rowCount } }"
    )
    body = await operator.client.gql(query, {"p": PERIOD})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    body = await operator.client.gql(STORES, {"period": PERIOD})
    # 100 rows × their fields, like a 100-node connection page
    assert 1000 < body["extensions"]["cost"] < 20_000


TARGETS = """
mutation($input: StoreTargetsInput!) {
  setStoreTargets(input: $input) { targets { month } errors { code field } }
}
"""


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"month": "2026-13"}, ("INVALID_TARGET_MONTH", "input.month")),
        ({"salesFen": -1}, ("OUT_OF_RANGE", "input.salesFen")),
        ({"storeId": to_global_id("Store", 999_999)}, ("NOT_FOUND", "input.storeId")),
    ],
)
async def test_bad_store_targets_are_refused_and_nothing_is_stored(api, db, change, error):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    store = (await api.staff(StaffRole.STORE_MANAGER)).staff.store_id
    target = {"storeId": to_global_id("Store", store), "month": "2026-03", "salesFen": 100}
    payload = (await operator.client.data(TARGETS, {"input": target | change}))["setStoreTargets"]
    assert payload == {
        "targets": None,
        "errors": [dict(zip(("code", "field"), error, strict=True))],
    }
    assert await StoreTarget.all().count() == 0


async def test_only_hq_operators_set_store_targets(api, db):
    manager = await api.staff(StaffRole.STORE_MANAGER)
    target = {"storeId": to_global_id("Store", manager.staff.store_id), "month": "2026-03"}
    body = await manager.client.gql(TARGETS, {"input": target})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await StoreTarget.all().count() == 0

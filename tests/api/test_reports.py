"""HQ reports (SPEC 12) on a business built through the real API: every total equals sums
computed independently from ledger, entry, order and visit rows; amounts and counts are exact."""

from collections import defaultdict
from datetime import timedelta

import pytest

from api.graphql.ids import to_global_id
from distribution.models import (
    AccountOwner,
    CommissionAccount,
    CommissionEntry,
    EntryStatus,
    LedgerEntry,
    LedgerKind,
    MemberCohortValue,
    ShareVisit,
)
from distribution.reports.rollups import (
    HORIZONS,
    rebuild_cohort_values,
    rebuild_commission_days,
)
from domain import clock
from domain.catalog.models import Sku
from domain.members.models import Member
from domain.orders.models import Order
from domain.org.models import StaffRole
from tests.api.test_one_id import BIND
from tests.support.catalog import make_category, make_product
from tests.support.commission import commission_days, commission_days_from_ledger
from tests.support.orders import delivery, pay, place_ok
from tests.support.reports import build_business

PERIOD = {"from": "2026-03-01", "to": "2026-03-31"}
MONEY = "{ fen }"
COMMISSION = f"""
query(
  $period: ReportPeriodInput!, $dimension: CommissionDimension!, $groupBy: ReportGranularity!
) {{
  commissionReport(period: $period, dimension: $dimension, groupBy: $groupBy) {{
    rows {{ bucket key label figures {{ accrued {MONEY} cancelled {MONEY} settled {MONEY}
      clawedBack {MONEY} withdrawn {MONEY} adjusted {MONEY} pendingNow {MONEY} }} }}
    totals {{ accrued {MONEY} cancelled {MONEY} settled {MONEY} clawedBack {MONEY}
      withdrawn {MONEY} adjusted {MONEY} pendingNow {MONEY} }}
    rowCount errors {{ code field message }}
  }}
}}
"""
PROMOTERS = f"""
query($period: ReportPeriodInput!) {{
  promoterRanking(period: $period) {{
    rows {{ rank distributorId kind figures {{ referredMembers orders paid {MONEY}
      commission {MONEY} withdrawn {MONEY} pending {MONEY} }} }}
    totals {{ referredMembers orders paid {MONEY} commission {MONEY} withdrawn {MONEY}
      pending {MONEY} }}
    rowCount errors {{ code }}
  }}
}}
"""
STORES = f"""
query($period: ReportPeriodInput!, $storeId: ID) {{
  storePerformance(period: $period, storeId: $storeId) {{
    rows {{ storeId storeName figures {{ relationships buyers orders sales {MONEY} conversion
      frequency averageOrderValue {MONEY} distributionSales {MONEY} newMembers shareLinks
      shareVisits targetSales {MONEY} salesAttainmentBp newMembersAttainmentBp }} }}
    totals {{ buyers orders sales {MONEY} }}
    rowCount errors {{ code field }}
  }}
}}
"""
GUIDES = f"""
query($period: ReportPeriodInput!, $storeId: ID) {{
  guidePerformance(period: $period, storeId: $storeId) {{
    rows {{ staffId storeId figures {{ customers newCustomers newBindings orders sales {MONEY}
      commission {MONEY} }} }}
    totals {{ orders sales {MONEY} commission {MONEY} }}
    rowCount errors {{ code }}
  }}
}}
"""
COHORTS = f"""
query($period: ReportPeriodInput!) {{
  channelCohorts(period: $period) {{
    rows {{ joinMonth channel completeDays figures {{ members buyers paid30d {MONEY}
      paid180d {MONEY} valuePerMember30d {MONEY} }} }}
    totals {{ members buyers paid30d {MONEY} paid90d {MONEY} paid180d {MONEY} }}
    rowCount errors {{ code }}
  }}
}}
"""
FUNNEL = f"""
query($period: ReportPeriodInput!, $groupBy: ShareFunnelGrouping!) {{
  shareFunnel(period: $period, groupBy: $groupBy) {{
    rows {{ linkCode distributorId
      figures {{ visits uniqueVisitors bindings orders paid {MONEY} }} }}
    totals {{ visits uniqueVisitors bindings orders paid {MONEY} }}
    rowCount errors {{ code }}
  }}
}}
"""
TARGETS = """
mutation($input: StoreTargetsInput!) {
  setStoreTargets(input: $input) { targets { month sales { fen } } errors { code field } }
}
"""


def fen(figures: dict) -> dict:
    return {k: v["fen"] if isinstance(v, dict) else v for k, v in figures.items()}


async def ledger_sums() -> dict[str, int]:
    """The commission report's figures computed straight from ledger and entry rows."""
    sums: dict[LedgerKind, int] = defaultdict(int)
    for row in await LedgerEntry.all():
        sums[row.kind] += row.pending_delta + row.available_delta + row.withdrawn_delta
    pending = sum(e.amount_fen for e in await CommissionEntry.filter(status=EntryStatus.PENDING))
    return {
        "accrued": sums[LedgerKind.ACCRUE],
        "cancelled": -sums[LedgerKind.CANCEL],
        # SETTLE moves pending to available and PAID withdrawing to withdrawn: count one side.
        "settled": sum(r.available_delta for r in await LedgerEntry.filter(kind="SETTLE")),
        "clawedBack": -sums[LedgerKind.CLAWBACK],
        "withdrawn": sum(r.withdrawn_delta for r in await LedgerEntry.filter(kind="PAID")),
        "adjusted": sums[LedgerKind.ADJUST],
        "pendingNow": pending,
    }


@pytest.fixture
async def business(api):
    return await build_business(api)


@pytest.mark.parametrize("dimension", ["STORE", "DISTRIBUTOR_KIND", "DISTRIBUTOR", "ROLE"])
@pytest.mark.parametrize("group_by", ["DAY", "MONTH"])
async def test_commission_report_totals_equal_the_ledger(api, business, dimension, group_by):
    # given the business; when finance asks for March
    finance = await api.staff(StaffRole.HQ_FINANCE)
    report = (
        await finance.client.data(
            COMMISSION, {"period": PERIOD, "dimension": dimension, "groupBy": group_by}
        )
    )["commissionReport"]

    # then totals are the ledger's, and the rows add up to them
    expected = await ledger_sums()
    assert report["errors"] == []
    assert fen(report["totals"]) == expected
    assert expected["accrued"] > 0 and expected["cancelled"] > 0 and expected["clawedBack"] > 0
    assert expected["settled"] > 0 and expected["withdrawn"] == 1000 and expected["adjusted"] == 500
    for name in expected:
        assert sum(fen(row["figures"])[name] for row in report["rows"]) == expected[name]
    assert report["rowCount"] == len(report["rows"])


async def test_commission_report_rows_per_distributor_are_their_ledger(api, business):
    finance = await api.staff(StaffRole.HQ_FINANCE)
    report = (
        await finance.client.data(
            COMMISSION, {"period": PERIOD, "dimension": "DISTRIBUTOR", "groupBy": "MONTH"}
        )
    )["commissionReport"]

    by_key = {row["key"]: fen(row["figures"]) for row in report["rows"]}
    for distributor in (business.k0, business.k1, business.guide_distributor):
        account = await CommissionAccount.get(
            owner_type=AccountOwner.DISTRIBUTOR, owner_id=distributor.id
        )
        rows = await LedgerEntry.filter(account_id=account.id)
        figures = by_key[to_global_id("Distributor", distributor.id)]
        assert figures["accrued"] == sum(r.pending_delta for r in rows if r.kind == "ACCRUE")
        assert figures["settled"] == sum(r.available_delta for r in rows if r.kind == "SETTLE")
        assert figures["withdrawn"] == account.withdrawn_fen
        # accrued − cancelled − settled + pending adjustments = pending balance
        assert figures["accrued"] - figures["cancelled"] - figures["settled"] == account.pending_fen
        assert (
            figures["settled"] - figures["clawedBack"] + figures["adjusted"] - figures["withdrawn"]
            == account.available_fen + account.withdrawing_fen
        )
    assert {row["bucket"] for row in report["rows"]} == {"2026-03-01"}


async def test_commission_day_rollup_equals_a_group_by_over_the_ledger(api, business):
    # given the business: accruals, settlements, refunds before (CANCEL) and after (CLAWBACK)
    # settlement, a paid withdrawal and an adjustment, each kept in the rollup as it happened
    kinds = set(await LedgerEntry.all().values_list("kind", flat=True))
    assert kinds >= {"ACCRUE", "CANCEL", "SETTLE", "CLAWBACK", "PAID", "ADJUST"}
    expected = await commission_days_from_ledger()

    # then the rollup kept by every move is exactly the ledger grouped per day, account, role
    assert await commission_days() == expected

    # and rebuilding it from the ledger (migration backfill, `siyu rebuild-report-rollups`)
    # gives the same rows
    await rebuild_commission_days()
    assert await commission_days() == expected


async def cohort_values() -> dict[int, tuple[int, ...]]:
    return {
        row.member_id: (row.paid_30d_fen, row.paid_90d_fen, row.paid_180d_fen)
        for row in await MemberCohortValue.all()
        if row.paid_180d_fen
    }


async def cohort_values_from_orders() -> dict[int, tuple[int, ...]]:
    """What each member paid within 30, 90 and 180 days of joining, from the order rows."""
    joined = {m.id: m.created_at for m in await Member.all()}
    values: dict[int, list[int]] = defaultdict(lambda: [0] * len(HORIZONS))
    for order in await Order.filter(paid_at__not_isnull=True):
        for index, days in enumerate(HORIZONS):
            if order.paid_at < joined[order.member_id] + timedelta(days=days):
                values[order.member_id][index] += order.payable_fen
    return {member: tuple(v) for member, v in values.items() if v[-1]}


async def test_cohort_values_kept_on_payment_equal_sums_over_paid_orders(api, business):
    expected = await cohort_values_from_orders()
    assert expected

    assert await cohort_values() == expected
    await rebuild_cohort_values()  # the migration's backfill gives the same rows
    assert await cohort_values() == expected


async def test_a_merge_moves_the_absorbed_members_orders_into_the_survivors_value(api):
    # given an older member who paid on joining and a newer one who paid 100 days later
    product = await make_product(await make_category(), (1000,), stock=10)
    sku = await Sku.get(product_id=product.id)
    start = clock.now()
    with clock.frozen_at(start):
        older = await api.member()
        await older.client.data(BIND, {"code": "dev-phone:13300008888"})
        await pay(api, older.client, await place_ok(older.client, delivery((sku, 1))))
    with clock.frozen_at(start + timedelta(days=100)):
        newer = await api.member()
        await pay(api, newer.client, await place_ok(newer.client, delivery((sku, 2))))
        assert set(await cohort_values()) == {older.member_id, newer.member_id}

        # when the newer one binds the older one's phone (One-ID: the older one survives)
        body = await newer.client.data(BIND, {"code": "dev-phone:13300008888"})
    assert body["bindPhone"]["merged"] is True

    # then the survivor's value counts both orders from its own joining day, and the absorbed
    # member has no value left
    values = await cohort_values()
    assert values == await cohort_values_from_orders()
    assert set(values) == {older.member_id}
    first, second = await Order.filter(member_id=older.member_id).order_by("id")
    assert values[older.member_id] == (
        first.payable_fen,
        first.payable_fen,
        first.payable_fen + second.payable_fen,
    )


@pytest.mark.parametrize("group_by", ["LINK", "DISTRIBUTOR"])
async def test_share_funnel_counts_visits_bindings_orders_and_paid(api, business, group_by):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    report = (await operator.client.data(FUNNEL, {"period": PERIOD, "groupBy": group_by}))[
        "shareFunnel"
    ]

    visits = await ShareVisit.all()
    linked = await Order.filter(share_link_id__not_isnull=True)
    totals = fen(report["totals"])
    assert totals["visits"] == len(visits) == 4
    assert totals["bindings"] == sum(v.outcome in ("BOUND", "REBOUND") for v in visits) == 2
    assert totals["orders"] == len(linked) == 2
    assert totals["paid"] == sum(o.payable_fen for o in linked if o.paid_at) == 39800
    # one visitor per link and per distributor here: k1 (k0's link), m twice on k1's link, m
    # on the guide's link
    assert totals["uniqueVisitors"] == 3
    top = report["rows"][0]
    assert fen(top["figures"]) == {
        "visits": 2,
        "uniqueVisitors": 1,
        "bindings": 0,
        "orders": 2,
        "paid": 39800,
    }
    assert top["distributorId"] == to_global_id("Distributor", business.k1.id)
    assert top["linkCode"] == (business.k1_link_code if group_by == "LINK" else None)

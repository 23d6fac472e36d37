"""The figures of each report, shared by its rows and its totals, mapped from SQL columns."""

from __future__ import annotations

from typing import Any

import strawberry

from api.graphql.scalars import Money
from domain.money import BP_SCALE


@strawberry.type
class CommissionFigures:
    accrued: Money = strawberry.field(
        description="Commission accrued on orders paid in the bucket."
    )
    cancelled: Money = strawberry.field(description="Taken off pending by refunds.")
    settled: Money = strawberry.field(description="Moved from pending to available.")
    clawed_back: Money = strawberry.field(description="Taken off available by refunds.")
    withdrawn: Money = strawberry.field(description="Paid out by withdrawals.")
    adjusted: Money = strawberry.field(description="Manual adjustments, net.")
    pending_now: Money = strawberry.field(
        description="What of these accruals is still pending today."
    )


def commission_figures(row: dict[str, Any]) -> CommissionFigures:
    return CommissionFigures(
        accrued=Money.of(row["accrued_fen"]),
        cancelled=Money.of(row["cancelled_fen"]),
        settled=Money.of(row["settled_fen"]),
        clawed_back=Money.of(row["clawed_back_fen"]),
        withdrawn=Money.of(row["withdrawn_fen"]),
        adjusted=Money.of(row["adjusted_fen"]),
        pending_now=Money.of(row["pending_now_fen"]),
    )


@strawberry.type
class PromoterFigures:
    referred_members: int = strawberry.field(description="New referral bindings in the period.")
    orders: int = strawberry.field(description="Paid orders they were level 1 on.")
    paid: Money = strawberry.field(
        description="What those orders paid (payable, before later refunds)."
    )
    commission: Money = strawberry.field(
        description="Commission accrued to them in the period, after refunds."
    )
    withdrawn: Money = strawberry.field(description="Balance today.")
    pending: Money = strawberry.field(description="Balance today.")


def promoter_figures(row: dict[str, Any]) -> PromoterFigures:
    return PromoterFigures(
        referred_members=row["referred_members"],
        orders=row["orders"],
        paid=Money.of(row["paid_fen"]),
        commission=Money.of(row["commission_fen"]),
        withdrawn=Money.of(row["withdrawn_fen"]),
        pending=Money.of(row["pending_fen"]),
    )


@strawberry.type(
    description="sales = relationships × conversion × frequency × averageOrderValue, each "
    "factor from exact counts (conversion and frequency rounded to 4 decimals for display)."
)
class StoreFigures:
    relationships: int = strawberry.field(
        description="Service relationships in force at the end of the period."
    )
    buyers: int = strawberry.field(
        description="Distinct members with a paid order served by the store."
    )
    orders: int = strawberry.field(description="Paid orders served by the store.")
    sales: Money = strawberry.field(
        description="What those orders paid (payable, before later refunds)."
    )
    conversion: float | None = strawberry.field(description="buyers / relationships")
    frequency: float | None = strawberry.field(description="orders / buyers")
    average_order_value: Money = strawberry.field(description="sales / orders, whole fen")
    distribution_sales: Money = strawberry.field(
        description="Sales through share links (分销业绩)."
    )
    new_members: int = strawberry.field(
        description="Members whose first-touch store it is (开卡数)."
    )
    share_links: int = strawberry.field(description="Share links its guides created.")
    share_visits: int = strawberry.field(description="Visits those links had.")
    target_new_members: int = strawberry.field(
        description="HQ's target for the months the period touches."
    )
    target_sales: Money = strawberry.field(
        description="HQ's target for the months the period touches."
    )
    target_distribution_sales: Money = strawberry.field(
        description="HQ's target for the months the period touches."
    )
    new_members_attainment_bp: int | None = strawberry.field(description="null without target")
    sales_attainment_bp: int | None = strawberry.field(
        description="sales / target in bp (10000 = 100%); null without target."
    )
    distribution_sales_attainment_bp: int | None = strawberry.field(
        description="distributionSales / target in bp; null without target."
    )


def store_figures(row: dict[str, Any]) -> StoreFigures:
    relationships, buyers, orders = row["relationships"], row["buyers"], row["orders"]
    sales = row["sales_fen"]
    return StoreFigures(
        relationships=relationships,
        buyers=buyers,
        orders=orders,
        sales=Money.of(sales),
        conversion=round(buyers / relationships, 4) if relationships else None,
        frequency=round(orders / buyers, 4) if buyers else None,
        average_order_value=Money.of(sales // orders if orders else 0),
        distribution_sales=Money.of(row["distribution_sales_fen"]),
        new_members=row["new_members"],
        share_links=row["share_links"],
        share_visits=row["share_visits"],
        target_new_members=row["target_new_members"],
        target_sales=Money.of(row["target_sales_fen"]),
        target_distribution_sales=Money.of(row["target_distribution_sales_fen"]),
        new_members_attainment_bp=_attainment(row["new_members"], row["target_new_members"]),
        sales_attainment_bp=_attainment(sales, row["target_sales_fen"]),
        distribution_sales_attainment_bp=_attainment(
            row["distribution_sales_fen"], row["target_distribution_sales_fen"]
        ),
    )


def _attainment(actual: int, target: int) -> int | None:
    """Actual against target in basis points (10000 = 100 %), floored."""
    return actual * BP_SCALE // target if target else None


@strawberry.type
class GuideFigures:
    customers: int = strawberry.field(description="In force at the end of the period.")
    new_customers: int = strawberry.field(description="Relationships that started in the period.")
    new_bindings: int = strawberry.field(
        description="New referral bindings to the guide's distributor."
    )
    orders: int = strawberry.field(description="Paid orders served by the guide.")
    sales: Money = strawberry.field(description="What those orders paid.")
    commission: Money = strawberry.field(
        description=("Commission accrued to the guide in the period, every role, after refunds.")
    )
    follow_ups: int = strawberry.field(
        description="Follow-ups (回访) the guide recorded in the period."
    )
    follow_up_conversion_bp: int | None = strawberry.field(
        description="Of those, the share credited with at least one paid order, in basis points"
        " (10000 = 100 %), floored; null without follow-ups."
    )
    follow_up_orders: int = strawberry.field(
        description="Paid orders credited to those follow-ups: paid within"
        " guide.follow_up_credit_days of one, each to the latest follow-up before it."
    )
    follow_up_sales: Money = strawberry.field(description="What those credited orders paid.")


def guide_figures(row: dict[str, Any]) -> GuideFigures:
    return GuideFigures(
        customers=row["customers"],
        new_customers=row["new_customers"],
        new_bindings=row["new_bindings"],
        orders=row["orders"],
        sales=Money.of(row["sales_fen"]),
        commission=Money.of(row["commission_fen"]),
        follow_ups=row["follow_ups"],
        follow_up_conversion_bp=_attainment(row["converted_follow_ups"], row["follow_ups"]),
        follow_up_orders=row["follow_up_orders"],
        follow_up_sales=Money.of(row["follow_up_sales_fen"]),
    )


@strawberry.type
class CohortFigures:
    members: int = strawberry.field(description="Members who joined in the cohort.")
    buyers: int = strawberry.field(description="Bought within 180 days of joining.")
    paid_30d: Money = strawberry.field(
        description="Paid within 30 days of joining, all members together."
    )
    paid_90d: Money = strawberry.field(description="Paid within 90 days of joining.")
    paid_180d: Money = strawberry.field(description="Paid within 180 days of joining.")
    value_per_member_30d: Money = strawberry.field(description="paid30d / members, whole fen")
    value_per_member_90d: Money = strawberry.field(description="paid90d / members, whole fen.")
    value_per_member_180d: Money = strawberry.field(description="paid180d / members, whole fen.")


def cohort_figures(row: dict[str, Any]) -> CohortFigures:
    members = row["members"]

    def per_member(fen: int) -> Money:
        return Money.of(fen // members if members else 0)

    return CohortFigures(
        members=members,
        buyers=row["buyers"],
        paid_30d=Money.of(row["paid_30d_fen"]),
        paid_90d=Money.of(row["paid_90d_fen"]),
        paid_180d=Money.of(row["paid_180d_fen"]),
        value_per_member_30d=per_member(row["paid_30d_fen"]),
        value_per_member_90d=per_member(row["paid_90d_fen"]),
        value_per_member_180d=per_member(row["paid_180d_fen"]),
    )


@strawberry.type
class FunnelFigures:
    visits: int = strawberry.field(description="Visits in the period.")
    unique_visitors: int = strawberry.field(
        description="Distinct visitors (a distributor's counted once across links)."
    )
    bindings: int = strawberry.field(description="Visits that bound or rebound the member.")
    orders: int = strawberry.field(description="Orders placed through the link(s) in the period.")
    paid: Money = strawberry.field(description="What those of them that were paid paid.")


def funnel_figures(row: dict[str, Any]) -> FunnelFigures:
    return FunnelFigures(
        visits=row["visits"],
        unique_visitors=row["unique_visitors"],
        bindings=row["bindings"],
        orders=row["orders"],
        paid=Money.of(row["paid_fen"]),
    )

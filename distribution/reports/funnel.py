"""Share funnel (SPEC 7, 12): visits → unique visitors → bindings → orders → paid fen, per share
link or per distributor. Visits, visitors and bindings (visits whose outcome bound or rebound
the member) are those of the period; orders are the orders placed through the link in the
period, and paid fen what those of them that were paid paid. A distributor's unique visitors
are counted across all their links, so they can be fewer than the sum over the links. Only
links (or distributors) with a visit or an order in the period are listed.

Cost: one grouped pass over the period's visits (index `share_visit_visited`) and one over the
period's orders placed through links (index `order_created`), joined to links and
distributors in scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from distribution.reports.periods import Period
from distribution.reports.run import Report, ReportQuery, total
from distribution.reports.sql import Dialect


class FunnelGrouping(StrEnum):
    LINK = "LINK"
    DISTRIBUTOR = "DISTRIBUTOR"


@dataclass(frozen=True)
class FunnelFilters:
    period: Period
    grouping: FunnelGrouping = FunnelGrouping.LINK
    store_id: int | None = None
    distributor_id: int | None = None


AMOUNTS = ("visits", "unique_visitors", "bindings", "orders", "paid_fen")
COLUMNS = ("link_id", "link_code", "channel", "distributor_id", "display_name", *AMOUNTS)


def _funnel_text(d: Dialect, grouping: FunnelGrouping, by_store: bool, by_distributor: bool) -> str:
    conditions = []
    if by_store:
        conditions.append("d.store_id = :store_id")
    if by_distributor:
        conditions.append("d.id = :distributor_id")
    scope = "".join(f" AND {condition}" for condition in conditions)
    by_link = grouping is FunnelGrouping.LINK
    key = "l.id" if by_link else "l.distributor_id"
    visits = (
        f"SELECT {key} AS k, COUNT(*) AS visits, COUNT(DISTINCT v.member_id) AS unique_visitors,"
        f" {total('CASE WHEN v.outcome IN (:bound, :rebound) THEN 1 ELSE 0 END')} AS bindings"
        " FROM share_visit v JOIN share_link l ON l.id = v.link_id"
        " JOIN distributor d ON d.id = l.distributor_id"
        f" WHERE v.visited_at >= :start AND v.visited_at < :end{scope} GROUP BY {key}"
    )
    orders = (
        f"SELECT {key} AS k, COUNT(*) AS orders,"
        f" {total('CASE WHEN o.paid_at IS NOT NULL THEN o.payable_fen ELSE 0 END')} AS paid_fen"
        ' FROM "order" o JOIN share_link l ON l.id = o.share_link_id'
        " JOIN distributor d ON d.id = l.distributor_id"
        f" WHERE o.created_at >= :start AND o.created_at < :end{scope} GROUP BY {key}"
    )
    if by_link:
        head = (
            "SELECT l.id AS link_id, l.code AS link_code, l.channel, d.id AS distributor_id,"
            " d.display_name,"
        )
        source = " FROM share_link l JOIN distributor d ON d.id = l.distributor_id"
        joined = "l.id"
    else:
        head = (
            "SELECT CAST(NULL AS BIGINT) AS link_id, CAST(NULL AS TEXT) AS link_code,"
            " CAST(NULL AS TEXT) AS channel,"
            " d.id AS distributor_id, d.display_name,"
        )
        source = " FROM distributor d"
        joined = "d.id"
    return (
        f"{head} COALESCE(v.visits, 0) AS visits,"
        " COALESCE(v.unique_visitors, 0) AS unique_visitors,"
        " COALESCE(v.bindings, 0) AS bindings, COALESCE(o.orders, 0) AS orders,"
        f" COALESCE(o.paid_fen, 0) AS paid_fen{source}"
        f" LEFT JOIN ({visits}) v ON v.k = {joined}"
        f" LEFT JOIN ({orders}) o ON o.k = {joined}"
        f" WHERE (v.k IS NOT NULL OR o.k IS NOT NULL){scope}"
    )


REPORT = Report(
    "reports.funnel",
    _funnel_text,
    "paid_fen DESC, visits DESC, distributor_id, link_id",
    AMOUNTS,
    grouping=FunnelGrouping,
    by_store=(False, True),
    by_distributor=(False, True),
)


def funnel_query(filters: FunnelFilters) -> ReportQuery:
    period = filters.period
    params = {
        "start": period.start,
        "end": period.end,
        "store_id": filters.store_id,
        "distributor_id": filters.distributor_id,
    }
    return REPORT.query(
        params,
        grouping=filters.grouping,
        by_store=filters.store_id is not None,
        by_distributor=filters.distributor_id is not None,
    )

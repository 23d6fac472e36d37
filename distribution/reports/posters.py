"""Share funnel per poster template (SPEC 18): visits → unique visitors → bindings → orders →
paid fen of the visits made by scanning a poster's 小程序码 and of the orders those visits
were credited with (`poster_template_id` in the order's attribution snapshot, copied from the
share touch: distribution/attribution.py). Counted like the share funnel (funnel.py): visits
and bindings of the period, orders placed in the period and what those of them that were paid
paid; a store filter keeps the links of that store's distributors. Only templates with a visit
or an order in the period are listed.
"""

from __future__ import annotations

from dataclasses import dataclass

from distribution.reports.funnel import AMOUNTS
from distribution.reports.periods import Period
from distribution.reports.run import Report, ReportQuery, total
from distribution.reports.sql import Dialect


@dataclass(frozen=True)
class PosterFunnelFilters:
    period: Period
    store_id: int | None = None


COLUMNS = ("template_id", "template_name", *AMOUNTS)


def _snapshot_template(d: Dialect) -> str:
    """The poster template in an order's attribution snapshot (JSON), as an integer."""
    if d.postgres:
        return "CAST(o.attribution->>'poster_template_id' AS BIGINT)"
    return "CAST(json_extract(o.attribution, '$.poster_template_id') AS INTEGER)"


def _poster_funnel_text(d: Dialect, by_store: bool) -> str:
    scope = " AND d.store_id = :store_id" if by_store else ""
    template = _snapshot_template(d)
    visits = (
        "SELECT v.poster_template_id AS k, COUNT(*) AS visits,"
        " COUNT(DISTINCT v.member_id) AS unique_visitors,"
        f" {total('CASE WHEN v.outcome IN (:bound, :rebound) THEN 1 ELSE 0 END')} AS bindings"
        " FROM share_visit v JOIN share_link l ON l.id = v.link_id"
        " JOIN distributor d ON d.id = l.distributor_id"
        " WHERE v.visited_at >= :start AND v.visited_at < :end"
        f" AND v.poster_template_id IS NOT NULL{scope} GROUP BY v.poster_template_id"
    )
    # Orders through a link are few among all orders: the index `order_created` (created_at,
    # share_link_id) finds them, and only their snapshots are read.
    orders = (
        f"SELECT {template} AS k, COUNT(*) AS orders,"
        f" {total('CASE WHEN o.paid_at IS NOT NULL THEN o.payable_fen ELSE 0 END')} AS paid_fen"
        ' FROM "order" o JOIN share_link l ON l.id = o.share_link_id'
        " JOIN distributor d ON d.id = l.distributor_id"
        " WHERE o.created_at >= :start AND o.created_at < :end"
        f" AND {template} IS NOT NULL{scope} GROUP BY {template}"
    )
    return (
        "SELECT t.id AS template_id, t.name AS template_name,"
        " COALESCE(v.visits, 0) AS visits, COALESCE(v.unique_visitors, 0) AS unique_visitors,"
        " COALESCE(v.bindings, 0) AS bindings, COALESCE(o.orders, 0) AS orders,"
        " COALESCE(o.paid_fen, 0) AS paid_fen FROM poster_template t"
        f" LEFT JOIN ({visits}) v ON v.k = t.id LEFT JOIN ({orders}) o ON o.k = t.id"
        " WHERE v.k IS NOT NULL OR o.k IS NOT NULL"
    )


REPORT = Report(
    "reports.poster_funnel",
    _poster_funnel_text,
    "paid_fen DESC, visits DESC, template_id",
    AMOUNTS,
    by_store=(False, True),
)


def poster_funnel_query(filters: PosterFunnelFilters) -> ReportQuery:
    period = filters.period
    params = {"start": period.start, "end": period.end, "store_id": filters.store_id}
    return REPORT.query(params, by_store=filters.store_id is not None)

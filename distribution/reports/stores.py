"""Store performance (SPEC 12), per store for a period, with the seeds' identity laid out:
sales = relationships × conversion × frequency × average order value, where relationships are
the service relationships in force at the end of the period, buyers the distinct members with
a paid order served by the store, conversion = buyers / relationships, frequency = orders /
buyers and average order value = sales / orders. Beside them: new members signed up by the
store (开卡, members whose first-touch store it is), the share links its guides created and the
visits those links had, and attainment against HQ's monthly targets for the months the period
touches.

Cost: one grouped pass each over service relationships, the period's paid orders (index
`order_paid`), new members, guide links and their visits (index `share_visit_visited`), and
targets; every store in scope is one row (hundreds).
"""

from __future__ import annotations

from dataclasses import dataclass

from distribution.reports.periods import Period
from distribution.reports.run import Report, ReportQuery, total
from distribution.reports.sql import Dialect


@dataclass(frozen=True)
class StoreFilters:
    period: Period
    store_id: int | None = None


AMOUNTS = (
    "relationships",
    "buyers",
    "orders",
    "sales_fen",
    "distribution_sales_fen",
    "new_members",
    "share_links",
    "share_visits",
    "target_new_members",
    "target_sales_fen",
    "target_distribution_sales_fen",
)
COLUMNS = ("store_id", "store_code", "store_name", *AMOUNTS)


def _store_text(d: Dialect, by_store: bool) -> str:
    start, end, first_month, last_month = ":start", ":end", ":first_month", ":last_month"

    def only(column: str) -> str:
        return f" AND {column} = :store_id" if by_store else ""

    return (
        "SELECT s.id AS store_id, s.code AS store_code, s.name AS store_name,"
        " COALESCE(rel.relationships, 0) AS relationships,"
        " COALESCE(o.buyers, 0) AS buyers, COALESCE(o.orders, 0) AS orders,"
        " COALESCE(o.sales_fen, 0) AS sales_fen,"
        " COALESCE(o.distribution_sales_fen, 0) AS distribution_sales_fen,"
        " COALESCE(nm.new_members, 0) AS new_members,"
        " COALESCE(sl.share_links, 0) AS share_links,"
        " COALESCE(sv.share_visits, 0) AS share_visits,"
        " COALESCE(t.new_members, 0) AS target_new_members,"
        " COALESCE(t.sales_fen, 0) AS target_sales_fen,"
        " COALESCE(t.distribution_sales_fen, 0) AS target_distribution_sales_fen"
        " FROM store s"
        " LEFT JOIN (SELECT store_id, COUNT(*) AS relationships FROM service_relationship"
        f" WHERE valid_from < {end} AND (valid_to IS NULL OR valid_to >= {end})"
        f"{only('store_id')} GROUP BY store_id) rel ON rel.store_id = s.id"
        " LEFT JOIN (SELECT service_store_id AS store_id,"
        " COUNT(DISTINCT member_id) AS buyers, COUNT(*) AS orders,"
        f" {total('payable_fen')} AS sales_fen,"
        " "
        + total("CASE WHEN level1_distributor_id IS NOT NULL THEN payable_fen ELSE 0 END")
        + " AS distribution_sales_fen"
        f' FROM "order" WHERE paid_at >= {start} AND paid_at < {end}'
        f" AND service_store_id IS NOT NULL{only('service_store_id')}"
        " GROUP BY service_store_id) o ON o.store_id = s.id"
        " LEFT JOIN (SELECT source_store_id AS store_id, COUNT(*) AS new_members FROM member"
        f" WHERE created_at >= {start} AND created_at < {end} AND status = :active_member"
        f" AND source_store_id IS NOT NULL{only('source_store_id')}"
        " GROUP BY source_store_id) nm ON nm.store_id = s.id"
        " LEFT JOIN (SELECT d.store_id, COUNT(*) AS share_links FROM share_link l"
        " JOIN distributor d ON d.id = l.distributor_id"
        f" WHERE d.kind = :guide_kind AND l.created_at >= {start} AND l.created_at < {end}"
        f"{only('d.store_id')} GROUP BY d.store_id) sl ON sl.store_id = s.id"
        " LEFT JOIN (SELECT d.store_id, COUNT(*) AS share_visits FROM share_visit v"
        " JOIN share_link l ON l.id = v.link_id JOIN distributor d ON d.id = l.distributor_id"
        f" WHERE d.kind = :guide_kind AND v.visited_at >= {start} AND v.visited_at < {end}"
        f"{only('d.store_id')} GROUP BY d.store_id) sv ON sv.store_id = s.id"
        " LEFT JOIN (SELECT store_id, CAST(SUM(new_members) AS BIGINT) AS new_members,"
        f" {total('sales_fen')} AS sales_fen,"
        f" {total('distribution_sales_fen')} AS distribution_sales_fen"
        f" FROM store_target WHERE month >= {first_month} AND month <= {last_month}"
        f"{only('store_id')} GROUP BY store_id) t ON t.store_id = s.id"
        + (" WHERE s.id = :store_id" if by_store else "")
    )


REPORT = Report("reports.stores", _store_text, "store_id", AMOUNTS, by_store=(False, True))


def store_query(filters: StoreFilters) -> ReportQuery:
    period = filters.period
    params = {
        "start": period.start,
        "end": period.end,
        "first_month": period.first_month,
        "last_month": period.last_month,
        "store_id": filters.store_id,
    }
    return REPORT.query(params, by_store=filters.store_id is not None)

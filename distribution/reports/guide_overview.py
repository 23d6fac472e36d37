"""The store manager's view of their guides (SPEC 22, issue 17 item 6), per guide for a
period: customers served at the end of it, new members the guide signed up (开卡: members
created in the period with the guide as first touch, as the store report counts them per
store), follow-ups recorded, and the paid orders the guide served with their sales.

Task and content figures are not here: they come from other areas and are added per guide by
the API's figure providers (`api/admin/guide_overview.py`).

Cost: one grouped pass each over the guides' relationships, the period's new members (index on
`source_guide_id`), follow-ups (`follow_up_created`) and paid orders (`order_paid`).
"""

from __future__ import annotations

from dataclasses import dataclass

from distribution.reports.periods import Period
from distribution.reports.run import Report, ReportQuery, total
from distribution.reports.sql import Dialect


@dataclass(frozen=True)
class OverviewFilters:
    period: Period
    store_id: int | None = None


AMOUNTS = ("customers", "new_members", "follow_ups", "orders", "sales_fen")
COLUMNS = ("staff_id", "display_name", "store_id", *AMOUNTS)


def _overview_text(d: Dialect, by_store: bool) -> str:
    start, end = ":start", ":end"
    store_filter = " AND st.store_id = :store_id" if by_store else ""
    return (
        "SELECT st.id AS staff_id, st.display_name, st.store_id,"
        " COALESCE(cs.customers, 0) AS customers,"
        " COALESCE(nm.new_members, 0) AS new_members,"
        " COALESCE(fu.follow_ups, 0) AS follow_ups,"
        " COALESCE(o.orders, 0) AS orders, COALESCE(o.sales_fen, 0) AS sales_fen"
        " FROM staff st"
        " LEFT JOIN (SELECT guide_id, COUNT(*) AS customers FROM service_relationship"
        f" WHERE guide_id IS NOT NULL AND valid_from < {end}"
        f" AND (valid_to IS NULL OR valid_to >= {end})"
        " GROUP BY guide_id) cs ON cs.guide_id = st.id"
        " LEFT JOIN (SELECT source_guide_id AS guide_id, COUNT(*) AS new_members FROM member"
        f" WHERE created_at >= {start} AND created_at < {end} AND status = :active_member"
        " AND source_guide_id IS NOT NULL GROUP BY source_guide_id) nm ON nm.guide_id = st.id"
        " LEFT JOIN (SELECT author_id, COUNT(*) AS follow_ups FROM follow_up"
        f" WHERE created_at >= {start} AND created_at < {end}"
        " GROUP BY author_id) fu ON fu.author_id = st.id"
        " LEFT JOIN (SELECT service_guide_id AS guide_id, COUNT(*) AS orders,"
        f" {total('payable_fen')} AS sales_fen"
        f' FROM "order" WHERE paid_at >= {start} AND paid_at < {end}'
        " AND service_guide_id IS NOT NULL GROUP BY service_guide_id) o ON o.guide_id = st.id"
        f" WHERE st.role = :guide_role{store_filter}"
    )


REPORT = Report(
    "reports.guide_overview",
    _overview_text,
    "store_id, display_name, staff_id",
    AMOUNTS,
    by_store=(False, True),
)


def overview_query(filters: OverviewFilters) -> ReportQuery:
    period = filters.period
    params = {"start": period.start, "end": period.end, "store_id": filters.store_id}
    return REPORT.query(params, by_store=filters.store_id is not None)

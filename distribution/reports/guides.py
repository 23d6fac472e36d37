"""Guide performance (SPEC 12), per guide: customers served (service relationships in force at
the end of the period), new customers (relationships that started in the period), new referral
bindings to the guide's distributor, paid orders served by the guide and their sales, the
commission accrued to the guide in the period (every role, after refunds), and the guide's
follow-ups recorded in the period with the orders credited to them (SPEC 22,
`distribution.follow_ups.credit`): how many, how many converted, credited orders and sales.

Cost: one grouped pass each over service relationships, the period's bindings, paid orders
(index `order_paid`) and commission entries (index `commission_entry_created`), joined to the
guides in scope; the follow-ups through `follow_up_created` and each member's orders.
"""

from __future__ import annotations

from dataclasses import dataclass

from distribution.follow_ups.credit import follow_up_figures
from distribution.reports.periods import Period
from distribution.reports.run import Report, ReportQuery, total
from distribution.reports.sql import Dialect


@dataclass(frozen=True)
class GuideFilters:
    period: Period
    store_id: int | None = None


AMOUNTS = (
    "customers",
    "new_customers",
    "new_bindings",
    "orders",
    "sales_fen",
    "commission_fen",
    "follow_ups",
    "converted_follow_ups",
    "follow_up_orders",
    "follow_up_sales_fen",
)
COLUMNS = ("staff_id", "display_name", "store_id", "distributor_id", *AMOUNTS)


def _guide_text(d: Dialect, by_store: bool) -> str:
    start, end = ":start", ":end"
    store_filter = " AND st.store_id = :store_id" if by_store else ""
    return (
        "SELECT st.id AS staff_id, st.display_name, st.store_id, d.id AS distributor_id,"
        " COALESCE(cs.customers, 0) AS customers,"
        " COALESCE(cs.new_customers, 0) AS new_customers,"
        " COALESCE(nb.new_bindings, 0) AS new_bindings,"
        " COALESCE(o.orders, 0) AS orders, COALESCE(o.sales_fen, 0) AS sales_fen,"
        " COALESCE(c.commission_fen, 0) AS commission_fen,"
        " COALESCE(fu.follow_ups, 0) AS follow_ups,"
        " COALESCE(fu.converted_follow_ups, 0) AS converted_follow_ups,"
        " COALESCE(fu.follow_up_orders, 0) AS follow_up_orders,"
        " COALESCE(fu.follow_up_sales_fen, 0) AS follow_up_sales_fen"
        " FROM staff st"
        " LEFT JOIN distributor d ON d.staff_id = st.id"
        " LEFT JOIN (SELECT guide_id,"
        " "
        + total(f"CASE WHEN valid_to IS NULL OR valid_to >= {end} THEN 1 ELSE 0 END")
        + " AS customers, "
        + total(f"CASE WHEN valid_from >= {start} THEN 1 ELSE 0 END")
        + " AS new_customers"
        f" FROM service_relationship WHERE guide_id IS NOT NULL AND valid_from < {end}"
        " GROUP BY guide_id) cs ON cs.guide_id = st.id"
        " LEFT JOIN (SELECT referrer_id, COUNT(*) AS new_bindings FROM referral_binding"
        f" WHERE valid_from >= {start} AND valid_from < {end}"
        " GROUP BY referrer_id) nb ON nb.referrer_id = d.id"
        " LEFT JOIN (SELECT service_guide_id AS guide_id, COUNT(*) AS orders,"
        f" {total('payable_fen')} AS sales_fen"
        f' FROM "order" WHERE paid_at >= {start} AND paid_at < {end}'
        " AND service_guide_id IS NOT NULL GROUP BY service_guide_id) o ON o.guide_id = st.id"
        " LEFT JOIN commission_account a ON a.owner_type = :distributor_owner"
        " AND a.owner_id = d.id"
        f" LEFT JOIN (SELECT account_id, {total('amount_fen')} AS commission_fen"
        f" FROM commission_entry WHERE created_at >= {start} AND created_at < {end}"
        " GROUP BY account_id) c ON c.account_id = a.id"
        f" LEFT JOIN ({follow_up_figures(start, end)}) fu ON fu.author_id = st.id"
        f" WHERE st.role = :guide_role{store_filter}"
    )


REPORT = Report(
    "reports.guides", _guide_text, "sales_fen DESC, staff_id", AMOUNTS, by_store=(False, True)
)


def guide_query(filters: GuideFilters) -> ReportQuery:
    period = filters.period
    params = {"start": period.start, "end": period.end, "store_id": filters.store_id}
    return REPORT.query(params, by_store=filters.store_id is not None)

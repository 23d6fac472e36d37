"""Promoter ranking (SPEC 12): per distributor, the members they referred in the period (new
referral bindings), the paid orders they were level 1 on, what those orders paid, the
commission accrued to them in the period (what remains after refunds), and their withdrawn and
pending balances today. Ranked by paid fen, then commission.

"Paid fen" here and in every report is the payable of orders paid in the period, before any
later refund. Cost: one grouped pass each over the period's bindings, paid orders (index
`order_paid`) and commission entries (index `commission_entry_created`), joined to the
distributors in scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from distribution.models import DistributorKind
from distribution.reports.periods import Period
from distribution.reports.run import Report, ReportQuery, total
from distribution.reports.sql import Dialect


@dataclass(frozen=True)
class PromoterFilters:
    period: Period
    store_id: int | None = None
    kind: DistributorKind | None = None


AMOUNTS = (
    "referred_members",
    "orders",
    "paid_fen",
    "commission_fen",
    "withdrawn_fen",
    "pending_fen",
)
COLUMNS = ("distributor_id", "kind", "display_name", "store_id", *AMOUNTS)


def _promoter_text(d: Dialect, by_store: bool, by_kind: bool) -> str:
    conditions = []
    if by_store:
        conditions.append("d.store_id = :store_id")
    if by_kind:
        conditions.append("d.kind = :kind")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return (
        "SELECT d.id AS distributor_id, d.kind, d.display_name, d.store_id,"
        " COALESCE(r.referred_members, 0) AS referred_members,"
        " COALESCE(o.orders, 0) AS orders, COALESCE(o.paid_fen, 0) AS paid_fen,"
        " COALESCE(c.commission_fen, 0) AS commission_fen,"
        " COALESCE(a.withdrawn_fen, 0) AS withdrawn_fen,"
        " COALESCE(a.pending_fen, 0) AS pending_fen"
        " FROM distributor d"
        " LEFT JOIN (SELECT referrer_id, COUNT(DISTINCT member_id) AS referred_members"
        " FROM referral_binding WHERE valid_from >= :start AND valid_from < :end"
        " GROUP BY referrer_id) r ON r.referrer_id = d.id"
        " LEFT JOIN (SELECT level1_distributor_id AS distributor_id, COUNT(*) AS orders,"
        f" {total('payable_fen')} AS paid_fen"
        ' FROM "order" WHERE paid_at >= :start AND paid_at < :end'
        " AND level1_distributor_id IS NOT NULL"
        " GROUP BY level1_distributor_id) o ON o.distributor_id = d.id"
        " LEFT JOIN commission_account a ON a.owner_type = :distributor_owner"
        " AND a.owner_id = d.id"
        f" LEFT JOIN (SELECT account_id, {total('amount_fen')} AS commission_fen"
        " FROM commission_entry WHERE created_at >= :start AND created_at < :end"
        " GROUP BY account_id) c ON c.account_id = a.id"
        f"{where}"
    )


REPORT = Report(
    "reports.promoters",
    _promoter_text,
    "paid_fen DESC, commission_fen DESC, distributor_id",
    AMOUNTS,
    by_store=(False, True),
    by_kind=(False, True),
)


def promoter_query(filters: PromoterFilters) -> ReportQuery:
    period = filters.period
    params = {
        "start": period.start,
        "end": period.end,
        "store_id": filters.store_id,
        "kind": filters.kind,
    }
    return REPORT.query(
        params, by_store=filters.store_id is not None, by_kind=filters.kind is not None
    )

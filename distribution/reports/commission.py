"""Commission report (SPEC 12): money moved through the commission ledger in a period, per
business day, week or month and per dimension.

Every figure comes from ledger rows, so the report's totals are the ledger's: accrued (ACCRUE),
cancelled before settlement (CANCEL), settled (SETTLE), clawed back after settlement
(CLAWBACK), withdrawn (PAID) and manual adjustments (ADJUST). `pending_now` is what of the
row's accruals is still pending today. The dimension is the beneficiary's: a store account's
store or a guide's store (KOCs and members have none), the distributor kind (STORE for store
accounts), the account's distributor or store, or the entry's role (withdrawals and adjustments
have no role). Cost: one pass over the period's ledger rows (index `ledger_created`) joined to
accounts and distributors (small) and to entries by primary key.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from distribution.reports.periods import Period
from distribution.reports.run import ReportQuery, total
from distribution.reports.sql import Granularity, statement


class CommissionDimension(StrEnum):
    STORE = "STORE"
    DISTRIBUTOR_KIND = "DISTRIBUTOR_KIND"
    DISTRIBUTOR = "DISTRIBUTOR"
    ROLE = "ROLE"


@dataclass(frozen=True)
class CommissionFilters:
    period: Period
    granularity: Granularity = Granularity.DAY
    dimension: CommissionDimension = CommissionDimension.STORE
    store_id: int | None = None


AMOUNTS = (
    "accrued_fen",
    "cancelled_fen",
    "settled_fen",
    "clawed_back_fen",
    "withdrawn_fen",
    "adjusted_fen",
    "pending_now_fen",
)
COLUMNS = ("bucket", "dimension_key", "dimension_label", *AMOUNTS)

_BENEFICIARY_STORE = "CASE WHEN a.owner_type = 'STORE' THEN a.owner_id ELSE d.store_id END"
_KIND = "CASE WHEN a.owner_type = 'STORE' THEN 'STORE' ELSE d.kind END"
# (key, label) per dimension; a DISTRIBUTOR key is 'Store:<id>' or 'Distributor:<id>'.
_DIMENSIONS = {
    CommissionDimension.STORE: (f"CAST({_BENEFICIARY_STORE} AS TEXT)", "s.name"),
    CommissionDimension.DISTRIBUTOR_KIND: (_KIND, _KIND),
    CommissionDimension.DISTRIBUTOR: (
        "CASE WHEN a.owner_type = 'STORE' THEN 'Store:' ELSE 'Distributor:' END"
        " || CAST(a.owner_id AS TEXT)",
        "CASE WHEN a.owner_type = 'STORE' THEN s.name ELSE d.display_name END",
    ),
    CommissionDimension.ROLE: ("e.role", "e.role"),
}


def commission_query(filters: CommissionFilters) -> ReportQuery:
    q = statement()
    bucket = q.bucket("l.created_at", filters.granularity)
    key, label = _DIMENSIONS[filters.dimension]
    store_filter = (
        f" AND {_BENEFICIARY_STORE} = {q.param(filters.store_id)}"
        if filters.store_id is not None
        else ""
    )
    start, end = q.param(filters.period.start), q.param(filters.period.end)
    text = (
        f"SELECT {bucket} AS bucket, {key} AS dimension_key, {label} AS dimension_label,"
        f" {total(_when('ACCRUE', 'l.pending_delta'))} AS accrued_fen,"
        f" {total(_when('CANCEL', '-l.pending_delta'))} AS cancelled_fen,"
        f" {total(_when('SETTLE', 'l.available_delta'))} AS settled_fen,"
        f" {total(_when('CLAWBACK', '-l.available_delta'))} AS clawed_back_fen,"
        f" {total(_when('PAID', 'l.withdrawn_delta'))} AS withdrawn_fen,"
        f" {total(_when('ADJUST', 'l.pending_delta + l.available_delta'))} AS adjusted_fen,"
        " "
        + total("CASE WHEN l.kind = 'ACCRUE' AND e.status = 'PENDING' THEN e.amount_fen ELSE 0 END")
        + " AS pending_now_fen"
        " FROM ledger_entry l"
        " JOIN commission_account a ON a.id = l.account_id"
        " LEFT JOIN distributor d ON a.owner_type = 'DISTRIBUTOR' AND d.id = a.owner_id"
        " LEFT JOIN commission_entry e ON e.id = l.entry_id"
        f" LEFT JOIN store s ON s.id = {_BENEFICIARY_STORE}"
        f" WHERE l.created_at >= {start} AND l.created_at < {end}"
        " AND l.kind IN ('ACCRUE', 'CANCEL', 'SETTLE', 'CLAWBACK', 'PAID', 'ADJUST')"
        f"{store_filter}"
        " GROUP BY 1, 2, 3"
    )
    return ReportQuery(text, q.params, "bucket, dimension_key", AMOUNTS)


def _when(kind: str, amount: str) -> str:
    return f"CASE WHEN l.kind = '{kind}' THEN {amount} ELSE 0 END"

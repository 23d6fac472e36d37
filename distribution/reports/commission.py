"""Commission report (SPEC 12): money moved through the commission ledger in a period, per
business day, week or month and per dimension.

Every figure comes from ledger rows, so the report's totals are the ledger's: accrued (ACCRUE),
cancelled before settlement (CANCEL), settled (SETTLE), clawed back after settlement
(CLAWBACK), withdrawn (PAID) and manual adjustments (ADJUST). `pending_now` is what of the
row's accruals is still pending today. The dimension is the beneficiary's: a store account's
store or a guide's store (KOCs and members have none), the distributor kind (STORE for store
accounts), the account's distributor or store, or the entry's role (withdrawals and adjustments
have no role). Cost: one pass over the period's `commission_day` rollup rows (one per day,
account and role that moved: covering index `commission_day_covering`) and still-pending entries
(covering index `commission_entry_pending`: only the last few weeks' entries are pending),
grouped per bucket and dimension value (numbers and codes) and named afterwards. The rollup is
kept with every ledger write (reports/rollups.py), so its sums are the ledger's: the report no
longer reads the ledger, whose period index is gone (one index less per ledger write).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from distribution.reports.periods import Period
from distribution.reports.rollups import FIGURES
from distribution.reports.run import Report, ReportQuery, total
from distribution.reports.sql import Dialect, Granularity


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


AMOUNTS = (*FIGURES, "pending_now_fen")
COLUMNS = ("bucket", "dimension_key", "dimension_label", *AMOUNTS)

_BENEFICIARY_STORE = "CASE WHEN a.owner_type = :store_owner THEN a.owner_id ELSE d.store_id END"
_ROLLUP_ROLE = "NULLIF(c.role, '')"  # '' in the rollup's key: no entry, no role
# A store account's kind is STORE (the owner type's value).
_KIND = "CASE WHEN a.owner_type = :store_owner THEN :store_owner ELSE d.kind END"
_ACCOUNT_OWNER = (
    " JOIN commission_account a ON a.id = {account}"
    " LEFT JOIN distributor d ON a.owner_type = :distributor_owner AND d.id = a.owner_id"
)


@dataclass(frozen=True)
class _Grouping:
    """How rows are grouped for a dimension: by `group` (a cheap value: a number or a short
    code, so hundreds of thousands of rows are grouped without comparing names), with the
    account's owner joined first when `group` needs it. `key` and `label` are then computed
    from the much smaller grouped rows `t`, joined to what `joins` adds."""

    group: str
    needs_owner: bool
    key: str
    label: str
    joins: str = ""


# A DISTRIBUTOR key is 'Store:<id>' or 'Distributor:<id>'.
_GROUPINGS = {
    CommissionDimension.STORE: _Grouping(
        _BENEFICIARY_STORE,
        True,
        "CAST(t.g AS TEXT)",
        "s.name",
        " LEFT JOIN store s ON s.id = t.g",
    ),
    CommissionDimension.DISTRIBUTOR_KIND: _Grouping(_KIND, True, "t.g", "t.g"),
    CommissionDimension.DISTRIBUTOR: _Grouping(
        "r.account_id",
        False,
        "CASE WHEN a.owner_type = :store_owner THEN 'Store:' ELSE 'Distributor:' END"
        " || CAST(a.owner_id AS TEXT)",
        "CASE WHEN a.owner_type = :store_owner THEN s.name ELSE d.display_name END",
        _ACCOUNT_OWNER.format(account="t.g")
        + " LEFT JOIN store s ON a.owner_type = :store_owner AND s.id = a.owner_id",
    ),
    CommissionDimension.ROLE: _Grouping("r.role", False, "t.g", "t.g"),
}


def _commission_text(
    d: Dialect, granularity: Granularity, dimension: CommissionDimension, by_store: bool
) -> str:
    """The period's rollup rows (and still-pending entries, summed per bucket and account)
    summed per bucket and dimension value, then named: the names are joined to the grouped
    rows only."""
    by_role = dimension is CommissionDimension.ROLE
    # A store's accounts (its own and its guides'), applied before grouping.
    store_accounts = (
        "SELECT a.id FROM commission_account a"
        " LEFT JOIN distributor d ON a.owner_type = :distributor_owner AND d.id = a.owner_id"
        f" WHERE {_BENEFICIARY_STORE} = :store_id"
    )

    def in_store(column: str) -> str:
        return f" AND {column} IN ({store_accounts})" if by_store else ""

    no_role = "CAST(NULL AS TEXT)"
    role = _ROLLUP_ROLE if by_role else no_role
    period_rows = (
        " FROM commission_day c WHERE c.day >= :first_day AND c.day <= :last_day"
        f"{in_store('c.account_id')}"
    )
    # Rollup rows go straight to the joins: grouping them per bucket and account first costs
    # more than it saves (hundreds of thousands of rows sorted, a few fewer joined).
    moved = (
        f"SELECT {d.day_bucket('c.day', granularity)} AS b, c.account_id,"
        f" {role} AS role,"
        + ",".join(f" c.{name}" for name in FIGURES)
        + f", 0 AS pending_now_fen{period_rows}"
    )
    pending = (
        f"SELECT {d.bucket_start('e.created_at', granularity)} AS b, e.account_id,"
        f" {'e.role' if by_role else no_role} AS role"
        + "".join(f", 0 AS {name}" for name in FIGURES)
        + f", {total('e.amount_fen')} AS pending_now_fen FROM commission_entry e"
        " WHERE e.status = :pending_entry AND e.created_at >= :start AND e.created_at < :end"
        f"{in_store('e.account_id')} GROUP BY 1, 2, 3"
    )
    grouping = _GROUPINGS[dimension]
    grouped = (
        f"SELECT r.b, {grouping.group} AS g,"
        + ",".join(f" {total(f'r.{name}')} AS {name}" for name in AMOUNTS)
        + f" FROM ({moved} UNION ALL {pending}) r"
        + (_ACCOUNT_OWNER.format(account="r.account_id") if grouping.needs_owner else "")
        + " GROUP BY 1, 2"
    )
    return (
        f"SELECT {d.bucket_text('t.b')} AS bucket, {grouping.key} AS dimension_key,"
        f" {grouping.label} AS dimension_label,"
        + ",".join(f" t.{name}" for name in AMOUNTS)
        + f" FROM ({grouped}) t{grouping.joins}"
    )


REPORT = Report(
    "reports.commission",
    _commission_text,
    "bucket, dimension_key",
    AMOUNTS,
    granularity=Granularity,
    dimension=CommissionDimension,
    by_store=(False, True),
)


def commission_query(filters: CommissionFilters) -> ReportQuery:
    period = filters.period
    params = {
        "start": period.start,
        "end": period.end,
        "first_day": period.first_day,
        "last_day": period.last_day,
        "store_id": filters.store_id,
    }
    return REPORT.query(
        params,
        granularity=filters.granularity,
        dimension=filters.dimension,
        by_store=filters.store_id is not None,
    )

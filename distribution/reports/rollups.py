"""Report rollups (issue 6): per-day and per-member sums kept beside the rows they summarise,
so a year-long report reads small rollup rows instead of millions of ledger or order rows.

`commission_day` (commission report) is kept by `ledger.move`: one upsert per reported ledger
row, in the move's transaction (ON CONFLICT ... DO UPDATE adds under the row lock, so
concurrent moves never lose an addition). `rebuild_commission_days` recomputes it from the
ledger with set-based SQL: the migration's backfill, the benchmark generator and `siyu
rebuild-report-rollups` use it; `check_commission_days` (`siyu check-ledger`) compares the kept
rows with the same GROUP BY.

`member_cohort_value` (channel cohorts) is kept by the OrderPaid handler (one upsert per payment
within 180 days of joining, none otherwise) and recomputed for the survivor of a One-ID merge,
whose orders then include the absorbed member's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from distribution.models import LedgerKind, MemberCohortValue
from distribution.reports.sql import Statement, connection, is_postgres
from domain import events

# (rollup column, ledger kind, sign, deltas): what a ledger row of that kind adds to the
# commission report, as a positive figure. Other kinds (HOLD, RELEASE) are not reported.
MOVES: tuple[tuple[str, LedgerKind, int, tuple[str, ...]], ...] = (
    ("accrued_fen", LedgerKind.ACCRUE, 1, ("pending",)),
    ("cancelled_fen", LedgerKind.CANCEL, -1, ("pending",)),
    ("settled_fen", LedgerKind.SETTLE, 1, ("available",)),
    ("clawed_back_fen", LedgerKind.CLAWBACK, -1, ("available",)),
    ("withdrawn_fen", LedgerKind.PAID, 1, ("withdrawn",)),
    ("adjusted_fen", LedgerKind.ADJUST, 1, ("pending", "available")),
)
FIGURES = tuple(column for column, _, _, _ in MOVES)
REPORTED_KINDS = frozenset(kind for _, kind, _, _ in MOVES)

_ADD_TO_EXISTING = ", ".join(
    f"{column} = commission_day.{column} + excluded.{column}" for column in FIGURES
)


async def add_to_commission_day(
    day: date, account_id: int, kind: LedgerKind, amounts: dict[str, int], entry_id: int | None
) -> None:
    """Add one ledger row (`amounts`: its deltas by bucket name) to its day's rollup row. The
    entry's role is read in the same statement, so no caller has to pass it."""
    figures = {
        column: sign * sum(amounts[delta] for delta in deltas)
        for column, moved, sign, deltas in MOVES
        if moved is kind
    }
    if not figures:
        return
    q = Statement(is_postgres())
    text = (
        f"INSERT INTO commission_day (day, account_id, role, {', '.join(FIGURES)})"
        f" VALUES ({q.param(day)}, {q.param(account_id)}, COALESCE((SELECT role"
        f" FROM commission_entry WHERE id = {q.param(entry_id)}), ''), "
        + ", ".join(q.param(figures.get(column, 0)) for column in FIGURES)
        + f") ON CONFLICT (day, account_id, role) DO UPDATE SET {_ADD_TO_EXISTING}"
    )
    await connection().execute_query(text, q.params)


def commission_days_from_ledger(q: Statement) -> str:
    """A SELECT of what `commission_day` must hold, grouped from every ledger row: columns day,
    account_id, role and the figures. The rebuild inserts it; `siyu check-ledger` compares the
    rollup kept move by move against it."""
    sums = ", ".join(
        f"COALESCE(SUM(CASE WHEN l.kind = '{kind.value}' THEN"
        f" {sign} * ({' + '.join(f'l.{delta}_delta' for delta in deltas)}) ELSE 0 END), 0)"
        f" AS {column}"
        for column, kind, sign, deltas in MOVES
    )
    kinds = ", ".join(f"'{kind.value}'" for kind in sorted(REPORTED_KINDS))
    return (
        f"SELECT {q.business_day('l.created_at')} AS day, l.account_id AS account_id,"
        f" COALESCE(e.role, '') AS role, {sums}"
        " FROM ledger_entry l LEFT JOIN commission_entry e ON e.id = l.entry_id"
        f" WHERE l.kind IN ({kinds}) GROUP BY 1, 2, 3"
    )


async def rebuild_commission_days(db: BaseDBAsyncClient | None = None) -> None:
    """Recompute `commission_day` from every ledger row (idempotent). Run it in a transaction,
    or with writes stopped, so no move lands between the delete and the insert."""
    db = db or connection()
    await db.execute_query("DELETE FROM commission_day")
    await db.execute_query(
        f"INSERT INTO commission_day (day, account_id, role, {', '.join(FIGURES)}) "
        + commission_days_from_ledger(Statement(is_postgres(db)))
    )


@dataclass(frozen=True)
class DayMismatch:
    """A (business day, account, role) whose `commission_day` figures (in `FIGURES` order)
    differ from what the ledger's rows of that day add up to."""

    day: str
    account_id: int
    role: str
    rollup: tuple[int, ...]
    ledger: tuple[int, ...]


async def check_commission_days() -> list[DayMismatch]:
    """Every rollup row that differs from the ledger grouped by day, account and role (empty
    when sound). One statement: both differences (EXCEPT each way) are computed in the
    database, so only mismatches travel; all-zero rows count as absent on both sides."""
    q = Statement(is_postgres())
    figures = ", ".join(FIGURES)
    nonzero = " OR ".join(f"{column} <> 0" for column in FIGURES)
    expected = (
        f"SELECT day, account_id, role, {figures}"
        f" FROM ({commission_days_from_ledger(q)}) grouped WHERE {nonzero}"
    )
    kept = f"SELECT day, account_id, role, {figures} FROM commission_day WHERE {nonzero}"
    rows = await connection().execute_query_dict(
        f"SELECT 'ledger' AS side, l.* FROM ({expected} EXCEPT {kept}) l"
        f" UNION ALL SELECT 'rollup' AS side, r.* FROM ({kept} EXCEPT {expected}) r"
    )
    zeros = (0,) * len(FIGURES)
    found: dict[tuple[str, int, str], dict[str, tuple[int, ...]]] = {}
    for row in rows:
        key = (str(row["day"]), int(row["account_id"]), row["role"])
        found.setdefault(key, {})[row["side"]] = tuple(int(row[c]) for c in FIGURES)
    return [
        DayMismatch(day, account_id, role, sides.get("rollup", zeros), sides.get("ledger", zeros))
        for (day, account_id, role), sides in sorted(found.items())
    ]


HORIZONS = (30, 90, 180)
COHORT_FIGURES = tuple(f"paid_{days}d_fen" for days in HORIZONS)
_ADD_TO_VALUE = ", ".join(
    f"{column} = member_cohort_value.{column} + excluded.{column}" for column in COHORT_FIGURES
)


async def add_to_cohort_value(member_id: int, paid_at: datetime, payable_fen: int) -> None:
    """Add one paid order to its member's value, to each horizon it falls within (no row is
    written for a payment 180 days or more after joining). One statement: the member's join
    time is read in it."""
    q = Statement(is_postgres())
    paid, amount = q.param(paid_at), f"CAST({q.param(payable_fen)} AS BIGINT)"
    within = {days: q.within_days(paid, "m.created_at", days) for days in HORIZONS}
    await connection().execute_query(
        f"INSERT INTO member_cohort_value (member_id, {', '.join(COHORT_FIGURES)}) SELECT m.id, "
        + ", ".join(f"CASE WHEN {within[days]} THEN {amount} ELSE 0 END" for days in HORIZONS)
        + f" FROM member m WHERE m.id = {q.param(member_id)} AND {within[HORIZONS[-1]]}"
        f" ON CONFLICT (member_id) DO UPDATE SET {_ADD_TO_VALUE}",
        q.params,
    )


async def on_order_paid(event: events.OrderPaid) -> None:
    order = event.order
    await add_to_cohort_value(order.member_id, order.paid_at, order.payable_fen)


async def on_member_merged(event: events.MemberMerged) -> None:
    """The survivor's orders now include the absorbed member's (paid, perhaps, before the
    survivor joined, which still counts: the horizons bound only how late a payment is), so its
    value is recomputed from them. The absorbed member leaves the report (status MERGED) and
    loses its row."""
    await MemberCohortValue.filter(member_id__in=(event.survivor_id, event.absorbed_id)).delete()
    await _insert_cohort_values(connection(), event.survivor_id)


async def rebuild_cohort_values(db: BaseDBAsyncClient | None = None) -> None:
    """Recompute `member_cohort_value` from every paid order (idempotent, in a transaction)."""
    db = db or connection()
    await db.execute_query("DELETE FROM member_cohort_value")
    await _insert_cohort_values(db, None)


async def _insert_cohort_values(db: BaseDBAsyncClient, member_id: int | None) -> None:
    """The value rows of one member (or every member) summed from their paid orders."""
    q = Statement(is_postgres(db))
    within = {days: q.within_days("o.paid_at", "m.created_at", days) for days in HORIZONS}
    only = f" WHERE m.id = {q.param(member_id)}" if member_id is not None else ""
    await db.execute_query(
        f"INSERT INTO member_cohort_value (member_id, {', '.join(COHORT_FIGURES)}) SELECT m.id, "
        + ", ".join(
            f"COALESCE(SUM(CASE WHEN {within[days]} THEN o.payable_fen ELSE 0 END), 0)"
            for days in HORIZONS
        )
        + ' FROM member m JOIN "order" o ON o.member_id = m.id AND o.paid_at IS NOT NULL'
        f" AND {within[HORIZONS[-1]]}{only} GROUP BY m.id",
        q.params,
    )


async def rebuild_report_rollups(db: BaseDBAsyncClient | None = None) -> None:
    """Every report rollup recomputed from the rows it summarises (idempotent)."""
    await rebuild_commission_days(db)
    await rebuild_cohort_values(db)

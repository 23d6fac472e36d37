"""Report rollups (issue 6): per-day sums kept beside the rows they summarise, so a year-long
report reads a few hundred thousand small rows instead of millions of ledger rows.

`commission_day` is kept by `ledger.move` (one upsert per reported ledger row, in the move's
transaction: ON CONFLICT ... DO UPDATE adds under the row lock, so concurrent moves never lose
an addition). `rebuild_commission_days` recomputes it from the ledger with set-based SQL: the
migration's backfill, the benchmark generator and `siyu rebuild-report-rollups` use it.
"""

from __future__ import annotations

from datetime import date

from tortoise.backends.base.client import BaseDBAsyncClient

from distribution.models import LedgerKind
from distribution.reports.sql import Statement, connection, is_postgres

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


async def rebuild_commission_days(db: BaseDBAsyncClient | None = None) -> None:
    """Recompute `commission_day` from every ledger row (idempotent). Run it in a transaction,
    or with writes stopped, so no move lands between the delete and the insert."""
    db = db or connection()
    q = Statement(is_postgres(db))
    sums = ", ".join(
        f"COALESCE(SUM(CASE WHEN l.kind = '{kind.value}' THEN"
        f" {sign} * ({' + '.join(f'l.{delta}_delta' for delta in deltas)}) ELSE 0 END), 0)"
        for _, kind, sign, deltas in MOVES
    )
    kinds = ", ".join(f"'{kind.value}'" for kind in sorted(REPORTED_KINDS))
    await db.execute_query("DELETE FROM commission_day")
    await db.execute_query(
        f"INSERT INTO commission_day (day, account_id, role, {', '.join(FIGURES)})"
        f" SELECT {q.business_day('l.created_at')}, l.account_id, COALESCE(e.role, ''), {sums}"
        " FROM ledger_entry l LEFT JOIN commission_entry e ON e.id = l.entry_id"
        f" WHERE l.kind IN ({kinds}) GROUP BY 1, 2, 3"
    )

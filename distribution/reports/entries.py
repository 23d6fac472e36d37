"""Commission entries one by one, for the commission detail export: read in keyset batches by
id, so a million-row export holds one batch in memory and never holds a connection (or
SQLite's single connection) between batches. The store scope is the beneficiary's store, as in
the commission report."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from distribution.reports import sql
from distribution.reports.periods import Period

BATCH = 5000
COLUMNS = (
    "entry_id",
    "created_at",
    "order_number",
    "role",
    "beneficiary",
    "distributor_kind",
    "status",
    "original_fen",
    "amount_fen",
    "settle_at",
    "settled_at",
)


@dataclass(frozen=True)
class EntryFilters:
    period: Period
    store_id: int | None = None


async def entry_rows(filters: EntryFilters) -> AsyncIterator[tuple]:
    """Entries created in the period, by id, as tuples in COLUMNS order."""
    after = await _before_first(filters.period)
    while True:
        q = sql.statement()
        created = q.unindexed("e.created_at")
        store_filter = (
            " AND CASE WHEN a.owner_type = 'STORE' THEN a.owner_id ELSE d.store_id END"
            f" = {q.param(filters.store_id)}"
            if filters.store_id is not None
            else ""
        )
        text = (
            "SELECT e.id, e.created_at, o.number, e.role,"
            " CASE WHEN a.owner_type = 'STORE' THEN s.name ELSE d.display_name END,"
            " CASE WHEN a.owner_type = 'STORE' THEN 'STORE' ELSE d.kind END,"
            " e.status, e.original_fen, e.amount_fen, e.settle_at, e.settled_at"
            " FROM commission_entry e"
            " JOIN commission_account a ON a.id = e.account_id"
            ' JOIN "order" o ON o.id = e.order_id'
            " LEFT JOIN distributor d ON a.owner_type = 'DISTRIBUTOR' AND d.id = a.owner_id"
            " LEFT JOIN store s ON a.owner_type = 'STORE' AND s.id = a.owner_id"
            f" WHERE e.id > {q.param(after)}"
            f" AND {created} >= {q.param(filters.period.start)}"
            f" AND {created} < {q.param(filters.period.end)}{store_filter}"
            f" ORDER BY e.id LIMIT {BATCH}"
        )
        rows = await sql.connection().execute_query(text, q.params)
        batch = rows[1]
        for row in batch:
            yield tuple(row)
        if len(batch) < BATCH:
            return
        after = batch[-1][0]


async def _before_first(period: Period) -> int:
    """An id just below the period's first entry: ids grow with creation time, so the keyset
    scan starts near the period instead of at the beginning of the table."""
    q = sql.statement()
    text = (
        "SELECT COALESCE(MIN(id), 1) - 1 AS id FROM commission_entry"
        f" WHERE created_at >= {q.param(period.start)} AND created_at < {q.param(period.end)}"
    )
    return int((await sql.fetch(text, q.params))[0]["id"])

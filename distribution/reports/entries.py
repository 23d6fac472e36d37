"""Commission entries one by one, for the commission detail export: read in keyset batches by
id, so a million-row export holds one batch in memory and never holds a connection (or
SQLite's single connection) between batches. The store scope is the beneficiary's store, as in
the commission report."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from distribution.reports.periods import Period
from distribution.reports.sql import CONSTANTS, Dialect
from domain import sql
from domain.sql import Sql

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


def _entries_text(d: Dialect, by_store: bool) -> str:
    created = d.unindexed("e.created_at")
    store_filter = (
        " AND CASE WHEN a.owner_type = :store_owner THEN a.owner_id ELSE d.store_id END = :store_id"
        if by_store
        else ""
    )
    return (
        "SELECT e.id AS entry_id, e.created_at, o.number AS order_number, e.role,"
        " CASE WHEN a.owner_type = :store_owner THEN s.name ELSE d.display_name END"
        " AS beneficiary,"
        " CASE WHEN a.owner_type = :store_owner THEN :store_owner ELSE d.kind END"
        " AS distributor_kind,"
        " e.status, e.original_fen, e.amount_fen, e.settle_at, e.settled_at"
        " FROM commission_entry e"
        " JOIN commission_account a ON a.id = e.account_id"
        ' JOIN "order" o ON o.id = e.order_id'
        " LEFT JOIN distributor d ON a.owner_type = :distributor_owner AND d.id = a.owner_id"
        " LEFT JOIN store s ON a.owner_type = :store_owner AND s.id = a.owner_id"
        f" WHERE e.id > :after AND {created} >= :start AND {created} < :end{store_filter}"
        f" ORDER BY e.id LIMIT {BATCH}"
    )


# One batch of entries, with and without the store scope (both registered).
def _entries_statement(by_store: bool) -> Sql:
    return Sql(
        f"reports.entries[by_store={by_store}]",
        lambda postgres: _entries_text(Dialect(postgres), by_store),
        constants=CONSTANTS,
    )


_BATCH = {by_store: _entries_statement(by_store) for by_store in (False, True)}
_BEFORE_FIRST = Sql(
    "reports.entries.before_first",
    """SELECT COALESCE(MIN(id), 1) - 1 AS id FROM commission_entry
    WHERE created_at >= :start AND created_at < :end""",
)


async def entry_rows(filters: EntryFilters) -> AsyncIterator[tuple]:
    """Entries created in the period, by id, as tuples in COLUMNS order."""
    period = filters.period
    statement = _BATCH[filters.store_id is not None]
    params = {"start": period.start, "end": period.end, "store_id": filters.store_id}
    after = await _before_first(period)
    while True:
        batch = await sql.fetch(statement, after=after, **params)
        for row in batch:
            yield tuple(row[column] for column in COLUMNS)
        if len(batch) < BATCH:
            return
        after = batch[-1]["entry_id"]


async def _before_first(period: Period) -> int:
    """An id just below the period's first entry: ids grow with creation time, so the keyset
    scan starts near the period instead of at the beginning of the table."""
    row = await sql.fetch_one(_BEFORE_FIRST, start=period.start, end=period.end)
    assert row is not None  # an aggregate without GROUP BY always yields one row
    return int(row["id"])

"""Bulk loading for the data generator: PostgreSQL through asyncpg COPY, SQLite through
`executemany` in big transactions on a plain sqlite3 connection. Both take rows as tuples in a
table's column order; datetimes are timezone-aware and JSON values already serialised, and the
SQLite loader writes datetimes as the text Tortoise stores ('YYYY-MM-DD HH:MM:SS[.ffffff]+00:00').
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

FLUSH_ROWS = 50_000


# Columns the models default in Python (so the database has no DEFAULT for them), per table.
CONSTANTS: dict[str, dict[str, Any]] = {
    "order": {
        "tier_discount_fen": 0,
        "coupon_discount_fen": 0,
        "points_used": 0,
        "commission_capped": False,
    },
    "order_item": {
        "tier_discount_fen": 0,
        "coupon_discount_fen": 0,
        "points_discount_fen": 0,
        "restocked_quantity": 0,
        "refund_open": False,
    },
    "commission_account": {"withdraw_day": "", "withdraw_day_count": 0},
    "ledger_entry": {"reason": ""},
    "withdrawal": {"payee_name": "", "payee_bank": "", "payee_encrypted": ""},
}


class Loader:
    """Buffers rows per table and writes them in big batches."""

    def __init__(self) -> None:
        self._buffers: dict[str, tuple[Sequence[str], list[tuple]]] = {}
        self.counts: dict[str, int] = {}

    async def add(self, table: str, columns: Sequence[str], row: tuple) -> None:
        constants = CONSTANTS.get(table, {})
        buffer = self._buffers.setdefault(table, ((*columns, *constants), []))[1]
        buffer.append((*row, *constants.values()))
        if len(buffer) >= FLUSH_ROWS:
            await self._flush(table)

    async def flush(self) -> None:
        for table in list(self._buffers):
            await self._flush(table)

    async def _flush(self, table: str) -> None:
        columns, rows = self._buffers[table]
        if rows:
            await self.write(table, columns, rows)
            self.counts[table] = self.counts.get(table, 0) + len(rows)
            rows.clear()

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        raise NotImplementedError

    async def finish(self) -> None:
        await self.flush()

    async def execute(self, sql: str) -> None:
        raise NotImplementedError


class PostgresLoader(Loader):
    def __init__(self, connection: asyncpg.Connection) -> None:
        super().__init__()
        self.connection = connection

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        await self.connection.copy_records_to_table(table, records=rows, columns=list(columns))

    async def execute(self, sql: str) -> None:
        await self.connection.execute(sql)

    async def finish(self) -> None:
        await super().finish()
        for table in self.counts:
            await self.connection.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'),"
                f' (SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
                if table != "share_touch"
                else "SELECT 1"
            )
        await self.connection.execute("ANALYZE")


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(" ")
    return value


class SqliteLoader(Loader):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=OFF")
        self.connection.execute("PRAGMA cache_size=-262144")
        # Secondary indexes are built once at the end: far faster than row by row.
        self.indexes = [
            (name, sql)
            for name, sql in self.connection.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        ]
        for name, _ in self.indexes:
            self.connection.execute(f'DROP INDEX "{name}"')
        self.connection.execute("BEGIN")

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        marks = ", ".join("?" for _ in columns)
        names = ", ".join(columns)
        self.connection.executemany(
            f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
            ([_sqlite_value(value) for value in row] for row in rows),
        )

    async def execute(self, sql: str) -> None:
        self.connection.execute(sql)

    async def finish(self) -> None:
        await super().finish()
        self.connection.execute("COMMIT")
        for _, sql in self.indexes:
            self.connection.execute(sql)
        self.connection.execute("ANALYZE")
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self.connection.close()

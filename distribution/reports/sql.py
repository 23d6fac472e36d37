"""The one place where SQLite and PostgreSQL differ for reports: placeholders, business-day
buckets, date arithmetic, and how rows are streamed in constant memory.

Business days are Asia/Shanghai days. Shanghai has had no daylight saving since 1991, so on
SQLite a fixed +8 hours shift is exact; PostgreSQL converts with the zone name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from enum import StrEnum
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from domain.sql import bound_value

STREAM_BATCH = 2000


class Granularity(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


def connection() -> BaseDBAsyncClient:
    return connections.get("default")


def is_postgres(db: BaseDBAsyncClient | None = None) -> bool:
    return (db or connection()).capabilities.dialect == "postgres"


class Statement:
    """SQL text with its parameters, collected in order as the text is written."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.params: list[Any] = []

    def param(self, value: Any) -> str:
        """A numbered placeholder for `value` (reusable in the text), bound as
        `domain.sql.bound_value` binds it."""
        self.params.append(bound_value(value, self.postgres))
        return f"{'$' if self.postgres else '?'}{len(self.params)}"

    def bucket(self, column: str, granularity: Granularity) -> str:
        """The first Shanghai day of the day, ISO week (Monday) or month of `column`, as
        'YYYY-MM-DD' text."""
        return self.bucket_text(self.bucket_start(column, granularity))

    def bucket_start(self, column: str, granularity: Granularity) -> str:
        """The bucket of `column` as a cheap grouping key (a local timestamp on PostgreSQL,
        already the text on SQLite); `bucket_text` turns it into 'YYYY-MM-DD' after grouping."""
        if self.postgres:
            unit = granularity.value.lower()
            return f"date_trunc('{unit}', {column} AT TIME ZONE 'Asia/Shanghai')"
        if granularity is Granularity.DAY:
            return f"date({column}, '+8 hours')"
        if granularity is Granularity.WEEK:
            return f"date({column}, '+8 hours', 'weekday 0', '-6 days')"
        return f"strftime('%Y-%m-01', {column}, '+8 hours')"

    def business_day(self, column: str) -> str:
        """The Shanghai day of timestamp `column`, as a DATE (PostgreSQL) or 'YYYY-MM-DD'."""
        if self.postgres:
            return f"CAST({column} AT TIME ZONE 'Asia/Shanghai' AS DATE)"
        return f"date({column}, '+8 hours')"

    def day_bucket(self, column: str, granularity: Granularity) -> str:
        """`bucket_start` for a column that already holds a business day (rollup tables)."""
        if self.postgres:
            unit = granularity.value.lower()
            return f"date_trunc('{unit}', CAST({column} AS TIMESTAMP))"
        if granularity is Granularity.DAY:
            return column
        if granularity is Granularity.WEEK:
            return f"date({column}, 'weekday 0', '-6 days')"
        return f"strftime('%Y-%m-01', {column})"

    def bucket_text(self, start: str) -> str:
        return f"to_char({start}, 'YYYY-MM-DD')" if self.postgres else start

    def unindexed(self, column: str) -> str:
        """`column` in a condition that SQLite must not answer from an index (unary plus), so
        that a keyset scan walks the primary key instead of sorting a range every batch."""
        return column if self.postgres else f"+{column}"

    def within_days(self, later: str, earlier: str, days: int) -> str:
        """`later` falls less than `days` days after `earlier` (both timestamp columns)."""
        if self.postgres:
            return f"{later} < {earlier} + interval '{int(days)} days'"
        return f"julianday({later}) < julianday({earlier}) + {int(days)}"


def statement() -> Statement:
    return Statement(is_postgres())


async def fetch(sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    return list(await connection().execute_query_dict(sql, list(params)))


async def stream(sql: str, params: Sequence[Any]) -> AsyncIterator[tuple]:
    """Every row of `sql`, fetched in batches: a server-side cursor on PostgreSQL, `fetchmany`
    on SQLite, so memory stays flat however many rows there are."""
    db = connection()
    async with db.acquire_connection() as raw:
        if is_postgres(db):
            async with raw.transaction():
                async for record in raw.cursor(sql, *params, prefetch=STREAM_BATCH):
                    yield tuple(record.values())
            return
        async with raw.execute(sql, list(params)) as cursor:
            while rows := await cursor.fetchmany(STREAM_BATCH):
                for row in rows:
                    yield tuple(row)

"""Report statements' composition helpers: the one place where SQLite and PostgreSQL differ for
reports (business-day buckets, date arithmetic) and the enum values reports compare with.

Report statements are `domain.sql` statements like every other hand-written one: named
parameters, registered by name, rendered once per dialect and bound by domain.sql. A report's
text depends on its filters' shape (a store filter or none, the granularity, the dimension):
every variant is built and registered at import (run.py `Report`), so the registry test runs
them all and a request only binds. The text of a statement is a function of the dialect: the
fragments below are written for the `Dialect` it is built for.

Business days are Asia/Shanghai days. Shanghai has had no daylight saving since 1991, so on
SQLite a fixed +8 hours shift is exact; PostgreSQL converts with the zone name.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from distribution.models import AccountOwner, BindingOutcome, DistributorKind, EntryStatus
from domain.members.models import MemberStatus
from domain.org.models import StaffRole

STREAM_BATCH = 2000

# The enum values report statements compare with, bound as parameters (no enum literal is
# written into SQL text: a renamed value fails the registry test, not a report).
CONSTANTS: dict[str, Any] = {
    "store_owner": AccountOwner.STORE,
    "distributor_owner": AccountOwner.DISTRIBUTOR,
    "pending_entry": EntryStatus.PENDING,
    "active_member": MemberStatus.ACTIVE,
    "guide_kind": DistributorKind.GUIDE,
    "guide_role": StaffRole.GUIDE,
    "bound": BindingOutcome.BOUND,
    "rebound": BindingOutcome.REBOUND,
}


class Granularity(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


class Dialect:
    """SQL fragments for one dialect (`postgres` or SQLite)."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres

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

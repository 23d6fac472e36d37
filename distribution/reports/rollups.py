"""Report rollups (issue 6): per-day and per-member sums kept beside the rows they summarise,
so a year-long report reads small rollup rows instead of millions of ledger or order rows.

`commission_day` (commission report) is kept by `ledger.move`: one upsert per reported ledger
row, in the move's transaction (ON CONFLICT ... DO UPDATE adds under the row lock, so
concurrent moves never lose an addition). `rebuild_commission_days` recomputes it from the
ledger with set-based SQL: the benchmark generator and `siyu rebuild-report-rollups` use it
(migrations 0007 and 0008 carry their own frozen copy of the backfill);
`check_commission_days` (`siyu check-ledger`) compares the kept rows with the same GROUP BY.

`member_cohort_value` (channel cohorts) is kept by the OrderPaid handler (one upsert per payment
within 180 days of joining, none otherwise) and recomputed for the survivor of a One-ID merge,
whose orders then include the absorbed member's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from distribution.models import CommissionDay, LedgerKind, MemberCohortValue
from distribution.reports.sql import Dialect
from domain import events, sql
from domain.sql import Sql

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

# Ledger kinds are bound, not written into the text: `:kind_accrue` and so on.
KIND_PARAMS: dict[str, LedgerKind] = {f"kind_{kind.value.lower()}": kind for kind in LedgerKind}


def _kind(kind: LedgerKind) -> str:
    return f":kind_{kind.value.lower()}"


_ADD_TO_EXISTING = ", ".join(
    f"{column} = commission_day.{column} + excluded.{column}" for column in FIGURES
)
_ADD_TO_COMMISSION_DAY = sql.Insert(
    "rollups.commission_day.add",
    CommissionDay,
    values={"role": "COALESCE((SELECT e.role FROM commission_entry e WHERE e.id = :entry_id), '')"},
    tail=f"ON CONFLICT (day, account_id, role) DO UPDATE SET {_ADD_TO_EXISTING}",
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
    row = CommissionDay(day=day, account_id=account_id, **figures)
    await sql.execute(
        _ADD_TO_COMMISSION_DAY, entry_id=entry_id, **_ADD_TO_COMMISSION_DAY.params([row])
    )


def _business_day(postgres: bool) -> str:
    return Dialect(postgres).business_day("l.created_at")


_REPORTED_ROLE = "COALESCE(e.role, '')"
_DELETE_COMMISSION_DAYS = Sql("rollups.commission_day.delete", "DELETE FROM commission_day")
_LEDGER_FIGURES = {
    column: f"COALESCE(SUM(CASE WHEN l.kind = {_kind(kind)} THEN"
    f" {sign} * ({' + '.join(f'l.{delta}_delta' for delta in deltas)}) ELSE 0 END), 0)"
    for column, kind, sign, deltas in MOVES
}


def _grouped_ledger(postgres: bool) -> str:
    """FROM .. GROUP BY of every reported ledger row per business day, account and role."""
    return (
        "FROM ledger_entry l LEFT JOIN commission_entry e ON e.id = l.entry_id"
        f" WHERE l.kind IN ({', '.join(_kind(kind) for kind in sorted(REPORTED_KINDS))})"
        f" GROUP BY {_business_day(postgres)}, l.account_id, {_REPORTED_ROLE}"
    )


_REBUILD_COMMISSION_DAYS = sql.Insert(
    "rollups.commission_day.rebuild",
    CommissionDay,
    values={
        "day": _business_day,
        "account_id": "l.account_id",
        "role": _REPORTED_ROLE,
        **_LEDGER_FIGURES,
    },
    select=_grouped_ledger,
    constants=KIND_PARAMS,
)


def _commission_day_differences(postgres: bool) -> str:
    """Rows the ledger implies but the rollup lacks ('ledger') and the reverse ('rollup'), both
    computed in the database (EXCEPT each way); all-zero rows count as absent on both sides."""
    figures = ", ".join(FIGURES)
    nonzero = " OR ".join(f"{column} <> 0" for column in FIGURES)
    sums = ", ".join(f"{expression} AS {column}" for column, expression in _LEDGER_FIGURES.items())
    expected = (
        f"SELECT day, account_id, role, {figures} FROM (SELECT {_business_day(postgres)} AS day,"
        f" l.account_id AS account_id, {_REPORTED_ROLE} AS role, {sums}"
        f" {_grouped_ledger(postgres)}) grouped WHERE {nonzero}"
    )
    kept = f"SELECT day, account_id, role, {figures} FROM commission_day WHERE {nonzero}"
    return (
        f"SELECT 'ledger' AS side, l.* FROM ({expected} EXCEPT {kept}) l"
        f" UNION ALL SELECT 'rollup' AS side, r.* FROM ({kept} EXCEPT {expected}) r"
    )


_CHECK_COMMISSION_DAYS = Sql(
    "rollups.commission_day.check", _commission_day_differences, constants=KIND_PARAMS
)


async def rebuild_commission_days() -> None:
    """Recompute `commission_day` from every ledger row (idempotent). Run it in a transaction,
    or with writes stopped, so no move lands between the delete and the insert."""
    await sql.execute(_DELETE_COMMISSION_DAYS)
    await sql.execute(_REBUILD_COMMISSION_DAYS, **_REBUILD_COMMISSION_DAYS.params())


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
    when sound). One statement, so only mismatches travel."""
    zeros = (0,) * len(FIGURES)
    found: dict[tuple[str, int, str], dict[str, tuple[int, ...]]] = {}
    for row in await sql.fetch(_CHECK_COMMISSION_DAYS):
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


def _within(later: str, days: int) -> Callable[[bool], str]:
    """`later` falls within `days` days of the member's joining (`m.created_at`)."""
    return lambda postgres: Dialect(postgres).within_days(later, "m.created_at", days)


def _payment_within(days: int) -> Callable[[bool], str]:
    """The payment's amount when it falls within `days` days of joining, else 0."""
    within = _within(":paid_at", days)
    return lambda postgres: (
        f"CASE WHEN {within(postgres)} THEN CAST(:payable_fen AS BIGINT) ELSE 0 END"
    )


def _paid_within(days: int) -> Callable[[bool], str]:
    """What the member's orders paid within `days` days of joining."""
    within = _within("o.paid_at", days)
    return lambda postgres: (
        f"COALESCE(SUM(CASE WHEN {within(postgres)} THEN o.payable_fen ELSE 0 END), 0)"
    )


_ADD_TO_COHORT_VALUE = sql.Insert(
    "rollups.cohort_value.add",
    MemberCohortValue,
    with_key=True,
    values={
        "member_id": "m.id",
        **{f"paid_{days}d_fen": _payment_within(days) for days in HORIZONS},
    },
    select=lambda postgres: (
        f"FROM member m WHERE m.id = :member_id AND {_within(':paid_at', HORIZONS[-1])(postgres)}"
    ),
    tail=f"ON CONFLICT (member_id) DO UPDATE SET {_ADD_TO_VALUE}",
)


async def add_to_cohort_value(member_id: int, paid_at: datetime, payable_fen: int) -> None:
    """Add one paid order to its member's value, to each horizon it falls within (no row is
    written for a payment 180 days or more after joining). One statement: the member's join
    time is read in it."""
    await sql.execute(
        _ADD_TO_COHORT_VALUE,
        member_id=member_id,
        paid_at=paid_at,
        payable_fen=payable_fen,
        **_ADD_TO_COHORT_VALUE.params(),
    )


async def on_order_paid(event: events.OrderPaid) -> None:
    order = event.order
    assert order.paid_at is not None  # OrderPaid carries the order as paid
    await add_to_cohort_value(order.member_id, order.paid_at, order.payable_fen)


async def on_member_merged(event: events.MemberMerged) -> None:
    """The survivor's orders now include the absorbed member's (paid, perhaps, before the
    survivor joined, which still counts: the horizons bound only how late a payment is), so its
    value is recomputed from them. The absorbed member leaves the report (status MERGED) and
    loses its row."""
    await MemberCohortValue.filter(member_id__in=(event.survivor_id, event.absorbed_id)).delete()
    await sql.execute(
        _COHORT_VALUES[True], member_id=event.survivor_id, **_COHORT_VALUES[True].params()
    )


_DELETE_COHORT_VALUES = Sql("rollups.cohort_value.delete", "DELETE FROM member_cohort_value")


def _cohort_values(one_member: bool) -> sql.Insert:
    """The value rows of one member (or every member) summed from their paid orders."""
    only = " WHERE m.id = :member_id" if one_member else ""
    return sql.Insert(
        f"rollups.cohort_value.sum[one_member={one_member}]",
        MemberCohortValue,
        with_key=True,
        values={
            "member_id": "m.id",
            **{f"paid_{days}d_fen": _paid_within(days) for days in HORIZONS},
        },
        select=lambda postgres: (
            'FROM member m JOIN "order" o ON o.member_id = m.id AND o.paid_at IS NOT NULL'
            f" AND {_within('o.paid_at', HORIZONS[-1])(postgres)}{only} GROUP BY m.id"
        ),
    )


_COHORT_VALUES = {one_member: _cohort_values(one_member) for one_member in (False, True)}


async def rebuild_cohort_values() -> None:
    """Recompute `member_cohort_value` from every paid order (idempotent, in a transaction)."""
    await sql.execute(_DELETE_COHORT_VALUES)
    await sql.execute(_COHORT_VALUES[False], **_COHORT_VALUES[False].params())


async def rebuild_report_rollups() -> None:
    """Every report rollup recomputed from the rows it summarises (idempotent)."""
    await rebuild_commission_days()
    await rebuild_cohort_values()

"""Channel cohorts (SPEC 12): members who joined in the period, by acquisition source (their
first-touch channel) and join month, with how many bought within 180 days and what they paid
cumulatively within 30, 90 and 180 days of joining. Value per member is that sum divided by the
cohort's members, in whole fen. A cohort younger than N days has not had N days yet: the API
says so per row.

Merged-away members are left out (their orders moved to the survivor, whose value counts them).
Cost: the period's new members (index on `member.created_at`) each joined to their one
`member_cohort_value` row (primary key), kept on every payment (reports/rollups.py), grouped
once: no order is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from distribution.reports.periods import Period
from distribution.reports.rollups import HORIZONS
from distribution.reports.run import Report, ReportQuery, total
from distribution.reports.sql import Dialect, Granularity
from domain import clock
from domain.clock import SHANGHAI


@dataclass(frozen=True)
class CohortFilters:
    period: Period
    store_id: int | None = None


AMOUNTS = ("members", "buyers", "paid_30d_fen", "paid_90d_fen", "paid_180d_fen")
COLUMNS = ("join_month", "channel", *AMOUNTS)


def _cohort_text(d: Dialect, by_store: bool) -> str:
    return (
        f"SELECT {d.bucket('m.created_at', Granularity.MONTH)} AS join_month,"
        " m.source_channel AS channel, COUNT(*) AS members,"
        f" {total('CASE WHEN v.paid_180d_fen > 0 THEN 1 ELSE 0 END')} AS buyers,"
        + ",".join(f" {total(f'v.paid_{days}d_fen')} AS paid_{days}d_fen" for days in HORIZONS)
        + " FROM member m LEFT JOIN member_cohort_value v ON v.member_id = m.id"
        " WHERE m.created_at >= :start AND m.created_at < :end AND m.status = :active_member"
        + (" AND m.source_store_id = :store_id" if by_store else "")
        + " GROUP BY 1, 2"
    )


REPORT = Report(
    "reports.cohorts", _cohort_text, "join_month, channel", AMOUNTS, by_store=(False, True)
)


def cohort_query(filters: CohortFilters) -> ReportQuery:
    period = filters.period
    params = {"start": period.start, "end": period.end, "store_id": filters.store_id}
    return REPORT.query(params, by_store=filters.store_id is not None)


def complete_days(join_month: str) -> int:
    """Days the youngest member of a cohort joined in `join_month` has had so far, up to 180."""
    first = date.fromisoformat(join_month[:7] + "-01")
    next_month = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    end = datetime.combine(next_month, time(), SHANGHAI)
    return max(0, min(HORIZONS[-1], (clock.now() - end).days))

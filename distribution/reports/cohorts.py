"""Channel cohorts (SPEC 12): members who joined in the period, by acquisition source (their
first-touch channel) and join month, with how many bought within 180 days and what they paid
cumulatively within 30, 90 and 180 days of joining. Value per member is that sum divided by the
cohort's members, in whole fen. A cohort younger than N days has not had N days yet: the API
says so per row.

Merged-away members are left out (their orders moved to the survivor). Cost: the period's new
members (index on `member.created_at`) each joined to their paid orders (index
`order_member_created`), grouped twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from distribution.reports.periods import Period
from distribution.reports.run import ReportQuery, total
from distribution.reports.sql import Granularity, statement
from domain import clock
from domain.clock import SHANGHAI

HORIZONS = (30, 90, 180)


@dataclass(frozen=True)
class CohortFilters:
    period: Period
    store_id: int | None = None


AMOUNTS = ("members", "buyers", "paid_30d_fen", "paid_90d_fen", "paid_180d_fen")
COLUMNS = ("join_month", "channel", *AMOUNTS)


def cohort_query(filters: CohortFilters) -> ReportQuery:
    q = statement()
    start, end = q.param(filters.period.start), q.param(filters.period.end)
    store_filter = (
        f" AND m.source_store_id = {q.param(filters.store_id)}"
        if filters.store_id is not None
        else ""
    )
    within = {days: q.within_days("o.paid_at", "m.created_at", days) for days in HORIZONS}
    per_member = (
        f"SELECT m.id, {q.bucket('m.created_at', Granularity.MONTH)} AS join_month,"
        " m.source_channel AS channel,"
        + ",".join(
            f" {total(f'CASE WHEN {within[days]} THEN o.payable_fen ELSE 0 END')} AS v{days}"
            for days in HORIZONS
        )
        + ' FROM member m LEFT JOIN "order" o ON o.member_id = m.id AND o.paid_at IS NOT NULL'
        f" AND {within[180]}"
        f" WHERE m.created_at >= {start} AND m.created_at < {end} AND m.status = 'ACTIVE'"
        f"{store_filter}"
        " GROUP BY m.id, m.created_at, m.source_channel"
    )
    text = (
        "SELECT p.join_month, p.channel, COUNT(*) AS members,"
        f" {total('CASE WHEN p.v180 > 0 THEN 1 ELSE 0 END')} AS buyers,"
        f" {total('p.v30')} AS paid_30d_fen, {total('p.v90')} AS paid_90d_fen,"
        f" {total('p.v180')} AS paid_180d_fen"
        f" FROM ({per_member}) p GROUP BY p.join_month, p.channel"
    )
    return ReportQuery(text, q.params, "join_month, channel", AMOUNTS)


def complete_days(join_month: str) -> int:
    """Days the youngest member of a cohort joined in `join_month` has had so far, up to 180."""
    first = date.fromisoformat(join_month[:7] + "-01")
    next_month = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    end = datetime.combine(next_month, time(), SHANGHAI)
    return max(0, min(HORIZONS[-1], (clock.now() - end).days))

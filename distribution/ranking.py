"""The distributors' monthly ranking (排行榜, SPEC 21): member distributors by the commission
settled to them this Asia/Shanghai month, opt-in.

Everybody with commission settled this month is ranked, but a name is shown only for those who
opted in (`Distributor.ranking_opt_in`, from the shop API); the others are listed without one.
The caller learns their own rank and amount whether or not they opted in.

Decided here: the figure is what settlement moved to available this month (the
`commission_day` rollup's `settled_fen`, summed over the month's business days), the same figure
the commission report shows; a later clawback does not rewrite a past month. Only ACTIVE member
distributors (KOC, MEMBER, SHOP) are ranked: guides are staff, measured in the guide reports,
and a frozen or disabled distributor is not put on show. Equal amounts share a rank (1, 2, 2,
4); the list is cut after `top` rows, ties ordered by who became a distributor first.

One statement: the month's rollup rows of distributor accounts, summed and ranked, then the top
rows and the caller's row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from distribution.models import AccountOwner, DistributorStatus
from domain import clock, sql
from domain.errors import DomainError, ErrorCode
from domain.sql import Sql

TOP_MAX = 50

_RANKING = Sql(
    "ranking.month",
    """WITH totals AS (
      SELECT a.owner_id AS distributor_id, SUM(c.settled_fen) AS settled_fen
      FROM commission_day c
      JOIN commission_account a ON a.id = c.account_id AND a.owner_type = :distributor_owner
      JOIN distributor d ON d.id = a.owner_id AND d.status = :active
        AND d.member_id IS NOT NULL
      WHERE c.day >= :month_start AND c.day < :next_month_start
      GROUP BY a.owner_id
      HAVING SUM(c.settled_fen) > 0
    ), ranked AS (
      SELECT distributor_id, settled_fen,
        RANK() OVER (ORDER BY settled_fen DESC) AS rank,
        ROW_NUMBER() OVER (ORDER BY settled_fen DESC, distributor_id) AS position
      FROM totals
    )
    SELECT r.rank, r.position, r.distributor_id, r.settled_fen, d.ranking_opt_in, d.display_name
    FROM ranked r JOIN distributor d ON d.id = r.distributor_id
    WHERE r.position <= :top OR r.distributor_id = :me
    ORDER BY r.position""",
    constants={"distributor_owner": AccountOwner.DISTRIBUTOR, "active": DistributorStatus.ACTIVE},
)


@dataclass(frozen=True)
class RankedDistributor:
    rank: int
    distributor_id: int
    settled_fen: int
    display_name: str | None  # None unless the distributor opted in


@dataclass(frozen=True)
class Ranking:
    month: str  # YYYY-MM, Asia/Shanghai
    top: list[RankedDistributor]
    mine: RankedDistributor | None  # the caller's row; None when not ranked this month


def month_bounds(today: date) -> tuple[date, date]:
    """The first day of `today`'s month and of the next one."""
    start = today.replace(day=1)
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, following


async def monthly_ranking(top: int, me: int | None) -> Ranking:
    """The top `top` (1..TOP_MAX) of this month, and the row of distributor `me` if ranked."""
    if not 1 <= top <= TOP_MAX:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "top", f"1..{TOP_MAX}")
    today = clock.to_shanghai(clock.now()).date()
    start, following = month_bounds(today)
    rows = await sql.fetch(
        _RANKING,
        month_start=start,
        next_month_start=following,
        top=top,
        me=me or 0,
    )
    ranked = [
        (
            row["position"],
            RankedDistributor(
                rank=row["rank"],
                distributor_id=row["distributor_id"],
                settled_fen=row["settled_fen"],
                display_name=row["display_name"] if row["ranking_opt_in"] else None,
            ),
        )
        for row in rows
    ]
    return Ranking(
        month=start.strftime("%Y-%m"),
        top=[entry for position, entry in ranked if position <= top],
        mine=next((entry for _, entry in ranked if entry.distributor_id == me), None),
    )

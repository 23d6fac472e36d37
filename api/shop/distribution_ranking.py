"""The distributors' monthly ranking (排行榜) in the shop API, and a distributor's opt-in."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import require_member
from api.graphql.errors import UserError
from api.graphql.scalars import Long
from distribution import ranking
from distribution.models import Distributor
from domain.errors import DomainError, ErrorCode


@strawberry.type(description="One distributor's place in the month's ranking.")
class RankingEntry:
    rank: int = strawberry.field(description="1 for the most; equal amounts share a rank.")
    display_name: str | None = strawberry.field(
        description="The distributor's name if they opted in; null (anonymous) otherwise."
    )
    settled_fen: Long = strawberry.field(  # type: ignore[valid-type]
        description="Commission settled to them this month, in fen."
    )
    is_me: bool = strawberry.field(description="This row is the caller's.")


@strawberry.type(description="Member distributors by commission settled this month (排行榜).")
class CommissionRanking:
    month: str = strawberry.field(description="The Asia/Shanghai month ranked, YYYY-MM.")
    entries: list[RankingEntry] = strawberry.field(description="The top of the ranking.")
    me: RankingEntry | None = strawberry.field(
        description=(
            "The caller's own row, opted in or not; null when they earned nothing settled this "
            "month or are no distributor."
        )
    )
    opted_in: bool = strawberry.field(description="Whether the caller's name is shown to others.")


@strawberry.type
class RankingOptInPayload:
    opted_in: bool | None = strawberry.field(
        default=None, description="The caller's choice as now stored."
    )
    errors: list[UserError]


def _entry(row: ranking.RankedDistributor, me: int | None) -> RankingEntry:
    return RankingEntry(
        rank=row.rank,
        display_name=row.display_name,
        settled_fen=row.settled_fen,
        is_me=row.distributor_id == me,
    )


async def commission_ranking(
    info: Info,
    top: Annotated[
        int, strawberry.argument(description=f"How many rows, 1..{ranking.TOP_MAX}.")
    ] = 10,
) -> CommissionRanking:
    """Three statements whatever the number of distributors: the token, the caller's
    distributor, the ranking."""
    member_id = await require_member(info)
    mine = await Distributor.filter(member_id=member_id).first().values("id", "ranking_opt_in")
    me = mine["id"] if mine else None
    result = await ranking.monthly_ranking(top, me)
    return CommissionRanking(
        month=result.month,
        entries=[_entry(row, me) for row in result.top],
        me=_entry(result.mine, me) if result.mine else None,
        opted_in=bool(mine and mine["ranking_opt_in"]),
    )


async def set_ranking_opt_in(
    info: Info,
    opt_in: Annotated[
        bool, strawberry.argument(description="true shows the caller's name in the ranking.")
    ],
) -> RankingOptInPayload:
    member_id = await require_member(info)
    if not await Distributor.filter(member_id=member_id).update(ranking_opt_in=opt_in):
        raise DomainError(ErrorCode.NOT_A_DISTRIBUTOR)
    return RankingOptInPayload(opted_in=opt_in, errors=[])
